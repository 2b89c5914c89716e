"""``foundry-bench models import``: bad input, missing tools, Ctrl-C, and a real tiny import.

The tiny Hugging Face folder (``import_sources.write_hf_folder``) goes through the real
conversion process and model builder, so these need the [convert] extra (CI installs it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from foundry_bench.cli import main
from foundry_bench.core.imports import requirements
from foundry_bench.core.imports.importer import PARTIAL_PREFIX
from import_sources import write_gguf, write_hf_folder

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.runtime
needs_tools = pytest.mark.skipif(
    bool(requirements.missing_tools("hf")),
    reason='the conversion tools are not installed (pip install -e ".[convert]")',
)


def cli_process(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "foundry_bench", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "FOUNDRY_BENCH_HOME": str(home)},
    )


def listed(home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foundry_bench", "models", "list"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "FOUNDRY_BENCH_HOME": str(home)},
    )


def imported(home: Path) -> list[str]:
    folder = home / "models" / "imported"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_bad_source_is_exit_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_gguf(tmp_path / "mamba.gguf", architecture="mamba")
    assert main(["models", "import", str(path), "--id", "mamba:1"]) == 2
    assert "GGUF architecture 'mamba' cannot be converted" in capsys.readouterr().err


def test_without_the_tools_the_cli_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = requirements.importlib.util.find_spec
    monkeypatch.setattr(
        requirements.importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("onnxruntime_genai", "accelerate") else real(name, *a),
    )
    path = write_gguf(tmp_path / "tiny.gguf")
    assert main(["models", "import", str(path), "--id", "tiny:1"]) == 2
    err = capsys.readouterr().err
    assert "missing: onnxruntime-genai, accelerate" in err
    assert 'pip install "foundry-bench[convert]"' in err


@needs_tools
@pytest.mark.slow
def test_ctrl_c_during_conversion_kills_it_and_keeps_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    source = write_hf_folder(tmp_path / "tiny-hf")
    proc = cli_process(home, "models", "import", str(source), "--id", "tiny-hf:1")
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:  # wait until the conversion process is really at work
        lines.append(line)
        if line.startswith("[") and "build" in line:
            break
    child = [
        c for c in psutil.Process(proc.pid).children() if "imports.child" in " ".join(c.cmdline())
    ]
    assert child, "".join(lines)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "import cancelled; its partial output was removed" in err
    assert not child[0].is_running() or child[0].status() == psutil.STATUS_ZOMBIE
    assert not any(name.startswith(PARTIAL_PREFIX) for name in imported(home))
    assert imported(home) == []
    listing = listed(home)
    assert "tiny-hf:1" not in listing.stdout


@needs_tools
@pytest.mark.slow
def test_a_hugging_face_folder_imports_registers_and_lists_with_its_metadata(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    source = write_hf_folder(tmp_path / "tiny-hf", license_name="mit")
    proc = cli_process(home, "models", "import", str(source), "--id", "tiny-hf:1")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert "registered tiny-hf:1" in out
    assert "build: converting layer 2 of 2" in err  # progress from the builder's own output
    assert "peak memory" in err
    assert imported(home) == ["tiny-hf-v1"]
    folder = home / "models" / "imported" / "tiny-hf-v1"
    for name in ("genai_config.json", "model.onnx", "tokenizer.json", "foundry_bench_import.json"):
        assert (folder / name).is_file(), name
    listing = listed(home)
    assert "tiny-hf:1" in listing.stdout
    assert "    licence mit, 172K parameters, int4 (from HF f32), imported from" in listing.stdout


@needs_tools
@pytest.mark.slow
def test_a_killed_import_leaves_only_a_staging_folder_that_the_next_import_removes(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    source = write_hf_folder(tmp_path / "tiny-hf")
    proc = cli_process(home, "models", "import", str(source), "--id", "tiny-killed:1")
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("[") and "build" in line:
            break
    children = psutil.Process(proc.pid).children()
    proc.kill()  # kill -9: no cleanup of any kind in the importing process
    proc.communicate(timeout=30)
    for child in children:  # its conversion process notices the closed pipe and ends
        with contextlib.suppress(psutil.NoSuchProcess):
            child.wait(timeout=120)
    left = imported(home)
    assert left and all(name.startswith(PARTIAL_PREFIX) for name in left)  # nothing in place
    assert "tiny-killed:1" not in listed(home).stdout

    again = cli_process(home, "models", "import", str(tmp_path / "nope"), "--id", "x:1")
    again.communicate(timeout=120)
    assert again.returncode == 2  # refused: no such source, so nothing ran and no cleanup
    assert imported(home) == left
    retry = cli_process(home, "models", "import", str(source), "--id", "tiny-killed:1")
    _out, err = retry.communicate(timeout=600)
    assert retry.returncode == 0, err
    assert imported(home) == ["tiny-killed-v1"]  # the dead import's staging folder is gone
