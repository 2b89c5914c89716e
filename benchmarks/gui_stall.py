"""Does the Benchmark page keep the window responsive, and does it cost the run any speed?

The real window (offscreen) benchmarks the demo model on the embedded Foundry Local runtime at
full speed (~4,000 tokens/s, a request every ~10-40 ms) through the Benchmark page, while a
10 ms timer on the GUI thread records its longest stall (``ui.self_test.Heartbeat``). Then
the same plan runs through the core runner directly, as the CLI runs it (``run_benchmark`` in
a plain thread, no page involved) while the GUI thread sits idle with the same timer: that
stall is the baseline the runtime itself causes (its inference threads and the request loop
share the machine's cores and the GIL with the GUI thread). The two runs' throughput is
compared: the median output tokens/s of their timed requests
(the median, not the mean: on a shared machine one request descheduled for 50 ms would move a
mean of ~80 requests by more than the effect measured). GUI and core runs alternate, and the
figure is the median over the pairs, so drift hits both sides alike.

Figures:
- longest GUI-thread stall while samples stream in (first to last sample batch): <= 50 ms;
- the same with the page idle and the core running the plan (baseline, for information);
- the longest stall over the whole page run, Start click and final drawing included;
- GUI-run tokens/s as a percentage of the core run's: >= 90 %.

``python -m benchmarks.gui_stall [--quick]``
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.table import row as _row

ROUNDS_QUICK, ROUNDS_FULL = 8, 20
PAIRS_QUICK, PAIRS_FULL = 2, 10
RUN_TIMEOUT_S = 300.0


def _environment() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("FOUNDRY_BENCH_OFFLINE", "1")
    os.environ.pop("FOUNDRY_LOCAL_ENDPOINT", None)
    if "FOUNDRY_BENCH_HOME" not in os.environ:
        os.environ["FOUNDRY_BENCH_HOME"] = tempfile.mkdtemp(prefix="foundry-bench-gui-stall-")


def median_output_tps(run: Any) -> float:
    values = [s.output_tps for s in run.timed_samples() if s.status == "ok" and s.output_tps]
    return statistics.median(values) if values else 0.0


class GuiRun:
    """One run through the Benchmark page, with the heartbeat's figures."""

    def __init__(self, ctx: Any, rounds: int) -> None:
        from foundry_bench.core.run.runtime import DEMO_MODEL_ID
        from foundry_bench.ui.selftest.context import Heartbeat

        self.ctx = ctx
        self.page = ctx.window.show_page("Benchmark")
        setup = self.page.setup
        ctx.wait_until(lambda: setup.prompts.model.rowCount() > 0, "the example prompts")
        ctx.wait_until(
            lambda: any(r.id == DEMO_MODEL_ID for r in setup.models.rows()), "the demo model"
        )
        setup.models.check_only([DEMO_MODEL_ID])
        setup.form.rounds.setValue(rounds)
        setup.form.warmup.setValue(1)
        self.heartbeat = Heartbeat()
        self.stream_stall_ms = 0.0
        self.run: Any = None

    def plan(self) -> Any:
        from foundry_bench.core.run.runner import RunPlan

        s = self.page.setup.setup()
        return RunPlan(models=s.models, prompts=s.prompts, settings=s.settings)

    def go(self) -> Any:
        page, ctx = self.page, self.ctx
        finished: list[Any] = []
        batches: list[int] = []
        hb = self.heartbeat

        def batch(samples: list[Any]) -> None:
            # The stall that ended just before this batch happened while samples streamed.
            if batches:
                self.stream_stall_ms = max(self.stream_stall_ms, hb.max_stall_ms)
            hb.max_stall_ms = 0.0
            batches.append(len(samples))

        page.controller.samples_added.connect(batch)
        page.run_finished.connect(lambda run, run_dir: finished.append(run))
        self.whole_stall_ms = 0.0
        for _ in range(20):  # let the page settle before the clock starts
            ctx.app.processEvents()
        hb.max_stall_ms = 0.0
        hb.start()
        try:
            if not page.start_run():
                raise RuntimeError(f"the run did not start: {page.setup.problems()}")
            whole = 0.0

            def done() -> bool:
                nonlocal whole
                whole = max(whole, hb.max_stall_ms)
                return bool(finished)

            ctx.wait_until(done, "the GUI run to finish", RUN_TIMEOUT_S)
        finally:
            hb.stop()
            page.controller.samples_added.disconnect(batch)
        self.whole_stall_ms = max(whole, hb.max_stall_ms, self.stream_stall_ms)
        self.run = finished[0]
        return self.run


