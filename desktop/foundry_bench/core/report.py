"""Reports of a run: Markdown, CSV (per sample and per model), JSON and HTML.

Model output, model ids, prompt ids and error messages are untrusted text (``docs/design.md``,
"Files"): Markdown escapes ``\\``, ``|``, backticks, brackets, ``*``, ``_``, ``<``, ``>`` and
turns line breaks (and other control characters) into spaces; CSV prefixes with ``'`` any
cell that is not a number and starts with ``=``, ``+``, ``-``, ``@``, tab or CR; HTML is
rendered by Jinja2 with autoescaping.
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
from urllib.parse import urlsplit, urlunsplit

from foundry_bench.core.results import ModelRecord, Run, Sample, atomic_write_text
from foundry_bench.core.stats import CI_KEYS, STAT_KEYS, SUMMARY_METRICS, ensure_summary
from foundry_bench.core.stats import summarize_by_prompt as _summarize_by_prompt

REPORT_MD = "benchmark_report.md"
REPORT_CSV = "report.csv"
SUMMARY_CSV = "summary.csv"
REPORT_HTML = "report.html"

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

_ENV_ORDER = ("app", "python", "os", "cpu", "memory", "sdk", "sdk_versions", "endpoint")
_SECRET_WORDS = ("key", "token", "secret", "password", "authorization")


def _redact_url(value: str) -> str:
    """Drop any user:password part of a URL (a key must never reach a report)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    if parts.username is None and parts.password is None:
        return value
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _env_value(value: object) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_env_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_env_value(v) for v in value)
    return _redact_url(str(value)) if isinstance(value, str) else str(value)


def _environment_items(env: Mapping[str, Any]) -> list[tuple[str, str]]:
    keys = [k for k in _ENV_ORDER if k in env] + [k for k in env if k not in _ENV_ORDER]
    items = []
    for key in keys:
        value = env[key]
        if value in (None, "", [], {}) or any(w in str(key).lower() for w in _SECRET_WORDS):
            continue
        items.append((str(key), _env_value(value)))
    return items


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


