"""The import from checks to registration, with a real child process that needs no torch.

``fake_converter.py`` runs as the conversion process (the same protocol and output folder as
``core.imports.child``): cancel kills that real process, a crash is a real SIGKILL, and what
is left on disk is read from the disk.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import psutil
import pytest

from factories import FakeRegistrar
from foundry_bench.core.imports import requirements
from foundry_bench.core.imports.errors import ImportCancelled, ImportFailure
from foundry_bench.core.imports.importer import (
    PARTIAL_PREFIX,
    Prepared,
    folder_name,
    prepare,
    remove_stale_partials,
    run_import,
)
from foundry_bench.core.imports.protocol import ConversionEvent
from foundry_bench.core.run.provenance import PROVENANCE_FILE, read_provenance
from foundry_bench.core.run.runtime_errors import ModelFolderError
from import_sources import gguf_parameters, write_gguf

FAKE = (sys.executable, str(Path(__file__).with_name("fake_converter.py")))


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "models" / "imported"


@pytest.fixture
def gguf(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "tiny.Q4_1.gguf")


def prepared(gguf: Path, models_dir: Path, registrar: FakeRegistrar) -> Prepared:
    return prepare(gguf, "tiny:1", "int4", registrar, models_dir, check_tools=False)


def leftovers(models_dir: Path) -> list[str]:
    return sorted(p.name for p in models_dir.iterdir()) if models_dir.exists() else []


def run(
    mode: str,
    gguf: Path,
    models_dir: Path,
    registrar: FakeRegistrar,
    monkeypatch: pytest.MonkeyPatch,
    cancel: threading.Event | None = None,
    on_event: object = None,
) -> object:
    monkeypatch.setenv("FAKE_CONVERTER", mode)
    events: list[ConversionEvent] = []
    return run_import(
        prepared(gguf, models_dir, registrar),
        registrar,
        cancel or threading.Event(),
        on_event or events.append,  # type: ignore[arg-type]
        command=FAKE,
    )


def test_an_import_converts_moves_describes_and_registers(
    gguf: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registrar = FakeRegistrar()
    events: list[ConversionEvent] = []
    monkeypatch.setenv("FAKE_CONVERTER", "ok")
    result = run_import(
        prepared(gguf, models_dir, registrar),
        registrar,
        threading.Event(),
        events.append,
        command=FAKE,
    )
    folder = models_dir / "tiny-v1"
    assert result.folder == folder and registrar.known["tiny:1"].path == str(folder)
    assert leftovers(models_dir) == ["tiny-v1"]  # the staging folder is gone
    assert [e.step for e in events] == ["dequantize", "build", "register"]
    assert events[1].percent == 90.0
    provenance = read_provenance(folder)
    assert provenance is not None
    assert provenance.source == str(gguf) and provenance.source_kind == "gguf"
    assert provenance.license == "apache-2.0"
    assert provenance.parameters == gguf_parameters()
    assert (provenance.quantization, provenance.source_quantization) == ("int4", "Q4_1")
    assert "license: apache-2.0" in (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert result.cost.wall_s > 0


def test_cancel_half_way_kills_the_child_and_leaves_nothing(
    gguf: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registrar = FakeRegistrar()
    cancel = threading.Event()
    pids: list[int] = []

    def on_event(event: ConversionEvent) -> None:
        if event.step == "build":  # the child has written half a model and waits
            pids.append(int(event.message.split()[1]))
            assert any(models_dir.glob(f"{PARTIAL_PREFIX}*/model/model.onnx.data"))
            cancel.set()

    with pytest.raises(ImportCancelled, match="cancelled"):
        run("hang", gguf, models_dir, registrar, monkeypatch, cancel, on_event)
    assert pids and not psutil.pid_exists(pids[0])
    assert leftovers(models_dir) == []
    assert registrar.known == {}


def test_an_error_from_the_child_is_the_message_and_nothing_is_left(
    gguf: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registrar = FakeRegistrar()
    with pytest.raises(ImportFailure, match="conversion failed: No space left on device"):
        run("error", gguf, models_dir, registrar, monkeypatch)
    assert leftovers(models_dir) == [] and registrar.known == {}


def test_a_child_killed_by_a_signal_is_reported_and_cleaned_up(
    gguf: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registrar = FakeRegistrar()
    with pytest.raises(ImportFailure, match=r"died with signal 9 .killed; out of memory"):
        run("die", gguf, models_dir, registrar, monkeypatch)
    assert leftovers(models_dir) == [] and registrar.known == {}


def test_output_without_chat_template_is_refused_and_removed(
    gguf: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registrar = FakeRegistrar()
    with pytest.raises(ImportFailure, match=r"unusable model: .*no chat template"):
        run("no-template", gguf, models_dir, registrar, monkeypatch)
    assert leftovers(models_dir) == [] and registrar.known == {}


def test_stray_output_on_the_channel_is_ignored(
    gguf: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registrar = FakeRegistrar()
    run("noise", gguf, models_dir, registrar, monkeypatch)
    assert "tiny:1" in registrar.known


def test_a_failed_registration_removes_the_model_folder(
    gguf: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registrar = FakeRegistrar(fail=True)
    with pytest.raises(ModelFolderError, match="cannot load it"):
        run("ok", gguf, models_dir, registrar, monkeypatch)
    assert leftovers(models_dir) == []


def test_an_id_already_registered_is_refused_before_anything_runs(
    gguf: Path, models_dir: Path
) -> None:
    registrar = FakeRegistrar()
    registrar.register(Path("/elsewhere"), "tiny:1")
    with pytest.raises(ImportFailure, match=r"already registered .from /elsewhere"):
        prepared(gguf, models_dir, registrar)


def test_an_unregistered_earlier_import_of_the_id_is_replaced(
    gguf: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("ok", gguf, models_dir, FakeRegistrar(), monkeypatch)
    stale = models_dir / "tiny-v1" / "stale.txt"
    stale.write_text("from the first import", encoding="utf-8")
    run("ok", gguf, models_dir, FakeRegistrar(), monkeypatch)  # "removed", then imported again
    assert not stale.exists() and read_provenance(models_dir / "tiny-v1") is not None


def test_an_existing_destination_folder_is_never_overwritten(gguf: Path, models_dir: Path) -> None:
    (models_dir / "tiny-v1").mkdir(parents=True)
    (models_dir / "tiny-v1" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ImportFailure, match="already exists"):
        prepared(gguf, models_dir, FakeRegistrar())
    assert (models_dir / "tiny-v1" / "keep.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("model_id", ["tiny", "tiny:v1", "../x:1", ""])
def test_a_malformed_id_is_refused(gguf: Path, models_dir: Path, model_id: str) -> None:
    with pytest.raises(ImportFailure, match="NAME:VERSION"):
        prepare(gguf, model_id, "int4", FakeRegistrar(), models_dir, check_tools=False)


def test_not_enough_disk_is_refused_with_the_figures(gguf: Path, models_dir: Path) -> None:
    needs = requirements.Needs(disk_mb=10**12, memory_mb=1.0)
    with pytest.raises(ImportFailure, match=r"not enough disk space in .*: the import needs"):
        requirements.require_room(needs, models_dir, 10**6)


def test_not_enough_memory_is_refused(gguf: Path, models_dir: Path) -> None:
    with pytest.raises(ImportFailure, match="not enough memory: the conversion needs about"):
        prepare(
            gguf,
            "tiny:1",
            "int4",
            FakeRegistrar(),
            models_dir,
            check_tools=False,
            memory_mb=lambda: 1.0,
        )


def test_the_estimate_matches_smollm2_sizes(gguf: Path) -> None:
    """135 M parameters: an fp32 intermediate of ~540 MB, an int4 output of ~86 MB."""
    from dataclasses import replace

    from foundry_bench.core.imports.sources import detect_source

    source = replace(detect_source(gguf), parameters=134_515_008, size_bytes=98_362_432)
    needs = requirements.estimate(source, "int4")
    assert 2 * 540 + 86 < needs.disk_mb < 3 * (540 + 86)  # the builder's and the HF fp32 copies
    assert needs.memory_mb < 4000  # no refusal on an ordinary laptop


def test_missing_tools_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = requirements.importlib.util.find_spec
    monkeypatch.setattr(
        requirements.importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("torch", "gguf") else real(name, *a),
    )
    with pytest.raises(ImportFailure) as info:
        requirements.require_tools("gguf")
    message = str(info.value)
    assert "missing: torch, gguf" in message and 'pip install "foundry-bench[convert]"' in message


def test_stale_staging_folders_of_dead_processes_are_removed(models_dir: Path) -> None:
    dead = psutil.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = models_dir / f"{PARTIAL_PREFIX}{dead.pid}-abc123"
    live = models_dir / f"{PARTIAL_PREFIX}{os.getpid()}-def456"
    for folder in (stale, live):
        (folder / "model").mkdir(parents=True)
    assert remove_stale_partials(models_dir) == [stale]
    assert live.exists() and not stale.exists()


def test_folder_name_has_no_colon() -> None:
    assert folder_name("smollm2-135m-instruct:1") == "smollm2-135m-instruct-v1"


def test_provenance_file_is_not_trusted_blindly(tmp_path: Path) -> None:
    (tmp_path / PROVENANCE_FILE).write_text(
        '{"schema_version": 1, "source": "x", "source_kind": "gguf", "parameters": 1e999}',
        encoding="utf-8",
    )
    overflowing = read_provenance(tmp_path)  # 1e999 reads as inf: not a count
    assert overflowing is not None and overflowing.parameters is None
    (tmp_path / PROVENANCE_FILE).write_text(
        '{"schema_version": 1, "source": "x", "source_kind": "gguf", "parameters": true,'
        ' "license": ["<b>"]}',
        encoding="utf-8",
    )
    provenance = read_provenance(tmp_path)
    assert provenance is not None and provenance.parameters is None and provenance.license is None


def test_a_hostile_licence_in_the_gguf_cannot_rewrite_the_model_card(
    tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = "mit\n---\nlicense: <script>alert(1)</script>\u202e"
    gguf = write_gguf(tmp_path / "hostile.gguf", license_name=hostile)
    run("ok", gguf, models_dir, FakeRegistrar(), monkeypatch)
    card = (models_dir / "tiny-v1" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert card.startswith("---\nlicense: mit\n---\n")
    assert "<script>" not in card.split("---")[1]
    provenance = read_provenance(models_dir / "tiny-v1")
    assert provenance is not None and provenance.license == hostile  # kept, shown as text


def test_a_cancel_after_the_conversion_finished_keeps_nothing(
    gguf: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user pressed Cancel while the (real, finished) child's folder was being checked."""
    from foundry_bench.core.imports import importer

    registrar = FakeRegistrar()
    cancel = threading.Event()
    real = importer.run_conversion

    def convert_then_cancel(*args: object, **kwargs: object) -> object:
        cost = real(*args, **kwargs)  # type: ignore[arg-type]
        cancel.set()
        return cost

    monkeypatch.setattr(importer, "run_conversion", convert_then_cancel)
    monkeypatch.setenv("FAKE_CONVERTER", "ok")
    with pytest.raises(ImportCancelled):
        run_import(
            prepared(gguf, models_dir, registrar), registrar, cancel, lambda _e: None, command=FAKE
        )
    assert leftovers(models_dir) == [] and registrar.known == {}
