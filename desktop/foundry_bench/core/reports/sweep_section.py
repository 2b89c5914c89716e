"""The "Sweep" section of the Markdown and HTML reports: the per point table, the prefill fit,
the context each model accepts, and the sweep's charts (as SVG for the HTML report).

Both formats take their rows from :func:`sweep_rows` (display text, not escaped), so they say
the same thing; each escapes on its own (``md_text``, Jinja's autoescape).
"""

from __future__ import annotations

from collections.abc import Sequence

import jinja2
import numpy as np
from markupsafe import Markup

from foundry_bench.core.reports.svg_xy import xy_chart
from foundry_bench.core.reports.text import fmt_number, md_table, md_text
from foundry_bench.core.results.records import Run
from foundry_bench.core.sweep.analysis import ModelSweep, sweep_results
from foundry_bench.core.sweep.charts import sweep_charts

SWEEP_HEADER = (
    "Model",
    "Point",
    "Prompt tokens (target)",
    "Prompt tokens (server)",
    "Context",
    "Max output",
    "In flight",
    "OK",
    "Failed",
    "p50 TTFT (ms)",
    "p95 TTFT (ms)",
    "Decode tok/s",
    "Output tokens",
    "Throughput tok/s",
)
_TEXT = frozenset({0, 1})


def sweep_rows(results: Sequence[ModelSweep]) -> list[list[str]]:
    rows = []
    for r in results:
        for p in r.points:
            rows.append(
                [
                    r.model,
                    p.point,
                    fmt_number(p.prompt_tokens, 0),
                    fmt_number(p.achieved_prompt_tokens, 0),
                    fmt_number(p.context_depth, 0),
                    fmt_number(p.output_tokens, 0),
                    fmt_number(p.concurrency, 0),
                    fmt_number(p.n_ok, 0),
                    fmt_number(p.n_failed, 0),
                    fmt_number(p.ttft_p50_s, 1, 1000.0),
                    fmt_number(p.ttft_p95_s, 1, 1000.0),
                    fmt_number(p.decode_tps, 1),
                    fmt_number(p.completion_tokens, 0),
                    fmt_number(p.throughput_tps, 1),
                ]
            )
    return rows


def findings(results: Sequence[ModelSweep]) -> list[str]:
    """One sentence per fact of each model: prefill fit, concurrency gain, context, skips."""
    out = []
    for r in results:
        if r.error:
            out.append(f"{r.model}: not swept ({r.error})")
            continue
        fit = r.prefill
        if fit is not None:
            rate = fmt_number(fit.prefill_tps, 0)
            r2 = f", r² {fit.r2:.3f}" if fit.r2 is not None else ""
            out.append(
                f"{r.model}: prefill {fmt_number(fit.slope_s_per_token * 1000, 4)} ms per "
                f"prompt token ({rate} tok/s), TTFT at 0 tokens "
                f"{fmt_number(fit.intercept_s, 1, 1000.0)} ms{r2}, from {fit.n} requests"
            )
        gain = concurrency_gain(r)
        if gain is not None:
            low, high, ratio = gain
            verdict = "no gain: requests are served one at a time" if ratio < 1.2 else "gain"
            out.append(
                f"{r.model}: throughput at {high} in flight is {ratio:.2f}x that at {low} "
                f"({verdict})"
            )
        if r.context is not None:
            out.append(f"{r.model}: {context_sentence(r.context)}")
        for point, why in r.skipped.items():
            out.append(f"{r.model}: {point} skipped ({why})")
    return out


def concurrency_gain(r: ModelSweep) -> tuple[int, int, float] | None:
    rates = [
        (p.concurrency, p.throughput_tps)
        for p in r.series("concurrency")
        if p.throughput_tps is not None and p.throughput_tps > 0
    ]
    if len(rates) < 2:
        return None
    (low, base), (high, top) = min(rates), max(rates)
    return low, high, top / base


def context_sentence(context: dict[str, object]) -> str:
    advertised = context.get("advertised")
    effective = context.get("effective")
    said = (
        f"advertised context {fmt_number(advertised, 0)}" if advertised else "no advertised context"
    )
    if context.get("at_least"):
        return f"{said}; a prompt of {fmt_number(effective, 0)} tokens was accepted"
    return (
        f"{said}; largest prompt accepted {fmt_number(effective, 0)} tokens, refused at "
        f"{fmt_number(context.get('refused_at'), 0)}"
    )


def sweep_markdown(run: Run) -> list[str]:
    """The section's lines (empty for a run that is not a sweep)."""
    results = sweep_results(run)
    if results is None:
        return []
    lines = ["", "## Sweep", ""]
    lines += [f"- {md_text(s)}" for s in findings(results)] or ["No sweep results."]
    rows = sweep_rows(results)
    if rows:
        lines += [""]
        lines += md_table(
            list(SWEEP_HEADER),
            ([md_text(c) if i in _TEXT else c for i, c in enumerate(row)] for row in rows),
            "ll" + "r" * (len(SWEEP_HEADER) - 2),
        )
    return lines


def html_rows(results: Sequence[ModelSweep]) -> list[list[tuple[str, bool]]]:
    return [[(c, i not in _TEXT) for i, c in enumerate(row)] for row in sweep_rows(results)]


def sweep_svgs(results: Sequence[ModelSweep]) -> list[str]:
    """The sweep's charts as SVG; the concurrency ones only when there is a curve to show."""
    return [
        xy_chart(chart)
        for chart in sweep_charts(results)
        if not chart.name.startswith(("sweep_throughput", "sweep_p95"))
        or any(len(s.points) > 1 for s in chart.series)
    ]


SWEEP_TEMPLATE = """<section id="sweep">
<h2>Sweep</h2>
<ul>
{% for line in findings %}<li>{{ line }}</li>
{% endfor %}</ul>
<div class="charts">
{% for chart in charts %}<figure>{{ chart }}</figure>
{% endfor %}</div>
{% if rows %}<div class="scroll"><table>
<tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for cell, num in row -%}
<td class="{{ 'num' if num else 'text' }}">{{ cell }}</td>
{%- endfor %}</tr>
{% endfor %}</table></div>{% endif %}
</section>

"""


def sweep_html(run: Run) -> Markup:
    """The HTML report's Sweep section (empty for a run that is not a sweep), autoescaped
    like the report; the charts are SVG text, escaped where they are made (``svg_xy``)."""
    results = sweep_results(run)
    if results is None:
        return Markup("")
    try:
        with np.errstate(all="ignore"):
            charts = [Markup(svg) for svg in sweep_svgs(results)]
    except (ValueError, OverflowError, ZeroDivisionError):  # absurd numbers cost the charts only
        charts = []
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return Markup(
        env.from_string(SWEEP_TEMPLATE).render(
            findings=findings(results),
            header=SWEEP_HEADER,
            rows=html_rows(results),
            charts=charts,
        )
    )
