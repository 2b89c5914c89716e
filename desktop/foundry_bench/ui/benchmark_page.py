"""The Benchmark page (a later issue replaces this module with the real view)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from foundry_bench.ui.planned_page import PlannedPage


def make_benchmark_page(window: QWidget | None = None) -> QWidget:
    return PlannedPage(
        "Benchmark",
        "Measure time to first token, latency, time per output token and throughput of "
        "the models you pick, over the prompts you pick, with warm-up rounds kept apart.",
        [
            "Pick models (from the Models page) and a prompts file; set rounds, warm-up, "
            "max tokens, temperature, seed and streaming.",
            "Run in the background with live progress and Cancel; every finished request is "
            "saved at once, so a cancelled run keeps its results.",
            "Chart latency and TTFT distributions per model, updated as samples arrive.",
        ],
        """
foundry-bench run --models resources/examples/models.json \\
    --prompts resources/examples/prompts.json --rounds 3 --warmup 1
foundry-bench demo      # offline end-to-end run with the demo model
""",
        window,
    )
