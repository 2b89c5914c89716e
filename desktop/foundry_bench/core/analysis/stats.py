"""Statistics of a run: percentiles, bootstrap confidence intervals, histograms, ECDFs.

``docs/design.md`` ("Statistics per model"): per model (and per model x prompt) n, mean, std,
min, p50, p90, p95, p99, max, with a bootstrap 95% CI for p50 and p95; percentiles by numpy
(``method="linear"``). Warm-up samples never count; statistics are made of ``ok`` samples,
and every other timed sample counts as failed.

The bootstrap is exact but cheap. Resampling ``n`` values with replacement and taking a
percentile only needs two order statistics of the resample. With the sorted data ``x`` a
resample is ``x[floor(n * U_i)]`` for iid uniforms ``U_i``; that map is monotone, so the
resample's ``k``-th order statistic is ``x[floor(n * U_(k))]``, where ``U_(k) ~ Beta(k, n-k+1)``
and, given ``U_(k) = u``, ``U_(k+1) = u + (1 - u) * Beta(1, n - k)``. Drawing those two per
replicate gives the same distribution as ``np.percentile(x[rng.integers(0, n, (n_boot, n))],
q, axis=1)`` in O(n_boot) time and memory instead of O(n_boot * n), which is what keeps a
100,000-sample run well under a second (``tests/test_stats.py`` checks the two agree).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from foundry_bench.core.analysis.columns import FloatArray, group_rows
from foundry_bench.core.config.checks import checks_tally
from foundry_bench.core.results.records import Run, Sample

STAT_KEYS = ("n", "mean", "std", "min", "p50", "p90", "p95", "p99", "max")
CI_KEYS = ("p50_ci", "p95_ci")
METRICS = ("latency_s", "ttft_s", "tpot_s", "output_tps")
#: What each summary entry holds statistics for (``METRICS`` plus decode throughput and the
#: time to the first answer token, which differs from TTFT for a model that reasons).
SUMMARY_METRICS = (*METRICS, "decode_tps", "ttfa_s")

_PERCENTILES = (50.0, 90.0, 95.0, 99.0)
_CI_LEVEL = 95.0
_MAX_AUTO_BINS = 200

Values = Sequence[float | None] | npt.NDArray[Any]


def _finite(values: Values) -> FloatArray:
    """The values as a float array with None, NaN and infinities dropped."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    return arr[np.isfinite(arr)]


def _empty_stats() -> dict[str, Any]:
    stats: dict[str, Any] = dict.fromkeys(STAT_KEYS)
    stats["n"] = 0
    stats.update(dict.fromkeys(CI_KEYS))
    return stats


def _bootstrap_ci(
    sorted_x: FloatArray, q: float, n_boot: int, rng: np.random.Generator
) -> list[float]:
    """Percentile-bootstrap 95% CI of the ``q``-th percentile (linear) of sorted data.

    Exact in distribution (see the module docstring): only the two order statistics the
    linear percentile interpolates between are drawn for each replicate.
    """
    n = sorted_x.size
    h = (n - 1) * q / 100.0
    lo = math.floor(h)
    frac = h - lo
    k = lo + 1  # 1-based rank of the lower order statistic
    u1 = rng.beta(k, n - k + 1, size=n_boot)
    y = sorted_x[np.minimum((u1 * n).astype(np.intp), n - 1)]
    if frac > 0.0 and k < n:
        u2 = u1 + (1.0 - u1) * rng.beta(1, n - k, size=n_boot)
        y_next = sorted_x[np.minimum((u2 * n).astype(np.intp), n - 1)]
        y = y + frac * (y_next - y)
    tail = (100.0 - _CI_LEVEL) / 2.0
    lo_ci, hi_ci = np.percentile(y, [tail, 100.0 - tail], method="linear")
    return [float(lo_ci), float(hi_ci)]


