"""The runtime host's parts that need no runtime: figures, exit text, command, device."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from foundry_bench.core.run import hardware, host_meter
from foundry_bench.core.run.host_meter import HostMeter, maxrss_mb
from foundry_bench.core.run.host_process import exit_description, host_command
from foundry_bench.core.run.model_entry import ModelEntry
from foundry_bench.core.run.variants import (
    CPU,
    entry_device,
    folder_device,
    select_variant,
    variant_devices,
)


def test_exit_description() -> None:
    assert exit_description(-9) == "signal 9"
    assert exit_description(-11) == "signal 11"
    assert exit_description(3) == "exit code 3"


def test_maxrss_units(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert maxrss_mb(100_000) == pytest.approx(102.4)  # kilobytes
    monkeypatch.setattr(sys, "platform", "darwin")
    assert maxrss_mb(100_000_000) == pytest.approx(100.0)  # bytes


def test_the_frozen_app_starts_itself_as_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    assert host_command()[1:] == ["-m", "foundry_bench"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/app/foundry-bench")
    assert host_command() == ["/opt/app/foundry-bench"]


def _folder(tmp_path: Path, provider_options: Any) -> Path:
    config = {"model": {"decoder": {"session_options": {"provider_options": provider_options}}}}
    (tmp_path / "genai_config.json").write_text(json.dumps(config))
    return tmp_path


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], CPU),
        ([{"cuda": {}}], ("GPU", "CUDAExecutionProvider")),
        ([{"qnn": {"backend_path": "QnnHtp.dll"}}], ("NPU", "QNNExecutionProvider")),
        ([{"OpenVINO": {"device_type": "npu"}}], ("NPU", "OpenVINOExecutionProvider")),
        ([{"<script>": {}}], None),  # a provider nobody knows is not guessed
        ("cuda", None),
        ([None, 3], CPU),
    ],
)
def test_the_device_of_a_model_folder(tmp_path: Path, options: Any, expected: Any) -> None:
    assert folder_device(_folder(tmp_path, options)) == expected


@pytest.mark.parametrize(
    "content", [b"\xff\xfe", b"[]", b'{"model": 3}', b"[" * 200_000, b"{'a': NaN}"]
)
def test_a_hostile_genai_config_gives_no_device(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "genai_config.json").write_bytes(content)
    assert folder_device(tmp_path) is None


def test_the_catalog_word_wins_over_the_folder(tmp_path: Path) -> None:
    folder = str(_folder(tmp_path, []))
    catalog = ModelEntry("m:1", "m", "catalog", device="gpu", execution_provider="DML", path=folder)
    assert entry_device(catalog) == ("GPU", "DML")
    assert entry_device(ModelEntry("m:1", "m", "local", path=folder)) == CPU
    assert entry_device(ModelEntry("m:1", "m", "local")) == (None, None)


class _FakeNvml(types.SimpleNamespace):
    """nvidia-ml-py's module surface, as the meter uses it: one GPU, our child on it."""

    def __init__(self, pid: int, used: list[int]) -> None:
        super().__init__(shutdowns=0)
        self._pid, self._used = pid, used

    def nvmlInit(self) -> None:
        pass

    def nvmlShutdown(self) -> None:
        self.shutdowns += 1

    def nvmlDeviceGetCount(self) -> int:
        return 1

    def nvmlDeviceGetHandleByIndex(self, index: int) -> object:
        return object()

    def nvmlDeviceGetComputeRunningProcesses(self, handle: object) -> list[Any]:
        used = self._used.pop(0) if len(self._used) > 1 else self._used[0]
        return [
            types.SimpleNamespace(pid=self._pid, usedGpuMemory=used),
            types.SimpleNamespace(pid=1, usedGpuMemory=10**12),  # someone else's
        ]

    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: object) -> list[Any]:
        return [types.SimpleNamespace(pid=self._pid, usedGpuMemory=None)]  # not reported


@pytest.fixture
def child() -> Any:
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=-1)
    yield proc
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(10)


