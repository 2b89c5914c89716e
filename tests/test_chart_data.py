"""core.chart_data: box-plot statistics, CI error bars, downsampling, per-model chart arrays."""

from __future__ import annotations

import time

import numpy as np
import pytest

from factories import make_run, make_sample
from foundry_bench.core.analysis.chart_data import (
    CHART_NAMES,
    MAX_ECDF_POINTS,
    MAX_TIMELINE_POINTS,
    box_stats,
    chart_data,
    ci_error_bars,
    downsample_ecdf,
    downsample_envelope,
    median_ci,
    run_chart_data,
)
from foundry_bench.core.analysis.columns import SampleColumns, parse_stamp
from foundry_bench.core.analysis.stats import describe, summarize
from foundry_bench.core.results.records import Run, Sample, SampleStatus


def timed_sample(
    model: str,
    prompt: str,
    round_no: int,
    latency: float | None,
    *,
    status: SampleStatus = "ok",
    warmup: bool = False,
    second: float = 0.0,
) -> Sample:
    """A sample of 21 tokens whose TTFT is a quarter of its latency, started ``second`` s in;
    only the metrics the charts read are set."""
    tokens = 21
    ttft = tpot = tps = None
    if latency is not None:
        ttft = latency / 4
        tpot = (latency - ttft) / (tokens - 1)
        tps = tokens / latency
    return make_sample(
        model,
        prompt,
        round_no,
        warmup=warmup,
        status=status,
        error=None if status == "ok" else "boom",
        started_at=f"2025-01-01T00:00:{second:06.3f}Z",
        ttft_s=ttft,
        latency_s=latency,
        tpot_s=tpot,
        completion_tokens=tokens,
        output_tps=tps,
    )


# --- box plots and estimates -------------------------------------------------------------


def test_box_stats_by_hand():
    b = box_stats([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0, float("nan"), None])
    assert b is not None
    assert b.n == 10
    assert b.q1 == pytest.approx(3.25)
    assert b.p50 == pytest.approx(5.5)
    assert b.q3 == pytest.approx(7.75)
    assert b.p95 == pytest.approx(np.percentile([*range(1, 10), 100], 95))
    # 1.5 IQR above q3 is 14.5: 100 is an outlier, the whisker stops at 9.
    assert b.whisker_hi == 9.0 and b.whisker_lo == 1.0
    assert b.outliers == 1 and b.maximum == 100.0 and b.minimum == 1.0
    assert box_stats([]) is None and box_stats([None, float("nan")]) is None


def test_box_stats_of_one_value_is_flat():
    b = box_stats([0.25])
    assert b is not None
    assert b.q1 == b.p50 == b.q3 == b.whisker_lo == b.whisker_hi == b.p95 == 0.25


def test_median_ci_is_the_summary_p50_and_its_ci():
    values = np.random.default_rng(3).lognormal(0, 0.4, 200)
    e = median_ci(values)
    stats = describe(values)
    assert e is not None and e.n == 200
    assert e.value == stats["p50"]
    assert [e.lo, e.hi] == stats["p50_ci"]
    assert e.lo <= e.value <= e.hi
    one = median_ci([4.0])
    assert one is not None and one.lo == one.value == one.hi == 4.0
    assert median_ci([]) is None


def test_ci_error_bars_skip_models_without_data():
    a, b = median_ci([1.0, 2.0, 3.0, 4.0]), median_ci([10.0, 11.0, 30.0])
    x, y, below, above = ci_error_bars([a, None, b])
    assert list(x) == [0.0, 2.0]
    assert list(y) == [a.value, b.value]
    assert np.all(below >= 0) and np.all(above >= 0)
    assert y[1] - below[1] == pytest.approx(b.lo) and y[1] + above[1] == pytest.approx(b.hi)
    assert all(arr.size == 0 for arr in ci_error_bars([None, None]))


# --- downsampling --------------------------------------------------------------------------


