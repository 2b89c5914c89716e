"""Self-test steps of the Benchmark page; run after the base steps.

A short benchmark of the demo model through the page at the runtime's full speed, in a runtime
host process (the frozen app runs itself with its host flag), then every chart drawn once,
with one ``chart <name>: <points> points`` line each.
"""

from __future__ import annotations

from foundry_bench.core.run.runtime import DEMO_MODEL_ID
from foundry_bench.ui.benchmark.page import BenchmarkPage
from foundry_bench.ui.selftest.context import SelfTestContext, SelfTestFailure, Step

ROUNDS = 3
WARMUP = 1
RUN_TIMEOUT_S = 180.0


def _page(ctx: SelfTestContext) -> BenchmarkPage:
    page = ctx.window.show_page("Benchmark")
    if not isinstance(page, BenchmarkPage):
        raise SelfTestFailure("the Benchmark page is not the benchmark view")
    return page


def step_run(ctx: SelfTestContext) -> None:
    page = _page(ctx)
    setup = page.setup
    ctx.wait_until(lambda: setup.prompts.model.rowCount() > 0, "the example prompts")
    ctx.wait_until(
        lambda: any(r.id == DEMO_MODEL_ID for r in setup.models.rows()),
        "the demo model in the run setup",
    )
    setup.models.check_only([DEMO_MODEL_ID])
    setup.form.rounds.setValue(ROUNDS)
    setup.form.warmup.setValue(WARMUP)
    finished: list[tuple[object, object]] = []
    page.run_finished.connect(lambda run, run_dir: finished.append((run, run_dir)))
    if not page.start_run():
        raise SelfTestFailure(f"the run did not start: {'; '.join(setup.problems())}")
    ctx.wait_until(lambda: bool(finished), "the benchmark to finish", RUN_TIMEOUT_S)
    run = page.shown_run[0] if page.shown_run else None
    if run is None or run.status != "completed":
        raise SelfTestFailure(f"the run ended {getattr(run, 'status', 'without a result')}")
    model = run.models[0]
    if model.status != "ok":
        raise SelfTestFailure(f"{model.id}: {model.status}: {model.error}")
    if model.peak_rss_mb is None or model.load_time_s is None:
        # Only a runtime host process (the app started again with its host flag) has these.
        raise SelfTestFailure(f"{model.id} was not benchmarked in a runtime host")
    entry = page.results.model.entries()[0]
    latency, tps = entry["latency_s"]["p50"], entry["output_tps"]["p50"]
    ctx.say(
        f"  {len(run.samples)} requests, latency p50 {latency * 1000:.0f} ms, "
        f"{tps:.0f} output tokens/s (p50); runtime host: load {model.load_time_s:.3f} s, "
        f"peak RSS {model.peak_rss_mb:.0f} MB"
    )
    ctx.notes["benchmark_run"] = finished[0]


def step_charts(ctx: SelfTestContext) -> None:
    page = _page(ctx)
    for name in page.charts.shown():
        chart = page.charts.show_chart(name)
        ctx.app.processEvents()
        if chart.plot.grab().isNull():
            raise SelfTestFailure(f"chart {name} did not render")
        if chart.points <= 0:
            raise SelfTestFailure(f"chart {name} has no points")
        ctx.say(f"chart {name}: {chart.points} points")
    page.charts.show_chart("latency_box")


STEPS: list[tuple[str, Step]] = [
    ("benchmark the demo model", step_run),
    ("render every chart", step_charts),
]
