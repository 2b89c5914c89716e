"""The report tables read well at 1280 px (issue 18, item 8): a summary in two tables, model
ids on one line, quality criteria by name (a legend, a tooltip), and many criteria as rows."""

from __future__ import annotations

import itertools
import re

from factories import make_measured_sample, make_model_record, make_run
from foundry_bench.core.config.rubric import DEFAULT_CRITERIA, aspect_id
from foundry_bench.core.reports.html import STYLE, model_id, render_html
from foundry_bench.core.reports.markdown import to_markdown
from foundry_bench.core.reports.text import truncate
from foundry_bench.core.results.records import Run

DEMO = "foundry-bench-demo-generic-cpu:1"
HOSTILE = "<b>x</b>|y-generic-cpu:1"
LONG = "mistralai-Mistral-7B-Instruct-v0-2-with-a-very-long-suffix-generic-cpu:2"

#: Every column the one summary table had (17 with quality): none may be lost in the split.
SUMMARY_COLUMNS = {
    "Model", "Status", "OK", "Failed", "Cancelled", "p50 latency (ms)", "p95 latency (ms)",
    "p99 latency (ms)", "p50 TTFT (ms)", "p50 TPOT (ms)", "Mean output tok/s",
    "Throughput tok/s", "Load (s)", "Memory Δ (MB)", "Size (MB)", "License",
    "Quality (1-5, 95% CI)",
}  # fmt: skip

ASPECTS = [
    "states the decision to ship the beta on 14 March if the crash bugs are fixed",
    "mentions the open risks (crash bugs, thin macOS test coverage)",
    "three bullet points or fewer",
    "lists all four action items",
    "gives each item its owner, and flags the one without an owner",
    "keeps the due dates",
    "follows the requested one-per-line format",
    "says the notes never leave the device",
    "mentions that no cloud service or internet connection is needed",
    "two sentences in plain language",
    "the <b>bold</b> | piped aspect, too",
]


def _run(models: list[str], aspects: list[str] = ASPECTS) -> Run:
    samples = [
        make_measured_sample(m, "p1", r, latency_s=0.2 + r / 100, ttft_s=0.05, completion_tokens=40)
        for m in models
        for r in (1, 2, 3)
    ]
    records = [make_model_record(m, load_time_s=1.5, size_mb=900.0, license="MIT") for m in models]
    prompt = {"id": "p1", "text": "Summarize.", "aspects": aspects}
    return make_run(samples, models=records, prompts=[prompt])


def _quality(models: list[str], criteria: list[str]) -> list[dict[str, object]]:
    return [
        {"model": m, "mean": 4.0, "ci": [3.5, 4.5], "n": 9, "arena": None,
         "criteria": {c: 1 + (i + j) % 5 for j, c in enumerate(criteria)}}
        for i, m in enumerate(models)
    ]  # fmt: skip


def _criteria(n_aspects: int) -> list[str]:
    return [c.id for c in DEFAULT_CRITERIA] + [aspect_id(a) for a in ASPECTS[:n_aspects]]


def _section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}">', 1)[1].split("</section>", 1)[0]


def _headers(table_html: str) -> list[str]:
    first_row = re.search(r"<tr>(.*?)</tr>", table_html, flags=re.S)
    assert first_row
    cells = re.findall(r"<th[^>]*>(.*?)</th>", first_row.group(1), flags=re.S)
    return [re.sub(r"<[^>]+>", "", c) for c in cells]


