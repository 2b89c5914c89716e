"""Help > About: what this build is made of (people paste it into bug reports)."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foundry_bench import __version__
from foundry_bench.ui.base.plain_text import rich_label
from foundry_bench.ui.base.workers import JobContext, JobRunner

# Distribution names; onnxruntime-genai ships as "-core" in the SDK's dependency set.
_DISTRIBUTIONS = [
    ("pyqtgraph", ("pyqtgraph",)),
    ("Foundry Local SDK", ("foundry-local-sdk",)),
    ("onnxruntime", ("onnxruntime", "onnxruntime-gpu")),
    ("onnxruntime-genai", ("onnxruntime-genai-core", "onnxruntime-genai")),
    ("openai", ("openai",)),
    ("numpy", ("numpy",)),
]


def _version(names: tuple[str, ...]) -> str:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def collect_versions(ctx: JobContext | None = None) -> list[tuple[str, str]]:
    """Reads package metadata from disk, so the dialog runs it in a worker."""
    rows = [
        ("Foundry Local Bench", __version__),
        ("Python", f"{platform.python_version()} ({sys.platform})"),
        ("Qt", qVersion()),
        ("PySide6", pyside_version),
    ]
    rows += [(label, _version(names)) for label, names in _DISTRIBUTIONS]
    rows.append(("OS", platform.platform(terse=True)))
    return rows


class AboutDialog(QDialog):
    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Foundry Local Bench")
        intro = rich_label(
            "<b>Foundry Local Bench</b><br>Choose a local language model by measuring it: "
            "manage models with Foundry Local, benchmark them, score their answers."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Component", "Version"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(480, 440)
        self.versions: list[tuple[str, str]] = []
        runner.start(
            "about-versions", collect_versions, label="About", on_finish=self.show_versions
        )

    def show_versions(self, rows: list[tuple[str, str]]) -> None:
        self.versions = rows
        self.table.setRowCount(len(rows))
        for i, (name, version) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(name))
            item = QTableWidgetItem(version)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsSelectable)
            self.table.setItem(i, 1, item)
        self.table.resizeColumnToContents(0)

    def copy(self) -> None:
        text = "\n".join(f"{name}: {version}" for name, version in self.versions)
        QApplication.clipboard().setText(text)
