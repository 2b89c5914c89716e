"""The Models page's "Import model…": drop or choose a source, progress, Cancel, metadata.

The conversion process is ``fake_converter.py`` (a real child process, no torch); the
registration is the real runtime's. Each test uses its own model id: registrations persist
in the test session's home.
"""

from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import Qt

from factories import drop_path
from foundry_bench.core.imports.importer import PARTIAL_PREFIX
from foundry_bench.core.imports.protocol import ConversionEvent
from foundry_bench.core.paths import app_paths
from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.models.import_flow import suggested_id
from foundry_bench.ui.models.table_model import Column
from foundry_bench.ui.models.view import ModelsView
from import_sources import write_gguf

pytestmark = [
    pytest.mark.runtime,
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]
FAKE = (sys.executable, str(Path(__file__).with_name("fake_converter.py")))


@pytest.fixture
def view(qtbot, monkeypatch):
    notifier = Notifier()
    runner = JobRunner(notifier)
    page = ModelsView(runner, notifier, UiSettings(DictBackend()))
    page.import_flow.command = FAKE
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    with qtbot.waitSignal(page.runtime_ready, timeout=30000):
        page.start()
    yield page
    assert runner.shutdown(5.0)


def staging_folders() -> list[Path]:
    folder = app_paths().imported_models_dir
    return list(folder.glob(f"{PARTIAL_PREFIX}*")) if folder.exists() else []


def test_a_dropped_gguf_is_imported_with_progress_and_shows_its_metadata(
    qtbot, view, tmp_path, monkeypatch
):
    monkeypatch.setenv("FAKE_CONVERTER", "ok")
    source = write_gguf(tmp_path / "Tiny-Chat-1B.Q4_1.gguf")
    suggestions: list[str] = []
    view.import_flow.ask_id = lambda path, suggestion: suggestions.append(suggestion) or "ui-ok:1"
    steps: list[ConversionEvent] = []
    view.import_flow.progress.connect(steps.append)
    with qtbot.waitSignal(view.model_registered, timeout=60000) as registered:
        drop_path(view, source)
    assert registered.args == ["ui-ok:1"]
    assert suggestions == ["tiny-chat-1b:1"]
    assert [e.step for e in steps][:3] == ["check", "dequantize", "build"]
    assert not view.adding.panel.isVisible()
    qtbot.waitUntil(lambda: view.model.row("ui-ok:1") is not None, timeout=10000)
    position = view.model.position("ui-ok:1")
    assert view.model.index(position, Column.PARAMETERS).data() == "8K"
    assert view.model.index(position, Column.QUANTIZATION).data() == "int4 (from Q4_1)"
    assert view.model.index(position, Column.LICENSE).data() == "apache-2.0"
    tip = view.model.index(position, Column.ID).data(Qt.ItemDataRole.ToolTipRole)
    assert f"imported from {source}" in tip
    FoundryRuntime.get().remove("ui-ok:1")


def test_cancel_half_way_kills_the_conversion_and_registers_nothing(
    qtbot, view, tmp_path, monkeypatch
):
    monkeypatch.setenv("FAKE_CONVERTER", "hang")
    source = write_gguf(tmp_path / "tiny.gguf")
    view.import_flow.ask_id = lambda path, suggestion: "ui-cancel:1"
    pids: list[int] = []

    def on_step(event: ConversionEvent) -> None:
        if event.step == "build":
            pids.append(int(event.message.split()[1]))

    view.import_flow.progress.connect(on_step)
    drop_path(view, source)
    qtbot.waitUntil(lambda: bool(pids), timeout=30000)
    assert view.adding.panel.isVisible() and view.adding.panel.bar.value() == 40
    assert not view.import_action.isEnabled()  # one import at a time
    assert staging_folders()
    with qtbot.waitSignal(view.import_flow.cancelled, timeout=5000):
        view.adding.panel.cancel_button.click()
    assert not view.adding.panel.isVisible()
    qtbot.waitUntil(lambda: not psutil.pid_exists(pids[0]), timeout=10000)
    qtbot.waitUntil(lambda: not staging_folders(), timeout=10000)
    assert FoundryRuntime.get().find("ui-cancel:1") is None
    assert not (app_paths().imported_models_dir / "ui-cancel-v1").exists()
    assert view.import_action.isEnabled()


def test_a_dropped_gguf_of_an_unsupported_architecture_is_rejected_before_asking(
    qtbot, view, tmp_path
):
    asked: list[Path] = []
    view.import_flow.ask_id = lambda path, suggestion: asked.append(path) or None
    source = write_gguf(tmp_path / "m.gguf", architecture="mamba")
    with qtbot.waitSignal(view.import_rejected, timeout=10000) as rejected:
        drop_path(view, source)
    assert "GGUF architecture 'mamba' cannot be converted" in rejected.args[0]
    assert asked == []


def test_a_failed_conversion_reports_and_leaves_nothing(qtbot, view, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_CONVERTER", "error")
    view.import_flow.ask_id = lambda path, suggestion: "ui-error:1"
    with qtbot.waitSignal(view.import_rejected, timeout=30000) as rejected:
        view.adding.import_model(write_gguf(tmp_path / "tiny.gguf"))
    assert "No space left on device" in rejected.args[0]
    assert not view.adding.panel.isVisible()
    assert not staging_folders() and FoundryRuntime.get().find("ui-error:1") is None


def test_suggested_ids_drop_the_quantization_suffix(tmp_path):
    from foundry_bench.core.imports.sources import detect_source

    source = detect_source(write_gguf(tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"))
    assert suggested_id(source) == "smollm2-135m-instruct:1"


def test_without_the_conversion_tools_the_page_says_what_to_install(
    qtbot, view, tmp_path, monkeypatch
):
    from foundry_bench.core.imports import requirements

    real = requirements.importlib.util.find_spec
    monkeypatch.setattr(
        requirements.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "torch" else real(name, *a),
    )
    view.import_flow.ask_id = lambda path, suggestion: "ui-notools:1"
    with qtbot.waitSignal(view.import_rejected, timeout=30000) as rejected:
        view.adding.import_model(write_gguf(tmp_path / "tiny.gguf"))
    assert "missing: torch" in rejected.args[0]
    assert 'pip install "foundry-bench[convert]"' in rejected.args[0]


def test_a_chosen_hugging_face_folder_without_chat_template_is_rejected(qtbot, view, tmp_path):
    from import_sources import write_hf_folder

    view.import_flow.ask_id = lambda path, suggestion: pytest.fail("asked for an id")
    folder = write_hf_folder(tmp_path / "base-model", chat_template=False)
    with qtbot.waitSignal(view.import_rejected, timeout=10000) as rejected:
        view.adding.import_model(folder)
    assert "no chat template" in rejected.args[0] and str(folder) in rejected.args[0]
