"""core.report: Markdown / CSV / JSON / HTML exports of a hand-built run, and escaping of
untrusted model output."""

from __future__ import annotations

import csv
import io
import json
import re
from functools import partial
from pathlib import Path

import pytest

from factories import make_measured_sample, make_model_record, make_run
from foundry_bench.core.analysis.recommend import Constraints, recommend
from foundry_bench.core.analysis.stats import ensure_summary
from foundry_bench.core.quality.rows import (
    QualityInputError,
    find_annotation_files,
    load_quality,
)
from foundry_bench.core.reports.csv_report import (
    SAMPLE_COLUMNS,
    SUMMARY_COLUMNS,
    to_csv,
    to_summary_csv,
)
from foundry_bench.core.reports.formats import FORMATS, render, to_html, to_json, write_reports
from foundry_bench.core.reports.markdown import to_markdown
from foundry_bench.core.reports.text import ANSWER_LIMIT, csv_safe, md_escape
from foundry_bench.core.results.records import ModelRecord, Run, Sample
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import load_run, write_results

# The answers of these tests: 5 prompt tokens and, unless told, 10 completion tokens.
answer = partial(
    make_measured_sample,
    prompt_tokens=5,
    completion_tokens=10,
    tokens_source="usage",
    finish_reason="stop",
    response="fine",
)
failure = partial(make_measured_sample, status="error", prompt_tokens=5)


def report_run(samples: list[Sample], models: list[ModelRecord], **environment: object) -> Run:
    """The run every report here is made of: two prompts, finished a minute after it began."""
    return make_run(
        samples,
        models=models,
        prompts=[{"id": "p1", "text": "Say hi"}, {"id": "p2", "text": "Count to 3"}],
        finished_at="2025-01-01T00:01:00.000Z",
        settings=RunSettings(rounds=2, warmup_rounds=1, max_tokens=64, seed=7),
        environment=dict(environment),
    )


def via_results_json(run: Run, folder: Path) -> Run:
    """The run as a reader sees it: written to ``results.json`` and loaded back."""
    write_results(folder, run)
    return load_run(folder / "results.json")


@pytest.fixture()
def run(tmp_path: Path) -> Run:
    samples = [
        # A warm-up: excluded from every statistic.
        answer("alpha", "p1", 1, latency_s=9.0, ttft_s=0.5, warmup=True),
        answer("alpha", "p1", 1, latency_s=0.1, ttft_s=0.01, response="Hello!"),
        answer("alpha", "p1", 2, latency_s=0.2, ttft_s=0.02),
        answer("alpha", "p2", 1, latency_s=0.3, ttft_s=0.03, response="1, 2, 3"),
        answer("alpha", "p2", 2, latency_s=0.4, ttft_s=0.04),
        failure("alpha", "p2", 3, error="HTTP 500: server error"),
        answer("beta", "p1", 1, latency_s=0.15, ttft_s=0.005, completion_tokens=60),
        answer("beta", "p2", 1, latency_s=0.6, ttft_s=0.005, completion_tokens=60),
    ]
    models = [
        make_model_record(
            "alpha", load_time_s=1.234, memory_delta_mb=512.26, size_mb=1024.0, license="MIT"
        ),
        make_model_record("beta", load_time_s=0.5, size_mb=48.04, license="Apache-2.0"),
        make_model_record("gamma", status="failed", error="cannot connect: connection refused"),
    ]
    built = report_run(
        samples,
        models,
        app="0.1.0",
        python="3.11.9",
        endpoint={"kind": "external", "url": "http://user:hunter2@127.0.0.1:5273/v1"},
        api_key="sk-secret",
        versions={"foundry-local-sdk": "0.5.1", "auth_token": "tok-secret"},
        memory_gb=31.4,
    )
    return via_results_json(built, tmp_path / "fixed-run")


