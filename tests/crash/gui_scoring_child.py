"""Child process for test_crash_safety: the real window scores answers by key press until it
is killed. argv: the run folder. Prints "saved N" each time the window reports a version of
annotations.json with N scores on disk (scores are written in the background)."""

import sys
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from foundry_bench.core.results.store import load_run
from foundry_bench.ui.app import build_window, create_application

folder = Path(sys.argv[1])
app = create_application()
window = build_window(app)
window.show()
window.open_run(load_run(folder), folder)
page = window.show_page("Quality")
page.session.saved.connect(lambda n: print(f"saved {n}", flush=True))  # type: ignore[attr-defined]
count = 0


def score() -> None:
    global count
    key = Qt.Key.Key_1 + count % 5
    QApplication.sendEvent(
        page.scoring,  # type: ignore[attr-defined]
        QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, str(1 + count % 5)),
    )
    count += 1
    QTimer.singleShot(5, score)


page.session.opened.connect(lambda: QTimer.singleShot(0, score))  # type: ignore[attr-defined]
sys.exit(app.exec())
