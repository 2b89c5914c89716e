"""The main window: a sidebar of pages, the log panel, the status bar and the menus.

It only composes: each page is its own module, slow work goes through ``self.runner`` and
every message through ``self.notifier``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.log_file import LOG_FILE, open_log_file
from foundry_bench.core.paths import AppPaths
from foundry_bench.core.redaction import redact_url
from foundry_bench.core.results.records import Run
from foundry_bench.core.run.host_pool import HostPool
from foundry_bench.core.run.providers import resolve_endpoint
from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.core.settings import AppSettings, save_settings
from foundry_bench.ui.base.log_panel import LogPanel
from foundry_bench.ui.base.notifier import ERROR, Notifier
from foundry_bench.ui.base.palette import apply_palette, tinted_icon
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.settings_store import PALETTES, Palette, UiSettings
from foundry_bench.ui.base.workers import JobContext, JobRunner
from foundry_bench.ui.benchmark.page import BenchmarkPage
from foundry_bench.ui.context import AppContext
from foundry_bench.ui.dialogs.about import AboutDialog
from foundry_bench.ui.dialogs.settings import SettingsDialog
from foundry_bench.ui.first_steps import FirstSteps
from foundry_bench.ui.models.tasks import RuntimeAccess
from foundry_bench.ui.models.view import ModelsView
from foundry_bench.ui.quality.page import QualityPage
from foundry_bench.ui.reports.page import ReportsPage

APP_LOGGER = "foundry_bench"
SHUTDOWN_WAIT_S = 3.0
PAGES = ("Models", "Benchmark", "Quality", "Reports")
_PAGE_ICONS = (
    QStyle.StandardPixmap.SP_DriveHDIcon,
    QStyle.StandardPixmap.SP_MediaSeekForward,
    QStyle.StandardPixmap.SP_DialogApplyButton,
    QStyle.StandardPixmap.SP_FileIcon,  # a coloured page: the list glyph was black on dark
)
_GLYPH_PAGE_ICONS = (_PAGE_ICONS[1],)  # one-colour glyphs on a clear ground, tinted
#: The log dock's height until something worth reading (a warning, an error) arrives.
LOG_QUIET_HEIGHT = 56
LOG_HEIGHT = 150


class MainWindow(QMainWindow):
    """Signals:
    closed(): the window closed and its workers were stopped.

    Pages get ``self.ctx`` (an :class:`AppContext`: settings, current run, services), never
    the window itself.
    """

    closed = Signal()

    def __init__(
        self,
        ui_settings: UiSettings,
        app_settings: AppSettings,
        paths: AppPaths,
        *,
        runtime: RuntimeAccess = FoundryRuntime.get,
        settings_problem: str | None = None,
        catalog_timeout_s: float = 8.0,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Foundry Local Bench")
        self.ui_settings = ui_settings
        self.paths = paths
        self._closed = False
        self.notifier = Notifier(self)
        self.runner = JobRunner(self.notifier, self)
        self.log_panel = LogPanel()
        self.log_panel.attach(logging.getLogger(APP_LOGGER))
        self.log_file = open_log_file(paths.logs_dir)
        if self.log_file is not None:
            logging.getLogger(APP_LOGGER).addHandler(self.log_file)
        self.open_url = QDesktopServices.openUrl  # replaced in tests: no file manager there

        self.models_view = ModelsView(
            self.runner,
            self.notifier,
            ui_settings,
            endpoint=self._endpoint(app_settings),
            runtime=runtime,
            catalog_timeout_s=catalog_timeout_s,
        )
        self.ctx = AppContext(
            runner=self.runner,
            notifier=self.notifier,
            paths=paths,
            ui_settings=ui_settings,
            app_settings=app_settings,
            models=self.models_view.model,
            endpoint=self.models_view.endpoint,
            parent=self,
        )
        self.pages = QStackedWidget()
        self.sidebar = QListWidget()
        self._build_pages()
        self._build_log_dock()
        self._build_status_bar()
        self._build_menus()
        self._connect()
        self._restore()
        self._show_runtime()
        if settings_problem:
            self.notifier.error(f"{settings_problem}; using default settings")

    def open_run(self, run: Run, run_dir: Path) -> None:
        """Make ``run`` (in folder ``run_dir``) the current run of every page."""
        self.ctx.open_run(run, run_dir)

    # -- building ---------------------------------------------------------------------------

    def _build_pages(self) -> None:
        pages: list[QWidget] = [
            self.models_view,
            BenchmarkPage(self.ctx),
            QualityPage(self.ctx),
            ReportsPage(self.ctx),
        ]
        row_height = self.fontMetrics().height() + 18
        for name, icon, page in zip(PAGES, _PAGE_ICONS, pages, strict=True):
            self.pages.addWidget(page)
            item = QListWidgetItem(self.style().standardIcon(icon), name, self.sidebar)
            item.setSizeHint(QSize(0, row_height))
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFixedWidth(150)
        self.sidebar.setFrameShape(QListWidget.Shape.NoFrame)
        self._tint_sidebar()
        self.first_steps = FirstSteps()
        self.first_steps.setVisible(not self.ui_settings.first_steps_done)
        self.first_steps.page_requested.connect(self.show_page)
        self.first_steps.dismissed.connect(self._first_steps_done)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.first_steps)
        right.addWidget(self.pages, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addLayout(right, 1)
        self.setCentralWidget(central)

    def _tint_sidebar(self) -> None:
        # The style's glyphs are black: on a dark palette they vanished. Text-coloured.
        color = self.palette().color(QPalette.ColorRole.WindowText)
        for row, icon in enumerate(_PAGE_ICONS):
            item = self.sidebar.item(row)
            if item is not None and icon in _GLYPH_PAGE_ICONS:
                item.setIcon(tinted_icon(self.style().standardIcon(icon), color))

    def _first_steps_done(self) -> None:
        self.ui_settings.first_steps_done = True

    def _build_log_dock(self) -> None:
        self.log_dock = QDockWidget("Log", self)
        self.log_dock.setObjectName("logDock")
        self.log_dock.setWidget(self.log_panel)
        self.log_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        # Small while it has nothing to say; it grows at the first warning or error.
        self.resizeDocks([self.log_dock], [LOG_QUIET_HEIGHT], Qt.Orientation.Vertical)
        self._log_grown = False
        self.log_panel.handler.bridge.record_emitted.connect(self._grow_log)

    def _build_status_bar(self) -> None:
        self.busy_label = plain_label()
        self.runtime_label = plain_label()
        self.endpoint_label = plain_label()
        self.endpoint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.busy_label, self.runtime_label, self.endpoint_label):
            label.setContentsMargins(10, 0, 10, 0)
            self.statusBar().addPermanentWidget(label)
        self._show_endpoint()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.models_view.add_folder_action)
        file_menu.addAction(self.models_view.import_action)
        self.settings_action = file_menu.addAction("&Settings…", self.open_settings)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)

        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.models_view.refresh_action)
        view_menu.addAction(self.log_dock.toggleViewAction())
        appearance = view_menu.addMenu("&Appearance")
        group = QActionGroup(self)
        self.palette_actions: dict[str, QAction] = {}
        for name in PALETTES:
            action = appearance.addAction(name.capitalize())
            action.setCheckable(True)
            action.setChecked(name == self.ui_settings.palette)
            action.triggered.connect(lambda _c=False, n=name: self.set_palette(n))
            group.addAction(action)
            self.palette_actions[name] = action

        help_menu = self.menuBar().addMenu("&Help")
        self.log_folder_action = help_menu.addAction("Open &log folder", self.open_log_folder)
        self.log_folder_action.setToolTip(f"{LOG_FILE} and the runtime's logs")
        help_menu.addSeparator()
        help_menu.addAction("&About Foundry Local Bench", self.open_about)

    def _connect(self) -> None:
        self.sidebar.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.notifier.message_posted.connect(self._show_message)
        self.statusBar().messageChanged.connect(self._message_changed)
        self.runner.busy_changed.connect(self._show_busy)
        self.models_view.runtime_ready.connect(lambda _url: self._show_runtime())
        self.models_view.runtime_failed.connect(
            lambda _m: self.runtime_label.setText("Foundry Local: failed to start")
        )
        self.models_view.model.dataChanged.connect(self._show_runtime)
        self.models_view.model.modelReset.connect(self._show_runtime)
        self.ctx.run_opened.connect(lambda _run, _dir: self.first_steps.dismiss())

    def _grow_log(self, _text: str, level: int) -> None:
        if level >= logging.WARNING and not self._log_grown:
            self._log_grown = True
            self.resizeDocks([self.log_dock], [LOG_HEIGHT], Qt.Orientation.Vertical)

    def _restore(self) -> None:
        geometry = self.ui_settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self._fit_screen()
        state = self.ui_settings.window_state
        if state is not None:
            self.restoreState(state)
        page = self.ui_settings.current_page
        self.sidebar.setCurrentRow(page if 0 <= page < len(PAGES) else 0)

    # -- public -------------------------------------------------------------------------------

    def start(self) -> None:
        """Begin the slow start-up work (runtime, model lists) in workers."""
        self._show_runtime()
        self.models_view.start()

    def show_page(self, name: str) -> QWidget:
        index = PAGES.index(name)
        self.sidebar.setCurrentRow(index)
        page = self.pages.widget(index)
        assert page is not None
        return page

    def _fit_screen(self) -> None:
        """A first start fills most of the screen (up to 1600 x 1000), centred on it."""
        screen = self.screen().availableGeometry()
        width = min(int(screen.width() * 0.9), 1600)
        height = min(int(screen.height() * 0.9), 1000)
        self.resize(max(width, 800), max(height, 560))
        self.move(screen.center() - self.rect().center())

    def set_palette(self, name: Palette) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_palette(app, name, self)
        self._tint_sidebar()
        self.ui_settings.palette = name
        self.palette_actions[name].setChecked(True)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.ctx.app_settings, self.paths, self.runner, self)
        dialog.accepted.connect(lambda: self._save_settings(dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_log_folder(self) -> None:
        """Show the logs folder (the app's rotating log file, the runtime's logs)."""
        self.paths.logs_dir.mkdir(parents=True, exist_ok=True)
        self.open_url(QUrl.fromLocalFile(str(self.paths.logs_dir)))

    def open_about(self) -> AboutDialog:
        dialog = AboutDialog(self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- behaviour ----------------------------------------------------------------------------

    def _save_settings(self, dialog: SettingsDialog) -> None:
        settings = dialog.result_settings
        if settings is None:
            return
        path = self.paths.settings_file

        def write(ctx: JobContext) -> AppSettings:
            save_settings(path, settings)
            return settings

        self.runner.start("save-settings", write, label="Save settings", on_finish=self._saved)

    def _saved(self, settings: AppSettings) -> None:
        self.notifier.info(f"Settings saved to {self.paths.settings_file}.")
        endpoint = self._endpoint(settings)
        self.models_view.set_endpoint(endpoint)
        self._show_endpoint()
        self._show_runtime()
        self.ctx.apply_settings(settings, endpoint)

    def _endpoint(self, settings: AppSettings) -> str | None:
        try:
            return resolve_endpoint(None, settings.endpoint)
        except ValueError as exc:
            self.notifier.error(f"Endpoint setting ignored: {exc}")
            return None

    def _show_message(self, text: str, level: str) -> None:
        error = level == ERROR
        self.statusBar().setStyleSheet("QStatusBar { color: #d9534f; }" if error else "")
        self.statusBar().showMessage(("⚠ " if error else "") + text, 20000 if error else 8000)

    def _message_changed(self, text: str) -> None:
        if not text:
            self.statusBar().setStyleSheet("")

    def _show_busy(self, count: int) -> None:
        self.busy_label.setText("Working…" if count else "")

    def _show_runtime(self, *_args: object) -> None:
        view = self.models_view
        if not view.embedded:
            self.runtime_label.setText("Embedded runtime not used")
            return
        if view.runtime_url is None:
            self.runtime_label.setText("Foundry Local: starting…")
            return
        loaded = sum(1 for row in view.model.rows() if row.entry.loaded)
        suffix = f" · {loaded} model{'s' if loaded != 1 else ''} loaded" if loaded else ""
        self.runtime_label.setText(f"Foundry Local: ready{suffix}")
        self._show_endpoint()

    def _show_endpoint(self) -> None:
        view = self.models_view
        if not view.embedded:
            self.endpoint_label.setText(f"Endpoint: {redact_url(view.endpoint or '')}")
        elif view.runtime_url:
            self.endpoint_label.setText(f"Endpoint: {view.runtime_url} (embedded)")
        else:
            self.endpoint_label.setText("Endpoint: embedded Foundry Local")

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if self._closed:
            return
        self._closed = True
        self.ui_settings.geometry = self.saveGeometry()
        self.ui_settings.window_state = self.saveState()
        self.ui_settings.current_page = self.sidebar.currentRow()
        self.ui_settings.sync()
        self.runner.shutdown(SHUTDOWN_WAIT_S)
        HostPool.shared().close()  # the models loaded by hand end with the window
        if not self.ctx.saves.flush(SHUTDOWN_WAIT_S):
            logging.getLogger(APP_LOGGER).error("some scores were still being saved at exit")
        self.log_panel.detach(logging.getLogger(APP_LOGGER))
        if self.log_file is not None:
            logging.getLogger(APP_LOGGER).removeHandler(self.log_file)
            self.log_file.close()
        self.closed.emit()
