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

    ``responded`` is true once any byte of the HTTP response arrived, ``connect_failed`` when
    not even a connection was made: the runner uses them to tell a model that cannot be
    reached at all (skip its other requests) from a fault in the middle of an answer (record
    it, go on).
    """

    status: SampleStatus
    started_at: str
    error: str | None = None
    http_status: int | None = None
    responded: bool = False
    connect_failed: bool = False  # no TCP connection: refused, unreachable or timed out
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
        for name in ("key", "model", "prompt_id", "started_at"):
            if not isinstance(kwargs[name], str):
                raise ValueError(f"sample field {name!r} must be a string")
        for name in ("error", "finish_reason"):
            if kwargs.get(name) is not None and not isinstance(kwargs[name], str):
                raise ValueError(f"sample field {name!r} must be a string or null")
        response = kwargs.get("response")
        if response is None:
            kwargs["response"] = ""
        elif not isinstance(response, str):
            raise ValueError("sample field 'response' must be a string")
        if kwargs.get("tokens_source") not in (None, "usage", "estimated"):
            raise ValueError("sample field 'tokens_source' must be usage, estimated or null")
        for name in ("prompt_tokens", "completion_tokens"):
            value = kwargs.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise ValueError(f"sample field {name!r} must be a count (integer >= 0) or null")
        itl = kwargs.get("itl_s")
        if itl is None:
            kwargs["itl_s"] = []
        elif not isinstance(itl, list) or not all(_is_finite_number(x) for x in itl):
            raise ValueError("sample field 'itl_s' must be a list of numbers")
        sample = cls(**kwargs)
        if isinstance(sample.round, bool) or not isinstance(sample.round, int):
            raise ValueError("sample 'round' must be an integer")
        if not isinstance(sample.warmup, bool):
            raise ValueError("sample 'warmup' must be true or false")
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
            if value is not None and not _is_finite_number(value):
                raise ValueError(f"sample field {name!r} must be a finite number or null")
        return sample


def _is_finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


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
        if not isinstance(data, dict):
            raise ValueError("each model record must be an object")
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        if not isinstance(kwargs.get("id"), str):
            raise ValueError("model record needs a string 'id'")
        if kwargs.get("status", "ok") not in ("ok", "failed", "skipped", "pending", "running"):
            raise ValueError(f"model {kwargs['id']!r}: status must be ok, failed or skipped")
        for name in ("alias", "error", "license", "endpoint"):
            if kwargs.get(name) is not None and not isinstance(kwargs[name], str):
                raise ValueError(f"model {kwargs['id']!r}: {name!r} must be a string or null")
        for name in ("load_time_s", "memory_delta_mb", "size_mb"):
            if kwargs.get(name) is not None and not _is_finite_number(kwargs[name]):
                raise ValueError(f"model {kwargs['id']!r}: {name!r} must be a number or null")
        caps = kwargs.get("capabilities")
        if caps is None:
            kwargs["capabilities"] = []
        elif not isinstance(caps, list) or not all(isinstance(c, str) for c in caps):
            raise ValueError(f"model {kwargs['id']!r}: 'capabilities' must be a list of strings")
        return cls(**kwargs)


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
        """Settings of a stored run; a value of the wrong type is an error, not a crash later."""
        defaults = cls()
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value, default = data[f.name], getattr(defaults, f.name)
            if f.name == "seed" and value is None:
                kwargs[f.name] = None
            elif isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"settings.{f.name} must be true or false")
                kwargs[f.name] = value
            elif isinstance(default, int) and not isinstance(default, bool):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"settings.{f.name} must be an integer")
                kwargs[f.name] = value
            else:
                if not _is_finite_number(value):
                    raise ValueError(f"settings.{f.name} must be a number")
                kwargs[f.name] = float(value)
        return cls(**kwargs)


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
        for name in ("samples", "models", "prompts"):
            if not isinstance(data.get(name) or [], list):
                raise ValueError(f"{name!r} must be a list")
        if not isinstance(data.get("settings") or {}, dict):
            raise ValueError("'settings' must be an object")
        if not isinstance(data.get("environment") or {}, dict):
            raise ValueError("'environment' must be an object")
        samples = []
        for index, item in enumerate(data.get("samples") or []):
            if not isinstance(item, dict):
                raise ValueError(f"samples[{index}] must be an object")
            try:
                samples.append(Sample.from_dict(item))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"samples[{index}]: {exc}") from exc
        return cls(
            run_id=str(data.get("run_id") or "unknown"),
            started_at=str(data.get("started_at") or ""),
            finished_at=data.get("finished_at"),
            status=_run_status(data.get("status")),
            environment=dict(data.get("environment") or {}),
            settings=RunSettings.from_dict(dict(data.get("settings") or {})),
            models=[ModelRecord.from_dict(m) for m in data.get("models") or []],
            prompts=[p for p in data.get("prompts") or [] if isinstance(p, dict)],
            samples=_unique_keys(samples),
            # Derived data: recomputed by every reader from the samples, so a stale or
            # hand-edited summary can never disagree with them (or crash a report).
            summary=None,
        )


def _run_status(value: object) -> RunStatus:
    if value is None:
        return "completed"
    if value not in ("running", "completed", "cancelled", "failed"):
        raise ValueError(f"status {value!r} is not completed|cancelled|failed")
    return value


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


def _unique_keys(samples: list[Sample]) -> list[Sample]:
    """Sample keys are unique in a run: annotations point at them."""
    seen: set[str] = set()
    for sample in samples:
        if sample.key in seen:
            raise ValueError(f"sample key {sample.key!r} appears twice")
        seen.add(sample.key)
    return samples


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
