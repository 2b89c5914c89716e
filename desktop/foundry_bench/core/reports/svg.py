"""Small charts as inline SVG text, for the self-contained HTML reports.

Why hand-written SVG: the report must open offline in any browser with no script and no
network (its Content-Security-Policy forbids both), ``core`` must not import Qt, and a plotting
library such as matplotlib would add a large dependency for four chart shapes. SVG drawn from
numbers we already have is a few kilobytes, scales crisply and prints well.

Every text that reaches the SVG (model ids above all, which are untrusted) goes through
:func:`_esc`, so a chart is as safe to inline as autoescaped HTML. Only presentation attributes
are used (no ``style`` attribute, no ``<style>`` element), which the report's CSP allows.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from foundry_bench.core.analysis.stats import Values

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
P95_MARK = "#B2182B"
#: Outlier dots drawn per model at most (more only make the file heavy, not the chart clearer).
MAX_OUTLIERS = 150
#: Points of an ECDF curve at most (quantiles at even steps: visually exact).
MAX_ECDF_POINTS = 400
LABEL_CHARS = 26


def _finite(values: Values) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    return arr[np.isfinite(arr)]


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num(value: float) -> str:
    """Coordinates with two decimals: plenty for screen pixels, and compact."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _short(label: str) -> str:
    label = " ".join(label.split())  # no line breaks inside an SVG text
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


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


def _tick_label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


@dataclass
class _Axis:
    """A linear x axis from data units to pixels."""

    lo: float
    hi: float
    left: float = LABEL_W
    right: float = WIDTH - RIGHT_PAD

    def x(self, value: float) -> float:
        span = self.hi - self.lo or 1.0
        return self.left + (value - self.lo) / span * (self.right - self.left)


def _axis_for(
    values: Sequence[float], *, zero: bool = True, headroom: float = 0.0, left: float = LABEL_W
) -> tuple[_Axis, list[float]]:
    """An axis over ``values`` (and 0 when ``zero``), widened by ``headroom`` (a fraction of
    the span) on the high side so value labels fit to the right of the longest bar."""
    finite = [v for v in values if math.isfinite(v)]
    lo = min(finite, default=0.0)
    hi = max(finite, default=1.0)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    hi += (hi - lo) * headroom
    ticks = nice_ticks(lo, hi)
    return _Axis(ticks[0], ticks[-1], left=left), ticks


def _open(height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{WIDTH}" height="{_num(height)}" viewBox="0 0 {WIDTH} {_num(height)}" '
        f'font-family="{_esc(FONT)}" font-size="12" aria-label="{_esc(title)}">',
        f"<title>{_esc(title)}</title>",
        f"<desc>{_esc(desc)}</desc>",
        f'<rect width="{WIDTH}" height="{_num(height)}" fill="#fff"/>',
        f'<text x="8" y="20" font-size="14" font-weight="600" fill="{TEXT}">{_esc(title)}</text>',
    ]


def _grid(axis: _Axis, ticks: Sequence[float], top: float, bottom: float, unit: str) -> list[str]:
    parts = []
    for tick in ticks:
        x = _num(axis.x(tick))
        parts.append(
            f'<line x1="{x}" y1="{_num(top)}" x2="{x}" y2="{_num(bottom)}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{x}" y="{_num(bottom + 14)}" text-anchor="middle" fill="{MUTED}">'
            f"{_esc(_tick_label(tick))}</text>"
        )
    mid = (axis.left + axis.right) / 2
    parts.append(
        f'<text x="{_num(mid)}" y="{_num(bottom + 30)}" text-anchor="middle" fill="{MUTED}">'
        f"{_esc(unit)}</text>"
    )
    return parts


def _row_label(label: str, y: float) -> str:
    return (
        f'<text x="{LABEL_W - 8}" y="{_num(y + 4)}" text-anchor="end" fill="{TEXT}">'
        f"<title>{_esc(label)}</title>{_esc(_short(label))}</text>"
    )


def _empty(title: str, message: str = "no data") -> str:
    parts = _open(70, title, message)
    parts.append(f'<text x="8" y="50" fill="{MUTED}">{_esc(message)}</text>')
    return "\n".join([*parts, "</svg>"])


# --- box plot ------------------------------------------------------------------------------


