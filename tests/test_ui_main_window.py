"""The main window: composition, status bar, log panel, palettes, About, settings, close."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from foundry_bench.core.paths import app_paths
from foundry_bench.core.settings import AppSettings, load_settings
from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
from foundry_bench.ui.base.workers import JobContext, running_threads
from foundry_bench.ui.main_window import PAGES, MainWindow

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


class _Models(BaseHTTPRequestHandler):
    """A server that lists two models at /v1/models."""

    def do_GET(self) -> None:
        body = json.dumps({"data": [{"id": "llama3.2:1b"}, {"id": "qwen2.5:0.5b"}]}).encode()
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def store():
    return UiSettings(DictBackend())


@pytest.fixture
def window(qtbot, store):
    win = MainWindow(store, AppSettings(), app_paths().ensure())
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    QApplication.instance().setPalette(QApplication.style().standardPalette())


def test_window_starts_the_runtime_and_shows_its_state(qtbot, window):
    assert window.runtime_label.text() == "Foundry Local: starting…"
    with qtbot.waitSignal(window.models_view.runtime_ready, timeout=30000) as ready:
        window.start()
    url = ready.args[0]
    assert url.startswith("http://127.0.0.1:")
    assert window.runtime_label.text().startswith("Foundry Local: ready")
    assert url in window.endpoint_label.text() and "embedded" in window.endpoint_label.text()
    qtbot.waitUntil(lambda: window.models_view.catalog_state is not None, timeout=10000)


def test_every_page_shows(qtbot, window):
    assert window.sidebar.count() == len(PAGES)
    for name in PAGES:
        page = window.show_page(name)
        assert page.isVisible()
        assert window.sidebar.currentItem().text() == name or window.pages.currentWidget() is page
    window.show_page("Models")
    assert window.models_view.isVisible()


def test_notifier_reaches_status_bar_and_log_panel_from_any_thread(qtbot, window):
    window.notifier.error("Load tiny-chat: out of memory")
    assert "out of memory" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: any("out of memory" in ln for ln in window.log_panel.lines()))

    def task(ctx: JobContext) -> None:
        logging.getLogger("foundry_bench.core.run.runner").warning("from a worker thread")

    window.runner.start("log-test", task)
    qtbot.waitUntil(
        lambda: any("from a worker thread" in ln for ln in window.log_panel.lines()),
        timeout=5000,
    )


def test_worker_error_goes_to_the_status_bar(qtbot, window):
    def task(ctx: JobContext) -> None:
        raise RuntimeError("boom")

    job = window.runner.start("fail", task, label="Export report")
    with qtbot.waitSignal(job.errored, timeout=5000):
        pass
    assert window.statusBar().currentMessage() == "⚠ Export report: RuntimeError: boom"


def test_palette_switch_is_remembered(qtbot, window, store):
    window.set_palette("dark")
    assert store.palette == "dark"
    window_color = QApplication.instance().palette().color(QPalette.ColorRole.Window)
    assert window_color.lightness() < 80
    window.set_palette("light")
    assert QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() > 200
    assert window.palette_actions["light"].isChecked()


def test_about_lists_versions(qtbot, qtmodeltester, window):
    dialog = window.open_about()
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 5, timeout=5000)
    names = {dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())}
    assert {"Foundry Local Bench", "Qt", "PySide6", "pyqtgraph", "Foundry Local SDK"} <= names
    assert {"onnxruntime", "onnxruntime-genai"} <= names
    qtmodeltester.check(dialog.table.model(), force_py=True)


def test_close_remembers_geometry_and_stops_workers(qtbot, window, store):
    release = threading.Event()
    window.runner.start("slow", lambda ctx: ctx.cancel.wait(10) or release.set())
    window.show_page("Reports")
    with qtbot.waitSignal(window.closed, timeout=5000):
        window.close()
    assert store.geometry is not None and store.window_state is not None
    assert store.current_page == PAGES.index("Reports")
    assert running_threads() == []


def test_saved_settings_switch_the_models_page_to_a_server(qtbot, window):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="test-models-server")
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        dialog = window.open_settings()
        dialog.url_radio.setChecked(True)
        dialog.url_edit.setText(url)
        with qtbot.waitSignal(window.models_view.models_listed, timeout=10000) as listed:
            dialog.accept()
        assert listed.args == [2]
        assert load_settings(app_paths().settings_file).endpoint == url
        view = window.models_view
        assert not view.embedded
        assert [r.origin for r in view.model.rows()] == ["server", "server"]
        assert url in view.banner.text()
        assert url in window.endpoint_label.text()
        view.select("qwen2.5:0.5b")
        assert not view.load_action.isEnabled() and not view.add_folder_action.isEnabled()
        assert view.try_it.target_label.text() == "Model: qwen2.5:0.5b"
    finally:
        app_paths().settings_file.unlink(missing_ok=True)
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_palette_switch_repolishes_only_the_windows_own_widgets(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Walking app.allWidgets() touched widgets other code was deleting (a segfault)."""
    from PySide6.QtWidgets import QLabel

    class Counting(QLabel):
        def __init__(self) -> None:
            super().__init__("styled")
            self.calls = 0

        def setStyleSheet(self, sheet: str) -> None:
            self.calls += 1
            super().setStyleSheet(sheet)

    from foundry_bench.core.paths import app_paths
    from foundry_bench.core.settings import AppSettings
    from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
    from foundry_bench.ui.main_window import MainWindow

    window = MainWindow(UiSettings(DictBackend()), AppSettings(), app_paths().ensure())
    qtbot.addWidget(window)
    outsider, insider = Counting(), Counting()
    qtbot.addWidget(outsider)
    insider.setParent(window)
    for label in (outsider, insider):
        label.setStyleSheet("QLabel { color: red; }")
        label.calls = 0
    try:
        window.set_palette("dark")
        assert outsider.calls == 0 and insider.calls >= 1
    finally:
        window.set_palette("light")
        window.close()


