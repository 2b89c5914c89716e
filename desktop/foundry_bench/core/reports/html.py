"""``report.html``: one self-contained file a team can mail around and open anywhere.

- No network and no script: charts are inline SVG (``core.reports.svg``), styles are inline,
  and a Content-Security-Policy (``default-src 'none'``) forbids anything else, so even if some
  model output escaped its cell it could neither run nor fetch.
- Jinja2 autoescapes every value; the only markup passed through as-is is the SVG we draw,
  whose text is escaped by ``core.reports.svg_canvas``.
- The environment and settings are listed so the run can be reproduced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup, escape

from foundry_bench import __version__
from foundry_bench.core.analysis.recommend import Constraints, recommend
from foundry_bench.core.analysis.stats import ensure_summary, summarize_by_prompt
from foundry_bench.core.quality.rows import (
    QualityRow,
    quality_by_model,
)
from foundry_bench.core.reports import svg as svg_charts
from foundry_bench.core.reports.content import (
    QUALITY_HEADER,
    SUMMARY_TEXT_COLUMNS,
    candidate_cells,
    environment_items,
    first_answers,
    fmt_quality,
    highlight_items,
    model_details,
    prompt_cells,
    prompt_header,
    prompt_text,
    settings_items,
    summary_cells,
    summary_header,
    table_scales,
)
from foundry_bench.core.reports.extras import arena_html, checks_html, extra_charts
from foundry_bench.core.reports.quality_table import quality_table
from foundry_bench.core.reports.reasoning import (
    REASONING_HEADER,
    REASONING_TEXT_COLUMNS,
    has_reasoning,
    reasoning_rows,
)
from foundry_bench.core.reports.resources import (
    RESOURCE_HEADER,
    RESOURCE_TEXT_COLUMNS,
    has_resources,
    resource_rows,
)
from foundry_bench.core.reports.sweep_section import sweep_html
from foundry_bench.core.reports.text import ANSWER_LIMIT, fmt_number, plain_text, stat_of
from foundry_bench.core.results.records import Run
from foundry_bench.core.units import arrays_time_scale

_BREAK_AFTER = re.compile(r"(?<=[-:_/.])(?=\w)")


def breakable(text: object) -> Markup:
    """``text`` escaped, with a line-break opportunity after each ``-``, ``:``, ``_``, ``/``
    and ``.``: a model id wraps between its parts, never in the middle of a word."""
    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.split(str(text)))


CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
#: Answers shown in the per-prompt table are cut here (the CSV has them whole).
HTML_ANSWER_LIMIT = ANSWER_LIMIT * 4

STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
  color: #1d1d1f; background: #f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #dde; }
.meta { color: #555; margin: 0 0 16px; }
.card { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 14px 18px;
  margin: 12px 0; }
.pick { border-left: 5px solid #009E73; }
.pick.none { border-left-color: #B2182B; }
.pick .name { font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; font-size: 13px; }
th, td { border: 1px solid #dde1e6; padding: 4px 8px; vertical-align: top; }
th { background: #eef1f5; text-align: left; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { max-width: 36em; overflow-wrap: break-word; white-space: pre-wrap; }
td.long { max-width: 36em; overflow-wrap: anywhere; white-space: pre-wrap; }
th { overflow-wrap: break-word; }
tr.no td { color: #777; }
.yes { color: #0a7a4f; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr));
  gap: 12px; align-items: stretch; }
.charts figure { margin: 0; background: #fff; border: 1px solid #dde1e6; border-radius: 8px;
  padding: 6px; display: flex; flex-direction: column; justify-content: center; }
svg.chart { width: 100%; height: auto; display: block; }
ul { padding-left: 1.3em; }
li { overflow-wrap: anywhere; }
footer { color: #777; margin-top: 32px; font-size: 12px; }
@media print { body { background: #fff; } .card, .charts figure { break-inside: avoid; } }
"""

