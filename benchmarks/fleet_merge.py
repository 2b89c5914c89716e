"""Merging a lab's runs: how long does ``foundry-bench fleet`` take for 30 devices?

30 run folders (one per device, 3 models x 4 prompts, 3,000 samples each: the synthetic run
of ``benchmarks.render_100k``, one seed per device) are written as the runner writes them;
then the fleet is built from the folder of folders (``core.analysis.fleet.load_fleet``: read
every results.json, recompute each run's summary with its bootstrap CIs, recommend per
device) and rendered as HTML and CSV. Target: the whole merge under 10 s, so the Fleet tab
and a CI job answer at once for a lab of that size.

``python -m benchmarks.fleet_merge [--quick]``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.render_100k import MODELS, write_synthetic_run
from benchmarks.table import print_table
from benchmarks.table import row as _row

DEVICES = 30
TARGET_S = 10.0


def _run(quick: bool) -> tuple[float, float, int]:
    from foundry_bench.core.analysis.fleet import load_fleet
    from foundry_bench.core.analysis.recommend import Constraints
    from foundry_bench.core.reports.fleet import render_fleet

    per_device = 600 if quick else 3000
    with tempfile.TemporaryDirectory(prefix="foundry-bench-fleet-") as tmp:
        root = Path(tmp) / "artifacts"
        for device in range(DEVICES):
            # The same synthetic run as render_100k, one seed per device; the device is the
            # folder name (the run has no label), as for a run rebuilt from its samples.
            write_synthetic_run(root / f"device-{device:02d}", per_device, seed=device)
        started = time.perf_counter()
        fleet = load_fleet([root], Constraints(max_p95_ms=800.0))
        merged = time.perf_counter() - started
        started = time.perf_counter()
        render_fleet(fleet, "html")
        render_fleet(fleet, "csv")
        rendered = time.perf_counter() - started
        if len(fleet.devices) != DEVICES or len(fleet.cells) != DEVICES * len(MODELS):
            raise RuntimeError(f"merged {len(fleet.devices)} devices, {len(fleet.cells)} cells")
    return merged, rendered, DEVICES * per_device


def run(quick: bool = False) -> list[dict[str, Any]]:
    merged, rendered, n = _run(quick)
    return [
        _row(f"fleet merge, {DEVICES} devices, {n:,} samples", merged, "s", f"< {TARGET_S:g}",
             merged < TARGET_S),
        _row("  rendering its HTML and CSV", rendered, "s", "info", True),
    ]  # fmt: skip


if __name__ == "__main__":
    rows = run(quick="--quick" in sys.argv)
    print_table(rows, decimals=2)
    sys.exit(0 if all(r["ok"] for r in rows) else 1)
