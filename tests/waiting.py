"""Waiting for something outside Qt (a file, a child process, a thread) in a test.

One polling loop with a deadline instead of a fixed sleep: the test goes on as soon as the
condition holds, and a condition that never holds fails with what was awaited. GUI tests use
``qtbot.waitUntil`` / ``qtbot.waitSignal`` instead: those keep the Qt event loop running.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout_s: float = 5.0,
    interval_s: float = 0.02,
    what: str | None = None,
) -> T:
    """Call ``predicate`` every ``interval_s`` until it returns a true value; return that value.

    After ``timeout_s`` this raises ``AssertionError`` naming ``what`` (or the predicate) and
    its last result. An exception from ``predicate`` propagates at once, so a predicate can
    fail early (say, when the process it waits on has died).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            name = what or getattr(predicate, "__qualname__", repr(predicate))
            raise AssertionError(
                f"timed out after {timeout_s:g} s waiting for {name} (last result: {result!r})"
            )
        time.sleep(interval_s)
