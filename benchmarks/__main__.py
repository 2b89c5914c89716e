"""``python -m benchmarks [--quick]``: every performance figure with its target, one table.

Exits 1 when any figure misses its target. Figures are printed, not asserted in tests: these
machines are noisy, so compare ratios measured in the same run.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from typing import Any

from benchmarks.table import print_table

MODULES = (
    "benchmarks.timing_accuracy",
    "benchmarks.harness_throughput",
    "benchmarks.startup_memory",
    "benchmarks.host_start",
    "benchmarks.gui_stall",
    "benchmarks.render_100k",
    "benchmarks.soak",
    "benchmarks.annotations_save",
    "benchmarks.fleet_merge",
    "benchmarks.json_nesting",
    "benchmarks.import_smollm2",
    "benchmarks.sweep_truth",
)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for name in MODULES:
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(name)
            rows += module.run(quick=quick)
        except Exception as exc:
            traceback.print_exc()
            rows.append(
                {
                    "figure": f"{name}: did not run ({type(exc).__name__}: {exc})",
                    "value": float("nan"),
                    "unit": "",
                    "target": "runs",
                    "ok": False,
                }
            )
        print(f"# {name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    print_table(rows)
    missed = [r for r in rows if not r["ok"]]
    elapsed = time.perf_counter() - started
    print(
        f"benchmarks: {len(rows) - len(missed)} of {len(rows)} figures met their targets "
        f"in {elapsed:.0f} s{' (quick)' if quick else ''}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
