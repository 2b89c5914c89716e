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
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TextIO

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from foundry_bench.core.paths import demo_model_dir
from foundry_bench.core.run.runtime import DEMO_MODEL_ID
from foundry_bench.ui.base.notifier import ERROR
from foundry_bench.ui.main_window import PAGES, MainWindow
from foundry_bench.ui.models.table_model import format_seconds

STEP_TIMEOUT_S = 60.0
PROMPT = "Tell me about the sea."


class SelfTestFailure(Exception):
    pass


class Heartbeat(QObject):
    """A fast timer on the GUI thread; a late tick is a stall of that thread."""

    def __init__(self, interval_ms: int = 10, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.max_stall_ms = 0.0
        self.ticks = 0
        self._last: float | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._tick()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            stall = (now - self._last) * 1000 - self.interval_ms
            self.max_stall_ms = max(self.max_stall_ms, stall)
            self.ticks += 1
        self._last = now


@dataclass
class SelfTestContext:
    app: QApplication
    window: MainWindow
    out: TextIO
    errors: list[str] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def check(self) -> None:
        if self.errors:
            raise SelfTestFailure(self.errors[0])

    def wait_until(
        self, predicate: Callable[[], bool], what: str, timeout_s: float = STEP_TIMEOUT_S
    ) -> None:
        """Run the event loop until ``predicate()`` holds; fail on timeout or on an error."""
        deadline = time.monotonic() + timeout_s
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(5)

        def check() -> None:
            if self.errors or predicate() or time.monotonic() > deadline:
                loop.quit()

        poll.timeout.connect(check)
        poll.start()
        check()
        if not (self.errors or predicate()):
            loop.exec()
        poll.stop()
        self.check()
        if not predicate():
            raise SelfTestFailure(f"timed out after {timeout_s:.0f} s waiting for {what}")


Step = Callable[[SelfTestContext], None]


def step_window(ctx: SelfTestContext) -> None:
    if not ctx.window.isVisible():
        raise SelfTestFailure("the main window is not visible")
    if not (demo_model_dir() / "genai_config.json").is_file():
        raise SelfTestFailure(f"the demo model is missing ({demo_model_dir()})")
    view = ctx.window.models_view
    ctx.wait_until(lambda: view.runtime_url is not None, "the runtime to start")
    ctx.say(f"  runtime serving at {view.runtime_url}")


def step_models_listed(ctx: SelfTestContext) -> None:
    view = ctx.window.models_view
    ctx.wait_until(lambda: view.model.row(DEMO_MODEL_ID) is not None, "the demo model row")
    ctx.wait_until(lambda: view.catalog_state is not None and not view.listing, "the lists")
    ctx.say(f"  {len(view.model.rows())} model(s) listed")


def step_load(ctx: SelfTestContext) -> None:
    view = ctx.window.models_view
    if not view.select(DEMO_MODEL_ID):
        raise SelfTestFailure("cannot select the demo model")
    if not view.load_action.isEnabled():
        row = view.model.row(DEMO_MODEL_ID)
        if not (row and row.entry.loaded):
            raise SelfTestFailure("Load is disabled for the demo model")
    view.load_action.trigger()
    ctx.wait_until(lambda: _loaded(ctx) is True, "the demo model to load")
    row = view.model.row(DEMO_MODEL_ID)
    load_time = format_seconds(row.load_time_s) if row else "?"
    ctx.say(f"  {DEMO_MODEL_ID} loaded in {load_time}")


def step_try_it(ctx: SelfTestContext) -> None:
    panel = ctx.window.models_view.try_it
    replies: list[object] = []
    panel.reply_finished.connect(replies.append)
    panel.prompt.setText(PROMPT)
    ctx.wait_until(panel.send_button.isEnabled, "the Send button")
    panel.send_button.click()
    ctx.wait_until(lambda: bool(replies), "the streamed reply")
    text = panel.output.toPlainText()
    if not text.strip():
        raise SelfTestFailure("the reply is empty")
    preview = " ".join(text.split())[:60]
    ctx.say(f"  reply ({len(text)} chars): {preview!r}")


def step_unload(ctx: SelfTestContext) -> None:
    view = ctx.window.models_view
    view.select(DEMO_MODEL_ID)
    ctx.wait_until(view.unload_action.isEnabled, "the Unload action")
    view.unload_action.trigger()
    ctx.wait_until(lambda: _loaded(ctx) is False, "the demo model to unload")


def step_pages(ctx: SelfTestContext) -> None:
    for name in PAGES:
        page = ctx.window.show_page(name)
        ctx.app.processEvents()
        if not page.isVisible():
            raise SelfTestFailure(f"the {name} page does not show")
    ctx.window.show_page("Models")


def _loaded(ctx: SelfTestContext) -> bool | None:
    row = ctx.window.models_view.model.row(DEMO_MODEL_ID)
    if row is None or row.busy:
        return None
    return row.entry.loaded


STEPS: list[tuple[str, Step]] = [
    ("open the window", step_window),
    ("list models", step_models_listed),
    ("load the demo model", step_load),
    ("try it: stream a reply", step_try_it),
    ("unload the demo model", step_unload),
    ("show every page", step_pages),
]


# Each feature page keeps its own steps in its own module; they run after the base steps,
# in this order (the benchmark makes the run that quality scoring and reports use).
FEATURE_STEP_MODULES = (
    "foundry_bench.ui.selftest.benchmark",
    "foundry_bench.ui.selftest.quality",
    "foundry_bench.ui.selftest.reports",
)


def all_steps() -> list[tuple[str, Step]]:
    import importlib

    steps = list(STEPS)
    for name in FEATURE_STEP_MODULES:
        steps += importlib.import_module(name).STEPS
    return steps


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