def describe(
    values: Values, *, ci: bool = True, n_boot: int = 2000, seed: int = 0
) -> dict[str, Any]:
    """n, mean, std, min, p50, p90, p95, p99, max, and bootstrap 95% CIs for p50 and p95.

    None, NaN and infinite values are ignored. ``std`` uses ddof=1 (0.0 for a single value).
    The CIs (``[lo, hi]``) are None when fewer than two values remain or ``ci`` is false;
    they are reproducible for a given ``seed``. With no values, ``n`` is 0 and the rest None.
    All numbers are plain Python floats, ready for JSON.
    """
    arr = _finite(values)
    n = int(arr.size)
    if n == 0:
        return _empty_stats()
    arr = np.sort(arr)
    lo, hi = float(arr[0]), float(arr[-1])
    # Clamp away last-bit rounding so the order min <= p50 <= ... <= max always holds.
    pct = np.percentile(arr, _PERCENTILES, method="linear")
    pct = np.clip(np.maximum.accumulate(pct), lo, hi)
    mean = min(max(float(np.mean(arr)), lo), hi)
    stats: dict[str, Any] = {
        "n": n,
        "mean": mean,
        "std": float(np.std(arr, ddof=1)) if n > 1 else 0.0,
        "min": lo,
        "p50": float(pct[0]),
        "p90": float(pct[1]),
        "p95": float(pct[2]),
        "p99": float(pct[3]),
        "max": hi,
        "p50_ci": None,
        "p95_ci": None,
    }
    if ci and n > 1:
        if n_boot < 1:
            raise ValueError(f"n_boot must be at least 1, got {n_boot}")
        rng = np.random.default_rng(seed)
        stats["p50_ci"] = _bootstrap_ci(arr, 50.0, n_boot, rng)
        stats["p95_ci"] = _bootstrap_ci(arr, 95.0, n_boot, rng)
    return stats


# --- per model / per prompt -------------------------------------------------------------


class _Columns:
    """The timed samples of a run as arrays, ready to group (one cheap pass per field)."""

    def __init__(self, samples: Sequence[Sample], model_order: dict[str, int]) -> None:
        # One list per field: cheaper than one tuple per sample and a transpose.
        timed = ~np.array([s.warmup for s in samples], dtype=bool)
        self.model = _codes([s.model for s in samples], model_order)[timed]
        self._prompt_ids = [s.prompt_id for s in samples]
        self._timed = timed
        status = np.array([s.status for s in samples], dtype=str)[timed]
        self.ok = status == "ok"
        self.cancelled = status == "cancelled"
        self.reasoned = np.array([s.reasoned for s in samples], dtype=bool)[timed]
        columns = (
            [s.latency_s for s in samples],
            [s.ttft_s for s in samples],
            [s.tpot_s for s in samples],
            [s.output_tps for s in samples],
            [s.decode_tps for s in samples],
            [s.ttfa_s for s in samples],
        )
        self.metrics: dict[str, FloatArray] = {
            name: np.array(col, dtype=np.float64)[timed]
            for name, col in zip(SUMMARY_METRICS, columns, strict=True)
        }
        self.tokens = np.array([s.completion_tokens for s in samples], dtype=np.float64)[timed]
        self.start = np.array([s.start_s for s in samples], dtype=np.float64)[timed]
        self.end = np.array([s.end_s for s in samples], dtype=np.float64)[timed]

    def prompt_codes(self, prompt_order: dict[str, int]) -> npt.NDArray[np.intp]:
        codes: npt.NDArray[np.intp] = _codes(self._prompt_ids, prompt_order)[self._timed]
        return codes


def _codes(labels: Sequence[Any], order: dict[Any, int]) -> npt.NDArray[np.intp]:
    """Integer code of each label; labels not in ``order`` are appended to it."""
    for label in dict.fromkeys(labels):
        order.setdefault(label, len(order))
    codes: npt.NDArray[np.intp] = np.fromiter(
        map(order.__getitem__, labels), dtype=np.intp, count=len(labels)
    )
    return codes


def _entry(cols: _Columns, rows: npt.NDArray[np.intp]) -> dict[str, Any]:
    ok_rows = rows[cols.ok[rows]]
    # A request the user cancelled did not fail: it has its own count.
    n_cancelled = int(np.count_nonzero(cols.cancelled[rows]))
    entry: dict[str, Any] = {
        "n_ok": int(ok_rows.size),
        "n_failed": int(rows.size - ok_rows.size) - n_cancelled,
        "n_cancelled": n_cancelled,
        # ok answers that showed thinking: where TTFA is worth showing apart from TTFT
        "n_reasoned": int(np.count_nonzero(cols.reasoned[ok_rows])),
    }
    for name in SUMMARY_METRICS:
        entry[name] = describe(cols.metrics[name][ok_rows])
    return entry


def throughput_tps(tokens: FloatArray, start: FloatArray, end: FloatArray) -> float | None:
    """Aggregate throughput: every completion token of some timed requests over the wall
    time from the first one's start to the last one's end (None without both)."""
    counted = np.isfinite(tokens)
    times = np.isfinite(start) & np.isfinite(end)
    if not counted.any() or not times.any():
        return None
    wall = float(end[times].max() - start[times].min())
    return float(tokens[counted].sum()) / wall if wall > 0 else None


