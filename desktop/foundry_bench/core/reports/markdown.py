"""The Markdown report of a run (``benchmark_report.md``): highlights, the summary table,
quality, the recommendation, per-prompt statistics and the environment.

Every cell of untrusted text goes through ``core.reports.text`` (``md_text``), so an answer
cannot break the table or inject markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from foundry_bench.core.analysis.recommend import Constraints, Recommendation, recommend
from foundry_bench.core.analysis.stats import ensure_summary, summarize_by_prompt
from foundry_bench.core.quality.rows import QualityRow, arena_of
from foundry_bench.core.reports.content import (
    candidate_cells,
    environment_items,
    first_answers,
    highlights,
    model_details,
    prompt_cells,
    prompt_header,
    prompt_text,
    settings_items,
    settings_line,
    table_scales,
)
from foundry_bench.core.reports.extras import ARENA_NOTE, CHECKS_HEADER, checks_rows
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
from foundry_bench.core.reports.summary_table import summary_tables
from foundry_bench.core.reports.sweep_section import sweep_markdown
from foundry_bench.core.reports.text import (
    ANSWER_LIMIT,
    ERROR_LIMIT,
    fmt_number,
    md_table,
    md_text,
)
from foundry_bench.core.results.records import Run

# --- escaping ----------------------------------------------------------------------------


# --- number formatting -------------------------------------------------------------------


# --- Markdown ----------------------------------------------------------------------------


def _quality_section(run: Run, quality: Sequence[QualityRow]) -> list[str]:
    table = quality_table(run, quality)
    lines = ["", "## Quality", ""]
    lines.append(
        "Mean of every score (all criteria, all annotators) per model, and the mean per criterion."
    )
    lines.append("")
    header = [md_text(h.text) for h in table.header]
    rows = ([md_text(r[0]), *r[1:]] for r in table.rows)
    lines += md_table(header, rows, "l" + "r" * (len(header) - 1))
    if table.legend:
        lines += ["", "Criteria in full:", ""]
        lines += [f"- {md_text(h.text)}: {md_text(h.full)}" for h in table.legend]
    return lines


def _arena_section(quality: Sequence[QualityRow]) -> list[str]:
    arena = arena_of(quality)
    if not arena:
        return []
    body = (
        [
            md_text(e["model"]),
            fmt_number(e["rating"], 0),
            f"{fmt_number(e['ci_low'], 0)}–{fmt_number(e['ci_high'], 0)}",
            *(fmt_number(e[k], 0) for k in ("wins", "losses", "ties")),
        ]
        for e in arena
    )
    header = ["Model", "Rating", "95% CI", "Wins", "Losses", "Ties"]
    return ["", "## Arena ranking", "", ARENA_NOTE, "", *md_table(header, body, "lrrrrr")]


def _recommendation_section(rec: Recommendation) -> list[str]:
    constraints = rec.constraints.describe()
    lines = ["", "## Recommendation", ""]
    lines.append(
        "- **Constraints:** "
        + (" · ".join(constraints) if constraints else "none set (every model that ran qualifies)")
    )
    if rec.best is not None:
        lines.append(f"- **Recommended:** {md_text(rec.best)}. {md_text(rec.why)}")
    else:
        lines.append(f"- **Recommended:** none. {md_text(rec.why)}")
    lines.append("")
    header, cells = candidate_cells(rec)
    rows = ([md_text(r[0]), r[1], r[2], r[3], r[4], md_text(r[5], ERROR_LIMIT)] for r in cells)
    lines += md_table(header, rows, "llrrll")
    return lines


def to_markdown(
    run: Run,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> str:
    """``benchmark_report.md``: run facts, a per-model summary (with quality scores when
    given), highlights, the recommendation for ``constraints``, per-prompt results, the
    environment and the prompts."""
    summary = ensure_summary(run)
    lines = [
        f"# Benchmark report: {md_text(run.run_id)}",
        "",
        f"- **Run:** {md_text(run.run_id)}",
        f"- **Started:** {md_text(run.started_at)} · **Finished:** {md_text(run.finished_at)}",
        f"- **Status:** {md_text(run.status)}",
        f"- **Settings:** {settings_line(run)}",
    ]
    lines += ["", "## Summary", ""]
    if summary:
        for table in summary_tables(run, summary, quality):
            lines += ["", f"### {table.title}", ""] if table.title else []
            text = table.text_columns
            lines += md_table(
                table.header,
                ([md_text(c) if i in text else c for i, c in enumerate(r)] for r in table.rows),
                "".join("l" if i in text else "r" for i in range(len(table.header))),
            )
    else:
        lines.append("No models.")
    if has_resources(run):
        lines += ["", "## Load and resources", ""]
        lines += md_table(
            list(RESOURCE_HEADER),
            (
                [md_text(c) if i in RESOURCE_TEXT_COLUMNS else c for i, c in enumerate(row)]
                for row in resource_rows(run)
            ),
            "lll" + "r" * (len(RESOURCE_HEADER) - 3),
        )
    if has_reasoning(run):
        lines += ["", "## Reasoning", ""]
        lines += md_table(
            list(REASONING_HEADER),
            (
                [md_text(c) if i in REASONING_TEXT_COLUMNS else c for i, c in enumerate(row)]
                for row in reasoning_rows(run, summary)
            ),
            "lrrrrrl",
        )
    checks = checks_rows(summary)
    if checks:
        lines += ["", "## Automatic checks", ""]
        lines += md_table(
            list(CHECKS_HEADER),
            ([md_text(m), str(p), str(t), f"{r:.0%}"] for m, p, t, r in checks),
            "lrrr",
        )
    lines += ["", "## Highlights", "", *highlights(run, summary, quality)]
    lines += _recommendation_section(recommend(run, quality, constraints))
    lines += sweep_markdown(run)
    if quality:
        lines += _quality_section(run, quality)
        lines += _arena_section(quality)

    by_prompt = summarize_by_prompt(run)
    if by_prompt:
        answers = first_answers(run)
        lines += ["", "## Per prompt", ""]
        scales = table_scales(run, by_prompt)
        rows = []
        for e in by_prompt:
            cells = prompt_cells(e, answers.get((e["model"], e["prompt_id"])), scales)
            rows.append([md_text(cells[0]), md_text(cells[1]), *cells[2:-1]])
            rows[-1].append(md_text(cells[-1], ANSWER_LIMIT))
        lines += md_table(prompt_header(scales), rows, "llrrrrrrrrl")
    imported = model_details(run)
    if imported:
        lines += ["", "## Imported models", ""]
        lines += md_table(
            ["Model", "License", "Parameters, quantization, source"],
            ([md_text(m), md_text(lic), md_text(d)] for m, lic, d in imported),
            "lll",
        )
    lines += ["", "## Environment", ""]
    lines += md_table(
        ["", "Value"],
        (
            [md_text(k), md_text(v)]
            for k, v in [*environment_items(run.environment), *settings_items(run)]
        ),
        "ll",
    )
    prompts = [prompt_text(p) for p in run.prompts]
    if any(text for _, text in prompts):
        lines += ["", "## Prompts", ""]
        lines += md_table(
            ["Prompt", "Text"],
            ([md_text(pid), md_text(text, ANSWER_LIMIT)] for pid, text in prompts),
            "ll",
        )
    return "\n".join(lines) + "\n"


# --- CSV ---------------------------------------------------------------------------------


# --- JSON --------------------------------------------------------------------------------


# --- HTML --------------------------------------------------------------------------------


# --- files -------------------------------------------------------------------------------
