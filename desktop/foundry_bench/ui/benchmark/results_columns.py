"""The columns of the results table: what each shows, its header and its tooltip.

Statistic columns show the metric picked above the table; count columns come from the
summary entry; load and memory columns from the model's record (``ModelRecord``).
"""

from __future__ import annotations

from enum import IntEnum


class Col(IntEnum):
    """The columns, most read first: the median and the tail come before the spread, so
    p95 is in view without scrolling sideways."""

    MODEL = 0
    STATUS = 1
    OK = 2
    FAILED = 3
    CANCELLED = 4
    P50 = 5
    P95 = 6
    P99 = 7
    MEAN = 8
    STD = 9
    MIN = 10
    P90 = 11
    MAX = 12
    P50_CI = 13
    P95_CI = 14
    LOAD = 15
    MEMORY = 16
    PEAK_RSS = 17
    GPU_MEMORY = 18
    THROUGHPUT = 19  # one number per model (the summary's), whatever the metric shown
    CPU = 20
    COLD_TTFT = 21
    CHECKS = 22  # shown only when the prompts have automatic checks


HEADERS = {
    Col.MODEL: "Model",
    Col.STATUS: "Status",
    Col.OK: "OK",
    Col.FAILED: "Failed",
    Col.CANCELLED: "Cancelled",
    Col.MEAN: "Mean",
    Col.STD: "Std",
    Col.MIN: "Min",
    Col.P50: "p50",
    Col.P50_CI: "p50 95% CI",
    Col.P90: "p90",
    Col.P95: "p95",
    Col.P95_CI: "p95 95% CI",
    Col.P99: "p99",
    Col.MAX: "Max",
    Col.LOAD: "Load",
    Col.MEMORY: "Memory Δ (MB)",
    Col.PEAK_RSS: "Peak RSS (MB)",
    Col.GPU_MEMORY: "GPU memory (MB)",
    Col.THROUGHPUT: "Throughput tok/s",
    Col.CPU: "CPU (%)",
    Col.COLD_TTFT: "Cold TTFT",
    Col.CHECKS: "Checks passed",
}
STAT_OF = {
    Col.MEAN: "mean",
    Col.STD: "std",
    Col.MIN: "min",
    Col.P50: "p50",
    Col.P90: "p90",
    Col.P95: "p95",
    Col.P99: "p99",
    Col.MAX: "max",
}
CI_OF = {Col.P50_CI: "p50_ci", Col.P95_CI: "p95_ci"}
COUNT_OF = {Col.OK: "n_ok", Col.FAILED: "n_failed", Col.CANCELLED: "n_cancelled"}
#: One number per model beside the statistics: what loading it cost, from its record
#: (``ModelRecord``), and its aggregate throughput, from its summary entry.
RECORD_OF = {
    Col.LOAD: "load_time_s",
    Col.MEMORY: "memory_delta_mb",
    Col.PEAK_RSS: "peak_rss_mb",
    Col.GPU_MEMORY: "gpu_memory_mb",
    Col.THROUGHPUT: "throughput_tps",
    Col.CPU: "cpu_percent",
    Col.COLD_TTFT: "cold_ttft_s",
}
CHECKS_TIP = (
    "the prompts' automatic checks of the timed answers that passed; the highest share is "
    "highlighted"
)
COUNT_TIPS = {
    Col.OK: "timed requests that ended ok",
    Col.FAILED: "timed requests that ended in an error or a timeout",
    Col.CANCELLED: "timed requests stopped by Cancel (not failures)",
}
RECORD_TIPS = {
    Col.LOAD: "time to load the model before its requests (outside the timings)",
    Col.MEMORY: "the process's memory growth while the model loaded",
    Col.PEAK_RSS: "the most memory the model's runtime host process held over its life",
    Col.GPU_MEMORY: "the most GPU memory in use while the model ran (NVIDIA only)",
    Col.CPU: "the runtime host's mean CPU use over the timed rounds (100 = one core busy)",
    Col.COLD_TTFT: "time to the first token of the first request after the load (a warm-up "
    "when there are warm-up rounds; not in the statistics)",
    Col.THROUGHPUT: "every completion token of the timed rounds over their wall time (with "
    "requests in flight together, the aggregate rate); the highest is highlighted",
}
