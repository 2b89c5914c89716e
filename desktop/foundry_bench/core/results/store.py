"""A run's files: ``samples.jsonl`` (appended and flushed per sample) and ``results.json``.

Everything here is I/O that must never lose work: samples are appended and flushed one line
at a time as requests finish, and ``results.json`` is replaced atomically, so a crash leaves
either the old file or the new one, never half of one. A folder whose ``results.json`` is
missing (a killed run) is rebuilt from its samples.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.redaction import scrub_json_text
from foundry_bench.core.results.records import ModelRecord, Run, RunStatus, Sample
from foundry_bench.core.results.run_settings import RunSettings

RESULTS_FILE = "results.json"


SAMPLES_FILE = "samples.jsonl"
# A run rebuilt from samples.jsonl never finished: its status says so wherever it is shown.
REBUILT_STATUS: RunStatus = "failed"


class RunFileError(ValueError):
    """A run file that cannot be read; the message names the file and the problem."""


def write_results(run_dir: Path, run: Run) -> Path:
    path = run_dir / RESULTS_FILE
    atomic_write_text(path, json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return path


class SampleWriter:
    """Appends one JSON line per finished sample and flushes it to the OS at once.

    A crash (even ``kill -9``) then loses at most the request in flight; the OS keeps what
    was flushed even if the process dies.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh: IO[str] | None = open(path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115

    def append(self, sample: Sample) -> None:
        if self._fh is None:
            raise ValueError(f"{self.path}: writer is closed")
        self._fh.write(scrub_json_text(json.dumps(sample.to_dict(), ensure_ascii=False)) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> SampleWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_samples_jsonl(path: Path) -> Iterator[Sample]:
    """Samples of a ``samples.jsonl``; a torn last line (a killed writer) is skipped.

    Any other bad line is an error naming the file and the line number.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RunFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise RunFileError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    lines = text.split("\n")
    last_index = len(lines) - 1
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("a line must be a JSON object")
            yield Sample.from_dict(data)
        except (ValueError, TypeError) as exc:
            # Only the very last line can be cut short by a crash mid-write.
            if number - 1 == last_index and not text.endswith("\n"):
                return
            raise RunFileError(f"{path}, line {number}: {exc}") from exc


def _run_from_samples(run_dir: Path, samples: Iterable[Sample]) -> Run:
    """Rebuild a run (status ``failed``: it never finished) from its samples alone."""
    by_key: dict[str, Sample] = {}
    for sample in samples:
        by_key[sample.key] = sample  # a key written twice: the later line wins
    sample_list = list(by_key.values())
    model_ids = list(dict.fromkeys(s.model for s in sample_list))
    answered = {s.model for s in sample_list if s.status == "ok" and not s.warmup}
    prompt_ids = list(dict.fromkeys(s.prompt_id for s in sample_list))
    started = min((s.started_at for s in sample_list if s.started_at), default="")
    return Run(
        run_id=run_dir.name,
        started_at=started,
        settings=RunSettings(),
        models=[ModelRecord(id=m, status="ok" if m in answered else "failed") for m in model_ids],
        prompts=[{"id": p, "text": ""} for p in prompt_ids],
        samples=sample_list,
        status=REBUILT_STATUS,
        environment={"note": "rebuilt from samples.jsonl; results.json was missing"},
    )


def load_run(path: Path) -> Run:
    """Load a run from a folder or a ``results.json``.

    A folder whose ``results.json`` is missing (a killed run) is rebuilt from
    ``samples.jsonl``. Errors are ``RunFileError`` naming the file and the problem.
    """
    if path.is_dir():
        run_dir, results_path = path, path / RESULTS_FILE
    else:
        run_dir, results_path = path.parent, path
    if not results_path.exists():
        samples_path = run_dir / SAMPLES_FILE
        if path.is_dir() and samples_path.exists():
            return _run_from_samples(run_dir, read_samples_jsonl(samples_path))
        raise RunFileError(f"{path}: no {RESULTS_FILE} or {SAMPLES_FILE} found")
    try:
        data = json.loads(results_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise RunFileError(f"{results_path}: not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise RunFileError(
            f"{results_path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except OSError as exc:
        raise RunFileError(f"{results_path}: cannot read ({exc.strerror or exc})") from exc
    if not isinstance(data, dict):
        raise RunFileError(f"{results_path}: expected a JSON object at the top level")
    try:
        return Run.from_dict(data)
    except (ValueError, TypeError) as exc:
        raise RunFileError(f"{results_path}: {exc}") from exc
