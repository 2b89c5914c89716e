"""Box plots show their outliers and say what the whiskers are; violins show the spread.

The issue's case: a latency maximum of 25.4 ms on a box chart whose axis stopped at 17 ms,
with nothing saying the whiskers stop at 1.5 IQR.
"""

from __future__ import annotations

import numpy as np
import pytest

from factories import make_measured_sample, make_model_record, make_run
from foundry_bench.core.analysis.chart_data import (
    MAX_OUTLIERS,
    WHISKER_RULE,
    box_stats,
    run_chart_data,
)
from foundry_bench.core.reports.svg import box_plot
from foundry_bench.ui.charts.distribution import BoxChart

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def skewed_ms() -> list[float]:
    """Latencies of 10-14 ms, and two slow requests of 24 and 25.4 ms."""
    rng = np.random.default_rng(3)
    return [*(10 + 4 * rng.random(60)), 24.0, 25.4]


def test_box_stats_keep_the_outliers_and_a_violin():
    b = box_stats(skewed_ms())
    assert b is not None and b.whisker_hi < 17
    assert b.outlier_values == (24.0, 25.4) and b.outliers == 2
    assert len(b.violin_y) == len(b.violin_w) > 10
    assert b.violin_y[0] == b.whisker_lo and b.violin_y[-1] == b.whisker_hi
    assert max(b.violin_w) == pytest.approx(1.0) and min(b.violin_w) >= 0


@pytest.mark.parametrize("n", [5, 12, 40, 5000])
def test_a_violin_of_any_size_has_one_width_per_value(n):
    b = box_stats(np.random.default_rng(n).lognormal(0.0, 0.3, n))
    assert b is not None and len(b.violin_y) == len(b.violin_w) >= 10


def test_many_outliers_are_thinned_but_keep_the_extremes():
    values = [1.0] * 9000 + [float(v) for v in range(100, 1100)]  # q1 = q3 = 1: all beyond
    b = box_stats(values)
    assert b is not None and len(b.outlier_values) == MAX_OUTLIERS
    assert b.outlier_values[0] == 100 and b.outlier_values[-1] == 1099


def test_the_app_box_chart_draws_outliers_within_its_axis(qtbot):
    samples = [
        make_measured_sample("m", "p1", i, latency_s=v / 1000, ttft_s=0.002, completion_tokens=8)
        for i, v in enumerate(skewed_ms(), start=1)
    ]
    data = run_chart_data(make_run(samples, models=[make_model_record("m")]))
    chart = BoxChart("latency_box", "Latency per model", "latency_ms", "latency (ms)")
    qtbot.addWidget(chart)
    chart.resize(500, 400)
    chart.set_data(data)
    _x, y = chart.outliers.getData()
    assert sorted(y) == pytest.approx([24.0, 25.4])
    _lo, hi = chart.vb.viewRange()[1]
    assert hi >= 25.4 > 17
    assert "1.5 IQR" in chart.title.text() and chart.title.toolTip().startswith(WHISKER_RULE)
    assert not chart.violins[0].path().isEmpty()
    legend = [label.text for _sample, label in chart.legend.items]
    assert "beyond 1.5 IQR" in legend


def test_the_report_box_plot_states_the_rule():
    svg = box_plot([("m", np.array(skewed_ms()))], title="Latency", unit="ms")
    assert "whiskers to the furthest value within 1.5 IQR" in svg
    assert svg.count("<circle") == 2


def test_a_single_model_gets_no_legend_over_its_plot(qtbot):
    from foundry_bench.ui.charts.distribution import HistogramChart

    def data(models: tuple[str, ...]):
        samples = [
            make_measured_sample(m, "p1", i, latency_s=0.01 * i, ttft_s=0.001, completion_tokens=4)
            for m in models
            for i in range(1, 6)
        ]
        return run_chart_data(make_run(samples, models=[make_model_record(m) for m in models]))

    chart = HistogramChart()
    qtbot.addWidget(chart)
    chart.set_data(data(("only",)))
    assert not chart.legend.isVisible()
    chart.set_data(data(("a", "b")))
    assert chart.legend.isVisible()


def test_a_tiny_tpot_box_is_drawn_in_microseconds(qtbot):
    samples = [
        make_measured_sample(
            "m", "p1", i, latency_s=0.0105 + i * 1e-5, ttft_s=0.002, completion_tokens=201
        )
        for i in range(1, 9)
    ]
    data = run_chart_data(make_run(samples, models=[make_model_record("m")]))
    chart = BoxChart("tpot", "Time per output token", "tpot_ms", "TPOT (ms)")
    qtbot.addWidget(chart)
    chart.set_data(data)
    assert chart.item.getAxis("left").labelText == "TPOT (µs)"
    b = chart.stats[0]
    assert b is not None and 40 < b.p50 < 46  # 42.6 µs, not 0.0426 ms
    assert "µs" in chart.hover_text(0.0, b.p50)
    _lo, hi = chart.vb.viewRange()[1]
    assert hi > b.maximum


def test_the_report_box_plot_draws_a_violin_between_the_whiskers():
    values = np.array(skewed_ms())
    svg = box_plot([("m", values), ("few", np.array([1.0, 2.0]))], title="Latency", unit="ms")
    assert svg.count('class="violin"') == 1  # two values make no shape
    points = svg.split('class="violin" d="M')[1].split(' Z"')[0].split(" L")
    xs = [float(p.split(",")[0]) for p in points]
    b = box_stats(values)
    assert b is not None and len(points) == 2 * len(b.violin_y)
    # It spans the whiskers, never the outliers at 24 and 25.4 ms.
    outlier_x = [float(c.split('cx="')[1].split('"')[0]) for c in svg.split("<circle")[1:]]
    assert max(xs) < min(outlier_x)
    assert "shape: violin" in svg  # the chart says what the shape is


@pytest.mark.parametrize(
    ("latency_s", "unit", "low", "high"),
    [(0.00042, "µs", 300, 600), (0.0105, "ms", 8, 14), (12.5, "s", 9, 16)],
)
def test_every_latency_chart_takes_the_unit_its_values_suit(qtbot, latency_s, unit, low, high):
    """Histogram, ECDF, timeline and per-prompt bars: a 0.4 ms answer is drawn in µs, a
    12.5 s one in s (they were all fixed to ms)."""
    from foundry_bench.ui.charts.distribution import EcdfChart, HistogramChart
    from foundry_bench.ui.charts.throughput import PerPromptChart
    from foundry_bench.ui.charts.timeline import TimelineChart

    samples = [
        make_measured_sample(
            "m", "p1", i, latency_s=latency_s * (1 + i / 100), ttft_s=latency_s / 4
        )
        for i in range(1, 21)
    ]
    data = run_chart_data(make_run(samples, models=[make_model_record("m")]))
    charts = [
        (HistogramChart(), "bottom", lambda c: c.edges),
        (EcdfChart(), "bottom", lambda c: c.series[0].x),
        (TimelineChart(), "left", lambda c: c.timelines[0].ok.y),
        (PerPromptChart(), "left", lambda c: c.p50[0]),
    ]
    for chart, side, drawn in charts:
        qtbot.addWidget(chart)
        chart.set_data(data)
        assert chart.item.getAxis(side).labelText.endswith(f"({unit})"), chart.name
        values = np.asarray(drawn(chart))
        assert values.size and low <= float(np.median(values)) <= high, chart.name
    hist = charts[0][0]
    assert hist.hover_text(float(hist.edges[1]), 1.0).split("\n")[0].endswith(unit)
