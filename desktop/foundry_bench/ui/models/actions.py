"""What the Models page does to one model: load, unload, remove, download (with cancel).

Each action runs in a worker (``ui.models.tasks``), marks the model's row busy or in progress
while it runs, and says how it went through the notifier and a signal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from foundry_bench.core.run.model_entry import LoadResult, ModelEntry
from foundry_bench.core.units import fmt_seconds
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.workers import JobRunner, Task
from foundry_bench.ui.models import tasks
from foundry_bench.ui.models.table_model import ModelsTableModel


class ModelActions(QObject):
    """Signals:
    loaded(str, float): id and load time in seconds.
    unloaded(str), removed(str): ids.
    downloaded(str), download_cancelled(str): ids.
    """

    loaded = Signal(str, float)
    unloaded = Signal(str)
    removed = Signal(str)
    downloaded = Signal(str)
    download_cancelled = Signal(str)

    def __init__(
        self,
        runner: JobRunner,
        notifier: Notifier,
        runtime: tasks.RuntimeAccess,
        model: ModelsTableModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._notifier = notifier
        self._runtime = runtime
        self._model = model

    def load(self, model_id: str) -> None:
        task = tasks.load(self._runtime, model_id)
        self._lifecycle(model_id, "Load", "Loading…", task, self._loaded)

    def unload(self, model_id: str) -> None:
        task = tasks.unload(self._runtime, model_id)
        self._lifecycle(model_id, "Unload", "Unloading…", task, self._unloaded)

    def remove(self, model_id: str) -> None:
        task = tasks.remove(self._runtime, model_id)
        self._lifecycle(model_id, "Remove", "Removing…", task, self._removed)

    def download(self, model_id: str) -> None:
        self._model.set_progress(model_id, 0.0)
        self._notifier.info(f"Downloading {model_id}…")
        self._runner.start(
            f"download:{model_id}",
            tasks.download(self._runtime, model_id),
            label=f"Download {model_id}",
            on_yield=lambda pct: self._model.set_progress(model_id, float(pct)),
            on_finish=self._downloaded,
            on_error=lambda _m: self._model.set_progress(model_id, None),
        )

    def cancel_download(self, model_id: str) -> bool:
        if not self._runner.cancel(f"download:{model_id}"):
            return False
        self._model.set_progress(model_id, None)
        self._notifier.info(f"Download of {model_id} cancelled.")
        self.download_cancelled.emit(model_id)
        return True

    def _lifecycle(
        self, model_id: str, verb: str, busy: str, task: Task, done: Callable[[Any], None]
    ) -> None:
        # One job kind per model: a second action on it replaces the first.
        self._model.set_busy(model_id, busy)
        self._runner.start(
            f"lifecycle:{model_id}",
            task,
            label=f"{verb} {model_id}",
            on_finish=done,
            on_error=lambda _m: self._model.set_busy(model_id, None),
        )

    def _loaded(self, result: LoadResult) -> None:
        self._model.set_loaded(result.model_id, True, result.load_time_s)
        memory = f", +{result.memory_delta_mb:.0f} MB" if result.memory_delta_mb is not None else ""
        self._notifier.info(
            f"Loaded {result.model_id} in {fmt_seconds(result.load_time_s)}{memory}."
        )
        self.loaded.emit(result.model_id, result.load_time_s)

    def _unloaded(self, model_id: str) -> None:
        self._model.set_loaded(model_id, False)
        self._notifier.info(f"Unloaded {model_id}.")
        self.unloaded.emit(model_id)

    def _removed(self, model_id: str) -> None:
        self._notifier.info(f"Removed {model_id}.")
        self.removed.emit(model_id)

    def _downloaded(self, entry: ModelEntry) -> None:
        self._model.set_progress(entry.id, None)
        self._model.update_entry(entry)
        self._notifier.info(f"Downloaded {entry.id}.")
        self.downloaded.emit(entry.id)
