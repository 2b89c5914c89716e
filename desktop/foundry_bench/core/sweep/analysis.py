"""What a sweep found, from its run: per point statistics, the prefill fit and the context.

Everything is recomputed from the samples (like the run's summary), with the grid and the
context probes taken from ``results.json``'s ``sweep`` object:

- per model and point: achieved prompt tokens (median of ``usage``), p50/p95 TTFT, median
  decode tok/s and completion tokens, aggregate ``throughput_tps``;
- the prefill fit: least squares of TTFT on prompt tokens over the ``prefill`` series'
  samples; its slope is the prefill cost (s per token) and 1 / slope the prefill rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from foundry_bench.core.analysis.stats import throughput_tps
from foundry_bench.core.results.records import Run, Sample


@dataclass(frozen=True)
class PointResult:
    point: str
    prompt_tokens: int  # target
    output_tokens: int
    context_depth: int
    concurrency: int
    series: tuple[str, ...]
    n_ok: int
    n_failed: int
    achieved_prompt_tokens: float | None
    ttft_p50_s: float | None
    ttft_p95_s: float | None
    decode_tps: float | None
    completion_tokens: float | None
    throughput_tps: float | None


@dataclass(frozen=True)
class PrefillFit:
    slope_s_per_token: float
    intercept_s: float
    r2: float | None
    n: int

    @property
    def prefill_tps(self) -> float | None:
        return 1.0 / self.slope_s_per_token if self.slope_s_per_token > 0 else None


@dataclass
class ModelSweep:
    model: str
    points: list[PointResult] = field(default_factory=list)
    prefill: PrefillFit | None = None
    context: dict[str, Any] | None = None
    error: str | None = None
    skipped: dict[str, str] = field(default_factory=dict)

    def series(self, name: str) -> list[PointResult]:
        return [p for p in self.points if name in p.series]


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def _point_result(point: Mapping[str, Any], samples: list[Sample]) -> PointResult:
    ok = [s for s in samples if s.status == "ok"]
    ttft = np.array([s.ttft_s for s in ok if s.ttft_s is not None], dtype=np.float64)
    return PointResult(
        point=str(point["id"]),
        prompt_tokens=int(point["prompt_tokens"]),
        output_tokens=int(point["output_tokens"]),
        context_depth=int(point["context_depth"]),
        concurrency=int(point["concurrency"]),
        series=tuple(str(s) for s in point.get("series") or ()),
        n_ok=len(ok),
        n_failed=len(samples) - len(ok),
        achieved_prompt_tokens=_median(
            [s.prompt_tokens for s in ok if s.prompt_tokens is not None]
        ),
        ttft_p50_s=float(np.percentile(ttft, 50)) if ttft.size else None,
        ttft_p95_s=float(np.percentile(ttft, 95)) if ttft.size else None,
        decode_tps=_median([s.decode_tps for s in ok if s.decode_tps is not None]),
        completion_tokens=_median(
            [s.completion_tokens for s in ok if s.completion_tokens is not None]
        ),
        throughput_tps=throughput_tps(
            np.array([s.completion_tokens for s in samples], dtype=np.float64),
            np.array([s.start_s for s in samples], dtype=np.float64),
            np.array([s.end_s for s in samples], dtype=np.float64),
        ),
    )


def fit_prefill(samples: list[Sample]) -> PrefillFit | None:
    """TTFT = intercept + slope * prompt_tokens by least squares (None under 2 sizes)."""
    pairs = [
        (float(s.prompt_tokens), float(s.ttft_s))
        for s in samples
        if s.status == "ok" and s.prompt_tokens is not None and s.ttft_s is not None
    ]
    if len({x for x, _ in pairs}) < 2:
        return None
    x, y = np.array(pairs).T
    slope, intercept = np.polyfit(x, y, 1)
    residual = float(np.sum((y - (intercept + slope * x)) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    return PrefillFit(
        slope_s_per_token=float(slope),
        intercept_s=float(intercept),
        r2=1.0 - residual / total if total > 0 else None,
        n=len(pairs),
    )


def _valid_point(point: object) -> bool:
    if not isinstance(point, Mapping) or not isinstance(point.get("id"), str):
        return False
    numbers = ("prompt_tokens", "output_tokens", "context_depth", "concurrency")
    return all(
        isinstance(point.get(k), int) and not isinstance(point.get(k), bool) for k in numbers
    )


def sweep_results(run: Run) -> list[ModelSweep] | None:
    """One entry per model of a sweep run (``run.models`` order); None for a plain run.

    Points of a hand-edited ``sweep`` object that lack their numbers are left out.
    """
    record = run.sweep
    if not isinstance(record, Mapping):
        return None
    points = [p for p in record.get("points") or [] if _valid_point(p)]
    models_info = record.get("models")
    models_info = models_info if isinstance(models_info, Mapping) else {}
    by_key: dict[tuple[str, str], list[Sample]] = {}
    for s in run.samples:
        if not s.warmup:
            by_key.setdefault((s.model, s.prompt_id), []).append(s)
    out = []
    for m in run.models:
        info = models_info.get(m.id)
        info = info if isinstance(info, Mapping) else {}
        result = ModelSweep(model=m.id)
        result.points = [
            _point_result(p, by_key[(m.id, p["id"])]) for p in points if (m.id, p["id"]) in by_key
        ]
        prefill_ids = {p["id"] for p in points if "prefill" in (p.get("series") or ())}
        result.prefill = fit_prefill(
            [s for pid in prefill_ids for s in by_key.get((m.id, pid), [])]
        )
        context = info.get("context")
        result.context = dict(context) if isinstance(context, Mapping) else None
        result.error = str(info["error"]) if info.get("error") else None
        skipped = info.get("skipped")
        if isinstance(skipped, Mapping):
            result.skipped = {str(k): str(v) for k, v in skipped.items()}
        out.append(result)
    return out
