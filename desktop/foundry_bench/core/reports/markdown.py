"""Reports of a run: Markdown, CSV (per sample and per model), JSON and HTML.

Every format takes the same optional inputs: ``quality`` (per-model scores, see
``core.report_quality``) and ``constraints`` (``core.recommend``), so the CLI and the app
produce identical files. The HTML page itself lives in ``core.report_html``.

Model output, model ids, prompt ids and error messages are untrusted text (``docs/design.md``,
"Files"): Markdown escapes ``\\``, ``|``, backticks, brackets, ``*``, ``_``, ``<``, ``>`` and
turns line breaks (and other control characters) into spaces; CSV prefixes with ``'`` any
cell that is not a number and starts with ``=``, ``+``, ``-``, ``@``, tab or CR; HTML is
rendered by Jinja2 with autoescaping (and SVG text escaped by ``core.svg_charts``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from foundry_bench.core.analysis.recommend import Constraints, Recommendation, recommend
from foundry_bench.core.analysis.stats import CI_KEYS, STAT_KEYS, SUMMARY_METRICS, ensure_summary
from foundry_bench.core.analysis.stats import summarize_by_prompt as _summarize_by_prompt
from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.quality.rows import (
    QualityRow,
    criteria_of,
    quality_by_model,
)
from foundry_bench.core.results.records import ModelRecord, Run, Sample
from foundry_bench.core.urls import redact_url

REPORT_MD = "benchmark_report.md"
REPORT_CSV = "report.csv"
SUMMARY_CSV = "summary.csv"
REPORT_HTML = "report.html"
REPORT_JSON = "report.json"

#: Longest model answer (in characters) quoted in a Markdown or HTML table cell.
ANSWER_LIMIT = 120
#: Longest error message quoted in a Markdown report.
ERROR_LIMIT = 300

_DASH = "–"
_ELLIPSIS = "…"

# --- escaping ----------------------------------------------------------------------------

# Line breaks of every kind, tabs and other control characters (C0, DEL, C1) become spaces.
_MD_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_MD_SPECIAL = re.compile(r"([\\|`*_\[\]])")
_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def md_escape(text: str) -> str:
    """Make untrusted text safe for one Markdown table cell or list item.

    Backslash, ``|``, backtick, ``*``, ``_``, ``[`` and ``]`` get a backslash; ``<`` and
    ``>`` become ``&lt;``/``&gt;`` (no raw HTML); CR, LF, tabs, other control characters and
    Unicode line separators become a single space, so a value never breaks out of its row.
    """
    text = _MD_BREAKS.sub(" ", str(text))
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + _ELLIPSIS


def _md_text(text: object, limit: int | None = None) -> str:
    """Escaped (and optionally truncated, before escaping) text for a Markdown cell."""
    if text is None:
        return _DASH
    raw = _MD_BREAKS.sub(" ", str(text)).strip()
    if not raw:
        return _DASH
    return md_escape(_truncate(raw, limit) if limit else raw)


def csv_safe(value: object) -> object:
    """Neutralise spreadsheet formulas: a non-numeric text starting with ``=``, ``+``,
    ``-``, ``@``, tab or CR gets a ``'`` prefix. Numbers, and text that is a plain decimal
    number such as ``-1.5``, are returned unchanged; so is anything that is not text."""
    if isinstance(value, str) and value.startswith(_CSV_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


# --- number formatting -------------------------------------------------------------------


def _is_num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fmt(value: object, digits: int = 1, scale: float = 1.0) -> str:
    """A number rounded for a table (``scale=1000`` shows seconds as milliseconds)."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
        return _DASH  # None, text, NaN
    return f"{value * scale:.{digits}f}"


