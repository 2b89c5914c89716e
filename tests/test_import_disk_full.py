"""The disk filling up while the real conversion process writes: a clear error, nothing left.

A small tmpfs is the models folder; once the conversion has started (the checks passed, the
estimate fit), another file takes all its space, as a download or a backup would. Needs root
(mount) and the [convert] extra; skipped without either.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from factories import FakeRegistrar
from foundry_bench.core.imports import requirements
from foundry_bench.core.imports.errors import ImportFailure
from foundry_bench.core.imports.importer import prepare, run_import
from foundry_bench.core.imports.protocol import ConversionEvent
from import_sources import write_hf_folder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(requirements.missing_tools("hf")),
        reason='the conversion tools are not installed (pip install -e ".[convert]")',
    ),
]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "someone-elses-file"
    with contextlib.suppress(OSError), filler.open("wb", buffering=0) as fh:
        while True:
            fh.write(b"\0" * 65536)
    return filler


def test_the_disk_filling_during_conversion_fails_cleanly(tmp_path: Path, small_disk: Path) -> None:
    source = write_hf_folder(tmp_path / "tiny-hf")
    models_dir = small_disk / "imported"
    registrar = FakeRegistrar()
    prepared = prepare(source, "tiny-full:1", "int4", registrar, models_dir)
    filled: list[Path] = []

    def on_event(event: ConversionEvent) -> None:
        if event.step == "build" and not filled:
            filled.append(fill(small_disk))

    with pytest.raises(ImportFailure) as info:
        run_import(prepared, registrar, threading.Event(), on_event)
    message = str(info.value)
    assert message.startswith("conversion failed:") and "No space left on device" in message
    assert filled and filled[0].exists()  # the other program's file is untouched
    assert sorted(p.name for p in models_dir.iterdir()) == []
    assert registrar.known == {}