def cells(line: str) -> list[str]:
    """The cells of a Markdown table row, split on unescaped pipes."""
    parts = re.split(r"(?<!\\)\|", line.strip())
    assert parts[0] == "" and parts[-1] == "", line
    return [p.strip() for p in parts[1:-1]]


def table_row(md: str, section: str, first: str, second: str | None = None) -> list[str]:
    body = md.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    for line in body.splitlines():
        if line.startswith("|"):
            row = cells(line)
            if row[0] == first and (second is None or row[1] == second):
                return row
    raise AssertionError(f"no row {first!r} {second!r} in {section}")


# --- Markdown -----------------------------------------------------------------------------


def test_markdown_header_and_summary_table(run: Run) -> None:
    md = to_markdown(run)
    assert md.startswith("# Benchmark report: run-1\n")
    assert "**Status:** completed" in md
    assert "rounds 2 · warm-up 1 · max tokens 64 · temperature 0 · seed 7" in md
    env = md.split("## Environment\n", 1)[1].split("\n## ", 1)[0]
    assert "| App | 0.1.0 |" in env and "| Memory (GB) | 31.4 |" in env
    assert "| Python | 3.11.9 |" in env and "| Versions | foundry-local-sdk 0.5.1 |" in env
    assert "| Endpoint | kind external, url http://127.0.0.1:5273/v1 |" in env
    assert "| Max tokens | 64 |" in env and "| Seed | 7 |" in env
    assert "hunter2" not in md and "secret" not in md

    # Two tables: the key figures (status, ok, failed, cancelled, p50/p95 latency, p50 TTFT,
    # mean tok/s) and the detail (p99 latency, p50 TPOT, throughput: no start/end times in these
    # samples, load, mem, size, lic); each column's unit and decimals come from its values (3
    # significant digits of the typical one), so latencies of ~400 ms have none and TTFTs of
    # 5-25 ms one.
    assert "| p50 latency (ms) | p95 latency (ms) |" in md and "| Load (s) |" in md
    assert summary_rows(md, "alpha") == [
        ["ok", "4", "1", "0", "250", "385", "25.0", "52"],
        ["397", "25.0", "–", "1.23", "512", "1024", "MIT"],
    ]
    assert summary_rows(md, "beta") == [
        ["ok", "2", "0", "0", "375", "578", "5.0", "250"],
        ["596", "6.3", "–", "0.50", "–", "48.0", "Apache-2.0"],
    ]
    key, detail = summary_rows(md, "gamma")
    assert key[:4] == ["failed", "0", "0", "0"] and set(key[4:]) == set(detail) == {"–"}


def summary_rows(md: str, model: str) -> list[list[str]]:
    """The model's row in each table of the Summary section, without the model cell."""
    body = md.split("## Summary\n", 1)[1].split("\n## ", 1)[0]
    return [cells(line)[1:] for line in body.splitlines() if line.startswith(f"| {model} |")]


def test_markdown_highlights(run: Run) -> None:
    md = to_markdown(run)
    highlights = md.split("## Highlights\n", 1)[1].split("\n## ", 1)[0]
    assert "**Fastest p95 latency:** alpha (385 ms)" in highlights
    assert "**Lowest p50 TTFT:** beta (5.00 ms)" in highlights
    assert "**Highest output tokens/s:** beta (250 tok/s mean)" in highlights
    assert "gamma (failed): cannot connect: connection refused" in highlights
    assert "alpha: 1 of 5 requests failed (first error: HTTP 500: server error)" in highlights


def test_markdown_per_prompt_table(run: Run) -> None:
    md = to_markdown(run)
    assert table_row(md, "Per prompt", "alpha", "p1")[2:] == [
        "2", "0", "0", "150", "195", "15.0", "15.0", "75", "Hello!",
    ]  # fmt: skip
    assert table_row(md, "Per prompt", "alpha", "p2")[2:5] == ["2", "1", "0"]
    assert table_row(md, "Per prompt", "beta", "p2")[5] == "600"
    assert "| gamma |" not in md.split("## Per prompt", 1)[1]


