"""Worker tasks of the models view: every runtime and network call it makes, off the GUI thread.

Each function returns a task for :class:`~foundry_bench.ui.base.workers.JobRunner`; none of them
touches a widget.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from foundry_bench.core.run.host_pool import HostPool
from foundry_bench.core.run.model_entry import CatalogState, LoadResult, ModelEntry
from foundry_bench.core.run.model_folders import validate_model_folder
from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.core.run.runtime_errors import RuntimeFailure
from foundry_bench.core.run.variants import entry_device
from foundry_bench.ui.base.workers import JobContext, Task

log = logging.getLogger(__name__)

RuntimeAccess = Callable[[], FoundryRuntime]
SERVER_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RuntimeReady:
    url: str
    demo_model: str | None


def start_runtime(runtime: RuntimeAccess, register_demo: bool = True) -> Task:
    """Start the in-process runtime and its web service; register the demo model once."""

    def task(ctx: JobContext) -> RuntimeReady:
        rt = runtime()
        demo = None
        if register_demo:
            try:
                demo = rt.ensure_demo_model().id
            except (RuntimeFailure, OSError) as exc:
                log.warning("the demo model is not available: %s", exc)
        return RuntimeReady(rt.service_url(), demo)

    return task


def list_local(runtime: RuntimeAccess) -> Task:
    """The registered models; loaded = loaded in a runtime host (or in this process). A
    registered folder has no catalog device: it is read from the folder (genai_config), so
    the Device column of a generic-cpu model is not empty."""

    def task(ctx: JobContext) -> list[ModelEntry]:
        hosted = HostPool.shared().loaded_ids()
        entries = []
        for e in runtime().local_models():
            device, provider = entry_device(e)
            loaded = e.loaded or e.id in hosted
            entries.append(replace(e, loaded=loaded, device=device, execution_provider=provider))
        return entries

    return task


def fetch_catalog(runtime: RuntimeAccess, timeout_s: float = 8.0) -> Task:
    def task(ctx: JobContext) -> CatalogState:
        return runtime().catalog_models(timeout_s)

    return task


def list_server(base_url: str) -> Task:
    """The server's model ids, asked with the environment's or the keychain's key."""

    def task(ctx: JobContext) -> list[str]:
        from foundry_bench.core import keychain
        from foundry_bench.core.run.endpoint.client import ChatEndpoint

        key = keychain.api_key()
        endpoint = ChatEndpoint(base_url, api_key=key, timeout_s=SERVER_TIMEOUT_S)
        try:
            return sorted(endpoint.list_models())
        finally:
            endpoint.close()

    return task


def load(runtime: RuntimeAccess, model_id: str) -> Task:
    """A cold load in a fresh runtime host, as a run does it; "Try it" then talks to it."""

    def task(ctx: JobContext) -> LoadResult:
        entry = runtime().find(model_id)
        if entry is None:
            raise RuntimeFailure(f"model {model_id!r} is not registered or cached here")
        return HostPool.shared().load(entry.id, entry.source, ctx.cancel)

    return task


def unload(runtime: RuntimeAccess, model_id: str) -> Task:
    def task(ctx: JobContext) -> str:
        if not HostPool.shared().unload(model_id):
            runtime().unload(model_id)  # loaded in this process by something else
        return model_id

    return task


def remove(runtime: RuntimeAccess, model_id: str) -> Task:
    def task(ctx: JobContext) -> str:
        HostPool.shared().unload(model_id)
        runtime().remove(model_id)
        return model_id

    return task


def download(runtime: RuntimeAccess, model_id: str) -> Task:
    """Progress percentages arrive as ``yielded``; the SDK honours the cancel event."""

    def task(ctx: JobContext) -> ModelEntry:
        return runtime().download(model_id, progress=ctx.report, cancel=ctx.cancel)

    return task


def check_folder(folder: Path) -> Task:
    def task(ctx: JobContext) -> Path:
        validate_model_folder(folder)
        return folder

    return task


def register(runtime: RuntimeAccess, folder: Path, model_id: str) -> Task:
    def task(ctx: JobContext) -> ModelEntry:
        return runtime().register(folder, model_id)

    return task


def default_model_id(folder: Path) -> str:
    """A ``NAME:VERSION`` suggestion from the folder name (``Phi-3 mini`` -> ``phi-3-mini:1``)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.name).strip("-._").lower()
    return f"{name or 'my-model'}:1"
