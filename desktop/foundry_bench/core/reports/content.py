"""What every report format says about a run: environment, settings, highlights, summary rows.

Each function returns plain text cells; the format (Markdown, HTML) escapes them its own way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from foundry_bench.core.quality.rows import (
    QualityRow,
    quality_by_model,
)
from foundry_bench.core.reports.text import (
    DASH,
    ERROR_LIMIT,
    fmt_number,
    fmt_size,
    is_number,
    md_text,
    ms_text,
    plain_text,
    stat_of,
)
from foundry_bench.core.results.records import ModelRecord, Run
from foundry_bench.core.urls import redact_url

_ENV_ORDER = (
    "label",
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


#: Readable names for the environment keys the runner records (``core.run.runner.environment``).
ENV_LABELS = {
    "label": "Device label",
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


def environment_items(env: Mapping[str, Any]) -> list[tuple[str, str]]:
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
        ("Seed", DASH if s.seed is None else str(s.seed)),
        ("Streaming", "on" if s.stream else "off"),
        ("Timeout (s)", f"{s.timeout_s:g}"),
        ("Concurrency", str(s.concurrency)),
    ]


def settings_line(run: Run) -> str:
    s = run.settings
    seed = DASH if s.seed is None else str(s.seed)
    return (
        f"rounds {s.rounds} · warm-up {s.warmup_rounds} · max tokens {s.max_tokens} · "
        f"temperature {s.temperature:g} · seed {seed} · streaming {'on' if s.stream else 'off'}"
        f" · timeout {s.timeout_s:g} s · concurrency {s.concurrency}"
    )


def best_of(
    summary: Sequence[Mapping[str, Any]], metric: str, key: str, *, highest: bool
) -> tuple[Mapping[str, Any], float] | None:
    """The entry with the lowest (or highest) statistic; the first one wins a tie."""
    best: tuple[Mapping[str, Any], float] | None = None
    for entry in summary:
        value = stat_of(entry, metric, key)
        if not is_number(value) or value != value:
            continue
        number = float(value)
        if best is None or (number > best[1] if highest else number < best[1]):
            best = (entry, number)
    return best


def first_errors(run: Run) -> dict[str, tuple[str, int]]:
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
    fastest = best_of(summary, "latency_s", "p95", highest=False)
    if fastest:
        text = f"{fastest[0].get('model')} ({fmt_number(fastest[1], 1, 1000.0)} ms)"
        items.append(("Fastest p95 latency", text, []))
    ttft = best_of(summary, "ttft_s", "p50", highest=False)
    if ttft:
        text = f"{ttft[0].get('model')} ({fmt_number(ttft[1], 1, 1000.0)} ms)"
        items.append(("Lowest p50 TTFT", text, []))
    tps = best_of(summary, "output_tps", "mean", highest=True)
    if tps:
        text = f"{tps[0].get('model')} ({fmt_number(tps[1], 1)} tok/s mean)"
        items.append(("Highest output tokens/s", text, []))
    best_quality = quality_highlight(quality)
    if best_quality:
        text = f"{best_quality[0]} ({fmt_number(best_quality[1], 2)} / 5)"
        items.append(("Best quality", text, []))
    elif quality is None:
        items.append(("Quality", "not scored (give annotation files to include scores)", []))
    failures = []
    sample_errors = first_errors(run)
    for record in run.models:
        if record.status in ("failed", "skipped"):
            error = plain_text(record.error or record.status, ERROR_LIMIT)
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
                f"(first error: {plain_text(message, ERROR_LIMIT)})"
            )
    items.append(("Failures", "" if failures else "none", failures))
    return items


def highlights(
    run: Run, summary: Sequence[Mapping[str, Any]], quality: Sequence[QualityRow] | None = None
) -> list[str]:
    lines = []
    for label, text, subitems in highlight_items(run, summary, quality):
        lines.append(f"- **{label}:**" + (f" {md_text(text)}" if text else ""))
        lines += [f"  - {md_text(item)}" for item in subitems]
    return lines


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
    if not row or not is_number(row.get("mean")):
        return DASH
    text = fmt_number(row["mean"], 2)
    ci = row.get("ci")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        text += f" ({fmt_number(ci[0], 2)}–{fmt_number(ci[1], 2)})"
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
        fmt_number(entry.get("n_ok"), 0),
        fmt_number(entry.get("n_failed"), 0),
        ms_text(entry, "latency_s", "p50"),
        ms_text(entry, "latency_s", "p95"),
        ms_text(entry, "latency_s", "p99"),
        ms_text(entry, "ttft_s", "p50"),
        ms_text(entry, "tpot_s", "p50"),
        fmt_number(stat_of(entry, "output_tps", "mean"), 1),
        fmt_number(record.load_time_s, 2),
        fmt_number(record.memory_delta_mb, 1),
        fmt_size(record.size_mb),
        record.license or DASH,
    ]


def summary_rows(
    run: Run, summary: Sequence[Mapping[str, Any]], quality: Sequence[QualityRow] | None
) -> list[list[str]]:
    by_model = quality_by_model(quality)
    rows = []
    for entry in summary:
        cells = summary_cells(run, entry)
        row = [md_text(c) if i in (0, 1, 13) else c for i, c in enumerate(cells)]
        if quality is not None:
            row.append(fmt_quality(by_model.get(str(entry.get("model")))))
        rows.append(row)
    return rows


def quality_highlight(quality: Sequence[QualityRow] | None) -> tuple[str, float] | None:
    scored = [(r["model"], r["mean"]) for r in list(quality or []) if is_number(r["mean"])]
    return max(scored, key=lambda item: item[1]) if scored else None


def first_answers(run: Run) -> dict[tuple[str, str], str]:
    """The first successful timed answer of each (model, prompt)."""
    answers: dict[tuple[str, str], str] = {}
    for s in run.samples:
        if not s.warmup and s.status == "ok":
            answers.setdefault((s.model, s.prompt_id), s.response)
    return answers


def prompt_text(prompt: object) -> tuple[str, str]:
    if isinstance(prompt, Mapping):
        return str(prompt.get("id", "")), str(prompt.get("text", ""))
    return "", str(prompt)