def test_markdown_without_samples() -> None:
    md = to_markdown(report_run([], [make_model_record("m", status="skipped", error="no GPU")]))
    assert "**Failures:**" in md and "m (skipped): no GPU" in md
    assert "Fastest" not in md and "## Per prompt" not in md
    assert "**Failures:** none" in to_markdown(report_run([], []))


# --- hostile output -----------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "| pipe | in | answer |",
    "line one\nline two\r\nline three\rfour",
    '=HYPERLINK("http://x")',
    "+1+1",
    "-cmd",
    "@SUM(A1)",
    "\tstarts with a tab",
    "\rstarts with CR",
    "日本語の回答です",
    "العربية نص",
    "x" * 5000,
    "`code` [link](javascript:alert(1)) *bold* back\\slash",
]
EVIL_MODEL = "-evil|<b>model</b>\n"


@pytest.fixture()
def hostile_run(tmp_path: Path) -> Run:
    samples = [
        answer(EVIL_MODEL, f"p{i}", 1, latency_s=0.1 + i / 100, ttft_s=0.01, response=text)
        for i, text in enumerate(HOSTILE)
    ]
    samples.append(failure("=cmd|' /C calc'!A0", "p0", 1, error="=1+2"))
    negative = answer("plain", "p0", 1, latency_s=0.5, ttft_s=0.1)
    negative.latency_s = -1.5  # numbers stay numbers, negative too
    samples.append(negative)
    models = [
        make_model_record(EVIL_MODEL, memory_delta_mb=-12.5, license="=EVIL()"),
        make_model_record("plain", status="failed", error="<img src=x onerror=alert(1)>|\nboom"),
    ]
    run = report_run(samples, models)
    run.prompts = [{"id": f"p{i}", "text": t} for i, t in enumerate(HOSTILE)]
    return via_results_json(run, tmp_path / "hostile-run")


def test_md_escape() -> None:
    assert md_escape("a|b") == "a\\|b"
    assert md_escape("<b>&</b>") == "&lt;b&gt;&&lt;/b&gt;"
    assert md_escape("a\r\nb\nc\rd\u2028e") == "a b c d e"
    assert md_escape("\\`*_[]") == "\\\\\\`\\*\\_\\[\\]"
    assert md_escape("日本語 العربية") == "日本語 العربية"
    assert md_escape("\x1b[31mred\x00") == " \\[31mred "


def test_markdown_neutralises_hostile_text(hostile_run: Run) -> None:
    md = to_markdown(hostile_run)
    assert "<script" not in md and "<b>" not in md and "<img" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\| pipe \\| in \\| answer \\|" in md
    assert "line one line two line three four" in md
    assert "日本語の回答です" in md and "العربية نص" in md
    assert "x" * 5000 not in md
    assert ("x" * (ANSWER_LIMIT - 1)) + "…" in md
    assert "\\[link\\](javascript:alert(1))" in md
    # every table keeps its shape: each row has as many cells as its header
    for block in re.findall(r"(?:^\|.*\n)+", md, flags=re.M):
        widths = {len(cells(line)) for line in block.splitlines()}
        assert len(widths) == 1, block
    # no value spilled onto a line of its own
    for line in md.splitlines():
        assert line == "" or line.startswith(("#", "- ", "  - ", "|")), line