def test_downsample_ecdf_keeps_the_ends_and_the_shape():
    x = np.sort(np.random.default_rng(1).normal(size=50_000))
    y = np.arange(1, x.size + 1) / x.size
    dx, dy = downsample_ecdf(x, y, 1000)
    assert dx.size <= 1000
    assert dx[0] == x[0] and dx[-1] == x[-1] and dy[-1] == 1.0
    assert np.all(np.diff(dx) >= 0) and np.all(np.diff(dy) > 0)
    # Between two kept points the curve rises by at most ~1/1000.
    assert np.max(np.diff(dy)) <= 1.5 / 1000
    small_x, _small_y = downsample_ecdf(x[:10], y[:10], 1000)
    assert small_x.size == 10


def test_downsample_envelope_keeps_outliers_and_bounds_the_size():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 100, 100_000)
    y = rng.normal(50, 1, 100_000)
    y[12345] = 500.0  # a cold start
    y[54321] = -20.0
    dx, dy = downsample_envelope(x, y, 4000)
    assert dx.size <= 4000
    assert 500.0 in dy and -20.0 in dy
    assert np.all(np.diff(dx) >= 0)
    # Every kept point is a real point.
    pairs = set(zip(x.tolist(), y.tolist(), strict=True))
    assert all((a, b) in pairs for a, b in zip(dx.tolist(), dy.tolist(), strict=True))
    few_x, few_y = downsample_envelope(np.array([3.0, 1.0, 2.0]), np.array([30.0, 10.0, 20.0]), 10)
    assert list(few_x) == [1.0, 2.0, 3.0] and list(few_y) == [10.0, 20.0, 30.0]


# --- columns and chart data ----------------------------------------------------------------


def test_parse_stamp():
    assert parse_stamp("2025-01-01T00:00:01.500Z") - parse_stamp("2025-01-01T00:00:00Z") == 1.5
    assert np.isnan(parse_stamp("")) and np.isnan(parse_stamp("yesterday"))


def test_sample_columns_codes_and_offsets():
    cols = SampleColumns("2025-01-01T00:00:00.000Z")
    cols.set_order(["b", "a"], ["p1"])
    cols.extend(
        [
            timed_sample("a", "p2", 1, 0.1, second=1.25),
            timed_sample("b", "p1", 1, None, status="error", second=2.0),
            timed_sample("c", "p1", 1, 0.2, warmup=True, second=3.0),
        ]
    )
    assert cols.models == ["b", "a", "c"] and cols.prompts == ["p1", "p2"]
    c = cols.columns()
    assert list(c.model) == [1, 0, 2] and list(c.prompt) == [1, 0, 0]
    assert list(c.start_s) == [1.25, 2.0, 3.0]
    assert c.latency_ms[0] == pytest.approx(100.0) and np.isnan(c.latency_ms[1])
    assert list(c.timed_ok) == [True, False, False]
    assert cols.columns() is c  # cached until more samples come
    cols.extend([timed_sample("a", "p1", 2, 0.3)])
    assert len(cols.columns()) == 4


def _mixed_run() -> Run:
    samples = []
    second = 0.0
    for model, base in (("fast", 0.05), ("slow", 0.2), ("broken", None)):
        for prompt in ("p1", "p2"):
            warm_status = "error" if base is None else "ok"
            samples.append(
                timed_sample(model, prompt, 1, base, status=warm_status, warmup=True, second=second)
            )
            second += 0.5
            for r in range(1, 4):
                lat = None if base is None else base * (1 + r / 10) * (2 if prompt == "p2" else 1)
                status = "error" if base is None else "ok"
                samples.append(timed_sample(model, prompt, r, lat, status=status, second=second))
                second += 0.5
    return make_run(samples, models=["fast", "slow", "broken"], prompts=["p1", "p2"])


