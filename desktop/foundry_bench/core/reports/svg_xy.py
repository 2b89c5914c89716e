"""An x-y chart as inline SVG for the reports: points joined per series, an optional fitted
line, both axes with round ticks (the sweep's TTFT vs prompt tokens, rate vs concurrency).

Like every report chart, all text goes through ``esc`` and only presentation attributes are
used, so the chart is safe to inline under the report's Content-Security-Policy.
"""

from __future__ import annotations

import math

from foundry_bench.core.reports.svg_canvas import (
    AXIS_H,
    GRID,
    MUTED,
    RIGHT_PAD,
    TOP,
    WIDTH,
    axis_for,
    color,
    empty_chart,
    esc,
    grid_lines,
    legend_entry,
    num,
    svg_open,
    tick_label,
)
from foundry_bench.core.sweep.charts import XYChart

PLOT_H = 220.0
LEFT = 64.0  # room for the y tick labels


def xy_chart(chart: XYChart) -> str:
    """Each series' points (finite ones only) in x order, joined by a line, with a legend;
    a series' colour is its model's."""
    title, x_unit, y_unit = chart.title, chart.x_unit, chart.y_unit
    clean = [
        (
            s.model_index,
            s,
            sorted((x, y) for x, y in s.points if math.isfinite(x) and math.isfinite(y)),
        )
        for s in chart.series
    ]
    clean = [c for c in clean if c[2]]
    if not clean:
        return empty_chart(title)
    xs = [x for _, _, pts in clean for x, _ in pts]
    ys = [y for _, _, pts in clean for _, y in pts]
    for _, s, pts in clean:
        if s.fit is not None:
            ys += [s.fit[0] + s.fit[1] * x for x in (pts[0][0], pts[-1][0])]
    x_axis, x_ticks = axis_for(xs, left=LEFT)
    y_axis, y_ticks = axis_for([y for y in ys if math.isfinite(y)])
    legend_h = 18 * math.ceil(len(clean) / 3)
    top = TOP + legend_h + 8
    bottom = top + PLOT_H

    def py(value: float) -> float:
        span = y_axis.hi - y_axis.lo or 1.0
        frac = min(max((value - y_axis.lo) / span, -0.05), 1.05)
        return bottom - frac * PLOT_H

    parts = svg_open(bottom + AXIS_H + 18, title, f"{y_unit} against {x_unit}")
    parts += grid_lines(x_axis, x_ticks, top, bottom, x_unit)
    for tick in y_ticks:
        parts.append(
            f'<line x1="{num(LEFT)}" y1="{num(py(tick))}" x2="{WIDTH - RIGHT_PAD}" '
            f'y2="{num(py(tick))}" stroke="{GRID}"/>'
            f'<text x="{num(LEFT - 6)}" y="{num(py(tick) + 4)}" text-anchor="end" '
            f'fill="{MUTED}">{esc(tick_label(tick))}</text>'
        )
    parts.append(
        f'<text x="12" y="{num(top + PLOT_H / 2)}" fill="{MUTED}" text-anchor="middle" '
        f'transform="rotate(-90 12 {num(top + PLOT_H / 2)})">{esc(y_unit)}</text>'
    )
    for slot, (index, s, pts) in enumerate(clean):
        stroke = color(index)
        parts.append(legend_entry(slot, index, s.label))
        if s.fit is not None:
            a, b = s.fit
            x0, x1 = pts[0][0], pts[-1][0]
            parts.append(
                f'<line x1="{num(x_axis.x(x0))}" y1="{num(py(a + b * x0))}" '
                f'x2="{num(x_axis.x(x1))}" y2="{num(py(a + b * x1))}" stroke="{stroke}" '
                'stroke-dasharray="5 3" stroke-width="1.4"/>'
            )
        if len(pts) > 1:
            faint = ' stroke-opacity="0.5"' if s.fit is not None else ""  # the fit leads
            path = "".join(
                f"{'M' if k == 0 else 'L'}{num(x_axis.x(x))},{num(py(y))}"
                for k, (x, y) in enumerate(pts)
            )
            parts.append(
                f'<path d="{path}" fill="none" stroke="{stroke}" stroke-width="1.8"{faint}/>'
            )
        for x, y in pts:
            parts.append(
                f'<circle cx="{num(x_axis.x(x))}" cy="{num(py(y))}" r="3.5" fill="{stroke}">'
                f"<title>{esc(f'{s.label}: {tick_label(x)} {x_unit}, {tick_label(y)} {y_unit}')}"
                "</title></circle>"
            )
    return "\n".join([*parts, "</svg>"])
