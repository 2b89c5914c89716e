"""The Reports page: exports written by workers, the recommendation, the run comparison."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from contexts import make_context
from foundry_bench.core.analysis.recommend import Constraints
from foundry_bench.core.reports import formats as report
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.store import RESULTS_FILE, SampleWriter, write_results
from foundry_bench.ui.reports.page import ReportsPage
from test_compare import synthetic_run

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def save(run: Run, folder: Path) -> Path:
    write_results(folder, run)
    with SampleWriter(folder / "samples.jsonl") as writer:
        for sample in run.samples:
            writer.append(sample)
    return folder


@pytest.fixture()
def window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    win = make_context(tmp_path)
    yield win
    win.runner.shutdown(3.0)


@pytest.fixture()
def page(qtbot, window):  # type: ignore[no-untyped-def]
    widget = ReportsPage(window)
    assert isinstance(widget, ReportsPage)
    qtbot.addWidget(widget)
    return widget


@pytest.fixture()
def opened(window, tmp_path: Path) -> tuple[Run, Path]:
    run = synthetic_run("20250101-a", {"alpha": 1.0, "beta": 1.4}, seed=1, n=30)
    folder = save(run, tmp_path / "runs" / "20250101-a")
    return run, folder


def test_page_follows_the_current_run(qtbot, window, page, opened) -> None:  # type: ignore[no-untyped-def]
    panel = page.export_panel
    assert not panel.export_buttons["html"].isEnabled()
    run, folder = opened
    with qtbot.waitSignal(panel.recommendation_ready, timeout=10000) as ready:
        window.open_run(run, folder)
    assert panel.run is run and "Run 20250101-a · completed · 2 model(s)" in panel.run_label.text()
    assert all(b.isEnabled() for b in panel.export_buttons.values())
    rec = ready.args[0].recommendation
    assert rec.best == "alpha" and panel.best_label.text().startswith("Recommended: alpha.")
    assert "no annotation files" in panel.quality_label.text()
    assert page.compare_view.combo_a.findData(str(folder)) >= 0


def test_a_page_made_after_the_run_shows_it(qtbot, window, opened) -> None:  # type: ignore[no-untyped-def]
    window.current_run = opened
    widget = ReportsPage(window)
    qtbot.addWidget(widget)
    assert widget.export_panel.run is opened[0]
    qtbot.waitUntil(lambda: widget.export_panel.model.rowCount() == 2, timeout=10000)


def test_export_every_format_in_a_worker(qtbot, window, page, opened, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run, folder = opened
    panel = page.export_panel
    with qtbot.waitSignal(panel.recommendation_ready, timeout=10000):
        window.open_run(run, folder)
    panel.max_p95.setValue(650)
    out = tmp_path / "out"
    for fmt in report.FORMATS:
        target = out / f"x-{fmt}"
        panel.ask_save_path = lambda _t, _d, _f, target=target: target
        with qtbot.waitSignal(panel.exported, timeout=20000) as done:
            panel.export_buttons[fmt].click()
        assert done.args[0] == str(target)
        expected = report.render(run, fmt, None, Constraints(max_p95_ms=650.0))
        assert target.read_bytes() == expected.encode("utf-8"), fmt
    assert "p95 latency ≤ 650 ms" in (out / "x-md").read_text(encoding="utf-8")
    assert json.loads((out / "x-json").read_text())["recommendation"]["best"] == "alpha"
    assert str(out / "x-json") in panel.status_label.text()
    assert not window.errors


def test_cancelled_dialog_writes_nothing(qtbot, window, page, opened) -> None:  # type: ignore[no-untyped-def]
    window.open_run(*opened)
    page.export_panel.ask_save_path = lambda *_a: None
    page.export_panel.export_buttons["md"].click()
    assert not window.runner.kinds() or window.runner.kinds() == ["report-recommend"]


def test_export_of_a_big_run_does_not_block_the_gui(
    qtbot, window, page, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Rendering and writing happen in a worker thread, never on the GUI thread (how long
    either takes is measured by benchmarks/, not asserted here)."""
    from foundry_bench.ui.reports import export as export_module

    big = synthetic_run("big", {f"m{i}": 1.0 + i / 10 for i in range(8)}, seed=1, n=2500)
    page.export_panel.set_run(big, None)
    target = tmp_path / "big.csv"
    threads: list[threading.Thread] = []
    real_export_run = export_module.export_run

    def recording_export_run(*args: Any) -> Any:
        threads.append(threading.current_thread())
        return real_export_run(*args)

    monkeypatch.setattr(export_module, "export_run", recording_export_run)
    with qtbot.waitSignal(page.export_panel.exported, timeout=60000):
        page.export_panel.export("csv", target)
        assert threads == [] or threads[0] is not threading.main_thread()
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    assert target.stat().st_size > 1_000_000


