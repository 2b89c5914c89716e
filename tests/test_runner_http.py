"""Whole runs over HTTP against the scripted server: faults, timings, kill -9 and report."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.results.folders import run_folder
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.providers import ExternalProvider
from foundry_bench.core.run.runner import RunPlan, run_benchmark
from scripted_server import Scenario, ScriptedServer
from waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_samples(path: Path, n: int, proc: subprocess.Popen[Any]) -> None:
    """Wait until the CLI has written ``n`` samples to ``path``; if the wait fails (the CLI
    died or never got there), the CLI is killed."""

    def written() -> bool:
        if path.exists() and len(path.read_text().splitlines()) >= n:
            return True
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        return False

    try:
        wait_until(written, timeout_s=60, interval_s=0.05, what=f"{n} samples in {path}")
    except BaseException:
        proc.kill()
        proc.communicate(timeout=10)  # reaps it and closes its stderr
        raise


def test_each_fault_becomes_its_status_while_the_others_complete(tmp_path: Path) -> None:
    scenarios = {
        "good": Scenario(ttft_s=0.01, gap_s=0.001, tokens=8),
        "drop": Scenario(tokens=10, gap_s=0.001, fault="drop", fault_after=4),
        "garbage": Scenario(tokens=10, fault="garbage", fault_after=2),
        "http500": Scenario(fault="http500"),
        "stall": Scenario(tokens=10, gap_s=0.001, fault="stall", fault_after=3, stall_s=3.0),
        "good2": Scenario(ttft_s=0.005, gap_s=0.001, tokens=6),
    }
    down = f"http://127.0.0.1:{_closed_port()}/v1"
    with ScriptedServer(scenarios) as srv:
        plan = RunPlan(
            models=[
                ModelSpec(id="good"),
                ModelSpec(id="down", endpoint=down),
                ModelSpec(id="drop"),
                ModelSpec(id="garbage"),
                ModelSpec(id="http500"),
                ModelSpec(id="not-served"),  # the server answers 404
                ModelSpec(id="stall"),
                ModelSpec(id="good2"),
            ],
            prompts=[PromptSpec(id="p1", text="hello")],
            settings=RunSettings(rounds=2, warmup_rounds=1, timeout_s=0.5, max_tokens=32),
        )
        list(run_benchmark(plan, ExternalProvider(srv.base_url), tmp_path))
    run = load_run(tmp_path)
    models = {m.id: m for m in run.models}
    samples: dict[str, list[str]] = {}
    for s in run.samples:
        samples.setdefault(s.model, []).append(s.status)

    assert models["good"].status == models["good2"].status == "ok"
    assert samples["good"] == samples["good2"] == ["ok", "ok", "ok"]
    # Cannot connect / 404: failed at once, remaining requests not sent.
    assert models["down"].status == "failed" and "connect" in (models["down"].error or "")
    assert samples["down"] == ["error"]
    assert models["not-served"].status == "failed" and "404" in (models["not-served"].error or "")
    assert samples["not-served"] == ["error"]
    # Faults after the response started: per sample, the rounds go on.
    assert samples["drop"] == ["error"] * 3
    assert samples["garbage"] == ["error"] * 3
    assert samples["http500"] == ["error"] * 3
    assert samples["stall"] == ["timeout"] * 3
    for name in ("drop", "garbage", "http500", "stall"):
        assert models[name].status == "failed" and models[name].error
    drop = next(s for s in run.samples if s.model == "drop")
    assert drop.response  # the partial answer is kept
    assert run.status == "completed"


def test_measured_timings_match_the_servers_truth(tmp_path: Path) -> None:
    scenario = Scenario(ttft_s=0.03, gap_s=0.004, tokens=25)
    with ScriptedServer({"m": scenario}) as srv:
        plan = RunPlan(
            models=[ModelSpec(id="m")],
            prompts=[PromptSpec(id="p1", text="x")],
            settings=RunSettings(rounds=3, warmup_rounds=0, max_tokens=64),
        )
        list(run_benchmark(plan, ExternalProvider(srv.base_url), tmp_path))
        truth = [r for r in srv.requests if r.path.endswith("/chat/completions")]
    run = load_run(tmp_path)
    assert len(run.samples) == len(truth) == 3
    # Exact accuracy is measured by benchmarks/timing_accuracy.py and test_endpoint.py; here
    # the run must carry the endpoint's measurements through unchanged (a loose bound, since
    # the CI machine may be busy). The server stamps a write once it returns, so the client's
    # thread can read the bytes first (seen: 0.1 ms "early" under load): a little slack below.
    early = -0.002
    for sample, rec in zip(run.samples, truth, strict=True):
        assert sample.completion_tokens == 25 and sample.tokens_source == "usage"
        assert len(sample.itl_s) == 24
        assert rec.ttft_s is not None and rec.latency_s is not None
        assert sample.ttft_s is not None and early <= sample.ttft_s - rec.ttft_s < 0.02
        assert sample.latency_s is not None and early <= sample.latency_s - rec.latency_s < 0.02
        assert sample.decode_s == pytest.approx(sample.latency_s - sample.ttft_s)
        assert sample.tpot_s == pytest.approx(sample.decode_s / 24)


def _one_prompt_run(tmp_path: Path) -> tuple[Path, Path, Path]:
    """models.json (one model, "slow"), prompts.json (one prompt) and the run folder."""
    models = tmp_path / "models.json"
    prompts = tmp_path / "prompts.json"
    models.write_text(json.dumps({"slow": {}}))
    prompts.write_text(json.dumps(["one"]))
    return models, prompts, tmp_path / "run"


def _start_run(
    models: Path, prompts: Path, url: str, out: Path, *, rounds: int, warmup: int
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "foundry_bench", "run", "--models", str(models)),
            *("--prompts", str(prompts), "--endpoint", url, "--rounds", str(rounds)),
            *("--warmup", str(warmup), "--out", str(out)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _report(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foundry_bench", "report", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_kill_9_mid_run_reports_every_sample_on_disk_as_interrupted(tmp_path: Path) -> None:
    """The real leftovers of ``kill -9``: results.json as written at the start ("running",
    models pending, no samples) and samples.jsonl with every finished request."""
    models = tmp_path / "models.json"
    prompts = tmp_path / "prompts.json"
    models.write_text(json.dumps({"slow": {}, "never": {}}))
    prompts.write_text(json.dumps(["one", "two"]))
    out = tmp_path / "run"
    scenario = Scenario(ttft_s=0.05, gap_s=0.01, tokens=10)
    with ScriptedServer({"slow": scenario, "never": scenario}) as srv:
        proc = _start_run(models, prompts, srv.base_url, out, rounds=50, warmup=1)
        samples = out / "samples.jsonl"
        _wait_for_samples(samples, 8, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        if proc.stderr:
            proc.stderr.close()
        finished = len([r for r in srv.requests if r.finished.is_set() and r.status == 200])
    lines = [json.loads(line) for line in samples.read_text().splitlines()]
    timed_ok = [s for s in lines if s["status"] == "ok" and not s["warmup"]]
    assert len(lines) >= finished - 1  # at most the request in flight is lost
    stored = json.loads((out / "results.json").read_text())
    assert stored["status"] == "running" and stored["samples"] == []  # what the kill left

    report = _report(str(out), "--format", "json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["status"] == "interrupted"
    assert len(data["samples"]) == len(lines)
    rows = {row["model"]: row for row in data["summary"]}
    assert rows["slow"]["n_ok"] == len(timed_ok) >= 6
    assert {m["id"]: m["status"] for m in data["models"]} == {"slow": "ok", "never": "skipped"}
    md = _report(str(out), "--format", "md")
    assert md.returncode == 0, md.stderr
    assert "**Status:** interrupted" in md.stdout
    assert "**Recommended:** slow" in md.stdout
    assert len(load_run(out).samples) == len(lines)


def test_a_run_in_another_live_process_is_running_not_interrupted(tmp_path: Path) -> None:
    models, prompts, out = _one_prompt_run(tmp_path)
    with ScriptedServer({"slow": Scenario(ttft_s=0.05, gap_s=0.01, tokens=10)}) as srv:
        proc = _start_run(models, prompts, srv.base_url, out, rounds=500, warmup=0)
        try:
            _wait_for_samples(out / "samples.jsonl", 2, proc)
            report = _report(str(out), "--format", "json")
            listed = run_folder(out)
        finally:
            proc.kill()
            proc.communicate(timeout=10)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["status"] == "running"
    assert listed is not None and listed.status == "running"
    assert load_run(out).status == "interrupted"  # now that it is gone
    listed = run_folder(out)
    assert listed is not None and listed.status == "interrupted"


@contextlib.contextmanager
def _sigint_handled() -> Iterator[None]:
    """SIGINT handled (not ignored) in this process while a child is started.

    A test run started in the background by a script (``pytest &``) has SIGINT ignored, and
    an ignored signal stays ignored in every child, so Ctrl-C could not reach the CLI. A
    handled one is reset to the default in the child, and Python then turns it into
    KeyboardInterrupt as at a terminal.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_exits_130_and_saves_the_run(tmp_path: Path) -> None:
    models, prompts, out = _one_prompt_run(tmp_path)
    with ScriptedServer({"slow": Scenario(ttft_s=0.05, gap_s=0.01, tokens=10)}) as srv:
        with _sigint_handled():
            proc = _start_run(models, prompts, srv.base_url, out, rounds=500, warmup=0)
        samples = out / "samples.jsonl"
        _wait_for_samples(samples, 3, proc)
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()  # not left running (its open pipe would fail a later test)
            proc.communicate()
            raise
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    run = load_run(out)
    assert run.status == "cancelled"
    assert len(run.samples) == len(samples.read_text().splitlines()) >= 3
