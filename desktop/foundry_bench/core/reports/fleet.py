"""The fleet report (``foundry-bench fleet``): Markdown, CSV, HTML and JSON of a
:class:`~foundry_bench.core.analysis.fleet.Fleet`.

Device labels, model ids, run ids and messages are untrusted text (a label is typed on
another machine): Markdown cells go through ``md_text``, CSV cells through the formula
neutralizer of ``core.reports.csv_report``, and the HTML page is Jinja2 with autoescaping
under the reports' no-script Content-Security-Policy.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from foundry_bench import __version__
from foundry_bench.core.analysis.fleet import (
    FLEET_METRICS,
    FLEET_SCHEMA_VERSION,
    METRIC_BY_KEY,
    Fleet,
    FleetCell,
    heat_matrix,
    misses_by_model,
)
from foundry_bench.core.reports.csv_report import csv_table
from foundry_bench.core.reports.html import CSP, PAGE_START, STYLE
from foundry_bench.core.reports.text import DASH, fmt_number, md_table, md_text

FLEET_FORMATS = ("md", "csv", "html", "json")
#: The statistic of the device x model grid in the Markdown and HTML reports.
PIVOT_METRIC = "p95_latency_ms"
CI_COLUMNS = tuple(
    f"{m.key}_ci_{end}"
    for m in FLEET_METRICS
    if m.key in ("p50_latency_ms", "p95_latency_ms", "p50_ttft_ms", "quality")
    for end in ("lo", "hi")
)
#: CSV columns: the issue's nine first, then the CIs, checks and the constraint verdict.
CSV_COLUMNS = (
    "device",
    "model",
    *(m.key for m in FLEET_METRICS),
    *CI_COLUMNS,
    "checks_passed",
    "checks_total",
    "meets_constraints",
    "reasons",
)
TABLE_HEADER = ("Device", "Model", *(m.title for m in FLEET_METRICS), "Checks", "Meets")


def cell_text(cell: FleetCell | None, key: str) -> str:
    """``123.4 (110.2–130.9)``: the statistic with its 95% CI where the run has one."""
    if cell is None:
        return DASH
    metric = METRIC_BY_KEY[key]
    text = fmt_number(cell.value(key), metric.digits)
    ci = cell.cis.get(key)
    if ci is not None and text != DASH:
        text += f" ({fmt_number(ci[0], metric.digits)}–{fmt_number(ci[1], metric.digits)})"
    return text


def checks_text(cell: FleetCell) -> str:
    return f"{cell.checks[0]}/{cell.checks[1]}" if cell.checks else DASH


def verdict_text(cell: FleetCell) -> str:
    return "yes" if cell.qualifies else "no: " + "; ".join(cell.reasons)


def row_cells(cell: FleetCell) -> list[str]:
    """One row of the long table as display text (not escaped), in ``TABLE_HEADER`` order."""
    return [
        cell.device,
        cell.model,
        *(cell_text(cell, m.key) for m in FLEET_METRICS),
        checks_text(cell),
        verdict_text(cell),
    ]


def table_rows(fleet: Fleet) -> list[list[str]]:
    """The long table: one row per device x model."""
    return [row_cells(cell) for cell in fleet.ordered_cells()]


def summary_lines(fleet: Fleet) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(device, best model and why)`` and ``(model, where it misses)`` as raw text."""
    best = [
        (d.name, f"{d.best}: {d.why}" if d.best else f"no model qualifies. {d.why}")
        for d in fleet.devices
    ]
    misses = [
        (model, "; ".join(f"{m.device} ({', '.join(m.reasons)})" for m in found))
        for model, found in misses_by_model(fleet).items()
    ]
    return best, misses


def _constraints_text(fleet: Fleet) -> str:
    return " · ".join(fleet.constraints.describe()) or "none set"


