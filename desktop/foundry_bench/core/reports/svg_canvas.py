"""The parts every SVG chart of the reports shares: palette, sizes, axes and ticks, escaping.

Every text that reaches the SVG (model ids above all, which are untrusted) goes through
:func:`esc`, so a chart is as safe to inline as autoescaped HTML.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from foundry_bench.core.analysis.stats import Values
from foundry_bench.core.reports.text import truncate

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in print.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)


WIDTH = 760


LABEL_W = 190  # room for model ids on the left of row charts


RIGHT_PAD = 24


ROW_H = 30


TOP = 34  # title


AXIS_H = 36  # ticks and the axis label


FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"


TEXT = "#222"


GRID = "#e3e3e3"


MUTED = "#666"


LABEL_CHARS = 26


def finite(values: Values) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    return arr[np.isfinite(arr)]


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def num(value: float) -> str:
    """Coordinates with two decimals: plenty for screen pixels, and compact."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def short_label(label: str) -> str:
    return truncate(" ".join(label.split()), LABEL_CHARS)  # no line breaks in an SVG text


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering ``[lo, hi]``."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + (abs(lo) if lo else 1.0)
    raw = (hi - lo) / max(target, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < hi:
        ticks.append(round(value, 12))
    return ticks


def tick_label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


@dataclass
class Axis:
    """A linear x axis from data units to pixels."""

    lo: float
    hi: float
    left: float = LABEL_W
    right: float = WIDTH - RIGHT_PAD

    def x(self, value: float) -> float:
        span = self.hi - self.lo or 1.0
        return self.left + (value - self.lo) / span * (self.right - self.left)


def axis_for(
    values: Sequence[float], *, zero: bool = True, headroom: float = 0.0, left: float = LABEL_W
) -> tuple[Axis, list[float]]:
    """An axis over ``values`` (and 0 when ``zero``), widened by ``headroom`` (a fraction of
    the span) on the high side so value labels fit to the right of the longest bar."""
    finite = [v for v in values if math.isfinite(v)]
    lo = min(finite, default=0.0)
    hi = max(finite, default=1.0)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    hi += (hi - lo) * headroom
    ticks = nice_ticks(lo, hi)
    return Axis(ticks[0], ticks[-1], left=left), ticks


def svg_open(height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{WIDTH}" height="{num(height)}" viewBox="0 0 {WIDTH} {num(height)}" '
        f'font-family="{esc(FONT)}" font-size="12" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
        f"<desc>{esc(desc)}</desc>",
        f'<rect width="{WIDTH}" height="{num(height)}" fill="#fff"/>',
        f'<text x="8" y="20" font-size="14" font-weight="600" fill="{TEXT}">{esc(title)}</text>',
    ]


def grid_lines(
    axis: Axis, ticks: Sequence[float], top: float, bottom: float, unit: str
) -> list[str]:
    parts = []
    for tick in ticks:
        x = num(axis.x(tick))
        parts.append(
            f'<line x1="{x}" y1="{num(top)}" x2="{x}" y2="{num(bottom)}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{x}" y="{num(bottom + 14)}" text-anchor="middle" fill="{MUTED}">'
            f"{esc(tick_label(tick))}</text>"
        )
    mid = (axis.left + axis.right) / 2
    parts.append(
        f'<text x="{num(mid)}" y="{num(bottom + 30)}" text-anchor="middle" fill="{MUTED}">'
        f"{esc(unit)}</text>"
    )
    return parts


def label_lines(label: str) -> list[str]:
    """A row label on one line, or two split after a ``-``, ``:``, ``_``, ``.``, ``/`` or space
    (model ids are long: ``foundry-bench-demo-generic-cpu:1`` was cut to "...generi..."); only
    what does not fit two lines is shortened."""
    text = " ".join(label.split())
    if len(text) <= LABEL_CHARS:
        return [text]
    cut = max(text.rfind(sep, 0, LABEL_CHARS) for sep in "-:_./ ")
    if cut < LABEL_CHARS // 3:
        cut = LABEL_CHARS - 1
    head, tail = text[: cut + 1], text[cut + 1 :].lstrip()
    return [head.rstrip(), truncate(tail, LABEL_CHARS)] if tail else [truncate(head, LABEL_CHARS)]


def row_label(label: str, y: float) -> str:
    lines = label_lines(label)
    x, top = LABEL_W - 8, y + 4 - 7 * (len(lines) - 1)
    spans = "".join(
        f'<tspan x="{x}" y="{num(top + 14 * i)}">{esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text text-anchor="end" fill="{TEXT}"><title>{esc(label)}</title>{spans}</text>'


def empty_chart(title: str, message: str = "no data") -> str:
    parts = svg_open(70, title, message)
    parts.append(f'<text x="8" y="50" fill="{MUTED}">{esc(message)}</text>')
    return "\n".join([*parts, "</svg>"])


def legend_entry(slot: int, index: int, label: str) -> str:
    """Legend entry ``slot`` (three to a row, under the title) for series colour ``index``."""
    lx = 8 + (slot % 3) * 250
    ly = TOP + 18 * (slot // 3) + 2
    return (
        f'<rect x="{lx}" y="{ly}" width="14" height="4" fill="{color(index)}"/>'
        f'<text x="{lx + 20}" y="{ly + 6}" fill="{TEXT}"><title>{esc(label)}</title>'
        f"{esc(short_label(label))}</text>"
    )