def test_export_failure_is_reported(qtbot, window, page, opened, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.open_run(*opened)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    job_kind = "report-export-md"
    page.export_panel.export("md", blocker / "sub" / "report.md")  # a file is in the way
    job = window.runner.job(job_kind)
    assert job is not None
    with qtbot.waitSignal(job.errored, timeout=10000):
        pass
    assert window.errors and window.errors[-1].startswith("Export Markdown report:")
    assert page.export_panel.status_label.text() == "Export failed (see the log)."


def test_open_a_run_folder_with_samples_only(qtbot, window, page, opened) -> None:  # type: ignore[no-untyped-def]
    _run, folder = opened
    (folder / RESULTS_FILE).unlink()
    panel = page.export_panel
    panel.ask_folder = lambda _start: folder
    with qtbot.waitSignal(panel.run_changed, timeout=10000) as changed:
        panel.open_button.click()
    assert changed.args[0].run_id == "20250101-a" and len(changed.args[0].samples) == 60


def test_hostile_run_id_stays_text(qtbot, window, page) -> None:  # type: ignore[no-untyped-def]
    evil = synthetic_run("<b>bold</b><img src=x onerror=alert(1)>", {"<i>m</i>": 1.0}, seed=1)
    with qtbot.waitSignal(page.export_panel.recommendation_ready, timeout=10000):
        page.export_panel.set_run(evil, None)
    assert "<b>bold</b>" in page.export_panel.run_label.text()
    assert page.export_panel.run_label.textFormat().name == "PlainText"
    assert page.export_panel.best_label.text().startswith("Recommended: <i>m</i>.")


def test_recommendation_follows_the_constraints(qtbot, qtmodeltester, window, page, opened) -> None:  # type: ignore[no-untyped-def]
    panel = page.export_panel
    with qtbot.waitSignal(panel.recommendation_ready, timeout=10000):
        window.open_run(*opened)
    assert panel.constraints() == Constraints()
    with qtbot.waitSignal(panel.recommendation_ready, timeout=10000) as ready:
        panel.max_p95.setValue(1)  # nobody is that fast
    assert ready.args[0].recommendation.best is None
    assert panel.best_label.text().startswith("No model meets every constraint")
    model = panel.model
    assert [model.index(r, 1).data() for r in range(2)] == ["no", "no"]
    assert "over the 1 ms limit" in model.index(0, 5).data()
    qtmodeltester.check(model, force_py=True)
    with qtbot.waitSignal(panel.recommendation_ready, timeout=10000) as ready:
        panel.max_p95.setValue(0)  # back to "no limit"
    assert ready.args[0].recommendation.best == "alpha"
    with qtbot.waitSignal(panel.recommendation_ready, timeout=10000) as ready:
        panel.constraints_form.min_checks.setValue(90)  # the run has no automatic checks
    assert panel.constraints().min_checks_pass == 0.9
    assert ready.args[0].recommendation.best is None
    assert "no automatic checks ran" in model.index(0, 5).data()


def test_compare_two_runs(qtbot, qtmodeltester, window, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runs = tmp_path / "runs"
    base = save(synthetic_run("base", {"alpha": 1.0, "beta": 1.0}, seed=1, n=40), runs / "base")
    new = save(synthetic_run("new", {"alpha": 1.3, "beta": 1.0}, seed=2, n=40), runs / "new")
    view = page.compare_view
    with qtbot.waitSignal(view.runs_listed, timeout=10000) as listed:
        page.show()  # the first show lists the runs folder
    assert listed.args[0] == 2
    view.select(base, new)
    with qtbot.waitSignal(view.compared, timeout=20000) as compared:
        view.compare_button.click()
    result = compared.args[0]
    assert (result.run_a, result.run_b) == ("base", "new")
    model = view.model
    qtmodeltester.check(model, force_py=True)
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(10)]
    alpha_p50 = next(r for r in rows if r[0] == "alpha" and r[1] == "p50 latency (ms)")
    assert alpha_p50[-1] == "slower (regression)" and alpha_p50[4].startswith("+")
    beta_p50 = next(r for r in rows if r[0] == "beta" and r[1] == "p50 latency (ms)")
    assert beta_p50[-1] == "no significant change"
    assert "regression(s) worse than 10% in alpha" in view.summary_label.text()
    view.threshold.setValue(90)
    assert "no regression worse than 90%" in view.summary_label.text()
    for fmt in ("md", "html", "json"):
        target = tmp_path / f"cmp.{fmt}"
        view.ask_save_path = lambda _t, _d, _f, target=target: target
        with qtbot.waitSignal(view.exported, timeout=10000):
            view.export_buttons[fmt].click()
        assert target.stat().st_size > 500
    assert "<svg" in (tmp_path / "cmp.html").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "cmp.json").read_text())["fail_on_regression_pct"] == 90


