"""Which answers are scored, in which order, and which pairs are shown side by side.

The blind order is a seeded shuffle that two annotators of the same run share: the seed is
derived from the run id (and stored in the file), and the order sorts answers by a SHA-256 of
seed and key, so it depends on no library's random generator and an answer keeps its place
relative to the others whatever else the run holds.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.config.rubric import ASPECT_PREFIX, Criterion, aspect_id
from foundry_bench.core.results.records import Run, Sample


def seed_for_run(run_id: str) -> int:
    """The default shuffle seed: the same for everyone who scores this run."""
    return int.from_bytes(hashlib.sha256(run_id.encode("utf-8")).digest()[:4], "big")


def run_prompts(run: Run) -> list[PromptSpec]:
    """The run's prompts as specs (a prompt dict with odd fields is read leniently)."""
    out: list[PromptSpec] = []
    for raw in run.prompts:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        aspects = raw.get("aspects") or []
        out.append(
            PromptSpec(
                id=raw["id"],
                text=str(raw.get("text") or ""),
                aspects=tuple(a for a in aspects if isinstance(a, str) and a.strip()),
                system=raw.get("system") if isinstance(raw.get("system"), str) else None,
            )
        )
    return out


def criteria_by_prompt(criteria: Sequence[Criterion], run: Run) -> dict[str, list[Criterion]]:
    """For each prompt id: the rubric criteria, then that prompt's own aspects.

    A prompt's aspects are criteria for its answers only; the other prompts' aspects do not
    apply to it. A prompt unknown to the run gets the rubric criteria alone.
    """
    by_id = {c.id: c for c in criteria}
    rubric = [c for c in criteria if not c.id.startswith(ASPECT_PREFIX)]
    out: dict[str, list[Criterion]] = {}
    for prompt in run_prompts(run):
        own = [by_id[a] for a in dict.fromkeys(aspect_id(x) for x in prompt.aspects) if a in by_id]
        out[prompt.id] = rubric + own
    out.setdefault("", rubric)
    return out


def scorable_samples(run: Run) -> list[Sample]:
    """The answers to score: timed (no warm-ups) and ``ok``, in the run's order."""
    return [s for s in run.samples if not s.warmup and s.status == "ok"]


def _hash_rank(seed: int, *parts: str) -> bytes:
    return hashlib.sha256("\x1f".join((str(seed), *parts)).encode("utf-8")).digest()


def blind_order(keys: Iterable[str], seed: int) -> list[str]:
    """The keys in the seeded blind order (see the module docstring)."""
    return sorted(keys, key=lambda k: _hash_rank(seed, k))


def run_order(run: Run) -> list[str]:
    """Answer keys as the run lists them, grouped by model, then prompt, then round."""
    models = {m.id: i for i, m in enumerate(run.models)}
    prompts = {p.get("id"): i for i, p in enumerate(run.prompts) if isinstance(p, dict)}
    samples = scorable_samples(run)
    samples.sort(
        key=lambda s: (
            models.get(s.model, len(models)),
            prompts.get(s.prompt_id, len(prompts)),
            s.round,
        )
    )
    return [s.key for s in samples]


@dataclass(frozen=True)
class Pair:
    """Two models' answers to one prompt in one round (``model_a`` first in the run)."""

    prompt_id: str
    round: int
    sample_a: str
    sample_b: str
    model_a: str
    model_b: str

    def swapped(self, seed: int) -> bool:
        """Whether blind mode shows B on the left (so position says nothing of the model)."""
        return _hash_rank(seed, self.sample_a, self.sample_b)[0] & 1 == 1


def side_by_side_pairs(run: Run, seed: int | None = None) -> list[Pair]:
    """Every pair of models' answers to the same prompt and round.

    In run order, or in a seeded blind order when ``seed`` is given.
    """
    model_rank = {m.id: i for i, m in enumerate(run.models)}
    groups: dict[tuple[str, int], list[Sample]] = {}
    for sample in scorable_samples(run):
        groups.setdefault((sample.prompt_id, sample.round), []).append(sample)
    pairs: list[Pair] = []
    for (prompt_id, round_no), samples in groups.items():
        samples.sort(key=lambda s: model_rank.get(s.model, len(model_rank)))
        for a, b in itertools.combinations(samples, 2):
            if a.model != b.model:
                pairs.append(Pair(prompt_id, round_no, a.key, b.key, a.model, b.model))
    if seed is not None:
        pairs.sort(key=lambda p: _hash_rank(seed, p.sample_a, p.sample_b))
    return pairs
