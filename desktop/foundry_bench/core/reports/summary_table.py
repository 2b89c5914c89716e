"""The summary of a run in two tables, the key figures and the detail, for Markdown and HTML.

One table of 17 columns did not fit a 1280 px window: it scrolled sideways and squeezed the
model ids over five lines. The key figures are what models are compared by (requests,
p50 and p95 latency, p50 TTFT, output tokens/s, quality); the detail holds the rest (the
p99 tail, TPOT, throughput, and the model's load time, memory, size and licence). Every
figure is in one of them; ``summary.csv`` keeps its own columns (a file format).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from foundry_bench.core.quality.rows import QualityRow, quality_by_model
from foundry_bench.core.reports.content import (
    COUNT_HEADERS,
    QUALITY_HEADER,
    Scales,
    count_cells,
    fmt_quality,
    metric_cells,
    metric_headers,
    table_scales,
)
from foundry_bench.core.reports.text import DASH, fmt_size
from foundry_bench.core.results.records import ModelRecord, Run

DETAIL_TITLE = "Detail"


_KEY = ("model", "status", "ok", "failed", "cancelled", "p50", "p95", "ttft", "tps")


_DETAIL = ("model", "p99", "tpot", "throughput", "load", "memory", "size", "license")


_TEXT = frozenset({"model", "status", "license"})


@dataclass(frozen=True)
class SummaryTable:
    """One table: its title ("" under the section's own heading), header and rows as
    display text (not escaped: each format escapes the ``text_columns`` its own way)."""

    title: str
    header: list[str]
    rows: list[list[str]]
    text_columns: frozenset[int]


def _headers(scales: Scales) -> dict[str, str]:
    return {
        "model": "Model",
        "status": "Status",
        **dict(zip(("ok", "failed", "cancelled"), COUNT_HEADERS, strict=True)),
        **metric_headers(scales),
        # All completion tokens of the timed rounds over their wall time.
        "throughput": "Throughput tok/s",
        "load": scales["load_time_s"].label("Load"),
        "memory": "Memory Δ (MB)",
        "size": "Size (MB)",
        "license": "License",
        "quality": QUALITY_HEADER,
    }


def _cells(
    run: Run, entry: Mapping[str, Any], scales: Scales, quality: QualityRow | None
) -> dict[str, str]:
    model = str(entry.get("model"))
    record = run.model(model) or ModelRecord(id=model)
    return {
        "model": model,
        "status": str(entry.get("status") or record.status),
        **dict(zip(("ok", "failed", "cancelled"), count_cells(entry), strict=True)),
        **metric_cells(entry, scales),
        "throughput": scales["output_tps"].text(entry.get("throughput_tps")),
        "load": scales["load_time_s"].text(record.load_time_s),
        "memory": scales["memory_delta_mb"].text(record.memory_delta_mb),
        "size": fmt_size(record.size_mb),
        "license": record.license or DASH,
        "quality": fmt_quality(quality),
    }


def summary_tables(
    run: Run, summary: Sequence[Mapping[str, Any]], quality: Sequence[QualityRow] | None
) -> list[SummaryTable]:
    """The key figures (with the quality column when scores were given) and the detail."""
    scales = table_scales(run, summary)
    headers = _headers(scales)
    by_model = quality_by_model(quality)
    cells = [_cells(run, e, scales, by_model.get(str(e.get("model")))) for e in summary]
    key = (*_KEY, "quality") if quality is not None else _KEY
    return [
        SummaryTable(
            title,
            [headers[c] for c in columns],
            [[row[c] for c in columns] for row in cells],
            frozenset(i for i, c in enumerate(columns) if c in _TEXT),
        )
        for title, columns in (("", key), (DETAIL_TITLE, _DETAIL))
    ]
