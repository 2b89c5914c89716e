"""The one way the app builds a table view of rows (results, samples, comparisons)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


def row_table(
    model: QAbstractItemModel, *, sortable: bool = False, fit_columns: bool = False
) -> QTableView:
    """A table whose unit is the row: whole-row selection, no row numbers.

    ``sortable`` tables start in the model's own order (no sort column) with one row
    selectable at a time; ``fit_columns`` sizes columns to their contents and stretches the
    last one over the rest.
    """
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    if sortable:
        table.setSortingEnabled(True)
        table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
    if fit_columns:
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table
