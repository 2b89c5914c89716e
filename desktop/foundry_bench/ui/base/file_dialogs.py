"""The app's file pickers, as replaceable callables: tests and the self-test swap them for
answers, so no modal dialog ever blocks them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

AskSavePath = Callable[[str, Path, str], Path | None]  # (title, default path, filter)
AskFolder = Callable[[Path], Path | None]  # (start folder)


def save_path_asker(parent: QWidget) -> AskSavePath:
    def ask(title: str, default: Path, file_filter: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, title, str(default), file_filter)
        return Path(name) if name else None

    return ask


def folder_asker(parent: QWidget, title: str) -> AskFolder:
    def ask(start: Path) -> Path | None:
        name = QFileDialog.getExistingDirectory(parent, title, str(start))
        return Path(name) if name else None

    return ask
