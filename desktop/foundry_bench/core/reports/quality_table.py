"""The quality table of the reports: criteria by their readable names, one column per model.

A run has a few models and many criteria (four rubric ones and every prompt's aspects), so
criteria are the rows; a criterion's name is the aspect as the prompt wrote it, never the
internal ``aspect:<slug>`` key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from foundry_bench.core.config.rubric import aspect_id
from foundry_bench.core.quality.rows import QualityRow, criteria_of
from foundry_bench.core.reports.content import QUALITY_HEADER, fmt_quality
from foundry_bench.core.reports.text import fmt_number
from foundry_bench.core.results.records import Run


def criterion_labels(run: Run, criteria: Sequence[str]) -> dict[str, str]:
    """What a reader calls each criterion: a prompt's aspect as written ("states the
    decision ..."), a rubric id in words ("Correctness"), never the internal key."""
    aspects: dict[str, str] = {}
    for prompt in run.prompts:
        for aspect in prompt.get("aspects") or [] if isinstance(prompt, Mapping) else []:
            if isinstance(aspect, str):
                aspects.setdefault(aspect_id(aspect), aspect.strip())
    labels = {}
    for ident in criteria:
        words = ident.replace("_", " ").replace("-", " ").strip()
        labels[ident] = aspects.get(ident) or (words[:1].upper() + words[1:]) or ident
    return labels


def quality_table(run: Run, quality: Sequence[QualityRow]) -> tuple[list[str], list[list[str]]]:
    """The quality scores with one column per model and one row per criterion (a run has
    a few models and many criteria: models as rows made a table of 15 columns)."""
    rows = list(quality)
    criteria = criteria_of(rows)
    labels = criterion_labels(run, criteria)
    body = [
        [QUALITY_HEADER, *(fmt_quality(r) for r in rows)],
        ["Scores", *(fmt_number(r["n"], 0) for r in rows)],
        *([labels[c], *(fmt_number(r["criteria"].get(c), 2) for r in rows)] for c in criteria),
    ]
    return ["Criterion", *(str(r["model"]) for r in rows)], body
