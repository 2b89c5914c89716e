"""Small widgets of the Models page: the notice banner, a table that says what to do when it
is empty, and toolbar glyphs tinted to the palette.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QItemSelectionModel, QSortFilterProxyModel, Qt
from PySide6.QtGui import (
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyle,
    QTableView,
    QWidget,
)

from foundry_bench.ui.base.progress_delegate import ProgressDelegate
from foundry_bench.ui.base.qt_models import ID_ROLE
from foundry_bench.ui.models.table_model import Column

#: Columns shown only while some listed model has a value in them.
OPTIONAL_COLUMNS = (Column.PARAMETERS, Column.QUANTIZATION, Column.TOOLS)


class Banner(QLabel):
    """A one-line notice above the table (catalog offline, server mode, runtime failure)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setObjectName("banner")
        self.hide()

    def show_notice(self, text: str, *, problem: bool = False) -> None:
        # Translucent fills read well on both light and dark palettes.
        fill, edge = ("217,83,79", "217,83,79") if problem else ("240,173,78", "240,173,78")
        self.setStyleSheet(
            f"QLabel#banner {{ background: rgba({fill},0.16); border: 1px solid "
            f"rgba({edge},0.7); border-radius: 4px; padding: 6px 10px; }}"
        )
        self.setText(text)
        self.show()

    def show_server(self, endpoint: str) -> None:
        self.show_notice(
            f"Models listed by {endpoint}. Loading and unloading are up to that server; "
            "switch to the embedded runtime in Settings to manage models here."
        )

    def show_runtime_failed(self, message: str) -> None:
        self.show_notice(
            f"Foundry Local could not start: {message}. Settings can point the app at "
            "another OpenAI-compatible server instead.",
            problem=True,
        )

    def show_catalog_offline(self, reason: str) -> None:
        short = reason.removeprefix("catalog unavailable").strip(" :()") or "no connection"
        self.show_notice(
            f"Public model catalog unavailable ({short}). Registered models below still "
            "work; add your own with “Add local model folder…”."
        )


class ModelsTable(QTableView):
    """The models, one row each; says what to do when it has no rows, instead of a blank box."""

    def __init__(self, model: QAbstractItemModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_hint = ""
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        self.setItemDelegateForColumn(Column.STATUS, ProgressDelegate(self))

    def fit_columns(self) -> None:
        # Columns only some models fill (imported models' parameters and quantization, tool
        # calling) are hidden while no listed model has a value: Status stays in view.
        model = self.model()
        rows = model.rowCount() if model is not None else 0
        for column in OPTIONAL_COLUMNS:
            empty = model is None or all(not model.index(r, column).data() for r in range(rows))
            self.setColumnHidden(column, empty)
        self.resizeColumnsToContents()
        # Room for "Downloading 100%" and its bar before any download starts.
        self.setColumnWidth(Column.STATUS, max(self.columnWidth(Column.STATUS), 100))

    def selected_id(self) -> str | None:
        rows = self.selectionModel().selectedRows()
        return str(rows[0].data(ID_ROLE)) if rows else None

    def select_source_row(self, row: int) -> bool:
        """Select row ``row`` of the model behind the sorting proxy; False if it is hidden."""
        proxy = self.model()
        if not isinstance(proxy, QSortFilterProxyModel):
            return False
        index = proxy.mapFromSource(proxy.sourceModel().index(row, 0))
        if not index.isValid():
            return False
        flags = QItemSelectionModel.SelectionFlag
        self.selectionModel().select(index, flags.ClearAndSelect | flags.Rows)
        self.setCurrentIndex(index)
        return True

    def set_empty_hint(self, hint: str) -> None:
        self.empty_hint = hint
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is None or model.rowCount() > 0 or not self.empty_hint:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        painter.drawText(
            self.viewport().rect().adjusted(24, 24, -24, -24),
            int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
            self.empty_hint,
        )


GLYPH_ICONS = (
    QStyle.StandardPixmap.SP_ArrowDown,
    QStyle.StandardPixmap.SP_MediaPlay,
    QStyle.StandardPixmap.SP_MediaStop,
)


def empty_hint(*, has_rows: bool, server: bool, failed: bool, starting: bool) -> str:
    """What the empty table says: why it is empty, and what to do."""
    if has_rows:
        return "No model matches the filter."
    if server:
        return "The server lists no models (or is still being asked)."
    if failed:
        return "Foundry Local did not start; see the message above."
    if starting:
        return "Starting Foundry Local…"
    return (
        "No models yet. Use “Add local model folder…” or drop an ONNX Runtime GenAI model "
        "folder on this page."
    )
