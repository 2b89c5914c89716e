"""Item: scrolling the setup panel must never change the settings the pointer passes over."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QWidget

from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.wheel_guard import install_wheel_guard
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.benchmark.setup import SetupPanel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def guard(qapp) -> Iterator[None]:
    guard = install_wheel_guard(qapp)
    yield
    qapp.removeEventFilter(guard)
    guard.deleteLater()


@pytest.fixture
def panel(qtbot, guard) -> Iterator[SetupPanel]:
    runner = JobRunner(Notifier())
    panel = SetupPanel(runner, RunSettings(rounds=3, max_tokens=256))
    qtbot.addWidget(panel)
    panel.resize(400, 300)  # short: the settings are below the fold, the area scrolls
    panel.show()
    qtbot.waitExposed(panel)
    yield panel
    assert runner.shutdown(5.0)


def _wheel(widget: QWidget, notches: int = -1) -> None:
    """One wheel notch over ``widget`` (negative = towards the user, i.e. scroll down)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def _area(panel: SetupPanel) -> QScrollArea:
    return panel.findChild(QScrollArea)


def test_an_unfocused_spin_box_lets_the_panel_scroll(panel, qtbot):
    bar = _area(panel).verticalScrollBar()
    assert bar.maximum() > 0
    for spin in (panel.form.rounds, panel.form.max_tokens, panel.form.temperature):
        assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel never focuses it
        before, scrolled = spin.value(), bar.value()
        _wheel(spin)
        _wheel(spin.lineEdit())  # where the pointer really is: over the text
        assert spin.value() == before
        assert bar.value() > scrolled or bar.value() == bar.maximum()
    assert panel.form.settings().rounds == 3
    assert panel.form.settings().max_tokens == 256


def test_a_focused_spin_box_takes_the_wheel(panel, qtbot):
    spin = panel.form.rounds
    panel.activateWindow()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    bar = _area(panel).verticalScrollBar()
    scrolled = bar.value()
    _wheel(spin, notches=1)
    assert spin.value() == 4
    assert bar.value() == scrolled


def test_a_combo_box_outside_a_scroll_area_ignores_the_unfocused_wheel(qtbot, guard):
    box = QComboBox()
    box.addItems(["Latency (ms)", "TTFT (ms)", "TPOT (ms)"])
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    _wheel(box)
    assert box.currentIndex() == 0
