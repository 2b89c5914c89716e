"""The benchmark loop: a plan of models x prompts x rounds, run as a generator of events.

The CLI prints the events; the GUI worker re-emits them as Qt signals. Cancelling is a
``threading.Event`` checked between requests and passed into each request, so a run stops
within one request. Warm-ups run one at a time; the timed rounds keep
``settings.concurrency`` requests in flight (``core.run.in_flight``), each timed on its own.
Whatever happens (finish, cancel, a failing model, Ctrl-C, the consumer closing the
generator) every finished sample is already in ``samples.jsonl`` and
``results.json`` is written on the way out.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from foundry_bench.core.analysis.stats import summarize
from foundry_bench.core.config.checks import check_outcome
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.fileio import FileWriteError, write_error
from foundry_bench.core.redaction import redact_message, redact_url
from foundry_bench.core.results.liveness import WriterStamp
from foundry_bench.core.results.records import Measurement, ModelRecord, Run, Sample, utc_now
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import RESULTS_FILE, SAMPLES_FILE, SampleWriter, write_results
from foundry_bench.core.run.endpoint.client import ChatEndpoint
from foundry_bench.core.run.environment import environment
from foundry_bench.core.run.in_flight import InFlight
from foundry_bench.core.run.plan import Job, PhaseNote, RunPlan, messages_of
from foundry_bench.core.run.providers import ModelProvider, PreparedModel, PrepareError

__all__ = [
    "Event",
    "Log",
    "ModelDone",
    "ModelStarted",
    "RunDone",
    "RunFolderInUse",
    "RunPlan",
    "RunStarted",
    "SampleDone",
    "environment",
    "new_run_id",
    "run_benchmark",
]

log = logging.getLogger(__name__)

# Failures before any response byte that mean "this model cannot be used at all": the
# model's remaining requests are not sent (see docs/design.md, metric definitions).
FATAL_HTTP_STATUSES = frozenset({401, 403, 404})
HOST_EXIT_GRACE_S = 0.5


class RunFolderInUse(FileExistsError):
    """The output folder already holds a run; the message names it."""


# -- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunStarted:
    run: Run
    run_dir: Path
    total_requests: int


@dataclass(frozen=True)
class ModelStarted:
    model: ModelRecord
    index: int
    count: int


@dataclass(frozen=True)
class SampleDone:
    sample: Sample
    done: int
    total: int


@dataclass(frozen=True)
class ModelDone:
    model: ModelRecord


@dataclass(frozen=True)
class RunDone:
    run: Run
    run_dir: Path


@dataclass(frozen=True)
class Log:
    level: int
    message: str


Event = RunStarted | ModelStarted | SampleDone | ModelDone | RunDone | Log


EndpointFactory = Callable[[str, str | None, float], ChatEndpoint]


def new_run_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def _default_endpoint(base_url: str, api_key: str | None, timeout_s: float) -> ChatEndpoint:
    return ChatEndpoint(base_url, api_key=api_key, timeout_s=timeout_s)


def run_benchmark(
    plan: RunPlan,
    provider: ModelProvider,
    out_dir: Path,
    *,
    cancel: threading.Event | None = None,
    endpoint_factory: EndpointFactory = _default_endpoint,
) -> Generator[Event, None, None]:
    """Run ``plan`` and yield events; write the run folder ``out_dir`` as it goes.

    Closing the generator early (Ctrl-C in the CLI) still writes ``results.json``.
    """
    cancel = cancel or threading.Event()
    settings = plan.settings
    run = Run(
        run_id=plan.run_id or new_run_id(),
        started_at=utc_now(),
        settings=settings,
        models=[
            ModelRecord(
                id=m.id,
                size_mb=m.size_mb,
                capabilities=list(m.capabilities),
                license=m.license,
                endpoint=redact_url(m.endpoint) if m.endpoint else None,
            )
            for m in plan.models
        ],
        prompts=[p.to_dict() for p in plan.prompts],
        environment=environment(provider, settings.label),
        sweep=plan.extra_record(),
        writer=WriterStamp.current(),
    )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(out_dir, exc) from exc
    for name in (RESULTS_FILE, SAMPLES_FILE):
        if (out_dir / name).exists():
            # Appending a second run to a folder's samples.jsonl would mix two runs under
            # the same sample keys, and results.json would no longer match it.
            raise RunFolderInUse(f"{out_dir} already holds a run ({name}); choose a new folder")
    total = plan.total_requests()
    done = 0
    clock0 = time.perf_counter()  # samples' start_s/end_s count from here
    write_results(out_dir, run)  # a folder that says "running" from the first moment
    writer = SampleWriter(out_dir / SAMPLES_FILE)
    stopping = False  # an exception is on its way out: a failed last write must not hide it
    try:
        yield RunStarted(run, out_dir, total)
        for index, (spec, record) in enumerate(zip(plan.models, run.models, strict=True)):
            if cancel.is_set():
                break
            record.status = "running"
            yield ModelStarted(record, index, len(plan.models))
            for event in _run_model(plan, spec, record, provider, endpoint_factory, cancel, clock0):
                if isinstance(event, SampleDone):
                    done += 1
                    run.samples.append(event.sample)
                    writer.append(event.sample)
                    event = SampleDone(event.sample, done, total)
                yield event
            if record.status == "running":
                record.status = "ok"
            yield ModelDone(record)
        run.status = "cancelled" if cancel.is_set() else "completed"
    except (GeneratorExit, KeyboardInterrupt):
        run.status, stopping = "cancelled", True
        raise
    except FileWriteError as exc:  # a full disk or a read-only folder: no traceback to log
        run.status, stopping = "failed", True
        run.environment["error"] = str(exc)
        raise
    except Exception as exc:
        run.status, stopping = "failed", True
        log.exception("run %s failed", run.run_id)
        run.environment["error"] = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        writer.close()
        crashed = str(run.status) == "failed"
        for record in run.models:
            if record.status == "pending":
                record.status = "skipped"
            elif record.status == "running":
                # Interrupted: it answered what is in the samples; a crash is not "ok".
                record.status = "failed" if crashed else "ok"
        run.finished_at = utc_now()
        run.summary = summarize(run)
        run.writer = None  # finished: nobody writes the folder any more
        try:
            write_results(out_dir, run)
        except FileWriteError as exc:
            if not stopping:  # else it would hide the error on its way out (a disk still full)
                raise
            log.warning("%s", exc)
    yield RunDone(run, out_dir)


def _run_model(
    plan: RunPlan,
    spec: ModelSpec,
    record: ModelRecord,
    provider: ModelProvider,
    endpoint_factory: EndpointFactory,
    cancel: threading.Event,
    clock0: float,
) -> Iterator[Event]:
    settings = plan.settings
    try:
        prepared = provider.prepare(spec)
    except PrepareError as exc:
        # Cancelled while its runtime host was still loading it: not a failure of the model.
        record.status = "skipped" if cancel.is_set() else "failed"
        record.error = redact_message(str(exc))
        yield Log(logging.ERROR, f"{spec.id}: {exc}")
        return
    record.alias = prepared.alias
    record.load_time_s = prepared.load_time_s
    record.memory_delta_mb = prepared.memory_delta_mb
    record.size_mb = prepared.size_mb
    record.license = prepared.license
    record.details = prepared.details
    record.endpoint = redact_url(prepared.base_url)
    record.device, record.execution_provider = prepared.device, prepared.execution_provider
    if prepared.load_time_s is not None:
        yield Log(logging.INFO, f"{spec.id}: loaded in {prepared.load_time_s:.3f} s")
    try:
        endpoint = endpoint_factory(prepared.base_url, provider.api_key, settings.timeout_s)
    except Exception as exc:  # e.g. a URL the HTTP client rejects: this model only
        record.status, record.error = "failed", f"cannot use endpoint: {redact_message(str(exc))}"
        yield Log(logging.ERROR, f"{spec.id}: {record.error}")
        _release(provider, spec, prepared, record)
        return
    try:
        yield from _run_phases(plan, spec, record, prepared, endpoint, cancel, clock0)
    finally:
        if prepared.monitor is not None:
            prepared.monitor.timed_stopped()
        endpoint.close()
        _release(provider, spec, prepared, record)


def _release(
    provider: ModelProvider, spec: ModelSpec, prepared: PreparedModel, record: ModelRecord
) -> None:
    """Release the model, then keep what its host process cost (known once it ended)."""
    provider.release(spec, prepared)
    usage = prepared.monitor.usage() if prepared.monitor is not None else None
    if usage is not None:
        record.peak_rss_mb, record.rss_after_load_mb = usage.peak_rss_mb, usage.rss_after_load_mb
        record.cpu_percent, record.gpu_memory_mb = usage.cpu_percent, usage.gpu_memory_mb


def _run_phases(
    plan: RunPlan,
    spec: ModelSpec,
    record: ModelRecord,
    prepared: PreparedModel,
    endpoint: ChatEndpoint,
    cancel: threading.Event,
    clock0: float,
) -> Iterator[Event]:
    """The plan's phases (warm-ups one at a time, then the timed rounds) with their requests
    in flight; a fatal failure (or a host process that died) stops the model, a cancel the
    run."""
    settings = plan.settings
    monitor = prepared.monitor

    def send(job: Job, stop: threading.Event) -> Measurement:
        return _request(endpoint, prepared, job[0], settings, stop)

    def probe(messages: list[dict[str, str]], max_tokens: int) -> Measurement:
        return endpoint.chat(
            prepared.request_model,
            messages,
            max_tokens=max_tokens,
            temperature=0.0,
            seed=settings.seed,
            stream=True,
            cancel=cancel,
        )

    n_ok = 0
    first_error: str | None = None
    cold = prepared.loaded_by_us
    timed_started = False
    for phase in plan.phases(spec, prepared, probe):
        if isinstance(phase, PhaseNote):
            yield Log(phase.level, f"{spec.id}: {phase.message}")
            continue
        if cancel.is_set():
            return
        warmup = phase.warmup
        if monitor is not None and not warmup and not timed_started:
            monitor.timed_started()
            timed_started = True
        flight = InFlight(phase.jobs, send, phase.concurrency, cancel)
        for done in flight:
            prompt, round_no = done.job
            measurement = done.measurement
            sample = Sample.from_measurement(
                measurement,
                model=spec.id,
                prompt_id=prompt.id,
                round_no=round_no,
                warmup=warmup,
                start_s=done.start_s - clock0,
                end_s=done.end_s - clock0,
            )
            sample.checks = check_outcome(prompt.checks, sample.status, sample.response)
            if cold and sample.status == "ok":
                # The first answer after the load: the "slow first response", kept apart.
                record.cold_ttft_s, record.cold_latency_s = sample.ttft_s, sample.latency_s
            cold = False
            yield SampleDone(sample, 0, 0)
            if sample.status == "ok":
                n_ok += not warmup
                continue
            first_error = first_error or sample.error
            # A host process that died (crash, OOM kill) fails its model, not the run.
            # Its sockets close a moment before its exit status exists: no answer at
            # all gives it that moment.
            grace = 0.0 if measurement.responded else HOST_EXIT_GRACE_S
            ended = monitor.ended(grace) if monitor is not None else None
            if ended or _is_fatal(measurement):
                # The requests already in flight are still recorded; no new one is sent.
                flight.halt()
                if record.status != "failed":
                    record.status, record.error = "failed", ended or sample.error
                    yield Log(
                        logging.ERROR,
                        f"{spec.id}: {record.error}; skipping its remaining requests",
                    )
                continue
            yield Log(logging.WARNING, f"{sample.key}: {sample.status}: {sample.error}")
        if record.status == "failed" or cancel.is_set():
            return
    if n_ok == 0 and settings.rounds > 0:
        record.status = "failed"
        record.error = first_error or "no request succeeded"


def _request(
    endpoint: ChatEndpoint,
    prepared: PreparedModel,
    prompt: PromptSpec,
    settings: RunSettings,
    cancel: threading.Event,
) -> Measurement:
    deterministic = settings.temperature == 0
    return endpoint.chat(
        prepared.request_model,
        messages_of(prompt),
        max_tokens=prompt.max_tokens or settings.max_tokens,
        temperature=settings.temperature,
        seed=settings.seed if deterministic or settings.seed is not None else None,
        stream=settings.stream,
        cancel=cancel,
        deadline_s=settings.deadline_s,
    )


def _is_fatal(m: Measurement) -> bool:
    """A failure that will repeat for every request of this model: stop sending them."""
    if m.connect_failed:
        return True  # refused, unreachable, or no TCP answer within the timeout
    if m.status != "error":
        return False
    return not m.responded or m.http_status in FATAL_HTTP_STATUSES
