"""Self-test steps of the Reports page; run after the benchmark and quality steps.

They export every format of the current run through the page (its workers, not the core
directly), read each file back and check it, then compare the run with itself. With no
current run (the Reports steps alone), a short run of the demo model is made first through
the core runner, in a worker.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QPushButton, QWidget

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.reports.formats import FORMATS
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.run.runtime import DEMO_MODEL_ID
from foundry_bench.ui.base.workers import JobContext
from foundry_bench.ui.reports.page import ReportsPage
from foundry_bench.ui.selftest.context import SelfTestContext, SelfTestFailure, Step

RUN_TIMEOUT_S = 180.0


def _page(ctx: SelfTestContext) -> ReportsPage:
    page = ctx.window.show_page("Reports")
    if not isinstance(page, ReportsPage):
        raise SelfTestFailure("the Reports page is not the reports view")
    return page


def _make_demo_run(ctx: SelfTestContext) -> None:
    """A two-round run of the demo model through ``core.run.runner`` (in a worker)."""
    from foundry_bench.core.run.providers import EmbeddedProvider
    from foundry_bench.core.run.runner import RunDone, RunPlan, new_run_id, run_benchmark
    from foundry_bench.core.run.runtime import FoundryRuntime

    plan = RunPlan(
        models=[ModelSpec(DEMO_MODEL_ID)],
        prompts=[PromptSpec("p1", "Tell me about the sea."), PromptSpec("p2", "Count to five.")],
        settings=RunSettings(rounds=2, warmup_rounds=1, max_tokens=32, timeout_s=60.0),
        run_id=new_run_id(),
    )
    out_dir = Path(ctx.window.paths.runs_dir) / str(plan.run_id)
    made: list[tuple[Run, Path]] = []

    def task(job: JobContext) -> tuple[Run, Path] | None:
        provider = EmbeddedProvider(FoundryRuntime.get())
        for event in run_benchmark(plan, provider, out_dir, cancel=job.cancel):
            if isinstance(event, RunDone):
                return event.run, event.run_dir
        return None

    ctx.window.runner.start(
        "selftest-report-run",
        task,
        label="Self-test run for reports",
        on_finish=lambda result: made.append(result) if result else None,
    )
    ctx.wait_until(lambda: bool(made), "a demo run for the reports", RUN_TIMEOUT_S)
    ctx.window.open_run(*made[0])


def _check(fmt: str, text: str, run: Run) -> str:
    """A one-line description of a report file, or a failure if it is wrong."""
    models = [m.id for m in run.models]
    if fmt == "md":
        if not text.startswith(f"# Benchmark report: {run.run_id}") or "## Summary" not in text:
            raise SelfTestFailure("the Markdown report has no title or summary")
        return f"{len(text.splitlines())} lines"
    if fmt in ("csv", "summary-csv"):
        rows = list(csv.reader(io.StringIO(text)))
        expected = len(run.samples) if fmt == "csv" else len(models)
        if len(rows) != 1 + expected:
            raise SelfTestFailure(f"{fmt}: {len(rows) - 1} rows, expected {expected}")
        return f"{len(rows) - 1} rows"
    if fmt == "json":
        data = json.loads(text)
        if data.get("run_id") != run.run_id or len(data.get("samples", [])) != len(run.samples):
            raise SelfTestFailure("the JSON export is not this run")
        return f"{len(data['samples'])} samples"
    charts = text.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"')
    if charts < 3 or "<script" in text or "Content-Security-Policy" not in text:
        raise SelfTestFailure(f"the HTML report has {charts} charts or is not locked down")
    return f"{charts} charts, {len(text.encode()) // 1024} KB"


def step_export(ctx: SelfTestContext) -> None:
    page = _page(ctx)
    if ctx.window.ctx.current_run is None:
        ctx.say("  no current run: making one with the demo model")
        _make_demo_run(ctx)
    panel = page.export_panel
    ctx.wait_until(lambda: panel.run is not None, "the current run on the Reports page")
    run = panel.run
    assert run is not None
    ctx.wait_until(lambda: panel.model.rowCount() == len(run.models), "the recommendation")
    ctx.say(f"  {panel.best_label.text()}")
    out = Path(tempfile.mkdtemp(prefix="foundry-bench-selftest-reports-"))
    ctx.notes["reports_dir"] = out
    for fmt, (name, _text) in FORMATS.items():
        target = out / name
        _export_one(ctx, page, fmt, target)
        ctx.say(f"  {name}: {_check(fmt, target.read_text(encoding='utf-8'), run)}")


def _export_one(ctx: SelfTestContext, page: ReportsPage, fmt: str, target: Path) -> None:
    """Press the format's Export button; the save dialog answers ``target``."""
    panel = page.export_panel
    written: list[str] = []

    def on_exported(path: str, _note: str) -> None:
        written.append(path)

    panel.ask_save_path = lambda _title, _default, _filter: target
    panel.exported.connect(on_exported)
    try:
        panel.export_buttons[fmt].click()
        ctx.wait_until(lambda: bool(written), f"the {fmt} export")
    finally:
        panel.exported.disconnect(on_exported)
    if written != [str(target)]:
        raise SelfTestFailure(f"the {fmt} export wrote {written}, not {target}")


def _click_and_wait(
    ctx: SelfTestContext, button: QPushButton, done: SignalInstance, what: str
) -> None:
    """Click ``button`` as a person would and wait for the ``done`` signal it leads to."""
    results: list[object] = []

    def on_done(result: object) -> None:
        results.append(result)

    done.connect(on_done)
    try:
        button.click()
        ctx.wait_until(lambda: bool(results), what)
    finally:
        done.disconnect(on_done)


def _show_tab(page: ReportsPage, tab: QWidget, verb: str) -> Path:
    """Show ``tab``; the current run's folder, which the step will ``verb``."""
    run_dir = page.export_panel.run_dir
    if run_dir is None:
        raise SelfTestFailure(f"the current run has no folder to {verb}")
    page.tabs.setCurrentWidget(tab)
    return run_dir


def step_compare(ctx: SelfTestContext) -> None:
    page = _page(ctx)
    view = page.compare_view
    run_dir = _show_tab(page, view, "compare")
    view.select(run_dir, run_dir)
    _click_and_wait(ctx, view.compare_button, view.compared, "the comparison")
    rows = view.model.rowCount()
    if rows == 0:
        raise SelfTestFailure("the comparison table is empty")
    ctx.say(f"  {rows} rows; {view.summary_label.text()}")
    page.tabs.setCurrentWidget(page.export_panel)


def step_fleet(ctx: SelfTestContext) -> None:
    """Merge the current run as a one-device fleet: the heatmap and table show its cells."""
    page = _page(ctx)
    view = page.fleet_view
    view.add_path(_show_tab(page, view, "merge"))
    _click_and_wait(ctx, view.merge_button, view.merged, "the fleet merge")
    fleet = view.fleet
    if fleet is None or len(fleet.devices) != 1 or view.model.rowCount() != len(fleet.models):
        raise SelfTestFailure("the fleet of the current run is not one device x its models")
    if len(view.heatmap.texts()) != len(fleet.models):
        raise SelfTestFailure("the fleet heatmap does not show one value per model")
    ctx.say(f"  {fleet.devices[0].name}: {', '.join(view.heatmap.texts())}")
    page.tabs.setCurrentWidget(page.export_panel)


STEPS: list[tuple[str, Step]] = [
    ("export every report format", step_export),
    ("compare the run with itself", step_compare),
    ("merge the run as a fleet", step_fleet),
]
