"""The machine a run ran on, for its ``environment``: CPU, memory, GPUs, NPU, OS build, power.

Every probe is best effort and quick (no shell-outs that take seconds): a fact that cannot be
read here is left out or null, never guessed. GPU names come from NVML where ``nvidia-ml-py``
and a driver exist (with the driver version), else from the PCI display devices on Linux;
an NPU is what the runtime's execution providers say (QNN, VitisAI, RyzenAI).
"""

from __future__ import annotations

import contextlib
import functools
import platform
import sys
from pathlib import Path
from typing import Any

import psutil

#: Execution providers that drive an NPU (the SDK's native library knows these names).
NPU_EPS = ("QNN", "VitisAI", "RyzenAI")
_PCI_VENDORS = {"0x10de": "NVIDIA", "0x1002": "AMD", "0x8086": "Intel", "0x5143": "Qualcomm"}


def machine_facts(execution_providers: list[str] | None = None) -> dict[str, Any]:
    """The hardware part of a run's ``environment``."""
    facts = dict(_static_facts())
    facts["memory_gb"] = round(psutil.virtual_memory().total / 1e9, 1)
    facts["power"] = power_source()
    npus = [n for n in execution_providers or [] if any(n.startswith(k) for k in NPU_EPS)]
    facts["npu"] = ", ".join(npus) if npus else None
    return facts


@functools.cache
def _static_facts() -> dict[str, Any]:
    """Facts that do not change while the app runs (read once per process)."""
    return {
        "os": platform.platform(),
        "os_build": os_build(),
        "machine": platform.machine(),
        "cpu": cpu_name(),
        "cpu_cores": psutil.cpu_count(logical=False),
        "cpu_count": psutil.cpu_count(logical=True),
        "gpus": gpu_names(),
    }


def cpu_name() -> str:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def os_build() -> str:
    if sys.platform == "win32":
        return f"Windows {platform.release()} build {platform.version()}"
    if sys.platform == "darwin":
        return f"macOS {platform.mac_ver()[0]} ({platform.release()})"
    name = platform.system()
    with contextlib.suppress(OSError, UnicodeDecodeError):
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                name = line.split("=", 1)[1].strip().strip('"')
    return f"{name}, kernel {platform.release()}"


def power_source() -> str:
    """``AC``, ``battery (57%)``, or ``AC (no battery)``: a laptop on battery runs slower."""
    try:
        battery = psutil.sensors_battery()
    except (AttributeError, NotImplementedError, OSError):
        battery = None
    if battery is None:
        return "AC (no battery)"
    if battery.power_plugged:
        return "AC"
    return f"battery ({battery.percent:.0f}%)"


def gpu_names() -> list[str]:
    return _nvml_gpus() or _pci_gpus()


def _nvml_gpus() -> list[str]:
    try:
        import pynvml  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return []
    try:
        pynvml.nvmlInit()
    except Exception:  # no driver, no GPU: NVMLError and subclasses
        return []
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        names = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            names.append(f"{_text(pynvml.nvmlDeviceGetName(handle))} (driver {driver})")
        return names
    except Exception:
        return []
    finally:
        with contextlib.suppress(Exception):
            pynvml.nvmlShutdown()


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _pci_gpus() -> list[str]:
    """Display controllers on the PCI bus (Linux): vendor and ids, as the kernel lists them."""
    names = []
    with contextlib.suppress(OSError):
        for device in sorted(Path("/sys/bus/pci/devices").iterdir()):
            try:
                if not (device / "class").read_text().startswith("0x03"):
                    continue
                vendor = (device / "vendor").read_text().strip()
                product = (device / "device").read_text().strip()
            except (OSError, UnicodeDecodeError):
                continue
            label = _PCI_VENDORS.get(vendor, "GPU")
            names.append(f"{label} [{vendor[2:]}:{product[2:]}]")
    return names
