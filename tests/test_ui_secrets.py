"""The window keeps keys out of settings.json and the screen, and shows untrusted text as text.

The key typed in the Settings dialog goes to the OS keychain (an in-memory keyring stands in
for it here; the tests never touch a real keychain), a URL with credentials is refused, and
model ids that look like HTML stay literal in legends, labels and tooltips.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from factories import make_run, make_sample
from foundry_bench.core import keychain
from foundry_bench.core.analysis.chart_data import run_chart_data
from foundry_bench.core.paths import app_paths
from foundry_bench.core.settings import AppSettings
from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.benchmark.samples_model import SamplesTableModel
from foundry_bench.ui.charts.view import ChartsView
from foundry_bench.ui.main_window import MainWindow

KEY = "sk-SECRET-dialog-0123456789"
HOSTILE_ID = "<h1>big</h1><a href='http://evil'>x</a>"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("nothing stored")


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


class _NeedsKey(BaseHTTPRequestHandler):
    """Lists two models for ``Bearer KEY``; otherwise a 401 that echoes what it was sent."""

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization")
        if auth == f"Bearer {KEY}":
            status, body = 200, {"data": [{"id": "a"}, {"id": "b"}]}
        else:
            status, body = 401, {"error": {"message": f"bad Authorization: {auth}"}}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def keyed_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NeedsKey)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="test-keyed-server")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    win = MainWindow(UiSettings(DictBackend()), AppSettings(), app_paths().ensure())
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    app_paths().settings_file.unlink(missing_ok=True)
    QApplication.instance().setPalette(QApplication.style().standardPalette())  # type: ignore[union-attr]


def test_the_dialog_key_goes_to_the_keychain_never_to_settings_or_the_screen(
    qtbot, window, memory_keyring, keyed_server
) -> None:  # type: ignore[no-untyped-def]
    dialog = window.open_settings()
    dialog.url_radio.setChecked(True)
    dialog.url_edit.setText(keyed_server.replace("http://", f"http://user:{KEY}@"))
    dialog.accept()
    assert dialog.isVisible() and "keychain" in dialog.error_label.text()
    assert KEY not in dialog.error_label.text()
    assert not app_paths().settings_file.exists()

    dialog.url_edit.setText(keyed_server)
    dialog.key_edit.setText(KEY)
    with qtbot.waitSignal(window.models_view.models_listed, timeout=10000) as listed:
        dialog.accept()
    assert listed.args == [2]  # the server accepted the key the keychain gave
    assert memory_keyring.store == {(keychain.SERVICE, keychain.ACCOUNT): KEY}
    saved = app_paths().settings_file.read_text(encoding="utf-8")
    assert KEY not in saved and json.loads(saved)["endpoint"] == keyed_server
    shown = [window.endpoint_label.text(), window.models_view.banner.text()]
    shown += [window.statusBar().currentMessage(), *window.log_panel.lines()]
    assert all(KEY not in text for text in shown), shown


def test_a_url_with_credentials_in_the_environment_is_shown_without_them(
    qtbot, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FOUNDRY_LOCAL_ENDPOINT", f"http://user:{KEY}@127.0.0.1:9/v1?api-key={KEY}")
    win = MainWindow(UiSettings(DictBackend()), AppSettings(), app_paths().ensure())
    qtbot.addWidget(win)
    win.show()
    win.start()
    try:
        qtbot.waitUntil(lambda: "Cannot list" in win.models_view.banner.text(), timeout=10000)
        texts = [win.endpoint_label.text(), win.models_view.banner.text()]
        assert "127.0.0.1:9" in texts[0]
        assert all(KEY not in t for t in texts), texts
    finally:
        win.close()


def test_without_a_keychain_the_dialog_says_to_use_the_environment(
    qtbot, window, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        dialog = window.open_settings()
        qtbot.waitUntil(lambda: "none set" in dialog.key_state.text(), timeout=5000)
        dialog.key_edit.setText(KEY)
        dialog.accept()
        qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=5000)
        assert "OPENAI_API_KEY" in dialog.error_label.text()
        assert dialog.isVisible() and not app_paths().settings_file.exists()
        dialog.reject()
    finally:
        keyring.set_keyring(previous)


def test_model_ids_that_look_like_html_stay_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    samples = [make_sample(HOSTILE_ID, round_no=i + 1, latency_s=0.01 * (i + 1)) for i in range(5)]
    run = make_run(samples)
    runner = JobRunner()
    view = ChartsView(runner)
    qtbot.addWidget(view)
    view.show()
    view.set_data(run_chart_data(run))
    histogram = view.show_chart("latency_histogram")
    (_sample, label), *_ = histogram.legend.items
    assert "&lt;h1&gt;" in label.text and "<h1>" not in label.text
    (corner,) = view.legend.labels
    assert corner.textFormat() == Qt.TextFormat.RichText and "&lt;h1&gt;" in corner.text()
    assert "<h1>" not in corner.toolTip()
    model = SamplesTableModel()
    model.set_rows([make_sample(HOSTILE_ID, status="error", error="<b>bad</b>")])
    tip = model.data(model.index(0, model.columnCount() - 1), Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;bad" in tip and "<b>" not in tip
    assert runner.shutdown(5.0)