def test_gpu_memory_is_the_peak_nvml_saw_for_the_host(
    child: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _FakeNvml(child.pid, [300_000_000, 900_000_000, 500_000_000])
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    meter = HostMeter(child.pid)
    for _ in range(3):
        meter.before_exit()
    usage = meter.finish()
    assert usage.gpu_memory_mb == pytest.approx(900.0)
    assert fake.shutdowns == 1


def test_without_nvml_gpu_memory_is_null_and_nothing_samples(
    child: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # not installed
    meter = HostMeter(child.pid)
    if host_meter.exact_peak_from_wait4():
        assert meter._thread is None  # the OS gives the exact peak at the end
    meter.timed_started()
    meter.timed_stopped()
    usage = meter.finish()
    assert usage.gpu_memory_mb is None
    assert usage.cpu_percent is not None and usage.cpu_percent >= 0


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="wait4")
def test_the_peak_comes_from_wait4_when_the_host_is_reaped(
    child: subprocess.Popen[bytes],
) -> None:
    meter = HostMeter(child.pid)
    meter.reaped(51_200)
    assert meter.finish().peak_rss_mb == pytest.approx(maxrss_mb(51_200))


@pytest.mark.parametrize(
    ("battery", "expected"),
    [
        (None, "AC (no battery)"),
        (types.SimpleNamespace(percent=57.4, power_plugged=False), "battery (57%)"),
        (types.SimpleNamespace(percent=99.0, power_plugged=True), "AC"),
    ],
)
def test_power_source(monkeypatch: pytest.MonkeyPatch, battery: Any, expected: str) -> None:
    monkeypatch.setattr(hardware.psutil, "sensors_battery", lambda: battery)
    assert hardware.power_source() == expected


def test_machine_facts_name_the_hardware() -> None:
    facts = hardware.machine_facts(["QNNExecutionProvider (not registered)", "CUDA"])
    assert facts["npu"] == "QNNExecutionProvider (not registered)"
    assert hardware.machine_facts([])["npu"] is None
    assert facts["cpu_count"] >= 1 and facts["memory_gb"] > 0
    assert isinstance(facts["gpus"], list) and facts["os_build"] and facts["power"]


_PHI = [
    ModelEntry("phi-generic-cpu:1", "phi", "catalog", device="CPU", cached=True),
    ModelEntry("phi-cuda-gpu:1", "phi", "catalog", device="GPU", execution_provider="CUDA"),
]


def test_a_variant_is_an_alias_and_a_device() -> None:
    assert select_variant(_PHI, "phi", "gpu") == _PHI[1]
    assert select_variant(_PHI, "phi", "cpu") == _PHI[0]
    assert select_variant(_PHI, "phi", "npu") is None
    assert select_variant(_PHI, "phi-cuda-gpu:1", None) == _PHI[1]  # a variant id by itself
    assert variant_devices(_PHI, "phi") == ["cpu", "gpu"]


def test_one_run_can_hold_an_alias_on_cpu_and_gpu() -> None:
    from foundry_bench.core.config.models import ModelSpec
    from foundry_bench.core.run.providers import EmbeddedProvider, PrepareError

    runtime: Any = types.SimpleNamespace(models=lambda: _PHI)
    provider = EmbeddedProvider(runtime)
    assert provider._variant(ModelSpec("phi", device="gpu")).id == "phi-cuda-gpu:1"
    assert provider._variant(ModelSpec("phi", device="cpu")).id == "phi-generic-cpu:1"
    with pytest.raises(PrepareError, match=r"no npu variant here \(variants: cpu, gpu\)"):
        provider._variant(ModelSpec("phi", device="npu"))


def test_a_host_that_cannot_be_started_fails_its_model_with_a_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from foundry_bench.core.run import host_process
    from foundry_bench.core.run.runtime_errors import RuntimeFailure

    monkeypatch.setattr(host_process, "host_command", lambda: ["/nonexistent/foundry-bench"])
    host = host_process.RuntimeHost("m:1")
    with pytest.raises(RuntimeFailure, match="cannot start a runtime process for m:1"):
        host.start()
    assert host.stop() is None