def _fmt_size(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 100:
        return _fmt(value, 0)
    return _fmt(value, 1)


def _stat(entry: Mapping[str, Any], metric: str, key: str) -> Any:
    stats = entry.get(metric)
    return stats.get(key) if isinstance(stats, Mapping) else None


def _ms(entry: Mapping[str, Any], metric: str, key: str) -> str:
    return _fmt(_stat(entry, metric, key), 1, 1000.0)


# --- Markdown ----------------------------------------------------------------------------

_ENV_ORDER = (
    "app",
    "machine",
    "os",
    "cpu",
    "cpu_count",
    "memory_gb",
    "memory",
    "python",
    "sdk",
    "sdk_versions",
    "versions",
    "endpoint",
)
#: Readable names for the environment keys the runner records (``core.runner.environment``).
ENV_LABELS = {
    "app": "App",
    "machine": "Machine",
    "os": "OS",
    "cpu": "CPU",
    "cpu_count": "Logical CPUs",
    "memory_gb": "Memory (GB)",
    "memory": "Memory",
    "python": "Python",
    "sdk": "SDK",
    "sdk_versions": "SDK versions",
    "versions": "Versions",
    "endpoint": "Endpoint",
    "note": "Note",
    "error": "Error",
}
_SECRET_WORDS = ("key", "token", "secret", "password", "authorization", "cookie")


def _is_secret(key: object) -> bool:
    return any(word in str(key).lower() for word in _SECRET_WORDS)


def _env_value(value: object) -> str:
    """One environment value as text; nested secrets (``{"api_key": ...}``) are left out."""
    if isinstance(value, Mapping):
        return ", ".join(
            f"{k} {_env_value(v)}"
            for k, v in value.items()
            if not _is_secret(k) and v not in (None, "", [], {})
        )
    if isinstance(value, list | tuple):
        return ", ".join(_env_value(v) for v in value)
    return redact_url(str(value)) if isinstance(value, str) else str(value)


def _environment_items(env: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(label, text)`` pairs of a run's environment, known keys first, secrets dropped."""
    keys = [k for k in _ENV_ORDER if k in env] + [k for k in env if k not in _ENV_ORDER]
    items = []
    for key in keys:
        value = env[key]
        if value in (None, "", [], {}) or _is_secret(key):
            continue
        text = _env_value(value)
        if text:
            items.append((ENV_LABELS.get(str(key), str(key)), text))
    return items


def settings_items(run: Run) -> list[tuple[str, str]]:
    """The run settings as ``(label, value)`` pairs (for reproducing the run)."""
    s = run.settings
    return [
        ("Rounds", str(s.rounds)),
        ("Warm-up rounds", str(s.warmup_rounds)),
        ("Max tokens", str(s.max_tokens)),
        ("Temperature", f"{s.temperature:g}"),
        ("Seed", _DASH if s.seed is None else str(s.seed)),
        ("Streaming", "on" if s.stream else "off"),
        ("Timeout (s)", f"{s.timeout_s:g}"),
        ("Concurrency", str(s.concurrency)),
    ]


def _settings_line(run: Run) -> str:
    s = run.settings
    seed = _DASH if s.seed is None else str(s.seed)
    return (
        f"rounds {s.rounds} · warm-up {s.warmup_rounds} · max tokens {s.max_tokens} · "
        f"temperature {s.temperature:g} · seed {seed} · streaming {'on' if s.stream else 'off'}"
        f" · timeout {s.timeout_s:g} s · concurrency {s.concurrency}"
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str) -> list[str]:
    """A GFM table; ``align`` has one letter per column: ``l`` or ``r``."""
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if a == "r" else ":---" for a in align) + "|")
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _best(
    summary: Sequence[Mapping[str, Any]], metric: str, key: str, *, highest: bool
) -> tuple[Mapping[str, Any], float] | None:
    """The entry with the lowest (or highest) statistic; the first one wins a tie."""
    best: tuple[Mapping[str, Any], float] | None = None
    for entry in summary:
        value = _stat(entry, metric, key)
        if not _is_num(value) or value != value:
            continue
        number = float(value)
        if best is None or (number > best[1] if highest else number < best[1]):
            best = (entry, number)
    return best


def _first_errors(run: Run) -> dict[str, tuple[str, int]]:
    """Per model: the first error of a failed timed request and how many failed."""
    found: dict[str, tuple[str, int]] = {}
    for s in run.samples:
        if s.warmup or s.status == "ok":
            continue
        message, count = found.get(s.model, (s.error or s.status, 0))
        found[s.model] = (message, count + 1)
    return found


