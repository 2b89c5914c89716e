"""Run-versus-run comparisons as Markdown, HTML (self-contained, inline SVG) and JSON.

Model ids are untrusted text here as everywhere: Markdown escapes them with ``md_escape``,
the HTML page is Jinja2 with autoescaping and the same no-script CSP as ``report.html``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from markupsafe import Markup

from foundry_bench import __version__
from foundry_bench.core.analysis.compare import (
    METHOD,
    Change,
    Comparison,
    QualityChange,
    regressions,
)
from foundry_bench.core.reports import svg as svg_charts
from foundry_bench.core.reports.html import CSP, STYLE
from foundry_bench.core.reports.text import md_table, md_text

_DASH = "–"


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return _DASH
    return f"{value:.1f}" if unit in ("ms", "tok/s") else f"{value:.2f}"


def fmt_pct(value: float | None) -> str:
    return _DASH if value is None else f"{value:+.1f}%"


def fmt_ci(ci: tuple[float, float] | None, digits: int = 1) -> str:
    return _DASH if ci is None else f"{ci[0]:+.{digits}f} … {ci[1]:+.{digits}f}"


def fmt_p(p: float | None) -> str:
    if p is None:
        return _DASH
    return f"{p:.1e}" if p < 1e-4 else f"{p:.4f}"  # 3.2e-09, not "0.0000"


def change_cells(c: Change) -> list[str]:
    """One change as display text: metric, A, B, change %, CI of B - A, p, verdict."""
    return [
        f"{c.label} ({c.unit})",
        _value(c.a, c.unit),
        _value(c.b, c.unit),
        fmt_pct(c.pct),
        fmt_ci(c.ci),
        fmt_p(c.p_value),
        c.verdict,
    ]


def quality_cells(q: QualityChange) -> list[str]:
    return [
        "mean quality (1-5)",
        _value(q.a, ""),
        _value(q.b, ""),
        _DASH if q.delta is None else f"{q.delta:+.2f}",
        fmt_ci(q.ci, 2),
        _DASH,
        q.verdict,
    ]


HEADER = ("Model", "Metric", "A", "B", "Change", "95% CI of B − A", "p (U test)", "Verdict")


def _rows(result: Comparison) -> list[tuple[str, list[str], str]]:
    """``(model, cells, css class)`` for every compared statistic."""
    rows: list[tuple[str, list[str], str]] = []
    for model in result.models:
        for change in model.changes:
            kind: str = change.direction if change.direction in ("worse", "better") else ""
            rows.append((model.model, change_cells(change), kind))
        if model.quality is not None:
            verdict = model.quality.verdict
            kind = verdict if verdict in ("worse", "better") else ""
            rows.append((model.model, quality_cells(model.quality), kind))
    return rows


def to_markdown(result: Comparison, fail_pct: float | None = None) -> str:
    lines = [
        f"# Run comparison: {md_text(result.run_a)} → {md_text(result.run_b)}",
        "",
        f"- **A:** {md_text(result.run_a)} (started {md_text(result.started_a)})",
        f"- **B:** {md_text(result.run_b)} (started {md_text(result.started_b)})",
        f"- **Method:** {METHOD} alpha = {result.alpha:g}, {result.n_boot} bootstrap resamples.",
    ]
    if result.settings_changed:
        changed = "; ".join(result.settings_changed)
        lines.append(f"- **Warning, settings differ:** {md_text(changed)}")
    lines += ["", "## Changes", ""]
    rows = _rows(result)
    if rows:
        lines += md_table(
            list(HEADER),
            ([md_text(model), *(md_text(c) for c in cells)] for model, cells, _ in rows),
            "llrrrrrl",
        )
    else:
        lines.append("No model is in both runs.")
    lines += _regression_lines(result, fail_pct)
    if result.only_a or result.only_b:
        lines += ["", "## Models in one run only", ""]
        if result.only_a:
            lines.append("- **Only in A:** " + ", ".join(md_text(m) for m in result.only_a))
        if result.only_b:
            lines.append("- **Only in B:** " + ", ".join(md_text(m) for m in result.only_b))
    return "\n".join(lines) + "\n"


def _regression_lines(result: Comparison, fail_pct: float | None) -> list[str]:
    if fail_pct is None:
        return []
    found = regressions(result, fail_pct)
    lines = ["", f"## Regressions (worse by more than {fail_pct:g}% and significant)", ""]
    if not found:
        return [*lines, "None."]
    return lines + [
        f"- {md_text(c.model)}: {c.label} {fmt_pct(c.pct)} "
        f"({_value(c.a, c.unit)} → {_value(c.b, c.unit)} {c.unit})"
        for c in found
    ]


def to_json(result: Comparison, fail_pct: float | None = None) -> str:
    data = result.to_dict()
    if fail_pct is not None:
        data["fail_on_regression_pct"] = fail_pct
        data["regressions"] = [
            {"model": c.model, "metric": c.metric, "stat": c.stat, "pct": c.pct}
            for c in regressions(result, fail_pct)
        ]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="referrer" content="no-referrer">
<title>Run comparison: {{ r.run_a }} → {{ r.run_b }}</title>
<style>{{ style }}
tr.worse td:last-child { color: #B2182B; font-weight: 600; }
tr.better td:last-child { color: #2166AC; font-weight: 600; }
</style>
</head>
<body>
<main>
<h1>Run comparison</h1>
<p class="meta">A: <b>{{ r.run_a }}</b> (started {{ r.started_a or "–" }}) →
B: <b>{{ r.run_b }}</b> (started {{ r.started_b or "–" }})</p>
{% if r.settings_changed %}<div class="card pick none">Settings differ, so some changes may
not be the model's doing: {{ r.settings_changed | join("; ") }}</div>{% endif %}
{% if fail_pct is not none %}<div class="card pick{{ ' none' if found else '' }}">
{% if found %}<b>{{ found | length }} regression(s)</b> worse by more than {{ fail_pct }}% and
significant:
<ul>{% for c in found %}<li>{{ c.model }}: {{ c.label }} {{ pct(c.pct) }}</li>{% endfor %}</ul>
{% else %}No regression worse than {{ fail_pct }}%.{% endif %}</div>{% endif %}
<section id="chart"><div class="charts">
{% for chart in charts %}<figure>{{ chart }}</figure>{% endfor %}
</div></section>
<section id="changes">
<h2>Changes</h2>
<div class="scroll"><table>
<tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for model, cells, kind in rows %}<tr class="{{ kind }}"><td class="text">{{ model }}</td>
{% for cell in cells -%}
<td class="{{ 'text' if loop.first or loop.last else 'num' }}">{{ cell }}</td>
{% endfor %}</tr>
{% endfor %}</table></div>
</section>
{% if r.only_a or r.only_b %}<section id="only">
<h2>Models in one run only</h2>
<ul>{% if r.only_a %}<li>Only in A: {{ r.only_a | join(", ") }}</li>{% endif %}
{% if r.only_b %}<li>Only in B: {{ r.only_b | join(", ") }}</li>{% endif %}</ul>
</section>{% endif %}
<footer>{{ method }} alpha = {{ r.alpha }}, {{ r.n_boot }} bootstrap resamples.
Made by foundry-bench {{ version }}.</footer>
</main>
</body>
</html>
"""


