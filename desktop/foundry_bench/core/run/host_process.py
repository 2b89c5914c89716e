"""The runtime host, parent side: start a host for one model, watch it, stop it, measure it.

Each model a run (or "Try it") uses gets a fresh host process (``core.run.runtime_host``), so
its load time is a cold load and its memory is its own: Foundry Local keeps most memory after
an unload, and a native crash (onnxruntime, a bad model, the OOM killer) ends the host, not
the app. The parent talks to the host over HTTP like any OpenAI-compatible endpoint.

Host start (runtime init + web service) is outside every figure; ``load_time_s`` is the load
alone, timed inside the host.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from foundry_bench.core.paths import app_paths
from foundry_bench.core.run.host_meter import HostMeter, HostUsage, exact_peak_from_wait4
from foundry_bench.core.run.runtime_errors import RuntimeFailure
from foundry_bench.core.run.runtime_host import HOST_FLAG, PROTOCOL_PREFIX, SOURCE_FLAG

log = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0
LOAD_TIMEOUT_S = 900.0  # a multi-GB model from a slow disk
STOP_TIMEOUT_S = 10.0
HOST_LOG = "runtime-host.log"
HOST_LOG_MAX_BYTES = 5_000_000


class CancelFlag(Protocol):
    """A cancel event (``threading.Event``, or the GUI's either-of-two events)."""

    def is_set(self) -> bool: ...


class HostCancelled(RuntimeFailure):
    """The host was stopped before its model was ready."""


@dataclass(frozen=True)
class HostReady:
    """A host serving its model."""

    url: str
    base_url: str
    model_id: str
    alias: str | None
    load_time_s: float
    memory_delta_mb: float | None
    start_s: float  # runtime init + web service, timed inside the host
    host_start_s: float  # from spawning the process to its web service answering, as waited


def host_command() -> list[str]:
    """How to start a host: the frozen app runs itself, a source tree ``python -m``."""
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable)
        # The windowed Windows build has no usable stdio; its console twin does.
        console = exe.with_name(f"{exe.stem}-cli{exe.suffix}")
        return [str(console if sys.platform == "win32" and console.is_file() else exe)]
    return [sys.executable, "-m", "foundry_bench"]


def _child_env() -> dict[str, str]:
    """The parent's environment (folders, offline mode, catalog URL), with this package
    first on the path so a source-tree child imports the same code."""
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):
        package_root = str(Path(__file__).resolve().parents[3])
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p
        )
    return env


def exit_description(status: int) -> str:
    """``signal 9`` or ``exit code 3`` for a returncode (negative = killed by a signal)."""
    if status < 0:
        return f"signal {-status}"
    return f"exit code {status}"