#: The opening every HTML report shares (Jinja source): the no-script CSP, no referrer, the
#: style; each report's template sets ``title``.
PAGE_START = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ style }}</style>
</head>
<body>
<main>
"""

TEMPLATE = (
    """
{%- macro cells(row) %}{% for cell, num in row -%}
<td class="{{ 'num' if num else ('long' if num is none else 'text') }}">
{{- cell | breakable if loop.first and not num else cell }}</td>
{%- endfor %}{% endmacro -%}
"""
    + PAGE_START
    + """<h1>Benchmark report: {{ run.run_id }}</h1>
<p class="meta">Status <b>{{ run.status }}</b> · started {{ run.started_at or "–" }} ·
finished {{ run.finished_at or "–" }} · {{ n_models }} model(s) · {{ n_samples }} timed
request(s)</p>

<section id="recommendation">
<h2>Recommendation</h2>
<div class="card pick{{ '' if rec.best is not none else ' none' }}">
<div>Constraints: {{ constraints or "none set (every model that ran qualifies)" }}</div>
{% if rec.best is not none %}<div class="name">Recommended: {{ rec.best }}</div>
{% else %}<div class="name">No model qualifies</div>{% endif %}
<div>{{ rec.why }}</div>
</div>
<div class="scroll"><table>
<tr>{% for h in candidate_header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for r in candidate_rows %}<tr class="{{ r[1] }}">
<td class="text">{{ r[0] }}</td>
<td>{% if r[1] == "yes" %}<span class="yes">yes</span>{% else %}no{% endif %}</td>
<td class="num">{{ r[2] }}</td><td class="num">{{ r[3] }}</td>
<td class="num">{{ r[4] }}</td><td class="text">{{ r[5] }}</td></tr>
{% endfor %}</table></div>
</section>

<section id="summary">
<h2>Summary</h2>
<div class="scroll"><table>
<tr>{% for h in summary_header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in summary_rows %}<tr>{{ cells(row) }}</tr>
{% endfor %}</table></div>
{% if resource_rows %}<h3>Load and resources</h3>
<div class="scroll"><table>
<tr>{% for h in resource_header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in resource_rows %}<tr>{{ cells(row) }}</tr>
{% endfor %}</table></div>{% endif %}
{% if reasoning_rows %}<h3>Reasoning</h3>
<div class="scroll"><table>
<tr>{% for h in reasoning_header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in reasoning_rows %}<tr>{{ cells(row) }}</tr>
{% endfor %}</table></div>{% endif %}
<h3>Highlights</h3>
<ul>
{% for label, text, subitems in highlights %}<li><b>{{ label }}:</b> {{ text }}
{%- if subitems %}<ul>{% for item in subitems %}<li>{{ item }}</li>{% endfor %}</ul>{% endif %}</li>
{% endfor %}</ul>
</section>

<section id="charts">
<h2>Charts</h2>
<div class="charts">
{% for chart in charts %}<figure>{{ chart }}</figure>
{% endfor %}</div>
</section>

{{ checks_html }}

{{ sweep }}

