"""The one base of the app's table models, and the item roles every view shares.

A table is a list of row objects and a fixed (or rebuilt) set of columns. Subclasses say what
a cell shows for a role (:meth:`RowTableModel.cell`) and, if they like, what a header says
(:meth:`RowTableModel.header`); row counting, index checks, header plumbing and replacing the
rows are done here once. Every model is checked with pytest-qt's ``qtmodeltester``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from foundry_bench.ui.base.plain_text import plain_tooltip

AnyIndex = QModelIndex | QPersistentModelIndex
R = TypeVar("R")

# Roles beyond Qt's own, one number each for the whole app (a proxy sorts by SORT_ROLE).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the value a column sorts by (numbers as numbers)
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's identity: a model id, a folder path
ROW_ROLE = Qt.ItemDataRole.UserRole + 3  # the row object itself
BEST_ROLE = Qt.ItemDataRole.UserRole + 4  # True where a cell holds its column's best value
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 5  # a percentage drawn as a bar, or None

RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class RowTableModel(QAbstractTableModel, Generic[R]):
    """Rows of ``R`` under ``headers``; read-only unless a subclass adds ``flags``/``setData``."""

    def __init__(self, headers: Sequence[str] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list[R] = []

    # -- what subclasses say -------------------------------------------------------------

    def cell(self, row: R, column: int, role: int) -> Any:
        """What the cell of ``row`` at ``column`` holds for ``role`` (None: nothing)."""
        raise NotImplementedError

    def header(self, section: int, role: int) -> Any:
        """A column header for ``role``: its title (override for tips or dynamic titles)."""
        return self._headers[section] if role == Qt.ItemDataRole.DisplayRole else None

    # -- rows ----------------------------------------------------------------------------

    def rows(self) -> list[R]:
        return list(self._rows)

    def row_at(self, row: int) -> R:
        return self._rows[row]

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: Sequence[R]) -> None:
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def replace_row(self, row: int, value: R) -> None:
        self._rows[row] = value
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    # -- the Qt model API ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._headers):
            return None
        return self.header(section, role)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (
            0 <= index.row() < len(self._rows) and 0 <= index.column() < len(self._headers)
        ):
            return None
        value = self.cell(self._rows[index.row()], index.column(), role)
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(value, str):
            return plain_tooltip(value)  # tips quote model ids, prompts, answers, errors
        return value
