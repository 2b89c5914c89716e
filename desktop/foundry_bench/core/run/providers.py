"""Where a model of a run is served from: an external server, or the embedded runtime.

The runner asks a provider to *prepare* each model before its rounds (for the embedded
runtime: find it, load it, time the load) and to *release* it after; none of that is inside a
timed request.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.core.run.runtime_errors import RuntimeFailure
from foundry_bench.core.urls import redact_url

ENDPOINT_ENV = "FOUNDRY_LOCAL_ENDPOINT"
API_KEY_ENV = "OPENAI_API_KEY"


class PrepareError(Exception):
    """A model that cannot be benchmarked at all (not found, cannot load)."""


@dataclass(frozen=True)
class PreparedModel:
    """What the runner needs to send requests to one model."""

    base_url: str
    request_model: str
    alias: str | None = None
    load_time_s: float | None = None
    memory_delta_mb: float | None = None
    size_mb: float | None = None
    license: str | None = None
    loaded_by_us: bool = False
    device: str | None = None
    execution_provider: str | None = None


class ModelProvider(Protocol):
    api_key: str | None

    def prepare(self, spec: ModelSpec) -> PreparedModel: ...

    def release(self, spec: ModelSpec, prepared: PreparedModel) -> None: ...

    def describe(self) -> dict[str, Any]: ...


ProviderFactory = Callable[[], "ModelProvider"]


def provider_factory(
    endpoint: str | None, api_key: str | None = None, *, ensure_demo: bool = False
) -> ProviderFactory:
    """How every caller (the CLI, a benchmark run, the judge) gets its provider.

    ``endpoint`` is a resolved external base URL (:func:`resolve_endpoint`), or ``None`` for the
    embedded runtime. The key defaults to ``OPENAI_API_KEY``. Nothing starts until the factory
    is called: starting the embedded runtime can take seconds, so GUI callers call it in a
    worker. A runtime that cannot start raises :class:`PrepareError`. ``ensure_demo`` also
    registers the bundled demo model (the CLI's offline default; the app does that at start).
    """
    if endpoint:
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        return lambda: ExternalProvider(endpoint, key)

    def embedded() -> ModelProvider:
        try:
            runtime = FoundryRuntime.get()
            if ensure_demo:
                runtime.ensure_demo_model()
        except RuntimeFailure as exc:
            raise PrepareError(str(exc)) from exc
        return EmbeddedProvider(runtime)

    return embedded


class ExternalProvider:
    """Any OpenAI-compatible server: models are used by name, nothing is loaded."""

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        self.base_url = normalize_base_url(base_url)
        self.api_key = api_key

    def prepare(self, spec: ModelSpec) -> PreparedModel:
        base = normalize_base_url(spec.endpoint) if spec.endpoint else self.base_url
        return PreparedModel(base_url=base, request_model=spec.id, size_mb=spec.size_mb)

    def release(self, spec: ModelSpec, prepared: PreparedModel) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        return {"kind": "external", "url": redact_url(self.base_url)}


class EmbeddedProvider:
    """The in-process Foundry Local runtime: models are found, loaded (timed) and unloaded."""

    api_key: str | None = None

    def __init__(self, runtime: FoundryRuntime) -> None:
        self.runtime = runtime

    def prepare(self, spec: ModelSpec) -> PreparedModel:
        if spec.endpoint:
            return ExternalProvider(spec.endpoint).prepare(spec)
        try:
            entry = self.runtime.find(spec.id)
            if entry is None:
                raise PrepareError(
                    f"model {spec.id!r} is neither registered nor cached here "
                    "(see `foundry-bench models list`)"
                )
            if not entry.cached:
                raise PrepareError(
                    f"model {spec.id!r} is not downloaded "
                    f"(run `foundry-bench models download {spec.id}`)"
                )
            loaded_by_us = False
            load_time = memory = None
            if not entry.loaded:
                result = self.runtime.load(entry.id)
                load_time, memory = result.load_time_s, result.memory_delta_mb
                loaded_by_us = True
            return PreparedModel(
                base_url=self.runtime.base_url_for(entry.id),
                request_model=entry.id,
                alias=entry.alias,
                load_time_s=load_time,
                memory_delta_mb=memory,
                size_mb=spec.size_mb if spec.size_mb is not None else entry.disk_mb,
                license=spec.license or entry.license,
                loaded_by_us=loaded_by_us,
            )
        except RuntimeFailure as exc:
            raise PrepareError(str(exc)) from exc

    def release(self, spec: ModelSpec, prepared: PreparedModel) -> None:
        # Unload what we loaded, so the next model's memory figure is its own.
        if prepared.loaded_by_us:
            with contextlib.suppress(RuntimeFailure):
                self.runtime.unload(prepared.request_model)

    def describe(self) -> dict[str, Any]:
        return {"kind": "embedded", "url": self.runtime.service_url()}


def normalize_base_url(url: str) -> str:
    """Accept ``http://host:port`` or ``.../v1``; the OpenAI client wants the ``/v1`` base."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"endpoint {redact_url(url)!r} is not an http(s) URL")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ValueError(f"endpoint {redact_url(url)!r} is not a valid URL ({exc})") from exc
    if not parts.hostname:
        raise ValueError(f"endpoint {redact_url(url)!r} has no host name")
    if not url.endswith("/v1"):
        url += "/v1"
    return url


def resolve_endpoint(cli_value: str | None, settings_value: str | None) -> str | None:
    """The external endpoint to use, or ``None`` for the embedded runtime.

    Order: ``--endpoint``, then ``FOUNDRY_LOCAL_ENDPOINT``, then the settings file.
    """
    for value in (cli_value, os.environ.get(ENDPOINT_ENV), settings_value):
        if value and value.strip():
            return normalize_base_url(value)
    return None