def test_the_log_also_goes_to_a_rotating_file_with_no_key_in_it(qtbot, window, monkeypatch):
    from foundry_bench.core.log_file import LOG_FILE, MAX_BYTES

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    log_file = window.paths.logs_dir / LOG_FILE
    logger = logging.getLogger("foundry_bench.ui")
    logger.info("probe line for the log file")
    logger.warning("GET http://user:hunter2@127.0.0.1:1/v1 with key sk-test-0123456789 failed")
    text = log_file.read_text(encoding="utf-8")
    assert "probe line for the log file" in text
    assert "hunter2" not in text and "sk-test-0123456789" not in text
    assert "http://127.0.0.1:1/v1" in text
    assert window.log_file.maxBytes == MAX_BYTES and window.log_file.backupCount >= 1
    opened = []
    window.open_url = opened.append
    window.log_folder_action.trigger()
    assert [url.toLocalFile() for url in opened] == [str(window.paths.logs_dir)]
    assert window.log_folder_action.text().replace("&", "") == "Open log folder"
    # Closing the window closes the file: no handler left writing after it.
    handler = window.log_file
    window.close()
    assert handler not in logger.handlers


def test_a_first_start_fits_the_screen_tells_the_path_and_keeps_the_log_small(qtbot, window):
    screen = window.screen().availableGeometry()
    assert window.width() >= min(int(screen.width() * 0.9), 1600) - 1
    assert window.first_steps.isVisible()
    text = window.first_steps.label.text()
    assert all(page in text for page in PAGES)
    window.first_steps.label.linkActivated.emit("Quality")
    assert window.sidebar.currentRow() == PAGES.index("Quality")
    window.resize(1400, 1000)  # room for the log to grow (the offscreen screen is small)
    qtbot.waitUntil(lambda: window.height() == 1000, timeout=3000)
    quiet = window.log_dock.height()
    assert quiet < 100
    logging.getLogger("foundry_bench.ui").warning("something worth reading")
    qtbot.waitUntil(lambda: window.log_dock.height() > quiet + 40, timeout=3000)
    window.first_steps.dismiss()
    assert window.ui_settings.first_steps_done and not window.first_steps.isVisible()


def test_sidebar_glyphs_take_the_text_colour_of_the_palette(qtbot, window):
    from PySide6.QtCore import QSize

    window.set_palette("dark")
    image = window.sidebar.item(PAGES.index("Benchmark")).icon().pixmap(QSize(32, 32)).toImage()
    opaque = [
        image.pixelColor(x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() > 200
    ]
    assert opaque and min(c.lightness() for c in opaque) > 150  # light on dark, not black


def test_no_page_keeps_the_window_taller_than_a_768_px_laptop_screen(qtbot, window):
    """A 1366x768 laptop leaves about 720 px for a window; the Quality page's three stacked
    panes made its minimum 882 px, so the window could not fit."""
    for page in PAGES:
        window.show_page(page)
        qtbot.wait(10)
        assert window.minimumSizeHint().height() <= 720, page
