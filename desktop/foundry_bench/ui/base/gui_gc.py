"""Python's cyclic garbage collector, run on the GUI thread only.

A collection runs on whichever thread happens to allocate. When it frees a Qt object (a widget
or menu caught in a reference cycle) on a worker thread while the GUI thread destroys another,
the two threads wait for each other's lock (seen in the test suite: a worker held Qt's lock
and waited for the GIL, the GUI thread held the GIL and waited for Qt's). So automatic
collection is turned off and a timer on the GUI thread collects, generation by generation,
when the counts say a collection is due (the recipe of calibre's GarbageCollector).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

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
        count0, count1, count2 = gc.get_count()
        freed = 0
        if count0 > self._threshold[0]:
            freed += gc.collect(0)
            if count1 > self._threshold[1]:
                freed += gc.collect(1)
                if count2 > self._threshold[2]:
                    freed += gc.collect(2)
        return freed
