"""Run folders: the one place that finds, labels, opens, renames and deletes them.

The CLI, the Benchmark page's History and the Reports page (export and Compare) all go
through here, so a folder has one status, one label and one place in the list everywhere.
A folder is a run folder when it holds ``results.json`` or ``samples.jsonl``; its status is
the one :func:`~foundry_bench.core.results.store.load_run` gives it (``interrupted`` for a
run whose writer is gone, or whose ``results.json`` is missing: it is rebuilt from its samples).

Listing reads only the head of a large ``results.json``: the run's status, start and models
come before its samples, and a list of runs must not parse 100,000 samples per row.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from foundry_bench.core.jsonfile import check_nesting, parse_json_text, read_json_file
from foundry_bench.core.results.liveness import WriterStamp
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.run_settings import RunSettings, parse_run_settings
from foundry_bench.core.results.statuses import RunStatus, run_status_of
from foundry_bench.core.results.store import (
    REBUILT_STATUS,
    RESULTS_FILE,
    SAMPLES_FILE,
    RunFileError,
    count_lines,
    load_run,
    settled_status,
)

FULL_PARSE_BYTES = 2_000_000
HEAD_BYTES = 256 * 1024
UNREADABLE = "unreadable"
_FIELD = r'"{}":\s*"([^"]*)"'
_BAD_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class RunFolder:
    """What a list of runs shows about one folder (cheap facts: the run is not loaded)."""

    path: Path
    run_id: str
    started_at: str
    status: str  # a run status, or "unreadable"
    models: tuple[str, ...]
    requests: int  # lines in samples.jsonl (warm-ups included)
    rebuilt: bool = False  # no results.json: opening it rebuilds the run from samples.jsonl

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def started_text(self) -> str:
        """``2026-12-01 21:30:05`` (UTC), or "" when unknown."""
        return self.started_at.replace("T", " ").split(".")[0].rstrip("Z")

    @property
    def label(self) -> str:
        """How a picker names the run: folder, start (to the minute) and status."""
        return f"{self.name}  ·  {self.started_text[:16] or '?'}  ·  {self.status}"


@dataclass(frozen=True)
class OpenedRun:
    run: Run
    run_dir: Path


def is_run_folder(folder: Path) -> bool:
    return (folder / RESULTS_FILE).is_file() or (folder / SAMPLES_FILE).is_file()


def run_folder(folder: Path) -> RunFolder | None:
    """What the lists show of ``folder``; ``None`` when it is not a run folder."""
    results, samples = folder / RESULTS_FILE, folder / SAMPLES_FILE
    if not results.is_file():
        if not samples.is_file():
            return None
        return RunFolder(
            folder,
            folder.name,
            _first_sample_start(samples),
            REBUILT_STATUS,
            (),
            count_lines(samples),
            rebuilt=True,
        )
    requests = count_lines(samples)
    try:
        if results.stat().st_size <= FULL_PARSE_BYTES:
            head = _full_info(results)
        else:
            head = _head_info(results)
        status = settled_status(head.status, head.writer, folder, head.timeout_s)
    except (OSError, ValueError):
        return RunFolder(folder, folder.name, "", UNREADABLE, (), requests)
    return RunFolder(
        folder, head.run_id or folder.name, head.started_at, status, head.models, requests
    )


def list_run_folders(runs_dir: Path) -> list[RunFolder]:
    """Run folders directly under ``runs_dir``, newest start first (unknown starts last)."""
    if not runs_dir.is_dir():
        return []
    found = [
        info
        for child in runs_dir.iterdir()
        if child.is_dir() and not child.name.startswith(".")
        if (info := run_folder(child)) is not None
    ]
    return sorted(found, key=lambda f: (f.started_at, f.name), reverse=True)


def open_run_folder(path: Path) -> OpenedRun:
    """Load a run from its folder (or its ``results.json``); ``RunFileError`` says why not."""
    return OpenedRun(load_run(path), path if path.is_dir() else path.parent)


@dataclass(frozen=True)
class OpenedRuns:
    """The runs a list of paths names, and a message for each path that gave none."""

    runs: list[OpenedRun]
    problems: list[str]


def run_paths(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The runs ``paths`` name: a run folder (or its ``results.json``) is one run; any other
    folder gives every run folder directly inside it, as the runs list finds them (a folder
    of downloaded CI artifacts). Each path that names no run gets a message instead."""
    found: dict[Path, Path] = {}  # the run folder, resolved -> as named (each run once)
    problems: list[str] = []
    for path in paths:
        if is_run_folder(path) or (path.is_file() and path.name == RESULTS_FILE):
            inside = [path]
        elif path.is_dir():
            inside = [f.path for f in list_run_folders(path)]
            if not inside:
                problems.append(
                    f"{path}: no run folder in it (a run folder holds {RESULTS_FILE} "
                    f"or {SAMPLES_FILE})"
                )
        else:
            kind = f"not a run folder or a {RESULTS_FILE}" if path.exists() else "not found"
            problems.append(f"{path}: {kind}")
            continue
        for run_path in inside:
            folder = run_path.parent if run_path.is_file() else run_path
            found.setdefault(folder.resolve(), run_path)
    return list(found.values()), problems


