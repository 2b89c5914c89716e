"""The slow parts of the Reports page, as plain functions a worker runs (no widgets here).

Loading runs, reading annotation files, rendering reports and writing files all happen off
the GUI thread (``ui.base.workers``); each function returns a small result object for the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from foundry_bench.core.analysis.compare import Comparison, compare_runs
from foundry_bench.core.analysis.recommend import Constraints, Recommendation, recommend
from foundry_bench.core.analysis.stats import ensure_summary
from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.quality.rows import QualityResult, quality_for
from foundry_bench.core.reports import compare as compare_report
from foundry_bench.core.reports import formats as report
from foundry_bench.core.results.folders import OpenedRun, open_run_folder
from foundry_bench.core.results.records import Run


def open_run(path: Path) -> OpenedRun:
    opened = open_run_folder(path)
    ensure_summary(opened.run)
    return opened


@dataclass(frozen=True)
class RecommendResult:
    recommendation: Recommendation
    quality: QualityResult


def recommend_run(run: Run, run_dir: Path | None, constraints: Constraints) -> RecommendResult:
    quality = quality_for(run, run_dir)
    return RecommendResult(recommend(run, quality.rows, constraints), quality)


@dataclass(frozen=True)
class Written:
    path: Path
    note: str


def export_run(
    run: Run, run_dir: Path | None, fmt: str, path: Path, constraints: Constraints
) -> Written:
    """Render ``run`` in ``fmt`` (``core.reports.formats.FORMATS``) and write it atomically."""
    quality = quality_for(run, run_dir)
    text = report.render(run, fmt, quality.rows, constraints)
    atomic_write_text(path, text)
    return Written(path, quality.note)


def compare_paths(path_a: Path, path_b: Path) -> Comparison:
    a, b = open_run(path_a), open_run(path_b)
    qa, qb = quality_for(a.run, a.run_dir), quality_for(b.run, b.run_dir)
    if qa.rows is None or qb.rows is None:  # compare quality only when both runs have it
        return compare_runs(a.run, b.run)
    return compare_runs(a.run, b.run, quality_a=qa.rows, quality_b=qb.rows)


def export_comparison(result: Comparison, fmt: str, path: Path, fail_pct: float | None) -> Path:
    atomic_write_text(path, compare_report.render(result, fmt, fail_pct))
    return path
