"""A benchmark run in a worker, its events delivered to the GUI in batches.

The core runner (``core.run.runner.run_benchmark``) runs in a worker thread through the window's
``JobRunner`` and writes the run folder there; the reports are written there too once it ends.
Each event crosses to the GUI thread as it happens, and :class:`RunController` only queues it;
a timer (~10 Hz) turns the queue into a few signals, so a model answering in milliseconds
costs the GUI thread one list append per request, not a redraw.

Two ways to stop: :meth:`RunController.cancel` is the user's Cancel (the in-flight request is
cancelled, the runner saves everything so far with status ``cancelled``, and the run ends
normally with ``run_finished``); cancelling the job itself (the window closing, or a new run
replacing this one) stops the same way but, as for every job, nothing reaches the GUI after it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from foundry_bench.core.reports.formats import write_reports
from foundry_bench.core.results.records import Sample
from foundry_bench.core.run.in_flight import AnyEvent
from foundry_bench.core.run.providers import EmbeddedProvider, ProviderFactory
from foundry_bench.core.run.runner import (
    Log,
    ModelDone,
    ModelStarted,
    RunDone,
    RunPlan,
    RunStarted,
    SampleDone,
    run_benchmark,
)
from foundry_bench.ui.base.workers import JobContext, JobRunner

JOB_KIND = "benchmark-run"
BATCH_MS = 100


def benchmark_task(
    plan: RunPlan, make_provider: ProviderFactory, out_dir: Path, stop: threading.Event
) -> Callable[[JobContext], Generator[object, None, RunDone | None]]:
    """The job: every runner event is yielded; the final ``RunDone`` is the return value,
    after the reports are written."""

    def task(ctx: JobContext) -> Generator[object, None, RunDone | None]:
        cancel = AnyEvent(ctx.cancel, stop)
        provider = make_provider()
        if isinstance(provider, EmbeddedProvider):
            provider.cancel = cancel  # Cancel also stops a model still loading in its host
        done: RunDone | None = None
        for event in run_benchmark(plan, provider, out_dir, cancel=cancel):
            if isinstance(event, RunDone):
                done = event
            else:
                yield event
        if done is not None:
            try:
                write_reports(done.run, done.run_dir, html=True)
            except Exception as exc:  # the run itself is saved; a report is a by-product
                yield Log(logging.WARNING, f"reports not written: {exc}")
        return done

    return task


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed_s: float
    eta_s: float | None
    model: str
    prompt: str
    model_index: int
    model_count: int


class RunController(QObject):
    """Starts a benchmark and reports it in batches.

    Signals:
        run_started(object, object): the ``Run`` (as it starts) and its folder.
        model_status_changed(str, str, str): model id, status, error ("" when none).
        samples_added(list): ``Sample`` objects finished since the last batch.
        progress_changed(object): a :class:`Progress`.
        log_added(list): new log lines (str).
        run_finished(object, object): the final ``Run`` (completed or cancelled) and folder.
        run_failed(str): the run could not go on (a one-line reason).
    """

    run_started = Signal(object, object)
    model_status_changed = Signal(str, str, str)
    samples_added = Signal(list)
    progress_changed = Signal(object)
    log_added = Signal(list)
    run_finished = Signal(object, object)
    run_failed = Signal(str)

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._stop = threading.Event()
        self._pending: list[object] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BATCH_MS)
        self._timer.timeout.connect(self.flush)
        self._reset()

    def _reset(self) -> None:
        self._started_at = 0.0
        self._done = self._total = 0
        self._model = self._prompt = ""
        self._model_index = self._model_count = 0
        self.run_dir: Path | None = None

    @property
    def running(self) -> bool:
        return self._runner.is_running(JOB_KIND)

    @property
    def cancelling(self) -> bool:
        return self.running and self._stop.is_set()

    def start(self, plan: RunPlan, make_provider: ProviderFactory, out_dir: Path) -> None:
        self._pending.clear()
        self._reset()
        self._stop = threading.Event()
        self._started_at = time.perf_counter()
        self._total = plan.total_requests()
        self.run_dir = out_dir
        self._runner.start(
            JOB_KIND,
            benchmark_task(plan, make_provider, out_dir, self._stop),
            label="Benchmark",
            on_yield=self._queue,
            on_finish=self._finished,
            on_error=self._failed,
        )

    def cancel(self) -> None:
        """Stop within the request in flight; what is done is kept (``run_finished`` follows)."""
        if self.running:
            self._stop.set()

    def abort(self) -> None:
        """Stop and drop everything still on its way (nothing is emitted afterwards)."""
        self._stop.set()
        self._runner.cancel(JOB_KIND)
        self._timer.stop()
        self._pending.clear()

    # -- batching -------------------------------------------------------------------------------

    def _queue(self, event: object) -> None:
        self._pending.append(event)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        self._timer.stop()
        events, self._pending = self._pending, []
        samples: list[Sample] = []
        lines: list[str] = []
        for event in events:
            if isinstance(event, SampleDone):
                samples.append(event.sample)
                self._done, self._total = event.done, event.total
                self._prompt = event.sample.prompt_id
                continue
            if samples:  # keep the order of model changes and samples
                self.samples_added.emit(samples)
                samples = []
            self._deliver(event, lines)
        if samples:
            self.samples_added.emit(samples)
        if lines:
            self.log_added.emit(lines)
        if events:
            self.progress_changed.emit(self.progress())

    def _deliver(self, event: object, lines: list[str]) -> None:
        if isinstance(event, RunStarted):
            self._total = event.total_requests
            lines.append(
                f"run {event.run.run_id}: {len(event.run.models)} model(s), "
                f"{event.total_requests} requests -> {event.run_dir}"
            )
            self.run_started.emit(event.run, event.run_dir)
        elif isinstance(event, ModelStarted):
            self._model = event.model.id
            self._model_index, self._model_count = event.index, event.count
            lines.append(f"[{event.index + 1}/{event.count}] {event.model.id}")
            self.model_status_changed.emit(event.model.id, "running", "")
        elif isinstance(event, ModelDone):
            m = event.model
            lines.append(f"{m.id}: {m.status}" + (f" ({m.error})" if m.error else ""))
            self.model_status_changed.emit(m.id, m.status, m.error or "")
        elif isinstance(event, Log):
            level = logging.getLevelName(event.level).lower()
            lines.append(f"{level}: {event.message}")

    def progress(self) -> Progress:
        elapsed = time.perf_counter() - self._started_at if self._started_at else 0.0
        eta = None
        if self._done and self._total >= self._done:
            eta = elapsed / self._done * (self._total - self._done)
        return Progress(
            done=self._done,
            total=self._total,
            elapsed_s=elapsed,
            eta_s=eta,
            model=self._model,
            prompt=self._prompt,
            model_index=self._model_index,
            model_count=self._model_count,
        )

    def _finished(self, done: Any) -> None:
        self.flush()
        if isinstance(done, RunDone):
            for record in done.run.models:
                self.model_status_changed.emit(record.id, record.status, record.error or "")
            self.log_added.emit([f"run {done.run.run_id}: {done.run.status}"])
            self.run_finished.emit(done.run, done.run_dir)
        else:
            self.run_failed.emit("the run ended without a result")

    def _failed(self, message: str) -> None:
        self.flush()
        self.log_added.emit([f"error: {message}"])
        self.run_failed.emit(message)
