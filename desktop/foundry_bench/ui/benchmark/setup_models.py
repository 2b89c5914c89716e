"""Qt models of the run setup: the models to benchmark (ticked) and the editable prompts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    Qt,
)

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.redaction import redact_url
from foundry_bench.ui.base.plain_text import plain_tooltip
from foundry_bench.ui.base.qt_models import ID_ROLE, AnyIndex, RowTableModel

FROM_PAGE = "Models page"
FROM_FILE = "models.json"


@dataclass(frozen=True)
class PickRow:
    spec: ModelSpec
    checked: bool
    source: str  # FROM_PAGE or FROM_FILE

    @property
    def id(self) -> str:
        return self.spec.id


class ModelPickModel(QAbstractListModel):
    """Models that can be benchmarked: what the Models page can run, plus models.json entries.

    A model is benchmarked when ticked. Entries from a models.json keep their details
    (size, license, endpoint), which the run records.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PickRow] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            # An alias with "device" in models.json runs that variant (core.run.variants).
            return f"{row.id} ({row.spec.device.upper()})" if row.spec.device else row.id
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if row.checked else Qt.CheckState.Unchecked
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole:
            details = [f"from the {row.source}"]
            if row.spec.endpoint:
                details.append(f"served by {redact_url(row.spec.endpoint)}")
            if row.spec.notes:
                details.append(row.spec.notes)
            if row.spec.device:
                details.append(f"its {row.spec.device.upper()} variant")
            return plain_tooltip(f"{row.id}\n" + "\n".join(details))
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        row = self._rows[index.row()]
        self._rows[index.row()] = replace(row, checked=checked)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    # -- public -------------------------------------------------------------------------------

    def rows(self) -> list[PickRow]:
        return list(self._rows)

    def checked_specs(self) -> list[ModelSpec]:
        return [r.spec for r in self._rows if r.checked]

    def set_checked(self, model_id: str, checked: bool = True) -> bool:
        for i, row in enumerate(self._rows):
            if row.id == model_id:
                return self.setData(
                    self.index(i),
                    Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked,
                    Qt.ItemDataRole.CheckStateRole,
                )
        return False

    def sync_available(self, model_ids: list[str]) -> None:
        """Follow the Models page: add what it can run; drop page models it no longer lists
        (unless ticked: a ticked model stays, and the run reports why it cannot be used)."""
        wanted = list(dict.fromkeys(model_ids))
        for i in reversed(range(len(self._rows))):
            row = self._rows[i]
            if row.source == FROM_PAGE and row.id not in wanted and not row.checked:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
        known = {r.id for r in self._rows}
        new = [m for m in wanted if m not in known]
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows += [PickRow(ModelSpec(id=m), False, FROM_PAGE) for m in new]
            self.endInsertRows()

    def add_specs(self, specs: list[ModelSpec], *, checked: bool = True) -> None:
        """Models from a models.json or a setup file: replace same ids, tick them."""
        for spec in specs:
            for i, row in enumerate(self._rows):
                if row.id == spec.id:
                    self._rows[i] = PickRow(spec, checked, FROM_FILE)
                    index = self.index(i)
                    self.dataChanged.emit(index, index)
                    break
            else:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first)
                self._rows.append(PickRow(spec, checked, FROM_FILE))
                self.endInsertRows()

    def check_only(self, model_ids: list[str]) -> None:
        for i, row in enumerate(self._rows):
            checked = row.id in model_ids
            if checked != row.checked:
                self._rows[i] = replace(row, checked=checked)
                index = self.index(i)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])


class PCol(IntEnum):
    ID = 0
    TEXT = 1
    MAX_TOKENS = 2


_PROMPT_HEADERS = {PCol.ID: "ID", PCol.TEXT: "Prompt", PCol.MAX_TOKENS: "Max tokens"}


class PromptsModel(RowTableModel[PromptSpec]):
    """The prompts of the run, editable: id and max tokens in the table, the full text (and
    system prompt) in the editor beside it; add, remove and move rows."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__([_PROMPT_HEADERS[c] for c in PCol], parent)

    def header(self, section: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _PROMPT_HEADERS[PCol(section)]
        if role == Qt.ItemDataRole.ToolTipRole and section == PCol.MAX_TOKENS:
            return "this prompt's own limit; empty = the run's max tokens"
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() != PCol.TEXT:  # the text has its own multi-line editor
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def cell(self, p: PromptSpec, column: int, role: int) -> Any:
        col = PCol(column)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == PCol.ID:
                return p.id
            if col == PCol.TEXT:
                return p.text if role == Qt.ItemDataRole.EditRole else " ".join(p.text.split())
            if role == Qt.ItemDataRole.EditRole:
                return p.max_tokens or 0
            return "" if p.max_tokens is None else str(p.max_tokens)
        if role == Qt.ItemDataRole.ToolTipRole and col == PCol.TEXT:
            return p.text[:2000]
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        p = self._rows[index.row()]
        col = PCol(index.column())
        if col == PCol.ID:
            p = replace(p, id=str(value))
        elif col == PCol.TEXT:
            p = replace(p, text=str(value))
        else:
            try:
                number = int(value) if value not in (None, "") else 0
            except (TypeError, ValueError):
                return False
            p = replace(p, max_tokens=number if number > 0 else None)
        return self.replace_prompt(index.row(), p)

    # -- public -------------------------------------------------------------------------------

    def prompts(self) -> list[PromptSpec]:
        return self.rows()

    def prompt(self, row: int) -> PromptSpec:
        return self.row_at(row)

    def set_prompts(self, prompts: list[PromptSpec]) -> None:
        self.set_rows(prompts)

    def replace_prompt(self, row: int, prompt: PromptSpec) -> bool:
        if not 0 <= row < len(self._rows):
            return False
        if prompt != self._rows[row]:
            self.replace_row(row, prompt)
        return True

    def add_prompt(self, text: str = "") -> int:
        used = {p.id for p in self._rows}
        n = len(self._rows) + 1
        while f"p{n}" in used:
            n += 1
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(PromptSpec(id=f"p{n}", text=text))
        self.endInsertRows()
        return row

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def move(self, row: int, delta: int) -> int:
        """Move a prompt up (-1) or down (+1); returns its new row."""
        target = row + delta
        if not (0 <= row < len(self._rows) and 0 <= target < len(self._rows)):
            return row
        # Qt's destination is the row *before which* the moved row lands.
        destination = target + 1 if delta > 0 else target
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
        self._rows.insert(target, self._rows.pop(row))
        self.endMoveRows()
        return target