def highlight_items(
    run: Run, summary: Sequence[Mapping[str, Any]], quality: Sequence[QualityRow] | None = None
) -> list[tuple[str, str, list[str]]]:
    """``(label, text, sub-items)`` of the highlights, as raw (unescaped) text: the Markdown
    and HTML reports escape them each their own way."""
    items: list[tuple[str, str, list[str]]] = []
    fastest = _best(summary, "latency_s", "p95", highest=False)
    if fastest:
        text = f"{fastest[0].get('model')} ({_fmt(fastest[1], 1, 1000.0)} ms)"
        items.append(("Fastest p95 latency", text, []))
    ttft = _best(summary, "ttft_s", "p50", highest=False)
    if ttft:
        text = f"{ttft[0].get('model')} ({_fmt(ttft[1], 1, 1000.0)} ms)"
        items.append(("Lowest p50 TTFT", text, []))
    tps = _best(summary, "output_tps", "mean", highest=True)
    if tps:
        text = f"{tps[0].get('model')} ({_fmt(tps[1], 1)} tok/s mean)"
        items.append(("Highest output tokens/s", text, []))
    best_quality = _quality_highlight(quality)
    if best_quality:
        text = f"{best_quality[0]} ({_fmt(best_quality[1], 2)} / 5)"
        items.append(("Best quality", text, []))
    elif quality is None:
        items.append(("Quality", "not scored (give annotation files to include scores)", []))
    failures = []
    sample_errors = _first_errors(run)
    for record in run.models:
        if record.status in ("failed", "skipped"):
            error = _plain(record.error or record.status, ERROR_LIMIT)
            failures.append(f"{record.id} ({record.status}): {error}")
    for entry in summary:
        model = str(entry.get("model"))
        if model in sample_errors and not any(
            r.id == model and r.status in ("failed", "skipped") for r in run.models
        ):
            message, count = sample_errors[model]
            total = count + (entry.get("n_ok") or 0)
            failures.append(
                f"{model}: {count} of {total} requests failed "
                f"(first error: {_plain(message, ERROR_LIMIT)})"
            )
    items.append(("Failures", "" if failures else "none", failures))
    return items


def _highlights(
    run: Run, summary: Sequence[Mapping[str, Any]], quality: Sequence[QualityRow] | None = None
) -> list[str]:
    lines = []
    for label, text, subitems in highlight_items(run, summary, quality):
        lines.append(f"- **{label}:**" + (f" {_md_text(text)}" if text else ""))
        lines += [f"  - {_md_text(item)}" for item in subitems]
    return lines


def _plain(value: object, limit: int | None = None) -> str:
    """Raw text for a cell: a dash for nothing, truncated to ``limit`` characters."""
    if value is None or value == "":
        return _DASH
    text = str(value)
    return _truncate(text, limit) if limit else text


PROMPT_HEADER = (
    "Model",
    "Prompt",
    "OK",
    "Failed",
    "p50 latency (ms)",
    "p95 latency (ms)",
    "p50 TTFT (ms)",
    "p50 TPOT (ms)",
    "Mean output tok/s",
    "First answer",
)

SUMMARY_HEADER = (
    "Model",
    "Status",
    "OK",
    "Failed",
    "p50 latency (ms)",
    "p95 latency (ms)",
    "p99 latency (ms)",
    "p50 TTFT (ms)",
    "p50 TPOT (ms)",
    "Mean output tok/s",
    "Load (s)",
    "Memory Δ (MB)",
    "Size (MB)",
    "License",
)
QUALITY_HEADER = "Quality (1-5, 95% CI)"


def fmt_quality(row: Mapping[str, Any] | None) -> str:
    """``4.20 (3.90–4.50)``: a mean score with its 95% CI, or a dash."""
    if not row or not _is_num(row.get("mean")):
        return _DASH
    text = _fmt(row["mean"], 2)
    ci = row.get("ci")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        text += f" ({_fmt(ci[0], 2)}–{_fmt(ci[1], 2)})"
    return text


