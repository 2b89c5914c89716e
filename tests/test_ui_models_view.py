"""The Models page against the real in-process runtime (offline, isolated home)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from factories import drop_path
from foundry_bench.core.paths import demo_model_dir
from foundry_bench.core.run.host_pool import HostPool
from foundry_bench.core.run.model_entry import CatalogState, ModelEntry
from foundry_bench.core.run.runtime import DEMO_MODEL_ID, FoundryRuntime
from foundry_bench.core.run.runtime_errors import RuntimeFailure
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
from foundry_bench.ui.base.workers import JobRunner, running_threads
from foundry_bench.ui.models.table_model import Column
from foundry_bench.ui.models.view import ModelsView
from foundry_bench.ui.selftest.context import Heartbeat

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

HAVE_DEMO = (demo_model_dir() / "genai_config.json").is_file()
needs_demo = pytest.mark.skipif(not HAVE_DEMO, reason="resources/demo_model not built yet")

FAKE_ID = "phi-fake-generic-cpu:1"
FAKE = ModelEntry(
    id=FAKE_ID, alias="phi-fake", source="catalog", size_mb=2400.0, license="MIT", cached=False
)


@pytest.fixture
def notifier():
    return Notifier()


@pytest.fixture
def make_view(qtbot, notifier):
    runners: list[JobRunner] = []

    def make(*, start: bool = True, catalog_timeout_s: float = 8.0) -> ModelsView:
        runner = JobRunner(notifier)
        runners.append(runner)
        view = ModelsView(
            runner, notifier, UiSettings(DictBackend()), catalog_timeout_s=catalog_timeout_s
        )
        qtbot.addWidget(view)
        view.resize(1000, 600)
        view.show()
        if start:
            with qtbot.waitSignal(view.runtime_ready, timeout=30000):
                view.start()
        return view

    yield make
    for runner in runners:
        assert runner.shutdown(5.0)


def test_offline_catalog_shows_a_banner_and_local_models_still_list(qtbot, make_view):
    view = make_view(start=False)
    with qtbot.waitSignal(view.catalog_checked, timeout=30000) as checked:
        view.start()
    state = checked.args[0]
    assert not state.available
    assert view.banner.isVisible()
    assert "catalog unavailable (offline mode)" in view.banner.text()
    assert "Registered models below still work" in view.banner.text()
    qtbot.waitUntil(lambda: not view._runner.is_running("models-local"), timeout=10000)
    assert view.refresh_action.isEnabled()
    assert view.add_folder_action.isEnabled()


def test_a_download_is_cancelled(qtbot, make_view, monkeypatch):
    """The catalog is unreachable here, so the SDK's download is replaced by a fake with the
    same contract: it calls the progress callback and stops when the cancel event is set."""
    stopped = threading.Event()

    def catalog_models(self, timeout_s=8.0):
        return CatalogState(True, [FAKE])

    def download(self, name, progress=None, cancel=None):
        assert cancel is not None and progress is not None
        for pct in range(101):
            if cancel.is_set():
                stopped.set()
                raise RuntimeFailure(f"download of {name} cancelled")
            progress(float(pct))
            cancel.wait(0.02)
        raise AssertionError("the download was not cancelled")

    monkeypatch.setattr(FoundryRuntime, "catalog_models", catalog_models)
    monkeypatch.setattr(FoundryRuntime, "download", download)
    view = make_view()
    qtbot.waitUntil(lambda: view.model.row(FAKE_ID) is not None, timeout=10000)
    assert not view.banner.isVisible()
    assert view.select(FAKE_ID)
    assert view.download_action.isEnabled()
    assert not view.load_action.isEnabled()  # not downloaded yet
    view.download_action.trigger()
    qtbot.waitUntil(lambda: (view.model.row(FAKE_ID).progress or 0) >= 3, timeout=10000)
    status = view.model.index(view.model.position(FAKE_ID), Column.STATUS).data()
    assert status.startswith("Downloading")
    assert view.cancel_action.isEnabled()
    with qtbot.waitSignal(view.download_cancelled, timeout=5000):
        view.cancel_action.trigger()
    assert stopped.wait(5)
    qtbot.waitUntil(lambda: not running_threads(), timeout=5000)
    qtbot.wait(1)  # deliver anything still queued: nothing may arrive after the cancel
    assert view.model.row(FAKE_ID).progress is None
    assert view.download_action.isEnabled()
    assert not view.cancel_action.isEnabled()


def test_a_finished_download_updates_the_row(qtbot, make_view, monkeypatch):
    def download(self, name, progress=None, cancel=None):
        for pct in (0.0, 50.0, 100.0):
            progress(pct)
        return FAKE.__class__(**{**FAKE.__dict__, "cached": True})

    monkeypatch.setattr(
        FoundryRuntime, "catalog_models", lambda self, timeout_s=8.0: CatalogState(True, [FAKE])
    )
    monkeypatch.setattr(FoundryRuntime, "download", download)
    view = make_view()
    qtbot.waitUntil(lambda: view.model.row(FAKE_ID) is not None, timeout=10000)
    view.select(FAKE_ID)
    with qtbot.waitSignal(view.download_finished, timeout=5000):
        view.download_action.trigger()
    row = view.model.row(FAKE_ID)
    assert row.entry.cached and row.progress is None
    assert view.load_action.isEnabled()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: (p / "README.md").write_text("hi") and p, "no genai_config.json"),
        (lambda p: (p / "model.onnx").write_bytes(b"x") and p / "model.onnx", "is a file"),
    ],
    ids=["not-a-model-folder", "a-file"],
)
def test_an_invalid_folder_dropped_gives_a_clear_message(
    qtbot, make_view, notifier, tmp_path, make, reason
):
    view = make_view()
    asked: list[Path] = []
    view.flow.ask_id = lambda folder, suggestion: asked.append(folder) or None
    target = make(tmp_path)
    messages: list[str] = []
    notifier.message_posted.connect(lambda text, level: messages.append(text))
    with qtbot.waitSignal(view.folder_rejected, timeout=5000) as rejected:
        drop_path(view, target)
    assert reason in rejected.args[0]
    assert str(target) in rejected.args[0]
    assert asked == []  # rejected before the user is asked for an id
    assert any(reason in m and m.startswith("Add local model folder:") for m in messages)
    assert notifier.last_error is not None and reason in notifier.last_error


def test_the_gui_stays_responsive_while_the_catalog_fetch_hangs(qtbot, make_view, monkeypatch):
    release = threading.Event()
    entered = threading.Event()

    def hanging(self, timeout_s=8.0):
        entered.set()
        release.wait(30)
        return CatalogState(False, error="catalog unavailable (offline mode)")

    monkeypatch.setattr(FoundryRuntime, "catalog_models", hanging)
    view = make_view()
    assert entered.wait(10)
    heartbeat = Heartbeat(interval_ms=10)
    heartbeat.start()
    # Work the GUI while the fetch hangs: filter, select, switch the try-it box.
    for text in ("demo", "zzz", ""):
        view.filter_box.setText(text)
        qtbot.waitUntil(lambda: heartbeat.ticks >= 10, timeout=5000)
        heartbeat.ticks = 0
    qtbot.waitUntil(lambda: heartbeat.ticks >= 30, timeout=5000)
    heartbeat.stop()
    assert view._runner.is_running("models-catalog")
    assert view.catalog_state is None
    assert heartbeat.max_stall_ms < 100, heartbeat.max_stall_ms
    with qtbot.waitSignal(view.catalog_checked, timeout=5000):
        release.set()
    assert view.banner.isVisible()


@pytest.mark.runtime
@needs_demo
def test_list_load_try_it_unload_with_the_demo_model(qtbot, make_view):
    view = make_view()
    qtbot.waitUntil(lambda: view.model.row(DEMO_MODEL_ID) is not None, timeout=10000)
    row = view.model.row(DEMO_MODEL_ID)
    assert row.entry.cached and row.origin == "local"
    # A registered generic-cpu folder: its device comes from the folder, not an empty cell.
    assert view.model.index(view.model.position(DEMO_MODEL_ID), Column.DEVICE).data() == "CPU"
    assert view.select(DEMO_MODEL_ID)
    if row.entry.loaded:  # another test of this process left it loaded
        with qtbot.waitSignal(view.model_unloaded, timeout=10000):
            view.unload_action.trigger()
    assert not view.try_it.send_button.isEnabled()
    assert "Load" in view.try_it.target_label.text()

    with qtbot.waitSignal(view.model_loaded, timeout=30000) as loaded:
        view.load_action.trigger()
    assert loaded.args[0] == DEMO_MODEL_ID and loaded.args[1] > 0
    position = view.model.position(DEMO_MODEL_ID)
    assert view.model.index(position, Column.LOADED).data() == "✓"
    assert view.model.index(position, Column.LOAD_TIME).data().endswith(("ms", "s"))
    assert view.unload_action.isEnabled() and not view.load_action.isEnabled()
    # Loaded the way a run loads it: in its own runtime host, not in the app's process.
    ready = HostPool.shared().ready(DEMO_MODEL_ID)
    assert ready is not None and ready.load_time_s == loaded.args[1]
    assert DEMO_MODEL_ID not in FoundryRuntime.get().loaded_ids()

    panel = view.try_it
    panel.prompt.setText("Tell me about the sea.")
    assert panel.send_button.isEnabled()
    with qtbot.waitSignal(panel.reply_finished, timeout=60000) as finished:
        panel.send_button.click()
        assert panel.send_button.text() == "Stop"
    reply = finished.args[0]
    assert reply.text and reply.chunks > 0
    assert panel.output.toPlainText() == reply.text
    assert "chunks" in panel.stats.text()
    assert panel.send_button.text() == "Send"

    with qtbot.waitSignal(view.model_unloaded, timeout=10000):
        view.unload_action.trigger()
    assert not view.model.row(DEMO_MODEL_ID).entry.loaded
    assert not panel.send_button.isEnabled()
    assert HostPool.shared().ready(DEMO_MODEL_ID) is None


@pytest.mark.runtime
@needs_demo
def test_try_it_can_be_stopped(qtbot, make_view):
    view = make_view()
    qtbot.waitUntil(lambda: view.model.row(DEMO_MODEL_ID) is not None, timeout=10000)
    view.select(DEMO_MODEL_ID)
    if not view.model.row(DEMO_MODEL_ID).entry.loaded:
        with qtbot.waitSignal(view.model_loaded, timeout=30000):
            view.load_action.trigger()
    panel = view.try_it
    finished: list[object] = []
    panel.reply_finished.connect(finished.append)
    panel.prompt.setText("Write a long story about the sea.")
    panel.send_button.click()
    panel.send_button.click()  # Stop
    assert panel.stats.text() == "Stopped."
    qtbot.waitUntil(lambda: not running_threads(), timeout=10000)
    qtbot.wait(1)
    assert finished == []
    with qtbot.waitSignal(view.model_unloaded, timeout=10000):
        view.unload_action.trigger()


@pytest.mark.runtime
@needs_demo
def test_add_a_model_folder(qtbot, make_view, tmp_path):
    folder = tmp_path / "My Demo Copy"
    shutil.copytree(demo_model_dir(), folder)
    view = make_view()
    suggestions: list[str] = []
    view.flow.ask_id = lambda path, suggestion: suggestions.append(suggestion) or "my-copy:1"
    with qtbot.waitSignal(view.model_registered, timeout=60000) as registered:
        drop_path(view, folder)
    assert registered.args == ["my-copy:1"]
    assert suggestions == ["my-demo-copy:1"]
    qtbot.waitUntil(lambda: view.model.row("my-copy:1") is not None, timeout=10000)
    qtbot.waitUntil(lambda: view.selected_row() is not None, timeout=5000)
    assert view.selected_row().id == "my-copy:1"
    with qtbot.waitSignal(view.model_removed, timeout=10000):
        view.remove_action.trigger()
    qtbot.waitUntil(lambda: view.model.row("my-copy:1") is None, timeout=10000)