def test_csv_safe() -> None:
    for text in ('=HYPERLINK("http://x")', "+1+1", "-cmd", "@SUM(A1)", "\tx", "\rx", "-", "+"):
        assert csv_safe(text) == "'" + text
    for value in (-1.5, 3, 0.0, "-1.5", "+2", "-3e-5", "ok", "", "日本語", None, "a=b"):
        assert csv_safe(value) == value


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_report_csv_rows_and_neutralisation(hostile_run: Run) -> None:
    text = to_csv(hostile_run)
    rows = parse_csv(text)
    assert rows[0] == list(SAMPLE_COLUMNS)
    assert "itl_s" not in rows[0] and "response" in rows[0]
    assert len(rows) == 1 + len(hostile_run.samples)
    assert all(len(r) == len(SAMPLE_COLUMNS) for r in rows)
    col = {name: i for i, name in enumerate(rows[0])}
    responses = [r[col["response"]] for r in rows[1 : 1 + len(HOSTILE)]]
    expected = ["'" + t if t[0] in "=+-@\t\r" else t for t in HOSTILE]
    assert responses == expected  # full text, newlines and all, only prefixed
    assert rows[1][col["model"]] == "'" + EVIL_MODEL
    assert rows[-2][col["error"]] == "'=1+2"
    assert rows[-1][col["latency_s"]] == "-1.5"
    assert rows[-1][col["warmup"]] == "false"
    for row in rows[1:]:
        for cell in row:
            if cell and cell[0] in "=+-@\t\r":
                float(cell)  # only numbers may start with a trigger character


def test_report_csv_of_fixed_run(run: Run) -> None:
    rows = parse_csv(to_csv(run))
    assert len(rows) == 1 + len(run.samples)
    col = {name: i for i, name in enumerate(rows[0])}
    first = rows[1]
    assert first[col["key"]] == "alpha|p1|w1" and first[col["warmup"]] == "true"
    assert float(rows[2][col["latency_s"]]) == 0.1
    assert rows[6][col["status"]] == "error" and rows[6][col["latency_s"]] == ""


def test_summary_csv(run: Run, hostile_run: Run) -> None:
    rows = parse_csv(to_summary_csv(run))
    assert rows[0] == list(SUMMARY_COLUMNS)
    assert [r[0] for r in rows[1:]] == ["alpha", "beta", "gamma"]
    alpha = dict(zip(rows[0], rows[1], strict=True))
    assert alpha["n_ok"] == "4" and alpha["n_failed"] == "1"
    assert float(alpha["latency_s_p50"]) == pytest.approx(0.25)
    assert float(alpha["latency_s_p95"]) == pytest.approx(0.385)
    lo, hi = float(alpha["latency_s_p50_ci_lo"]), float(alpha["latency_s_p50_ci_hi"])
    assert lo <= 0.25 <= hi
    assert alpha["load_time_s"] == "1.234" and alpha["license"] == "MIT"
    gamma = dict(zip(rows[0], rows[3], strict=True))
    assert gamma["error"] == "cannot connect: connection refused"
    assert gamma["latency_s_n"] == "0" and gamma["latency_s_p50"] == ""

    hostile = parse_csv(to_summary_csv(hostile_run))
    evil = dict(zip(hostile[0], hostile[1], strict=True))
    assert evil["model"] == "'" + EVIL_MODEL
    assert evil["memory_delta_mb"] == "-12.5" and evil["license"] == "'=EVIL()"


# --- JSON, HTML, files ---------------------------------------------------------------------


def test_to_json_round_trips_with_summary(run: Run) -> None:
    data = json.loads(to_json(run))
    assert data["schema_version"] == 1
    assert [e["model"] for e in data["summary"]] == ["alpha", "beta", "gamma"]
    assert data["summary"][0]["latency_s"]["p50"] == pytest.approx(0.25)
    again = Run.from_dict(data)
    # The stored summary is derived data: a reader recomputes it, to the same values.
    assert again.summary is None and len(again.samples) == len(run.samples)
    assert json.loads(json.dumps(ensure_summary(again))) == data["summary"]


def test_html_is_escaped(hostile_run: Run) -> None:
    html = to_html(hostile_run)
    assert "<script" not in html and "<img" not in html and "<b>model" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "日本語の回答です" in html
    assert "Content-Security-Policy" in html


