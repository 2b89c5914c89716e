"""CSV reports: one row per sample (``report.csv``) and one row per model (``summary.csv``).

Every text cell goes through :func:`~foundry_bench.core.reports.text.csv_safe`, so a spreadsheet
never runs an answer that starts with ``=``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields

from foundry_bench.core.analysis.stats import CI_KEYS, STAT_KEYS, SUMMARY_METRICS, ensure_summary
from foundry_bench.core.config.checks import stored_tally
from foundry_bench.core.quality.rows import (
    QualityRow,
    criteria_of,
    quality_by_model,
)
from foundry_bench.core.reports.resources import RESOURCE_FIELDS
from foundry_bench.core.reports.text import csv_safe, stat_of
from foundry_bench.core.results.records import ModelRecord, Run, Sample

SAMPLE_COLUMNS = tuple(f.name for f in fields(Sample) if f.name != "itl_s")


MODEL_COLUMNS = (
    "model",
    "status",
    "error",
    "n_ok",
    "n_failed",
    "n_cancelled",
    "load_time_s",
    "memory_delta_mb",
    "size_mb",
    "license",
    *RESOURCE_FIELDS,
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


#: The automatic checks (empty without any) and the arena rating of side-by-side votes
#: (empty without votes), as the Markdown and HTML reports show them.
CHECKS_ARENA_COLUMNS = (
    "checks_passed",
    "checks_total",
    "arena_rating",
    "arena_ci_lo",
    "arena_ci_hi",
)

SUMMARY_COLUMNS = (
    *MODEL_COLUMNS,
    "throughput_tps",
    *_summary_columns(),
    *QUALITY_COLUMNS,
    *CHECKS_ARENA_COLUMNS,
)


def _cell(value: object) -> object:
    kind = type(value)
    if kind is float or kind is int or value is None:  # the common case, kept cheap
        return value
    if kind is bool:
        return "true" if value else "false"
    if not isinstance(value, str | int | float):
        value = json.dumps(value, ensure_ascii=False)
    return csv_safe(value)


def csv_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    # CRLF rows (RFC 4180): with it, a lone CR inside a value gets quoted too, which a "\n"
    # line terminator would not do. Write the text with newline="" (no translation).
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def to_csv(run: Run) -> str:
    """``report.csv``: a header, then one row per sample (every field but ``itl_s``)."""
    return csv_table(
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
    (``latency_s_p50``, ``latency_s_p50_ci_lo``, ...), its quality scores, its automatic
    checks and its arena rating."""
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
            entry.get("n_cancelled"),
            record.load_time_s,
            record.memory_delta_mb,
            record.size_mb,
            record.license,
            *(getattr(record, name) for name in RESOURCE_FIELDS),
            entry.get("throughput_tps"),
        ]
        for metric in SUMMARY_METRICS:
            stats = entry.get(metric)
            row += [stat_of(entry, metric, key) for key in STAT_KEYS]
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
        tally = stored_tally(entry.get("checks"))
        arena = q.get("arena") if q else None
        arena = arena if isinstance(arena, Mapping) else {}
        row += [*(tally or (None, None))]
        row += [arena.get("rating"), arena.get("ci_low"), arena.get("ci_high")]
        row += [q["criteria"].get(c) if q else None for c in criteria]
        rows.append(row)
    return csv_table(SUMMARY_COLUMNS + tuple(f"quality_{c}" for c in criteria), rows)
