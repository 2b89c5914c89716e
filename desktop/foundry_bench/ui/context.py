"""What every page gets instead of the window: the shared services and the current state.

A page built from an :class:`AppContext` can be made and tested alone (a test builds a context
with a dict-backed settings store and its own runner); no page reaches into the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from foundry_bench.core.paths import AppPaths
from foundry_bench.core.results.records import Run
from foundry_bench.core.run.providers import ProviderFactory, provider_factory
from foundry_bench.core.save_queue import SaveQueue
from foundry_bench.core.settings import AppSettings, runs_dir_for
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.settings_store import UiSettings
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.models.table_model import ModelsTableModel


class AppContext(QObject):
    """The runner, notifier, save queue, folders, settings, model list and current run.

    Signals:
        settings_saved(object): the ``AppSettings`` just saved (runs folder, endpoint, defaults).
        run_opened(object, object): a ``Run`` and its folder became the current run: a
            benchmark finished or a past run was reopened. Quality and Reports follow it.
        scores_saved(object): a background save (the Quality page's scores, after every key
            press) reached the disk in this run folder; Reports recommends afresh.
    """

    settings_saved = Signal(object)
    run_opened = Signal(object, object)
    scores_saved = Signal(object)

    def __init__(
        self,
        *,
        runner: JobRunner,
        notifier: Notifier,
        paths: AppPaths,
        ui_settings: UiSettings,
        app_settings: AppSettings,
        models: ModelsTableModel,
        endpoint: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.notifier = notifier
        self.paths = paths
        self.ui_settings = ui_settings
        self.models = models
        self._app_settings = app_settings
        self._endpoint = endpoint
        self.current_run: tuple[Run, Path] | None = None
        # Every page's background writes (scores after each key press): flushed at close.
        # scores_saved is emitted on the writer thread; Qt queues it to the receivers' thread.
        self.saves = SaveQueue(on_written=lambda path: self.scores_saved.emit(path.parent))

    @property
    def app_settings(self) -> AppSettings:
        return self._app_settings

    @property
    def endpoint(self) -> str | None:
        """The external server's base URL, or ``None`` for the embedded runtime."""
        return self._endpoint

    def runs_dir(self) -> Path:
        """Where runs are written and listed: the configured folder, else the default."""
        return runs_dir_for(self._app_settings, self.paths)

    def provider_factory(self) -> ProviderFactory:
        """How a worker reaches the models now configured (call the result in the worker)."""
        return provider_factory(self._endpoint)

    def apply_settings(self, settings: AppSettings, endpoint: str | None) -> None:
        """The settings were saved: every page follows them."""
        self._app_settings = settings
        self._endpoint = endpoint
        self.settings_saved.emit(settings)

    def open_run(self, run: Run, run_dir: Path) -> None:
        """Make ``run`` (in folder ``run_dir``) the current run of every page."""
        self.current_run = (run, run_dir)
        self.run_opened.emit(run, run_dir)
