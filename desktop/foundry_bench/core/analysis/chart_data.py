"""What the Benchmark view's charts draw, computed from a run's samples without Qt.

One pass turns samples into columns (:class:`SampleColumns`), one call turns columns into
everything every chart needs (:func:`chart_data`): latency histograms on shared bin edges,
box-plot statistics with p50/p95, ECDFs, the median output tokens/s with its bootstrap 95% CI,
a model x prompt breakdown and the timeline of every request.

It runs in a worker for a reopened run (100,000 samples in well under a second) and on the GUI
thread for the few hundred samples a live run adds between redraws. Every array handed to the
view is bounded (:data:`MAX_ECDF_POINTS`, :data:`MAX_TIMELINE_POINTS`): pyqtgraph draws a
few thousand points in milliseconds but a hundred thousand in hundreds of them, and at that
density the extra points add nothing a screen can show.

Units are the charts' own: milliseconds for latency, TTFT and TPOT, tokens/s for throughput,
seconds since the run started for the timeline. Statistics follow ``docs/design.md``: warm-ups
never count, distributions are made of ``ok`` samples, percentiles are numpy's ``linear``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from foundry_bench.core.analysis.columns import (
    Columns,
    FloatArray,
    IntArray,
    SampleColumns,
    empty_floats,
    group_rows,
)
from foundry_bench.core.analysis.stats import describe, histogram
from foundry_bench.core.results.records import Run

#: Most points of one model's ECDF handed to the view (its steps stay within 1/1000 in y).
MAX_ECDF_POINTS = 1000
#: Most points of one model's timeline series (the min and max of each time slice are kept,
#: so outliers and cold starts never disappear).
MAX_TIMELINE_POINTS = 4000
#: Box-plot whiskers reach the furthest value within this many IQRs of the box (Tukey).
WHISKER_IQR = 1.5
#: The rule, as every box plot states it (the app's charts and the HTML report).
WHISKER_RULE = "box p25–p75 · whiskers to the furthest value within 1.5 IQR · dots beyond"
#: Most outliers of one box drawn as dots (evenly picked, the extremes always among them):
#: more only make a chart or a report heavy, not clearer.
MAX_OUTLIERS = 150
#: Points of a violin's outline (a smoothed histogram of the values between the whiskers).
VIOLIN_POINTS = 48

BOX_METRICS = ("latency_ms", "ttft_ms", "ttfa_ms", "tpot_ms")
CHART_NAMES = (
    "latency_histogram",
    "latency_box",
    "latency_ecdf",
    "ttft",
    "ttfa",
    "tpot",
    "throughput",
    "per_prompt",
    "timeline",
)


# --- columns -------------------------------------------------------------------------------


# --- statistics for the charts -----------------------------------------------------------


@dataclass(frozen=True)
class BoxStats:
    """A Tukey box plot plus the percentiles the design reports (p50, p95)."""

    n: int
    q1: float
    p50: float
    q3: float
    whisker_lo: float  # the lowest value within 1.5 IQR below q1
    whisker_hi: float  # the highest value within 1.5 IQR above q3
    p95: float
    minimum: float
    maximum: float
    outliers: int  # values beyond the whiskers
    outlier_values: tuple[float, ...] = ()  # at most MAX_OUTLIERS of them, sorted
    violin_y: tuple[float, ...] = ()  # the violin's outline: values ...
    violin_w: tuple[float, ...] = ()  # ... and the density at each, the widest 1.0


def _violin(inside: FloatArray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A smoothed histogram of the values between the whiskers (linear time, unlike a KDE
    over 100,000 samples): ``(values, densities)``, the widest density 1."""
    lo, hi = float(inside[0]), float(inside[-1])
    if inside.size < 5 or hi <= lo:
        return (), ()
    # Fewer bins for a few values (12 answers in 48 bins drew a comb, not a shape).
    bins = int(min(VIOLIN_POINTS, max(8, 2 * np.sqrt(inside.size))))
    counts, edges = np.histogram(inside, bins=bins, range=(lo, hi))
    kernel = np.exp(-0.5 * (np.arange(-4, 5) / 1.5) ** 2)  # a Gaussian of 1.5 bins
    full = np.convolve(counts.astype(np.float64), kernel / kernel.sum(), mode="full")
    smooth = full[kernel.size // 2 : kernel.size // 2 + bins]  # "same", for any bin count
    centres = (edges[:-1] + edges[1:]) / 2
    y = np.concatenate(([lo], centres, [hi]))
    w = np.concatenate(([smooth[0]], smooth, [smooth[-1]])) / max(float(smooth.max()), 1e-12)
    return tuple(float(v) for v in y), tuple(float(v) for v in w)


def box_stats(values: Sequence[float] | FloatArray) -> BoxStats | None:
    """Box-plot statistics of the finite values; None when there are none."""
    arr = np.asarray(values, dtype=np.float64)
    arr = np.sort(arr[np.isfinite(arr)])
    if arr.size == 0:
        return None
    q1, p50, q3, p95 = (float(v) for v in np.percentile(arr, [25, 50, 75, 95], method="linear"))
    reach = WHISKER_IQR * (q3 - q1)
    keep = (arr >= q1 - reach) & (arr <= q3 + reach)
    inside, beyond = arr[keep], arr[~keep]
    lo, hi = float(inside[0]), float(inside[-1])
    if beyond.size > MAX_OUTLIERS:
        beyond = beyond[np.linspace(0, beyond.size - 1, MAX_OUTLIERS).astype(int)]
    violin_y, violin_w = _violin(inside)
    return BoxStats(
        n=int(arr.size),
        q1=q1,
        p50=p50,
        q3=q3,
        whisker_lo=min(lo, q1),
        whisker_hi=max(hi, q3),
        p95=p95,
        minimum=float(arr[0]),
        maximum=float(arr[-1]),
        outliers=int(arr.size - inside.size),
        outlier_values=tuple(float(v) for v in beyond),
        violin_y=violin_y,
        violin_w=violin_w,
    )


@dataclass(frozen=True)
class Estimate:
    """A median with its bootstrap 95% CI (``lo``/``hi`` equal the median for one value)."""

    n: int
    value: float
    lo: float
    hi: float

    @property
    def error_below(self) -> float:
        return max(self.value - self.lo, 0.0)

    @property
    def error_above(self) -> float:
        return max(self.hi - self.value, 0.0)


def median_ci(values: Sequence[float] | FloatArray) -> Estimate | None:
    """The median and its bootstrap 95% CI, exactly as the run summary computes them."""
    stats = describe(np.asarray(values, dtype=np.float64))
    if stats["n"] == 0:
        return None
    p50 = float(stats["p50"])
    lo, hi = stats["p50_ci"] or (p50, p50)
    return Estimate(n=int(stats["n"]), value=p50, lo=float(lo), hi=float(hi))


def ci_error_bars(estimates: Sequence[Estimate | None]) -> tuple[FloatArray, ...]:
    """``(x, value, below, above)`` for the models that have an estimate (x = model index),
    the arrays an error-bar item takes (its ``bottom`` and ``top`` are distances)."""
    rows = [(i, e.value, e.error_below, e.error_above) for i, e in enumerate(estimates) if e]
    if not rows:
        return empty_floats(), empty_floats(), empty_floats(), empty_floats()
    table = np.asarray(rows, dtype=np.float64)
    return table[:, 0], table[:, 1], table[:, 2], table[:, 3]


# --- downsampling ----------------------------------------------------------------------------


def downsample_ecdf(x: FloatArray, y: FloatArray, max_points: int) -> tuple[FloatArray, FloatArray]:
    """At most ``max_points`` points of an ECDF, evenly spaced in rank, ends included."""
    n = x.size
    if n <= max_points:
        return x, y
    keep = np.unique(np.linspace(0, n - 1, max(max_points, 2)).round().astype(np.intp))
    return x[keep], y[keep]


def downsample_envelope(
    x: FloatArray, y: FloatArray, max_points: int
) -> tuple[FloatArray, FloatArray]:
    """At most ``max_points`` points of a scatter, ordered by x: the x range is cut into
    ``max_points // 2`` slices and each keeps its lowest and highest y. Outliers survive
    (they are a slice's extreme), which is what a timeline is looked at for."""
    n = x.size
    if n <= max_points:
        order = np.argsort(x, kind="stable")
        return x[order], y[order]
    slices = max(max_points // 2, 1)
    lo, hi = float(x.min()), float(x.max())
    width = (hi - lo) / slices or 1.0
    bins = np.minimum(((x - lo) / width).astype(np.intp), slices - 1)
    order = np.lexsort((y, bins))
    sorted_bins = bins[order]
    first = np.flatnonzero(np.r_[True, sorted_bins[1:] != sorted_bins[:-1]])
    last = np.r_[first[1:] - 1, n - 1]
    keep = order[np.unique(np.r_[first, last])]
    keep = keep[np.argsort(x[keep], kind="stable")]
    return x[keep], y[keep]


# --- the chart data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    x: FloatArray
    y: FloatArray

    def __len__(self) -> int:
        return int(self.x.size)


def _series(x: FloatArray | None = None, y: FloatArray | None = None) -> Series:
    return Series(empty_floats() if x is None else x, empty_floats() if y is None else y)


@dataclass(frozen=True)
class Timeline:
    """One model's requests over time: timed ``ok`` ones, warm-ups, and failures (drawn at
    their latency, or at 0 when they have none). ``n`` counts them before downsampling."""

    ok: Series
    warmup: Series
    failed: Series
    n: int


@dataclass(frozen=True)
class PromptBreakdown:
    """Median latency (ms) and sample count of each model x prompt (NaN / 0 when none)."""

    p50_ms: FloatArray  # shape (models, prompts)
    counts: IntArray


@dataclass(frozen=True)
class ChartData:
    models: tuple[str, ...]
    prompts: tuple[str, ...]
    hist_edges: FloatArray  # shared latency bin edges (ms), so models overlay bin for bin
    hist_counts: tuple[IntArray, ...]  # per model
    boxes: dict[str, tuple[BoxStats | None, ...]]  # BOX_METRICS -> per model
    ecdf: tuple[Series, ...]  # latency ECDF per model, downsampled
    ecdf_n: tuple[int, ...]  # samples behind each ECDF
    throughput: tuple[Estimate | None, ...]  # median output tokens/s per model
    per_prompt: PromptBreakdown
    timeline: tuple[Timeline, ...]
    points: dict[str, int] = field(default_factory=dict)  # samples each chart represents

    @property
    def n_samples(self) -> int:
        return sum(t.n for t in self.timeline)


def _finite(values: FloatArray) -> FloatArray:
    out: FloatArray = values[np.isfinite(values)]
    return out


def _timeline(cols: Columns, rows: IntArray, max_points: int) -> Timeline:
    x = cols.start_s[rows]
    y = cols.latency_ms[rows]
    known = np.isfinite(x)
    ok = cols.ok[rows] & known & np.isfinite(y)
    warm = cols.warmup[rows]
    failed = ~cols.ok[rows] & known
    timed_ok = ok & ~warm
    warm_ok = ok & warm
    fail_y = np.where(np.isfinite(y[failed]), y[failed], 0.0)
    return Timeline(
        ok=Series(*downsample_envelope(x[timed_ok], y[timed_ok], max_points)),
        warmup=Series(*downsample_envelope(x[warm_ok], y[warm_ok], max_points)),
        failed=Series(*downsample_envelope(x[failed], fail_y, max_points)),
        n=int(rows.size),
    )


def _breakdown(cols: Columns, n_models: int, n_prompts: int) -> PromptBreakdown:
    p50 = np.full((n_models, n_prompts), np.nan, dtype=np.float64)
    counts = np.zeros((n_models, n_prompts), dtype=np.intp)
    mask = cols.timed_ok & np.isfinite(cols.latency_ms)
    if n_models and n_prompts:
        codes = cols.model[mask] * n_prompts + cols.prompt[mask]
        values = cols.latency_ms[mask]
        for code, rows in enumerate(group_rows(codes, n_models * n_prompts)):
            if rows.size:
                m, p = divmod(code, n_prompts)
                p50[m, p] = float(np.percentile(values[rows], 50, method="linear"))
                counts[m, p] = rows.size
    return PromptBreakdown(p50_ms=p50, counts=counts)


def chart_data(
    cols: Columns,
    models: Sequence[str],
    prompts: Sequence[str],
    *,
    max_ecdf_points: int = MAX_ECDF_POINTS,
    max_timeline_points: int = MAX_TIMELINE_POINTS,
) -> ChartData:
    """Everything the charts draw, for ``models`` and ``prompts`` in their code order."""
    n_models = len(models)
    by_model = group_rows(cols.model, n_models)
    timed_ok = cols.timed_ok
    latency_ok = [_finite(cols.latency_ms[rows[timed_ok[rows]]]) for rows in by_model]

    _counts, edges = histogram(np.concatenate(latency_ok) if latency_ok else empty_floats())
    hist_counts = tuple(
        np.histogram(values, bins=edges)[0].astype(np.intp)
        if edges.size
        else np.zeros(0, dtype=np.intp)
        for values in latency_ok
    )
    boxes: dict[str, tuple[BoxStats | None, ...]] = {}
    for metric in BOX_METRICS:
        column: FloatArray = getattr(cols, metric)
        boxes[metric] = tuple(box_stats(column[rows[timed_ok[rows]]]) for rows in by_model)
    ecdfs = []
    for values in latency_ok:
        x = np.sort(values)
        y = np.arange(1, x.size + 1, dtype=np.float64) / max(x.size, 1)
        ecdfs.append(Series(*downsample_ecdf(x, y, max_ecdf_points)))
    throughput = tuple(median_ci(cols.output_tps[rows[timed_ok[rows]]]) for rows in by_model)
    breakdown = _breakdown(cols, n_models, len(prompts))
    timeline = tuple(_timeline(cols, rows, max_timeline_points) for rows in by_model)
    n_ok = int(sum(v.size for v in latency_ok))
    points = {
        "latency_histogram": int(sum(int(c.sum()) for c in hist_counts)),
        "latency_box": sum(b.n for b in boxes["latency_ms"] if b),
        "latency_ecdf": n_ok,
        "ttft": sum(b.n for b in boxes["ttft_ms"] if b),
        # Where no model reasons, TTFA is the TTFT: no chart of its own.
        "ttfa": sum(b.n for b in boxes["ttfa_ms"] if b) if cols.reasoned.any() else 0,
        "tpot": sum(b.n for b in boxes["tpot_ms"] if b),
        "throughput": sum(e.n for e in throughput if e),
        "per_prompt": int(breakdown.counts.sum()),
        "timeline": sum(t.n for t in timeline),
    }
    return ChartData(
        models=tuple(models),
        prompts=tuple(prompts),
        hist_edges=edges,
        hist_counts=hist_counts,
        boxes=boxes,
        ecdf=tuple(ecdfs),
        ecdf_n=tuple(int(v.size) for v in latency_ok),
        throughput=throughput,
        per_prompt=breakdown,
        timeline=timeline,
        points=points,
    )


def run_chart_data(run: Run) -> ChartData:
    """Chart data of a whole (finished or reopened) run."""
    cols = SampleColumns.from_run(run)
    return chart_data(cols.columns(), cols.models, cols.prompts)
