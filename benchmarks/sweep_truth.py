"""Does the sweep recover what a server really does? Errors against a scripted truth.

The scripted server (``tests/scripted_server.py``) counts one prompt token per word plus a
template overhead and makes the first token wait ``PREFILL_S`` per prompt token; a second
scenario streams at a fixed rhythm to any number of requests at once. A sweep over both
(prompt sizes 128..2048, concurrency 1, 2, 4) prints:

- the recovered prefill cost (slope of TTFT on prompt tokens) and its error (target < 10%);
- the worst miss of a sample's prompt tokens against its point's target (target < 10%);
- aggregate throughput at 4 in flight over 1 in flight (truth: 4).

``python -m benchmarks.sweep_truth [--quick]``
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.table import print_table
from benchmarks.table import row as _row
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.providers import ExternalProvider
from foundry_bench.core.run.runner import run_benchmark
from foundry_bench.core.sweep.analysis import sweep_results
from foundry_bench.core.sweep.grid import SweepGrid
from foundry_bench.core.sweep.plan import SweepPlan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from scripted_server import Scenario, ScriptedServer

PREFILL_S = 0.0001
SCENARIO = Scenario(
    ttft_s=0.01,
    gap_s=0.002,
    tokens=400,
    count_prompt=True,
    prompt_tokens=23,
    prefill_s_per_token=PREFILL_S,
)


def run(quick: bool = False) -> list[dict[str, Any]]:
    grid = SweepGrid((128, 512, 1024, 2048), (128,), concurrency=(1, 2, 4))
    rounds = 4 if quick else 12
    with tempfile.TemporaryDirectory() as tmp, ScriptedServer({"m": SCENARIO}) as srv:
        plan = SweepPlan(
            models=[ModelSpec(id="m")],
            prompts=[],
            settings=RunSettings(rounds=rounds, warmup_rounds=1, max_tokens=128, concurrency=4),
            grid=grid,
            probe_context=False,
        )
        list(run_benchmark(plan, ExternalProvider(srv.base_url), Path(tmp)))
        run_ = load_run(Path(tmp))
    (result,) = sweep_results(run_) or []
    if result.prefill is None:
        raise RuntimeError("no prefill fit")
    slope = result.prefill.slope_s_per_token
    error = 100.0 * abs(slope - PREFILL_S) / PREFILL_S
    by_id = {p["id"]: p for p in (run_.sweep or {})["points"]}
    miss = max(
        abs(s.prompt_tokens - by_id[s.prompt_id]["prompt_tokens"])
        / by_id[s.prompt_id]["prompt_tokens"]
        for s in run_.timed_samples()
        if s.prompt_tokens is not None
    )
    rate = {p.concurrency: p.throughput_tps or 0.0 for p in result.series("concurrency")}
    scale = rate[4] / rate[1] if rate.get(1) else 0.0
    return [
        _row(
            "sweep: recovered prefill cost", slope * 1e6, "us/token", f"{PREFILL_S * 1e6:g}", True
        ),
        _row("sweep: prefill cost error", error, "%", "< 10", error < 10.0),
        _row("sweep: worst prompt-size miss", 100.0 * miss, "%", "< 10", miss < 0.10),
        _row("sweep: throughput 4 / 1 in flight", scale, "x", "~4", scale > 3.0),
    ]


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv[1:]), decimals=2)
