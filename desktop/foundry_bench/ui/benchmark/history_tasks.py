"""What the run history does on disk, for workers (no Qt): list run folders, reopen one with
everything its charts and tables need computed, rename, delete.

Listing reads only the head of each ``results.json`` when the file is large: the run's status,
start and models come before its samples, and a list of runs must not parse 100,000 samples
per row.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundry_bench.core.analysis.chart_data import ChartData, run_chart_data
from foundry_bench.core.analysis.stats import ensure_summary
from foundry_bench.core.results.records import (
    RESULTS_FILE,
    SAMPLES_FILE,
    Run,
    Sample,
    load_run,
)

FULL_PARSE_BYTES = 2_000_000
HEAD_BYTES = 256 * 1024
_FIELD = r'"{}":\s*"([^"]*)"'
_BAD_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class RunInfo:
    path: Path
    run_id: str
    started_at: str
    status: str
    models: tuple[str, ...]
    requests: int  # lines in samples.jsonl (warm-ups included)

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class LoadedRun:
    """A run reopened from its folder, with what its views show already computed."""

    run: Run
    run_dir: Path
    summary: list[dict[str, Any]]
    charts: ChartData
    by_model: dict[str, list[Sample]]
    prompts: dict[str, str]


def _count_lines(path: Path) -> int:
    if not path.is_file():
        return 0
    count = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _head_info(path: Path) -> tuple[str, str, str, tuple[str, ...]]:
    """run_id, started_at, status, model ids from a large results.json's first bytes."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES).decode("utf-8", errors="replace")

    def field(name: str) -> str:
        match = re.search(_FIELD.format(name), head)
        return match.group(1) if match else ""

    models: tuple[str, ...] = ()
    start = head.find('"models": [')
    end = head.find('"prompts":', start)
    if start >= 0 and end > start:
        models = tuple(re.findall(r'"id":\s*"([^"]*)"', head[start:end]))
    return field("run_id"), field("started_at"), field("status"), models


def run_info(folder: Path) -> RunInfo | None:
    """What the history lists about a run folder; None when it is not a run folder."""
    results = folder / RESULTS_FILE
    samples = folder / SAMPLES_FILE
    if not results.is_file():
        if not samples.is_file():
            return None
        return RunInfo(folder, folder.name, "", "failed", (), _count_lines(samples))
    try:
        if results.stat().st_size <= FULL_PARSE_BYTES:
            data = json.loads(results.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not an object")
            models = tuple(
                str(m.get("id")) for m in data.get("models") or [] if isinstance(m, dict)
            )
            run_id = str(data.get("run_id") or folder.name)
            started, status = str(data.get("started_at") or ""), str(data.get("status") or "")
        else:
            run_id, started, status, models = _head_info(results)
    except (OSError, ValueError):
        return RunInfo(folder, folder.name, "", "unreadable", (), _count_lines(samples))
    return RunInfo(folder, run_id or folder.name, started, status, models, _count_lines(samples))


def list_runs(runs_dir: Path) -> list[RunInfo]:
    """Run folders under ``runs_dir``, newest first."""
    if not runs_dir.is_dir():
        return []
    infos = [
        info
        for child in runs_dir.iterdir()
        if child.is_dir() and not child.name.startswith(".")
        if (info := run_info(child)) is not None
    ]
    return sorted(infos, key=lambda i: (i.started_at, i.name), reverse=True)


def open_run(run_dir: Path) -> LoadedRun:
    """Load a run folder (``results.json``, or ``samples.jsonl`` when it is missing) and
    compute its summary, chart data and per-model sample lists."""
    run = load_run(run_dir)
    summary = ensure_summary(run)
    by_model: dict[str, list[Sample]] = {m.id: [] for m in run.models}
    for s in run.samples:
        by_model.setdefault(s.model, []).append(s)
    prompts = {
        str(p.get("id")): str(p.get("text") or "") for p in run.prompts if isinstance(p, dict)
    }
    return LoadedRun(run, run_dir, summary, run_chart_data(run), by_model, prompts)


def check_new_name(folder: Path, name: str) -> Path:
    """The renamed folder's path, or ValueError saying why the name cannot be used."""
    name = name.strip()
    if not name or name in (".", "..") or _BAD_NAME.search(name):
        raise ValueError(
            f'{name!r} cannot be a folder name (no / \\ : * ? " < > | or control characters)'
        )
    target = folder.parent / name
    if target.exists():
        raise ValueError(f"a run named {name!r} already exists")
    return target


def rename_run(folder: Path, name: str) -> Path:
    target = check_new_name(folder, name)
    folder.rename(target)
    return target


def delete_run(folder: Path) -> Path:
    if not (folder / RESULTS_FILE).is_file() and not (folder / SAMPLES_FILE).is_file():
        raise ValueError(f"{folder} is not a run folder; not deleting it")
    shutil.rmtree(folder)
    return folder
