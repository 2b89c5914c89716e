"""Self-test steps of the Quality page; run after the base and benchmark steps.

They score answers of the current run through the real view with key presses and read
``annotations.json`` back from disk after every press, as a user who kills the app would
find it. With no current run (the benchmark steps made none), a tiny run of the demo model is
made first through the same engine the CLI uses, in a worker.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.run.runtime import DEMO_MODEL_ID
from foundry_bench.ui.base.workers import JobContext
from foundry_bench.ui.quality.page import QualityPage
from foundry_bench.ui.selftest.context import SelfTestContext, SelfTestFailure, Step

RUN_JOB = "selftest-quality-run"
KEYS = (Qt.Key.Key_4, Qt.Key.Key_3, Qt.Key.Key_5, Qt.Key.Key_2, Qt.Key.Key_4, Qt.Key.Key_1)


def step_make_run(ctx: SelfTestContext) -> None:
    window = ctx.window
    if window.ctx.current_run is not None:
        ctx.say("  using the run the benchmark made")
        return
    from foundry_bench.core.run.runner import new_run_id

    out_dir = window.paths.runs_dir / f"self-test-quality-{new_run_id()}"

    def task(job: JobContext) -> object:
        from foundry_bench.core.run.providers import EmbeddedProvider
        from foundry_bench.core.run.runner import RunDone, RunPlan, run_benchmark
        from foundry_bench.core.run.runtime import FoundryRuntime

        runtime = FoundryRuntime.get()
        runtime.ensure_demo_model()
        plan = RunPlan(
            models=[ModelSpec(DEMO_MODEL_ID)],
            prompts=[
                PromptSpec("sea", "Tell me about the sea.", ("mentions water",)),
                PromptSpec("fruit", "List three fruits."),
            ],
            settings=RunSettings(rounds=2, warmup_rounds=0, max_tokens=24),
        )
        done = None
        for event in run_benchmark(plan, EmbeddedProvider(runtime), out_dir, cancel=job.cancel):
            if isinstance(event, RunDone):
                done = event
        return done

    results: list[object] = []
    window.runner.start(RUN_JOB, task, label="Self-test run", on_finish=results.append)
    ctx.wait_until(lambda: bool(results), "a demo-model run to score", timeout_s=120)
    done = results[0]
    if done is None:
        raise SelfTestFailure("the demo-model run did not finish")
    window.open_run(done.run, done.run_dir)  # type: ignore[attr-defined]
    ctx.say(f"  made run {done.run.run_id} with the demo model")  # type: ignore[attr-defined]


def step_score_with_keys(ctx: SelfTestContext) -> None:
    page = ctx.window.show_page("Quality")
    if not isinstance(page, QualityPage):
        raise SelfTestFailure("the Quality page is not the scoring page")
    session, view = page.session, page.scoring
    ctx.wait_until(lambda: session.ready or session.problem is not None, "the run's scores read")
    if not session.ready or session.path is None:
        raise SelfTestFailure(f"no run to score ({session.problem or 'no current run'})")
    if not session.order:
        raise SelfTestFailure("the run has no answers to score")
    path: Path = session.path
    for key in KEYS:
        sample, crit = session.current_sample(), session.focused_criterion()
        if sample is None or crit is None:
            raise SelfTestFailure("nothing focused to score")
        value = int(key) - int(Qt.Key.Key_0)
        ctx.app.sendEvent(
            view, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)
        )
        # Saved in the background: read the file as soon as the window says it is saved.
        if not page.ctx.saves.flush(5.0):
            raise SelfTestFailure(f"score {value} for {crit.id} was not saved within 5 s")
        on_disk = _scores(path)
        if on_disk.get((sample.key, crit.id)) != value:
            raise SelfTestFailure(f"score {value} for {crit.id} is not in {path} after the key")
    answers = {k for k, _c in _scores(path)}
    ctx.say(f"  {len(KEYS)} scores by key press, each on disk once saved ({len(answers)} answers)")
    ctx.say(f"  {page.progress_label.text()}; file {path}")


def step_resume(ctx: SelfTestContext) -> None:
    page = ctx.window.show_page("Quality")
    assert isinstance(page, QualityPage)
    session = page.session
    where = (session.current_sample(), session.focused_criterion())
    if session.run is None or session.run_dir is None or None in where:
        raise SelfTestFailure("no position to resume")
    opened: list[bool] = []
    session.opened.connect(lambda: opened.append(True), Qt.ConnectionType.SingleShotConnection)
    page.open_run(session.run, session.run_dir)  # read everything back from disk
    ctx.wait_until(lambda: bool(opened), "the run's scores read again")
    again = (session.current_sample(), session.focused_criterion())
    if again != where:
        raise SelfTestFailure("reopening the run did not resume at the same answer")
    ctx.say("  reopened: resumed at the same answer and criterion")
    ctx.window.show_page("Models")


def _scores(path: Path) -> dict[tuple[str, str], int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SelfTestFailure(f"{path} cannot be read back: {exc}") from exc
    return {(s["sample_key"], s["criterion"]): s["score"] for s in data.get("scores", [])}


STEPS: list[tuple[str, Step]] = [
    ("quality: a run to score", step_make_run),
    ("quality: score answers with the keyboard", step_score_with_keys),
    ("quality: reopen and resume", step_resume),
]
