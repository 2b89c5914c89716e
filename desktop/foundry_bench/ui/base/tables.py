"""The one way the app builds a table view of rows, and the one sorting proxy in front of a
table model (it sorts by ``SORT_ROLE``, so numbers sort as numbers)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from foundry_bench.ui.base.qt_models import SORT_ROLE


def sort_proxy(model: QAbstractItemModel, parent: QObject) -> QSortFilterProxyModel:
    """A proxy that sorts ``model`` by each cell's ``SORT_ROLE`` value."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    return proxy


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
