"""Run A versus run B: per model, how p50/p95 latency, TTFT, tokens/s and quality changed, and
whether each change is more than noise.

Significance (two-sided, level ``alpha`` = 0.05 by default):

- Every row gets a percentile-bootstrap 95% CI of the difference B - A in its statistic
  (p50 or p95), resampling A and B independently. A row is significant only if that CI
  excludes 0.
- p50 rows must also pass a Mann-Whitney U test (normal approximation, tie correction,
  continuity correction): a shift of the whole distribution, not one lucky median. p95 rows
  use the bootstrap alone, because U tests the bulk of the distribution, not its tail, and
  are tested only with at least 20 values per run (``MIN_TAIL_SAMPLES``).
- Quality: the difference of the two means with a CI from the two CIs' half-widths
  (sqrt(hA² + hB²), a normal approximation), since per-answer scores are not compared here.

:func:`regressions` is the CI rule of ``docs/design.md``: p50 or p95 latency or TTFT worse by
more than PCT percent, and significant.

The bootstrap draws only the two order statistics a linear percentile needs (the Beta trick
explained in ``core.analysis.stats``), so a run of 100,000 samples compares in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

from foundry_bench.core.analysis.columns import FloatArray
from foundry_bench.core.analysis.significance import bootstrap_diff_ci, mann_whitney_u
from foundry_bench.core.quality.rows import QualityRow, quality_by_model
from foundry_bench.core.results.records import Run, Sample
from foundry_bench.core.results.run_settings import RunSettings

Direction = Literal["worse", "better", "same", "n/a"]

ALPHA = 0.05
N_BOOT = 4000
MIN_SAMPLES = 3
#: A p95 of fewer values is about the maximum, and its bootstrap CI is too narrow (with 10
#: values per run it excludes 0 for about 11% of pure-noise pairs instead of 5%).
MIN_TAIL_SAMPLES = 20


@dataclass(frozen=True)
class MetricSpec:
    metric: str  # a Sample field
    stat: str  # "p50" or "p95"
    label: str
    unit: str
    scale: float  # display multiplier (seconds -> ms)
    higher_is_worse: bool

    @property
    def q(self) -> float:
        return float(self.stat[1:])


COMPARED = (
    MetricSpec("latency_s", "p50", "p50 latency", "ms", 1000.0, True),
    MetricSpec("latency_s", "p95", "p95 latency", "ms", 1000.0, True),
    MetricSpec("ttft_s", "p50", "p50 TTFT", "ms", 1000.0, True),
    MetricSpec("ttft_s", "p95", "p95 TTFT", "ms", 1000.0, True),
    MetricSpec("output_tps", "p50", "p50 throughput", "tok/s", 1.0, False),
)
#: What ``--fail-on-regression`` watches (``docs/design.md``, exit code 1).
REGRESSION_METRICS = frozenset({"latency_s", "ttft_s"})


@dataclass(frozen=True)
class Change:
    """One statistic of one model in both runs (values in display units: ms, tok/s)."""

    model: str
    metric: str
    stat: str
    label: str
    unit: str
    a: float | None
    b: float | None
    n_a: int
    n_b: int
    delta: float | None = None
    pct: float | None = None
    ci: tuple[float, float] | None = None  # of B - A, display units
    p_value: float | None = None  # Mann-Whitney U, p50 rows only
    significant: bool = False
    direction: Direction = "n/a"
    note: str = ""
    higher_is_worse: bool = True

    @property
    def worse_pct(self) -> float | None:
        """The change in percent, positive when B is worse (slower or less throughput)."""
        if self.pct is None:
            return None
        return self.pct if self.higher_is_worse else -self.pct

    @property
    def ci_pct(self) -> tuple[float, float] | None:
        if self.ci is None or not self.a:
            return None
        return (100.0 * self.ci[0] / self.a, 100.0 * self.ci[1] / self.a)

    @property
    def verdict(self) -> str:
        if self.direction == "n/a":
            return self.note or "not enough data"
        if self.direction == "same":
            return "no significant change"
        return "slower" if self.direction == "worse" else "faster"


@dataclass(frozen=True)
class QualityChange:
    model: str
    a: float | None
    b: float | None
    delta: float | None
    ci: tuple[float, float] | None
    significant: bool

    @property
    def verdict(self) -> str:
        if self.delta is None:
            return "not scored in both runs"
        if not self.significant:
            return "no significant change"
        return "better" if self.delta > 0 else "worse"


@dataclass
class ModelComparison:
    model: str
    changes: list[Change] = field(default_factory=list)
    quality: QualityChange | None = None


@dataclass
class Comparison:
    run_a: str
    run_b: str
    started_a: str
    started_b: str
    models: list[ModelComparison]
    only_a: list[str]
    only_b: list[str]
    settings_changed: list[str]
    alpha: float = ALPHA
    n_boot: int = N_BOOT

    def changes(self) -> list[Change]:
        return [c for m in self.models for c in m.changes]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["schema_version"] = 1
        data["method"] = METHOD
        for model, raw in zip(self.models, data["models"], strict=True):
            for change, out in zip(model.changes, raw["changes"], strict=True):
                out["verdict"] = change.verdict
            if model.quality is not None:
                raw["quality"]["verdict"] = model.quality.verdict
        return data


METHOD = (
    "Bootstrap 95% CI of the difference B - A in each statistic (A and B resampled "
    "independently); p50 rows also need a two-sided Mann-Whitney U test (normal approximation "
    "with tie and continuity corrections) below alpha. Significant = CI excludes 0 (and U "
    "test passes for p50 rows); p95 rows need 20 values per run."
)


# --- comparing ---------------------------------------------------------------------------


def _timed_ok(run: Run) -> dict[str, list[Sample]]:
    """The samples statistics are made of (timed, ``ok``), by model: one pass over the run."""
    by_model: dict[str, list[Sample]] = {}
    for s in run.samples:
        if not s.warmup and s.status == "ok":
            by_model.setdefault(s.model, []).append(s)
    return by_model


def _values(samples: Sequence[Sample], metric: str) -> FloatArray:
    raw = [getattr(s, metric) for s in samples]
    arr = np.asarray([v for v in raw if v is not None], dtype=np.float64)
    finite: FloatArray = arr[np.isfinite(arr)]
    return finite


def compare_metric(
    model: str,
    spec: MetricSpec,
    a: FloatArray,
    b: FloatArray,
    *,
    alpha: float = ALPHA,
    n_boot: int = N_BOOT,
    rng: np.random.Generator,
) -> Change:
    """One row: point estimates, change, bootstrap CI, U test, verdict."""
    va = float(np.percentile(a, spec.q)) * spec.scale if a.size else None
    vb = float(np.percentile(b, spec.q)) * spec.scale if b.size else None
    base = Change(
        model=model,
        metric=spec.metric,
        stat=spec.stat,
        label=spec.label,
        unit=spec.unit,
        a=va,
        b=vb,
        n_a=int(a.size),
        n_b=int(b.size),
        higher_is_worse=spec.higher_is_worse,
    )
    if va is None or vb is None:
        return replace(base, note=f"no data in run {'A' if va is None else 'B'}")
    delta = vb - va
    pct = 100.0 * delta / va if va else None
    need = MIN_TAIL_SAMPLES if spec.q > 50.0 else MIN_SAMPLES
    if a.size < need or b.size < need:
        note = f"too few samples to test (need {need} per run)"
        return replace(base, delta=delta, pct=pct, note=note)
    lo, hi = bootstrap_diff_ci(a, b, spec.q, n_boot=n_boot, rng=rng)
    ci = (lo * spec.scale, hi * spec.scale)
    significant = lo > 0.0 or hi < 0.0
    p_value = None
    if spec.stat == "p50":
        _, p_value = mann_whitney_u(a, b)
        significant = significant and p_value < alpha
    direction: Direction = "same"
    if significant:
        direction = "worse" if (delta > 0) == spec.higher_is_worse else "better"
    return replace(
        base,
        delta=delta,
        pct=pct,
        ci=ci,
        p_value=p_value,
        significant=significant,
        direction=direction,
    )


def _quality_change(model: str, qa: QualityRow | None, qb: QualityRow | None) -> QualityChange:
    a = qa.get("mean") if qa else None
    b = qb.get("mean") if qb else None
    if a is None or b is None:
        return QualityChange(model, a, b, None, None, False)
    delta = float(b) - float(a)
    ci = None
    ci_a, ci_b = (qa or {}).get("ci"), (qb or {}).get("ci")
    if ci_a and ci_b:
        half = math.hypot((ci_a[1] - ci_a[0]) / 2.0, (ci_b[1] - ci_b[0]) / 2.0)
        ci = (delta - half, delta + half)
    significant = ci is not None and (ci[0] > 0.0 or ci[1] < 0.0)
    return QualityChange(model, float(a), float(b), delta, ci, significant)


def _settings_changed(a: RunSettings, b: RunSettings) -> list[str]:
    da, db = asdict(a), asdict(b)
    return [f"{key}: {da[key]!r} → {db[key]!r}" for key in da if da[key] != db.get(key)]


def _model_ids(run: Run) -> list[str]:
    return list(dict.fromkeys([m.id for m in run.models] + [s.model for s in run.samples]))


def compare_runs(
    run_a: Run,
    run_b: Run,
    *,
    quality_a: Sequence[QualityRow] | None = None,
    quality_b: Sequence[QualityRow] | None = None,
    alpha: float = ALPHA,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> Comparison:
    """Compare every model present in both runs (by id); reproducible for a given ``seed``."""
    ids_a, ids_b = _model_ids(run_a), _model_ids(run_b)
    common = [m for m in ids_a if m in set(ids_b)]
    qa, qb = quality_by_model(quality_a), quality_by_model(quality_b)
    samples_a, samples_b = _timed_ok(run_a), _timed_ok(run_b)
    models = []
    for index, model in enumerate(common):
        entry = ModelComparison(model)
        for j, spec in enumerate(COMPARED):
            rng = np.random.default_rng([seed, index, j])
            entry.changes.append(
                compare_metric(
                    model,
                    spec,
                    _values(samples_a.get(model, []), spec.metric),
                    _values(samples_b.get(model, []), spec.metric),
                    alpha=alpha,
                    n_boot=n_boot,
                    rng=rng,
                )
            )
        if quality_a is not None or quality_b is not None:
            entry.quality = _quality_change(model, qa.get(model), qb.get(model))
        models.append(entry)
    settings_changed = _settings_changed(run_a.settings, run_b.settings)
    if [p.get("id") for p in run_a.prompts] != [p.get("id") for p in run_b.prompts]:
        settings_changed.append("prompts differ")
    return Comparison(
        run_a=run_a.run_id,
        run_b=run_b.run_id,
        started_a=run_a.started_at,
        started_b=run_b.started_at,
        models=models,
        only_a=[m for m in ids_a if m not in set(ids_b)],
        only_b=[m for m in ids_b if m not in set(ids_a)],
        settings_changed=settings_changed,
        alpha=alpha,
        n_boot=n_boot,
    )


def regressions(result: Comparison, pct: float) -> list[Change]:
    """Changes that fail CI: p50 or p95 latency or TTFT worse by more than ``pct`` percent,
    and significant (``docs/design.md``, exit code 1)."""
    return [
        c
        for c in result.changes()
        if c.metric in REGRESSION_METRICS
        and c.significant
        and c.direction == "worse"
        and c.worse_pct is not None
        and c.worse_pct > pct
    ]


__all__ = [
    "ALPHA",
    "COMPARED",
    "METHOD",
    "Change",
    "Comparison",
    "ModelComparison",
    "QualityChange",
    "bootstrap_diff_ci",
    "compare_metric",
    "compare_runs",
    "regressions",
]
