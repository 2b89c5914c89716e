"""Reopening a past run for the Benchmark page, as a worker task (no Qt): the run and
everything its charts and tables show, computed off the GUI thread.

Listing, renaming and deleting run folders is ``core.results.folders``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundry_bench.core.analysis.chart_data import ChartData, run_chart_data
from foundry_bench.core.analysis.stats import ensure_summary
from foundry_bench.core.results.folders import open_run_folder
from foundry_bench.core.results.records import Run, Sample


@dataclass(frozen=True)
class LoadedRun:
    """A run reopened from its folder, with what its views show already computed."""

    run: Run
    run_dir: Path
    summary: list[dict[str, Any]]
    charts: ChartData
    by_model: dict[str, list[Sample]]
    prompts: dict[str, str]


def reopen_run(run_dir: Path) -> LoadedRun:
    """Load a run folder and compute its summary, chart data and per-model sample lists."""
    opened = open_run_folder(run_dir)
    return loaded_from(opened.run, opened.run_dir)


def loaded_from(run: Run, run_dir: Path) -> LoadedRun:
    """What the views of ``run`` show, for a run already in memory (opened by another page)."""
    summary = ensure_summary(run)
    by_model: dict[str, list[Sample]] = {m.id: [] for m in run.models}
    for s in run.samples:
        by_model.setdefault(s.model, []).append(s)
    prompts = {
        str(p.get("id")): str(p.get("text") or "") for p in run.prompts if isinstance(p, dict)
    }
    return LoadedRun(run, run_dir, summary, run_chart_data(run), by_model, prompts)
