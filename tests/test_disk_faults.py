"""A full disk, a read-only folder and file permissions, through the real `foundry-bench`.

The full disk is real where the test may mount a small tmpfs (root on Linux, as on this
project's CI machine); elsewhere the child process runs the same command with ``os.write``
failing with ENOSPC once a byte budget is spent (tests/crash/enospc_child.py), which is the
boundary every file of the app is written through (core.fileio.write_all).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from factories import make_run, make_sample
from foundry_bench.core.quality.annotations import AnnotationSet
from foundry_bench.core.quality.shared_file import save_annotations
from foundry_bench.core.results.store import load_run, write_results
from foundry_bench.core.settings import AppSettings, save_settings
from scripted_server import Scenario, ScriptedServer

ROOT = Path(__file__).resolve().parent.parent
ENOSPC_CHILD = Path(__file__).resolve().parent / "crash" / "enospc_child.py"
DISK_BYTES = 96 * 1024


def _mount_tmpfs(where: Path, options: str) -> bool:
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _unmount(where: Path) -> None:
    subprocess.run(["umount", str(where)], capture_output=True, check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A 96 KB file system, or ``None`` when this machine cannot mount one."""
    where = tmp_path / "disk"
    if not _mount_tmpfs(where, f"size={DISK_BYTES}"):
        yield None
        return
    try:
        yield where
    finally:
        _unmount(where)


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    """A read-only file system holding an empty folder ``existing``."""
    where = tmp_path / "ro"
    if not _mount_tmpfs(where, "size=64k"):
        pytest.skip("a read-only file system needs mount (root on Linux)")
    try:
        (where / "existing").mkdir()
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        yield where
    finally:
        _unmount(where)


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    models, prompts = tmp_path / "models.json", tmp_path / "prompts.json"
    models.write_text(json.dumps({"steady": {}}))
    prompts.write_text(json.dumps(["one", "two"]))
    return models, prompts


def _run_args(models: Path, prompts: Path, url: str, out: Path, rounds: int) -> list[str]:
    return [
        *("run", "--models", str(models), "--prompts", str(prompts), "--endpoint", url),
        *("--rounds", str(rounds), "--warmup", "0", "--out", str(out)),
    ]


def _foundry_bench(
    *args: str, child: list[str] | None = None, umask: int | None = None
) -> subprocess.CompletedProcess[str]:
    command = child or [sys.executable, "-m", "foundry_bench"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),  # the child's only
    )


def test_a_full_disk_ends_the_run_with_exit_2_and_report_counts_what_was_written(
    tmp_path: Path, small_disk: Path | None
) -> None:
    models, prompts = _inputs(tmp_path)
    if small_disk is None:  # no mount here: the same run with os.write failing at a budget
        out, child = tmp_path / "run", [sys.executable, str(ENOSPC_CHILD), str(DISK_BYTES)]
    else:
        out, child = small_disk / "run", None
    scenario = Scenario(ttft_s=0.001, gap_s=0.0, tokens=60)
    with ScriptedServer({"steady": scenario}) as srv:
        result = _foundry_bench(*_run_args(models, prompts, srv.base_url, out, 400), child=child)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "samples.jsonl: cannot write: the disk is full (ENOSPC)" in result.stderr
    lines = (out / "samples.jsonl").read_bytes()
    assert lines.endswith(b"\n")  # the torn line of the failed write was taken back
    written = [json.loads(line) for line in lines.splitlines()]
    assert 5 <= len(written) < 800
    assert f"The {len(written)} sample(s) written so far are kept" in result.stderr

    report = _foundry_bench("report", str(out), "--format", "json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["status"] == "interrupted"
    assert data["summary"][0]["n_ok"] == len(written)
    assert len(load_run(out).samples) == len(written)


def test_out_on_a_read_only_file_system_is_exit_2_without_a_traceback(
    tmp_path: Path, read_only_disk: Path
) -> None:
    models, prompts = _inputs(tmp_path)
    for out, problem in (
        (read_only_disk / "new-run", "new-run: cannot write: the file system is read-only"),
        (read_only_disk / "existing", "results.json: cannot write: the file system is read-only"),
    ):
        result = _foundry_bench(*_run_args(models, prompts, "http://127.0.0.1:9/v1", out, 1))
        assert result.returncode == 2, result.stderr
        assert problem in result.stderr and "(EROFS)" in result.stderr
        assert "Traceback" not in result.stderr
    run_dir = tmp_path / "a-run"
    write_results(run_dir, make_run([make_sample()]))
    result = _foundry_bench("report", str(run_dir), "--out", str(read_only_disk / "report.md"))
    assert result.returncode == 2
    assert "report.md: cannot write: the file system is read-only (EROFS)" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_file_of_a_run_gets_the_permissions_the_umask_gives(tmp_path: Path) -> None:
    models, prompts = _inputs(tmp_path)
    out = tmp_path / "run"
    with ScriptedServer({"steady": Scenario(tokens=4)}) as srv:
        result = _foundry_bench(*_run_args(models, prompts, srv.base_url, out, 1), umask=0o027)
        assert result.returncode == 0, result.stderr
    report = tmp_path / "report.html"
    made = _foundry_bench("report", str(out), "--format", "html", "--out", str(report), umask=0o027)
    assert made.returncode == 0, made.stderr
    files = [*sorted(out.iterdir()), report]
    assert {p.name for p in files} >= {"results.json", "samples.jsonl", "report.html"}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o640 for p in files}


def test_settings_and_annotations_get_the_permissions_the_umask_gives(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        save_settings(tmp_path / "settings.json", AppSettings())
        save_annotations(
            tmp_path / "annotations.json", AnnotationSet(run_id="r", annotator="a", criteria=[])
        )
        with (tmp_path / "plain.txt").open("w") as fh:  # what open() gives, for comparison
            fh.write("x")
    finally:
        os.umask(previous)
    names = ("settings.json", "annotations.json", "plain.txt")
    modes = {name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in names}
    assert modes == {"settings.json": 0o644, "annotations.json": 0o644, "plain.txt": 0o644}