def test_chart_data_counts_what_each_chart_holds():
    run = _mixed_run()
    data = run_chart_data(run)
    assert data.models == ("fast", "slow", "broken") and data.prompts == ("p1", "p2")
    assert set(data.points) == set(CHART_NAMES)
    # 2 working models x 2 prompts x 3 timed rounds; warm-ups and errors never count.
    for name in CHART_NAMES:
        # timeline: every request; TTFA: none, as no model reasons (it is the TTFT then)
        expected = {"timeline": 24, "ttfa": 0}.get(name, 12)
        assert data.points[name] == expected, name
    assert sum(int(c.sum()) for c in data.hist_counts) == 12
    assert all(c.size == data.hist_edges.size - 1 for c in data.hist_counts)
    assert data.boxes["latency_ms"][2] is None and data.throughput[2] is None
    assert [len(s) for s in data.ecdf] == [6, 6, 0]
    broken = data.timeline[2]
    assert len(broken.failed) == 8 and len(broken.warmup) == 0 and np.all(broken.failed.y == 0)
    assert len(data.timeline[0].warmup) == 2 and len(data.timeline[0].ok) == 6


def test_chart_data_values_match_the_statistics():
    run = _mixed_run()
    data = run_chart_data(run)
    summary = {e["model"]: e for e in summarize(run)}
    fast_box = data.boxes["latency_ms"][0]
    assert fast_box is not None
    assert fast_box.p50 == pytest.approx(summary["fast"]["latency_s"]["p50"] * 1000)
    assert fast_box.p95 == pytest.approx(summary["fast"]["latency_s"]["p95"] * 1000)
    tput = data.throughput[1]
    assert tput is not None
    assert tput.value == pytest.approx(summary["slow"]["output_tps"]["p50"])
    assert [tput.lo, tput.hi] == pytest.approx(summary["slow"]["output_tps"]["p50_ci"])
    by_prompt = [
        s.latency_s * 1000 for s in run.timed_samples() if s.model == "slow" and s.prompt_id == "p2"
    ]
    assert data.per_prompt.p50_ms[1, 1] == pytest.approx(np.median(by_prompt))
    assert data.per_prompt.counts.tolist() == [[3, 3], [3, 3], [0, 0]]
    assert np.isnan(data.per_prompt.p50_ms[2, 0])


def test_chart_data_of_nothing():
    data = chart_data(SampleColumns().columns(), [], [])
    assert data.models == () and all(v == 0 for v in data.points.values())
    assert data.hist_edges.size == 0
    one_model = SampleColumns()
    one_model.set_order(["m"], ["p1"])
    data = chart_data(one_model.columns(), one_model.models, one_model.prompts)
    assert data.boxes["ttft_ms"] == (None,) and len(data.ecdf[0]) == 0


def test_a_run_rebuilt_from_samples_starts_at_its_first_sample():
    run = _mixed_run()
    run.started_at = ""
    data = run_chart_data(run)
    assert data.timeline[0].warmup.x[0] == 0.0


def test_100k_samples_are_bounded_and_fast():
    rng = np.random.default_rng(5)
    n = 100_000
    models = ["a", "b", "c"]
    lat = rng.lognormal(-3, 0.3, n)
    samples = [
        timed_sample(
            models[i % 3], f"p{i % 4}", i, float(lat[i]), warmup=i < 12, second=(i / 1000) % 60
        )
        for i in range(n)
    ]
    run = make_run(samples, models=models, prompts=[f"p{i}" for i in range(4)])
    started = time.perf_counter()
    data = run_chart_data(run)
    elapsed = time.perf_counter() - started
    assert data.points["timeline"] == n and data.points["latency_ecdf"] == n - 12
    assert all(len(s) <= MAX_ECDF_POINTS for s in data.ecdf)
    assert all(len(t.ok) <= MAX_TIMELINE_POINTS for t in data.timeline)
    assert data.hist_edges.size <= 201
    assert elapsed < 2.0  # ~0.25 s on a laptop; generous for a loaded CI runner
