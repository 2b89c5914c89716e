"""The Models page: what is registered, cached, loaded or in the catalog, and actions on it.

With the embedded runtime (the default) it manages models through ``core.runtime``; with an
external endpoint it lists what the server's ``/v1/models`` returns and offers only "Try it"
(load/unload belong to that server). Every runtime and network call runs in a worker.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStyle,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.run.model_entry import CatalogState, LoadResult, ModelEntry
from foundry_bench.core.run.providers import API_KEY_ENV
from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.progress_delegate import ProgressDelegate
from foundry_bench.ui.base.qt_models import ID_ROLE
from foundry_bench.ui.base.settings_store import UiSettings
from foundry_bench.ui.base.tables import sort_proxy
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.models import tasks
from foundry_bench.ui.models.add_folder import AddFolderFlow, ask_model_id_dialog
from foundry_bench.ui.models.table_model import (
    Column,
    ModelRow,
    ModelsTableModel,
    Origin,
    format_seconds,
    server_entry,
)
from foundry_bench.ui.models.try_it import TryItPanel

DROP_HINT = "Drop a model folder here to register it."


class Banner(QLabel):
    """A one-line notice above the table (catalog offline, server mode, runtime failure)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setObjectName("banner")
        self.hide()

    def show_notice(self, text: str, *, problem: bool = False) -> None:
        # Translucent fills read well on both light and dark palettes.
        fill, edge = ("217,83,79", "217,83,79") if problem else ("240,173,78", "240,173,78")
        self.setStyleSheet(
            f"QLabel#banner {{ background: rgba({fill},0.16); border: 1px solid "
            f"rgba({edge},0.7); border-radius: 4px; padding: 6px 10px; }}"
        )
        self.setText(text)
        self.show()


