"""Identical answers, scored once: same model, same prompt, same text.

With temperature 0 and a seed, 150 rounds of one prompt can give one text 150 times; scoring
(or judging) each copy is 150 times the work for no information. The scoring order shows one
answer per group (the first in run order), and a score or note given to it is written for
every sample in the group: the file still keys scores by sample, so reports, agreement and
the arena count exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterable

from foundry_bench.core.results.records import Sample

Groups = dict[str, tuple[str, ...]]


def answer_groups(samples: Iterable[Sample]) -> Groups:
    """For each sample key, the keys of every sample with the same model, prompt and text (in
    the order given, itself included); the first key is the group's own."""
    by_text: dict[tuple[str, str, str], list[str]] = {}
    for sample in samples:
        by_text.setdefault((sample.model, sample.prompt_id, sample.response), []).append(sample.key)
    groups: Groups = {}
    for keys in by_text.values():
        members = tuple(keys)
        for key in members:
            groups[key] = members
    return groups


def group_heads(keys: Iterable[str], groups: Groups) -> list[str]:
    """``keys`` without the members that are not the first of their group."""
    return [k for k in keys if groups.get(k, (k,))[0] == k]