def to_markdown(fleet: Fleet) -> str:
    best, misses = summary_lines(fleet)
    lines = [
        "# Fleet report",
        "",
        f"{len(fleet.devices)} device(s) · {len(fleet.models)} model(s) · constraints: "
        f"{md_text(_constraints_text(fleet))}",
        "",
        "## Best model per device",
        "",
        *(f"- **{md_text(device)}:** {md_text(text)}" for device, text in best),
        "",
        "## Where a model misses a constraint",
        "",
        *(f"- **{md_text(model)}:** {md_text(text)}" for model, text in misses),
    ]
    if not misses:
        lines.append("- none: every model qualifies on every device it ran on")
    rows = [[md_text(c) for c in row] for row in table_rows(fleet)]
    lines += ["", "## Device x model", ""]
    lines += md_table(TABLE_HEADER, rows, "ll" + "r" * len(FLEET_METRICS) + "rl")
    title = METRIC_BY_KEY[PIVOT_METRIC].title
    grid = [
        [md_text(d.name), *(cell_text(fleet.cell(d.name, m), PIVOT_METRIC) for m in fleet.models)]
        for d in fleet.devices
    ]
    lines += ["", f"## {title} by device", ""]
    lines += md_table(["Device", *map(md_text, fleet.models)], grid, "l" + "r" * len(fleet.models))
    lines += ["", "## Runs", ""]
    lines += md_table(
        ("Device", "Run", "Started", "App", "Folder"),
        (
            [
                md_text(d.name),
                md_text(d.run_id),
                md_text(d.started_at),
                md_text(d.app),
                md_text(d.run_dir.name),
            ]
            for d in fleet.devices
        ),
        "lllll",
    )
    for heading, items in (("Notes", fleet.notes), ("Left out", fleet.skipped)):
        if items:
            lines += ["", f"## {heading}", "", *(f"- {md_text(item)}" for item in items)]
    lines += ["", f"*foundry-bench {__version__}*", ""]
    return "\n".join(lines)


def to_csv(fleet: Fleet) -> str:
    """One row per device x model; the statistics unrounded, as each run's summary has them."""
    rows = []
    for cell in fleet.ordered_cells():
        row: list[object] = [cell.device, cell.model, *(cell.value(m.key) for m in FLEET_METRICS)]
        for column in CI_COLUMNS:
            key, end = column.rsplit("_ci_", 1)
            ci = cell.cis.get(key)
            row.append(None if ci is None else ci[0 if end == "lo" else 1])
        row += [
            cell.checks[0] if cell.checks else None,
            cell.checks[1] if cell.checks else None,
            cell.qualifies,
            "; ".join(cell.reasons),
        ]
        rows.append(row)
    return csv_table(CSV_COLUMNS, rows)


def fleet_to_dict(fleet: Fleet) -> dict[str, Any]:
    """The JSON form (``--format json``): unrounded statistics, CIs as ``[lo, hi]``."""

    def cell_dict(cell: FleetCell) -> dict[str, Any]:
        data: dict[str, Any] = {"device": cell.device, "model": cell.model}
        for metric in FLEET_METRICS:
            data[metric.key] = cell.value(metric.key)
            ci = cell.cis.get(metric.key)
            data[f"{metric.key}_ci"] = list(ci) if ci is not None else None
        data["checks"] = (
            {"passed": cell.checks[0], "total": cell.checks[1]} if cell.checks else None
        )
        data["meets_constraints"] = cell.qualifies
        data["reasons"] = list(cell.reasons)
        return data

    return {
        "schema_version": FLEET_SCHEMA_VERSION,
        "app": f"foundry-bench {__version__}",
        "constraints": asdict(fleet.constraints),
        "devices": [
            {
                "device": d.name,
                "label": d.label,
                "run_id": d.run_id,
                "run_dir": str(d.run_dir),
                "started_at": d.started_at,
                "app": d.app,
                "best": d.best,
                "why": d.why,
            }
            for d in fleet.devices
        ],
        "models": list(fleet.models),
        "cells": [cell_dict(cell) for cell in fleet.ordered_cells()],
        "misses": [
            {"model": m.model, "device": m.device, "reasons": list(m.reasons)} for m in fleet.misses
        ],
        "notes": list(fleet.notes),
        "skipped": list(fleet.skipped),
    }


def to_json(fleet: Fleet) -> str:
    # ASCII escapes: a label's C1 controls or lone surrogates stay inert on a terminal.
    return json.dumps(fleet_to_dict(fleet), indent=2, ensure_ascii=True) + "\n"


def _shade(value: float | None, low: float, high: float, higher_is_better: bool) -> str:
    """An inline background from green (best) to red (worst) for a grid cell."""
    if value is None or high <= low:
        return ""
    share = (value - low) / (high - low)
    good = share if higher_is_better else 1.0 - share
    return f"background: hsl({good * 120:.0f}, 60%, 85%)"