def summary_cells(
    run: Run, entry: Mapping[str, Any], quality: Mapping[str, Any] | None = None
) -> list[str]:
    """The summary row of one model as display text (not escaped), in ``SUMMARY_HEADER``
    order; the Markdown and HTML reports share it so they always agree."""
    model = str(entry.get("model"))
    record = run.model(model) or ModelRecord(id=model)
    return [
        model,
        str(entry.get("status") or record.status),
        _fmt(entry.get("n_ok"), 0),
        _fmt(entry.get("n_failed"), 0),
        _ms(entry, "latency_s", "p50"),
        _ms(entry, "latency_s", "p95"),
        _ms(entry, "latency_s", "p99"),
        _ms(entry, "ttft_s", "p50"),
        _ms(entry, "tpot_s", "p50"),
        _fmt(_stat(entry, "output_tps", "mean"), 1),
        _fmt(record.load_time_s, 2),
        _fmt(record.memory_delta_mb, 1),
        _fmt_size(record.size_mb),
        record.license or _DASH,
    ]


def _summary_rows(
    run: Run, summary: Sequence[Mapping[str, Any]], quality: Sequence[QualityRow] | None
) -> list[list[str]]:
    by_model = quality_by_model(quality)
    rows = []
    for entry in summary:
        cells = summary_cells(run, entry)
        row = [_md_text(c) if i in (0, 1, 13) else c for i, c in enumerate(cells)]
        if quality is not None:
            row.append(fmt_quality(by_model.get(str(entry.get("model")))))
        rows.append(row)
    return rows


def _quality_highlight(quality: Sequence[QualityRow] | None) -> tuple[str, float] | None:
    scored = [(r["model"], r["mean"]) for r in list(quality or []) if _is_num(r["mean"])]
    return max(scored, key=lambda item: item[1]) if scored else None


def _quality_section(quality: Sequence[QualityRow]) -> list[str]:
    rows = list(quality or [])
    criteria = criteria_of(rows)
    header = ["Model", "Scores", QUALITY_HEADER, *criteria]
    body = (
        [
            _md_text(r["model"]),
            _fmt(r["n"], 0),
            fmt_quality(r),
            *(_fmt(r["criteria"].get(c), 2) for c in criteria),
        ]
        for r in rows
    )
    lines = ["", "## Quality", ""]
    lines.append(
        "Mean of every score (all criteria, all annotators) per model, and the mean per criterion."
    )
    lines.append("")
    lines += _table([_md_text(h) for h in header], body, "lrl" + "r" * len(criteria))
    return lines


def _recommendation_section(rec: Recommendation) -> list[str]:
    constraints = rec.constraints.describe()
    lines = ["", "## Recommendation", ""]
    lines.append(
        "- **Constraints:** "
        + (" · ".join(constraints) if constraints else "none set (every model that ran qualifies)")
    )
    if rec.best is not None:
        lines.append(f"- **Recommended:** {_md_text(rec.best)}. {_md_text(rec.why)}")
    else:
        lines.append(f"- **Recommended:** none. {_md_text(rec.why)}")
    lines.append("")
    rows = (
        [
            _md_text(c.model),
            "yes" if c.qualifies else "no",
            _fmt(c.p95_ms, 1),
            _fmt(c.memory_mb, 1),
            fmt_quality({"mean": c.quality, "ci": c.quality_ci}),
            _md_text("; ".join((*c.reasons, *c.notes)) or _DASH, ERROR_LIMIT),
        ]
        for c in rec.candidates
    )
    lines += _table(
        ["Model", "Qualifies", "p95 latency (ms)", "Memory Δ (MB)", "Quality", "Why not / notes"],
        rows,
        "llrrll",
    )
    return lines


def _first_answers(run: Run) -> dict[tuple[str, str], str]:
    """The first successful timed answer of each (model, prompt)."""
    answers: dict[tuple[str, str], str] = {}
    for s in run.samples:
        if not s.warmup and s.status == "ok":
            answers.setdefault((s.model, s.prompt_id), s.response)
    return answers


