"""The one way the GUI runs anything slow: a task in a worker thread, results as signals.

A task is a function ``task(ctx) -> value`` or a generator function (its yields become
``yielded`` signals, its ``return`` value the ``finished`` one). It runs in a worker thread and
gets a :class:`JobContext`: ``ctx.cancel`` is a ``threading.Event`` to check between steps (and
to hand to calls that take one, like the SDK's download), ``ctx.report(value)`` emits
``yielded`` from a callback.

Why Python threads and not ``QThread``: a native SDK call (load, download) cannot be
interrupted, and a ``QThread`` destroyed while still running aborts the whole process, so an
app closed during a 30 s load would crash instead of quitting. A daemon Python thread lets the
app quit after a bounded wait. Python also keeps track of its own threads, whereas Python code
run on a Qt-created thread leaves a ``Dummy-N`` entry in ``threading.enumerate()`` forever.
Only signals cross the thread boundary: the worker emits an internal signal whose receiver
lives on the GUI thread, and that receiver drops everything once the job is cancelled, so
nothing reaches a view after ``cancel()`` returns (Orange's ``TaskState`` does the same).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

from foundry_bench.ui.base.notifier import Notifier

log = logging.getLogger(__name__)

_YIELDED, _FINISHED, _ERRORED = 0, 1, 2

_registry_lock = threading.Lock()
_registry: set[threading.Thread] = set()


def running_threads() -> list[threading.Thread]:
    """Worker threads that are still running (the test harness fails a test that leaves one)."""
    with _registry_lock:
        return [t for t in _registry if t.is_alive()]


@dataclass(frozen=True)
class JobContext:
    """What a task gets: the cancel flag and a thread-safe way to report progress."""

    cancel: threading.Event
    report: Callable[[object], None]

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()


Task = Callable[[JobContext], Any]


def describe_error(exc: BaseException) -> str:
    """A one-line message for a person; our own exceptions already read that way."""
    text = str(exc).strip()
    if type(exc).__module__.startswith("foundry_bench") and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Job(QObject):
    """One run of a task in a worker thread.

    Signals:
        yielded(object): a value the task yielded or reported.
        finished(object): the task's return value; emitted once, when it completes.
        errored(str): a one-line message when the task raised (the traceback is logged).

    After :meth:`cancel` none of them is emitted, even for values already in flight.
    """

    yielded = Signal(object)
    finished = Signal(object)
    errored = Signal(str)
    # Emitted on the worker thread; a queued connection delivers it on the GUI thread.
    _relay = Signal(int, object)

    def __init__(self, kind: str, task: Task, label: str | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.label = label or kind
        self._task = task
        self._cancel = threading.Event()
        self._cancelled = False
        self._done = False
        self.worker_thread: threading.Thread | None = None
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def done(self) -> bool:
        """True once ``finished`` or ``errored`` was delivered, or the job was cancelled."""
        return self._done or self._cancelled

    def start(self) -> None:
        safe_name = "".join(c if c.isalnum() or c in "-_.:" else "_" for c in self.kind)
        thread = threading.Thread(target=self._run, name=f"fb-worker-{safe_name}", daemon=True)
        self.worker_thread = thread
        with _registry_lock:
            _registry.add(thread)
        thread.start()

    def cancel(self) -> None:
        """Ask the task to stop and drop anything it still sends (call on the GUI thread)."""
        self._cancelled = True
        self._cancel.set()

    def wait(self, timeout_s: float) -> bool:
        """Join the worker thread; True if it ended within ``timeout_s``."""
        if self.worker_thread is None:
            return True
        self.worker_thread.join(timeout_s)
        return not self.worker_thread.is_alive()

    def _run(self) -> None:
        ctx = JobContext(self._cancel, lambda value: self._emit(_YIELDED, value))
        try:
            result = self._task(ctx)
            if inspect.isgenerator(result):
                result = self._drain(result, ctx)
            self._emit(_FINISHED, result)
        except Exception as exc:
            if not self._cancel.is_set():
                log.debug("job %s failed", self.label, exc_info=True)
                self._emit(_ERRORED, describe_error(exc))
        finally:
            with _registry_lock:
                _registry.discard(threading.current_thread())

    def _drain(self, gen: Any, ctx: JobContext) -> Any:
        try:
            while True:
                if ctx.cancelled:
                    gen.close()
                    return None
                self._emit(_YIELDED, next(gen))
        except StopIteration as stop:
            return stop.value

    def _emit(self, kind: int, payload: object) -> None:
        if not self._cancel.is_set():
            self._relay.emit(kind, payload)

    @Slot(int, object)
    def _deliver(self, kind: int, payload: object) -> None:
        if self._cancelled or self._done:
            return
        if kind == _YIELDED:
            self.yielded.emit(payload)
        elif kind == _FINISHED:
            self._done = True
            self.finished.emit(payload)
        else:
            self._done = True
            self.errored.emit(str(payload))


def _disconnect_all(job: Job) -> None:
    for signal in (job.yielded, job.finished, job.errored):
        with warnings.catch_warnings():
            # PySide warns when a signal has no connection left to drop; that is fine here.
            warnings.simplefilter("ignore", RuntimeWarning)
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect()


class JobRunner(QObject):
    """Starts jobs by kind; a new job of a kind cancels and disconnects the one before it.

    Every failure goes to the notifier (status bar + log); callers add their own ``on_error``
    only to restore their widgets.

    Signals:
        busy_changed(int): the number of jobs in flight changed.
    """

    busy_changed = Signal(int)

    def __init__(self, notifier: Notifier | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._notifier = notifier
        self._jobs: dict[str, Job] = {}
        # Cancelled jobs whose threads may still be finishing; kept so shutdown can wait.
        self._retired: list[Job] = []

    def start(
        self,
        kind: str,
        task: Task,
        *,
        label: str | None = None,
        on_yield: Callable[[Any], None] | None = None,
        on_finish: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> Job:
        self.cancel(kind)
        job = Job(kind, task, label)
        # Forget the job first, so the caller's handlers already see it as not running.
        job.finished.connect(lambda _r, j=job: self._forget(j))
        job.errored.connect(lambda _m, j=job: self._forget(j))
        job.errored.connect(lambda message, j=job: self._report_error(j, message))
        if on_yield is not None:
            job.yielded.connect(on_yield)
        if on_finish is not None:
            job.finished.connect(on_finish)
        if on_error is not None:
            job.errored.connect(on_error)
        self._jobs[kind] = job
        job.start()
        self.busy_changed.emit(len(self._jobs))
        return job

    def cancel(self, kind: str) -> bool:
        """Cancel the job of this kind, if any; True if there was one."""
        job = self._jobs.pop(kind, None)
        if job is None:
            return False
        job.cancel()
        _disconnect_all(job)
        self._retire(job)
        self.busy_changed.emit(len(self._jobs))
        return True

    def is_running(self, kind: str) -> bool:
        return kind in self._jobs

    def job(self, kind: str) -> Job | None:
        return self._jobs.get(kind)

    def kinds(self) -> list[str]:
        return list(self._jobs)

    def shutdown(self, timeout_s: float = 3.0) -> bool:
        """Cancel everything and wait for the threads; False if some did not end in time."""
        for kind in list(self._jobs):
            self.cancel(kind)
        deadline = time.monotonic() + timeout_s
        stuck = []
        for job in self._retired:
            if not job.wait(max(0.0, deadline - time.monotonic())):
                stuck.append(job.label)
        self._retired = []
        if stuck:
            log.warning("still running at shutdown (left to end with the app): %s", stuck)
        return not stuck

    def _forget(self, job: Job) -> None:
        # A job can finish after its window (and so this runner) was destroyed; the lambda
        # that calls us is not tied to our lifetime, so check before touching Qt.
        if not shiboken6.isValid(self):
            return
        if self._jobs.get(job.kind) is job:
            del self._jobs[job.kind]
            self.busy_changed.emit(len(self._jobs))
        self._retire(job)

    def _retire(self, job: Job) -> None:
        # Keep a job until its thread has ended, so shutdown can still join it.
        self._retired = [j for j in self._retired if j.worker_thread and j.worker_thread.is_alive()]
        if job.worker_thread is not None and job.worker_thread.is_alive():
            self._retired.append(job)

    def _report_error(self, job: Job, message: str) -> None:
        if self._notifier is not None:
            self._notifier.error(f"{job.label}: {message}")
        else:
            log.error("%s: %s", job.label, message)
