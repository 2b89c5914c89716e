"""What every self-test step gets: the app, the window, a way to wait and to fail.

Steps are plain functions of a :class:`SelfTestContext`; they drive the real window the way a
user would and raise :class:`SelfTestFailure` with what they saw.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from foundry_bench.ui.main_window import MainWindow

STEP_TIMEOUT_S = 60.0


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