def test_write_reports(run: Run, tmp_path: Path) -> None:
    paths = write_reports(run, tmp_path / "out")
    assert [p.name for p in paths] == ["benchmark_report.md", "report.csv", "summary.csv"]
    assert paths[0].read_bytes() == to_markdown(run).encode("utf-8")
    assert paths[1].read_bytes() == to_csv(run).encode("utf-8")
    assert paths[2].read_bytes() == to_summary_csv(run).encode("utf-8")
    with paths[1].open(encoding="utf-8", newline="") as fh:
        assert len(list(csv.reader(fh))) == 1 + len(run.samples)
    assert not list((tmp_path / "out").glob("*.tmp"))
    with_html = write_reports(run, tmp_path / "out", html=True)
    assert with_html[-1].name == "report.html"


# --- quality and recommendation ----------------------------------------------------------

QUALITY = [
    {"model": "alpha", "mean": 4.25, "ci": [3.9, 4.6], "n": 8,
     "criteria": {"correctness": 4.5, "clarity": 4.0}},
    {"model": "beta", "mean": 3.0, "ci": [2.5, 3.5], "n": 8,
     "criteria": {"correctness": 3.0, "clarity": 3.0}},
]  # fmt: skip
STRICT = Constraints(max_p95_ms=500, max_memory_mb=600, min_quality=3.5)


def test_markdown_with_quality_and_recommendation(run: Run) -> None:
    md = to_markdown(run, QUALITY, STRICT)
    assert table_row(md, "Summary", "alpha")[-1] == "4.25 (3.90–4.60)"
    assert table_row(md, "Summary", "beta")[-1] == "3.00 (2.50–3.50)"
    assert table_row(md, "Summary", "gamma")[-1] == "–"
    assert "- **Best quality:** alpha (4.25 / 5)" in md
    assert table_row(md, "Quality", "alpha") == ["alpha", "8", "4.25 (3.90–4.60)", "4.50", "4.00"]
    rec = md.split("## Recommendation\n", 1)[1].split("\n## ", 1)[0]
    assert "**Constraints:** p95 latency ≤ 500 ms · memory ≤ 600 MB · quality ≥ 3.5" in rec
    assert (
        "**Recommended:** alpha. Highest mean quality (4.25/5) (the only qualifying model)." in rec
    )
    assert table_row(md, "Recommendation", "alpha")[1:5] == [
        "yes",
        "385",
        "512",
        "4.25 (3.90–4.60)",
    ]
    assert table_row(md, "Recommendation", "beta")[1:] == [
        "no", "578", "–", "3.00 (2.50–3.50)",
        "p95 latency 578 ms over the 500 ms limit; memory not measured; "
        "quality 3.00 under the 3.5 minimum",
    ]  # fmt: skip
    assert table_row(md, "Recommendation", "gamma")[5].startswith("no successful requests (failed)")


def test_markdown_without_quality_says_so(run: Run) -> None:
    md = to_markdown(run)
    assert "- **Quality:** not scored" in md and "## Quality" not in md
    assert "Quality (1-5" not in md.split("## Summary", 1)[1].split("## Highlights")[0]
    assert "**Constraints:** none set" in md
    assert "**Recommended:** alpha. Lowest p95 latency (385 ms) of the 2 qualifying models" in md


