"""Every report format by name, and the files a finished run gets.

Every format takes the same optional inputs: ``quality`` (per-model scores,
``core.quality.rows``) and ``constraints`` (``core.analysis.recommend``), so the CLI and the
app produce identical files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from foundry_bench.core.analysis.recommend import Constraints, recommend
from foundry_bench.core.analysis.stats import ensure_summary
from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.quality.rows import (
    QualityRow,
    arena_of,
)
from foundry_bench.core.reports.csv_report import to_csv, to_summary_csv
from foundry_bench.core.reports.markdown import to_markdown
from foundry_bench.core.results.records import Run

REPORT_MD = "benchmark_report.md"


REPORT_CSV = "report.csv"


SUMMARY_CSV = "summary.csv"


REPORT_HTML = "report.html"


REPORT_JSON = "report.json"


def to_json(
    run: Run,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> str:
    """The ``results.json`` content (summary ensured), indented by 2; with ``quality`` or
    ``constraints`` also ``"quality"``, ``"arena"`` (side-by-side ratings, best first) and
    ``"recommendation"`` (readers of ``results.json`` ignore keys they do not know)."""
    ensure_summary(run)
    data = run.to_dict()
    if quality is not None:
        data["quality"] = list(quality)
        data["arena"] = arena_of(quality)
    if quality is not None or constraints is not None:
        data["recommendation"] = recommend(run, quality, constraints).to_dict()
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_html(
    run: Run,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> str:
    """``report.html``: one self-contained file with inline SVG charts (``core.reports.html``)."""
    from foundry_bench.core.reports.html import render_html

    return render_html(run, quality, constraints)


#: Export formats: name -> (default file name, description).
FORMATS = {
    "md": (REPORT_MD, "Markdown report"),
    "csv": (REPORT_CSV, "CSV, one row per sample"),
    "summary-csv": (SUMMARY_CSV, "CSV, one row per model"),
    "html": (REPORT_HTML, "HTML report"),
    "json": (REPORT_JSON, "JSON (results with summary)"),
}


def render(
    run: Run,
    fmt: str,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> str:
    """The report of ``run`` in one of :data:`FORMATS`."""
    if fmt == "md":
        return to_markdown(run, quality, constraints)
    if fmt == "csv":
        return to_csv(run)
    if fmt == "summary-csv":
        return to_summary_csv(run, quality)
    if fmt == "html":
        return to_html(run, quality, constraints)
    if fmt == "json":
        return to_json(run, quality, constraints)
    raise ValueError(f"unknown report format {fmt!r} (expected one of {', '.join(FORMATS)})")


def write_reports(
    run: Run,
    run_dir: Path,
    *,
    html: bool = False,
    quality: Sequence[QualityRow] | None = None,
    constraints: Constraints | None = None,
) -> list[Path]:
    """Write ``benchmark_report.md``, ``report.csv`` and ``summary.csv`` (and, with
    ``html=True``, ``report.html``) into ``run_dir``, each atomically; return their paths."""
    formats = ["md", "csv", "summary-csv"] + (["html"] if html else [])
    paths = []
    for fmt in formats:
        path = run_dir / FORMATS[fmt][0]
        atomic_write_text(path, render(run, fmt, quality, constraints))
        paths.append(path)
    return paths
