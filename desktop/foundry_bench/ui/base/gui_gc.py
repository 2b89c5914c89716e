"""Python's cyclic garbage collector, run on the GUI thread only.

A collection runs on whichever thread happens to allocate. When it frees a Qt object (a widget
or menu caught in a reference cycle) on a worker thread while the GUI thread destroys another,
the two threads wait for each other's lock (seen in the test suite: a worker held Qt's lock
and waited for the GIL, the GUI thread held the GIL and waited for Qt's). So automatic
collection is turned off and a timer on the GUI thread collects, generation by generation,
when the counts say a collection is due (the recipe of calibre's GarbageCollector).

A collection looks at every object of the generations it collects, and a reopened run of
100,000 samples is some 200,000 objects: the young collection after the worker built them took
110-150 ms of the GUI thread, and every full collection while the run stayed open 130-150 ms.
A worker builds such long-lived data inside :func:`building_long_lived`: no collection runs
meanwhile, and at its end every object alive is moved out of the collector's sight
(``gc.freeze``, which costs nothing). Reference counting still frees them once nothing refers
to them, which is how a run's samples go (they hold no cycles); only cyclic garbage among what
was alive then stays until the app exits.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

from PySide6.QtCore import QObject, QTimer

_builders_lock = threading.Lock()
_builders = 0  # threads inside building_long_lived()

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    def collect_if_due(self) -> int:
        """Collect the generations whose counts passed their thresholds; objects freed."""
        if _builders:
            return 0  # what they make now lives on; it is frozen, not scanned, when they end
        count0, count1, count2 = gc.get_count()
        freed = 0
        if count0 > self._threshold[0]:
            freed += gc.collect(0)
            if count1 > self._threshold[1]:
                freed += gc.collect(1)
                if count2 > self._threshold[2]:
                    freed += gc.collect(2)
        return freed


@contextlib.contextmanager
def building_long_lived() -> Iterator[None]:
    """Around code (on any thread) that builds data meant to live long, such as a reopened
    run: no collection meanwhile, and everything alive at the end is frozen."""
    global _builders
    with _builders_lock:
        _builders += 1
    try:
        yield
    finally:
        with _builders_lock:
            _builders -= 1
            gc.freeze()