def box_plot(
    groups: Sequence[tuple[str, Values]], *, title: str, unit: str, scale: float = 1.0
) -> str:
    """Horizontal box plots, one row per group: box from p25 to p75, a line at the median,
    whiskers to the furthest value within 1.5 IQR (Tukey), dots beyond, and a red tick at p95.

    ``scale`` multiplies every value (1000 turns seconds into milliseconds).
    """
    rows = [(label, np.sort(_finite(values)) * scale) for label, values in groups]
    data = [arr for _, arr in rows if arr.size]
    if not data:
        return _empty(title)
    axis, ticks = _axis_for([float(np.min(a)) for a in data] + [float(np.max(a)) for a in data])
    height = TOP + ROW_H * len(rows) + AXIS_H + 18
    bottom = TOP + ROW_H * len(rows)
    desc = f"Box plots of {unit} per model; red tick: p95"
    parts = _open(height, title, desc)
    parts += _grid(axis, ticks, TOP, bottom, unit)
    for index, (label, arr) in enumerate(rows):
        y = TOP + ROW_H * index + ROW_H / 2
        parts.append(_row_label(label, y))
        if arr.size == 0:
            parts.append(
                f'<text x="{LABEL_W + 4}" y="{_num(y + 4)}" fill="{MUTED}">no successful '
                "requests</text>"
            )
            continue
        parts += _box(arr, axis, y, color(index))
    parts.append(
        f'<text x="{WIDTH - RIGHT_PAD}" y="20" text-anchor="end" fill="{MUTED}">'
        f'box p25–p75 · line median · <tspan fill="{P95_MARK}">| p95</tspan></text>'
    )
    return "\n".join([*parts, "</svg>"])


def _box(arr: np.ndarray, axis: _Axis, y: float, fill: str) -> list[str]:
    q1, med, q3, p95 = (float(v) for v in np.percentile(arr, [25, 50, 75, 95], method="linear"))
    iqr = q3 - q1
    inside = arr[(arr >= q1 - 1.5 * iqr) & (arr <= q3 + 1.5 * iqr)]
    w_lo, w_hi = float(inside[0]), float(inside[-1])
    outliers = arr[(arr < w_lo) | (arr > w_hi)]
    if outliers.size > MAX_OUTLIERS:
        outliers = outliers[np.linspace(0, outliers.size - 1, MAX_OUTLIERS).astype(int)]
    h = ROW_H * 0.56
    top = y - h / 2
    x1, xm, x3 = axis.x(q1), axis.x(med), axis.x(q3)
    tip = (
        f"n {arr.size} · median {med:.4g} · p25 {q1:.4g} · p75 {q3:.4g} · p95 {p95:.4g} · "
        f"max {float(arr[-1]):.4g}"
    )
    parts = [
        f"<g><title>{_esc(tip)}</title>",
        f'<line x1="{_num(axis.x(w_lo))}" y1="{_num(y)}" x2="{_num(x1)}" y2="{_num(y)}" '
        f'stroke="{TEXT}"/>',
        f'<line x1="{_num(x3)}" y1="{_num(y)}" x2="{_num(axis.x(w_hi))}" y2="{_num(y)}" '
        f'stroke="{TEXT}"/>',
    ]
    for whisker in (w_lo, w_hi):
        wx = _num(axis.x(whisker))
        parts.append(
            f'<line x1="{wx}" y1="{_num(y - h / 4)}" x2="{wx}" y2="{_num(y + h / 4)}" '
            f'stroke="{TEXT}"/>'
        )
    parts += [
        f'<rect x="{_num(x1)}" y="{_num(top)}" width="{_num(max(x3 - x1, 1.0))}" '
        f'height="{_num(h)}" fill="{fill}" fill-opacity="0.35" stroke="{fill}"/>',
        f'<line x1="{_num(xm)}" y1="{_num(top)}" x2="{_num(xm)}" y2="{_num(top + h)}" '
        f'stroke="{TEXT}" stroke-width="2"/>',
        f'<line x1="{_num(axis.x(p95))}" y1="{_num(top - 3)}" x2="{_num(axis.x(p95))}" '
        f'y2="{_num(top + h + 3)}" stroke="{P95_MARK}" stroke-width="2"/>',
    ]
    parts += [
        f'<circle cx="{_num(axis.x(float(v)))}" cy="{_num(y)}" r="2.2" fill="none" '
        f'stroke="{fill}"/>'
        for v in outliers
    ]
    parts.append("</g>")
    return parts


# --- bars --------------------------------------------------------------------------------