class ModelsTable(QTableView):
    """A table that says what to do when it has no rows, instead of showing a blank box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_hint = ""

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is None or model.rowCount() > 0 or not self.empty_hint:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        painter.drawText(
            self.viewport().rect().adjusted(24, 24, -24, -24),
            int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
            self.empty_hint,
        )


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
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText("Filter models")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setMaximumWidth(260)
        self.table = self._make_table()
        self.try_it = TryItPanel(runner)
        self.try_it.prompt.setText(ui_settings.try_it_prompt or "Tell me about the sea.")
        self.flow = AddFolderFlow(runner, runtime, notifier, ask_model_id_dialog(self), self)

        self._glyph_actions: dict[QAction, QStyle.StandardPixmap] = {}
        self.refresh_action = self._action("Refresh", QStyle.StandardPixmap.SP_BrowserReload)
        self.download_action = self._action("Download", QStyle.StandardPixmap.SP_ArrowDown)
        self.cancel_action = self._action(
            "Cancel download", QStyle.StandardPixmap.SP_DialogCancelButton
        )
        self.load_action = self._action("Load", QStyle.StandardPixmap.SP_MediaPlay)
        self.unload_action = self._action("Unload", QStyle.StandardPixmap.SP_MediaStop)
        self.remove_action = self._action("Remove", QStyle.StandardPixmap.SP_TrashIcon)
        self.toolbar.addSeparator()
        self.add_folder_action = self._action(
            "Add local model folder…", QStyle.StandardPixmap.SP_FileDialogNewFolder
        )
        self.refresh_action.setShortcut("F5")
        self.remove_action.setToolTip(
            "Delete a downloaded model from the cache, or unregister a folder you added "
            "(its files stay where they are)"
        )
        self.add_folder_action.setToolTip(
            "Register an ONNX Runtime GenAI model folder (or drop the folder on this page)"
        )
        self._tint_glyphs()
        self._layout()
        self._connect()
        self.setAcceptDrops(True)
        self._update_actions()

    # -- building ---------------------------------------------------------------------------

    def _make_table(self) -> ModelsTable:
        table = ModelsTable()
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setSortingEnabled(True)
        table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        table.setItemDelegateForColumn(Column.STATUS, ProgressDelegate(table))
        return table

    def _action(self, text: str, icon: QStyle.StandardPixmap) -> QAction:
        action = QAction(self.style().standardIcon(icon) or QIcon(), text, self)
        self.toolbar.addAction(action)
        if icon in _GLYPH_ICONS:
            self._glyph_actions[action] = icon
        return action

    def _tint_glyphs(self) -> None:
        # The style's play/stop/arrow glyphs are drawn black: invisible on a dark palette.
        color = self.palette().color(QPalette.ColorRole.ButtonText)
        for action, icon in self._glyph_actions.items():
            action.setIcon(_tinted(self.style().standardIcon(icon), color))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._tint_glyphs()

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.toolbar, 1)
        top.addWidget(self.filter_box)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(top)
        upper_layout.addWidget(self.table, 1)
        hint = QLabel(DROP_HINT)
        hint.setEnabled(False)
        upper_layout.addWidget(hint)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(self.try_it)
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
        self.add_folder_action.triggered.connect(self.choose_folder)
        self.flow.registered.connect(self._registered)
        self.flow.rejected.connect(self.folder_rejected.emit)
        self.try_it.prompt.textChanged.connect(self._remember_prompt)
        self.model.dataChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)

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
            self.banner.show_notice(
                f"Models listed by {self._endpoint}. Loading and unloading are up to that "
                "server; switch to the embedded runtime in Settings to manage models here."
            )
            self._runner.start(
                "models-server",
                tasks.list_server(self._endpoint, os.environ.get(API_KEY_ENV)),
                label=f"List models at {self._endpoint}",
                on_finish=self._server_listed,
                on_error=lambda message: self.banner.show_notice(
                    f"Cannot list the models of {self._endpoint}: {message}", problem=True
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
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return None
        return self.model.row(str(indexes[0].data(ID_ROLE)))

    def select(self, model_id: str) -> bool:
        position = self.model.position(model_id)
        if position is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(position, 0))
        if not index.isValid():
            return False
        self.table.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.setCurrentIndex(index)
        return True

    # -- actions --------------------------------------------------------------------------

    def load_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        model_id = row.id
        self.model.set_busy(model_id, "Loading…")
        self._runner.start(
            f"lifecycle:{model_id}",
            tasks.load(self._runtime, model_id),
            label=f"Load {model_id}",
            on_finish=self._loaded,
            on_error=lambda _m: self.model.set_busy(model_id, None),
        )

    def unload_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        model_id = row.id
        self.model.set_busy(model_id, "Unloading…")
        self._runner.start(
            f"lifecycle:{model_id}",
            tasks.unload(self._runtime, model_id),
            label=f"Unload {model_id}",
            on_finish=self._unloaded,
            on_error=lambda _m: self.model.set_busy(model_id, None),
        )

    def remove_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        model_id = row.id
        self.model.set_busy(model_id, "Removing…")
        self._runner.start(
            f"lifecycle:{model_id}",
            tasks.remove(self._runtime, model_id),
            label=f"Remove {model_id}",
            on_finish=self._removed,
            on_error=lambda _m: self.model.set_busy(model_id, None),
        )

    def download_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        model_id = row.id
        self.model.set_progress(model_id, 0.0)
        self._notifier.info(f"Downloading {model_id}…")
        self._runner.start(
            f"download:{model_id}",
            tasks.download(self._runtime, model_id),
            label=f"Download {model_id}",
            on_yield=lambda pct: self.model.set_progress(model_id, float(pct)),
            on_finish=self._downloaded,
            on_error=lambda _m: self.model.set_progress(model_id, None),
        )
        self._update_actions()

    def cancel_selected_download(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        if self._runner.cancel(f"download:{row.id}"):
            self.model.set_progress(row.id, None)
            self._notifier.info(f"Download of {row.id} cancelled.")
            self.download_cancelled.emit(row.id)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Add local model folder", self._ui_settings.last_model_folder
        )
        if folder:
            self.add_folder(Path(folder))

    def add_folder(self, folder: Path) -> None:
        self._ui_settings.last_model_folder = str(folder.parent)
        self.flow.start(folder)

    # -- drag and drop --------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if self.embedded and urls and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            return
        event.acceptProposedAction()
        if len(urls) > 1:
            self._notifier.info("Several items dropped; adding the first one only.")
        self.add_folder(Path(urls[0].toLocalFile()))

    # -- results ------------------------------------------------------------------------------

    def _runtime_started(self, ready: tasks.RuntimeReady) -> None:
        self._runtime_url = ready.url
        self._runtime_failed = False
        self._update_actions()
        self.runtime_ready.emit(ready.url)
        self.refresh()

    def _runtime_start_failed(self, message: str) -> None:
        self._runtime_failed = True
        self._update_actions()
        self.banner.show_notice(
            f"Foundry Local could not start: {message}. Settings can point the app at "
            "another OpenAI-compatible server instead.",
            problem=True,
        )
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
            reason = state.error or "catalog unavailable"
            self.banner.show_notice(
                f"Public model catalog unavailable ({_short_reason(reason)}). Registered "
                "models below still work; add your own with “Add local model folder…”."
            )
        self.catalog_checked.emit(state)

    def _replace(self, origin: Origin, entries: list[ModelEntry]) -> None:
        selected = self.selected_row()
        self.model.set_entries(origin, entries)
        self._fit_columns()
        if selected is not None:
            self.select(selected.id)

    def _fit_columns(self) -> None:
        self.table.resizeColumnsToContents()
        # Room for "Downloading 100%" and its bar before any download starts.
        self.table.setColumnWidth(Column.STATUS, max(self.table.columnWidth(Column.STATUS), 100))

    def _loaded(self, result: LoadResult) -> None:
        self.model.set_loaded(result.model_id, True, result.load_time_s)
        memory = f", +{result.memory_delta_mb:.0f} MB" if result.memory_delta_mb is not None else ""
        self._notifier.info(
            f"Loaded {result.model_id} in {format_seconds(result.load_time_s)}{memory}."
        )
        self.model_loaded.emit(result.model_id, result.load_time_s)

    def _unloaded(self, model_id: str) -> None:
        self.model.set_loaded(model_id, False)
        self._notifier.info(f"Unloaded {model_id}.")
        self.model_unloaded.emit(model_id)

    def _removed(self, model_id: str) -> None:
        self._notifier.info(f"Removed {model_id}.")
        self.model_removed.emit(model_id)
        self.refresh()

    def _downloaded(self, entry: ModelEntry) -> None:
        self.model.set_progress(entry.id, None)
        self.model.update_entry(entry)
        self._notifier.info(f"Downloaded {entry.id}.")
        self.download_finished.emit(entry.id)

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
        if self.model.rowCount() > 0:
            hint = "No model matches the filter."
        elif not self.embedded:
            hint = "The server lists no models (or is still being asked)."
        elif self._runtime_failed:
            hint = "Foundry Local did not start; see the message above."
        elif self._runtime_url is None:
            hint = "Starting Foundry Local…"
        else:
            hint = (
                "No models yet. Use “Add local model folder…” or drop an ONNX Runtime "
                "GenAI model folder on this page."
            )
        self.table.empty_hint = hint
        self.table.viewport().update()

    def _update_actions(self, *_args: object) -> None:
        self._update_empty_hint()
        row = self.selected_row()
        embedded = self.embedded and self._runtime_url is not None
        downloading = row is not None and self._runner.is_running(f"download:{row.id}")
        idle = row is not None and row.busy is None and not downloading
        entry = row.entry if row is not None else None
        self.refresh_action.setEnabled(not self.embedded or self._runtime_url is not None)
        self.add_folder_action.setEnabled(embedded)
        self.download_action.setEnabled(
            embedded and idle and entry is not None and not entry.cached
        )
        self.cancel_action.setEnabled(embedded and downloading)
        self.load_action.setEnabled(
            embedded and idle and entry is not None and entry.cached and not entry.loaded
        )
        self.unload_action.setEnabled(embedded and idle and entry is not None and entry.loaded)
        self.remove_action.setEnabled(embedded and idle and entry is not None and entry.cached)
        self._update_try_it(row)

    def _update_try_it(self, row: ModelRow | None) -> None:
        if row is None:
            self.try_it.set_target(None, None, "Select a model above to try it.")
            return
        model_id = row.id
        if not self.embedded:
            endpoint = self._endpoint or ""
            self.try_it.set_target(model_id, lambda: endpoint, api_key=os.environ.get(API_KEY_ENV))
        elif row.entry.loaded and row.busy is None:
            runtime = self._runtime
            self.try_it.set_target(model_id, lambda: runtime().base_url_for(model_id))
        else:
            self.try_it.set_target(None, None, f"Load {row.entry.alias} (toolbar above) to try it.")


_GLYPH_ICONS = (
    QStyle.StandardPixmap.SP_ArrowDown,
    QStyle.StandardPixmap.SP_MediaPlay,
    QStyle.StandardPixmap.SP_MediaStop,
)


def _tinted(icon: QIcon, color: QColor, size: int = 32) -> QIcon:
    pixmap = icon.pixmap(size, size)
    painter = QPainter(pixmap)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(pixmap.rect(), color)
    painter.end()
    return QIcon(pixmap)


def _short_reason(reason: str) -> str:
    text = reason.removeprefix("catalog unavailable").strip(" :()")
    return text or "no connection"
