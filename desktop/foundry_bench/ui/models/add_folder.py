"""Adding a local model folder: check it, ask for its ``NAME:VERSION`` id, register it.

The folder is checked in a worker (it reads files) before the user is asked anything, so an
invalid folder gets its reason at once instead of after a question.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from foundry_bench.core.run.model_entry import ModelEntry
from foundry_bench.core.run.model_folders import validate_model_id
from foundry_bench.core.run.runtime_errors import RuntimeFailure
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.models import tasks

AskId = Callable[[Path, str], str | None]


def ask_model_id_dialog(
    parent: QWidget | None,
    title: str = "Add local model folder",
    lead: str = "Register the model in",
) -> AskId:
    """The real question: a text dialog that re-asks until the id is well formed."""

    def ask(folder: Path, suggestion: str) -> str | None:
        text, problem = suggestion, ""
        while True:
            label = f"{lead}\n{folder}\n\nas (NAME:VERSION, e.g. my-model:1):" + (
                f"\n\n{problem}" if problem else ""
            )
            text, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
            if not ok:
                return None
            try:
                validate_model_id(text.strip())
            except RuntimeFailure as exc:
                problem = str(exc)
                continue
            return text.strip()

    return ask


class AddFolderFlow(QObject):
    """Signals:
    registered(object): the new ``ModelEntry``.
    rejected(str): why the folder was not added (also sent to the notifier).
    """

    registered = Signal(object)
    rejected = Signal(str)

    def __init__(
        self,
        runner: JobRunner,
        runtime: tasks.RuntimeAccess,
        notifier: Notifier,
        ask_id: AskId,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._runtime = runtime
        self._notifier = notifier
        self.ask_id = ask_id

    def start(self, folder: Path) -> None:
        self._notifier.info(f"Checking {folder}…")
        self._runner.start(
            "add-folder",
            tasks.check_folder(folder),
            label="Add local model folder",
            on_finish=self._checked,
            on_error=self.rejected.emit,
        )

    def _checked(self, folder: Path) -> None:
        model_id = self.ask_id(folder, tasks.default_model_id(folder))
        if model_id is None:
            self._notifier.info("Adding the model folder was cancelled.")
            return
        self._notifier.info(f"Registering {model_id} (the runtime loads it once to check it)…")
        self._runner.start(
            "add-folder",
            tasks.register(self._runtime, folder, model_id),
            label=f"Register {model_id}",
            on_finish=self._done,
            on_error=self.rejected.emit,
        )

    def _done(self, entry: ModelEntry) -> None:
        self._notifier.info(f"Registered {entry.id} from {entry.path or 'the folder'}.")
        self.registered.emit(entry)
