"""Run and Sample records and their files: ``samples.jsonl`` (append-only) and ``results.json``.

The record shapes are the contract of ``docs/design.md`` ("Files"). Everything here is plain
data plus the I/O that must never lose work: samples are appended and flushed one line at a
time as requests finish, and ``results.json`` is replaced atomically, so a crash leaves either
the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

SCHEMA_VERSION = 1
RESULTS_FILE = "results.json"
SAMPLES_FILE = "samples.jsonl"

SampleStatus = Literal["ok", "error", "timeout", "cancelled"]
ModelStatus = Literal["ok", "failed", "skipped", "pending", "running"]
RunStatus = Literal["running", "completed", "cancelled", "failed"]
TokensSource = Literal["usage", "estimated"]


class RunFileError(ValueError):
    """A run file that cannot be read; the message names the file and the problem."""


def utc_now() -> str:
    """ISO 8601 UTC stamp with milliseconds, the one format every file uses."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sample_key(model: str, prompt_id: str, round_no: int, warmup: bool) -> str:
    """Stable key of a sample in its run: ``model|p1|3`` (timed) or ``model|p1|w1`` (warm-up)."""
    return f"{model}|{prompt_id}|{'w' if warmup else ''}{round_no}"


@dataclass
class Measurement:
    """What one timed request observed, before any derived metric.

    ``responded`` is true once any byte of the HTTP response arrived: the runner uses it to
    tell a model that cannot be reached at all (skip its other requests) from a fault in the
    middle of an answer (record it, go on).
    """

    status: SampleStatus
    started_at: str
    error: str | None = None
    http_status: int | None = None
    responded: bool = False
    ttft_s: float | None = None
    latency_s: float | None = None
    itl_s: list[float] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_source: TokensSource | None = None
    finish_reason: str | None = None
    response: str = ""


