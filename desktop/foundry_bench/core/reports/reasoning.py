"""How long reasoning models thought before answering, the same in every report format.

Shown only when a model reasoned in the run: for such a model TTFT is the first token of its
thinking and TTFA (time to first answer token) what a user waits for when thinking is hidden
(docs/design.md, "Metric definitions").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import fmean, median
from typing import Any

from foundry_bench.core.reports.text import fmt_number, plain_text, stat_of
from foundry_bench.core.results.records import Run, Sample

REASONING_HEADER = (
    "Model",
    "Answers with thinking",
    "p50 TTFT (ms)",
    "p50 TTFA (ms)",
    "p50 thinking (ms)",
    "Mean reasoning tokens",
    "Reasoning tokens from",
)

#: Columns of ``REASONING_HEADER`` that hold text (escaped by each format), not numbers.
REASONING_TEXT_COLUMNS = frozenset({0, 6})


def has_reasoning(run: Run) -> bool:
    return any(s.reasoned for s in run.timed_samples() if s.status == "ok")


def _cells(model: str, entry: Mapping[str, Any], samples: Sequence[Sample]) -> list[str]:
    thinking = [s.reasoning_s for s in samples if s.reasoning_s is not None]
    tokens = [s.reasoning_tokens for s in samples if s.reasoning_tokens is not None]
    sources = sorted({str(s.reasoning_tokens_source) for s in samples if s.reasoning_tokens})
    return [
        plain_text(model),
        f"{len(samples)} of {entry.get('n_ok') or 0}",
        fmt_number(stat_of(entry, "ttft_s", "p50"), 1, 1000.0),
        fmt_number(stat_of(entry, "ttfa_s", "p50"), 1, 1000.0),
        fmt_number(median(thinking) if thinking else None, 1, 1000.0),
        fmt_number(fmean(tokens) if tokens else None, 1),
        plain_text(", ".join(sources)),
    ]


def reasoning_rows(run: Run, summary: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """One row per model that reasoned in its timed ``ok`` answers, in summary order."""
    reasoned: dict[str, list[Sample]] = {}
    for s in run.timed_samples():
        if s.status == "ok" and s.reasoned:
            reasoned.setdefault(s.model, []).append(s)
    return [
        _cells(str(entry.get("model")), entry, reasoned[str(entry.get("model"))])
        for entry in summary
        if str(entry.get("model")) in reasoned
    ]
