"""Each model in its own runtime host process, with the real runtime and the demo model.

The hosts are real child processes: a kill -9 kills the real process, and the figures are
what the OS reported for it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest

from conftest import Tripwire
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.paths import demo_model_dir
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.host_process import HostCancelled, RuntimeHost
from foundry_bench.core.run.providers import EmbeddedProvider
from foundry_bench.core.run.runner import ModelStarted, RunPlan, SampleDone, run_benchmark
from foundry_bench.core.run.runtime import DEMO_MODEL_ID, FoundryRuntime
from waiting import wait_until

pytestmark = [
    pytest.mark.runtime,
    pytest.mark.skipif(
        not (demo_model_dir() / "genai_config.json").is_file(), reason="demo model missing"
    ),
]

TWIN_ID = "foundry-bench-demo-twin-generic-cpu:1"


@pytest.fixture(scope="module")
def runtime() -> FoundryRuntime:
    runtime = FoundryRuntime.get()
    runtime.ensure_demo_model()
    runtime.register(demo_model_dir(), TWIN_ID, verify_load=False)  # the same model twice
    return runtime


def _plan(*model_ids: str, rounds: int = 2, warmup: int = 1) -> RunPlan:
    return RunPlan(
        models=[ModelSpec(id=m) for m in model_ids],
        prompts=[PromptSpec(id="p1", text="Explain what a model is.")],
        settings=RunSettings(rounds=rounds, warmup_rounds=warmup, max_tokens=24, timeout_s=30),
    )


def _run(runtime: FoundryRuntime, out: Path, *model_ids: str) -> Run:
    provider = EmbeddedProvider(runtime)
    for _event in run_benchmark(_plan(*model_ids), provider, out):
        pass
    assert provider.hosts == []  # every host stopped
    return load_run(out)


def test_a_run_measures_each_model_in_its_own_host(
    runtime: FoundryRuntime, tmp_path: Path, catalog_tripwire: Tripwire
) -> None:
    before = catalog_tripwire.connections
    run = _run(runtime, tmp_path, DEMO_MODEL_ID)
    record = run.models[0]
    assert record.status == "ok", record.error
    assert record.load_time_s is not None and 0 < record.load_time_s < 30
    assert (record.device, record.execution_provider) == ("CPU", "CPUExecutionProvider")
    assert record.rss_after_load_mb is not None and record.rss_after_load_mb > 10
    assert record.peak_rss_mb is not None and record.peak_rss_mb >= record.rss_after_load_mb
    assert record.cpu_percent is not None and record.cpu_percent >= 0
    assert record.gpu_memory_mb is None  # no NVIDIA GPU here
    assert record.cold_latency_s is not None and record.cold_ttft_s is not None
    assert record.endpoint is not None and "/catalogs/local/v1" in record.endpoint
    env = run.environment
    assert env["cpu_count"] >= 1 and env["power"] and env["os_build"] and "gpus" in env
    assert env["endpoint"]["execution_providers"] == []  # none discoverable here
    # The host got the parent's offline configuration: the catalog was never tried.
    assert catalog_tripwire.connections == before


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_kill_9_of_a_host_mid_run_fails_that_model_only(
    runtime: FoundryRuntime, tmp_path: Path
) -> None:
    provider = EmbeddedProvider(runtime)
    killed: list[int] = []
    for event in run_benchmark(_plan(DEMO_MODEL_ID, TWIN_ID, rounds=3), provider, tmp_path):
        if isinstance(event, SampleDone) and event.done == 2 and not killed:
            (host,) = provider.hosts
            assert host.pid is not None
            os.kill(host.pid, signal.SIGKILL)
            killed.append(host.pid)
    run = load_run(tmp_path)
    first, second = run.models
    assert first.status == "failed"
    assert first.error == f"runtime process ended (signal {int(signal.SIGKILL)})"
    assert first.peak_rss_mb is not None  # the OS still reported the killed host's peak
    assert second.status == "ok" and second.error is None
    assert [s.status for s in run.samples if s.model == TWIN_ID] == ["ok"] * 4
    assert run.status == "completed"
    with pytest.raises(ProcessLookupError):
        os.kill(killed[0], 0)  # reaped, not a zombie


def test_the_order_of_models_does_not_change_their_peak_memory(
    runtime: FoundryRuntime, tmp_path: Path
) -> None:
    ab = _run(runtime, tmp_path / "ab", DEMO_MODEL_ID, TWIN_ID)
    ba = _run(runtime, tmp_path / "ba", TWIN_ID, DEMO_MODEL_ID)
    peaks = {}
    for label, run in (("ab", ab), ("ba", ba)):
        for record in run.models:
            assert record.status == "ok" and record.peak_rss_mb is not None
            peaks[label, record.id] = record.peak_rss_mb
    values = list(peaks.values())
    # The same model in a fresh process each time: the second model inherits nothing.
    assert max(values) - min(values) < 0.1 * min(values), peaks


def test_a_model_that_cannot_load_gives_the_runtime_message(
    runtime: FoundryRuntime, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(demo_model_dir(), broken)
    (broken / "model.onnx").write_bytes(b"\x08\x07garbage, not a protobuf")
    broken_id = "foundry-bench-broken-generic-cpu:1"
    runtime.register(broken, broken_id, verify_load=False)
    try:
        run = _run(runtime, tmp_path / "run", broken_id, DEMO_MODEL_ID)
    finally:
        runtime.remove(broken_id)
    failed, fine = run.models
    assert failed.status == "failed"
    assert failed.error is not None and failed.error.startswith(f"cannot load {broken_id}: ")
    assert len(failed.error) > len(f"cannot load {broken_id}: ") + 5  # the runtime's words
    assert fine.status == "ok"


def test_cancel_stops_a_host_that_is_starting(runtime: FoundryRuntime) -> None:
    cancel = threading.Event()
    cancel.set()
    host = RuntimeHost(DEMO_MODEL_ID)
    with pytest.raises(HostCancelled):
        host.start(cancel)
    assert host.pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(host.pid, 0)
    assert host.ended() is None  # stopped by us, not a crash


def test_a_host_stops_when_asked_and_reports_no_crash(runtime: FoundryRuntime) -> None:
    host = RuntimeHost(DEMO_MODEL_ID)
    ready = host.start()
    assert ready.model_id == DEMO_MODEL_ID and ready.base_url.startswith("http://127.0.0.1:")
    assert host.ended() is None
    usage = host.stop()
    assert usage is not None and usage.peak_rss_mb is not None
    assert host.ended() is None and host.stop() == usage  # twice is fine


def test_a_model_chosen_by_alias_and_device(runtime: FoundryRuntime, tmp_path: Path) -> None:
    alias = runtime.find(DEMO_MODEL_ID).alias  # type: ignore[union-attr]
    plan = RunPlan(
        models=[ModelSpec(id=alias, device="cpu"), ModelSpec(id=TWIN_ID, device="gpu")],
        prompts=[PromptSpec(id="p1", text="Hi.")],
        settings=RunSettings(rounds=1, warmup_rounds=0, max_tokens=8, timeout_s=30),
    )
    for _event in run_benchmark(plan, EmbeddedProvider(runtime), tmp_path):
        pass
    on_cpu, on_gpu = load_run(tmp_path).models
    assert on_cpu.status == "ok" and on_cpu.device == "CPU"
    assert on_gpu.status == "failed"
    assert on_gpu.error is not None and "has no gpu variant here (variants: cpu)" in on_gpu.error


def test_cancel_while_a_model_loads_in_its_host_skips_it(
    runtime: FoundryRuntime, tmp_path: Path
) -> None:
    cancel = threading.Event()
    provider = EmbeddedProvider(runtime, cancel)
    for event in run_benchmark(_plan(DEMO_MODEL_ID, TWIN_ID), provider, tmp_path, cancel=cancel):
        if isinstance(event, ModelStarted):
            cancel.set()  # the user's Cancel, before its host has loaded it
    run = load_run(tmp_path)
    assert run.status == "cancelled"
    assert [m.status for m in run.models] == ["skipped", "skipped"]
    assert "cancelled while the runtime host started" in (run.models[0].error or "")
    assert provider.hosts == [] and run.samples == []


PARENT = """
import sys
from foundry_bench.core.run.host_process import RuntimeHost
host = RuntimeHost(sys.argv[1])
host.start()
print(host.pid, flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_host_ends_when_its_parent_is_killed(runtime: FoundryRuntime) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, DEMO_MODEL_ID],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        host_pid = int(parent.stdout.readline())
        os.kill(parent.pid, signal.SIGKILL)  # no chance to stop its host
        parent.wait(10)
        # The host's stdin closed with its parent: it unloads and exits by itself.
        wait_until(lambda: not psutil.pid_exists(host_pid) or _zombie(host_pid), timeout_s=15)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        assert parent.stdin is not None and parent.stdout is not None
        parent.stdin.close()
        parent.stdout.close()


def _zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