def _prompt_text(prompt: object) -> tuple[str, str]:
    if isinstance(prompt, Mapping):
        return str(prompt.get("id", "")), str(prompt.get("text", ""))
    return "", str(prompt)


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
        f"# Benchmark report: {_md_text(run.run_id)}",
        "",
        f"- **Run:** {_md_text(run.run_id)}",
        f"- **Started:** {_md_text(run.started_at)} · **Finished:** {_md_text(run.finished_at)}",
        f"- **Status:** {_md_text(run.status)}",
        f"- **Settings:** {_settings_line(run)}",
    ]
    lines += ["", "## Summary", ""]
    if summary:
        header = list(SUMMARY_HEADER) + ([QUALITY_HEADER] if quality is not None else [])
        align = "llrrrrrrrrrrrl" + ("r" if quality is not None else "")
        lines += _table(header, _summary_rows(run, summary, quality), align)
    else:
        lines.append("No models.")
    lines += ["", "## Highlights", "", *_highlights(run, summary, quality)]
    lines += _recommendation_section(recommend(run, quality, constraints))
    if quality:
        lines += _quality_section(quality)

    by_prompt = _summarize_by_prompt(run)
    if by_prompt:
        answers = _first_answers(run)
        lines += ["", "## Per prompt", ""]
        lines += _table(
            list(PROMPT_HEADER),
            (
                [
                    _md_text(e["model"]),
                    _md_text(e["prompt_id"]),
                    _fmt(e["n_ok"], 0),
                    _fmt(e["n_failed"], 0),
                    _ms(e, "latency_s", "p50"),
                    _ms(e, "latency_s", "p95"),
                    _ms(e, "ttft_s", "p50"),
                    _ms(e, "tpot_s", "p50"),
                    _fmt(_stat(e, "output_tps", "mean"), 1),
                    _md_text(answers.get((e["model"], e["prompt_id"])), ANSWER_LIMIT),
                ]
                for e in by_prompt
            ),
            "llrrrrrrrl",
        )
    lines += ["", "## Environment", ""]
    lines += _table(
        ["", "Value"],
        (
            [_md_text(k), _md_text(v)]
            for k, v in [*_environment_items(run.environment), *settings_items(run)]
        ),
        "ll",
    )
    prompts = [_prompt_text(p) for p in run.prompts]
    if any(text for _, text in prompts):
        lines += ["", "## Prompts", ""]
        lines += _table(
            ["Prompt", "Text"],
            ([_md_text(pid), _md_text(text, ANSWER_LIMIT)] for pid, text in prompts),
            "ll",
        )
    return "\n".join(lines) + "\n"


# --- CSV ---------------------------------------------------------------------------------

SAMPLE_COLUMNS = tuple(f.name for f in fields(Sample) if f.name != "itl_s")
MODEL_COLUMNS = (
    "model",
    "status",
    "error",
    "n_ok",
    "n_failed",
    "load_time_s",
    "memory_delta_mb",
    "size_mb",
    "license",
)


def _summary_columns() -> tuple[str, ...]:
    cols: list[str] = []
    for metric in SUMMARY_METRICS:
        cols += [f"{metric}_{key}" for key in STAT_KEYS]
        for ci in CI_KEYS:
            cols += [f"{metric}_{ci}_lo", f"{metric}_{ci}_hi"]
    return tuple(cols)


#: Quality columns of ``summary.csv`` (empty when no scores were given); one
#: ``quality_<criterion>`` column per rubric criterion follows them when scores exist.
QUALITY_COLUMNS = ("quality_mean", "quality_ci_lo", "quality_ci_hi", "quality_n")
SUMMARY_COLUMNS = MODEL_COLUMNS + _summary_columns() + QUALITY_COLUMNS


def _cell(value: object) -> object:
    kind = type(value)
    if kind is float or kind is int or value is None:  # the common case, kept cheap
        return value
    if kind is bool:
        return "true" if value else "false"
    if not isinstance(value, str | int | float):
        value = json.dumps(value, ensure_ascii=False)
    return csv_safe(value)


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    # CRLF rows (RFC 4180): with it, a lone CR inside a value gets quoted too, which a "\n"
    # line terminator would not do. Write the text with newline="" (no translation).
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def to_csv(run: Run) -> str:
    """``report.csv``: a header, then one row per sample (every field but ``itl_s``)."""
    return _csv(
        SAMPLE_COLUMNS,
        ([getattr(s, name) for name in SAMPLE_COLUMNS] for s in run.samples),
    )


def _ci_bound(stats: object, ci: str, index: int) -> object:
    bounds = stats.get(ci) if isinstance(stats, Mapping) else None
    if isinstance(bounds, list | tuple) and len(bounds) == 2:
        return bounds[index]
    return None


