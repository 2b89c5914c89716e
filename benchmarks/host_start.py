"""What a runtime host costs before its model loads: process start, runtime init, web service.

That cost is outside every benchmark figure (``load_time_s`` is the load alone), but a run pays
it once per model. Each start is a fresh host for the demo model in a fresh FOUNDRY_BENCH_HOME,
offline; the stop is the time from closing its stdin to its exit (unload included).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from typing import Any

from benchmarks.table import row

HOST_START_TARGET_S = 1.5


def _once() -> tuple[float, float, float, float]:
    from foundry_bench.core.run.host_process import RuntimeHost
    from foundry_bench.core.run.runtime import DEMO_MODEL_ID, FoundryRuntime

    host = RuntimeHost(DEMO_MODEL_ID)
    FoundryRuntime.get().ensure_demo_model()
    ready = host.start()
    stopping = time.perf_counter()
    host.stop()
    return ready.host_start_s, ready.start_s, ready.load_time_s, time.perf_counter() - stopping


def run(quick: bool = False) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="fb-host-") as home:
        os.environ["FOUNDRY_BENCH_HOME"] = home
        os.environ["FOUNDRY_BENCH_OFFLINE"] = "1"
        results = [_once() for _ in range(3 if quick else 7)]
    start, inside, load, stop = (statistics.median(r[i] for r in results) for i in range(4))
    return [
        row(
            "runtime host start (spawn to web service), median",
            start,
            "s",
            f"<= {HOST_START_TARGET_S:g}",
            start <= HOST_START_TARGET_S,
        ),
        row("  of which runtime init + web service in the host", inside, "s", "info", True),
        row("demo model cold load in a fresh host, median", load, "s", "info", True),
        row("runtime host stop (unload and exit), median", stop, "s", "info", True),
    ]


if __name__ == "__main__":
    from benchmarks.table import print_table

    print_table(run(quick="--quick" in sys.argv[1:]))
