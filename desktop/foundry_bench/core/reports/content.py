"""What every report format says about a run: environment, settings, highlights, table cells.

Each function returns plain text cells; the format (Markdown, HTML) escapes them its own way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from foundry_bench.core.analysis.recommend import Recommendation
from foundry_bench.core.quality.rows import QualityRow
from foundry_bench.core.redaction import is_secret_name, redact_url
from foundry_bench.core.reports.text import (
    DASH,
    ERROR_LIMIT,
    fmt_number,
    is_number,
    md_text,
    plain_text,
    stat_of,
)
from foundry_bench.core.results.records import Run
from foundry_bench.core.units import Scale, fmt_seconds, number_scale, time_scale

_ENV_ORDER = (
    "label",
    "app",
    "machine",
    "os",
    "os_build",
    "cpu",
    "cpu_cores",
    "cpu_count",
    "memory_gb",
    "memory",
    "gpus",
    "npu",
    "power",
    "python",
    "sdk",
    "sdk_versions",
    "versions",
    "endpoint",
)


#: Readable names for the environment keys the runner records (``core.run.environment``).
ENV_LABELS = {
    "label": "Device label",
    "app": "App",
    "machine": "Machine",
    "os": "OS",
    "cpu": "CPU",
    "os_build": "OS build",
    "cpu_cores": "CPU cores",
    "cpu_count": "Logical CPUs",
    "memory_gb": "Memory (GB)",
    "gpus": "GPUs",
    "npu": "NPU",
    "power": "Power",
    "memory": "Memory",
    "python": "Python",
    "sdk": "SDK",
    "sdk_versions": "SDK versions",
    "versions": "Versions",
    "endpoint": "Endpoint",
    "note": "Note",
    "error": "Error",
}


def _env_value(value: object) -> str:
    """One environment value as text; nested secrets (``{"api_key": ...}``) are left out."""
    if isinstance(value, Mapping):
        return ", ".join(
            f"{k} {_env_value(v)}"
            for k, v in value.items()
            if not is_secret_name(k) and v not in (None, "", [], {})
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
        if value in (None, "", [], {}) or is_secret_name(key):
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
        ("Request deadline (s)", f"{s.deadline_s:g}"),
        ("Concurrency", str(s.concurrency)),
    ]


def settings_line(run: Run) -> str:
    s = run.settings
    seed = DASH if s.seed is None else str(s.seed)
    return (
        f"rounds {s.rounds} · warm-up {s.warmup_rounds} · max tokens {s.max_tokens} · "
        f"temperature {s.temperature:g} · seed {seed} · streaming {'on' if s.stream else 'off'}"
        f" · timeout {s.timeout_s:g} s · deadline {s.deadline_s:g} s"
        f" · concurrency {s.concurrency}"
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
    """Per model: the first error of a failed timed request and how many failed (a request
    the user cancelled did not fail)."""
    found: dict[str, tuple[str, int]] = {}
    for s in run.samples:
        if s.warmup or s.status in ("ok", "cancelled"):
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
        text = f"{fastest[0].get('model')} ({fmt_seconds(fastest[1])})"
        items.append(("Fastest p95 latency", text, []))
    ttft = best_of(summary, "ttft_s", "p50", highest=False)
    if ttft:
        text = f"{ttft[0].get('model')} ({fmt_seconds(ttft[1])})"
        items.append(("Lowest p50 TTFT", text, []))
    tps = best_of(summary, "output_tps", "mean", highest=True)
    if tps:
        text = f"{tps[0].get('model')} ({number_scale([tps[1]]).text(tps[1])} tok/s mean)"
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
            total = count + (entry.get("n_ok") or 0) + (entry.get("n_cancelled") or 0)
            failures.append(
                f"{model}: {count} of {total} requests failed "
                f"(first error: {plain_text(message, ERROR_LIMIT)})"
            )
    items.append(("Failures", "" if failures else "none", failures))
    cancelled = sum(int(entry.get("n_cancelled") or 0) for entry in summary)
    if cancelled:
        plural = "request" if cancelled == 1 else "requests"
        items.append(("Cancelled", f"{cancelled} {plural} stopped by the user (not failures)", []))
    return items


def highlights(
    run: Run, summary: Sequence[Mapping[str, Any]], quality: Sequence[QualityRow] | None = None
) -> list[str]:
    lines = []
    for label, text, subitems in highlight_items(run, summary, quality):
        lines.append(f"- **{label}:**" + (f" {md_text(text)}" if text else ""))
        lines += [f"  - {md_text(item)}" for item in subitems]
    return lines


#: Column scales of the summary and per-prompt tables: one per metric over every row, so
#: p50, p95 and p99 of a metric share a unit (``core.reports.text.Scale``).
Scales = dict[str, Scale]


_TIME_KEYS = {"latency_s": ("p50", "p95", "p99"), "ttft_s": ("p50",), "tpot_s": ("p50",)}


def table_scales(run: Run, entries: Sequence[Mapping[str, Any]]) -> Scales:
    """The unit and decimals of each number column, from the values it shows."""
    scales: Scales = {
        metric: time_scale(stat_of(e, metric, k) for e in entries for k in keys)
        for metric, keys in _TIME_KEYS.items()
    }
    scales["output_tps"] = number_scale(stat_of(e, "output_tps", "mean") for e in entries)
    scales["load_time_s"] = time_scale(m.load_time_s for m in run.models)
    scales["memory_delta_mb"] = number_scale((m.memory_delta_mb for m in run.models), "MB")
    return scales


COUNT_HEADERS = ("OK", "Failed", "Cancelled")


def metric_headers(scales: Scales) -> dict[str, str]:
    """The header of each statistic column, with the unit its scale chose."""
    latency = scales["latency_s"]
    return {
        **{p: latency.label(f"{p} latency") for p in ("p50", "p95", "p99")},
        "ttft": scales["ttft_s"].label("p50 TTFT"),
        "tpot": scales["tpot_s"].label("p50 TPOT"),
        "tps": "Mean output tok/s",
    }


def metric_cells(entry: Mapping[str, Any], scales: Scales) -> dict[str, str]:
    """An entry's statistics as text, keyed as :func:`metric_headers`."""
    latency = scales["latency_s"]
    return {
        **{p: latency.text(stat_of(entry, "latency_s", p)) for p in ("p50", "p95", "p99")},
        "ttft": scales["ttft_s"].text(stat_of(entry, "ttft_s", "p50")),
        "tpot": scales["tpot_s"].text(stat_of(entry, "tpot_s", "p50")),
        "tps": scales["output_tps"].text(stat_of(entry, "output_tps", "mean")),
    }


