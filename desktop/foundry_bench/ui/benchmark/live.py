"""Charts and statistics of a run in progress, computed in a worker, at most 2.5 times a second.

The page hands over samples as batches arrive; :class:`LiveCharts` keeps them and, on a timer,
gives a worker a snapshot (a copy of the run so far) to turn into ``ChartData`` and the summary
table. The GUI thread only copies a list and, when the worker is done, calls ``setData``. The
next computation waits ten times as long as the last one took, so even a run of 100,000 samples
never keeps a core busy with charts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from foundry_bench.core.analysis.chart_data import ChartData, run_chart_data
from foundry_bench.core.analysis.stats import summarize
from foundry_bench.core.results.records import ModelRecord, Run, Sample
from foundry_bench.ui.base.workers import JobContext, JobRunner

JOB_KIND = "benchmark-charts"
MIN_INTERVAL_MS = 400
#: A computation may keep a core busy at most 1/BUDGET of the time.
BUDGET = 10


@dataclass(frozen=True)
class Snapshot:
    data: ChartData
    summary: list[dict[str, Any]]
    models: list[ModelRecord]
    final: bool
    cost_s: float


def compute(run: Run, final: bool) -> Snapshot:
    """Chart data and summary of ``run`` (runs in a worker). A finished run keeps the summary
    the runner stored, so the table shows exactly what ``results.json`` says."""
    started = time.perf_counter()
    data = run_chart_data(run)
    summary = run.summary if final and run.summary is not None else summarize(run)
    return Snapshot(data, summary, run.models, final, time.perf_counter() - started)


class LiveCharts(QObject):
    """Signals:
    computed(object): a :class:`Snapshot` to draw.
    compute_failed(str): a computation raised (the notifier has the message too).
    """

    computed = Signal(object)
    compute_failed = Signal(str)

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._run: Run | None = None
        self._dirty = False
        self._cost_s = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start_job)

    @property
    def busy(self) -> bool:
        return self._runner.is_running(JOB_KIND) or self._timer.isActive()

    def begin(self, run: Run) -> None:
        """A new run: its id, start, settings, models and prompts (no samples yet)."""
        self.stop()
        self._run = replace(run, models=[replace(m) for m in run.models], samples=[], summary=None)
        self._cost_s = 0.0

    def add(self, samples: list[Sample]) -> None:
        if self._run is None:
            return
        self._run.samples.extend(samples)
        self._schedule()

    def set_status(self, model_id: str, status: str, error: str) -> None:
        record = self._run.model(model_id) if self._run else None
        if record is not None:
            record.status = status  # type: ignore[assignment]
            record.error = error or None

    def finish(self, run: Run) -> None:
        """The run ended: compute its final charts now (``computed`` with ``final=True``)."""
        self._timer.stop()
        self._run = None
        self._runner.start(
            JOB_KIND,
            lambda ctx: compute(run, final=True),
            label="Chart the run",
            on_finish=self._computed,
            on_error=self.compute_failed.emit,
        )

    def stop(self) -> None:
        self._timer.stop()
        self._runner.cancel(JOB_KIND)
        self._run = None
        self._dirty = False

    def _schedule(self) -> None:
        if self._runner.is_running(JOB_KIND):
            self._dirty = True  # draw again once the computation in flight is shown
        elif not self._timer.isActive():
            self._timer.start(max(MIN_INTERVAL_MS, int(self._cost_s * 1000 * BUDGET)))

    def _start_job(self) -> None:
        if self._run is None:
            return
        live = self._run
        # A snapshot: the worker must never see these lists grow under it.
        snapshot = replace(
            live, models=[replace(m) for m in live.models], samples=list(live.samples)
        )
        self._dirty = False

        def task(ctx: JobContext) -> Snapshot:
            return compute(snapshot, final=False)

        self._runner.start(
            JOB_KIND,
            task,
            label="Chart the run",
            on_finish=self._computed,
            on_error=self.compute_failed.emit,
        )

    def _computed(self, snapshot: Snapshot) -> None:
        self._cost_s = snapshot.cost_s
        self.computed.emit(snapshot)
        if self._dirty and self._run is not None:
            self._dirty = False
            self._schedule()