def bar_chart(
    items: Sequence[tuple[str, float | None, tuple[float, float] | None]],
    *,
    title: str,
    unit: str,
    digits: int = 1,
    limit: float | None = None,
) -> str:
    """Horizontal bars (label, value, optional 95% CI drawn as an error bar).

    ``limit`` fixes the top of the axis (5 for 1-5 quality scores) instead of the data's.
    """
    known = [(label, v, ci) for label, v, ci in items if v is not None and math.isfinite(v)]
    if not known:
        return _empty(title)
    extent: list[float] = [v for _, v, _ in known]
    extent += [b for _, _, ci in known if ci for b in ci if math.isfinite(b)]
    if limit is not None:
        extent.append(limit)
    # Room on the right for the value labels, unless the scale has a fixed top (1-5 scores).
    axis, ticks = _axis_for(extent, headroom=0.0 if limit is not None else 0.12)
    bottom = TOP + ROW_H * len(items)
    parts = _open(bottom + AXIS_H + 18, title, f"Bars of {unit} per model")
    parts += _grid(axis, ticks, TOP, bottom, unit)
    zero = axis.x(0.0)
    for index, (label, value, ci) in enumerate(items):
        y = TOP + ROW_H * index + ROW_H / 2
        parts.append(_row_label(label, y))
        if value is None or not math.isfinite(value):
            parts.append(f'<text x="{LABEL_W + 4}" y="{_num(y + 4)}" fill="{MUTED}">–</text>')
            continue
        x = axis.x(value)
        h = ROW_H * 0.6
        tip = f"{value:.{digits}f} {unit}" + (
            f" (95% CI {ci[0]:.{digits}f}–{ci[1]:.{digits}f})" if ci else ""
        )
        parts.append(f"<g><title>{_esc(tip)}</title>")
        parts.append(
            f'<rect x="{_num(min(zero, x))}" y="{_num(y - h / 2)}" '
            f'width="{_num(max(abs(x - zero), 1.0))}" height="{_num(h)}" fill="{color(index)}" '
            'fill-opacity="0.8"/>'
        )
        end = x
        if ci:
            lo, hi = axis.x(ci[0]), axis.x(ci[1])
            end = max(end, hi)
            parts.append(
                f'<line x1="{_num(lo)}" y1="{_num(y)}" x2="{_num(hi)}" y2="{_num(y)}" '
                f'stroke="{TEXT}" stroke-width="1.5"/>'
            )
            for bx in (lo, hi):
                parts.append(
                    f'<line x1="{_num(bx)}" y1="{_num(y - 5)}" x2="{_num(bx)}" '
                    f'y2="{_num(y + 5)}" stroke="{TEXT}" stroke-width="1.5"/>'
                )
        parts.append(
            f'<text x="{_num(end + 6)}" y="{_num(y + 4)}" fill="{TEXT}">'
            f"{_esc(f'{value:.{digits}f}')}</text></g>"
        )
    return "\n".join([*parts, "</svg>"])


def change_chart(
    items: Sequence[tuple[str, float | None, tuple[float, float] | None, bool]],
    *,
    title: str,
    unit: str = "change (%)",
) -> str:
    """Diverging bars of percentage changes (label, pct, CI in %, significant); grey when the
    change is not significant, red when it is an increase, blue when a decrease."""
    known = [i for i in items if i[1] is not None and math.isfinite(i[1])]
    if not known:
        return _empty(title)
    extent = [0.0]
    for _, pct, ci, _sig in known:
        assert pct is not None
        extent.append(pct)
        if ci:
            extent += [b for b in ci if math.isfinite(b)]
    axis, ticks = _axis_for(extent)
    bottom = TOP + ROW_H * len(items)
    parts = _open(bottom + AXIS_H + 18, title, "Percentage change from run A to run B")
    parts += _grid(axis, ticks, TOP, bottom, unit)
    zero = axis.x(0.0)
    parts.append(
        f'<line x1="{_num(zero)}" y1="{TOP}" x2="{_num(zero)}" y2="{_num(bottom)}" '
        f'stroke="{TEXT}"/>'
    )
    for index, (label, pct, ci, significant) in enumerate(items):
        y = TOP + ROW_H * index + ROW_H / 2
        parts.append(_row_label(label, y))
        if pct is None or not math.isfinite(pct):
            parts.append(f'<text x="{LABEL_W + 4}" y="{_num(y + 4)}" fill="{MUTED}">–</text>')
            continue
        fill = ("#B2182B" if pct > 0 else "#2166AC") if significant else "#9a9a9a"
        x = axis.x(pct)
        h = ROW_H * 0.6
        verdict = "significant" if significant else "not significant"
        parts.append(f"<g><title>{_esc(f'{pct:+.1f}% ({verdict})')}</title>")
        parts.append(
            f'<rect x="{_num(min(zero, x))}" y="{_num(y - h / 2)}" '
            f'width="{_num(max(abs(x - zero), 1.0))}" height="{_num(h)}" fill="{fill}"/>'
        )
        if ci:
            lo, hi = axis.x(ci[0]), axis.x(ci[1])
            parts.append(
                f'<line x1="{_num(lo)}" y1="{_num(y)}" x2="{_num(hi)}" y2="{_num(y)}" '
                f'stroke="{TEXT}" stroke-width="1.5"/>'
            )
        parts.append("</g>")
    return "\n".join([*parts, "</svg>"])


