"""The row of export buttons the Compare and Fleet tabs share: one button per format, and the
save dialog each opens (replaceable through ``ask``, so tests never block on a dialog)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QPushButton

from foundry_bench.ui.base.file_dialogs import AskSavePath
from foundry_bench.ui.base.plain_text import plain_label

#: format -> (button text, default file name, file-dialog filter)
ExportFormats = Mapping[str, tuple[str, str, str]]


def add_export_buttons(
    row: QHBoxLayout, formats: ExportFormats, on_click: Callable[[str], None]
) -> dict[str, QPushButton]:
    """``Export:`` and one button per format at the end of ``row``; clicking one calls
    ``on_click(format)``."""
    row.addWidget(plain_label("Export:"))
    buttons: dict[str, QPushButton] = {}
    for fmt, (text, _name, _filter) in formats.items():
        button = QPushButton(text)
        button.clicked.connect(lambda _c=False, f=fmt: on_click(f))
        row.addWidget(button)
        buttons[fmt] = button
    return buttons


def ask_export_path(
    ask: AskSavePath, title: str, folder: Path, formats: ExportFormats, fmt: str
) -> Path | None:
    """Where to write a ``fmt`` export: the dialog opens on its default name in ``folder``."""
    _text, name, file_filter = formats[fmt]
    return ask(title, folder / name, file_filter)
