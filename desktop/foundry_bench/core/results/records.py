"""Run and Sample records and their files: ``samples.jsonl`` (append-only) and ``results.json``.

The record shapes are the contract of ``docs/design.md`` ("Files"). Everything here is plain
data plus the I/O that must never lose work: samples are appended and flushed one line at a
time as requests finish, and ``results.json`` is replaced atomically, so a crash leaves either
the old file or the new one, never half of one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal

from foundry_bench.core.redaction import redact_message
from foundry_bench.core.results.liveness import WriterStamp
from foundry_bench.core.results.run_settings import (
    RunSettings,
    is_finite_number,
    parse_run_settings,
)
from foundry_bench.core.results.statuses import RunStatus, run_status_of

SCHEMA_VERSION = 1

SampleStatus = Literal["ok", "error", "timeout", "cancelled"]
ModelStatus = Literal["ok", "failed", "skipped", "pending", "running"]
TokensSource = Literal["usage", "estimated"]


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
    ttft_s: float | None = None  # first output token of any kind, thinking included
    ttfa_s: float | None = None  # first answer token
    reasoning_s: float | None = None
    latency_s: float | None = None
    itl_s: list[float] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_source: TokensSource | None = None
    reasoning_tokens: int | None = None
    reasoning_tokens_source: TokensSource | None = None
    finish_reason: str | None = None
    response: str = ""  # the answer only
    reasoning: str = ""  # the thinking, apart from the answer


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
    ttfa_s: float | None = None
    reasoning_s: float | None = None
    latency_s: float | None = None
    decode_s: float | None = None
    tpot_s: float | None = None
    itl_s: list[float] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_source: TokensSource | None = None
    reasoning_tokens: int | None = None
    reasoning_tokens_source: TokensSource | None = None
    output_tps: float | None = None
    decode_tps: float | None = None
    prefill_tps: float | None = None
    finish_reason: str | None = None
    response: str = ""
    reasoning: str = ""
    # Seconds since the run started as the request went to the client and came back.
    start_s: float | None = None
    end_s: float | None = None
    checks: list[dict[str, Any]] | None = None  # [{"check", "passed"}]: core.config.checks

    @property
    def reasoned(self) -> bool:
        """The model showed thinking in this answer (TTFA then differs from TTFT)."""
        return bool(self.reasoning_tokens or self.reasoning)

    @classmethod
    def from_measurement(
        cls,
        m: Measurement,
        *,
        model: str,
        prompt_id: str,
        round_no: int,
        warmup: bool,
        start_s: float | None = None,
        end_s: float | None = None,
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
            error=redact_message(m.error) if m.error else m.error,
            started_at=m.started_at,
            ttft_s=m.ttft_s,
            ttfa_s=m.ttfa_s,
            reasoning_s=m.reasoning_s,
            latency_s=m.latency_s,
            decode_s=decode_s,
            tpot_s=tpot_s,
            itl_s=list(m.itl_s),
            prompt_tokens=m.prompt_tokens,
            completion_tokens=m.completion_tokens,
            tokens_source=m.tokens_source,
            reasoning_tokens=m.reasoning_tokens,
            reasoning_tokens_source=m.reasoning_tokens_source,
            output_tps=output_tps,
            decode_tps=decode_tps,
            prefill_tps=prefill_tps,
            finish_reason=m.finish_reason,
            response=m.response,
            reasoning=m.reasoning,
            start_s=start_s,
            end_s=end_s,
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
        kwargs["checks"] = c if isinstance(c := kwargs.get("checks"), list) else None
        for name in ("key", "model", "prompt_id", "started_at"):
            if not isinstance(kwargs[name], str):
                raise ValueError(f"sample field {name!r} must be a string")
        for name in ("error", "finish_reason"):
            if kwargs.get(name) is not None and not isinstance(kwargs[name], str):
                raise ValueError(f"sample field {name!r} must be a string or null")
        for name in ("response", "reasoning"):
            text = kwargs.get(name)
            if text is None:
                kwargs[name] = ""
            elif not isinstance(text, str):
                raise ValueError(f"sample field {name!r} must be a string")
        for name in ("tokens_source", "reasoning_tokens_source"):
            if kwargs.get(name) not in (None, "usage", "estimated"):
                raise ValueError(f"sample field {name!r} must be usage, estimated or null")
        for name in ("prompt_tokens", "completion_tokens", "reasoning_tokens"):
            value = kwargs.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise ValueError(f"sample field {name!r} must be a count (integer >= 0) or null")
        itl = kwargs.get("itl_s")
        if itl is None:
            kwargs["itl_s"] = []
        elif not isinstance(itl, list) or not all(is_finite_number(x) for x in itl):
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
            "ttfa_s",
            "reasoning_s",
            "latency_s",
            "decode_s",
            "tpot_s",
            "output_tps",
            "decode_tps",
            "prefill_tps",
            "start_s",
            "end_s",
        ):
            value = getattr(sample, name)
            if value is not None and not is_finite_number(value):
                raise ValueError(f"sample field {name!r} must be a finite number or null")
        return sample


#: What a runtime host measured on a model (``core.run.host``), numbers or null.
HOST_NUMBER_FIELDS = (
    "peak_rss_mb",
    "rss_after_load_mb",
    "cpu_percent",
    "gpu_memory_mb",
    "cold_ttft_s",
    "cold_latency_s",
)
#: The model record's measured numbers (each a finite number or null).
MODEL_NUMBER_FIELDS = ("load_time_s", "memory_delta_mb", "size_mb", *HOST_NUMBER_FIELDS)


@dataclass
class ModelRecord:
    """A model's place in a run: its status, why it failed, and what loading it cost.

    The resource fields are measured on the model's runtime host process (``core.run.host``):
    ``peak_rss_mb`` over its whole life, ``rss_after_load_mb`` once loaded, ``cpu_percent``
    (100 = one core busy) over the timed rounds, ``gpu_memory_mb`` (peak, NVIDIA only).
    ``cold_ttft_s``/``cold_latency_s`` are the first request after the load (a warm-up when
    there are warm-up rounds), kept apart from the statistics.
    """

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
    device: str | None = None
    execution_provider: str | None = None
    peak_rss_mb: float | None = None
    rss_after_load_mb: float | None = None
    cpu_percent: float | None = None
    gpu_memory_mb: float | None = None
    cold_ttft_s: float | None = None
    cold_latency_s: float | None = None
    # An imported model's parameters, quantization and source, as one line for reports.
    details: str | None = None

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
        for name in (
            "alias",
            "error",
            "license",
            "endpoint",
            "device",
            "execution_provider",
            "details",
        ):
            if kwargs.get(name) is not None and not isinstance(kwargs[name], str):
                raise ValueError(f"model {kwargs['id']!r}: {name!r} must be a string or null")
        for name in MODEL_NUMBER_FIELDS:
            if kwargs.get(name) is not None and not is_finite_number(kwargs[name]):
                raise ValueError(f"model {kwargs['id']!r}: {name!r} must be a number or null")
        caps = kwargs.get("capabilities")
        if caps is None:
            kwargs["capabilities"] = []
        elif not isinstance(caps, list) or not all(isinstance(c, str) for c in caps):
            raise ValueError(f"model {kwargs['id']!r}: 'capabilities' must be a list of strings")
        return cls(**kwargs)


@dataclass
class Run:
    """A whole run: what ``results.json`` holds (``core.analysis.stats`` computes the summary)."""

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
    # A workload sweep's grid, calibration and context probes (``core.sweep``); None otherwise.
    sweep: dict[str, Any] | None = None
    writer: WriterStamp | None = None  # the process writing the folder (while it runs)

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
            "writer": self.writer.to_dict() if self.writer else None,
            "environment": self.environment,
            "settings": asdict(self.settings),
            "models": [asdict(m) for m in self.models],
            "prompts": self.prompts,
            "samples": [s.to_dict() for s in self.samples],
            "summary": self.summary,
            **({"sweep": self.sweep} if self.sweep is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"schema_version {version!r} is not supported (expected 1)")
        for name in ("samples", "models", "prompts"):
            if not isinstance(data.get(name) or [], list):
                raise ValueError(f"{name!r} must be a list")
        for name in ("settings", "environment", "sweep"):
            if not isinstance(data.get(name) or {}, dict):
                raise ValueError(f"{name!r} must be an object")
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
            status=run_status_of(data.get("status")),
            writer=WriterStamp.from_dict(data.get("writer")),
            environment=dict(data.get("environment") or {}),
            settings=parse_run_settings(data.get("settings") or {}),
            models=[ModelRecord.from_dict(m) for m in data.get("models") or []],
            prompts=[p for p in data.get("prompts") or [] if isinstance(p, dict)],
            samples=_unique_keys(samples),
            # Derived data: recomputed by every reader from the samples, so a stale or
            # hand-edited summary can never disagree with them (or crash a report).
            summary=None,
            sweep=data.get("sweep") or None,
        )


def _unique_keys(samples: list[Sample]) -> list[Sample]:
    """Sample keys are unique in a run: annotations point at them."""
    seen: set[str] = set()
    for sample in samples:
        if sample.key in seen:
            raise ValueError(f"sample key {sample.key!r} appears twice")
        seen.add(sample.key)
    return samples
