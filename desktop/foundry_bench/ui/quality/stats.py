"""What the Agreement and Results tabs show, computed in a worker from a snapshot.

No Qt here: :func:`compute_stats` takes copies of the annotation sets (the GUI keeps changing
its own) and returns plain rows for the table models and points for the scatter.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from foundry_bench.core.analysis.stats import summarize
from foundry_bench.core.config.rubric import ASPECT_PREFIX
from foundry_bench.core.quality.agreement import agreement, disagreements, judge_agreement
from foundry_bench.core.quality.annotations import AnnotationSet, MergeError
from foundry_bench.core.quality.arena import arena_ratings
from foundry_bench.core.quality.merge import merge_annotations
from foundry_bench.core.quality.order import blind_order
from foundry_bench.core.quality.summary import pareto_front, quality_summary
from foundry_bench.core.results.records import Run

TOP_DISAGREEMENTS = 15


@dataclass
class QualityStats:
    summary: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[tuple[str, str]] = field(default_factory=list)
    agreement: list[dict[str, Any]] = field(default_factory=list)
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    has_judge: bool = False
    n_people: int = 0
    points: list[dict[str, Any]] = field(default_factory=list)
    arena: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None


def _share(tally: dict[str, int] | None) -> float | None:
    return tally["passed"] / tally["total"] if tally and tally.get("total") else None


def model_labels(run: Run, blind: bool, seed: int) -> dict[str, str]:
    """Model names, or in blind mode "Model A", "Model B", ... in a seeded order (so the
    letters say nothing of the run's order)."""
    ids = [m.id for m in run.models]
    if not blind:
        return {m: m for m in ids}
    letters = string.ascii_uppercase
    return {
        m: f"Model {letters[i] if i < len(letters) else i + 1}"
        for i, m in enumerate(blind_order(ids, seed))
    }


def compute_stats(
    run: Run,
    sets: list[AnnotationSet],
    *,
    blind: bool,
    seed: int,
    order: list[str],
) -> QualityStats:
    out = QualityStats()
    if not sets:
        return out
    try:
        merged = merge_annotations(sets)
        summary = quality_summary(run, sets)
    except MergeError as exc:
        out.problem = str(exc)
        return out
    labels = model_labels(run, blind, seed)
    speed = run.summary or summarize(run)
    latency = {e["model"]: e["latency_s"].get("p95") for e in speed}
    checks = {e["model"]: e.get("checks") for e in speed}
    out.criteria = [(c.id, c.label) for c in merged.criteria if not c.id.startswith(ASPECT_PREFIX)]
    out.has_judge = bool(merged.judges)
    out.n_people = len(merged.people)
    for entry in summary:
        model = entry["model"]
        out.summary.append(
            {
                **entry,
                "label": labels.get(model, model),
                "model_tip": "name hidden while blind scoring is on" if blind else model,
                "by_criterion": {c["criterion"]: c for c in entry["criteria"]},
                "p95_s": latency.get(model),
                "checks_pass": _share(checks.get(model)),
            }
        )
    rows = agreement(merged)
    if merged.judges:
        by_crit = {r["criterion"]: r["kappa"] for r in judge_agreement(merged, merged.judges[0])}
        for row in rows:
            row["judge_kappa"] = by_crit.get(row["criterion"])
    # Every rubric criterion is listed; an aspect only once someone paired scores on it
    # (there are dozens of aspects, most of them for a single prompt).
    out.agreement = [
        r for r in rows if not r["criterion"].startswith(ASPECT_PREFIX) or r["n_items"]
    ]
    place = {key: i + 1 for i, key in enumerate(order)}
    for row in disagreements(merged, TOP_DISAGREEMENTS):
        key = row["sample_key"]
        model = key.split("|", 1)[0]
        answer = f"Answer {place.get(key, '?')}" if blind else key
        tip = "model hidden (blind)" if blind else f"model {model}"
        out.disagreements.append({**row, "answer": answer, "answer_tip": tip})
    hidden = "name hidden while blind scoring is on"
    out.arena = [
        {
            **e,
            "label": labels.get(e["model"], e["model"]),
            "model_tip": hidden if blind else e["model"],
        }
        for e in arena_ratings(run, sets)
    ]
    points = [(e["p95_s"], e["mean"]) for e in out.summary if e["p95_s"] is not None and e["mean"]]
    front = pareto_front(points)
    entries = [e for e in out.summary if e["p95_s"] is not None and e["mean"]]
    for entry, on_front in zip(entries, front, strict=True):
        ci = entry.get("ci") or [entry["mean"], entry["mean"]]
        out.points.append(
            {
                "label": entry["label"],
                "x": entry["p95_s"],
                "y": entry["mean"],
                "lo": ci[0],
                "hi": ci[1],
                "front": on_front,
            }
        )
    return out
