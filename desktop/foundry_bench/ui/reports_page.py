"""The Reports page (a later issue replaces this module with the real view)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from foundry_bench.ui.planned_page import PlannedPage


def make_reports_page(window: QWidget | None = None) -> QWidget:
    return PlannedPage(
        "Reports",
        "Turn runs into reports a team can read and compare: summaries per model with "
        "confidence intervals, and what changed between two runs.",
        [
            "Open a run and preview its Markdown or HTML report.",
            "Export Markdown, CSV (per sample or per model), HTML or JSON.",
            "Compare two runs, with significance, to catch regressions.",
        ],
        """
foundry-bench report RUN_DIR --format html --out report.html
foundry-bench report RUN_DIR --format summary-csv --out summary.csv
foundry-bench compare RUN_A RUN_B --fail-on-regression 10
""",
        window,
    )
