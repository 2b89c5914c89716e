"""Small charts as inline SVG text, for the self-contained HTML reports.

Why hand-written SVG: the report must open offline in any browser with no script and no
network (its Content-Security-Policy forbids both), ``core`` must not import Qt, and a plotting
library such as matplotlib would add a large dependency for four chart shapes. SVG drawn from
numbers we already have is a few kilobytes, scales crisply and prints well.

Every text that reaches the SVG (model ids above all, which are untrusted) goes through
:func:`esc`, so a chart is as safe to inline as autoescaped HTML. Only presentation attributes
are used (no ``style`` attribute, no ``<style>`` element), which the report's CSP allows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from foundry_bench.core.analysis.chart_data import WHISKER_RULE, BoxStats, box_stats
from foundry_bench.core.analysis.stats import Values
from foundry_bench.core.reports.svg_canvas import (
    AXIS_H,
    GRID,
    LABEL_W,
    MUTED,
    RIGHT_PAD,
    ROW_H,
    TEXT,
    TOP,
    WIDTH,
    Axis,
    axis_for,
    color,
    empty_chart,
    esc,
    finite,
    grid_lines,
    legend_entry,
    num,
    row_label,
    svg_open,
)

P95_MARK = "#B2182B"
#: Points of an ECDF curve at most (quantiles at even steps: visually exact).
MAX_ECDF_POINTS = 400


# --- box plot ------------------------------------------------------------------------------


def box_plot(
    groups: Sequence[tuple[str, Values]], *, title: str, unit: str, scale: float = 1.0
) -> str:
    """Horizontal box plots, one row per group: box from p25 to p75, a line at the median,
    whiskers to the furthest value within 1.5 IQR (Tukey), dots beyond, a red tick at p95, and
    behind them a violin (how the values spread between the whiskers).

    ``scale`` multiplies every value (1000 turns seconds into milliseconds).
    """
    rows = [(label, np.sort(finite(values)) * scale) for label, values in groups]
    data = [arr for _, arr in rows if arr.size]
    if not data:
        return empty_chart(title)
    axis, ticks = axis_for([float(np.min(a)) for a in data] + [float(np.max(a)) for a in data])
    height = TOP + ROW_H * len(rows) + AXIS_H + 18
    bottom = TOP + ROW_H * len(rows)
    desc = f"Box and violin plots of {unit} per model; red tick: p95"
    parts = svg_open(height, title, desc)
    parts += grid_lines(axis, ticks, TOP, bottom, unit)
    for index, (label, arr) in enumerate(rows):
        y = TOP + ROW_H * index + ROW_H / 2
        parts.append(row_label(label, y))
        if arr.size == 0:
            parts.append(
                f'<text x="{LABEL_W + 4}" y="{num(y + 4)}" fill="{MUTED}">no successful '
                "requests</text>"
            )
            continue
        parts += _box(arr, axis, y, color(index))
    parts.append(
        f'<text x="{WIDTH - RIGHT_PAD}" y="20" text-anchor="end" fill="{MUTED}">'
        f'{esc(WHISKER_RULE)} · shape: violin · <tspan fill="{P95_MARK}">| p95</tspan></text>'
    )
    return "\n".join([*parts, "</svg>"])


def _box(arr: np.ndarray, axis: Axis, y: float, fill: str) -> list[str]:
    b = box_stats(arr)
    assert b is not None  # the caller skips empty rows
    q1, med, q3, p95 = b.q1, b.p50, b.q3, b.p95
    w_lo, w_hi, outliers = b.whisker_lo, b.whisker_hi, b.outlier_values
    h = ROW_H * 0.56
    top = y - h / 2
    x1, xm, x3 = axis.x(q1), axis.x(med), axis.x(q3)
    tip = (
        f"n {arr.size} · median {med:.4g} · p25 {q1:.4g} · p75 {q3:.4g} · p95 {p95:.4g} · "
        f"max {float(arr[-1]):.4g}"
    )
    parts = [f"<g><title>{esc(tip)}</title>", *_violin(b, axis, y, fill)]
    parts += [
        f'<line x1="{num(axis.x(w_lo))}" y1="{num(y)}" x2="{num(x1)}" y2="{num(y)}" '
        f'stroke="{TEXT}"/>',
        f'<line x1="{num(x3)}" y1="{num(y)}" x2="{num(axis.x(w_hi))}" y2="{num(y)}" '
        f'stroke="{TEXT}"/>',
    ]
    for whisker in (w_lo, w_hi):
        wx = num(axis.x(whisker))
        parts.append(
            f'<line x1="{wx}" y1="{num(y - h / 4)}" x2="{wx}" y2="{num(y + h / 4)}" '
            f'stroke="{TEXT}"/>'
        )
    parts += [
        f'<rect x="{num(x1)}" y="{num(top)}" width="{num(max(x3 - x1, 1.0))}" '
        f'height="{num(h)}" fill="{fill}" fill-opacity="0.35" stroke="{fill}"/>',
        f'<line x1="{num(xm)}" y1="{num(top)}" x2="{num(xm)}" y2="{num(top + h)}" '
        f'stroke="{TEXT}" stroke-width="2"/>',
        f'<line x1="{num(axis.x(p95))}" y1="{num(top - 3)}" x2="{num(axis.x(p95))}" '
        f'y2="{num(top + h + 3)}" stroke="{P95_MARK}" stroke-width="2"/>',
    ]
    parts += [
        f'<circle cx="{num(axis.x(v))}" cy="{num(y)}" r="2.2" fill="none" stroke="{fill}"/>'
        for v in outliers
    ]
    parts.append("</g>")
    return parts


def _violin(b: BoxStats, axis: Axis, y: float, fill: str) -> list[str]:
    """The violin behind a box: the density of the values between the whiskers, as wide as
    the row allows at its widest (the app's chart draws the same outline)."""
    if not b.violin_y:
        return []
    half = ROW_H * 0.46
    upper = [
        f"{num(axis.x(v))},{num(y - half * w)}" for v, w in zip(b.violin_y, b.violin_w, strict=True)
    ]
    lower = [
        f"{num(axis.x(v))},{num(y + half * w)}"
        for v, w in zip(reversed(b.violin_y), reversed(b.violin_w), strict=True)
    ]
    return [
        f'<path class="violin" d="M{" L".join(upper + lower)} Z" fill="{fill}" '
        f'fill-opacity="0.12" stroke="{fill}" stroke-opacity="0.5"/>'
    ]


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
        return empty_chart(title)
    extent: list[float] = [v for _, v, _ in known]
    extent += [b for _, _, ci in known if ci for b in ci if math.isfinite(b)]
    if limit is not None:
        extent.append(limit)
    # Room on the right for the value labels, unless the scale has a fixed top (1-5 scores).
    axis, ticks = axis_for(extent, headroom=0.0 if limit is not None else 0.12)
    bottom = TOP + ROW_H * len(items)
    parts = svg_open(bottom + AXIS_H + 18, title, f"Bars of {unit} per model")
    parts += grid_lines(axis, ticks, TOP, bottom, unit)
    zero = axis.x(0.0)
    for index, (label, value, ci) in enumerate(items):
        y = TOP + ROW_H * index + ROW_H / 2
        parts.append(row_label(label, y))
        if value is None or not math.isfinite(value):
            parts.append(f'<text x="{LABEL_W + 4}" y="{num(y + 4)}" fill="{MUTED}">–</text>')
            continue
        x = axis.x(value)
        h = ROW_H * 0.6
        tip = f"{value:.{digits}f} {unit}" + (
            f" (95% CI {ci[0]:.{digits}f}–{ci[1]:.{digits}f})" if ci else ""
        )
        parts.append(f"<g><title>{esc(tip)}</title>")
        parts.append(
            f'<rect x="{num(min(zero, x))}" y="{num(y - h / 2)}" '
            f'width="{num(max(abs(x - zero), 1.0))}" height="{num(h)}" fill="{color(index)}" '
            'fill-opacity="0.8"/>'
        )
        end = x
        if ci:
            lo, hi = axis.x(ci[0]), axis.x(ci[1])
            end = max(end, hi)
            parts.append(
                f'<line x1="{num(lo)}" y1="{num(y)}" x2="{num(hi)}" y2="{num(y)}" '
                f'stroke="{TEXT}" stroke-width="1.5"/>'
            )
            for bx in (lo, hi):
                parts.append(
                    f'<line x1="{num(bx)}" y1="{num(y - 5)}" x2="{num(bx)}" '
                    f'y2="{num(y + 5)}" stroke="{TEXT}" stroke-width="1.5"/>'
                )
        parts.append(
            f'<text x="{num(end + 6)}" y="{num(y + 4)}" fill="{TEXT}">'
            f"{esc(f'{value:.{digits}f}')}</text></g>"
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
        return empty_chart(title)
    extent = [0.0]
    for _, pct, ci, _sig in known:
        assert pct is not None
        extent.append(pct)
        if ci:
            extent += [b for b in ci if math.isfinite(b)]
    axis, ticks = axis_for(extent)
    bottom = TOP + ROW_H * len(items)
    parts = svg_open(bottom + AXIS_H + 18, title, "Percentage change from run A to run B")
    parts += grid_lines(axis, ticks, TOP, bottom, unit)
    zero = axis.x(0.0)
    parts.append(
        f'<line x1="{num(zero)}" y1="{TOP}" x2="{num(zero)}" y2="{num(bottom)}" stroke="{TEXT}"/>'
    )
    for index, (label, pct, ci, significant) in enumerate(items):
        y = TOP + ROW_H * index + ROW_H / 2
        parts.append(row_label(label, y))
        if pct is None or not math.isfinite(pct):
            parts.append(f'<text x="{LABEL_W + 4}" y="{num(y + 4)}" fill="{MUTED}">–</text>')
            continue
        fill = ("#B2182B" if pct > 0 else "#2166AC") if significant else "#9a9a9a"
        x = axis.x(pct)
        h = ROW_H * 0.6
        verdict = "significant" if significant else "not significant"
        parts.append(f"<g><title>{esc(f'{pct:+.1f}% ({verdict})')}</title>")
        parts.append(
            f'<rect x="{num(min(zero, x))}" y="{num(y - h / 2)}" '
            f'width="{num(max(abs(x - zero), 1.0))}" height="{num(h)}" fill="{fill}"/>'
        )
        if ci:
            lo, hi = axis.x(ci[0]), axis.x(ci[1])
            parts.append(
                f'<line x1="{num(lo)}" y1="{num(y)}" x2="{num(hi)}" y2="{num(y)}" '
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
        x = np.sort(finite(values)) * scale
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
        return empty_chart(title)
    left = 56.0  # only "p50"/"p95" labels on the left: no room needed for model ids
    axis, ticks = axis_for(
        [float(c[2][0]) for c in data] + [float(c[2][-1]) for c in data], left=left
    )
    plot_h = 220.0
    legend_h = 18 * math.ceil(len(curves) / 3)
    top = TOP + legend_h + 8
    bottom = top + plot_h
    parts = svg_open(bottom + AXIS_H + 18, title, f"Empirical CDF of {unit} per model")
    parts += grid_lines(axis, ticks, top, bottom, unit)

    def py(frac: float) -> float:
        return bottom - frac * plot_h

    for frac in (0.0, 0.5, 0.95, 1.0):
        dash = ' stroke-dasharray="4 3"' if frac in (0.5, 0.95) else ""
        parts.append(
            f'<line x1="{num(left)}" y1="{num(py(frac))}" x2="{WIDTH - RIGHT_PAD}" '
            f'y2="{num(py(frac))}" stroke="{GRID if not dash else "#bbb"}"{dash}/>'
        )
        if dash:  # p50 / p95 guides: named at their right end, above the line
            parts.append(
                f'<text x="{WIDTH - RIGHT_PAD}" y="{num(py(frac) - 3)}" text-anchor="end" '
                f'fill="{MUTED}">{"p50" if frac == 0.5 else "p95"}</text>'
            )
        else:
            parts.append(
                f'<text x="{num(left - 8)}" y="{num(py(frac) + 4)}" text-anchor="end" '
                f'fill="{MUTED}">{frac:.0%}</text>'
            )
    for slot, (index, label, x, y) in enumerate(curves):
        parts.append(legend_entry(slot, index, label))
        points = [f"M{num(axis.x(float(x[0])))},{num(py(0.0))}"]
        for xv, yv, prev in zip(x, y, np.concatenate([[0.0], y[:-1]]), strict=True):
            px = num(axis.x(float(xv)))
            points.append(f"L{px},{num(py(float(prev)))}L{px},{num(py(float(yv)))}")
        parts.append(
            f'<path d="{"".join(points)}" fill="none" stroke="{color(index)}" stroke-width="1.8"/>'
        )
    return "\n".join([*parts, "</svg>"])