# --- ECDF --------------------------------------------------------------------------------


def ecdf_chart(
    series: Sequence[tuple[str, Values]], *, title: str, unit: str, scale: float = 1.0
) -> str:
    """Empirical CDFs as step lines, one per series, with a legend: read off what fraction of
    requests finished within a given time (the p50 and p95 lines are dashed guides)."""
    curves = []
    for index, (label, values) in enumerate(series):
        x = np.sort(_finite(values)) * scale
        if x.size > MAX_ECDF_POINTS:
            # Quantiles at even steps draw the same curve with far fewer points.
            levels = np.linspace(0.0, 1.0, MAX_ECDF_POINTS)
            x = np.quantile(x, levels, method="inverted_cdf")
            y = levels
        else:
            y = np.arange(1, x.size + 1, dtype=np.float64) / max(x.size, 1)
        if x.size:  # a model with no successful request has no curve (nor legend entry)
            curves.append((index, label, x, y))
    data = [c for c in curves if c[2].size]
    if not data:
        return _empty(title)
    left = 56.0  # only "p50"/"p95" labels on the left: no room needed for model ids
    axis, ticks = _axis_for(
        [float(c[2][0]) for c in data] + [float(c[2][-1]) for c in data], left=left
    )
    plot_h = 220.0
    legend_h = 18 * math.ceil(len(curves) / 3)
    top = TOP + legend_h + 8
    bottom = top + plot_h
    parts = _open(bottom + AXIS_H + 18, title, f"Empirical CDF of {unit} per model")
    parts += _grid(axis, ticks, top, bottom, unit)

    def py(frac: float) -> float:
        return bottom - frac * plot_h

    for frac in (0.0, 0.5, 0.95, 1.0):
        dash = ' stroke-dasharray="4 3"' if frac in (0.5, 0.95) else ""
        parts.append(
            f'<line x1="{_num(left)}" y1="{_num(py(frac))}" x2="{WIDTH - RIGHT_PAD}" '
            f'y2="{_num(py(frac))}" stroke="{GRID if not dash else "#bbb"}"{dash}/>'
        )
        if dash:  # p50 / p95 guides: named at their right end, above the line
            parts.append(
                f'<text x="{WIDTH - RIGHT_PAD}" y="{_num(py(frac) - 3)}" text-anchor="end" '
                f'fill="{MUTED}">{"p50" if frac == 0.5 else "p95"}</text>'
            )
        else:
            parts.append(
                f'<text x="{_num(left - 8)}" y="{_num(py(frac) + 4)}" text-anchor="end" '
                f'fill="{MUTED}">{frac:.0%}</text>'
            )
    for slot, (index, label, x, y) in enumerate(curves):
        lx = 8 + (slot % 3) * 250
        ly = TOP + 18 * (slot // 3) + 2
        parts.append(
            f'<rect x="{lx}" y="{ly}" width="14" height="4" fill="{color(index)}"/>'
            f'<text x="{lx + 20}" y="{ly + 6}" fill="{TEXT}"><title>{_esc(label)}</title>'
            f"{_esc(_short(label))}</text>"
        )
        points = [f"M{_num(axis.x(float(x[0])))},{_num(py(0.0))}"]
        for xv, yv, prev in zip(x, y, np.concatenate([[0.0], y[:-1]]), strict=True):
            px = _num(axis.x(float(xv)))
            points.append(f"L{px},{_num(py(float(prev)))}L{px},{_num(py(float(yv)))}")
        parts.append(
            f'<path d="{"".join(points)}" fill="none" stroke="{color(index)}" stroke-width="1.8"/>'
        )
    return "\n".join([*parts, "</svg>"])


__all__ = ["PALETTE", "bar_chart", "box_plot", "change_chart", "color", "ecdf_chart", "nice_ticks"]
