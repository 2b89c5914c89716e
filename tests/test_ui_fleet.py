"""The Fleet tab of the Reports page: pick runs (or a folder of them), merge in a worker, the
heatmap and table show each run's own numbers, export writes the fleet report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from contexts import make_context
from foundry_bench.core.analysis.fleet import load_fleet
from foundry_bench.core.reports.fleet import cell_text, render_fleet
from foundry_bench.ui.reports.page import ReportsPage
from test_fleet import _device_run, _write

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture()
def window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    ctx = make_context(tmp_path)
    yield ctx
    ctx.runner.shutdown(3.0)


@pytest.fixture()
def view(qtbot, window):  # type: ignore[no-untyped-def]
    page = ReportsPage(window)
    qtbot.addWidget(page)
    yield page.fleet_view  # the page stays referenced (alive) while the test runs


@pytest.fixture()
def devices(tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    _write(
        runs / "win", _device_run("windows-laptop", 1.0, run_id="r-win", started="2026-12-01T10")
    )
    _write(runs / "mac", _device_run("macbook", 0.6, run_id="r-mac", started="2026-12-01T11"))
    _write(runs / "edge", _device_run("edge-box", 2.5, run_id="r-edge", started="2026-12-01T12"))
    return runs


def _check_all(view) -> None:  # type: ignore[no-untyped-def]
    for i in range(view.runs.count()):
        view.runs.item(i).setCheckState(Qt.CheckState.Checked)


def test_merge_the_runs_folder(qtbot, qtmodeltester, view, devices: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(view.runs_listed, timeout=10000) as listed:
        view.refresh_runs()
    assert listed.args == [3]
    assert not view.merge_button.isEnabled()  # nothing picked yet
    _check_all(view)
    assert view.merge_button.isEnabled()
    with qtbot.waitSignal(view.merged, timeout=20000) as merged:
        view.merge()
    fleet = merged.args[0]
    assert fleet == view.fleet
    expected = load_fleet([devices / "win", devices / "mac", devices / "edge"])
    assert render_fleet(fleet, "csv") == render_fleet(expected, "csv")
    qtmodeltester.check(view.model)
    assert view.model.rowCount() == 6
    first = view.model.index(0, 0).data()
    assert first == "edge-box"
    # The heatmap: devices x models, each cell's value written as the report writes it.
    assert view.heatmap.matrix.shape == (3, 2)
    assert view.heatmap.texts() == [
        cell_text(fleet.cell(d.name, m), "p95_latency_ms")
        for d in fleet.devices
        for m in fleet.models
    ]
    view.metric_box.setCurrentIndex(view.metric_box.findData("output_tps"))
    assert view.heatmap.plot.plotItem.titleLabel.text == "Mean output tok/s"
    assert view.heatmap.texts()[0] == cell_text(fleet.cell("edge-box", "phi-mini"), "output_tps")
    assert "best on macbook: qwen-tiny" in view.summary_label.text()


def test_a_folder_of_runs_added_by_hand_and_export(
    qtbot, view, devices: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    view.ask_folder = lambda start: devices
    view._browse()
    assert view.selected_paths() == [devices]
    view.constraints_form.max_p95.setValue(1500)
    with qtbot.waitSignal(view.merged, timeout=20000) as merged:
        view.merge()
    fleet = merged.args[0]
    assert [d.name for d in fleet.devices] == ["edge-box", "macbook", "windows-laptop"]
    assert "phi-mini misses on edge-box (p95 latency" in view.summary_label.text()
    out = tmp_path / "fleet.csv"
    view.ask_save_path = lambda title, default, flt: out
    with qtbot.waitSignal(view.exported, timeout=10000):
        view._choose_export("csv")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 6 and {r["device"] for r in rows} == {
        "edge-box",
        "macbook",
        "windows-laptop",
    }
    # A refresh of the runs folder keeps the folder added by hand, still picked.
    with qtbot.waitSignal(view.runs_listed, timeout=10000):
        view.refresh_runs()
    assert str(devices) in map(str, view.selected_paths())


def test_nothing_readable_is_said_and_nothing_exports(qtbot, window, view, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty"
    empty.mkdir()
    view.add_path(empty)
    assert view.merge_button.isEnabled()  # a folder added by hand is picked
    with qtbot.waitSignal(view.merged, timeout=20000):
        view.merge_button.click()
    assert "Nothing to merge" in view.summary_label.text()
    assert f"{empty}: no run folder in it" in view.summary_label.text()
    assert any("no run folder in it" in e for e in window.errors)
    assert not any(b.isEnabled() for b in view.export_buttons.values())
    assert view.heatmap.texts() == []


def test_hostile_labels_stay_plain_text(qtbot, view, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    label = "<b>bold</b><img src=x>"
    folder = _write(tmp_path / "h", _device_run(label, 1.0, run_id="<i>r</i>", started="1"))
    view.add_path(folder)
    with qtbot.waitSignal(view.merged, timeout=20000):
        view.merge()
    assert view.summary_label.textFormat() == Qt.TextFormat.PlainText
    assert label in view.summary_label.text()
    assert view.model.index(0, 0).data() == label
