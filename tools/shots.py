"""What the screenshot scripts share: their options, the real window, a demo-model run.

Each script runs under Xvfb (see its docstring) with a throw-away FOUNDRY_BENCH_HOME in offline
mode, so it never touches the user's data or the network.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any


def parser(doc: str | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    p.add_argument("out", type=Path, help="folder for the PNG files")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=800)
    return p


def open_window(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The app's real window, shown and started: ``(app, window, SelfTestContext)``."""
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["FOUNDRY_BENCH_HOME"] = tempfile.mkdtemp(prefix="foundry-bench-shots-")
    os.environ.setdefault("FOUNDRY_BENCH_OFFLINE", "1")

    from foundry_bench.ui.app import build_window, create_application
    from foundry_bench.ui.selftest.context import SelfTestContext

    app = create_application()
    window = build_window(app, embedded_only=True)
    window.resize(args.width, args.height)
    window.show()
    window.start()
    return app, window, SelfTestContext(app, window, sys.stdout)


def demo_run(window: Any, ctx: Any, name: str, *, rounds: int = 3, max_tokens: int = 128) -> Any:
    """Benchmark the demo model on the example prompts in a worker (the same engine as
    ``foundry-bench run``), make it the window's current run, and return its ``RunDone``."""
    from foundry_bench.core.config.models import ModelSpec
    from foundry_bench.core.config.prompts import load_prompts
    from foundry_bench.core.paths import examples_dir
    from foundry_bench.core.results.run_settings import RunSettings
    from foundry_bench.core.run.providers import EmbeddedProvider
    from foundry_bench.core.run.runner import RunDone, RunPlan, run_benchmark
    from foundry_bench.core.run.runtime import DEMO_MODEL_ID, FoundryRuntime

    plan = RunPlan(
        [ModelSpec(DEMO_MODEL_ID)],
        load_prompts(examples_dir() / "prompts.json").items,
        RunSettings(rounds=rounds, warmup_rounds=1, max_tokens=max_tokens),
    )
    run_dir = window.paths.runs_dir / name

    def bench(job: object) -> object:
        done = None
        for event in run_benchmark(plan, EmbeddedProvider(FoundryRuntime.get()), run_dir):
            if isinstance(event, RunDone):
                done = event
        return done

    results: list[Any] = []
    window.runner.start("shots-run", bench, on_finish=results.append)
    ctx.wait_until(lambda: bool(results), "the demo run", timeout_s=300)
    done = results[0]
    window.open_run(done.run, done.run_dir)
    return done