def core_run(plan: Any, out_dir: Path, streaming: Any = None) -> Any:
    """The same plan through the core runner, as ``foundry-bench run`` does; ``streaming``
    (a list) gets True at the first sample and False after the last."""
    from foundry_bench.core.run.providers import EmbeddedProvider
    from foundry_bench.core.run.runner import ModelDone, RunDone, SampleDone, run_benchmark
    from foundry_bench.core.run.runtime import FoundryRuntime

    result = None
    for event in run_benchmark(plan, EmbeddedProvider(FoundryRuntime.get()), out_dir):
        if streaming is not None and isinstance(event, SampleDone) and not streaming:
            streaming.append(True)
        elif streaming is not None and isinstance(event, ModelDone):
            streaming.append(False)
        elif isinstance(event, RunDone):
            result = event.run
    return result


def core_run_beside_idle_gui(ctx: Any, plan: Any, out_dir: Path) -> tuple[Any, float]:
    """``core_run`` in a plain thread while the GUI thread only runs the heartbeat: the
    run, and the longest stall the runtime alone causes while its samples stream (model
    load and unload left out, as for the page's figure)."""
    import threading

    from foundry_bench.ui.selftest.context import Heartbeat

    done: list[Any] = []
    streaming: list[bool] = []
    thread = threading.Thread(
        target=lambda: done.append(core_run(plan, out_dir, streaming)), daemon=True
    )
    heartbeat = Heartbeat()
    worst = 0.0
    phase = "before"

    def finished() -> bool:
        nonlocal worst, phase
        if phase == "before" and streaming:
            phase, heartbeat.max_stall_ms = "streaming", 0.0
        elif phase == "streaming" and streaming[-1] is False:
            phase, worst = "after", heartbeat.max_stall_ms
        return not thread.is_alive()

    heartbeat.start()
    thread.start()
    try:
        ctx.wait_until(finished, "the core run to finish", RUN_TIMEOUT_S)
    finally:
        heartbeat.stop()
        thread.join()
    if not done:
        raise RuntimeError("the core run failed (see the log)")
    return done[0], worst


def run(quick: bool = False) -> list[dict[str, Any]]:
    _environment()
    from foundry_bench.core.run.runner import new_run_id
    from foundry_bench.ui.app import build_window, create_application
    from foundry_bench.ui.selftest.context import SelfTestContext

    app = create_application()
    window = build_window(app, embedded_only=True)
    window.resize(1280, 800)
    window.show()
    window.start()
    ctx = SelfTestContext(app, window, sys.stdout)
    view = window.models_view
    ctx.wait_until(lambda: view.runtime_url is not None, "the runtime", 120)
    rounds = ROUNDS_QUICK if quick else ROUNDS_FULL
    stream_stalls, whole_stalls, base_stalls, gui_tps, core_tps = [], [], [], [], []
    scratch = Path(tempfile.mkdtemp(prefix="foundry-bench-core-runs-"))
    try:
        for pair in range(PAIRS_QUICK if quick else PAIRS_FULL):
            gui = GuiRun(ctx, rounds)
            plan = gui.plan()
            plan.run_id = new_run_id()
            # Alternate which side goes first: whatever the first run of a pair pays (a
            # colder cache, a model load) then falls on both sides alike.
            for side in ("core", "gui") if pair % 2 == 0 else ("gui", "core"):
                if side == "core":
                    core, stall = core_run_beside_idle_gui(ctx, plan, scratch / str(plan.run_id))
                    core_tps.append(median_output_tps(core))
                    base_stalls.append(stall)
                    continue
                gui_run = gui.go()
                if gui_run.status != "completed" or gui_run.models[0].status != "ok":
                    raise RuntimeError(f"the GUI run ended {gui_run.status}: {gui_run.models[0]}")
                gui_tps.append(median_output_tps(gui_run))
                stream_stalls.append(gui.stream_stall_ms)
                whole_stalls.append(gui.whole_stall_ms)
    finally:
        window.close()
    stall = max(stream_stalls)
    whole = max(whole_stalls)
    base = max(base_stalls)
    ratio = 100.0 * statistics.median(gui_tps) / statistics.median(core_tps)
    n = len(gui_run.samples)
    return [
        _row(f"GUI stall while {n} requests stream (max)", stall, "ms", "<= 50", stall <= 50),
        _row(
            f"  median of the {len(stream_stalls)} runs' longest stall",
            statistics.median(stream_stalls),
            "ms",
            "(info)",
            True,
        ),
        _row("  baseline: same stream, core run, page idle (max)", base, "ms", "(info)", True),
        _row("GUI stall over the whole run incl. start/finish", whole, "ms", "(info)", True),
        _row(
            f"GUI-run tokens/s vs core ({statistics.median(gui_tps):.0f} vs "
            f"{statistics.median(core_tps):.0f})",
            ratio,
            "%",
            ">= 90",
            ratio >= 90.0,
        ),
    ]


if __name__ == "__main__":
    from benchmarks.table import print_table

    print_table(run(quick="--quick" in sys.argv[1:]))