def count_cells(entry: Mapping[str, Any]) -> list[str]:
    """OK, failed and cancelled requests (:data:`COUNT_HEADERS`)."""
    return [
        fmt_number(entry.get("n_ok"), 0),
        fmt_number(entry.get("n_failed"), 0),
        fmt_number(entry.get("n_cancelled", 0), 0),
    ]


_PROMPT_METRICS = ("p50", "p95", "ttft", "tpot", "tps")


def prompt_header(scales: Scales) -> list[str]:
    headers = metric_headers(scales)
    metrics = [headers[k] for k in _PROMPT_METRICS]
    return ["Model", "Prompt", *COUNT_HEADERS, *metrics, "First answer"]


def prompt_cells(entry: Mapping[str, Any], answer: str | None, scales: Scales) -> list[str]:
    """One per-prompt row as display text (not escaped), in ``prompt_header`` order."""
    metrics = metric_cells(entry, scales)
    return [
        str(entry.get("model")),
        str(entry.get("prompt_id")),
        *count_cells(entry),
        *(metrics[k] for k in _PROMPT_METRICS),
        plain_text(answer),
    ]


QUALITY_HEADER = "Quality (1-5, 95% CI)"


def candidate_cells(rec: Recommendation) -> tuple[list[str], list[list[str]]]:
    """The recommendation table's header and rows as display text (not escaped); the last
    cell of a row is why the model does not qualify, or notes about it."""
    p95 = time_scale(None if c.p95_ms is None else c.p95_ms / 1000 for c in rec.candidates)
    memory = number_scale(c.memory_mb for c in rec.candidates)
    header = ["Model", "Qualifies", p95.label("p95 latency"), "Memory Δ (MB)", "Quality"]
    rows = [
        [
            c.model,
            "yes" if c.qualifies else "no",
            p95.text(None if c.p95_ms is None else c.p95_ms / 1000),
            memory.text(c.memory_mb),
            fmt_quality({"mean": c.quality, "ci": c.quality_ci}),
            "; ".join((*c.reasons, *c.notes)) or DASH,
        ]
        for c in rec.candidates
    ]
    return [*header, "Why not / notes"], rows


def fmt_quality(row: Mapping[str, Any] | None) -> str:
    """``4.20 (3.90–4.50)``: a mean score with its 95% CI, or a dash."""
    if not row or not is_number(row.get("mean")):
        return DASH
    text = fmt_number(row["mean"], 2)
    ci = row.get("ci")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        text += f" ({fmt_number(ci[0], 2)}–{fmt_number(ci[1], 2)})"
    return text


def quality_highlight(quality: Sequence[QualityRow] | None) -> tuple[str, float] | None:
    scored = [(r["model"], r["mean"]) for r in list(quality or []) if is_number(r["mean"])]
    return max(scored, key=lambda item: item[1]) if scored else None


def model_details(run: Run) -> list[tuple[str, str, str]]:
    """(model, licence, details) of each model imported from a GGUF or Hugging Face source."""
    return [(m.id, m.license or DASH, m.details) for m in run.models if m.details]


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
