"""Quality scores as reports use them, and the one bridge to ``core.annotations``.

Reports take a generic ``quality`` list, one entry per model::

    {"model": str, "mean": float | None, "ci": [lo, hi] | None, "n": int,
     "criteria": {criterion_id: mean}}

so they do not depend on how annotation files are read or merged. :func:`load_quality` turns
annotation files into that list through ``core.annotations`` (``load_annotations(path)`` and
``quality_summary(run, annotation_sets)``), imported only when asked for: a build without it
still writes every report, and says clearly why it cannot add scores.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from foundry_bench.core.results.records import Run

QualityRow = dict[str, Any]
ANNOTATIONS_MODULE = "foundry_bench.core.quality.annotations"


class QualityUnavailable(ValueError):
    """Quality scores were asked for but this build cannot read annotation files."""


class QualityInputError(ValueError):
    """An annotation file cannot be used; the message names the file and the problem."""


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _ci(value: object) -> list[float] | None:
    if isinstance(value, Mapping):  # {"lo": .., "hi": ..} or {"low": .., "high": ..}
        value = [value.get("lo", value.get("low")), value.get("hi", value.get("high"))]
    if isinstance(value, list | tuple) and len(value) == 2:
        lo, hi = _number(value[0]), _number(value[1])
        if lo is not None and hi is not None:
            return [min(lo, hi), max(lo, hi)]
    return None


def normalize_quality(items: Iterable[Mapping[str, Any]] | None) -> list[QualityRow] | None:
    """Quality entries in the canonical shape above (``None`` stays ``None``).

    Tolerant on purpose, so reports keep working as ``core.annotations`` evolves: ``ci`` may
    also be ``ci95``; ``n`` may be ``n_scores``; ``criteria`` may be a mapping (criterion id ->
    number or ``{"mean": ...}``) or a list of ``{"criterion": id, "mean": ...}`` (what
    ``core.annotations.quality_summary`` returns); entries without a model id are dropped;
    non-numbers become None.
    """
    if items is None:
        return None
    rows: list[QualityRow] = []
    for item in items:
        if not isinstance(item, Mapping) or item.get("model") is None:
            continue
        criteria: dict[str, float] = {}
        raw = item.get("criteria")
        pairs: Iterable[tuple[object, object]] = ()
        if isinstance(raw, Mapping):
            pairs = raw.items()
        elif isinstance(raw, list):
            pairs = ((c.get("criterion", c.get("id")), c) for c in raw if isinstance(c, Mapping))
        for key, value in pairs:
            mean = _number(value.get("mean") if isinstance(value, Mapping) else value)
            if key is not None and mean is not None:
                criteria[str(key)] = mean
        n = item.get("n", item.get("n_scores"))
        rows.append(
            {
                "model": str(item["model"]),
                "mean": _number(item.get("mean")),
                "ci": _ci(item.get("ci", item.get("ci95"))),
                "n": n if isinstance(n, int) and not isinstance(n, bool) else 0,
                "criteria": criteria,
            }
        )
    return rows


def quality_by_model(quality: Sequence[QualityRow] | None) -> dict[str, QualityRow]:
    return {row["model"]: row for row in normalize_quality(quality) or []}


def criteria_of(quality: Sequence[QualityRow] | None) -> list[str]:
    """Every criterion id, in first-seen order."""
    seen: dict[str, None] = {}
    for row in normalize_quality(quality) or []:
        seen.update(dict.fromkeys(row["criteria"]))
    return list(seen)


def _annotations_module() -> Any:
    try:
        return importlib.import_module(ANNOTATIONS_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != ANNOTATIONS_MODULE:
            raise  # the module exists but one of its imports is missing: a real bug
        raise QualityUnavailable(
            "quality scores need annotation support (core.annotations, issue 6), which this "
            "build does not have yet; run the report without --annotations"
        ) from exc


def load_quality(run: Run, paths: Sequence[Path]) -> list[QualityRow]:
    """Per-model quality of ``run`` from annotation files (which may repeat, one per
    annotator). Raises :class:`QualityUnavailable` or :class:`QualityInputError`."""
    module = _annotations_module()
    load = getattr(module, "load_annotations", None)
    summarize = getattr(module, "quality_summary", None)
    if not callable(load) or not callable(summarize):
        raise QualityUnavailable(
            "core.annotations has no load_annotations/quality_summary yet; run the report "
            "without --annotations"
        )
    sets = []
    for path in paths:
        try:
            sets.append(load(path))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            message = str(exc) or type(exc).__name__
            raise QualityInputError(
                message if str(path) in message else f"{path}: {message}"
            ) from exc
    try:
        summary = summarize(run, sets)
    except (ValueError, TypeError, KeyError) as exc:
        raise QualityInputError(f"annotations do not fit run {run.run_id}: {exc}") from exc
    return normalize_quality(summary) or []


def find_annotation_files(run_dir: Path) -> list[Path]:
    """Annotation files saved next to a run (``annotations.json``, ``annotations-*.json``)."""
    return sorted(p for p in run_dir.glob("annotations*.json") if p.is_file())


__all__ = [
    "QualityInputError",
    "QualityRow",
    "QualityUnavailable",
    "criteria_of",
    "find_annotation_files",
    "load_quality",
    "normalize_quality",
    "quality_by_model",
]