@dataclass
class Sample:
    """One request of a run, with the metrics of ``docs/design.md`` ("Metric definitions")."""

    key: str
    model: str
    prompt_id: str
    round: int
    warmup: bool
    status: SampleStatus
    error: str | None
    started_at: str
    ttft_s: float | None = None
    latency_s: float | None = None
    decode_s: float | None = None
    tpot_s: float | None = None
    itl_s: list[float] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_source: TokensSource | None = None
    output_tps: float | None = None
    decode_tps: float | None = None
    prefill_tps: float | None = None
    finish_reason: str | None = None
    response: str = ""

    @classmethod
    def from_measurement(
        cls, m: Measurement, *, model: str, prompt_id: str, round_no: int, warmup: bool
    ) -> Sample:
        """Build a sample and derive decode/TPOT/throughput exactly as the design defines."""
        decode_s = tpot_s = output_tps = decode_tps = prefill_tps = None
        n = m.completion_tokens
        if m.latency_s is not None and m.latency_s > 0 and n is not None:
            output_tps = n / m.latency_s
        if m.ttft_s is not None and m.latency_s is not None:
            decode_s = max(m.latency_s - m.ttft_s, 0.0)
            if n is not None and n > 1 and decode_s > 0:
                tpot_s = decode_s / (n - 1)
                decode_tps = (n - 1) / decode_s
        if m.ttft_s is not None and m.ttft_s > 0 and m.prompt_tokens is not None:
            prefill_tps = m.prompt_tokens / m.ttft_s
        return cls(
            key=sample_key(model, prompt_id, round_no, warmup),
            model=model,
            prompt_id=prompt_id,
            round=round_no,
            warmup=warmup,
            status=m.status,
            error=m.error,
            started_at=m.started_at,
            ttft_s=m.ttft_s,
            latency_s=m.latency_s,
            decode_s=decode_s,
            tpot_s=tpot_s,
            itl_s=list(m.itl_s),
            prompt_tokens=m.prompt_tokens,
            completion_tokens=m.completion_tokens,
            tokens_source=m.tokens_source,
            output_tps=output_tps,
            decode_tps=decode_tps,
            prefill_tps=prefill_tps,
            finish_reason=m.finish_reason,
            response=m.response,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sample:
        known = {f.name for f in fields(cls)}
        required = {"key", "model", "prompt_id", "round", "warmup", "status"}
        missing = required - data.keys()
        if missing:
            raise ValueError(f"sample is missing {', '.join(sorted(missing))}")
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs.setdefault("error", None)
        kwargs.setdefault("started_at", "")
        sample = cls(**kwargs)
        if not isinstance(sample.round, int) or not isinstance(sample.warmup, bool):
            raise ValueError("sample 'round' must be an integer and 'warmup' a boolean")
        if sample.status not in ("ok", "error", "timeout", "cancelled"):
            raise ValueError(f"sample status {sample.status!r} is not ok|error|timeout|cancelled")
        for name in (
            "ttft_s",
            "latency_s",
            "decode_s",
            "tpot_s",
            "output_tps",
            "decode_tps",
            "prefill_tps",
        ):
            value = getattr(sample, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise ValueError(f"sample field {name!r} must be a finite number or null")
        return sample


@dataclass
class ModelRecord:
    """A model's place in a run: its status, why it failed, and what loading it cost."""

    id: str
    alias: str | None = None
    status: ModelStatus = "pending"
    error: str | None = None
    load_time_s: float | None = None
    memory_delta_mb: float | None = None
    size_mb: float | None = None
    capabilities: list[str] = field(default_factory=list)
    license: str | None = None
    endpoint: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelRecord:
        known = {f.name for f in fields(cls)}
        if not isinstance(data.get("id"), str):
            raise ValueError("model record needs a string 'id'")
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class RunSettings:
    rounds: int = 3
    warmup_rounds: int = 1
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int | None = 42
    stream: bool = True
    timeout_s: float = 120.0
    concurrency: int = 1

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Run:
    """A whole run: what ``results.json`` holds (the summary is computed by ``core.stats``)."""

    run_id: str
    started_at: str
    settings: RunSettings
    models: list[ModelRecord]
    prompts: list[dict[str, Any]]
    samples: list[Sample] = field(default_factory=list)
    status: RunStatus = "running"
    finished_at: str | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    summary: list[dict[str, Any]] | None = None

    def model(self, model_id: str) -> ModelRecord | None:
        return next((m for m in self.models if m.id == model_id), None)

    def timed_samples(self) -> list[Sample]:
        """The samples statistics are made of: warm-ups excluded."""
        return [s for s in self.samples if not s.warmup]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.status,
            "environment": self.environment,
            "settings": asdict(self.settings),
            "models": [asdict(m) for m in self.models],
            "prompts": self.prompts,
            "samples": [s.to_dict() for s in self.samples],
            "summary": self.summary,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"schema_version {version!r} is not supported (expected 1)")
        samples = [Sample.from_dict(s) for s in data.get("samples") or []]
        return cls(
            run_id=str(data.get("run_id") or "unknown"),
            started_at=str(data.get("started_at") or ""),
            finished_at=data.get("finished_at"),
            status=data.get("status") or "completed",
            environment=dict(data.get("environment") or {}),
            settings=RunSettings.from_dict(dict(data.get("settings") or {})),
            models=[ModelRecord.from_dict(m) for m in data.get("models") or []],
            prompts=list(data.get("prompts") or []),
            samples=samples,
            summary=data.get("summary"),
        )


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half.

    A temporary file in the same folder is flushed, fsynced and moved over the target
    (``os.replace`` is atomic on one file system on Windows and POSIX alike).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with _suppress_oserror():
            os.unlink(tmp)
        raise


class _suppress_oserror:
    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: object, tb: object) -> bool:
        return isinstance(exc, OSError)


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
        self._fh.write(json.dumps(sample.to_dict(), ensure_ascii=False) + "\n")
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
    sample_list = list(samples)
    model_ids = list(dict.fromkeys(s.model for s in sample_list))
    prompt_ids = list(dict.fromkeys(s.prompt_id for s in sample_list))
    started = min((s.started_at for s in sample_list if s.started_at), default="")
    return Run(
        run_id=run_dir.name,
        started_at=started,
        settings=RunSettings(),
        models=[ModelRecord(id=m, status="ok") for m in model_ids],
        prompts=[{"id": p, "text": ""} for p in prompt_ids],
        samples=sample_list,
        status="failed",
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
