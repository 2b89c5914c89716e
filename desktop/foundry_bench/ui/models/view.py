"""The Models page: what is registered, cached, loaded or in the catalog, and actions on it.

With the embedded runtime (the default) it manages models through ``core.run.runtime``; with an
external endpoint it lists what the server's ``/v1/models`` returns and offers only "Try it"
(load/unload belong to that server). Every runtime and network call runs in a worker.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.redaction import redact_url
from foundry_bench.core.run.model_entry import CatalogState, ModelEntry
from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.settings_store import UiSettings
from foundry_bench.ui.base.tables import sort_proxy
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.models import tasks
from foundry_bench.ui.models.actions import ModelActions
from foundry_bench.ui.models.adding import DROP_HINT, ModelAdding
from foundry_bench.ui.models.hardware import HardwarePanel
from foundry_bench.ui.models.table_model import (
    ModelRow,
    ModelsTableModel,
    Origin,
    server_entry,
)
from foundry_bench.ui.models.toolbar import ModelsToolbar
from foundry_bench.ui.models.try_it import TryItPanel
from foundry_bench.ui.models.widgets import Banner, ModelsTable, empty_hint


class ModelsView(QWidget):
    """Signals:
    runtime_ready(str): the embedded runtime serves at this URL.
    runtime_failed(str): it could not start (why).
    models_listed(int): registered (or server) models were listed; how many.
    catalog_checked(object): the public catalog's ``CatalogState``.
    model_loaded(str, float): id and load time in seconds.
    model_unloaded(str), model_removed(str), model_registered(str): ids.
    download_finished(str), download_cancelled(str): ids.
    folder_rejected(str): why a folder could not be added.
    import_rejected(str): why a model could not be imported.
    """

    runtime_ready = Signal(str)
    runtime_failed = Signal(str)
    models_listed = Signal(int)
    catalog_checked = Signal(object)
    model_loaded = Signal(str, float)
    model_unloaded = Signal(str)
    model_removed = Signal(str)
    model_registered = Signal(str)
    download_finished = Signal(str)
    download_cancelled = Signal(str)
    folder_rejected = Signal(str)
    import_rejected = Signal(str)

    def __init__(
        self,
        runner: JobRunner,
        notifier: Notifier,
        ui_settings: UiSettings,
        *,
        endpoint: str | None = None,
        runtime: tasks.RuntimeAccess = FoundryRuntime.get,
        catalog_timeout_s: float = 8.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._notifier = notifier
        self._ui_settings = ui_settings
        self._runtime = runtime
        self._endpoint = endpoint
        self._catalog_timeout_s = catalog_timeout_s
        self._runtime_url: str | None = None
        self._runtime_failed = False
        self._catalog: CatalogState | None = None

        self.model = ModelsTableModel(self)
        self.proxy = sort_proxy(self.model, self)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.banner = Banner()
        self.toolbar = ModelsToolbar()
        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText("Filter models")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setMaximumWidth(260)
        self.table = ModelsTable(self.proxy)
        self.try_it = TryItPanel(runner)
        self.hardware = HardwarePanel(runner, notifier, runtime)
        self.try_it.prompt.setText(ui_settings.try_it_prompt or "Tell me about the sea.")
        self.adding = ModelAdding(self, runner, runtime, notifier, ui_settings)
        self.flow, self.import_flow = self.adding.flow, self.adding.importer
        self.model_actions = ModelActions(runner, notifier, runtime, self.model, self)

        bar = self.toolbar  # its actions are the page's (the window's menus use some)
        self.refresh_action, self.download_action = bar.refresh_action, bar.download_action
        self.cancel_action, self.load_action = bar.cancel_action, bar.load_action
        self.unload_action, self.remove_action = bar.unload_action, bar.remove_action
        self.add_folder_action = bar.add_folder_action
        self.import_action, self.import_folder_action = bar.import_action, bar.import_folder_action
        self._layout()
        self._connect()
        self.setAcceptDrops(True)
        self._update_actions()

    # -- building ---------------------------------------------------------------------------

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.toolbar, 1)
        top.addWidget(self.filter_box)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(top)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.adding.panel)
        hint = plain_label(DROP_HINT)
        hint.setEnabled(False)
        upper_layout.addWidget(hint)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.try_it)
        lower.addWidget(self.hardware)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        self.filter_box.textChanged.connect(self.proxy.setFilterFixedString)
        self.filter_box.textChanged.connect(self._update_empty_hint)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.refresh_action.triggered.connect(self.refresh)
        self.download_action.triggered.connect(self.download_selected)
        self.cancel_action.triggered.connect(self.cancel_selected_download)
        self.load_action.triggered.connect(self.load_selected)
        self.unload_action.triggered.connect(self.unload_selected)
        self.remove_action.triggered.connect(self.remove_selected)
        self.add_folder_action.triggered.connect(self.adding.choose_folder)
        self.import_action.triggered.connect(self.adding.choose_import_file)
        self.import_folder_action.triggered.connect(self.adding.choose_import_folder)
        self.adding.registered.connect(self._registered)
        self.adding.folder_rejected.connect(self.folder_rejected.emit)
        self.adding.import_rejected.connect(self.import_rejected.emit)
        self._runner.busy_changed.connect(self._update_actions)
        self.try_it.prompt.textChanged.connect(self._remember_prompt)
        self.hardware.registered.connect(self.refresh)  # new variants in the catalog
        self.model.dataChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)
        self.model_actions.loaded.connect(self.model_loaded.emit)
        self.model_actions.unloaded.connect(self.model_unloaded.emit)
        self.model_actions.removed.connect(self._removed)
        self.model_actions.downloaded.connect(self.download_finished.emit)
        self.model_actions.download_cancelled.connect(self.download_cancelled.emit)

    # -- public -------------------------------------------------------------------------------

    @property
    def embedded(self) -> bool:
        return self._endpoint is None

    @property
    def endpoint(self) -> str | None:
        """The external server's base URL, or None for the embedded runtime."""
        return self._endpoint

    @property
    def listing(self) -> bool:
        """True while a model list (registered, catalog or server) is being fetched."""
        return any(kind.startswith("models-") for kind in self._runner.kinds())

    @property
    def catalog_state(self) -> CatalogState | None:
        return self._catalog

    @property
    def runtime_url(self) -> str | None:
        return self._runtime_url

    def start(self) -> None:
        """Start the embedded runtime (in a worker) and list models, or list the server's."""
        if not self.embedded:
            self.refresh()
            return
        self._runner.start(
            "runtime-start",
            tasks.start_runtime(self._runtime),
            label="Start Foundry Local",
            on_finish=self._runtime_started,
            on_error=self._runtime_start_failed,
        )

    def set_endpoint(self, endpoint: str | None) -> None:
        """Switch between the embedded runtime and an external server."""
        if endpoint == self._endpoint:
            return
        for kind in self._runner.kinds():
            if kind.startswith("models-"):
                self._runner.cancel(kind)
        self._endpoint = endpoint
        self._catalog = None
        self.model.clear()
        self.banner.hide()
        if self.embedded and self._runtime_url is None:
            self.start()
        else:
            self.refresh()

    def refresh(self) -> None:
        if not self.embedded:
            assert self._endpoint is not None
            shown = redact_url(self._endpoint)
            self.banner.show_server(shown)
            self._runner.start(
                "models-server",
                tasks.list_server(self._endpoint),
                label=f"List models at {shown}",
                on_finish=self._server_listed,
                on_error=lambda message: self.banner.show_notice(
                    f"Cannot list the models of {shown}: {message}", problem=True
                ),
            )
            return
        if self._runtime_url is None:
            return
        self._runner.start(
            "models-local",
            tasks.list_local(self._runtime),
            label="List registered models",
            on_finish=self._local_listed,
        )
        self._runner.start(
            "models-catalog",
            tasks.fetch_catalog(self._runtime, self._catalog_timeout_s),
            label="Fetch the Foundry Local catalog",
            on_finish=self._catalog_fetched,
        )

    def selected_row(self) -> ModelRow | None:
        model_id = self.table.selected_id()
        return None if model_id is None else self.model.row(model_id)

    def select(self, model_id: str) -> bool:
        position = self.model.position(model_id)
        return position is not None and self.table.select_source_row(position)

    # -- actions (run by self.model_actions, on the selected row) ----------------------------

    def load_selected(self) -> None:
        if (row := self.selected_row()) is not None:
            self.model_actions.load(row.id)

    def unload_selected(self) -> None:
        if (row := self.selected_row()) is not None:
            self.model_actions.unload(row.id)

    def remove_selected(self) -> None:
        if (row := self.selected_row()) is not None:
            self.model_actions.remove(row.id)

    def download_selected(self) -> None:
        if (row := self.selected_row()) is not None:
            self.model_actions.download(row.id)
            self._update_actions()

    def cancel_selected_download(self) -> None:
        if (row := self.selected_row()) is not None:
            self.model_actions.cancel_download(row.id)

    # -- drag and drop (files and folders: ModelAdding decides) ----------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.embedded:
            self.adding.accept_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.adding.drop(event)

    # -- results ------------------------------------------------------------------------------

    def _runtime_started(self, ready: tasks.RuntimeReady) -> None:
        self._runtime_url = ready.url
        self._runtime_failed = False
        self.hardware.refresh()
        self._update_actions()
        self.runtime_ready.emit(ready.url)
        self.refresh()

    def _runtime_start_failed(self, message: str) -> None:
        self._runtime_failed = True
        self._update_actions()
        self.banner.show_runtime_failed(message)
        self.runtime_failed.emit(message)

    def _local_listed(self, entries: list[ModelEntry]) -> None:
        self._replace("local", entries)
        self.models_listed.emit(len(entries))

    def _server_listed(self, ids: list[str]) -> None:
        self._replace("server", [server_entry(i) for i in ids])
        self.models_listed.emit(len(ids))

    def _catalog_fetched(self, state: CatalogState) -> None:
        self._catalog = state
        if state.available:
            self.banner.hide()
            self._replace("catalog", state.models)
        else:
            self._replace("catalog", [])
            self.banner.show_catalog_offline(state.error or "catalog unavailable")
        self.catalog_checked.emit(state)

    def _replace(self, origin: Origin, entries: list[ModelEntry]) -> None:
        selected = self.selected_row()
        self.model.set_entries(origin, entries)
        self.table.fit_columns()
        if selected is not None:
            self.select(selected.id)

    def _removed(self, model_id: str) -> None:
        self.model_removed.emit(model_id)
        self.refresh()

    def _registered(self, entry: ModelEntry) -> None:
        self.model_registered.emit(entry.id)
        self._runner.start(
            "models-local",
            tasks.list_local(self._runtime),
            label="List registered models",
            on_finish=lambda entries: self._listed_after_register(entries, entry.id),
        )

    def _listed_after_register(self, entries: list[ModelEntry], model_id: str) -> None:
        self._local_listed(entries)
        self.select(model_id)

    def _remember_prompt(self, text: str) -> None:
        self._ui_settings.try_it_prompt = text

    # -- state --------------------------------------------------------------------------------

    def _update_empty_hint(self) -> None:
        self.table.set_empty_hint(
            empty_hint(
                has_rows=self.model.rowCount() > 0,
                server=not self.embedded,
                failed=self._runtime_failed,
                starting=self._runtime_url is None,
            )
        )

    def _update_actions(self, *_args: object) -> None:
        self._update_empty_hint()
        row = self.selected_row()
        self.toolbar.update_for(
            row,
            manages=self.embedded and self._runtime_url is not None,
            can_list=not self.embedded or self._runtime_url is not None,
            downloading=row is not None and self._runner.is_running(f"download:{row.id}"),
            importing=self.import_flow.running,
        )
        self._update_try_it(row)

    def _update_try_it(self, row: ModelRow | None) -> None:
        self.try_it.follow(row, self._endpoint, self._runtime)
