"""kill -9 the app in the middle of a benchmark and in the middle of scoring: nothing that
was finished is lost, and the run folder and annotations still load and report."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.quality.annotations import ANNOTATIONS_FILE
from foundry_bench.core.quality.files import load_annotations
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.providers import ExternalProvider
from foundry_bench.core.run.runner import RunPlan, run_benchmark
from scripted_server import Scenario, ScriptedServer
from waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
CHILDREN = Path(__file__).resolve().parent / "crash"
pytestmark = pytest.mark.slow


def _child(script: str, *args: str, home: Path, extra_env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "FOUNDRY_BENCH_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        **(extra_env or {}),
    }
    return subprocess.Popen(
        [sys.executable, str(CHILDREN / script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _wait_for(
    predicate: Callable[[], bool], what: str, proc: subprocess.Popen[str], timeout: float = 60
) -> None:
    """Wait for ``predicate`` while the app runs; if the wait fails, the app is killed."""

    def ready() -> bool:
        if predicate():
            return True
        if proc.poll() is not None:
            pytest.fail(f"the app exited ({proc.returncode}) before {what}")
        return False

    try:
        wait_until(ready, timeout_s=timeout, interval_s=0.05, what=what)
    except BaseException:
        proc.kill()
        proc.communicate(timeout=10)  # reaps it and closes its stdout
        raise


def test_kill_9_during_a_gui_benchmark_keeps_the_samples(tmp_path: Path) -> None:
    home = tmp_path / "home"
    scenario = Scenario(ttft_s=0.01, gap_s=0.002, tokens=20)
    with ScriptedServer({"steady": scenario}) as srv:
        proc = _child(
            "gui_benchmark_child.py",
            srv.base_url,
            "steady",
            home=home,
            extra_env={"FOUNDRY_LOCAL_ENDPOINT": srv.base_url},
        )
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == "started", line
        runs = home / "runs"

        def enough_samples() -> bool:
            files = list(runs.glob("*/samples.jsonl"))
            return bool(files) and len(files[0].read_text().splitlines()) >= 10

        _wait_for(enough_samples, "10 finished samples", proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        answered = sum(1 for r in srv.requests if r.path.endswith("/chat/completions"))
    run_dir = next(runs.glob("*/samples.jsonl")).parent
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    assert len(lines) >= answered - 1  # at most the request in flight is lost
    run = load_run(run_dir)
    assert run.status == "interrupted"  # results.json from the start: "running", its writer gone
    assert len(run.samples) == len(lines)  # every sample on disk, though results.json has none
    report = subprocess.run(
        [sys.executable, "-m", "foundry_bench", "report", str(run_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert report.returncode == 0, report.stderr
    assert "**Status:** interrupted" in report.stdout and "**Recommended:** steady" in report.stdout


def _small_run(folder: Path) -> None:
    with ScriptedServer({"a": Scenario(tokens=5), "b": Scenario(tokens=7)}) as srv:
        plan = RunPlan(
            models=[ModelSpec(id="a"), ModelSpec(id="b")],
            prompts=[PromptSpec(id="p1", text="one"), PromptSpec(id="p2", text="two")],
            settings=RunSettings(rounds=10, warmup_rounds=0),
        )
        list(run_benchmark(plan, ExternalProvider(srv.base_url), folder))


def test_kill_9_during_scoring_keeps_every_score(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    _small_run(folder)
    proc = _child("gui_scoring_child.py", str(folder), home=tmp_path / "home")
    assert proc.stdout is not None
    scored = 0

    def enough() -> bool:
        nonlocal scored
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if line.startswith("saved "):
            scored = int(line.split()[1])
        return scored >= 30

    _wait_for(enough, "30 scores saved", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    ann = load_annotations(folder / ANNOTATIONS_FILE)  # valid JSON: atomic writes
    # Every version the window reported as saved is on disk (or a later one is).
    assert len(ann.scores) >= scored >= 30
    assert json.loads((folder / ANNOTATIONS_FILE).read_text())["schema_version"] == 1
    report = subprocess.run(
        [
            *(sys.executable, "-m", "foundry_bench", "report", str(folder)),
            *("--annotations", str(folder / ANNOTATIONS_FILE)),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert report.returncode == 0, report.stderr
    assert "Quality" in report.stdout