@pytest.mark.parametrize(
    ("quality", "constraints", "best", "why"),
    [
        (None, None, "alpha", "Lowest p95 latency (385 ms) of the 2 qualifying models; "
         "no quality scores, so speed decides."),
        # beta scores best, alpha's score is within beta's CI and alpha is faster: alpha.
        (
            [{"model": "alpha", "mean": 4.25, "ci": [3.9, 4.6]},
             {"model": "beta", "mean": 4.4, "ci": [4.1, 4.7]}],
            None,
            "alpha",
            "Quality 4.25/5 is within the 95% CI of the best (beta, 4.40), and it is faster: "
            "p95 385 ms vs 578 ms.",
        ),
        # Clearly better quality wins over speed.
        (
            [{"model": "alpha", "mean": 2.0, "ci": [1.8, 2.2]},
             {"model": "beta", "mean": 4.4, "ci": [4.1, 4.7]}],
            None,
            "beta",
            "Highest mean quality (4.40/5) of the 2 qualifying models.",
        ),
        (None, Constraints(max_p95_ms=100), None,
         "No model meets every constraint; "
         "closest: alpha (p95 latency 385 ms over the 100 ms limit)."),
        (QUALITY, Constraints(min_quality=4.5), None,
         "No model meets every constraint; closest: alpha (quality 4.25 under the 4.5 minimum)."),
    ],
)  # fmt: skip
def test_recommendation_picks(
    run: Run, quality: list | None, constraints: Constraints | None, best: str | None, why: str
) -> None:
    rec = recommend(run, quality, constraints)
    assert (rec.best, rec.why) == (best, why)
    gamma = rec.candidate("gamma")
    assert gamma is not None and not gamma.qualifies


def test_summary_csv_quality_columns(run: Run) -> None:
    rows = parse_csv(to_summary_csv(run, QUALITY))
    assert rows[0] == [*SUMMARY_COLUMNS, "quality_correctness", "quality_clarity"]
    alpha = dict(zip(rows[0], rows[1], strict=True))
    assert (alpha["quality_mean"], alpha["quality_ci_lo"], alpha["quality_ci_hi"]) == (
        "4.25", "3.9", "4.6",
    )  # fmt: skip
    assert alpha["quality_n"] == "8" and alpha["quality_correctness"] == "4.5"
    gamma = dict(zip(rows[0], rows[3], strict=True))
    assert gamma["quality_mean"] == "" and gamma["quality_clarity"] == ""
    plain = parse_csv(to_summary_csv(run))
    assert plain[0] == list(SUMMARY_COLUMNS)
    unscored = dict(zip(plain[0], plain[1], strict=True))
    assert [unscored[c] for c in ("quality_mean", "quality_n", "checks_total", "arena_rating")] == [
        "", "", "", "",
    ]  # fmt: skip


def test_json_with_quality_and_recommendation(run: Run) -> None:
    data = json.loads(to_json(run, QUALITY, STRICT))
    assert data["quality"][0] == {**QUALITY[0]}
    assert data["recommendation"]["best"] == "alpha"
    assert data["recommendation"]["constraints"] == {
        "max_p95_ms": 500, "max_memory_mb": 600, "min_quality": 3.5, "min_checks_pass": None,
    }  # fmt: skip
    assert Run.from_dict(data).run_id == "run-1"  # still a valid results.json
    assert "quality" not in json.loads(to_json(run))


def test_render_every_format(run: Run) -> None:
    assert set(FORMATS) == {"md", "csv", "summary-csv", "html", "json"}
    for fmt in FORMATS:
        assert render(run, fmt, QUALITY, STRICT)
    with pytest.raises(ValueError, match="unknown report format"):
        render(run, "pdf")


HOSTILE_QUALITY = [
    {"model": EVIL_MODEL, "mean": 4.0, "ci": [3.0, 5.0], "n": 2,
     "criteria": {"<script>x</script>": 4.0, "=HYPERLINK(1)|a\nb": 3.0}},
]  # fmt: skip


def test_hostile_quality_and_recommendation_are_neutralised(hostile_run: Run) -> None:
    constraints = Constraints(max_p95_ms=1e9)
    md = to_markdown(hostile_run, HOSTILE_QUALITY, constraints)
    assert "<script" not in md and "<b>" not in md and "<img" not in md
    assert "&lt;script&gt;x&lt;/script&gt;" in md and "=HYPERLINK(1)\\|a b" in md
    for block in re.findall(r"(?:^\|.*\n)+", md, flags=re.M):
        assert len({len(cells(line)) for line in block.splitlines()}) == 1, block
    rows = parse_csv(to_summary_csv(hostile_run, HOSTILE_QUALITY))
    assert rows[0][-2:] == ["quality_<script>x</script>", "quality_=HYPERLINK(1)|a\nb"]
    assert rows[1][0] == "'" + EVIL_MODEL
    data = json.loads(to_json(hostile_run, HOSTILE_QUALITY, constraints))
    assert data["recommendation"]["best"] == EVIL_MODEL  # JSON keeps text exact