def _md_tables(md: str, section: str) -> list[list[str]]:
    """The header rows of the Markdown tables of a ``##`` section."""
    body = md.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    lines = body.splitlines()
    return [
        [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line, below in itertools.pairwise(lines)
        if line.startswith("|") and below.startswith(("|:", "|-"))
    ]


# --- the summary --------------------------------------------------------------------------


def test_the_summary_is_two_tables_that_fit_and_keep_every_figure() -> None:
    run = _run([DEMO, "Phi-4-mini-instruct-cuda-gpu:5"])
    quality = _quality([DEMO], ["correctness"])
    summary = _section(render_html(run, quality), "summary")
    tables = summary.split("<h3>Load and resources</h3>", 1)[0].split("<table>")[1:]
    html_headers = [_headers(t) for t in tables]
    assert len(html_headers) == 2 and all(len(h) <= 10 for h in html_headers)
    assert [h[0] for h in html_headers] == ["Model", "Model"]
    assert set().union(*html_headers) == SUMMARY_COLUMNS
    # the Markdown has the same two tables
    assert _md_tables(to_markdown(run, quality), "Summary") == html_headers


def test_summary_numbers_and_their_headers_are_right_aligned() -> None:
    summary = _section(render_html(_run([DEMO])), "summary")
    assert '<th class="text">Model</th>' in summary and '<th class="num">OK</th>' in summary
    assert '<th class="num">p50 latency (ms)</th>' in summary
    assert '<th class="text">License</th>' in summary and '<td class="num">3</td>' in summary
    assert "th.num { text-align: right; }" in STYLE


def test_a_model_id_stays_on_one_line_and_escaped() -> None:
    html = render_html(_run([DEMO, HOSTILE]))
    summary = _section(html, "summary")
    assert f'<td class="text"><span class="id">{DEMO}</span></td>' in summary
    assert '<span class="id">&lt;b&gt;x&lt;/b&gt;|y-generic-cpu:1</span>' in summary
    assert "<b>x" not in html and ".id { white-space: nowrap; }" in STYLE
    per_prompt = _section(html, "per-prompt")
    assert f'<span class="id">{DEMO}</span>' in per_prompt and "<wbr>" not in html


def test_an_id_too_long_for_one_line_wraps_only_after_a_separator() -> None:
    html = str(model_id(LONG + "<i>"))
    assert "<i>" not in html and "&lt;i&gt;" in html and 'class="id"' not in html
    assert html.count("<wbr>") == LONG.count("-") + LONG.count(":")
    assert all(re.search(r"[-:_/.]$", part) for part in html.split("<wbr>")[:-1])
    assert html.replace("<wbr>", "") == LONG + "&lt;i&gt;"


# --- quality ------------------------------------------------------------------------------


def test_quality_criteria_are_named_and_shortened_with_the_whole_text_in_a_tooltip() -> None:
    models = [DEMO, HOSTILE]
    criteria = [*_criteria(1), aspect_id(ASPECTS[-1])]  # six: a column per criterion
    run, quality = _run(models), _quality(models, criteria)
    section = _section(render_html(run, quality), "quality")
    assert "aspect:" not in section and "<b>bold" not in section
    headers = _headers(section)
    assert headers[:4] == ["Model", "Scores", "Quality (1-5, 95% CI)", "Correctness"]
    assert headers[-2:] == ["states the decision to ship…", "the &lt;b&gt;bold&lt;/b&gt; | piped…"]
    assert f'title="{ASPECTS[0]}">states the decision to ship…</th>' in section
    assert 'title="the &lt;b&gt;bold&lt;/b&gt; | piped aspect, too"' in section
    assert '<td class="text"><span class="id">&lt;b&gt;x&lt;/b&gt;|y-generic-cpu:1' in section


def test_markdown_quality_headers_are_short_with_a_legend_below() -> None:
    models = [DEMO, "Phi-4-mini-instruct-cuda-gpu:5"]
    criteria = [*_criteria(1), aspect_id(ASPECTS[-1])]
    md = to_markdown(_run(models), _quality(models, criteria))
    section = md.split("## Quality\n", 1)[1].split("\n## ", 1)[0]
    assert "aspect:" not in section
    [header] = _md_tables(md, "Quality")
    assert header[3:] == [
        "Correctness", "Completeness", "Clarity", "Conciseness",
        "states the decision to ship…", r"the &lt;b&gt;bold&lt;/b&gt; \| piped…",
    ]  # fmt: skip
    legend = section.split("Criteria in full:", 1)[1].strip().splitlines()
    assert legend == [
        f"- states the decision to ship…: {ASPECTS[0]}",
        r"- the &lt;b&gt;bold&lt;/b&gt; \| piped…: "
        r"the &lt;b&gt;bold&lt;/b&gt; \| piped aspect, too",
    ]


def test_fifteen_criteria_are_rows_and_the_few_models_columns() -> None:
    models = [DEMO, "Phi-4-mini-instruct-cuda-gpu:5", HOSTILE]
    criteria = _criteria(11)
    assert len(criteria) == 15
    run, quality = _run(models), _quality(models, criteria)
    section = _section(render_html(run, quality), "quality")
    assert _headers(section) == ["Criterion", DEMO, "Phi-4-mini-instruct-cuda-gpu:5",
                                 "&lt;b&gt;x&lt;/b&gt;|y-generic-cpu:1"]  # fmt: skip
    # a row names its criterion in full: a row has the room a header has not
    assert f'<td class="text">{ASPECTS[0]}</td>' in section and "…" not in section
    md = to_markdown(run, quality)
    [header] = _md_tables(md, "Quality")
    assert header == ["Criterion", DEMO, "Phi-4-mini-instruct-cuda-gpu:5",
                      r"&lt;b&gt;x&lt;/b&gt;\|y-generic-cpu:1"]  # fmt: skip
    body = md.split("## Quality\n", 1)[1].split("\n## ", 1)[0]
    assert f"| {ASPECTS[0]} | 5.00 | 1.00 | 2.00 |" in body and "Criteria in full" not in body


def test_a_label_is_shortened_at_a_word() -> None:
    assert truncate(ASPECTS[0], 30, words=True) == "states the decision to ship…"
    assert truncate(ASPECTS[4], 30, words=True) == "gives each item its owner…"  # no comma
    assert truncate("abcdefghijklmnopqrstuvwxyz0123456789", 30, words=True) == (
        "abcdefghijklmnopqrstuvwxyz012…"
    )


# --- charts -------------------------------------------------------------------------------


def test_chart_cards_line_up_and_the_ecdf_spans_two_rows_beside_two_box_plots() -> None:
    few = _section(render_html(_run([DEMO, HOSTILE])), "charts")
    figures = re.findall(r"<figure([^>]*)><svg [^>]*aria-label=\"([^\"]+)\"", few)
    assert figures[1] == (' class="tall"', "Latency, cumulative share of requests")
    assert [attrs for attrs, _ in figures].count(' class="tall"') == 1
    assert ".charts figure.tall { grid-row: span 2; }" in STYLE
    assert "align-items: stretch" in STYLE and "justify-content: flex-start" in STYLE
    many = _section(render_html(_run([f"model-{i}" for i in range(5)])), "charts")
    assert "tall" not in many  # five box plots rows each: the ECDF fits one row