TEMPLATE = (
    PAGE_START
    + """<h1>Fleet report</h1>
<p class="meta">{{ n_devices }} device(s) · {{ n_models }} model(s) · constraints:
{{ constraints }}</p>
<section id="best">
<h2>Best model per device</h2>
<ul>{% for device, text in best %}<li><b>{{ device }}:</b> {{ text }}</li>{% endfor %}</ul>
</section>
<section id="misses">
<h2>Where a model misses a constraint</h2>
<ul>{% for model, text in misses %}<li><b>{{ model }}:</b> {{ text }}</li>
{% else %}<li>none: every model qualifies on every device it ran on</li>{% endfor %}</ul>
</section>
<section id="grid">
<h2>{{ pivot_title }} by device</h2>
<div class="scroll"><table>
<tr><th>Device</th>{% for m in models %}<th>{{ m }}</th>{% endfor %}</tr>
{% for device, cells in grid %}<tr><th>{{ device }}</th>
{% for text, shade in cells %}<td class="num" style="{{ shade }}">{{ text }}</td>{% endfor %}
</tr>{% endfor %}</table></div>
</section>
<section id="table">
<h2>Device x model</h2>
<div class="scroll"><table>
<tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for c in row %}<td class="{{ 'text' if loop.index in (1, 2, 11)
else 'num' }}">{{ c }}</td>{% endfor %}</tr>{% endfor %}</table></div>
</section>
<section id="runs">
<h2>Runs</h2>
<div class="scroll"><table>
<tr><th>Device</th><th>Run</th><th>Started</th><th>App</th><th>Folder</th></tr>
{% for d in devices %}<tr><td class="text">{{ d.name }}</td><td class="text">{{ d.run_id }}</td>
<td>{{ d.started_at }}</td><td>{{ d.app }}</td><td class="text">{{ d.run_dir.name }}</td></tr>
{% endfor %}</table></div>
</section>
{% if notes %}<section id="notes"><h2>Notes</h2>
<ul>{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul></section>{% endif %}
{% if skipped %}<section id="skipped"><h2>Left out</h2>
<ul>{% for n in skipped %}<li>{{ n }}</li>{% endfor %}</ul></section>{% endif %}
<footer>foundry-bench {{ version }}</footer>
</main>
</body>
</html>
"""
)


def to_html(fleet: Fleet) -> str:
    import jinja2
    from markupsafe import Markup

    best, misses = summary_lines(fleet)
    metric = METRIC_BY_KEY[PIVOT_METRIC]
    matrix = heat_matrix(fleet, PIVOT_METRIC)
    numbers = [v for row in matrix for v in row if v is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 0.0)
    grid = [
        (
            device.name,
            [
                (
                    cell_text(fleet.cell(device.name, model), PIVOT_METRIC),
                    _shade(value, low, high, metric.higher_is_better),
                )
                for model, value in zip(fleet.models, values, strict=True)
            ],
        )
        for device, values in zip(fleet.devices, matrix, strict=True)
    ]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(
        csp=CSP,
        style=Markup(STYLE),
        title="Fleet report",
        n_devices=len(fleet.devices),
        n_models=len(fleet.models),
        constraints=_constraints_text(fleet),
        best=best,
        misses=misses,
        pivot_title=metric.title,
        models=fleet.models,
        grid=grid,
        header=TABLE_HEADER,
        rows=table_rows(fleet),
        devices=fleet.devices,
        notes=fleet.notes,
        skipped=fleet.skipped,
        version=__version__,
    )


def render_fleet(fleet: Fleet, fmt: str) -> str:
    if fmt == "md":
        return to_markdown(fleet)
    if fmt == "csv":
        return to_csv(fleet)
    if fmt == "html":
        return to_html(fleet)
    if fmt == "json":
        return to_json(fleet)
    raise ValueError(f"unknown fleet format {fmt!r} (expected one of {', '.join(FLEET_FORMATS)})")


__all__ = [
    "CSV_COLUMNS",
    "FLEET_FORMATS",
    "TABLE_HEADER",
    "cell_text",
    "render_fleet",
    "row_cells",
    "table_rows",
]
