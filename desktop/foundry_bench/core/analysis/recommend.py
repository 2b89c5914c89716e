"""Which models meet the team's constraints, and which one to pick (and why).

Constraints are optional: p95 latency <= X ms, memory growth at load <= Y MB, mean quality
>= Z (1-5). A constraint that is set and cannot be checked (memory not measured, no scores)
disqualifies the model: a recommendation must never rest on a number nobody measured.

The pick among qualifying models: the best mean quality when scores exist; models whose
quality is statistically indistinguishable from the best one (the best model's 95% CI
overlaps theirs) count as tied, and the fastest of those (lowest p95 latency) wins, since
paying latency for a difference the scores cannot show is a poor trade. Without scores, the
lowest p95 latency wins, then the higher output tokens/s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from foundry_bench.core.analysis.stats import ensure_summary
from foundry_bench.core.config.checks import stored_tally
from foundry_bench.core.quality.rows import QualityRow, quality_by_model
from foundry_bench.core.results.records import Run
from foundry_bench.core.units import fmt_seconds, number_scale, time_scale


@dataclass(frozen=True)
class Constraints:
    max_p95_ms: float | None = None
    max_memory_mb: float | None = None
    min_quality: float | None = None
    min_checks_pass: float | None = None  # share (0-1) of automatic checks passed

    def is_empty(self) -> bool:
        return (
            self.max_p95_ms is None
            and self.max_memory_mb is None
            and self.min_quality is None
            and self.min_checks_pass is None
        )

    def describe(self) -> list[str]:
        parts = []
        if self.max_p95_ms is not None:
            parts.append(f"p95 latency ≤ {self.max_p95_ms:g} ms")
        if self.max_memory_mb is not None:
            parts.append(f"memory ≤ {self.max_memory_mb:g} MB")
        if self.min_quality is not None:
            parts.append(f"quality ≥ {self.min_quality:g}")
        if self.min_checks_pass is not None:
            parts.append(f"checks passed ≥ {self.min_checks_pass:.0%}")
        return parts


@dataclass(frozen=True)
class Candidate:
    """One model against the constraints. ``reasons`` say why it does not qualify."""

    model: str
    qualifies: bool
    p95_ms: float | None
    p50_ms: float | None
    tokens_per_s: float | None
    memory_mb: float | None
    quality: float | None
    quality_ci: tuple[float, float] | None
    reasons: tuple[str, ...] = ()
    checks_pass: float | None = None  # share of automatic checks passed
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    constraints: Constraints
    candidates: tuple[Candidate, ...] = ()
    best: str | None = None
    why: str = ""
    qualifying: tuple[str, ...] = field(default=())

    def candidate(self, model: str) -> Candidate | None:
        return next((c for c in self.candidates if c.model == model), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _num(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _stat(entry: Mapping[str, Any], metric: str, key: str) -> float | None:
    stats = entry.get(metric)
    return _num(stats.get(key)) if isinstance(stats, Mapping) else None


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1000.0


def _candidate(
    run: Run, entry: Mapping[str, Any], q: QualityRow | None, c: Constraints
) -> Candidate:
    model = str(entry.get("model"))
    record = run.model(model)
    p95 = _ms(_stat(entry, "latency_s", "p95"))
    memory = _num(record.memory_delta_mb) if record else None
    quality = _num(q.get("mean")) if q else None
    ci = tuple(q["ci"]) if q and q.get("ci") else None
    reasons: list[str] = []
    notes: list[str] = []
    n_ok = int(entry.get("n_ok") or 0)
    status = (record.status if record else None) or entry.get("status")
    if status in ("failed", "skipped") or n_ok == 0:
        reasons.append(f"no successful requests ({status})" if status else "no successful requests")
    if c.max_p95_ms is not None and p95 is not None and p95 > c.max_p95_ms:
        # The measured value in the unit that suits it; the limit as the user wrote it.
        scale = time_scale([p95 / 1000])
        limit = f"{c.max_p95_ms / 1000 * scale.factor:g} {scale.unit}"
        reasons.append(f"p95 latency {scale.with_unit(p95 / 1000)} over the {limit} limit")
    if c.max_memory_mb is not None:
        if memory is None:
            reasons.append("memory not measured")
        elif memory > c.max_memory_mb:
            mb = number_scale([memory], "MB").with_unit(memory)
            reasons.append(f"memory {mb} over the {c.max_memory_mb:g} MB limit")
    if c.min_quality is not None:
        if quality is None:
            reasons.append("no quality scores")
        elif quality < c.min_quality:
            reasons.append(f"quality {quality:.2f} under the {c.min_quality:g} minimum")
    tally = stored_tally(entry.get("checks"))
    checks_pass = tally[0] / tally[1] if tally else None
    if c.min_checks_pass is not None:
        if checks_pass is None:
            reasons.append("no automatic checks ran")
        elif checks_pass < c.min_checks_pass:
            reasons.append(
                f"checks passed {checks_pass:.0%} under the {c.min_checks_pass:.0%} minimum"
            )
    failed = int(entry.get("n_failed") or 0)
    if failed and n_ok:
        notes.append(f"{failed} of {failed + n_ok} requests failed")
    return Candidate(
        model=model,
        qualifies=not reasons,
        p95_ms=p95,
        p50_ms=_ms(_stat(entry, "latency_s", "p50")),
        tokens_per_s=_stat(entry, "output_tps", "mean"),
        memory_mb=memory,
        quality=quality,
        quality_ci=(float(ci[0]), float(ci[1])) if ci else None,
        reasons=tuple(reasons),
        notes=tuple(notes),
        checks_pass=checks_pass,
    )


def _speed_key(c: Candidate) -> tuple[float, float]:
    return (
        c.p95_ms if c.p95_ms is not None else math.inf,
        -(c.tokens_per_s if c.tokens_per_s is not None else -math.inf),
    )


def _overlaps(a: tuple[float, float] | None, b: tuple[float, float] | None) -> bool:
    return a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]


def _fmt_ms(value: float | None) -> str:
    return fmt_seconds(None if value is None else value / 1000)


def _pick(qualifying: Sequence[Candidate]) -> tuple[Candidate, str]:
    count = len(qualifying)
    of = f"of the {count} qualifying models" if count > 1 else "(the only qualifying model)"
    scored = [c for c in qualifying if c.quality is not None]
    if not scored:
        best = min(qualifying, key=_speed_key)
        return best, (
            f"Lowest p95 latency ({_fmt_ms(best.p95_ms)}) {of}; no quality scores, so speed "
            "decides."
        )
    top = max(scored, key=lambda c: c.quality or 0.0)
    tied = [c for c in scored if c is top or _overlaps(c.quality_ci, top.quality_ci)]
    best = min(tied, key=_speed_key)
    unscored = len(qualifying) - len(scored)
    tail = f"; {unscored} qualifying model(s) without scores not ranked" if unscored else ""
    if best is top:
        why = f"Highest mean quality ({top.quality:.2f}/5) {of}"
        if len(tied) > 1:
            why += f", and the fastest (p95 {_fmt_ms(best.p95_ms)}) of those it is tied with"
        return best, why + tail + "."
    return best, (
        f"Quality {best.quality:.2f}/5 is within the 95% CI of the best ({top.model}, "
        f"{top.quality:.2f}), and it is faster: p95 {_fmt_ms(best.p95_ms)} vs "
        f"{_fmt_ms(top.p95_ms)}{tail}."
    )


def recommend(
    run: Run, quality: Sequence[QualityRow] | None = None, constraints: Constraints | None = None
) -> Recommendation:
    """Check every model of ``run`` against ``constraints`` and pick the best that qualifies."""
    constraints = constraints or Constraints()
    by_model = quality_by_model(quality)
    candidates = tuple(
        _candidate(run, entry, by_model.get(str(entry.get("model"))), constraints)
        for entry in ensure_summary(run)
    )
    qualifying = [c for c in candidates if c.qualifies]
    if not qualifying:
        why = "No model meets every constraint"
        nearest = min(candidates, key=lambda c: (len(c.reasons), _speed_key(c)), default=None)
        if nearest is not None and constraints.describe():
            why += f"; closest: {nearest.model} ({'; '.join(nearest.reasons)})"
        return Recommendation(constraints, candidates, None, why + ".", ())
    best, why = _pick(qualifying)
    return Recommendation(
        constraints, candidates, best.model, why, tuple(c.model for c in qualifying)
    )


__all__ = ["Candidate", "Constraints", "Recommendation", "recommend"]
