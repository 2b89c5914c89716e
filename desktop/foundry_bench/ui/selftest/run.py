"""``foundry-bench --self-test``: drive the real window through its main path, offscreen.

Packaging runs it against the frozen app, so it uses only what ships. Each step is a function
of :class:`SelfTestContext`; later features append theirs to :data:`STEPS`. A step waits with
:meth:`SelfTestContext.wait_until` (a local event loop, so the GUI keeps running) and fails by
raising :class:`SelfTestFailure`. Any error posted to the notifier and any exception escaping a
slot fails the step too. A heartbeat timer records the longest stall of the GUI thread.

Output: one line per step, then ``self-test ok`` and ``max_ui_stall_ms=<N>`` as the last lines
(exit 0); on failure ``self-test FAILED: <step>: <reason>`` (exit 1).
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from PySide6.QtWidgets import QApplication

from foundry_bench.ui.base.notifier import ERROR
from foundry_bench.ui.main_window import MainWindow
from foundry_bench.ui.selftest import base, benchmark, quality, reports
from foundry_bench.ui.selftest.context import Heartbeat, SelfTestContext, SelfTestFailure, Step


def all_steps() -> list[tuple[str, Step]]:
    """The base steps, then each page's own (the benchmark makes the run that quality
    scoring and reports use)."""
    return [*base.STEPS, *benchmark.STEPS, *quality.STEPS, *reports.STEPS]


def run_self_test(app: QApplication, window: MainWindow, out: TextIO = sys.stdout) -> int:
    ctx = SelfTestContext(app, window, out)
    window.notifier.message_posted.connect(
        lambda text, level: ctx.errors.append(text) if level == ERROR else None
    )
    previous_hook = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        ctx.errors.append(f"unhandled {kind.__name__}: {exc}")
        previous_hook(kind, exc, tb)

    sys.excepthook = hook
    heartbeat = Heartbeat()
    app.processEvents()
    heartbeat.start()
    current = "start"
    try:
        for current, step in all_steps():
            started = time.perf_counter()
            ctx.say(f"self-test: {current}")
            step(ctx)
            ctx.check()
            ctx.say(f"  ok ({time.perf_counter() - started:.2f} s)")
        current = "close the window"
        window.close()
        ctx.check()
    except SelfTestFailure as exc:
        ctx.say(f"self-test FAILED: {current}: {exc}")
        return 1
    except Exception as exc:
        ctx.say(f"self-test FAILED: {current}: {type(exc).__name__}: {exc}")
        return 1
    finally:
        heartbeat.stop()
        sys.excepthook = previous_hook
        if window.isVisible():
            window.close()
    ctx.say("self-test ok")
    ctx.say(f"max_ui_stall_ms={heartbeat.max_stall_ms:.0f}")
    return 0
