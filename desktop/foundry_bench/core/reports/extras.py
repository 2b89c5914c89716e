"""What the reports say of automatic checks and of the arena ranking, in every format.

``checks_rows`` and ``ARENA_NOTE`` are shared by Markdown, HTML and the Quality page; the HTML
sections are rendered here with autoescaping (model ids are untrusted) and put into
``core.reports.html``'s page as ready markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
from markupsafe import Markup

from foundry_bench.core.config.checks import stored_tally
from foundry_bench.core.quality.rows import QualityRow, arena_of
from foundry_bench.core.reports import svg as svg_charts
from foundry_bench.core.reports.text import fmt_number

CHECKS_HEADER = ("Model", "Checks passed", "Checks run", "Pass rate")
ARENA_NOTE = (
    "Bradley-Terry ratings of the side-by-side votes on the Elo scale (400 points = 10:1 odds "
    "of being preferred, mean 1000), a tie half a win each, with bootstrap 95% intervals; "
    "people's votes only."
)
ARENA_HEADER = ("Model", "Rating", "95% CI", "Wins", "Losses", "Ties")

_CHECKS_HTML = """<section id="checks">
<h2>Automatic checks</h2>
<div class="scroll"><table>
<tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for m, p, t, r in rows %}<tr><td class="text">{{ m }}</td><td class="num">{{ p }}</td>
<td class="num">{{ t }}</td><td class="num">{{ "%.0f%%" % (r * 100) }}</td></tr>
{% endfor %}</table></div>
</section>"""

_ARENA_HTML = """<h3>Arena ranking</h3>
<p>{{ note }}</p>
<div class="scroll"><table>
<tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for e in rows %}<tr><td class="text">{{ e.model }}</td>
<td class="num">{{ fmt(e.rating, 0) }}</td>
<td class="num">{{ fmt(e.ci_low, 0) }}–{{ fmt(e.ci_high, 0) }}</td><td class="num">{{ e.wins }}</td>
<td class="num">{{ e.losses }}</td><td class="num">{{ e.ties }}</td></tr>
{% endfor %}</table></div>"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
Bars = list[tuple[str, float | None, tuple[float, float] | None]]


def checks_rows(summary: Sequence[Mapping[str, Any]]) -> list[tuple[str, int, int, float]]:
    """(model, passed, total, pass rate) of every model whose answers had automatic checks."""
    rows = []
    for entry in summary:
        tally = stored_tally(entry.get("checks"))
        if tally is not None:
            passed, total = tally
            rows.append((str(entry.get("model")), passed, total, passed / total))
    return rows


def checks_html(summary: Sequence[Mapping[str, Any]]) -> Markup:
    rows = checks_rows(summary)
    if not rows:
        return Markup("")
    return Markup(_ENV.from_string(_CHECKS_HTML).render(header=CHECKS_HEADER, rows=rows))


def arena_html(quality: Sequence[QualityRow] | None) -> Markup:
    rows = arena_of(quality)
    if not rows:
        return Markup("")
    html = _ENV.from_string(_ARENA_HTML).render(
        header=ARENA_HEADER, rows=rows, note=ARENA_NOTE, fmt=fmt_number
    )
    return Markup(html)


def extra_charts(
    summary: Sequence[Mapping[str, Any]], quality: Sequence[QualityRow] | None
) -> list[str]:
    """The checks' pass rates and the arena ratings as SVG bar charts (those that exist)."""
    out = []
    rates: Bars = [(m, r * 100, None) for m, _p, _t, r in checks_rows(summary)]
    if rates:
        out.append(
            svg_charts.bar_chart(rates, title="Automatic checks passed", unit="%", limit=100)
        )
    ratings: Bars = [
        (e["model"], e["rating"], (e["ci_low"], e["ci_high"])) for e in arena_of(quality)
    ]
    if ratings:
        out.append(
            svg_charts.bar_chart(ratings, title="Arena rating (95% CI)", unit="Elo", digits=0)
        )
    return out
