"""UI settings store and the settings dialog (test connection against a local server)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtCore import QByteArray

from foundry_bench.core.paths import app_paths
from foundry_bench.core.results.run_settings import RunSettings, host_label
from foundry_bench.core.settings import AppSettings
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.dialogs.settings import SettingsDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


class _Models(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/v1/models":
            self.send_error(404)
            return
        body = json.dumps(
            {"object": "list", "data": [{"id": "llama3.2:1b"}, {"id": "qwen2.5:0.5b"}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def models_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="test-models-server")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def runner(qtbot):
    runner = JobRunner(Notifier())
    yield runner
    assert runner.shutdown(5.0)


@pytest.fixture
def dialog(qtbot, runner):
    settings = AppSettings(defaults=RunSettings(rounds=5, seed=None))
    dlg = SettingsDialog(settings, app_paths(), runner)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def test_ui_settings_defaults_and_round_trip():
    store = UiSettings(DictBackend())
    assert store.geometry is None and store.palette == "system"
    assert store.recent_files == [] and store.log_visible
    store.geometry = QByteArray(b"\x01\x02")
    store.palette = "dark"
    store.current_page = 2
    for path in ("a.json", "b.json", "a.json"):
        store.add_recent_file(path)
    assert store.geometry == QByteArray(b"\x01\x02")
    assert store.palette == "dark" and store.current_page == 2
    assert store.recent_files == ["a.json", "b.json"]
    with pytest.raises(ValueError):
        store.palette = "purple"  # type: ignore[assignment]


def test_ui_settings_survive_bad_values():
    store = UiSettings(DictBackend({"ui/palette": "neon", "window/page": "x", "files/recent": 3}))
    assert store.palette == "system" and store.current_page == 0 and store.recent_files == []


def test_qsettings_backend_persists(tmp_path, qapp):
    path = tmp_path / "ui.ini"
    first = UiSettings.at(path)
    first.palette = "light"
    first.add_recent_file("/runs/one")
    first.last_model_folder = "/models"
    first.sync()
    second = UiSettings.at(path)
    assert second.palette == "light"
    assert second.recent_files == ["/runs/one"]
    assert second.last_model_folder == "/models"


def test_test_connection_lists_the_servers_models(qtbot, dialog, models_server):
    dialog.url_radio.setChecked(True)
    dialog.url_edit.setText(models_server)  # no /v1: the dialog adds it
    assert dialog.test_button.isEnabled()
    with qtbot.waitSignal(dialog.connection_tested, timeout=10000) as tested:
        dialog.test_button.click()
    assert tested.args[0] == ["llama3.2:1b", "qwen2.5:0.5b"]
    assert "2 model(s)" in dialog.test_status.text()
    items = [dialog.server_models.item(i).text() for i in range(dialog.server_models.count())]
    assert items == ["llama3.2:1b", "qwen2.5:0.5b"]


def test_test_connection_failure_is_explained(qtbot, dialog, models_server):
    dialog.url_radio.setChecked(True)
    dialog.url_edit.setText(models_server + "/nothing-here")
    with qtbot.waitSignal(dialog.connection_failed, timeout=10000) as failed:
        dialog.test_button.click()
    assert "404" in failed.args[0]
    assert dialog.test_status.text().startswith("Connection failed:")
    dialog.url_edit.setText("ftp://example")
    with qtbot.waitSignal(dialog.connection_failed, timeout=1000):
        dialog.test_button.click()
    assert "not an http(s) URL" in dialog.test_status.text()


def test_save_builds_app_settings(qtbot, dialog):
    assert dialog.embedded_radio.isChecked()
    assert not dialog.url_edit.isEnabled()
    assert dialog.run_form.rounds.value() == 5 and not dialog.run_form.seed.isEnabled()
    dialog.url_radio.setChecked(True)
    dialog.url_edit.setText("localhost:11434")
    dialog.accept()
    assert dialog.isVisible()  # a bad URL keeps the dialog open with the reason
    assert "not an http(s) URL" in dialog.error_label.text()
    dialog.url_edit.setText("http://localhost:11434")
    dialog.run_form.warmup.setValue(2)
    dialog.run_form.seed_box.setChecked(True)
    dialog.run_form.seed.setValue(7)
    dialog.run_form.deadline.setValue(90)  # the page had a deadline field, the defaults none
    dialog.accept()
    saved = dialog.result_settings
    assert saved is not None and not dialog.isVisible()
    assert saved.endpoint == "http://localhost:11434/v1"
    assert saved.defaults.rounds == 5 and saved.defaults.warmup_rounds == 2
    assert saved.defaults.seed == 7 and saved.defaults.deadline_s == 90


def test_the_device_label_is_a_setting(qtbot, dialog):
    assert dialog.label_edit.text() == ""
    assert dialog.label_edit.placeholderText() == host_label()  # what an empty label means
    dialog.label_edit.setText("bad\u2028label")
    dialog.accept()
    assert dialog.isVisible()
    assert "Device label must not hold control characters" in dialog.error_label.text()
    dialog.label_edit.setText("  lab-laptop-3  ")
    dialog.accept()
    saved = dialog.result_settings
    assert saved is not None and not dialog.isVisible()
    assert saved.defaults.label == "lab-laptop-3"
