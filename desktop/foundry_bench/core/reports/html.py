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
from collections.abc import Sequence

import jinja2
from markupsafe import Markup, escape

from foundry_bench import __version__
from foundry_bench.core.analysis.recommend import Constraints, recommend
from foundry_bench.core.analysis.stats import ensure_summary, summarize_by_prompt
from foundry_bench.core.quality.rows import QualityRow
from foundry_bench.core.reports.content import (
    candidate_cells,
    environment_items,
    first_answers,
    highlight_items,
    model_details,
    prompt_cells,
    prompt_header,
    prompt_text,
    settings_items,
    table_scales,
)
from foundry_bench.core.reports.extras import arena_html, checks_html
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
from foundry_bench.core.reports.run_charts import safe_charts, tall_chart
from foundry_bench.core.reports.summary_table import summary_tables
from foundry_bench.core.reports.sweep_section import sweep_html
from foundry_bench.core.reports.text import ANSWER_LIMIT, plain_text
from foundry_bench.core.results.records import Run

_BREAK_AFTER = re.compile(r"(?<=[-:_/.])(?=\w)")


def breakable(text: object) -> Markup:
    """``text`` escaped, with a line-break opportunity after each ``-``, ``:``, ``_``, ``/``
    and ``.``: a model id wraps between its parts, never in the middle of a word."""
    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.split(str(text)))


#: A model id this long or shorter stays on one line (48 characters fit the tables at
#: 1280 px); a longer one wraps between its parts.
ID_LINE_CHARS = 48


def model_id(text: object) -> Markup:
    """A model id for a table cell, escaped: on one line, or wrapping only after ``-``,
    ``:``, ``_``, ``/`` or ``.`` when it is too long for one."""
    if len(str(text)) <= ID_LINE_CHARS:
        return Markup('<span class="id">{}</span>').format(text)
    return breakable(text)


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
th.num { text-align: right; }
th[title] { text-decoration: underline dotted; cursor: help; }
.id { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { max-width: 36em; overflow-wrap: break-word; white-space: pre-wrap; }
td.long { min-width: 16em; max-width: 36em; overflow-wrap: anywhere; white-space: pre-wrap; }
th { overflow-wrap: break-word; }
tr.no td { color: #777; }
.yes { color: #0a7a4f; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr));
  gap: 12px; align-items: stretch; }
.charts figure { margin: 0; background: #fff; border: 1px solid #dde1e6; border-radius: 8px;
  padding: 6px; display: flex; flex-direction: column; justify-content: flex-start; }
.charts figure.tall { grid-row: span 2; }
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
{{- cell | model_id if loop.first and not num else cell }}</td>
{%- endfor %}{% endmacro -%}
{%- macro header(names, text_columns) %}<tr>{% for h in names -%}
<th class="{{ 'text' if loop.index0 in text_columns else 'num' }}">{{ h }}</th>
{%- endfor %}</tr>{% endmacro -%}
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
<td class="text">{{ r[0] | model_id }}</td>
<td>{% if r[1] == "yes" %}<span class="yes">yes</span>{% else %}no{% endif %}</td>
<td class="num">{{ r[2] }}</td><td class="num">{{ r[3] }}</td>
<td class="num">{{ r[4] }}</td><td class="text">{{ r[5] }}</td></tr>
{% endfor %}</table></div>
</section>

<section id="summary">
<h2>Summary</h2>
{% for table, rows in summary_tables %}{% if table.title %}<h3>{{ table.title }}</h3>{% endif %}
<div class="scroll"><table>
{{ header(table.header, table.text_columns) }}
{% for row in rows %}<tr>{{ cells(row) }}</tr>
{% endfor %}</table></div>
{% endfor %}{% if resource_rows %}<h3>Load and resources</h3>
<div class="scroll"><table>
{{ header(resource_header, resource_text) }}
{% for row in resource_rows %}<tr>{{ cells(row) }}</tr>
{% endfor %}</table></div>{% endif %}
{% if reasoning_rows %}<h3>Reasoning</h3>
<div class="scroll"><table>
{{ header(reasoning_header, reasoning_text) }}
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
{% for chart in charts %}<figure{% if loop.index0 == tall_chart %} class="tall"{% endif %}>
{{- chart }}</figure>
{% endfor %}</div>
</section>

{{ checks_html }}

{{ sweep }}

{% if quality_rows %}<section id="quality">
<h2>Quality</h2>
<p>Mean of every score (all criteria, all annotators) per model, and the mean per criterion.</p>
<div class="scroll"><table>
<tr>{% for h in quality.header %}<th class="{{ 'text' if loop.first else 'num' }}"
{%- if h.full %} title="{{ h.full }}"{% endif %}>
{{- h.text | model_id if quality.by_criterion and not loop.first else h.text }}</th>
{%- endfor %}</tr>
{% for row in quality.rows %}<tr><td class="text">
{{- row[0] if quality.by_criterion else row[0] | model_id }}</td>
{% for cell in row[1:] %}<td class="num">{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</table></div>
{{ arena_html }}
</section>{% endif %}

{% if prompt_rows %}<section id="per-prompt">
<h2>Per prompt</h2>
<div class="scroll"><table>
{{ header(prompt_header, prompt_text) }}
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


def render_html(
    run: Run,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> str:
    summary = ensure_summary(run)
    tables = [
        (t, [[(c, i not in t.text_columns) for i, c in enumerate(r)] for r in t.rows])
        for t in summary_tables(run, summary, quality)
    ]
    answers = first_answers(run)
    by_prompt = summarize_by_prompt(run)
    prompt_scales = table_scales(run, by_prompt)
    header_row = prompt_header(prompt_scales)
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
    env.filters["model_id"] = model_id
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
        summary_tables=tables,
        resource_header=RESOURCE_HEADER,
        resource_text=RESOURCE_TEXT_COLUMNS,
        resource_rows=[
            [(c, i not in RESOURCE_TEXT_COLUMNS) for i, c in enumerate(row)]
            for row in (resource_rows(run) if has_resources(run) else [])
        ],
        reasoning_header=REASONING_HEADER,
        reasoning_text=REASONING_TEXT_COLUMNS,
        reasoning_rows=[
            [(c, i not in REASONING_TEXT_COLUMNS) for i, c in enumerate(row)]
            for row in (reasoning_rows(run, summary) if has_reasoning(run) else [])
        ],
        highlights=highlight_items(run, summary, quality),
        charts=[Markup(svg) for svg in safe_charts(run, summary, quality)],
        tall_chart=tall_chart(summary),
        quality_rows=quality or [],
        quality=quality_table(run, quality or []),
        prompt_header=header_row,
        prompt_text=(0, 1, len(header_row) - 1),
        checks_html=checks_html(summary),
        arena_html=arena_html(quality),
        prompt_rows=prompt_rows,
        environment=[*environment_items(run.environment), *settings_items(run)],
        imported=model_details(run),
        prompts=prompts if any(text != "–" for _, text in prompts) else [],
        sweep=sweep_html(run),
    )


__all__ = ["CSP", "PAGE_START", "STYLE", "render_html"]
