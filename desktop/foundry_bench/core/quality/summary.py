"""Quality per model: mean scores with bootstrap CIs, and the quality-versus-speed front."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from foundry_bench.core.config.rubric import ASPECT_PREFIX, Criterion
from foundry_bench.core.quality.annotations import AnnotationSet, MergeError
from foundry_bench.core.quality.merge import describe_source
from foundry_bench.core.results.records import Run


def _cluster_mean_ci(
    groups: Sequence[Sequence[int]], n_boot: int, rng: np.random.Generator
) -> tuple[float | None, list[float] | None]:
    """Mean of all scores, and a 95% bootstrap CI that resamples answers, not scores.

    An answer's scores (several criteria, several annotators) are not independent of each
    other, so resampling single scores would make the interval too narrow.
    """
    groups = [g for g in groups if g]
    if not groups:
        return None, None
    sums = np.array([sum(g) for g in groups], dtype=np.float64)
    counts = np.array([len(g) for g in groups], dtype=np.float64)
    mean = float(sums.sum() / counts.sum())
    if len(groups) < 2:
        return mean, None
    idx = rng.integers(0, len(groups), size=(n_boot, len(groups)))
    replicates = sums[idx].sum(axis=1) / counts[idx].sum(axis=1)
    lo, hi = np.percentile(replicates, [2.5, 97.5], method="linear")
    return mean, [float(lo), float(hi)]


def _stats_entry(
    per_answer: Mapping[str, list[int]], n_boot: int, rng: np.random.Generator
) -> dict[str, Any]:
    groups = list(per_answer.values())
    mean, ci = _cluster_mean_ci(groups, n_boot, rng)
    return {
        "n_answers": sum(1 for g in groups if g),
        "n_scores": sum(len(g) for g in groups),
        "mean": mean,
        "ci": ci,
    }


def quality_summary(
    run: Run, annotation_sets: Sequence[AnnotationSet], *, n_boot: int = 2000, seed: int = 0
) -> list[dict[str, Any]]:
    """Mean score per model, overall and per criterion, with 95% bootstrap CIs (for reports).

    One entry per model of the run (run order)::

        {"model", "n_answers", "n_scores", "mean", "ci": [lo, hi] | None,
         "criteria": [{"criterion", "label", "n_answers", "n_scores", "mean", "ci"}],
         "aspects": {...same fields, every prompt aspect pooled...},
         "judge": {"annotators": [...], "n_answers", "n_scores", "mean", "ci"} | None}

    People's scores make ``mean`` and ``criteria`` (every criterion, every file, as
    ``docs/design.md`` asks); automatic judges (annotator ``judge:<model>``) are kept apart in
    ``judge``. Scores of answers the run does not have are ignored. A file of another run
    raises :class:`MergeError`. ``mean`` is None for a model nobody scored.
    """
    for ann in annotation_sets:
        if ann.run_id != run.run_id:
            raise MergeError(
                f"{describe_source(ann)} scores run {ann.run_id!r}, not run {run.run_id!r}"
            )
    model_of = {s.key: s.model for s in run.samples}
    models = list(dict.fromkeys([m.id for m in run.models] + [s.model for s in run.samples]))
    criteria: dict[str, Criterion] = {}
    for ann in annotation_sets:
        for c in ann.criteria:
            criteria.setdefault(c.id, c)
    # model -> bucket -> answer key -> scores
    people: dict[str, dict[str, dict[str, list[int]]]] = {m: {} for m in models}
    judges: dict[str, dict[str, list[int]]] = {m: {} for m in models}
    judge_names: list[str] = []
    for ann in annotation_sets:
        if ann.is_judge and ann.annotator not in judge_names:
            judge_names.append(ann.annotator)
        for (key, crit), score in ann.scores.items():
            model = model_of.get(key)
            if model is None:
                continue
            if ann.is_judge:
                judges[model].setdefault(key, []).append(score.score)
                continue
            buckets = people[model]
            buckets.setdefault("*", {}).setdefault(key, []).append(score.score)
            buckets.setdefault(crit, {}).setdefault(key, []).append(score.score)
            if crit.startswith(ASPECT_PREFIX):
                buckets.setdefault(ASPECT_PREFIX, {}).setdefault(key, []).append(score.score)
    rng = np.random.default_rng(seed)
    out = []
    for model in models:
        buckets = people[model]
        entry: dict[str, Any] = {"model": model, **_stats_entry(buckets.get("*", {}), n_boot, rng)}
        entry["criteria"] = [
            {
                "criterion": c.id,
                "label": c.label,
                **_stats_entry(buckets.get(c.id, {}), n_boot, rng),
            }
            for c in criteria.values()
        ]
        entry["aspects"] = _stats_entry(buckets.get(ASPECT_PREFIX, {}), n_boot, rng)
        entry["judge"] = (
            {"annotators": judge_names, **_stats_entry(judges[model], n_boot, rng)}
            if judge_names
            else None
        )
        out.append(entry)
    return out


def pareto_front(points: Sequence[tuple[float, float]]) -> list[bool]:
    """Which (latency, score) points no other point beats: as fast or faster *and* as good or
    better, and strictly one of the two. Non-finite points are never on the front."""
    flags = []
    for i, (x, y) in enumerate(points):
        if not (math.isfinite(x) and math.isfinite(y)):
            flags.append(False)
            continue
        dominated = any(
            j != i
            and math.isfinite(xj)
            and math.isfinite(yj)
            and xj <= x
            and yj >= y
            and (xj < x or yj > y)
            for j, (xj, yj) in enumerate(points)
        )
        flags.append(not dominated)
    return flags