# --- the annotations adapter -------------------------------------------------------------


def test_load_quality_reads_every_file_and_names_a_bad_one(run: Run, tmp_path: Path) -> None:
    from foundry_bench.core.quality.files import new_annotations
    from foundry_bench.core.quality.shared_file import save_annotations

    def scored(name: str, score: int) -> Path:
        ann = new_annotations(run, name)
        key = run.timed_samples()[0].key
        ann.set_score(key, ann.criteria[0].id, score)
        path = tmp_path / f"annotations-{name}.json"
        save_annotations(path, ann)
        return path

    a, b = scored("ann", 5), scored("bob", 3)
    quality = load_quality(run, [a, b, a])  # a file may repeat: its scores count again
    model = run.timed_samples()[0].model
    row = next(r for r in quality if r["model"] == model)
    assert row["n"] == 3 and row["mean"] == pytest.approx(13 / 3)
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(QualityInputError, match=r"bad\.json"):
        load_quality(run, [bad])
    for name in ("annotations.json", "annotations-bob.json", "notes.json"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in find_annotation_files(tmp_path)] == [
        "annotations-ann.json", "annotations-bob.json", "annotations.json",
    ]  # fmt: skip


def test_json_keeps_hostile_text_exact_and_escaped(hostile_run: Run) -> None:
    text = to_json(hostile_run)
    assert "\r" not in text and "\t" not in text  # control characters are JSON escapes
    assert "<script>alert(1)</script>" in text  # JSON is data: a reader escapes for its medium
    data = json.loads(text)
    assert [s["response"] for s in data["samples"][: len(HOSTILE)]] == HOSTILE
    assert data["models"][0]["id"] == EVIL_MODEL


def _hosted_run() -> Run:
    return make_run(
        [answer("hosted", "p1", 1, latency_s=0.2)],
        models=[
            make_model_record(
                "hosted",
                device="<GPU>|",
                execution_provider="=CUDA()",
                load_time_s=1.5,
                peak_rss_mb=812.4,
                rss_after_load_mb=640.0,
                cpu_percent=143.0,
                cold_ttft_s=0.25,
                cold_latency_s=0.75,
            ),
            make_model_record("remote"),
        ],
    )


def test_every_format_shows_what_the_host_measured() -> None:
    run = _hosted_run()
    md = to_markdown(run)
    section = md.split("## Load and resources", 1)[1].split("##", 1)[0]
    hosted = "| hosted | &lt;GPU&gt;\\| | =CUDA() | 1.500 | 250.0 | 750.0 | 812.4 | 640.0 | 143 |"
    assert hosted in section
    assert "| remote | – | – | – | – | – | – | – | – | – |" in section
    html = to_html(run)
    assert "Load and resources" in html and "&lt;GPU&gt;|" in html and "<GPU>" not in html
    rows = {r["model"]: r for r in csv.DictReader(io.StringIO(to_summary_csv(run)))}
    assert rows["hosted"]["peak_rss_mb"] == "812.4" and rows["hosted"]["cold_latency_s"] == "0.75"
    assert rows["hosted"]["execution_provider"] == "'=CUDA()"  # a formula never runs
    assert json.loads(to_json(run))["models"][0]["cpu_percent"] == 143.0


def test_a_run_without_host_figures_has_no_resource_section(run: Run) -> None:
    bare = make_run([answer("a", "p1", 1)], models=["a"])
    assert "Load and resources" not in to_markdown(bare)
    assert "Load and resources" not in to_html(bare)
