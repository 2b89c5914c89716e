"""The Benchmark page in the real window: runs against the scripted server (deterministic,
with a failing model) and against the real runtime with the demo model."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.paths import app_paths, demo_model_dir
from foundry_bench.core.results.run_settings import host_label
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.runtime import DEMO_MODEL_ID
from foundry_bench.core.settings import AppSettings
from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
from foundry_bench.ui.benchmark.page import BenchmarkPage
from foundry_bench.ui.benchmark.results_columns import Col
from foundry_bench.ui.benchmark.results_table import METRICS
from foundry_bench.ui.main_window import MainWindow
from scripted_server import Scenario, ScriptedServer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

PROMPTS = [PromptSpec("a", "Say a."), PromptSpec("b", "Say b.")]
# Gaps of 2 ms: tokens that all arrive in one read (a loaded box) have no measurable decode
# time, and then no TPOT, while these tests count a TPOT point per sample.
SCENARIOS = {
    "good": Scenario(ttft_s=0.004, gap_s=0.002, tokens=12),
    "other": Scenario(ttft_s=0.008, gap_s=0.002, tokens=20),
    "missing": Scenario(fault="http404"),
    "slow": Scenario(ttft_s=0.05, gap_s=0.01, tokens=30),
    "slow2": Scenario(ttft_s=0.05, gap_s=0.01, tokens=30),
}


@pytest.fixture
def server():
    with ScriptedServer(SCENARIOS) as srv:
        yield srv


@pytest.fixture
def make_window(qtbot, tmp_path):
    windows: list[MainWindow] = []

    def make(endpoint: str | None) -> MainWindow:
        settings = AppSettings(endpoint=endpoint, runs_dir=str(tmp_path / "runs"))
        win = MainWindow(UiSettings(DictBackend()), settings, app_paths().ensure())
        qtbot.addWidget(win)
        win.resize(1280, 800)
        win.show()
        win.start()
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.close()
    QApplication.instance().setPalette(QApplication.style().standardPalette())


def ready_page(
    qtbot, win: MainWindow, models: list[str], *, rounds: int = 2, warmup: int = 1
) -> BenchmarkPage:
    page = win.show_page("Benchmark")
    assert isinstance(page, BenchmarkPage)
    listed = lambda: set(models) <= {r.id for r in page.setup.models.rows()}  # noqa: E731
    qtbot.waitUntil(listed, timeout=30000)
    # The example prompts are read in a worker when the page first shows.
    qtbot.waitUntil(lambda: page.setup.prompts.model.rowCount() > 0, timeout=10000)
    page.setup.prompts.model.set_prompts(PROMPTS)
    page.setup.models.check_only(models)
    page.setup.form.rounds.setValue(rounds)
    page.setup.form.warmup.setValue(warmup)
    assert page.setup.problems() == []
    assert page.strip.start_button.isEnabled()
    return page


def one_round(qtbot, win: MainWindow, models: list[str]) -> tuple[BenchmarkPage, Path]:
    """A finished run of one timed round (no warm-up) of ``models``: the page and its folder."""
    page = ready_page(qtbot, win, models, rounds=1, warmup=0)
    with qtbot.waitSignal(page.run_finished, timeout=30000) as finished:
        page.start_run()
    return page, finished.args[1]


def table_values(page: BenchmarkPage) -> dict[str, list[list[str]]]:
    model = page.results.model
    values = {}
    for metric in METRICS:
        model.set_metric(metric)
        values[metric] = [[model.index(r, c).data() for c in Col] for r in range(model.rowCount())]
    model.set_metric("latency_s")
    return values


# --- validation ----------------------------------------------------------------------------


def test_problems_are_shown_inline_and_block_start(qtbot, make_window, server):
    win = make_window(server.base_url)
    page = ready_page(qtbot, win, ["good"])
    page.setup.models.check_only([])
    assert not page.strip.start_button.isEnabled()
    assert "Pick at least one model" in page.setup.problems_label.text()
    page.setup.models.check_only(["good"])
    page.setup.prompts.model.setData(page.setup.prompts.model.index(0, 0), "a|1")
    assert "Prompt 1:" in page.setup.problems_label.text()
    assert not page.start_run()
    assert "Prompt 1:" in page.strip.current_label.text()
    page.setup.prompts.model.setData(page.setup.prompts.model.index(0, 0), "a")
    assert page.setup.problems_label.text().startswith("✓ Ready: 1 model(s) × 2 prompt(s)")
    assert page.strip.start_button.isEnabled()


# --- runs against the scripted server ------------------------------------------------------


def test_a_run_with_a_failing_model(qtbot, make_window, server):
    win = make_window(server.base_url)
    page = ready_page(qtbot, win, ["good", "missing", "other"], rounds=3)
    progress = []
    batches = []
    page.controller.progress_changed.connect(progress.append)
    page.controller.samples_added.connect(batches.append)
    with qtbot.waitSignal(page.run_finished, timeout=30000) as finished:
        page.strip.start_button.click()
        assert not page.strip.start_button.isEnabled() and page.strip.cancel_button.isEnabled()
    run, run_dir = finished.args
    assert run.status == "completed"
    assert {m.id: m.status for m in run.models} == {
        "good": "ok",
        "missing": "failed",
        "other": "ok",
    }
    status, reason = page.strip.status_of("missing")
    assert status == "failed" and "404" in reason
    assert page.strip.status_of("good") == ("ok", "")
    # Progress: every batch counts up, the last one has every request that was sent
    # (the failing model's first request fails, the rest of its requests are not sent).
    done = [p.done for p in progress]
    assert done == sorted(done) and progress[-1].total == 3 * 2 * 4
    assert progress[-1].done == len(run.samples) == 2 * 8 + 1
    assert sum(len(b) for b in batches) == len(run.samples)
    assert len(batches) < len(run.samples)  # batched, not one signal per request
    # Charts: 2 working models x 2 prompts x 3 rounds; the timeline has every request.
    points = page.charts.points()
    assert points.pop("timeline") == 17
    assert points.pop("ttfa") == 0  # no model reasons: TTFA is the TTFT, no chart of its own
    assert set(points.values()) == {12}
    assert page.results.model.rowCount() == 3
    missing_row = page.results.model.row_of("missing")
    assert missing_row is not None
    assert page.results.model.index(missing_row, Col.STATUS).data() == "failed"
    assert page.strip.progress.value() == page.strip.progress.maximum()
    assert win.ctx.current_run == (run, run_dir)
    for name in ("results.json", "samples.jsonl", "report.html", "summary.csv"):
        assert (run_dir / name).is_file(), name
    assert page.strip.start_button.isEnabled() and not page.strip.cancel_button.isEnabled()
    assert run.environment["label"] == host_label()  # no label set: the host name


def test_a_run_is_labelled_with_the_label_saved_in_settings(qtbot, make_window, server):
    win = make_window(server.base_url)
    page = ready_page(qtbot, win, ["good"], rounds=1, warmup=0)
    saved = win.ctx.app_settings
    win.ctx.apply_settings(
        replace(saved, defaults=replace(saved.defaults, label="lab-laptop-3")), server.base_url
    )
    with qtbot.waitSignal(page.run_finished, timeout=30000) as finished:
        assert page.start_run()
    run, run_dir = finished.args
    assert run.environment["label"] == "lab-laptop-3"
    assert load_run(run_dir).environment["label"] == "lab-laptop-3"


def test_cancel_keeps_what_is_done(qtbot, make_window, server):
    win = make_window(server.base_url)
    page = ready_page(qtbot, win, ["slow", "slow2"], rounds=5, warmup=0)
    with qtbot.waitSignal(page.run_started, timeout=5000):
        assert page.start_run()
    qtbot.waitUntil(lambda: len(page._by_model.get("slow", [])) >= 2, timeout=20000)
    started = time.perf_counter()
    with qtbot.waitSignal(page.run_finished, timeout=10000) as finished:
        page.strip.cancel_button.click()
        assert page.strip.cancel_button.text() == "Cancelling…"
    stopped_in = time.perf_counter() - started
    run, run_dir = finished.args
    # One request takes ~0.35 s; Cancel cuts the one in flight.
    assert stopped_in < 1.5
    assert run.status == "cancelled"
    assert page.strip.status_of("slow2") == ("skipped", "")
    saved = load_run(run_dir)
    assert saved.status == "cancelled"
    assert [s.key for s in saved.samples] == [s.key for s in page._by_model["slow"]]
    assert len(saved.samples) >= 2 and saved.samples[-1].status in ("ok", "cancelled")
    n_ok = sum(1 for s in saved.samples if s.status == "ok")
    assert page.charts.points()["latency_ecdf"] == n_ok
    assert "cancelled" in page.strip.current_label.text()
    assert page.results.model.rowCount() == 2
    # The request Cancel cut is not a failure: the table counts it apart.
    n_cancelled = sum(1 for s in saved.samples if s.status == "cancelled")
    row = page.results.model.row_of("slow")
    assert page.results.model.index(row, Col.FAILED).data() == "0"
    assert page.results.model.index(row, Col.CANCELLED).data() == str(n_cancelled)
    assert page.strip.start_button.isEnabled()


def test_closing_the_window_mid_run_saves_what_is_done(qtbot, make_window, server):
    win = make_window(server.base_url)
    page = ready_page(qtbot, win, ["slow"], rounds=20, warmup=0)
    assert page.start_run()
    run_dir = page.controller.run_dir
    qtbot.waitUntil(lambda: len(page._by_model.get("slow", [])) >= 1, timeout=20000)
    finished = []
    page.run_finished.connect(lambda *args: finished.append(args))
    started = time.perf_counter()
    win.close()  # cancels every job and waits for its thread (a few seconds at most)
    assert time.perf_counter() - started < 3.0
    assert not finished  # nothing reaches a closed window
    saved = load_run(run_dir)
    assert saved.status == "cancelled" and 1 <= len(saved.samples) < 20


def test_reopening_a_run_reproduces_the_table(qtbot, make_window, server, tmp_path):
    win = make_window(server.base_url)
    page = ready_page(qtbot, win, ["good", "other"])
    with qtbot.waitSignal(page.run_finished, timeout=30000) as finished:
        page.start_run()
    _run, run_dir = finished.args
    before = table_values(page)
    points = page.charts.points()
    page.results.model.clear()
    page.side_tabs.setCurrentWidget(page.history)
    qtbot.waitUntil(lambda: page.history.model.row_of(run_dir) is not None, timeout=10000)
    assert page.history.select(run_dir)
    with qtbot.waitSignal(page.run_shown, timeout=10000) as shown:
        page.history.open_button.click()
    assert shown.args[1] == run_dir
    assert table_values(page) == before
    assert page.charts.points() == points
    assert "Reopened run" in page.strip.current_label.text()
    assert win.ctx.current_run is not None and win.ctx.current_run[1] == run_dir
    # Its samples are out of the collector's sight (frozen): a 100,000-sample run made every
    # collection on the GUI thread take 130 ms.
    import gc

    scanned = {id(o) for o in gc.get_objects()}
    assert not any(id(s) in scanned for s in win.ctx.current_run[0].samples)
    # Drill-down: a model's samples and a full answer.
    page.show_samples_of("other")
    assert page.samples.model.rowCount() == 6
    page.samples.table.selectRow(1)
    assert "Answer:" in page.samples.response.toPlainText()
    assert "Prompt:\nSay b." in page.samples.response.toPlainText()  # row 1: warm-up of b


def test_history_rename_and_delete_with_confirmation(qtbot, make_window, server):
    win = make_window(server.base_url)
    page, run_dir = one_round(qtbot, win, ["good"])
    history = page.history
    qtbot.waitUntil(lambda: history.model.row_of(run_dir) is not None, timeout=10000)
    history.select(run_dir)
    history.ask_text = lambda title, label, value: "baseline"
    with qtbot.waitSignal(history.runs_listed, timeout=10000):
        history.rename_button.click()
    renamed = run_dir.parent / "baseline"
    assert renamed.is_dir() and not run_dir.exists()
    assert win.ctx.current_run is not None and win.ctx.current_run[1] == renamed
    assert history.select(renamed)
    asked = []
    history.confirm = lambda title, text: asked.append(text) or False
    history.delete_button.click()
    assert asked and "baseline" in asked[0] and renamed.is_dir()
    history.confirm = lambda title, text: True
    with qtbot.waitSignal(history.run_deleted, timeout=10000):
        history.delete_button.click()
    assert not renamed.exists()
    qtbot.waitUntil(lambda: history.model.rowCount() == 0, timeout=10000)


def test_charts_hover_and_export(qtbot, make_window, server, tmp_path: Path):
    win = make_window(server.base_url)
    page = ready_page(qtbot, win, ["good", "other"])
    with qtbot.waitSignal(page.run_finished, timeout=30000):
        page.start_run()
    box = page.charts.show_chart("latency_box")
    stats = box.stats[1]
    assert stats is not None
    text = box.hover_at(1.0, stats.p50)
    assert text is not None and text.startswith("other (n=4)") and "p95" in text
    assert box.hover.isVisible()
    assert box.hover_at(5.0, 0.0) is None and not box.hover.isVisible()
    tput = page.charts.show_chart("throughput").hover_at(0.0, 1.0)
    assert tput is not None and "95% CI" in tput
    hist = page.charts.charts["latency_histogram"]
    assert "good:" in (hist.hover_at(float(hist.edges[0]), 0.0) or "")
    for name, suffix in (("latency_box", "png"), ("timeline", "svg")):
        path = tmp_path / f"{name}.{suffix}"
        with qtbot.waitSignal(page.charts.chart_exported, timeout=10000):
            page.charts.export(name, path)
        head = path.read_bytes()[:200]
        assert head.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in head


def test_setup_saved_and_loaded(qtbot, make_window, server, tmp_path: Path):
    win = make_window(server.base_url)
    page = ready_page(qtbot, win, ["good", "other"], rounds=4)
    page.setup.form.temperature.setValue(0.5)
    expected = page.setup.setup()
    path = tmp_path / "setup.json"
    with qtbot.waitSignal(page.setup.setup_saved, timeout=5000):
        page.setup.save_setup(path)
    page.setup.models.check_only([])
    page.setup.prompts.model.set_prompts([PromptSpec("x", "other")])
    page.setup.form.rounds.setValue(1)
    with qtbot.waitSignal(page.setup.setup_loaded, timeout=5000):
        page.setup.load_setup(path)
    assert page.setup.setup() == expected
    # A setup names no device: the machine that runs it labels its runs.
    assert "label" not in json.loads(path.read_text(encoding="utf-8"))["settings"]


# --- the real runtime ----------------------------------------------------------------------


@pytest.mark.runtime
@pytest.mark.skipif(
    not (demo_model_dir() / "genai_config.json").is_file(), reason="demo model not built"
)
def test_a_run_of_the_demo_model_on_the_real_runtime(qtbot, make_window):
    win = make_window(None)
    qtbot.waitUntil(lambda: win.models_view.runtime_url is not None, timeout=60000)
    page = ready_page(qtbot, win, [DEMO_MODEL_ID], rounds=3, warmup=1)
    progress = []
    page.controller.progress_changed.connect(progress.append)
    with qtbot.waitSignal(page.run_finished, timeout=120000) as finished:
        page.start_run()
    run, run_dir = finished.args
    assert run.status == "completed" and run.models[0].status == "ok"
    assert progress[-1].done == progress[-1].total == 8
    points = page.charts.points()
    assert points.pop("timeline") == 8
    assert points.pop("ttfa") == 0  # the demo model does not reason
    assert set(points.values()) == {6}
    entry = page.results.model.entries()[0]
    assert entry["n_ok"] == 6 and entry["output_tps"]["p50"] > 0
    assert run.models[0].load_time_s is not None  # the run loaded the model itself
    # The Models page shows that load, not one from before the run.
    assert win.models_view.model.row(DEMO_MODEL_ID).load_time_s == run.models[0].load_time_s
    # The results table shows it too, from the model record.
    assert page.results.model.index(0, Col.LOAD).data() != ""
    assert (run_dir / "report.html").is_file()


def test_the_form_shows_and_edits_the_request_deadline(qtbot):
    from foundry_bench.core.results.run_settings import RunSettings
    from foundry_bench.ui.benchmark.settings_form import RunSettingsForm

    form = RunSettingsForm(RunSettings(deadline_s=90.0, timeout_s=20.0))
    qtbot.addWidget(form)
    assert form.deadline.value() == 90.0 and form.timeout.value() == 20.0
    with qtbot.waitSignal(form.changed, timeout=1000):
        form.deadline.setValue(45.0)
    assert form.settings() == RunSettings(deadline_s=45.0, timeout_s=20.0)


def test_a_relaunch_restores_the_ticked_models_and_the_last_run(qtbot, server, tmp_path):
    store = DictBackend()
    settings = AppSettings(endpoint=server.base_url, runs_dir=str(tmp_path / "runs"))

    def launch() -> MainWindow:
        win = MainWindow(UiSettings(store), settings, app_paths().ensure())
        qtbot.addWidget(win)
        win.resize(1280, 800)
        win.show()
        win.start()
        return win

    first = launch()
    page, run_dir = one_round(qtbot, first, ["good", "other"])
    points = page.charts.points()["latency_ecdf"]
    first.close()

    second = launch()
    page = second.show_page("Benchmark")
    assert isinstance(page, BenchmarkPage)
    ticked = lambda: [s.id for s in page.setup.models.checked_specs()]  # noqa: E731
    qtbot.waitUntil(lambda: ticked() == ["good", "other"], timeout=30000)
    qtbot.waitUntil(lambda: page.shown_run is not None, timeout=30000)
    assert page.shown_run[1] == run_dir
    assert page.charts.points()["latency_ecdf"] == points > 0
    assert page.results.model.rowCount() == 2
    second.close()


def test_the_only_model_is_ticked_on_a_first_launch(qtbot, tmp_path):
    from scripted_server import Scenario, ScriptedServer

    with ScriptedServer({"solo": Scenario(ttft_s=0.004, gap_s=0.0005, tokens=4)}) as srv:
        settings = AppSettings(endpoint=srv.base_url, runs_dir=str(tmp_path / "runs"))
        win = MainWindow(UiSettings(DictBackend()), settings, app_paths().ensure())
        qtbot.addWidget(win)
        win.show()
        win.start()
        page = win.show_page("Benchmark")
        qtbot.waitUntil(lambda: page.setup.models.rowCount() == 1, timeout=30000)
        assert [s.id for s in page.setup.models.checked_specs()] == ["solo"]
        win.close()


def test_a_run_opened_on_another_page_is_drawn_here(qtbot, make_window, server):
    win = make_window(server.base_url)
    page, run_dir = one_round(qtbot, win, ["good"])
    loaded = load_run(run_dir)
    with qtbot.waitSignal(page.run_shown, timeout=10000):
        win.open_run(loaded, run_dir)  # as the Reports page's "Open run folder..." does
    assert page.shown_run[0] is loaded
