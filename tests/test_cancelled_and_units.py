"""A cancelled request is not a failure, and numbers are written in units that suit them.

The issue's cases: a Cancel after 1.5 s showed "Failed 1" in the window and "1 of 191 requests
failed (first error: cancelled after 0 chunks)" in the report; TPOT printed "0.0 ms"; a p95 of
9.5 ms was "10 ms over the 5 ms limit".
"""

from __future__ import annotations

import csv
import io
from functools import partial

import pytest
from PySide6.QtCore import Qt

from factories import make_measured_sample, make_model_record, make_run
from foundry_bench.core.analysis.recommend import Constraints, recommend
from foundry_bench.core.analysis.stats import summarize
from foundry_bench.core.reports.csv_report import to_summary_csv
from foundry_bench.core.reports.html import render_html
from foundry_bench.core.reports.markdown import to_markdown
from foundry_bench.core.units import fmt_seconds, number_scale, time_scale
from foundry_bench.ui.benchmark.results_columns import Col
from foundry_bench.ui.benchmark.results_table import ResultsTableModel, ResultsView

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

answer = partial(make_measured_sample, prompt_tokens=5, completion_tokens=10)


def cancelled_run():
    """190 answers, then the user's Cancel cut the request in flight (0 chunks received)."""
    samples = [answer("m", "p1", i, latency_s=0.02, ttft_s=0.004) for i in range(1, 191)]
    samples.append(
        make_measured_sample("m", "p1", 191, status="cancelled", error="cancelled after 0 chunks")
    )
    record = make_model_record("m", load_time_s=0.045, peak_rss_mb=812.4)
    return make_run(samples, models=[record], status="cancelled")


def test_a_cancelled_request_has_its_own_count():
    entry = summarize(cancelled_run())[0]
    assert (entry["n_ok"], entry["n_failed"], entry["n_cancelled"]) == (190, 0, 1)


def test_the_report_does_not_call_a_cancel_a_failure():
    run = cancelled_run()
    md = to_markdown(run)
    assert "requests failed" not in md and "cancelled after 0 chunks" not in md
    assert "- **Failures:** none" in md
    assert "- **Cancelled:** 1 request stopped by the user (not failures)" in md
    assert "| Cancelled |" in md
    html = render_html(run)
    assert "requests failed" not in html and ">Cancelled</th>" in html
    row = next(csv.DictReader(io.StringIO(to_summary_csv(run))))
    assert (row["n_failed"], row["n_cancelled"]) == ("0", "1")


def test_an_error_beside_a_cancel_counts_the_cancel_in_the_total_only():
    run = cancelled_run()
    run.samples.append(make_measured_sample("m", "p1", 192, status="error", error="HTTP 500: boom"))
    md = to_markdown(run)
    assert "m: 1 of 192 requests failed (first error: HTTP 500: boom)" in md


def test_the_results_table_shows_cancelled_apart_with_load_time(qapp):
    run = cancelled_run()
    model = ResultsTableModel()
    model.set_summary(summarize(run), run.models)
    assert model.index(0, Col.FAILED).data() == "0"
    assert model.index(0, Col.CANCELLED).data() == "1"
    assert "Cancel" in model.headerData(
        Col.CANCELLED, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    # Load time from the model record, in the unit its value suits.
    assert model.headerData(Col.LOAD, Qt.Orientation.Horizontal) == "Load (ms)"
    assert model.index(0, Col.LOAD).data() == "45.0"
    assert model.headerData(Col.MEMORY, Qt.Orientation.Horizontal) == "Memory Δ (MB)"
    assert model.index(0, Col.PEAK_RSS).data() == "812"  # the runtime host's peak
    assert model.index(0, Col.GPU_MEMORY).data() == ""  # not measured: empty, never 0
    # p95 comes before the spread columns, so it is in view first.
    assert Col.P95 < Col.MEAN < Col.P50_CI


def test_tiny_tpot_is_written_in_microseconds_not_as_zero(qapp):
    samples = [
        answer("m", "p1", i, latency_s=0.0105 + i * 1e-5, ttft_s=0.002, completion_tokens=201)
        for i in range(1, 6)
    ]
    run = make_run(samples, models=[make_model_record("m")])
    view = ResultsView()
    view.model.set_summary(summarize(run), run.models)
    view.model.set_metric("tpot_s")
    text = view.model.index(0, Col.P50).data()
    assert text != "0.0" and float(text) == pytest.approx(42.6, abs=0.3)
    labels = [view.metric_box.itemText(i) for i in range(view.metric_box.count())]
    assert "Time per output token (µs)" in labels and "Latency (ms)" in labels
    md = to_markdown(run)
    assert "p50 TPOT (µs)" in md and "| 0.0 |" not in md
    view.deleteLater()


def test_the_limit_message_does_not_round_past_the_limit():
    samples = [answer("m", "p1", i, latency_s=0.0095, ttft_s=0.001) for i in range(1, 4)]
    run = make_run(samples, models=[make_model_record("m")])
    rec = recommend(run, None, Constraints(max_p95_ms=5.0))
    assert rec.candidates[0].reasons == ("p95 latency 9.50 ms over the 5 ms limit",)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (4.03e-05, "40.3 µs"),
        (0.0095, "9.50 ms"),
        (0.0214, "21.4 ms"),
        (0.150, "150 ms"),
        (0.9996, "1.00 s"),
        (2.41, "2.41 s"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_one_duration(seconds, text):
    assert fmt_seconds(seconds) == text


def test_a_column_shares_one_unit_and_one_precision():
    scale = time_scale([0.0005, 0.021, 0.025, float("inf"), None, "x"])
    assert (scale.unit, scale.digits) == ("ms", 1)
    assert [scale.text(v) for v in (0.0005, 0.021)] == ["0.5", "21.0"]
    assert scale.label("p95 latency") == "p95 latency (ms)"
    assert number_scale([4180.2, 3900.0], "tok/s").text(4180.2) == "4180"
    assert number_scale([45.33]).text(45.33) == "45.3"


def test_the_quality_scatter_uses_the_unit_of_the_tables(qtbot):
    from foundry_bench.ui.charts.quality import QualityScatter

    scatter = QualityScatter()
    qtbot.addWidget(scatter)
    scatter.set_points(
        [
            {"label": "a", "x": 0.0214, "y": 4.0, "lo": 3.5, "hi": 4.5, "front": True},
            {"label": "b", "x": 0.0309, "y": 3.0, "lo": 2.5, "hi": 3.5, "front": False},
        ]
    )
    axis = scatter.plot.getPlotItem().getAxis("bottom")
    assert axis.labelText.startswith("p95 latency (ms)")
    xs, _ = scatter.points.getData()
    assert list(xs) == pytest.approx([21.4, 30.9])


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.84, "840 ms"), (2.41, "2.41 s"), (42.0, "42 s"), (125.0, "2 min 05 s")]
)
def test_a_sub_second_run_did_not_take_0_s(seconds, text):
    from foundry_bench.ui.benchmark.status import format_duration

    assert format_duration(seconds) == text
