"""Quality scores as reports and comparisons use them: one row per model.

A row is ``{"model": str, "mean": float | None, "ci": [lo, hi] | None, "n": int,
"criteria": {criterion_id: mean}, "arena": {"rating", "ci_low", "ci_high", "wins", "losses",
"ties"} | None}``: people's scores only (an automatic judge is kept apart by
:func:`~foundry_bench.core.quality.summary.quality_summary`; its side-by-side votes count in
``arena`` only on request). :func:`load_quality` reads annotation files and summarises them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundry_bench.core.quality.annotations import AnnotationFileError, AnnotationSet, MergeError
from foundry_bench.core.quality.arena import arena_ratings
from foundry_bench.core.quality.files import load_annotations
from foundry_bench.core.quality.summary import quality_summary
from foundry_bench.core.results.records import Run

QualityRow = dict[str, Any]


class QualityInputError(ValueError):
    """An annotation file cannot be used; the message names the file and the problem."""


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def rows_from_summary(summary: Sequence[Mapping[str, Any]]) -> list[QualityRow]:
    """Report rows from :func:`quality_summary`'s entries (their ``criteria`` is a list)."""
    rows: list[QualityRow] = []
    for entry in summary:
        ci = entry.get("ci")
        criteria = {
            str(c["criterion"]): mean
            for c in entry.get("criteria") or []
            if (mean := _number(c.get("mean"))) is not None
        }
        rows.append(
            {
                "model": str(entry["model"]),
                "mean": _number(entry.get("mean")),
                "ci": [float(ci[0]), float(ci[1])] if ci else None,
                "n": int(entry.get("n_scores") or 0),
                "criteria": criteria,
            }
        )
    return rows


def quality_by_model(quality: Sequence[QualityRow] | None) -> dict[str, QualityRow]:
    return {row["model"]: row for row in quality or []}


def criteria_of(quality: Sequence[QualityRow] | None) -> list[str]:
    """Every criterion id, in first-seen order."""
    seen: dict[str, None] = {}
    for row in quality or []:
        seen.update(dict.fromkeys(row["criteria"]))
    return list(seen)


def with_arena(
    rows: list[QualityRow], run: Run, sets: Sequence[AnnotationSet], *, judge_votes: bool = False
) -> list[QualityRow]:
    """``rows`` with each model's arena rating (``core.quality.arena``), None without votes."""
    arena = {e["model"]: e for e in arena_ratings(run, sets, include_judges=judge_votes)}
    for row in rows:
        entry = arena.get(row["model"])
        row["arena"] = {k: v for k, v in entry.items() if k != "model"} if entry else None
    return rows


def arena_of(quality: Sequence[QualityRow] | None) -> list[dict[str, Any]]:
    """The report's ``"arena"`` list: models with votes, best rating first."""
    rated = [{"model": r["model"], **r["arena"]} for r in quality or [] if r.get("arena")]
    return sorted(rated, key=lambda e: -e["rating"])


def load_quality(run: Run, paths: Sequence[Path], *, judge_votes: bool = False) -> list[QualityRow]:
    """Per-model quality of ``run`` from annotation files (which may repeat, one per
    annotator), with the arena ratings of their side-by-side votes (people's, and the
    judges' too with ``judge_votes``). Raises :class:`QualityInputError` naming the file and
    the problem."""
    sets = []
    for path in paths:
        try:
            sets.append(load_annotations(path))
        except (OSError, AnnotationFileError) as exc:
            message = str(exc) or type(exc).__name__
            raise QualityInputError(
                message if str(path) in message else f"{path}: {message}"
            ) from exc
    try:
        summary = quality_summary(run, sets)
    except MergeError as exc:
        raise QualityInputError(f"annotations do not fit run {run.run_id}: {exc}") from exc
    return with_arena(rows_from_summary(summary), run, sets, judge_votes=judge_votes)


def find_annotation_files(run_dir: Path) -> list[Path]:
    """Annotation files saved next to a run (``annotations.json``, ``annotations-*.json``)."""
    return sorted(p for p in run_dir.glob("annotations*.json") if p.is_file())


@dataclass(frozen=True)
class QualityResult:
    rows: list[QualityRow] | None
    note: str  # why there are no scores, or which files gave them


def quality_for(run: Run, run_dir: Path | None) -> QualityResult:
    """Scores from the annotation files next to the run; never fails (reports without scores
    are still worth writing), the note says what happened."""
    files = find_annotation_files(run_dir) if run_dir else []
    if not files:
        return QualityResult(None, "no annotation files in the run folder")
    try:
        rows = load_quality(run, files)
    except QualityInputError as exc:
        return QualityResult(None, f"quality scores left out: {exc}")
    return QualityResult(rows, f"quality from {', '.join(p.name for p in files)}")
