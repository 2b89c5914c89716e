"""Where a model of a run is served from: an external server, or the embedded runtime.

The runner asks a provider to *prepare* each model before its rounds (for the embedded
runtime: find it, start a runtime host process that loads it and times the load) and to
*release* it after (the host unloads and exits); none of that is inside a timed request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from foundry_bench.core import keychain
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.redaction import redact_url, remember_url_secrets
from foundry_bench.core.run.host_meter import HostUsage
from foundry_bench.core.run.host_process import CancelFlag, RuntimeHost
from foundry_bench.core.run.model_entry import ModelEntry
from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.core.run.runtime_eps import execution_providers
from foundry_bench.core.run.runtime_errors import RuntimeFailure
from foundry_bench.core.run.variants import entry_device, select_variant, variant_devices

ENDPOINT_ENV = "FOUNDRY_LOCAL_ENDPOINT"


class PrepareError(Exception):
    """A model that cannot be benchmarked at all (not found, cannot load)."""


class ModelMonitor(Protocol):
    """What the runner tells and asks the process serving a model (a runtime host)."""

    def timed_started(self) -> None: ...

    def timed_stopped(self) -> None: ...

    def ended(self, wait_s: float = 0.0) -> str | None:
        """Why the process ended on its own (waiting up to ``wait_s`` for it to finish
        ending), or None while it serves."""
        ...

    def usage(self) -> HostUsage | None:
        """Its figures once released."""
        ...


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
    details: str | None = None  # where an imported model came from (core.run.provenance)
    loaded_by_us: bool = False
    device: str | None = None
    execution_provider: str | None = None
    monitor: ModelMonitor | None = None
    context_length: int | None = None  # as the runtime advertises it (None: not known)


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
    embedded runtime. The key defaults to ``OPENAI_API_KEY`` or the keychain's
    (:mod:`core.keychain`), read when the factory is called. Nothing starts until then:
    starting the embedded runtime can take seconds, so GUI callers call it in a worker. A
    runtime that cannot start raises :class:`PrepareError`. ``ensure_demo`` also registers the
    bundled demo model (the CLI's offline default; the app does that at start).
    """
    if endpoint:
        return lambda: ExternalProvider(
            endpoint, api_key if api_key is not None else keychain.api_key()
        )

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
    """The embedded Foundry Local runtime: each model in its own runtime host process.

    The in-process runtime of this process finds the model (registered, downloaded) and
    says what it is; a fresh host loads it, so its load time is cold and its memory its own.
    ``cancel`` stops a host that is still starting.
    """

    api_key: str | None = None

    def __init__(self, runtime: FoundryRuntime, cancel: CancelFlag | None = None) -> None:
        self.runtime = runtime
        self.cancel = cancel
        self._hosts: list[RuntimeHost] = []
        self._lock = threading.Lock()

    @property
    def hosts(self) -> list[RuntimeHost]:
        """The hosts running now (tests kill them; the app stops them on exit)."""
        with self._lock:
            return list(self._hosts)

    def prepare(self, spec: ModelSpec) -> PreparedModel:
        if spec.endpoint:
            return ExternalProvider(spec.endpoint).prepare(spec)
        try:
            entry = self._variant(spec) if spec.device else self.runtime.find(spec.id)
        except RuntimeFailure as exc:
            raise PrepareError(str(exc)) from exc
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
        host = RuntimeHost(entry.id, source=entry.source)
        with self._lock:
            self._hosts.append(host)
        try:
            ready = host.start(self.cancel)
        except RuntimeFailure as exc:
            self._forget(host)
            raise PrepareError(str(exc)) from exc
        device, execution_provider = entry_device(entry)
        return PreparedModel(
            base_url=ready.base_url,
            request_model=ready.model_id,
            alias=ready.alias or entry.alias,
            load_time_s=ready.load_time_s,
            memory_delta_mb=ready.memory_delta_mb,
            size_mb=spec.size_mb if spec.size_mb is not None else entry.disk_mb,
            license=spec.license or entry.license,
            details=entry.provenance.describe(full_source=False) if entry.provenance else None,
            loaded_by_us=True,
            device=device,
            execution_provider=execution_provider,
            monitor=host,
            context_length=entry.context_length,
        )

    def _variant(self, spec: ModelSpec) -> ModelEntry:
        """``"device"`` in models.json: the alias's variant for that device."""
        entries = self.runtime.models()
        entry = select_variant(entries, spec.id, spec.device)
        if entry is None:
            devices = ", ".join(variant_devices(entries, spec.id)) or "none known here"
            raise PrepareError(
                f"model {spec.id!r} has no {spec.device} variant here (variants: {devices}); "
                "a GPU or NPU variant appears once its execution provider is registered "
                "(`foundry-bench models eps`)"
            )
        return entry

    def release(self, spec: ModelSpec, prepared: PreparedModel) -> None:
        if isinstance(prepared.monitor, RuntimeHost):
            prepared.monitor.stop()
            self._forget(prepared.monitor)

    def _forget(self, host: RuntimeHost) -> None:
        with self._lock:
            if host in self._hosts:
                self._hosts.remove(host)

    def close(self) -> None:
        """Stop every host still running (a run that was abandoned)."""
        for host in self.hosts:
            host.stop()
            self._forget(host)

    def describe(self) -> dict[str, Any]:
        try:
            eps = [
                ep.name + ("" if ep.registered else " (not registered)")
                for ep in execution_providers(self.runtime)
            ]
        except RuntimeFailure as exc:
            eps = [f"unknown ({exc})"]
        return {
            "kind": "embedded",
            "hosts": "one runtime process per model",
            "execution_providers": eps,
        }


def normalize_base_url(url: str) -> str:
    """Accept ``http://host:port`` or ``.../v1``; the OpenAI client wants the ``/v1`` base.

    A query (``?api-key=...``, which some gateways want) stays a query after the ``/v1``;
    its secret values and any user:password are remembered for redaction.
    """
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"endpoint {redact_url(url)!r} is not an http(s) URL")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ValueError(f"endpoint {redact_url(url)!r} is not a valid URL ({exc})") from exc
    if not parts.hostname:
        raise ValueError(f"endpoint {redact_url(url)!r} has no host name")
    remember_url_secrets(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        path += "/v1"
    return urlunsplit(parts._replace(path=path, fragment=""))


def resolve_endpoint(cli_value: str | None, settings_value: str | None) -> str | None:
    """The external endpoint to use, or ``None`` for the embedded runtime.

    Order: ``--endpoint``, then ``FOUNDRY_LOCAL_ENDPOINT``, then the settings file.
    """
    for value in (cli_value, os.environ.get(ENDPOINT_ENV), settings_value):
        if value and value.strip():
            return normalize_base_url(value)
    return None
