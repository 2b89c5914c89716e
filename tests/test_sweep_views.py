"""The sweep's Markdown and HTML report section and the Benchmark page's Sweep mode.

The report tests build a sweep run by hand (exact numbers, a hostile model id); the page
test runs a real sweep against the scripted server in the window."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from factories import make_run, make_sample
from foundry_bench.core.paths import app_paths
from foundry_bench.core.reports.html import render_html
from foundry_bench.core.reports.markdown import to_markdown
from foundry_bench.core.results.records import Run
from foundry_bench.core.settings import AppSettings
from foundry_bench.core.sweep.grid import SweepGrid
from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.benchmark.page import BenchmarkPage
from foundry_bench.ui.benchmark.sweep_view import SweepView
from foundry_bench.ui.main_window import MainWindow
from scripted_server import Scenario, ScriptedServer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

HOSTILE = "<script>alert(1)</script>|m\n"


def sweep_run(model: str = HOSTILE) -> Run:
    """Two prompt sizes (TTFT 10 ms + 0.1 ms per token) and two concurrencies."""
    grid = SweepGrid((100, 1000), (20,), concurrency=(1, 2))
    samples = []
    for point in grid.points:
        for r in range(1, 4):
            start = 10.0 * len(samples)
            end = start + 1.0 / point.concurrency
            samples.append(
                make_sample(
                    model,
                    point.id,
                    r,
                    prompt_tokens=point.prompt_tokens,
                    ttft_s=0.01 + 0.0001 * point.prompt_tokens,
                    latency_s=0.5,
                    completion_tokens=20,
                    decode_tps=40.0,
                    start_s=start,
                    end_s=end,
                )
            )
    record = {
        "schema_version": 1,
        "grid": grid.to_dict(),
        "points": [p.to_dict() for p in grid.points],
        "models": {model: {"context": {"advertised": 4096, "upper": 4096, "effective": 4000,
                                       "refused_at": None, "at_least": True, "probes": []}}},
    }  # fmt: skip
    return make_run(samples, sweep=record)


def test_markdown_sweep_section_has_the_fit_table_and_context() -> None:
    md = to_markdown(sweep_run())
    section = md.split("## Sweep\n", 1)[1].split("\n## ", 1)[0]
    assert "prefill 0.1000 ms per prompt token (10000 tok/s)" in section
    assert "TTFT at 0 tokens 10.0 ms" in section
    assert "advertised context 4096; a prompt of 4000 tokens was accepted" in section
    assert "<script>" not in section and "\\|m" in section  # the hostile id is escaped
    assert section.count("p100-o20-d0-c") == 2  # one row per point (c1, c2)


def test_html_sweep_section_draws_its_charts_safely() -> None:
    html = render_html(sweep_run())
    assert '<section id="sweep">' in html
    section = html.split('<section id="sweep">', 1)[1].split("</section>", 1)[0]
    assert section.count("<svg") == 4  # TTFT, decode, throughput and p95 vs in flight
    assert "<script>" not in html and "&lt;script&gt;" in section
    assert re.search(r"stroke-dasharray=\"5 3\"", section)  # the fitted line


def test_a_plain_run_has_no_sweep_section_and_a_bad_sweep_object_costs_nothing() -> None:
    plain = make_run([make_sample("m", "p1", 1, latency_s=0.1)])
    assert "## Sweep" not in to_markdown(plain) and 'id="sweep"' not in render_html(plain)
    broken = sweep_run("m")
    assert broken.sweep is not None
    broken.sweep["points"] = [{"id": "x", "prompt_tokens": "many"}, "junk", None]
    broken.sweep["models"] = ["not", "a", "mapping"]
    assert "## Sweep" in to_markdown(broken)
    assert 'id="sweep"' in render_html(broken)


def test_the_sweep_tab_draws_in_place(qtbot: Any) -> None:
    runner = JobRunner()
    view = SweepView(runner)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.shown, timeout=10000) as shown:
        view.show_run(sweep_run(HOSTILE))
    assert shown.args[0] is not None
    ttft = view.charts[0]
    ((_sample, legend),) = ttft.legend.items
    assert "<script>" not in legend.text and "&lt;script&gt;" in legend.text  # legends are HTML
    assert view.findings.textFormat() == Qt.TextFormat.PlainText
    with qtbot.waitSignal(view.shown, timeout=10000) as shown:
        view.show_run(sweep_run("m"))
    assert view.model.rowCount() == 3
    assert "prefill 0.1000 ms per prompt token" in view.findings.text()
    items = list(ttft.item.items)
    assert ttft.points == 2 and ttft.chart is not None
    x, y = ttft._lines[0].getData()
    assert list(x) == [100.0, 1000.0] and list(y) == pytest.approx([20.0, 110.0])
    with qtbot.waitSignal(view.shown, timeout=10000):
        view.show_run(sweep_run("m"))
    assert list(ttft.item.items) == items  # updated with setData, nothing re-created
    with qtbot.waitSignal(view.shown, timeout=10000):
        view.show_run(make_run([make_sample("m", "p1", 1)]))
    assert view.model.rowCount() == 0 and "Not a sweep" in view.findings.text()
    assert runner.shutdown()


def test_a_sweep_from_the_benchmark_page(qtbot: Any, tmp_path: Any) -> None:
    scenario = Scenario(ttft_s=0.005, gap_s=0.001, tokens=50, count_prompt=True,
                        prefill_s_per_token=0.00005)  # fmt: skip
    with ScriptedServer({"m": scenario}) as srv:
        settings = AppSettings(endpoint=srv.base_url, runs_dir=str(tmp_path / "runs"))
        win = MainWindow(UiSettings(DictBackend()), settings, app_paths().ensure())
        qtbot.addWidget(win)
        win.show()
        win.start()
        try:
            page = win.show_page("Benchmark")
            assert isinstance(page, BenchmarkPage)
            qtbot.waitUntil(lambda: "m" in {r.id for r in page.setup.models.rows()}, timeout=30000)
            page.setup.models.check_only(["m"])
            page.setup.form.rounds.setValue(2)
            panel = page.sweep_panel
            panel.prompt_tokens.setText("64,abc")
            assert not panel.start_button.isEnabled()
            assert "'abc' is not a whole number" in panel.problems_label.text()
            panel.prompt_tokens.setText("64,256")
            panel.output_tokens.setText("8")
            panel.concurrency.setText("1,2")
            panel.probe.setChecked(False)
            assert panel.problems_label.text() == "Ready: 3 point(s) per model"
            drawn = page.sweep_view.shown  # (a new run first clears the tab: shown(None))
            with qtbot.waitSignal(drawn, timeout=60000, check_params_cb=bool) as shown:
                panel.start_button.click()
            assert shown.args[0] is not None
            run, run_dir = page.shown_run  # type: ignore[misc]
            assert run.sweep is not None and run.status == "completed"
            assert page.bottom_tabs.currentWidget() is page.sweep_view
            assert page.sweep_view.model.rowCount() == 3
            assert "## Sweep" in (run_dir / "benchmark_report.md").read_text(encoding="utf-8")
        finally:
            win.close()
            QApplication.instance().setPalette(QApplication.style().standardPalette())
