"""The Benchmark page: set up a run, watch it live, read which model is fastest and steadiest.

It composes: the setup and the run history on the left; on the right the run strip (Start,
Cancel, progress, model badges), the charts, and below them the results table, the samples
drill-down and the run's log. The run is a worker (``benchmark_run``), and so is the maths
of its charts (``benchmark_live``): this page keeps the samples it is sent and hands finished
chart data to the charts, so the GUI thread spends its time waiting, not computing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QPlainTextEdit,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.analysis.chart_data import chart_data
from foundry_bench.core.analysis.columns import SampleColumns
from foundry_bench.core.results.records import Run, Sample
from foundry_bench.core.run.runner import RunPlan, new_run_id
from foundry_bench.core.settings import AppSettings
from foundry_bench.ui.base.gui_gc import building_long_lived
from foundry_bench.ui.benchmark.history import RunHistoryView
from foundry_bench.ui.benchmark.history_tasks import LoadedRun, loaded_from
from foundry_bench.ui.benchmark.live import LiveCharts, Snapshot
from foundry_bench.ui.benchmark.results_table import ResultsView
from foundry_bench.ui.benchmark.run import Progress, RunController
from foundry_bench.ui.benchmark.samples_view import SamplesView
from foundry_bench.ui.benchmark.setup import SetupPanel
from foundry_bench.ui.benchmark.status import RunStrip
from foundry_bench.ui.benchmark.sweep_panel import SweepPanel
from foundry_bench.ui.benchmark.sweep_view import SweepView
from foundry_bench.ui.benchmark.tick_memory import TickMemory
from foundry_bench.ui.charts.view import ChartsView
from foundry_bench.ui.context import AppContext

LOG_LINES = 5000


class BenchmarkPage(QWidget):
    """Signals:
    run_started(object): the ``RunPlan`` that just started.
    run_finished(object, object): the finished (or cancelled) ``Run`` and its folder.
    run_shown(object, object): a run and its folder now fill the charts and tables
        (a finished run, or a past run reopened).
    charts_updated(object): the ``ChartData`` just drawn.

    ``run_finished`` comes once the run's final charts and table are drawn.
    """

    run_started = Signal(object)
    run_finished = Signal(object, object)
    run_shown = Signal(object, object)
    charts_updated = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        runner = ctx.runner
        self.notifier = ctx.notifier
        self.setup = SetupPanel(runner, ctx.app_settings.defaults)
        self.history = RunHistoryView(runner, ctx.runs_dir())
        self.controller = RunController(runner, self)
        self.strip = RunStrip()
        self.charts = ChartsView(runner)
        self.results = ResultsView()
        self.samples = SamplesView()
        self.sweep_panel = SweepPanel()
        self.sweep_view = SweepView(runner)
        self.run_log = QPlainTextEdit()
        self.run_log.setReadOnly(True)
        self.run_log.setMaximumBlockCount(LOG_LINES)
        self.run_log.setPlaceholderText("The log of the current run appears here.")
        self.live = LiveCharts(runner, self)
        self._pending_summary: Snapshot | None = None
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(0)
        self._summary_timer.timeout.connect(self._show_summary)
        self._first_show = True
        self._finishing: tuple[Run, Path] | None = None
        self._by_model: dict[str, list[Sample]] = {}
        self.shown_run: tuple[Run, Path] | None = None
        self._layout()
        self._connect()
        self._sync_models()

    # -- building -------------------------------------------------------------------------------

    def _layout(self) -> None:
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.setup, "Setup")
        self.side_tabs.addTab(self.sweep_panel, "Sweep")
        self.side_tabs.addTab(self.history, "History")
        self.side_tabs.setMinimumWidth(320)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setDocumentMode(True)
        self.bottom_tabs.addTab(self.results, "Results")
        self.bottom_tabs.addTab(self.samples, "Samples")
        self.bottom_tabs.addTab(self.sweep_view, "Sweep")
        self.bottom_tabs.addTab(self.run_log, "Run log")
        right_split = QSplitter(Qt.Orientation.Vertical)
        right_split.addWidget(self.charts)
        right_split.addWidget(self.bottom_tabs)
        right_split.setStretchFactor(0, 3)
        right_split.setStretchFactor(1, 2)
        right_split.setSizes([600, 400])
        right_split.setChildrenCollapsible(False)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.strip)
        right_layout.addWidget(right_split, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.side_tabs)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 900])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

    def _connect(self) -> None:
        self.strip.start_button.clicked.connect(self.start_run)
        self.strip.cancel_button.clicked.connect(self.cancel_run)
        self.setup.changed.connect(self._setup_changed)
        self.sweep_panel.changed.connect(self._setup_changed)
        self.sweep_panel.start_requested.connect(self.start_sweep)
        c = self.controller
        c.run_started.connect(self._run_started)
        c.model_status_changed.connect(self._model_status)
        c.samples_added.connect(self._samples_added)
        c.progress_changed.connect(self._progress)
        c.log_added.connect(lambda lines: self.run_log.appendPlainText("\n".join(lines)))
        c.run_finished.connect(self._run_finished)
        c.run_failed.connect(self._run_failed)
        self.live.computed.connect(self._draw)
        self.live.compute_failed.connect(self._charts_failed)
        self.history.run_loaded.connect(self.show_loaded_run)
        self.history.run_renamed.connect(self._run_renamed)
        self.results.model_activated.connect(self.show_samples_of)
        self.ctx.settings_saved.connect(self._settings_saved)
        self.ctx.run_opened.connect(self._run_opened)
        TickMemory(self.setup.models, self.ctx.ui_settings)
        models = self.ctx.models
        for signal in (models.modelReset, models.dataChanged, models.rowsInserted):
            signal.connect(self._sync_models)
        self.charts.chart_exported.connect(
            lambda name, path: self.notifier.info(f"Chart {name} saved to {path}")
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._first_show:
            # Disk work waits until someone looks at the page.
            self._first_show = False
            if not self.setup.prompts.model.rowCount():
                self.setup.load_example_prompts()
            self.history.refresh()
            last = self.ctx.ui_settings.last_run
            if last and self.ctx.current_run is None and Path(last).is_dir():
                self.history.open_run(Path(last))  # where the last session left off

    # -- setup ----------------------------------------------------------------------------------

    def _sync_models(self, *_args: object) -> None:
        rows = self.ctx.models.rows()
        usable = [r.id for r in rows if r.origin != "catalog" or r.entry.cached]
        self.setup.models.sync_available(usable)

    def _setup_changed(self) -> None:
        if not self.controller.running:
            problems = self.setup.problems()
            self.strip.start_button.setEnabled(not problems)
            self.strip.start_button.setToolTip(
                problems[0] if problems else "Run the benchmark set up on the left"
            )
            self.sweep_panel.check(self.setup.setup().models, self.setup.setup().settings)

    def _settings_saved(self, settings: AppSettings) -> None:
        self.history.set_runs_dir(self.ctx.runs_dir())
        self.history.refresh()

    # -- running --------------------------------------------------------------------------------

    def start_run(self) -> bool:
        """Start the run set up on the left; False (and the reason shown) if it cannot."""
        if self.controller.running:
            return False
        problems = self.setup.problems()
        if problems:
            self.strip.show_message(problems[0])
            self.side_tabs.setCurrentWidget(self.setup)
            return False
        s = self.setup.setup()
        # The device label is this machine's (File > Settings), whatever the setup came from.
        settings = replace(s.settings, label=self.ctx.app_settings.defaults.label)
        plan = RunPlan(models=s.models, prompts=s.prompts, settings=settings, run_id=new_run_id())
        return self._launch(plan)

    def start_sweep(self) -> bool:
        """Start the Sweep tab's sweep with the Setup tab's models and settings."""
        s = self.setup.setup()
        settings = replace(s.settings, label=self.ctx.app_settings.defaults.label)
        plan = self.sweep_panel.plan(s.models, settings)
        if plan is None or self.controller.running:
            return False
        return self._launch(plan)

    def _launch(self, plan: RunPlan) -> bool:
        out_dir = self.ctx.runs_dir() / str(plan.run_id)
        self._begin(plan)
        self.controller.start(plan, self.ctx.provider_factory(), out_dir)
        self.history.busy_dir = out_dir
        self.run_started.emit(plan)
        return True

    def cancel_run(self) -> None:
        if self.controller.running:
            self.strip.set_cancelling()
            self.controller.cancel()

    def _begin(self, plan: RunPlan) -> None:
        model_ids = [m.id for m in plan.models]
        self.live.stop()
        self._finishing = None
        self._by_model = {m: [] for m in model_ids}
        self.shown_run = None
        self.run_log.clear()
        self.strip.set_running(True)
        self.strip.reset_models(model_ids)
        self.strip.show_message("Starting…")
        self.setup.set_enabled_for_run(True)
        self.sweep_panel.set_enabled_for_run(True)
        self.samples.reset(self._by_model, {p.id: p.text for p in plan.prompts})
        self.results.model.clear()
        self.sweep_view.clear()
        # Nothing to compute yet: empty charts with the run's models, drawn at once.
        empty = SampleColumns()
        empty.set_order(model_ids, [p.id for p in plan.prompts])
        self.charts.set_data(chart_data(empty.columns(), empty.models, empty.prompts))

    def _run_started(self, run: Run, run_dir: Path) -> None:
        # The runner keeps changing its own Run in the worker; LiveCharts keeps a copy.
        self.live.begin(run)

    def _model_status(self, model_id: str, status: str, error: str) -> None:
        self.strip.set_model_status(model_id, status, error)
        self.live.set_status(model_id, status, error)

    def _samples_added(self, samples: list[Sample]) -> None:
        for s in samples:
            self._by_model.setdefault(s.model, []).append(s)
        self.live.add(samples)
        self.samples.add(samples)

    def _progress(self, p: Progress) -> None:
        self.strip.show_progress(p)
        if self.controller.cancelling:
            self.strip.set_cancelling()

    def _draw(self, snapshot: Snapshot) -> None:
        # While a run goes, the charts and the table are drawn in separate turns of the
        # event loop (each paint then holds the GUI thread for one chart, not all at once).
        self.charts.set_data(snapshot.data, staggered=not snapshot.final)
        self._pending_summary = snapshot
        if snapshot.final:
            self._show_summary()
        else:
            self._summary_timer.start()
        self.charts_updated.emit(snapshot.data)
        if snapshot.final and self._finishing is not None:
            run, run_dir = self._finishing
            self._finishing = None
            self._finished(run, run_dir)

    def _show_summary(self) -> None:
        snapshot, self._pending_summary = self._pending_summary, None
        if snapshot is not None and any(e["n_ok"] + e["n_failed"] for e in snapshot.summary):
            self.results.model.set_summary(snapshot.summary, snapshot.models)

    def _charts_failed(self, _message: str) -> None:
        # The run is saved whatever the charts do; finish without its final drawing.
        if self._finishing is not None:
            run, run_dir = self._finishing
            self._finishing = None
            self._finished(run, run_dir)

    def _run_finished(self, run: Run, run_dir: Path) -> None:
        # The final charts and table come from the run itself (its summary is the one in
        # results.json, so a reopened run shows exactly these numbers): drawn, then done.
        self._finishing = (run, run_dir)
        self.live.finish(run)

    def _finished(self, run: Run, run_dir: Path) -> None:
        self._end_run()
        p = self.controller.progress()
        self.strip.show_finished(p.done, p.total, p.elapsed_s, run.status)
        n_ok = sum(1 for s in run.timed_samples() if s.status == "ok")
        self.strip.show_message(f"Run {run.run_id} {run.status}: {n_ok} timed requests ok")
        self.strip.current_label.setToolTip(f"Saved in {run_dir}")
        self.notifier.info(f"Benchmark {run.status}: results in {run_dir}")
        self.shown_run = (run, run_dir)
        self._show_sweep(run)
        for record in run.models:  # the Models page shows the newest load, not an old one
            if record.load_time_s is not None:
                self.ctx.models.set_load_time(record.id, record.load_time_s)
        self.history.refresh()
        self.run_finished.emit(run, run_dir)
        self.run_shown.emit(run, run_dir)
        self.ctx.open_run(run, run_dir)

    def _run_failed(self, message: str) -> None:
        self.live.stop()
        self._end_run()
        self.strip.show_message(f"The run stopped: {message}")
        self.history.refresh()

    def _end_run(self) -> None:
        self.strip.set_running(False)
        self.setup.set_enabled_for_run(False)
        self.sweep_panel.set_enabled_for_run(False)
        self.history.busy_dir = None
        self._setup_changed()

    # -- past runs ------------------------------------------------------------------------------

    def show_loaded_run(self, loaded: LoadedRun) -> None:
        """Fill the charts and tables with a reopened run (everything computed in a worker),
        then make it the window's current run."""
        if self.controller.running:
            self.notifier.error("A benchmark is running; open past runs when it ends")
            return
        self.show_run_data(loaded)
        self.run_shown.emit(loaded.run, loaded.run_dir)
        self.ctx.open_run(loaded.run, loaded.run_dir)

    def show_run_data(self, loaded: LoadedRun) -> None:
        """This page's part of reopening a run: charts, table, samples, badges."""
        run = loaded.run
        self.live.stop()
        # In steps: a 100,000-sample run's charts each take a turn of the event loop.
        self.charts.set_data(loaded.charts, staggered=True, live=False)
        self.charts_updated.emit(loaded.charts)
        self.results.model.set_summary(loaded.summary, run.models)
        self.samples.reset(loaded.by_model, loaded.prompts)
        self.strip.reset_models([m.id for m in run.models])
        for m in run.models:
            self.strip.set_model_status(m.id, m.status, m.error or "")
        self.strip.set_progress(len(run.samples), len(run.samples), "%v requests")
        self.strip.eta_label.setText("")
        self.strip.show_message(f"Reopened run {loaded.run_dir.name} ({run.status})")
        self.shown_run = (run, loaded.run_dir)
        self._show_sweep(run)

    def _show_sweep(self, run: Run) -> None:
        self.sweep_view.show_run(run)
        if run.sweep is not None:
            self.bottom_tabs.setCurrentWidget(self.sweep_view)

    def _run_opened(self, run: Run, run_dir: Path) -> None:
        self.ctx.ui_settings.last_run = str(run_dir)
        if self.controller.running or (self.shown_run and self.shown_run[0] is run):
            return
        # Opened elsewhere (the Reports page): its charts are computed in a worker.
        self.ctx.runner.start(
            "benchmark-show-run",
            lambda _job: _loaded_from(run, run_dir),
            label=f"Show run {run_dir.name}",
            on_finish=self._show_opened,
        )

    def _show_opened(self, loaded: LoadedRun) -> None:
        current = self.ctx.current_run
        if not self.controller.running and current is not None and current[0] is loaded.run:
            self.show_run_data(loaded)
            self.run_shown.emit(loaded.run, loaded.run_dir)

    def _run_renamed(self, old: Path, new: Path) -> None:
        if self.shown_run is not None and self.shown_run[1] == old:
            self.shown_run = (self.shown_run[0], new)
            self.ctx.open_run(self.shown_run[0], new)

    def show_samples_of(self, model_id: str) -> None:
        self.samples.show_model(model_id)
        self.bottom_tabs.setCurrentWidget(self.samples)


def _loaded_from(run: Run, run_dir: Path) -> LoadedRun:
    with building_long_lived():
        return loaded_from(run, run_dir)
