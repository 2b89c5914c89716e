"""The model list as a Qt table model: catalog, cached, registered and loaded models.

Rows come from ``core.run.model_entry.ModelEntry`` (or a server's ``/v1/models``) plus what only the
window knows: download progress, a load/unload in flight, the last measured load time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any, Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QStyle

from foundry_bench.core.run.model_entry import ModelEntry
from foundry_bench.core.run.provenance import format_parameters
from foundry_bench.core.units import fmt_seconds
from foundry_bench.ui.base.plain_text import plain_tooltip
from foundry_bench.ui.base.qt_models import (
    ID_ROLE,
    PROGRESS_ROLE,
    SORT_ROLE,
    AnyIndex,
    RowTableModel,
)

Origin = Literal["local", "catalog", "server"]
_ORIGIN_ORDER: dict[str, int] = {"local": 0, "catalog": 1, "server": 2}
_ORIGIN_TEXT = {
    "local": "a local folder you registered",
    "catalog": "the Foundry Local catalog",
    "server": "the configured server",
}
_ORIGIN_ICON = {
    "local": QStyle.StandardPixmap.SP_DirIcon,
    "catalog": QStyle.StandardPixmap.SP_DriveNetIcon,
    "server": QStyle.StandardPixmap.SP_ComputerIcon,
}


class Column(IntEnum):
    ALIAS = 0
    ID = 1
    DEVICE = 2
    SIZE = 3
    LICENSE = 4
    PARAMETERS = 5
    QUANTIZATION = 6
    TASK = 7
    TOOLS = 8
    CACHED = 9
    LOADED = 10
    LOAD_TIME = 11
    STATUS = 12


HEADERS = {
    Column.ALIAS: "Alias",
    Column.ID: "Model ID",
    Column.DEVICE: "Device",
    Column.SIZE: "Size",
    Column.LICENSE: "License",
    Column.PARAMETERS: "Parameters",
    Column.QUANTIZATION: "Quantization",
    Column.TASK: "Task",
    Column.TOOLS: "Tools",
    Column.CACHED: "Cached",
    Column.LOADED: "Loaded",
    Column.LOAD_TIME: "Load time",
    Column.STATUS: "Status",
}

HEADER_TIPS = {
    Column.ALIAS: "the icon shows where a model comes from: a folder you registered, "
    "Foundry Local's public catalog, or the configured OpenAI-compatible server",
    Column.DEVICE: "device and execution provider the variant runs on",
    Column.PARAMETERS: "parameter count, for models imported from a GGUF file or a Hugging "
    "Face folder (read from the source's weights)",
    Column.QUANTIZATION: "precision of an imported model's weights, and its source's",
    Column.TOOLS: "whether the model supports tool calling",
    Column.CACHED: "downloaded or registered on this machine",
    Column.LOADED: "loaded into memory by the runtime",
    Column.LOAD_TIME: "last load measured in this session",
}

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter
_ALIGN = {
    Column.SIZE: _RIGHT,
    Column.PARAMETERS: _RIGHT,
    Column.LOAD_TIME: _RIGHT,
    Column.TOOLS: _CENTER,
    Column.CACHED: _CENTER,
    Column.LOADED: _CENTER,
}


@dataclass(frozen=True)
class ModelRow:
    entry: ModelEntry
    origin: Origin
    progress: float | None = None  # download percentage while a download runs
    busy: str | None = None  # "Loading…", "Unloading…", "Removing…"
    load_time_s: float | None = None

    @property
    def id(self) -> str:
        return self.entry.id


def server_entry(model_id: str) -> ModelEntry:
    """A row for a model that an external server lists (it tells us only the id)."""
    return ModelEntry(id=model_id, alias=model_id, source="catalog", cached=True)


def format_size(mb: float | None) -> str:
    if mb is None:
        return ""
    if mb >= 1000:
        return f"{mb / 1000:.1f} GB"
    return f"{mb:.1f} MB" if mb < 100 else f"{mb:.0f} MB"


def _device_text(entry: ModelEntry) -> str:
    ep = (entry.execution_provider or "").removesuffix("ExecutionProvider")
    device = entry.device or ""
    if device and ep and ep.lower() != device.lower():
        return f"{device} / {ep}"
    return device or ep


def _quantization_text(entry: ModelEntry) -> str:
    p = entry.provenance
    if p is None or not p.quantization:
        return ""
    return (
        f"{p.quantization} (from {p.source_quantization})"
        if p.source_quantization
        else p.quantization
    )


def _yes(flag: bool | None) -> str:
    return "✓" if flag else ""


class ModelsTableModel(RowTableModel["ModelRow"]):
    """One row per model variant; registered models first, then the catalog, then a server."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__([HEADERS[c] for c in Column], parent)

    # -- Qt model API -----------------------------------------------------------------------

    def header(self, section: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(Column(section))
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def cell(self, row: ModelRow, column_number: int, role: int) -> Any:
        column = Column(column_number)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == ID_ROLE:
            return row.id
        if role == PROGRESS_ROLE:
            return row.progress if column == Column.STATUS else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            alignment = _ALIGN.get(column)
            return int(alignment.value) if alignment is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            # Ids, paths and an import's source come from files and servers: shown as text.
            return plain_tooltip(self._tooltip(row))
        if role == Qt.ItemDataRole.DecorationRole and column == Column.ALIAS:
            return QApplication.style().standardIcon(_ORIGIN_ICON[row.origin])
        return None

    # -- updates ----------------------------------------------------------------------------

    def set_entries(self, origin: Origin, entries: list[ModelEntry]) -> None:
        """Replace the rows of one origin, keeping what the window knows about each id."""
        previous = {r.id: r for r in self._rows if r.origin == origin}
        fresh = []
        for entry in entries:
            old = previous.get(entry.id)
            fresh.append(replace(old, entry=entry) if old is not None else ModelRow(entry, origin))
        kept = [r for r in self._rows if r.origin != origin]
        self.set_rows(sorted(kept + fresh, key=lambda r: _ORIGIN_ORDER[r.origin]))

    def clear(self) -> None:
        self.set_rows([])

    def update_entry(self, entry: ModelEntry) -> None:
        self._change(entry.id, entry=entry)

    def set_progress(self, model_id: str, percent: float | None) -> None:
        self._change(model_id, progress=percent)

    def set_busy(self, model_id: str, text: str | None) -> None:
        self._change(model_id, busy=text)

    def set_loaded(self, model_id: str, loaded: bool, load_time_s: float | None = None) -> None:
        row = self.row(model_id)
        if row is None:
            return
        changes: dict[str, Any] = {"entry": replace(row.entry, loaded=loaded), "busy": None}
        if load_time_s is not None:
            changes["load_time_s"] = load_time_s
        self._change(model_id, **changes)

    def set_load_time(self, model_id: str, load_time_s: float) -> None:
        """A load measured elsewhere (a benchmark loads its models): the newest one shows."""
        self._change(model_id, load_time_s=load_time_s)

    # -- queries ----------------------------------------------------------------------------

    def row(self, model_id: str) -> ModelRow | None:
        position = self.position(model_id)
        return None if position is None else self._rows[position]

    def position(self, model_id: str) -> int | None:
        for i, row in enumerate(self._rows):
            if row.id == model_id:
                return i
        return None

    # -- internals ----------------------------------------------------------------------------

    def _change(self, model_id: str, **changes: Any) -> None:
        position = self.position(model_id)
        if position is None:
            return
        self.replace_row(position, replace(self._rows[position], **changes))

    @staticmethod
    def _display(row: ModelRow, column: Column) -> str:
        e = row.entry
        if column == Column.ALIAS:
            return e.alias
        if column == Column.ID:
            return e.id
        if column == Column.DEVICE:
            return _device_text(e)
        if column == Column.SIZE:
            return format_size(e.size_mb if e.size_mb is not None else e.disk_mb)
        if column == Column.LICENSE:
            return e.license or ""
        if column == Column.PARAMETERS:
            params = e.provenance.parameters if e.provenance else None
            return format_parameters(params) if params else ""
        if column == Column.QUANTIZATION:
            return _quantization_text(e)
        if column == Column.TASK:
            return e.task or ""
        if column == Column.TOOLS:
            return _yes(e.tool_calling)
        if column == Column.CACHED:
            return _yes(e.cached)
        if column == Column.LOADED:
            return _yes(e.loaded)
        if column == Column.LOAD_TIME:
            return "" if row.load_time_s is None else fmt_seconds(row.load_time_s)
        if row.progress is not None:
            return f"Downloading {row.progress:.0f}%"
        return row.busy or ""

    @staticmethod
    def _sort_key(row: ModelRow, column: Column) -> Any:
        e = row.entry
        if column == Column.SIZE:
            size = e.size_mb if e.size_mb is not None else e.disk_mb
            return -1.0 if size is None else float(size)
        if column == Column.LOAD_TIME:
            return -1.0 if row.load_time_s is None else row.load_time_s
        if column == Column.PARAMETERS:
            return (e.provenance.parameters if e.provenance else None) or -1
        if column in (Column.TOOLS, Column.CACHED, Column.LOADED):
            flag = {Column.TOOLS: e.tool_calling, Column.CACHED: e.cached}.get(column, e.loaded)
            return 1 if flag else 0
        return ModelsTableModel._display(row, column).lower()

    @staticmethod
    def _tooltip(row: ModelRow) -> str:
        e = row.entry
        lines = [e.id, f"From {_ORIGIN_TEXT[row.origin]}"]
        if e.path:
            lines.append(f"Folder: {e.path}")
        if e.context_length:
            lines.append(f"Context length: {e.context_length} tokens")
        if e.disk_mb is not None:
            lines.append(f"On disk: {format_size(e.disk_mb)}")
        if e.provenance is not None:
            lines.append(f"Imported: {e.provenance.describe()}")
        return "\n".join(lines)
