"""What loading and serving each model cost, the same in every report format.

The figures are measured on each model's runtime host process (``core.run.host``); a model
served by an external server has none of them, and its row shows dashes.
"""

from __future__ import annotations

from foundry_bench.core.reports.text import fmt_number, plain_text
from foundry_bench.core.results.records import HOST_NUMBER_FIELDS, ModelRecord, Run

RESOURCE_HEADER = (
    "Model",
    "Device",
    "Execution provider",
    "Load (s)",
    "Cold TTFT (ms)",
    "Cold latency (ms)",
    "Peak RSS (MB)",
    "RSS after load (MB)",
    "CPU (%)",
    "GPU memory (MB)",
)

#: Columns of ``RESOURCE_HEADER`` that hold text (escaped by each format), not numbers.
RESOURCE_TEXT_COLUMNS = frozenset({0, 1, 2})

#: The record fields ``summary.csv`` adds per model (after its load and memory columns).
RESOURCE_FIELDS = ("device", "execution_provider", *HOST_NUMBER_FIELDS)


def resource_cells(record: ModelRecord) -> list[str]:
    """One model's row as display text (not escaped), in ``RESOURCE_HEADER`` order."""
    return [
        plain_text(record.id),
        plain_text(record.device),
        plain_text(record.execution_provider),
        fmt_number(record.load_time_s, 3),
        fmt_number(record.cold_ttft_s, 1, 1000.0),
        fmt_number(record.cold_latency_s, 1, 1000.0),
        fmt_number(record.peak_rss_mb, 1),
        fmt_number(record.rss_after_load_mb, 1),
        fmt_number(record.cpu_percent, 0),
        fmt_number(record.gpu_memory_mb, 1),
    ]


def has_resources(run: Run) -> bool:
    """Whether any model has a figure to show (a run against an external server has none)."""
    return any(
        getattr(m, name) is not None
        for m in run.models
        for name in ("load_time_s", "peak_rss_mb", "device", "cold_latency_s")
    )


def resource_rows(run: Run) -> list[list[str]]:
    return [resource_cells(m) for m in run.models]