def _chart(result: Comparison, stat_label: str) -> str:
    items: list[tuple[str, float | None, tuple[float, float] | None, bool]] = []
    for model in result.models:
        change = next((c for c in model.changes if c.label == stat_label), None)
        if change is not None:
            items.append((model.model, change.pct, change.ci_pct, change.significant))
    return svg_charts.change_chart(items, title=f"Change in {stat_label}, B vs A (95% CI)")


def to_html(result: Comparison, fail_pct: float | None = None) -> str:
    import jinja2

    found: Sequence[Change] = regressions(result, fail_pct) if fail_pct is not None else []
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(
        csp=CSP,
        style=Markup(STYLE),
        r=result,
        fail_pct=fail_pct,
        found=found,
        pct=fmt_pct,
        header=HEADER,
        rows=_rows(result),
        charts=[Markup(_chart(result, label)) for label in ("p50 latency", "p95 latency")],
        method=METHOD,
        version=__version__,
    )


def render(result: Comparison, fmt: str, fail_pct: float | None = None) -> str:
    if fmt == "md":
        return to_markdown(result, fail_pct)
    if fmt == "html":
        return to_html(result, fail_pct)
    if fmt == "json":
        return to_json(result, fail_pct)
    raise ValueError(f"unknown comparison format {fmt!r} (expected md, html or json)")


__all__ = ["HEADER", "change_cells", "render", "to_html", "to_json", "to_markdown"]
