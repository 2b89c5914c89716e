"""Start the app: QApplication, settings, palette, the main window (or the self-test)."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import replace

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from foundry_bench import __version__
from foundry_bench.core.paths import app_paths, resources_dir
from foundry_bench.core.run.providers import ENDPOINT_ENV
from foundry_bench.core.run.runtime import OFFLINE_ENV
from foundry_bench.core.settings import AppSettings, SettingsError, load_settings
from foundry_bench.ui.base.gui_gc import GuiThreadCollector
from foundry_bench.ui.base.palette import apply_palette
from foundry_bench.ui.base.settings_store import UiSettings
from foundry_bench.ui.base.wheel_guard import install_wheel_guard
from foundry_bench.ui.main_window import MainWindow

APP_NAME = "Foundry Local Bench"
UI_SETTINGS_FILE = "ui.ini"


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("FoundryLocalBench")
    app.setApplicationVersion(__version__)
    icon = resources_dir() / "icons" / "foundry-bench.png"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    GuiThreadCollector(app)  # Qt objects in reference cycles die on the GUI thread only
    install_wheel_guard(app)
    return app


def build_window(app: QApplication, *, embedded_only: bool = False) -> MainWindow:
    paths = app_paths().ensure()
    problem = None
    try:
        app_settings = load_settings(paths.settings_file)
    except SettingsError as exc:
        app_settings, problem = AppSettings(), str(exc)
    if embedded_only:
        app_settings = replace(app_settings, endpoint=None)
    ui_settings = UiSettings.at(paths.config_dir / UI_SETTINGS_FILE)
    apply_palette(app, ui_settings.palette)
    return MainWindow(ui_settings, app_settings, paths, settings_problem=problem)


def main(self_test: bool = False) -> int:
    if self_test:
        # The smoke test must run on a build machine with no display, offline, and always
        # exercise the embedded runtime with the bundled demo model.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault(OFFLINE_ENV, "1")
        os.environ.pop(ENDPOINT_ENV, None)
    _quiet_terminal()
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        _drop_offscreen_noise()
    app = create_application()
    window = build_window(app, embedded_only=self_test)
    window.show()
    window.start()
    if self_test:
        from foundry_bench.ui.selftest.run import run_self_test

        return run_self_test(app, window)
    return app.exec()


def _drop_offscreen_noise() -> None:
    """The offscreen platform warns once that it cannot propagate size hints (it has no
    window manager to tell); a smoke test that checks stderr must not trip on that."""

    def handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def _quiet_terminal() -> None:
    """Keep the terminal at the level the CLI chose; the app logger goes to INFO for the panel.

    The window sets ``foundry_bench`` to INFO so the log panel sees progress; without this,
    those records would also reach the CLI's stderr handler, which has no level of its own.
    """
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.level == logging.NOTSET:
            handler.setLevel(root.level)