class RuntimeHost:
    """One host process for one model. Start with :meth:`start`; always :meth:`stop`.

    ``pid`` and :meth:`ended` are safe to call from any thread.
    """

    def __init__(self, model_id: str, *, source: str = "local") -> None:
        self.model_id = model_id
        self.source = source
        self.ready: HostReady | None = None
        self.meter: HostMeter | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader: threading.Thread | None = None
        self._returncode: int | None = None
        self._stopping = False
        self._usage: HostUsage | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(
        self,
        cancel: CancelFlag | None = None,
        *,
        start_timeout_s: float = START_TIMEOUT_S,
        load_timeout_s: float = LOAD_TIMEOUT_S,
    ) -> HostReady:
        """Start the host and wait until its model is loaded; stops it again on any failure."""
        spawned = time.perf_counter()
        try:
            self._spawn()
            started = self._wait_for("started", start_timeout_s, cancel)
            host_start_s = time.perf_counter() - spawned
            loaded = self._wait_for("loaded", load_timeout_s, cancel)
        except BaseException:
            self.stop(kill=True)  # a host that is not ready has nothing to unload
            raise
        if self.meter is not None:
            self.meter.loaded()
        self.ready = HostReady(
            url=str(started["url"]),
            base_url=str(loaded["base_url"]),
            model_id=str(loaded["model"]),
            alias=loaded.get("alias"),
            load_time_s=float(loaded["load_time_s"]),
            memory_delta_mb=loaded.get("memory_delta_mb"),
            start_s=float(started["start_s"]),
            host_start_s=host_start_s,
        )
        return self.ready

    def _spawn(self) -> None:
        logs = app_paths().logs_dir
        log_file = logs / HOST_LOG
        with contextlib.suppress(OSError):  # keep one old log, not an ever-growing one
            if log_file.stat().st_size > HOST_LOG_MAX_BYTES:
                os.replace(log_file, log_file.with_name(HOST_LOG + ".1"))
        args = [*host_command(), HOST_FLAG, self.model_id, SOURCE_FLAG, self.source]
        extra: dict[str, Any] = {}
        if sys.platform == "win32":
            extra["creationflags"] = (
                subprocess.CREATE_NO_WINDOW | subprocess.CREATE_NEW_PROCESS_GROUP
            )
        else:
            extra["start_new_session"] = True  # the terminal's Ctrl-C is for the parent
        try:
            logs.mkdir(parents=True, exist_ok=True)
            with open(log_file, "ab") as stderr:
                self._proc = subprocess.Popen(
                    args,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    env=_child_env(),
                    **extra,
                )
        except OSError as exc:  # the executable is gone, no process left, a full logs disk
            message = f"cannot start a runtime process for {self.model_id}: {exc}"
            raise RuntimeFailure(message) from exc
        try:
            self.meter = HostMeter(self._proc.pid)
        except Exception as exc:  # psutil cannot see it: it died at once
            log.debug("cannot measure host %s: %s", self._proc.pid, exc)
        assert self._proc.stdout is not None
        self._reader = threading.Thread(
            target=self._read, args=(self._proc.stdout,), name="host-reader", daemon=True
        )
        self._reader.start()

    def _read(self, stdout: IO[bytes]) -> None:
        prefix = PROTOCOL_PREFIX.encode()
        for raw in stdout:
            if not raw.startswith(prefix):
                continue
            try:
                message = json.loads(raw[len(prefix) :])
            except ValueError:
                continue
            if isinstance(message, dict):
                self._events.put(message)
        self._events.put(None)  # end of output: the host is ending

    def _wait_for(self, event: str, timeout_s: float, cancel: CancelFlag | None) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            if cancel is not None and cancel.is_set():
                raise HostCancelled(f"{self.model_id}: cancelled while the runtime host started")
            try:
                message = self._events.get(timeout=0.05)
            except queue.Empty:
                if time.monotonic() > deadline:
                    raise RuntimeFailure(
                        f"{self.model_id}: the runtime host sent no {event!r} "
                        f"within {timeout_s:.0f} s"
                    ) from None
                continue
            if message is None:
                self._reap(block=True)
                raise RuntimeFailure(self.ended() or "runtime process ended")
            if message.get("event") == "failed":
                raise RuntimeFailure(str(message.get("message") or "the runtime host failed"))
            if message.get("event") == event:
                return message

    # -- liveness and exit ----------------------------------------------------------------------

    def ended(self, wait_s: float = 0.0) -> str | None:
        """Why the host ended on its own ("runtime process ended (signal 9)"), or None while it
        runs or when it was stopped by us. ``wait_s`` gives a dying host time to be reaped."""
        self._reap(block=wait_s > 0, timeout_s=wait_s)
        with self._lock:
            if self._returncode is None or self._stopping:
                return None
            return f"runtime process ended ({exit_description(self._returncode)})"

    def _reap(self, *, block: bool, timeout_s: float = STOP_TIMEOUT_S) -> bool:
        """Collect the exit status (and, where it exists, wait4's peak RSS) once it exited."""
        proc = self._proc
        with self._lock:
            if proc is None or self._returncode is not None:
                return True
        if exact_peak_from_wait4():
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                except ChildProcessError:  # reaped elsewhere: no figures, but it is gone
                    pid, status, usage = proc.pid, 0, None
                if pid:
                    code = os.waitstatus_to_exitcode(status)
                    proc.returncode = code  # Popen must not wait for it again
                    if self.meter is not None:
                        self.meter.reaped(usage.ru_maxrss if usage is not None else None)
                    break
                if not block or time.monotonic() > deadline:
                    return False
                time.sleep(0.01)
        else:
            if block:
                try:
                    proc.wait(timeout_s)
                except subprocess.TimeoutExpired:
                    return False
            elif proc.poll() is None:
                return False
            code = proc.returncode
        with self._lock:
            self._returncode = code
        return True

    # -- what the runner marks and reads (core.run.providers.ModelMonitor) -----------------

    def timed_started(self) -> None:
        if self.meter is not None:
            self.meter.timed_started()

    def timed_stopped(self) -> None:
        if self.meter is not None:
            self.meter.timed_stopped()

    def usage(self) -> HostUsage | None:
        """The figures once :meth:`stop` returned (None before, or when unmeasurable)."""
        return self._usage

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            if self._returncode is not None:
                return
        with contextlib.suppress(OSError):
            if exact_peak_from_wait4():
                os.kill(proc.pid, 9)  # not Popen.kill: its poll() would reap it without rusage
            else:
                proc.kill()

    def stop(self, *, kill: bool = False) -> HostUsage | None:
        """Tell the host to unload and exit (close its stdin), wait, and return its figures.

        A host that does not exit in time (or at once, with ``kill``) is killed. Safe to call
        twice.
        """
        proc = self._proc
        if proc is None:
            return None
        with self._lock:
            self._stopping = self._stopping or self._returncode is None
        if self.meter is not None and self._returncode is None:
            self.meter.before_exit()
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        if kill or not self._reap(block=True):
            if not kill:
                log.warning("runtime host %s did not exit; killing it", proc.pid)
            self._kill(proc)
            self._reap(block=True)
        if self._reader is not None:
            self._reader.join(STOP_TIMEOUT_S)
            self._reader = None
        if proc.stdout is not None:
            proc.stdout.close()
        meter, self.meter = self.meter, None
        if meter is not None:
            self._usage = meter.finish()
        return self._usage
