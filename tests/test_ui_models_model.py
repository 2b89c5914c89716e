"""The model list's Qt table model."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSortFilterProxyModel, Qt

from foundry_bench.core.run.model_entry import ModelEntry
from foundry_bench.core.units import fmt_seconds
from foundry_bench.ui.base.qt_models import PROGRESS_ROLE, SORT_ROLE
from foundry_bench.ui.models.table_model import (
    Column,
    ModelsTableModel,
    format_size,
    server_entry,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def entry(model_id: str, **kw) -> ModelEntry:
    alias = model_id.split(":")[0].removesuffix("-generic-cpu")
    return ModelEntry(id=model_id, alias=alias, source=kw.pop("source", "local"), **kw)


LOCAL = [
    entry("tiny-chat-generic-cpu:1", task="chat-completion", cached=True, disk_mb=1.3),
    entry("demo-generic-cpu:1", task="chat-completion", cached=True, loaded=True, size_mb=4.2),
]
CATALOG = [
    entry(
        "phi-4-mini-generic-cpu:4",
        source="catalog",
        device="CPU",
        execution_provider="CPUExecutionProvider",
        size_mb=4800.0,
        license="MIT",
        tool_calling=True,
    ),
]


@pytest.fixture
def model(qtbot):
    m = ModelsTableModel()
    m.set_entries("local", LOCAL)
    m.set_entries("catalog", CATALOG)
    return m


def test_model_passes_qt_model_tester(qtmodeltester, model):
    qtmodeltester.check(model, force_py=True)


def test_empty_and_updated_model_passes_qt_model_tester(qtmodeltester):
    m = ModelsTableModel()
    qtmodeltester.check(m, force_py=True)
    m.set_entries("server", [server_entry("llama3.2:3b")])
    m.set_progress("llama3.2:3b", 40.0)
    qtmodeltester.check(m, force_py=True)


def test_rows_columns_and_display(model):
    assert model.rowCount() == 3
    assert model.columnCount() == len(Column)
    phi = model.position("phi-4-mini-generic-cpu:4")
    assert phi == 2  # registered models come first

    def text(row: int, col: Column) -> str:
        return model.index(row, col).data()

    assert text(phi, Column.DEVICE) == "CPU"  # "CPU / CPU" says nothing twice
    assert text(phi, Column.SIZE) == "4.8 GB"
    assert text(phi, Column.TOOLS) == "✓"
    assert "Foundry Local catalog" in model.index(phi, Column.ID).data(Qt.ItemDataRole.ToolTipRole)
    assert "registered" in model.index(0, Column.ALIAS).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, Column.ALIAS).data(Qt.ItemDataRole.DecorationRole) is not None
    assert text(1, Column.LOADED) == "✓"
    assert text(0, Column.SIZE) == "1.3 MB"  # size on disk when the catalog gives none
    header = model.headerData(Column.LOAD_TIME, Qt.Orientation.Horizontal)
    assert header == "Load time"


def test_progress_busy_and_load_time(qtbot, model):
    mid = "phi-4-mini-generic-cpu:4"
    row = model.position(mid)
    with qtbot.waitSignal(model.dataChanged):
        model.set_progress(mid, 42.4)
    assert model.index(row, Column.STATUS).data() == "Downloading 42%"
    assert model.index(row, Column.STATUS).data(PROGRESS_ROLE) == 42.4
    assert model.index(row, Column.SIZE).data(PROGRESS_ROLE) is None
    model.set_progress(mid, None)
    model.set_busy(mid, "Loading…")
    assert model.index(row, Column.STATUS).data() == "Loading…"
    model.set_loaded(mid, True, 0.031)
    assert model.index(row, Column.STATUS).data() == ""
    assert model.index(row, Column.LOAD_TIME).data() == "31.0 ms"
    assert model.row(mid).entry.loaded


def test_refresh_keeps_what_the_window_measured(model):
    mid = "tiny-chat-generic-cpu:1"
    model.set_loaded(mid, True, 0.5)
    model.set_entries("local", [entry(mid, cached=True, loaded=True)])
    assert model.row(mid).load_time_s == 0.5
    assert model.rowCount() == 2  # the catalog rows stay
    model.set_entries("catalog", [])
    assert [r.id for r in model.rows()] == [mid]


def test_sorting_by_size_is_numeric_and_filter_matches_any_column(model):
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    ids = [proxy.index(r, Column.ID).data() for r in range(proxy.rowCount())]
    assert ids == ["phi-4-mini-generic-cpu:4", "demo-generic-cpu:1", "tiny-chat-generic-cpu:1"]
    proxy.setFilterFixedString("mit")
    assert proxy.rowCount() == 1


def test_formatting():
    assert format_size(None) == ""
    assert format_size(0.5) == "0.5 MB"
    assert format_size(250) == "250 MB"
    assert fmt_seconds(2.5) == "2.50 s"
