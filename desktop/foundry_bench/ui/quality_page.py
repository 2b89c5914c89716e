"""The Quality page (a later issue replaces this module with the real view)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from foundry_bench.ui.planned_page import PlannedPage


def make_quality_page(window: QWidget | None = None) -> QWidget:
    return PlannedPage(
        "Quality",
        "Score the answers of a finished run from 1 to 5 on a rubric, optionally blind "
        "(model names hidden), so speed can be weighed against how good the answers are.",
        [
            "Open a run folder and read each prompt's answers side by side.",
            "Score every criterion of the rubric (plus each prompt's expected aspects); "
            "scores are saved after every change to annotations.json.",
            "Merge several annotators' files and see where they agree.",
        ],
        """
# Scoring needs the app; reports already include scores from annotation files:
foundry-bench report RUN_DIR --annotations annotations.json --format md
""",
        window,
    )