def _model_status(run: Run, model: str, n_ok: int) -> str:
    record = run.model(model)
    if record is not None:
        return record.status
    return "ok" if n_ok else "failed"


def summarize(run: Run) -> list[dict[str, Any]]:
    """One entry per model (``run.models`` order, then models only seen in samples).

    ``{"model", "status", "n_ok", "n_failed", "n_cancelled", "n_reasoned", "latency_s":
    {stats}, "ttft_s", "tpot_s", "output_tps", "decode_tps", "ttfa_s", "throughput_tps"}`` from
    timed samples: statistics over ``ok`` samples, ``n_cancelled`` counting those the user
    cancelled, ``n_failed`` the others and ``n_reasoned`` the ``ok`` answers that showed
    thinking; ``throughput_tps`` (one number) is every completion token of the timed phase
    over its wall time; ``"checks": {"passed", "total"}`` over the timed
    answers' automatic checks (None without).
    """
    order: dict[str, int] = {m.id: i for i, m in enumerate(run.models)}
    cols = _Columns(run.samples, order)
    checks: dict[str, list[object]] = {}
    for s in [s for s in run.samples if s.checks is not None]:  # most runs have none: fast
        if not s.warmup:
            checks.setdefault(s.model, []).append(s.checks)
    summary = []
    for model, rows in zip(order, group_rows(cols.model, len(order)), strict=True):
        entry = _entry(cols, rows)
        entry["throughput_tps"] = throughput_tps(
            cols.tokens[rows], cols.start[rows], cols.end[rows]
        )
        status = _model_status(run, model, entry["n_ok"])
        tally = checks_tally(checks.get(model, []))
        summary.append({"model": model, "status": status, **entry, "checks": tally})
    return summary


def summarize_by_prompt(run: Run) -> list[dict[str, Any]]:
    """Like ``summarize`` per (model, prompt) pair that has timed samples.

    Ordered by model (as in ``summarize``), then by prompt (``run.prompts`` order, then
    prompts only seen in samples). Each entry also has ``"prompt_id"``.
    """
    model_order: dict[str, int] = {m.id: i for i, m in enumerate(run.models)}
    cols = _Columns(run.samples, model_order)
    prompt_order: dict[str, int] = {}
    for prompt in run.prompts:
        pid = prompt.get("id") if isinstance(prompt, dict) else None
        if isinstance(pid, str):
            prompt_order.setdefault(pid, len(prompt_order))
    prompt_codes = cols.prompt_codes(prompt_order)
    n_prompts = max(len(prompt_order), 1)
    pair_codes = cols.model * n_prompts + prompt_codes
    models = list(model_order)
    prompts = list(prompt_order)
    summary = []
    for code, rows in enumerate(group_rows(pair_codes, len(models) * n_prompts)):
        if rows.size == 0:
            continue
        model = models[code // n_prompts]
        entry = _entry(cols, rows)
        summary.append(
            {
                "model": model,
                "prompt_id": prompts[code % n_prompts],
                "status": _model_status(run, model, entry["n_ok"]),
                **entry,
            }
        )
    return summary


def ensure_summary(run: Run) -> list[dict[str, Any]]:
    """``run.summary`` when the run has one; otherwise compute it and store it on the run."""
    if run.summary is None:
        run.summary = summarize(run)
    return run.summary


# --- chart data --------------------------------------------------------------------------


def histogram(values: Values, bins: int | str = "auto") -> tuple[npt.NDArray[np.intp], FloatArray]:
    """``(counts, edges)`` of the finite values, as ``np.histogram``; empty input gives two
    empty arrays. Automatic bin rules are capped at 200 bins (Freedman-Diaconis explodes on
    a narrow bulk with a far outlier)."""
    arr = _finite(values)
    if arr.size == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float64)
    if isinstance(bins, str) and arr.size > 1:
        span = float(arr.max() - arr.min())
        q75, q25 = np.percentile(arr, [75.0, 25.0])
        fd_width = 2.0 * float(q75 - q25) / arr.size ** (1.0 / 3.0)
        if fd_width > 0.0 and span / fd_width > _MAX_AUTO_BINS:
            bins = _MAX_AUTO_BINS
    counts, edges = np.histogram(arr, bins=bins)
    return counts.astype(np.intp), edges.astype(np.float64)


def ecdf(values: Values) -> tuple[FloatArray, FloatArray]:
    """``(x, y)``: the sorted finite values and the fraction of values <= each (1/n .. 1)."""
    x = np.sort(_finite(values))
    n = x.size
    y = np.arange(1, n + 1, dtype=np.float64) / n if n else np.zeros(0, dtype=np.float64)
    return x, y