{% if quality_rows %}<section id="quality">
<h2>Quality</h2>
<p>Mean of every score (all criteria, all annotators) per model, and the mean per criterion.</p>
<div class="scroll"><table>
<tr>{% for h in quality_table[0] %}<th>{{ h | breakable }}</th>{% endfor %}</tr>
{% for row in quality_table[1] %}<tr><td class="text">{{ row[0] }}</td>
{% for cell in row[1:] %}<td class="num">{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</table></div>
{{ arena_html }}
</section>{% endif %}

{% if prompt_rows %}<section id="per-prompt">
<h2>Per prompt</h2>
<div class="scroll"><table>
<tr>{% for h in prompt_header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in prompt_rows %}<tr>{{ cells(row) }}</tr>
{% endfor %}</table></div>
</section>{% endif %}

{% if imported %}<section id="imported-models">
<h2>Imported models</h2>
<div class="scroll"><table>
<tr><th>Model</th><th>License</th><th>Parameters, quantization, source</th></tr>
{% for model, lic, details in imported %}<tr><td class="text">{{ model }}</td>
<td class="text">{{ lic }}</td><td class="text">{{ details }}</td></tr>
{% endfor %}</table></div>
</section>{% endif %}

<section id="environment">
<h2>Environment and settings</h2>
<div class="scroll"><table>
{% for key, value in environment %}<tr><th>{{ key }}</th><td class="text">{{ value }}</td></tr>
{% endfor %}</table></div>
</section>

{% if prompts %}<section id="prompts">
<h2>Prompts</h2>
<div class="scroll"><table>
<tr><th>Prompt</th><th>Text</th></tr>
{% for pid, text in prompts %}<tr><td class="text">{{ pid }}</td>
<td class="text">{{ text }}</td></tr>
{% endfor %}</table></div>
</section>{% endif %}

<footer>Made by foundry-bench {{ version }}. Percentiles by linear interpolation; 95% CIs by
bootstrap. Model output is shown as text only.</footer>
</main>
</body>
</html>
"""
)


def _timed_values(run: Run, metric: str) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {}
    for s in run.samples:
        value = getattr(s, metric)
        if not s.warmup and s.status == "ok" and value is not None:
            values.setdefault(s.model, []).append(float(value))
    return values


def _safe_charts(
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


def render_html(
    run: Run,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> str:
    summary = ensure_summary(run)
    by_model = quality_by_model(quality)
    summary_rows = []
    scales = table_scales(run, summary)
    for entry in summary:
        cells = summary_cells(run, entry, scales)
        row = [(c, i not in SUMMARY_TEXT_COLUMNS) for i, c in enumerate(cells)]
        if quality is not None:
            row.append((fmt_quality(by_model.get(str(entry.get("model")))), True))
        summary_rows.append(row)
    answers = first_answers(run)
    by_prompt = summarize_by_prompt(run)
    prompt_scales = table_scales(run, by_prompt)
    prompt_rows: list[list[tuple[str, bool | None]]] = []
    for e in by_prompt:
        cells = prompt_cells(e, answers.get((e["model"], e["prompt_id"])), prompt_scales)
        kinds: list[bool | None] = [1 < i < len(cells) - 1 for i in range(len(cells) - 1)]
        texts = [*cells[:-1], plain_text(cells[-1], HTML_ANSWER_LIMIT)]
        prompt_rows.append(list(zip(texts, [*kinds, None], strict=True)))  # None: long text
    prompts = [(plain_text(pid), plain_text(text)) for pid, text in map(prompt_text, run.prompts)]
    rec = recommend(run, quality, constraints)
    candidate_header, candidate_rows = candidate_cells(rec)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["breakable"] = breakable
    return env.from_string(TEMPLATE).render(
        csp=CSP,
        style=Markup(STYLE),
        title=f"Benchmark report: {run.run_id}",
        run=run,
        version=__version__,
        n_models=len(summary),
        n_samples=len(run.timed_samples()),
        rec=rec,
        candidate_header=candidate_header,
        candidate_rows=candidate_rows,
        constraints=" · ".join(rec.constraints.describe()),
        fmt=fmt_number,
        fmt_quality=fmt_quality,
        summary_header=summary_header(scales) + ([QUALITY_HEADER] if quality is not None else []),
        summary_rows=summary_rows,
        resource_header=RESOURCE_HEADER,
        resource_rows=[
            [(c, i not in RESOURCE_TEXT_COLUMNS) for i, c in enumerate(row)]
            for row in (resource_rows(run) if has_resources(run) else [])
        ],
        reasoning_header=REASONING_HEADER,
        reasoning_rows=[
            [(c, i not in REASONING_TEXT_COLUMNS) for i, c in enumerate(row)]
            for row in (reasoning_rows(run, summary) if has_reasoning(run) else [])
        ],
        highlights=highlight_items(run, summary, quality),
        charts=[Markup(svg) for svg in _safe_charts(run, summary, quality)],
        quality_header=QUALITY_HEADER,
        quality_rows=quality or [],
        quality_table=quality_table(run, quality or []),
        prompt_header=prompt_header(prompt_scales),
        checks_html=checks_html(summary),
        arena_html=arena_html(quality),
        prompt_rows=prompt_rows,
        environment=[*environment_items(run.environment), *settings_items(run)],
        imported=model_details(run),
        prompts=prompts if any(text != "–" for _, text in prompts) else [],
        sweep=sweep_html(run),
    )


__all__ = ["CSP", "PAGE_START", "STYLE", "charts", "render_html"]
