"""App start-up time to a shown window, and the app's memory when idle.

Each start is a fresh process (offscreen Qt, a fresh FOUNDRY_BENCH_HOME): the time runs from
``Popen`` until the window is exposed and has painted once, as a user would wait for it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks.table import row

CHILD = r"""
import os, sys, time
from PySide6.QtCore import QTimer
from foundry_bench.ui.app import build_window, create_application
app = create_application()
window = build_window(app)
window.show()
window.start()
def check():
    handle = window.windowHandle()
    if window.isVisible() and handle is not None and handle.isExposed():
        app.processEvents()
        import psutil
        rss = psutil.Process().memory_info().rss / 1e6
        print(f"shown {rss:.1f}", flush=True)
        window.close()
        app.quit()
    else:
        QTimer.singleShot(5, check)
QTimer.singleShot(0, check)
app.exec()
"""

STARTUP_TARGET_S = 2.0
IDLE_MEMORY_TARGET_MB = 250.0


def _start_once() -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="fb-startup-") as home:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "FOUNDRY_BENCH_HOME": home,
            "FOUNDRY_BENCH_OFFLINE": "1",
        }
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - started
        proc.wait(60)
    if not line.startswith("shown"):
        raise RuntimeError(f"the app did not show its window (exit {proc.returncode})")
    return elapsed, float(line.split()[1])


def run(quick: bool = False) -> list[dict[str, Any]]:
    results = [_start_once() for _ in range(2 if quick else 5)]
    startup = statistics.median(r[0] for r in results)
    rss = statistics.median(r[1] for r in results)
    return [
        _row("app start-up to a shown window, median", startup, "s", STARTUP_TARGET_S),
        _row("app memory idle (RSS, window shown)", rss, "MB", IDLE_MEMORY_TARGET_MB),
    ]


def _row(figure: str, value: float, unit: str, limit: float) -> dict[str, Any]:
    return row(figure, value, unit, f"<= {limit:g}", value <= limit)


if __name__ == "__main__":
    from benchmarks.table import print_table

    print_table(run(quick="--quick" in sys.argv[1:]))
