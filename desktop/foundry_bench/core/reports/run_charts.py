"""The SVG charts of a run's HTML report, and how they sit in its grid of cards.

Latency and TTFT box plots (and TTFA where a model reasons), the latency ECDF, median output
tokens/s with its 95% CI, quality with its CI when scores exist, then the checks and arena
charts (``core.reports.extras``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from foundry_bench.core.quality.rows import QualityRow, quality_by_model
from foundry_bench.core.reports import svg as svg_charts
from foundry_bench.core.reports.extras import extra_charts
from foundry_bench.core.reports.reasoning import has_reasoning
from foundry_bench.core.reports.text import stat_of
from foundry_bench.core.results.records import Run
from foundry_bench.core.units import arrays_time_scale

#: Where :func:`charts` puts the latency ECDF: after the latency box plot, before TTFT's.
ECDF_AT = 1


#: Up to this many models, the ECDF is about as tall as two box plots, so it spans two grid
#: rows beside the latency and TTFT box plots (one row made the box plot's card half empty).
TALL_ECDF_MODELS = 4


def _timed_values(run: Run, metric: str) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {}
    for s in run.samples:
        value = getattr(s, metric)
        if not s.warmup and s.status == "ok" and value is not None:
            values.setdefault(s.model, []).append(float(value))
    return values


def safe_charts(
    run: Run, summary: Sequence[Mapping[str, Any]], quality: Sequence[QualityRow] | None
) -> list[str]:
    """The charts, or none: absurd but valid numbers (1e308 s) must not cost the report."""
    try:
        with np.errstate(all="ignore"):
            return charts(run, summary, quality)
    except (ValueError, IndexError, OverflowError, ZeroDivisionError):
        return []


def _time_unit(groups: Sequence[tuple[str, np.ndarray]]) -> dict[str, Any]:
    """The unit of a chart of durations in seconds, from its values: µs, ms or s."""
    scale = arrays_time_scale(values for _, values in groups)
    return {"unit": scale.unit, "scale": scale.factor}


def charts(
    run: Run, summary: Sequence[Mapping[str, Any]], quality: Sequence[QualityRow] | None
) -> list[str]:
    """The report's SVG charts: latency and TTFT box plots (and TTFA where a model reasons),
    the latency ECDF, median output tokens/s with its 95% CI, and quality with its CI when
    scores exist."""
    models = [str(e.get("model")) for e in summary]
    latency = _timed_values(run, "latency_s")
    ttft = _timed_values(run, "ttft_s")
    groups = [(m, np.asarray(latency.get(m, []))) for m in models]
    out = [
        svg_charts.box_plot(groups, title="End-to-end latency", **_time_unit(groups)),
        svg_charts.ecdf_chart(
            groups, title="Latency, cumulative share of requests", **_time_unit(groups)
        ),
    ]
    # TTFA only where a model reasons: what a user waits for when the thinking is hidden.
    times = [(ttft, "Time to first token")]
    if has_reasoning(run):
        times.append((_timed_values(run, "ttfa_s"), "Time to first answer token (after thinking)"))
    for values, title in times:
        if any(values.values()):
            series = [(m, np.asarray(values.get(m, []))) for m in models]
            out.append(svg_charts.box_plot(series, title=title, **_time_unit(series)))
    tps = []
    for entry in summary:
        ci = stat_of(entry, "output_tps", "p50_ci")
        p50 = stat_of(entry, "output_tps", "p50")
        tps.append(
            (
                str(entry.get("model")),
                float(p50) if isinstance(p50, int | float) else None,
                (float(ci[0]), float(ci[1])) if isinstance(ci, list | tuple) else None,
            )
        )
    out.append(svg_charts.bar_chart(tps, title="Median output tokens/s (95% CI)", unit="tokens/s"))
    if quality:
        by_model = quality_by_model(quality)
        items = []
        for m in models:
            q = by_model.get(m)
            ci = q.get("ci") if q else None
            items.append((m, q.get("mean") if q else None, (ci[0], ci[1]) if ci else None))
        out.append(
            svg_charts.bar_chart(
                items, title="Mean quality score (95% CI)", unit="score 1-5", digits=2, limit=5
            )
        )
    out += extra_charts(summary, quality)
    return out


def tall_chart(summary: Sequence[Mapping[str, Any]]) -> int | None:
    """The index of the chart whose card spans two grid rows, if any."""
    return ECDF_AT if 0 < len(summary) <= TALL_ECDF_MODELS else None
