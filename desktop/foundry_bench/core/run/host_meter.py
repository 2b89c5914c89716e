"""What a runtime host process costs, measured from the parent (``core.run.host_process``).

- Peak resident memory over the host's whole life: exact where the OS keeps it: ``wait4``'s
  ``ru_maxrss`` on Linux and macOS (read when the process is reaped), the peak working set on
  Windows (``psutil``'s ``peak_wset``, read while it lives); sampled elsewhere.
- Mean CPU over the timed rounds: the host's CPU time between two marks over the wall time
  between them (100 = one core busy all the time).
- GPU memory: NVML (``nvidia-ml-py``, optional), the peak of what the host's process uses on
  any NVIDIA GPU, sampled; null without NVML or without an NVIDIA GPU.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import psutil

log = logging.getLogger(__name__)

SAMPLE_EVERY_S = 0.1
_MB = 1_000_000


@dataclass(frozen=True)
class HostUsage:
    """A host's figures once it ended (any may be None: not measurable here)."""

    peak_rss_mb: float | None
    rss_after_load_mb: float | None
    cpu_percent: float | None
    gpu_memory_mb: float | None


def maxrss_mb(ru_maxrss: int) -> float:
    """``ru_maxrss`` in MB: Linux reports kilobytes, macOS bytes."""
    return ru_maxrss / _MB if sys.platform == "darwin" else ru_maxrss * 1024 / _MB


def exact_peak_from_wait4() -> bool:
    """Whether the host's peak RSS comes from ``wait4`` when it is reaped."""
    import os

    return hasattr(os, "wait4") and sys.platform != "win32"


def _nvml() -> Any | None:
    """The NVML module, initialized, or None (not installed, no driver, no NVIDIA GPU)."""
    try:
        import pynvml  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
        if pynvml.nvmlDeviceGetCount() == 0:
            pynvml.nvmlShutdown()
            return None
    except Exception as exc:  # NVMLError and its many subclasses
        log.debug("NVML unavailable: %s", exc)
        return None
    return pynvml


def _gpu_bytes(nvml: Any, pid: int) -> int | None:
    total = None
    for index in range(nvml.nvmlDeviceGetCount()):
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        for getter in (
            "nvmlDeviceGetComputeRunningProcesses",
            "nvmlDeviceGetGraphicsRunningProcesses",
        ):
            for proc in getattr(nvml, getter)(handle):
                used = getattr(proc, "usedGpuMemory", None)
                if proc.pid == pid and isinstance(used, int):
                    total = (total or 0) + used
    return total


class HostMeter:
    """Measures one host process from its start to its end. Thread-safe.

    A sampling thread runs only when something must be sampled (peak RSS where the OS gives
    no exact figure at the end, or GPU memory with NVML), and stops in :meth:`finish`.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._proc = psutil.Process(pid)
        self._lock = threading.Lock()
        self._peak_rss: float | None = None
        self._peak_gpu: float | None = None
        self._rss_after_load: float | None = None
        self._cpu_mark: tuple[float, float] | None = None
        self._cpu_percent: float | None = None
        self._exact_peak: float | None = None
        self._nvml = _nvml()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self._nvml is not None or not exact_peak_from_wait4():
            self._thread = threading.Thread(
                target=self._sample_loop, name="host-meter", daemon=True
            )
            self._thread.start()

    # -- marks set by the provider and the runner ---------------------------------------------

    def loaded(self) -> None:
        """The model is loaded: its resident memory now."""
        rss = self._rss()
        with self._lock:
            self._rss_after_load = rss

    def timed_started(self) -> None:
        times = self._cpu_seconds()
        if times is not None:
            with self._lock:
                self._cpu_mark = (times, time.perf_counter())

    def timed_stopped(self) -> None:
        times = self._cpu_seconds()
        with self._lock:
            mark, self._cpu_mark = self._cpu_mark, None
            if mark is None or times is None:
                return
            wall = time.perf_counter() - mark[1]
            if wall > 0:
                self._cpu_percent = 100.0 * (times - mark[0]) / wall

    def before_exit(self) -> None:
        """The last look while the process still lives (Windows' peak working set)."""
        self._sample_once()

    def reaped(self, ru_maxrss: int | None) -> None:
        """The process was reaped; ``ru_maxrss`` is wait4's figure where there is one."""
        if ru_maxrss is not None and ru_maxrss > 0:
            with self._lock:
                self._exact_peak = maxrss_mb(ru_maxrss)

    def finish(self) -> HostUsage:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        if self._nvml is not None:
            with contextlib.suppress(Exception):
                self._nvml.nvmlShutdown()
            self._nvml = None
        with self._lock:
            peak = self._exact_peak if self._exact_peak is not None else self._peak_rss
            return HostUsage(peak, self._rss_after_load, self._cpu_percent, self._peak_gpu)

    # -- sampling -----------------------------------------------------------------------------

    def _sample_loop(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            if not self._sample_once():
                return

    def _sample_once(self) -> bool:
        """One sample; False once the process is gone."""
        try:
            info = self._proc.memory_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return False
        # Windows keeps the peak itself; elsewhere the current RSS is the sample.
        rss = float(getattr(info, "peak_wset", info.rss)) / _MB
        gpu = None
        if self._nvml is not None:
            try:
                used = _gpu_bytes(self._nvml, self.pid)
            except Exception as exc:  # a driver hiccup must not end the sampling
                log.debug("NVML sample failed: %s", exc)
                used = None
            gpu = used / _MB if used is not None else None
        with self._lock:
            self._peak_rss = rss if self._peak_rss is None else max(self._peak_rss, rss)
            if gpu is not None:
                self._peak_gpu = gpu if self._peak_gpu is None else max(self._peak_gpu, gpu)
        return True

    def _rss(self) -> float | None:
        try:
            return float(self._proc.memory_info().rss) / _MB
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return None

    def _cpu_seconds(self) -> float | None:
        try:
            times = self._proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return None
        return float(times.user + times.system)