def open_run_folders(paths: Sequence[Path]) -> OpenedRuns:
    """Open every run ``paths`` name (:func:`run_paths`); a run that cannot be read is left
    out with its message (naming the file and the problem), the others still open."""
    runs: list[OpenedRun] = []
    found, problems = run_paths(paths)
    for path in found:
        try:
            runs.append(open_run_folder(path))
        except RunFileError as exc:
            problems.append(str(exc))
    return OpenedRuns(runs, problems)


def check_new_name(folder: Path, name: str) -> Path:
    """The renamed folder's path, or ``ValueError`` saying why the name cannot be used."""
    name = name.strip()
    if not name or name in (".", "..") or _BAD_NAME.search(name):
        raise ValueError(
            f'{name!r} cannot be a folder name (no / \\ : * ? " < > | or control characters)'
        )
    target = folder.parent / name
    if target.exists():
        raise ValueError(f"a run named {name!r} already exists")
    return target


def rename_run_folder(folder: Path, name: str) -> Path:
    target = check_new_name(folder, name)
    folder.rename(target)
    return target


def delete_run_folder(folder: Path) -> Path:
    if not is_run_folder(folder):
        raise ValueError(f"{folder} is not a run folder; not deleting it")
    shutil.rmtree(folder)
    return folder


def _first_sample_start(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            line = fh.readline(HEAD_BYTES)
        check_nesting(line, path)
        first = parse_json_text(line.decode("utf-8"), path)
    except (OSError, ValueError):
        return ""
    value = first.get("started_at") if isinstance(first, dict) else None
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class _Head:
    """The facts a list shows, read from the start of a ``results.json``."""

    run_id: str
    started_at: str
    status: RunStatus
    models: tuple[str, ...]
    writer: WriterStamp | None
    timeout_s: float


def _full_info(path: Path) -> _Head:
    data = read_json_file(path)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    models = tuple(str(m.get("id")) for m in data.get("models") or [] if isinstance(m, dict))
    return _Head(
        str(data.get("run_id") or ""),
        str(data.get("started_at") or ""),
        run_status_of(data.get("status")),
        models,
        WriterStamp.from_dict(data.get("writer")),
        parse_run_settings(data.get("settings") or {}).timeout_s,
    )


def _head_info(path: Path) -> _Head:
    """run_id, started_at, status, model ids, writer from a large results.json's first bytes."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES).decode("utf-8", errors="replace")

    def field(name: str, text: str = head) -> str:
        match = re.search(_FIELD.format(name), text)
        return match.group(1) if match else ""

    models: tuple[str, ...] = ()
    start = head.find('"models": [')
    end = head.find('"prompts":', start)
    if start >= 0 and end > start:
        models = tuple(re.findall(r'"id":\s*"([^"]*)"', head[start:end]))
    writer = None
    stamp = re.search(r'"writer":\s*(\{[^{}]*\})', head)
    if stamp:
        writer = WriterStamp.from_dict(parse_json_text(stamp.group(1), path))
    timeout = re.search(r'"timeout_s":\s*([0-9.]+)[,\s]', head)
    return _Head(
        field("run_id"),
        field("started_at"),
        run_status_of(field("status") or None),
        models,
        writer,
        float(timeout.group(1)) if timeout else RunSettings().timeout_s,
    )
