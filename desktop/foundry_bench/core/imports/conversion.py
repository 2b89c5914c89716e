"""Running the conversion process: its progress as events, cancel, and what it cost.

The child (``foundry_bench.core.imports.child``) gets a new session on POSIX so a Ctrl-C in
the terminal reaches only the parent, which then decides: it kills the child and the caller
removes the output. Its stderr goes to a log file in the work folder; its last lines explain
a child that died without saying why (killed for memory, a crash in a native library).
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from foundry_bench.core.imports.errors import ImportCancelled, ImportFailure
from foundry_bench.core.imports.protocol import ConversionEvent, ConversionJob, decode_event

CHILD_COMMAND: tuple[str, ...] = (sys.executable, "-m", "foundry_bench.core.imports.child")
POLL_S = 0.1
EXIT_GRACE_S = 60.0
_STDERR_TAIL = 4000


@dataclass(frozen=True)
class ConversionCost:
    wall_s: float
    peak_rss_mb: float | None  # the child's largest resident set (with its own children)


def run_conversion(
    job: ConversionJob,
    cancel: threading.Event,
    on_event: Callable[[ConversionEvent], None],
    *,
    command: Sequence[str] = CHILD_COMMAND,
) -> ConversionCost:
    """Run ``job`` in a child process; ``ImportFailure`` or ``ImportCancelled`` if it fails.

    Returns once the child has exited; it is never left running, whatever happens here
    (an exception in ``on_event`` or a KeyboardInterrupt included).
    """
    log_path = Path(job.work) / "conversion.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*command, job.to_json()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false"},
            start_new_session=os.name == "posix",
        )
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(proc, lines), daemon=True)
    reader.start()
    peak = _PeakMemory(proc.pid)
    outcome: ConversionEvent | None = None
    try:
        while True:
            if cancel.is_set():
                raise ImportCancelled("import cancelled; its partial output was removed")
            peak.sample_every(POLL_S)
            try:
                line = lines.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if line is None:
                _wait_for_exit(proc, cancel)
                break
            event = decode_event(line)
            if event is None:
                continue
            if event.kind == "step":
                on_event(event)
            else:
                outcome = event
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
    cost = ConversionCost(time.perf_counter() - started, peak.peak_mb)
    if outcome is not None and outcome.kind == "done" and proc.returncode == 0:
        return cost
    raise ImportFailure(_failure_message(outcome, proc.returncode, log_path))


def _wait_for_exit(proc: subprocess.Popen[bytes], cancel: threading.Event) -> None:
    """The child closed its output; give it time to exit rather than kill a finished job."""
    deadline = time.monotonic() + EXIT_GRACE_S
    while proc.poll() is None and time.monotonic() < deadline:
        if cancel.is_set():
            raise ImportCancelled("import cancelled; its partial output was removed")
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=POLL_S)


def _read_lines(proc: subprocess.Popen[bytes], lines: queue.Queue[str | None]) -> None:
    assert proc.stdout is not None
    try:
        for raw in proc.stdout:
            lines.put(raw.decode("utf-8", errors="replace"))
    except (OSError, ValueError):
        pass  # the pipe was closed under us: the child is gone
    finally:
        lines.put(None)


def _failure_message(outcome: ConversionEvent | None, code: int | None, log: Path) -> str:
    if outcome is not None and outcome.kind == "error" and outcome.message:
        return f"conversion failed: {outcome.message}"
    tail = _tail(log)
    if code is not None and code < 0:
        signal_note = " (killed; out of memory?)" if code == -9 else ""
        return f"the conversion process died with signal {-code}{signal_note}{tail}"
    return f"the conversion process ended with exit code {code} without finishing{tail}"


def _tail(log: Path) -> str:
    with contextlib.suppress(OSError):
        text = log.read_bytes()[-_STDERR_TAIL:].decode("utf-8", errors="replace").strip()
        lines = [line for line in text.splitlines() if line.strip()]
        if lines:
            return f": {lines[-1][:500]}"
    return ""


class _PeakMemory:
    """The child's peak RSS (with any children of its own), sampled while we wait for it."""

    def __init__(self, pid: int) -> None:
        self.peak_mb: float | None = None
        self._last = 0.0
        try:
            self._process: psutil.Process | None = psutil.Process(pid)
        except psutil.Error:
            self._process = None

    def sample_every(self, interval_s: float) -> None:
        now = time.monotonic()
        if self._process is None or now - self._last < interval_s:
            return
        self._last = now
        try:
            total = self._process.memory_info().rss
            for child in self._process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
        except psutil.Error:
            return
        mb = total / 1_000_000
        self.peak_mb = mb if self.peak_mb is None else max(self.peak_mb, mb)