def _highlights(run: Run, summary: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    fastest = _best(summary, "latency_s", "p95", highest=False)
    if fastest:
        lines.append(
            f"- **Fastest p95 latency:** {_md_text(fastest[0].get('model'))} "
            f"({_fmt(fastest[1], 1, 1000.0)} ms)"
        )
    ttft = _best(summary, "ttft_s", "p50", highest=False)
    if ttft:
        lines.append(
            f"- **Lowest p50 TTFT:** {_md_text(ttft[0].get('model'))} "
            f"({_fmt(ttft[1], 1, 1000.0)} ms)"
        )
    tps = _best(summary, "output_tps", "mean", highest=True)
    if tps:
        lines.append(
            f"- **Highest output tokens/s:** {_md_text(tps[0].get('model'))} "
            f"({_fmt(tps[1], 1)} tok/s mean)"
        )
    failures = []
    sample_errors = _first_errors(run)
    for record in run.models:
        if record.status in ("failed", "skipped"):
            error = _md_text(record.error or record.status, ERROR_LIMIT)
            failures.append(f"  - {_md_text(record.id)} ({record.status}): {error}")
    for entry in summary:
        model = str(entry.get("model"))
        if model in sample_errors and not any(
            r.id == model and r.status in ("failed", "skipped") for r in run.models
        ):
            message, count = sample_errors[model]
            total = count + (entry.get("n_ok") or 0)
            failures.append(
                f"  - {_md_text(model)}: {count} of {total} requests failed "
                f"(first error: {_md_text(message, ERROR_LIMIT)})"
            )
    lines.append("- **Failures:**" + ("" if failures else " none"))
    lines.extend(failures)
    return lines


def _summary_rows(run: Run, summary: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    rows = []
    for entry in summary:
        model = str(entry.get("model"))
        record = run.model(model) or ModelRecord(id=model)
        rows.append(
            [
                _md_text(model),
                _md_text(entry.get("status") or record.status),
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
                _md_text(record.license),
            ]
        )
    return rows


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


def to_markdown(run: Run) -> str:
    """``benchmark_report.md``: run facts, a per-model summary, highlights, per-prompt table."""
    summary = ensure_summary(run)
    lines = [
        f"# Benchmark report: {_md_text(run.run_id)}",
        "",
        f"- **Run:** {_md_text(run.run_id)}",
        f"- **Started:** {_md_text(run.started_at)} · **Finished:** {_md_text(run.finished_at)}",
        f"- **Status:** {_md_text(run.status)}",
        f"- **Settings:** {_settings_line(run)}",
    ]
    env = _environment_items(run.environment)
    if env:
        lines.append(
            "- **Environment:** " + " · ".join(f"{_md_text(k)} {_md_text(v)}" for k, v in env)
        )
    lines += ["", "## Summary", ""]
    if summary:
        lines += _table(
            [
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
            ],
            _summary_rows(run, summary),
            "llrrrrrrrrrrrl",
        )
    else:
        lines.append("No models.")
    lines += ["", "## Highlights", "", *_highlights(run, summary)]

    by_prompt = _summarize_by_prompt(run)
    if by_prompt:
        answers = _first_answers(run)
        lines += ["", "## Per prompt", ""]
        lines += _table(
            [
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
            ],
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


SUMMARY_COLUMNS = MODEL_COLUMNS + _summary_columns()


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


def to_summary_csv(run: Run) -> str:
    """``summary.csv``: one row per model, its record facts and every statistic flattened
    (``latency_s_p50``, ``latency_s_p50_ci_lo``, ...)."""
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
        rows.append(row)
    return _csv(SUMMARY_COLUMNS, rows)


# --- JSON --------------------------------------------------------------------------------


def to_json(run: Run) -> str:
    """The ``results.json`` content (summary ensured), indented by 2."""
    ensure_summary(run)
    return json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n"


# --- HTML --------------------------------------------------------------------------------

_HTML_TEMPLATE = """
{%- macro cells(row) %}{% for cell, num in row -%}
<td class="{{ 'num' if num else 'text' }}">{{ cell }}</td>
{%- endfor %}{% endmacro -%}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Benchmark report: {{ run.run_id }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { max-width: 40em; overflow-wrap: anywhere; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>Benchmark report: {{ run.run_id }}</h1>
<ul>
<li><b>Status:</b> {{ run.status }}</li>
<li><b>Started:</b> {{ run.started_at }} · <b>Finished:</b> {{ run.finished_at or "–" }}</li>
<li><b>Settings:</b> {{ settings }}</li>
{% if env %}<li><b>Environment:</b>
{%- for k, v in env %} {{ k }} {{ v }}{{ " ·" if not loop.last else "" }}{% endfor %}</li>
{%- endif %}
</ul>
<h2>Summary</h2>
<table>
<tr>{% for h in summary_header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in summary_rows %}<tr>{{ cells(row) }}</tr>
{% endfor %}</table>
<h2>Highlights</h2>
<ul>
{% for label, text in highlights %}<li><b>{{ label }}:</b> {{ text }}</li>
{% endfor %}</ul>
{% if prompt_rows %}<h2>Per prompt</h2>
<table>
<tr>{% for h in prompt_header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in prompt_rows %}<tr>{{ cells(row) }}</tr>
{% endfor %}</table>{% endif %}
</body>
</html>
"""


def _plain(value: object, limit: int | None = None) -> str:
    if value is None or value == "":
        return _DASH
    text = str(value)
    return _truncate(text, limit) if limit else text


def to_html(run: Run) -> str:
    """``report.html``: the Markdown report's tables, rendered by Jinja2 with autoescaping
    (and a Content-Security-Policy that forbids scripts), so model output stays text."""
    import jinja2  # imported here: only HTML export needs it

    summary = ensure_summary(run)
    summary_rows = []
    for entry in summary:
        model = str(entry.get("model"))
        record = run.model(model) or ModelRecord(id=model)
        summary_rows.append(
            [
                (_plain(model), False),
                (_plain(entry.get("status") or record.status), False),
                (_fmt(entry.get("n_ok"), 0), True),
                (_fmt(entry.get("n_failed"), 0), True),
                (_ms(entry, "latency_s", "p50"), True),
                (_ms(entry, "latency_s", "p95"), True),
                (_ms(entry, "latency_s", "p99"), True),
                (_ms(entry, "ttft_s", "p50"), True),
                (_ms(entry, "tpot_s", "p50"), True),
                (_fmt(_stat(entry, "output_tps", "mean"), 1), True),
                (_fmt(record.load_time_s, 2), True),
                (_fmt(record.memory_delta_mb, 1), True),
                (_fmt_size(record.size_mb), True),
                (_plain(record.license), False),
                (_plain(record.error, ERROR_LIMIT), False),
            ]
        )
    highlights: list[tuple[str, str]] = []
    fastest = _best(summary, "latency_s", "p95", highest=False)
    if fastest:
        highlights.append(
            ("Fastest p95 latency", f"{fastest[0].get('model')} ({_fmt(fastest[1], 1, 1e3)} ms)")
        )
    ttft = _best(summary, "ttft_s", "p50", highest=False)
    if ttft:
        highlights.append(
            ("Lowest p50 TTFT", f"{ttft[0].get('model')} ({_fmt(ttft[1], 1, 1e3)} ms)")
        )
    tps = _best(summary, "output_tps", "mean", highest=True)
    if tps:
        highlights.append(
            ("Highest output tokens/s", f"{tps[0].get('model')} ({_fmt(tps[1], 1)} tok/s mean)")
        )
    for record in run.models:
        if record.status in ("failed", "skipped"):
            highlights.append(
                ("Failed", f"{record.id}: {_plain(record.error or record.status, ERROR_LIMIT)}")
            )
    answers = _first_answers(run)
    prompt_rows = [
        [
            (_plain(e["model"]), False),
            (_plain(e["prompt_id"]), False),
            (_fmt(e["n_ok"], 0), True),
            (_fmt(e["n_failed"], 0), True),
            (_ms(e, "latency_s", "p50"), True),
            (_ms(e, "latency_s", "p95"), True),
            (_ms(e, "ttft_s", "p50"), True),
            (_ms(e, "tpot_s", "p50"), True),
            (_fmt(_stat(e, "output_tps", "mean"), 1), True),
            (_plain(answers.get((e["model"], e["prompt_id"])), ANSWER_LIMIT * 4), False),
        ]
        for e in _summarize_by_prompt(run)
    ]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_HTML_TEMPLATE)
    return template.render(
        run=run,
        settings=_settings_line(run),
        env=_environment_items(run.environment),
        summary_header=[
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
            "Error",
        ],
        summary_rows=summary_rows,
        highlights=highlights,
        prompt_header=[
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
        ],
        prompt_rows=prompt_rows,
    )


# --- files -------------------------------------------------------------------------------


def write_reports(run: Run, run_dir: Path, *, html: bool = False) -> list[Path]:
    """Write ``benchmark_report.md``, ``report.csv`` and ``summary.csv`` (and, with
    ``html=True``, ``report.html``) into ``run_dir``, each atomically; return their paths."""
    outputs = [
        (REPORT_MD, to_markdown(run)),
        (REPORT_CSV, to_csv(run)),
        (SUMMARY_CSV, to_summary_csv(run)),
    ]
    if html:
        outputs.append((REPORT_HTML, to_html(run)))
    paths = []
    for name, text in outputs:
        path = run_dir / name
        atomic_write_text(path, text)
        paths.append(path)
    return paths


__all__ = [
    "ANSWER_LIMIT",
    "REPORT_CSV",
    "REPORT_HTML",
    "REPORT_MD",
    "SAMPLE_COLUMNS",
    "SUMMARY_COLUMNS",
    "SUMMARY_CSV",
    "csv_safe",
    "md_escape",
    "to_csv",
    "to_html",
    "to_json",
    "to_markdown",
    "to_summary_csv",
    "write_reports",
]