def test_compare_failure_restores_the_view(qtbot, window, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = page.compare_view
    empty_a, empty_b = tmp_path / "a", tmp_path / "b"
    empty_a.mkdir()
    empty_b.mkdir()
    view.select(empty_a, empty_b)
    view.compare()
    job = window.runner.job("compare-runs")
    assert job is not None
    with qtbot.waitSignal(job.errored, timeout=10000):
        pass
    assert view.summary_label.text() == "The comparison failed (see the log)."
    assert view.compare_button.isEnabled()
    assert "no results.json or samples.jsonl" in window.errors[-1]


def test_page_in_the_main_window(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from foundry_bench.core.paths import AppPaths
    from foundry_bench.core.settings import AppSettings
    from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
    from foundry_bench.ui.main_window import MainWindow

    paths = AppPaths(
        tmp_path, tmp_path / "config", tmp_path / "models", tmp_path / "logs", tmp_path / "runs"
    ).ensure()
    win = MainWindow(UiSettings(DictBackend()), AppSettings(), paths)
    qtbot.addWidget(win)
    page = win.show_page("Reports")
    assert isinstance(page, ReportsPage)
    run = synthetic_run("r", {"m": 1.0}, seed=1)
    with qtbot.waitSignal(page.export_panel.recommendation_ready, timeout=10000):
        win.open_run(run, save(run, paths.runs_dir / "r"))
    assert page.export_panel.run is run
    win.close()


def test_compare_lists_the_configured_runs_folder_and_follows_a_change(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from foundry_bench.core.settings import AppSettings

    chosen, other = tmp_path / "chosen", tmp_path / "other"
    first = save(synthetic_run("in-chosen", {"m": 1.0}, seed=1), chosen / "in-chosen")
    second = save(synthetic_run("in-other", {"m": 1.0}, seed=2), other / "in-other")
    save(synthetic_run("default", {"m": 1.0}, seed=3), tmp_path / "runs" / "default")
    ctx = make_context(tmp_path, app_settings=AppSettings(runs_dir=str(chosen)))
    page = ReportsPage(ctx)
    qtbot.addWidget(page)
    combo = page.compare_view.combo_a

    def listed() -> list[str]:
        return [combo.itemData(i) for i in range(combo.count())]

    try:
        page.show()
        qtbot.waitUntil(lambda: str(first) in listed(), timeout=10000)
        assert not any("default" in path for path in listed())
        ctx.apply_settings(AppSettings(runs_dir=str(other)), None)
        qtbot.waitUntil(lambda: str(second) in listed(), timeout=10000)
        assert str(first) not in listed()
    finally:
        ctx.runner.shutdown(3.0)


def test_compare_never_preselects_one_run_against_itself(
    qtbot, window, page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    runs = tmp_path / "runs"
    only = save(synthetic_run("only", {"m": 1.0}, seed=1), runs / "only")
    view = page.compare_view
    with qtbot.waitSignal(view.runs_listed, timeout=10000):
        page.show()
    assert view.combo_b.currentData() == str(only)
    assert view.combo_a.currentIndex() == -1 and not view.compare_button.isEnabled()
    second = save(synthetic_run("second", {"m": 1.0}, seed=2), runs / "second")
    with qtbot.waitSignal(view.runs_listed, timeout=10000):
        view.refresh_runs()
    picked = {view.combo_a.currentData(), view.combo_b.currentData()}
    assert picked == {str(only), str(second)} and view.compare_button.isEnabled()


def test_the_recommendation_follows_scores_as_they_are_saved(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Scoring on the Quality page reaches the Reports page at once, not after leaving it."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from foundry_bench.ui.quality.page import QualityPage

    ctx = make_context(tmp_path)
    reports, quality = ReportsPage(ctx), QualityPage(ctx)
    for widget in (reports, quality):
        qtbot.addWidget(widget)
    quality.show()  # the Quality page reads a run's files when it is on screen
    run = synthetic_run("scored", {"m": 1.0}, seed=1, n=4)
    folder = save(run, tmp_path / "runs" / "scored")
    panel = reports.export_panel
    try:
        with (
            qtbot.waitSignal(panel.recommendation_ready, timeout=10000) as first,
            qtbot.waitSignal(quality.session.opened, timeout=10000),
        ):
            ctx.open_run(run, folder)
        assert first.args[0].quality.rows is None  # nothing scored yet
        with qtbot.waitSignal(panel.recommendation_ready, timeout=10000) as after:
            QApplication.sendEvent(
                quality.scoring,
                QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_4, Qt.KeyboardModifier.NoModifier, "4"),
            )
        assert after.args[0].quality.rows is not None
        assert "no annotation files" not in panel.quality_label.text()
        # A report written now and the table beside it agree (the export re-reads scores).
        target = tmp_path / "r.html"
        panel.ask_save_path = lambda _t, _d, _f: target
        with qtbot.waitSignal(panel.recommendation_ready, timeout=10000):
            panel.export_buttons["html"].click()
        assert panel.status_label.text().startswith("Wrote ")
        # Another run opened: the "Wrote ..." line was about the one before.
        other = synthetic_run("other", {"m": 1.0}, seed=2, n=4)
        ctx.open_run(other, save(other, tmp_path / "runs" / "other"))
        assert panel.status_label.text() == ""
    finally:
        ctx.runner.shutdown(5.0)
        assert ctx.saves.flush(5.0)