def to_summary_csv(run: Run, quality: Sequence[QualityRow] | None = None) -> str:
    """``summary.csv``: one row per model, its record facts, every statistic flattened
    (``latency_s_p50``, ``latency_s_p50_ci_lo``, ...) and its quality scores."""
    by_model = quality_by_model(quality)
    criteria = criteria_of(quality)
    rows = []
    for entry in ensure_summary(run):
        model = str(entry.get("model"))
        record = run.model(model) or ModelRecord(id=model)
        row: list[object] = [
            model,
            entry.get("status") or record.status,
            record.error,
            entry.get("n_ok"),
            entry.get("n_failed"),
            record.load_time_s,
            record.memory_delta_mb,
            record.size_mb,
            record.license,
        ]
        for metric in SUMMARY_METRICS:
            stats = entry.get(metric)
            row += [_stat(entry, metric, key) for key in STAT_KEYS]
            for ci in CI_KEYS:
                row += [_ci_bound(stats, ci, 0), _ci_bound(stats, ci, 1)]
        q = by_model.get(model)
        ci_q = q.get("ci") if q else None
        row += [
            q.get("mean") if q else None,
            ci_q[0] if ci_q else None,
            ci_q[1] if ci_q else None,
            q.get("n") if q else None,
        ]
        row += [q["criteria"].get(c) if q else None for c in criteria]
        rows.append(row)
    return _csv(SUMMARY_COLUMNS + tuple(f"quality_{c}" for c in criteria), rows)


# --- JSON --------------------------------------------------------------------------------


def to_json(
    run: Run,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> str:
    """The ``results.json`` content (summary ensured), indented by 2; with ``quality`` or
    ``constraints`` also ``"quality"`` and ``"recommendation"`` (readers of ``results.json``
    ignore keys they do not know)."""
    ensure_summary(run)
    data = run.to_dict()
    if quality is not None:
        data["quality"] = list(quality) if quality is not None else None
    if quality is not None or constraints is not None:
        data["recommendation"] = recommend(run, quality, constraints).to_dict()
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --- HTML --------------------------------------------------------------------------------


def to_html(
    run: Run,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> str:
    """``report.html``: one self-contained file with inline SVG charts (``core.report_html``)."""
    from foundry_bench.core.reports.html import render_html

    return render_html(run, quality, constraints)


# --- files -------------------------------------------------------------------------------

#: Export formats: name -> (default file name, description).
FORMATS = {
    "md": (REPORT_MD, "Markdown report"),
    "csv": (REPORT_CSV, "CSV, one row per sample"),
    "summary-csv": (SUMMARY_CSV, "CSV, one row per model"),
    "html": (REPORT_HTML, "HTML report"),
    "json": (REPORT_JSON, "JSON (results with summary)"),
}


def render(
    run: Run,
    fmt: str,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> str:
    """The report of ``run`` in one of :data:`FORMATS`."""
    if fmt == "md":
        return to_markdown(run, quality, constraints)
    if fmt == "csv":
        return to_csv(run)
    if fmt == "summary-csv":
        return to_summary_csv(run, quality)
    if fmt == "html":
        return to_html(run, quality, constraints)
    if fmt == "json":
        return to_json(run, quality, constraints)
    raise ValueError(f"unknown report format {fmt!r} (expected one of {', '.join(FORMATS)})")


def write_reports(
    run: Run,
    run_dir: Path,
    *,
    html: bool = False,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> list[Path]:
    """Write ``benchmark_report.md``, ``report.csv`` and ``summary.csv`` (and, with
    ``html=True``, ``report.html``) into ``run_dir``, each atomically; return their paths."""
    formats = ["md", "csv", "summary-csv"] + (["html"] if html else [])
    paths = []
    for fmt in formats:
        path = run_dir / FORMATS[fmt][0]
        atomic_write_text(path, render(run, fmt, quality, constraints))
        paths.append(path)
    return paths


__all__ = [
    "ANSWER_LIMIT",
    "FORMATS",
    "QUALITY_COLUMNS",
    "REPORT_CSV",
    "REPORT_HTML",
    "REPORT_JSON",
    "REPORT_MD",
    "SAMPLE_COLUMNS",
    "SUMMARY_COLUMNS",
    "SUMMARY_CSV",
    "csv_safe",
    "md_escape",
    "render",
    "to_csv",
    "to_html",
    "to_json",
    "to_markdown",
    "to_summary_csv",
    "write_reports",
]
