"""Dark mode: the focused criterion row stays readable after a palette switch; charts follow."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from foundry_bench.core.config.rubric import Criterion
from foundry_bench.ui.base.palette import apply_palette
from foundry_bench.ui.quality.widgets import CriterionRow

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def palettes(qapp):
    yield
    apply_palette(qapp, "system")
    qapp.setPalette(QApplication.style().standardPalette())


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours."""

    def lum(c) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_focused_row_is_readable_after_switching_to_dark(qtbot, qapp, palettes):
    apply_palette(qapp, "light")
    row = CriterionRow(Criterion("correctness", "Correctness"))
    qtbot.addWidget(row)
    row.show()
    row.set_focused(True)
    other = CriterionRow(Criterion("clarity", "Clarity"))
    qtbot.addWidget(other)
    other.show()
    apply_palette(qapp, "dark")
    qtbot.waitUntil(lambda: row.palette().color(QPalette.ColorRole.Window).lightness() < 110)
    for widget in (row, other):
        background = widget.palette().color(QPalette.ColorRole.Window)
        text = widget.label.palette().color(QPalette.ColorRole.WindowText)
        assert contrast(text, background) >= 4.5, widget.criterion.id


def test_charts_follow_a_palette_switch(qtbot, qapp, palettes):
    from foundry_bench.ui.charts.distribution import BoxChart
    from foundry_bench.ui.charts.quality import QualityScatter
    from foundry_bench.ui.quality.arena_view import ArenaChart

    apply_palette(qapp, "light")
    box = BoxChart("tpot", "Time per output token", "tpot_ms", "TPOT (ms)")
    scatter = QualityScatter()
    arena = ArenaChart()  # it stayed black on white, and said "(x0.001)" under its ratings
    for widget in (box, scatter, arena):
        qtbot.addWidget(widget)
    apply_palette(qapp, "dark")
    base = qapp.palette().color(QPalette.ColorRole.Base)
    assert "x0.001" not in arena.plot.getPlotItem().getAxis("bottom").labelString()
    for plot in (box.plot, scatter.plot, arena.plot):
        qtbot.waitUntil(lambda plot=plot: plot.backgroundBrush().color() == base)
    axis = box.item.getAxis("left")
    assert contrast(axis.textPen().color(), base) >= 4.5
