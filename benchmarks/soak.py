"""A long run against the real runtime with the demo model: memory growth and failures.

The engine (runner + endpoint) sends the requests exactly as a benchmark does, one model, a
few prompts, many rounds; the process's RSS is sampled after the warm-up and at the end, so
the figure is what a long benchmark adds, not what loading the runtime costs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GROWTH_TARGET_MB = 50.0


def run(quick: bool = False) -> list[dict[str, Any]]:
    requests = 200 if quick else 2000
    home = tempfile.mkdtemp(prefix="fb-soak-")
    os.environ.setdefault("FOUNDRY_BENCH_HOME", home)
    os.environ.setdefault("FOUNDRY_BENCH_OFFLINE", "1")
    import psutil

    from foundry_bench.core.config.models import ModelSpec
    from foundry_bench.core.config.prompts import PromptSpec
    from foundry_bench.core.results.run_settings import RunSettings
    from foundry_bench.core.run.providers import EmbeddedProvider
    from foundry_bench.core.run.runner import RunPlan, SampleDone, run_benchmark
    from foundry_bench.core.run.runtime import DEMO_MODEL_ID, FoundryRuntime

    runtime = FoundryRuntime.get()
    runtime.ensure_demo_model()
    prompts = [
        PromptSpec(id="p1", text="Summarize: the team will ship on Friday."),
        PromptSpec(id="p2", text="Explain what a benchmark is."),
    ]
    plan = RunPlan(
        models=[ModelSpec(id=DEMO_MODEL_ID)],
        prompts=prompts,
        settings=RunSettings(rounds=requests // len(prompts), warmup_rounds=5, max_tokens=64),
    )
    process = psutil.Process()
    baseline = None
    failed = 0
    tokens = 0
    started = time.perf_counter()
    out = Path(home) / "soak-run"
    for event in run_benchmark(plan, EmbeddedProvider(runtime), out):
        if isinstance(event, SampleDone):
            sample = event.sample
            if sample.warmup:
                continue
            if baseline is None:
                baseline = process.memory_info().rss / 1e6
            if sample.status != "ok":
                failed += 1
            tokens += sample.completion_tokens or 0
    elapsed = time.perf_counter() - started
    final = process.memory_info().rss / 1e6
    growth = final - (baseline or final)
    return [
        {
            "figure": f"soak: failed requests of {requests} (real runtime)",
            "value": float(failed),
            "unit": "requests",
            "target": "== 0",
            "ok": failed == 0,
        },
        {
            "figure": f"soak: memory growth over {requests} requests",
            "value": growth,
            "unit": "MB",
            "target": f"<= {GROWTH_TARGET_MB:g}",
            "ok": growth <= GROWTH_TARGET_MB,
        },
        {
            "figure": "soak: output tokens/s over the run (info)",
            "value": tokens / elapsed,
            "unit": "tok/s",
            "target": "-",
            "ok": True,
        },
    ]


if __name__ == "__main__":
    from benchmarks.table import print_table

    print_table(run(quick="--quick" in sys.argv[1:]))
