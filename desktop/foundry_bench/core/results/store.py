"""A run's files: ``samples.jsonl`` (appended and flushed per sample) and ``results.json``.

Everything here is I/O that must never lose work: samples are appended and flushed one line
at a time as requests finish, and ``results.json`` is replaced atomically, so a crash leaves
either the old file or the new one, never half of one. A folder whose ``results.json`` is
missing (a killed run) is rebuilt from its samples.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from foundry_bench.core.fileio import atomic_write_text, write_all, write_error
from foundry_bench.core.jsonfile import (
    JsonFileError,
    check_nesting,
    decode_utf8_pieces,
    parse_json_text,
    read_bytes,
    read_json_file,
)
from foundry_bench.core.redaction import scrub_json_text
from foundry_bench.core.results.liveness import FOREIGN_QUIET_S, WriterStamp, writer_alive
from foundry_bench.core.results.records import ModelRecord, Run, Sample
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.statuses import RunStatus

RESULTS_FILE = "results.json"


SAMPLES_FILE = "samples.jsonl"
# A run rebuilt from samples.jsonl never finished: its status says so wherever it is shown.
REBUILT_STATUS: RunStatus = "interrupted"
# Run folders this process is writing now: its own runs are live only while they are here.
_WRITING: set[Path] = set()


class RunFileError(ValueError):
    """A run file that cannot be read; the message names the file and the problem."""


def write_results(run_dir: Path, run: Run) -> Path:
    path = run_dir / RESULTS_FILE
    atomic_write_text(path, json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return path


class SampleWriter:
    """Appends one JSON line per finished sample, written to the OS at once.

    A crash (even ``kill -9``) then loses at most the request in flight; the OS keeps what
    was written even if the process dies. A write that fails (a full disk) is undone back to
    the last whole line, so the file stays readable, and raises ``FileWriteError``. While it
    is open, this process counts as the live writer of the folder (:func:`settled_status`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
            self._fd: int | None = os.open(path, flags, 0o666)  # the umask decides
        except OSError as exc:
            raise write_error(path, exc) from exc
        self._folder = path.parent.resolve()
        _WRITING.add(self._folder)

    def append(self, sample: Sample) -> None:
        if self._fd is None:
            raise ValueError(f"{self.path}: writer is closed")
        text = scrub_json_text(json.dumps(sample.to_dict(), ensure_ascii=False)) + "\n"
        line = text.encode("utf-8")
        end = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            write_all(self._fd, line)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, end)  # no torn line left behind
            raise write_error(self.path, exc) from exc

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            _WRITING.discard(self._folder)

    def __enter__(self) -> SampleWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_samples_jsonl(path: Path) -> Iterator[Sample]:
    """Samples of a ``samples.jsonl``; a torn last line (a killed writer) is skipped.

    Any other bad line is an error naming the file and the line number.
    """
    try:
        raw = read_bytes(path)
        check_nesting(raw, path, lines=True)
        pieces = decode_utf8_pieces(raw, path)
    except JsonFileError as exc:
        raise RunFileError(str(exc)) from exc
    lines = _lines(pieces)
    torn_tail = not pieces[-1].endswith("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = parse_json_text(line, path, line_offset=number - 1)
            if not isinstance(data, dict):
                raise ValueError("a line must be a JSON object")
            yield Sample.from_dict(data)
        except JsonFileError as exc:
            if torn_tail and number == len(lines):
                return  # only the very last line can be cut short by a crash mid-write
            raise RunFileError(str(exc)) from exc
        except (ValueError, TypeError) as exc:
            if torn_tail and number == len(lines):
                return
            raise RunFileError(f"{path}, line {number}: {exc}") from exc


def _lines(pieces: list[str]) -> list[str]:
    """``"".join(pieces).split("\\n")``, split a piece at a time (no one C call over the file)."""
    lines: list[str] = []
    partial: list[str] = []  # the line the pieces so far end in
    for piece in pieces:
        split = piece.split("\n")
        if len(split) > 1:
            lines.append("".join([*partial, split[0]]))
            lines.extend(split[1:-1])
            partial = []
        partial.append(split[-1])
    lines.append("".join(partial))
    return lines


def count_lines(path: Path) -> int:
    """Complete lines in a file (0 when it is missing), read in blocks: no parse."""
    if not path.is_file():
        return 0
    count = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def last_write(run_dir: Path) -> float | None:
    """The newest modification time of a run's two files (``None`` when neither exists)."""
    times = []
    for name in (RESULTS_FILE, SAMPLES_FILE):
        try:
            times.append((run_dir / name).stat().st_mtime)
        except OSError:
            continue
    return max(times, default=None)


def settled_status(
    status: RunStatus, writer: WriterStamp | None, run_dir: Path, timeout_s: float
) -> RunStatus:
    """A run's status as a reader must show it: ``running`` only while its writer lives."""
    if status != "running":
        return status
    if writer is not None and writer == WriterStamp.current():
        alive = run_dir.resolve() in _WRITING  # this process: it knows what it is writing
    else:
        alive = writer_alive(writer, last_write(run_dir), FOREIGN_QUIET_S + timeout_s)
    return "running" if alive else "interrupted"


def load_run(path: Path) -> Run:
    """Load a run from a folder or a ``results.json``: the one reader of a run folder.

    The folder's truth is ``results.json`` and ``samples.jsonl`` together: every sample on
    disk is in the run (a killed run's ``results.json`` still holds only its start), a run
    that says ``running`` while its writer is gone is ``interrupted``, and the models of an
    interrupted run get the status its samples show. Without ``results.json`` the run is
    rebuilt from ``samples.jsonl``. Errors are ``RunFileError`` naming the file and the problem.
    """
    if path.is_dir():
        run_dir, results_path = path, path / RESULTS_FILE
    else:
        run_dir, results_path = path.parent, path
    samples_path = run_dir / SAMPLES_FILE
    if results_path.exists():
        run = _read_results(results_path)
    elif path.is_dir() and samples_path.is_file():
        run = _rebuilt_run(run_dir)
    else:
        raise RunFileError(f"{path}: no {RESULTS_FILE} or {SAMPLES_FILE} found")
    if samples_path.is_file() and count_lines(samples_path) != len(run.samples):
        _add_samples(run, read_samples_jsonl(samples_path))
    run.status = settled_status(run.status, run.writer, run_dir, run.settings.timeout_s)
    if run.status == "interrupted":
        _settle_models(run)
    return run


def _read_results(results_path: Path) -> Run:
    try:
        data = read_json_file(results_path, "a run (results.json)")
    except JsonFileError as exc:
        raise RunFileError(str(exc)) from exc
    if not isinstance(data, dict):
        raise RunFileError(f"{results_path}: expected a JSON object at the top level")
    try:
        return Run.from_dict(data)
    except (ValueError, TypeError) as exc:
        raise RunFileError(f"{results_path}: {exc}") from exc
    finally:
        _free_in_steps(data.get("samples"))


def _free_in_steps(items: object) -> None:
    """Drop a parsed list a thousand items at a time: freeing 100,000 sample objects in one go
    is one C call, and it held the GIL (so the window) for 80 ms."""
    if isinstance(items, list):
        while items:
            del items[-1000:]


def _rebuilt_run(run_dir: Path) -> Run:
    """The run of a folder without ``results.json``: its samples alone will fill it."""
    return Run(
        run_id=run_dir.name,
        started_at="",
        settings=RunSettings(),
        models=[],
        prompts=[],
        status=REBUILT_STATUS,
        environment={"note": f"rebuilt from {SAMPLES_FILE}; {RESULTS_FILE} was missing"},
    )


def _add_samples(run: Run, samples: Iterable[Sample]) -> None:
    """Add the samples of ``samples.jsonl`` that ``run`` lacks (a key written twice in the
    file: the later line wins), with a record for any model they name that it lacks."""
    known = {s.key for s in run.samples}
    extra: dict[str, Sample] = {}
    for sample in samples:
        if sample.key not in known:
            extra[sample.key] = sample
    run.samples.extend(extra.values())
    models = {m.id for m in run.models}
    for sample in extra.values():
        if sample.model not in models:
            models.add(sample.model)
            run.models.append(ModelRecord(id=sample.model))
    prompts = {p.get("id") for p in run.prompts}
    for sample in extra.values():
        if sample.prompt_id not in prompts:
            prompts.add(sample.prompt_id)
            run.prompts.append({"id": sample.prompt_id, "text": ""})
    if not run.started_at:
        run.started_at = min((s.started_at for s in run.samples if s.started_at), default="")


def _settle_models(run: Run) -> None:
    """Give the models an interrupted run left ``pending`` or ``running`` the status their
    samples show, as the runner would have on its way out."""
    for record in run.models:
        if record.status not in ("pending", "running"):
            continue
        mine = [s for s in run.samples if s.model == record.id]
        if any(s.status == "ok" and not s.warmup for s in mine):
            record.status = "ok"
        elif mine:
            record.status = "failed"
            record.error = record.error or next((s.error for s in mine if s.error), None)
            record.error = record.error or "the run was interrupted before a timed request ended"
        else:
            record.status = "skipped"
            record.error = record.error or "the run was interrupted before this model started"
