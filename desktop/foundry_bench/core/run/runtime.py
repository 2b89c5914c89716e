"""The one wrapper over ``foundry-local-sdk`` that the CLI and the GUI share.

Facts this module relies on (checked on these machines, see docs/foundry_local.md):
- The manager is a process-wide singleton; initialize once with app-owned folders.
- The public catalog needs the internet: offline, ``list_models`` retries for ~4 s. It is only
  ever called from :meth:`FoundryRuntime.catalog_models`, in a thread with a deadline, and
  never when ``FOUNDRY_BENCH_OFFLINE=1`` (tests set it).
- Bring-your-own models live in the *local* catalog; registrations persist in the model cache
  folder, and registering an id twice fails, so :meth:`register` looks first.
- Local-catalog models are served under ``/catalogs/local/v1``; chat takes the full id,
  load/unload the alias.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from foundry_bench.core.paths import AppPaths, app_paths, demo_model_dir
from foundry_bench.core.run.model_entry import CatalogState, LoadResult, ModelEntry, Source
from foundry_bench.core.run.model_folders import (
    folder_size_mb,
    license_of,
    validate_model_folder,
    validate_model_id,
)
from foundry_bench.core.run.provenance import read_provenance
from foundry_bench.core.run.runtime_errors import ModelFolderError, RuntimeFailure, cancellable

log = logging.getLogger(__name__)

DEMO_MODEL_ID = "foundry-bench-demo-generic-cpu:1"
APP_NAME = "foundry_bench"
OFFLINE_ENV = "FOUNDRY_BENCH_OFFLINE"
CATALOG_URL_ENV = "FOUNDRY_BENCH_CATALOG_URL"


def process_rss_mb() -> float | None:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is a declared dependency
        return None
    return float(psutil.Process().memory_info().rss) / 1_000_000


def offline_mode() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes")


class FoundryRuntime:
    """Process-wide access to the in-process Foundry Local runtime.

    Get it with :meth:`get`; the SDK manager is created on first use (about 50 ms).
    Every method may block (native calls); the GUI calls them from workers only.
    """

    _instance: FoundryRuntime | None = None
    _instance_lock = threading.Lock()

    def __init__(self, paths: AppPaths) -> None:
        from foundry_local_sdk import Configuration, FoundryLocalManager, LogLevel

        self.paths = paths.ensure()
        catalog_url = os.environ.get(CATALOG_URL_ENV)
        config = Configuration(
            app_name=APP_NAME,
            app_data_dir=str(paths.data_dir),
            model_cache_dir=str(paths.model_cache_dir),
            logs_dir=str(paths.logs_dir),
            # The native logger writes errors straight to stderr, also for failures we handle
            # (a corrupt model, an unload retried while a session closes); every failure
            # still reaches us as an exception with the same text, and we report it.
            log_level=LogLevel.FATAL,
            disable_nonessential_telemetry=True,
            catalog_urls=[(catalog_url, None)] if catalog_url else None,
        )
        existing = FoundryLocalManager.instance
        if existing is None:
            FoundryLocalManager.initialize(config)
        self._manager: Any = FoundryLocalManager.instance
        self._lock = threading.RLock()
        self._catalog_state: CatalogState | None = None
        self._catalog_thread: threading.Thread | None = None

    @classmethod
    def get(cls) -> FoundryRuntime:
        with cls._instance_lock:
            if cls._instance is None:
                try:
                    cls._instance = cls(app_paths())
                except Exception as exc:  # the SDK raises its own exception types
                    raise RuntimeFailure(f"cannot start Foundry Local: {exc}") from exc
            return cls._instance

    @classmethod
    def started(cls) -> bool:
        return cls._instance is not None

    @property
    def manager(self) -> Any:
        """The SDK manager, for what lives beside this class (``runtime_eps``)."""
        return self._manager

    def forget_catalog(self) -> None:
        """Read the public catalog again on next use: a new execution provider adds variants."""
        with self._lock:
            if self._catalog_thread is None:
                self._catalog_state = None

    # -- catalogs ---------------------------------------------------------------------------

    def _local_catalog(self) -> Any:
        from foundry_local_sdk import CatalogType

        return self._manager.get_catalog(CatalogType.LOCAL)

    def catalog_models(self, timeout_s: float = 8.0) -> CatalogState:
        """The public catalog, fetched in a thread so the caller waits at most ``timeout_s``.

        Offline, the SDK retries for seconds; the first result is remembered so later calls
        answer at once.
        """
        if offline_mode():
            return CatalogState(False, error="catalog unavailable (offline mode)")
        with self._lock:
            if self._catalog_state is not None:
                return self._catalog_state
            if self._catalog_thread is None:
                self._catalog_thread = threading.Thread(
                    target=self._fetch_catalog, name="foundry-catalog", daemon=True
                )
                self._catalog_thread.start()
            thread = self._catalog_thread
        thread.join(timeout_s)
        with self._lock:
            if self._catalog_state is not None:
                return self._catalog_state
        return CatalogState(False, error="catalog unavailable (still trying; offline?)")

    def _fetch_catalog(self) -> None:
        try:
            models = self._manager.catalog.list_models()
            entries = [self._entry(v, "catalog") for m in models for v in _variants(m)]
            state = (
                CatalogState(True, entries)
                if entries
                else CatalogState(False, error="catalog unavailable (offline or empty)")
            )
        except Exception as exc:
            state = CatalogState(False, error=f"catalog unavailable: {exc}")
        with self._lock:
            self._catalog_state = state
            self._catalog_thread = None

    def local_models(self) -> list[ModelEntry]:
        """Registered (bring-your-own) models, with their size on disk and loaded state."""
        models = self._local_catalog().list_models()
        return [self._entry(v, "local") for m in models for v in _variants(m)]

    def models(self) -> list[ModelEntry]:
        """Everything usable here: local registrations plus the catalog if it is known."""
        entries = self.local_models()
        state = self._catalog_state
        if state is not None and state.available:
            entries += state.models
        return entries

    def _entry(self, model: Any, source: Source) -> ModelEntry:
        info = model.info
        runtime = getattr(info, "runtime", None)
        path: str | None = None
        disk_mb: float | None = None
        cached = bool(model.is_cached) if source == "catalog" else True
        if cached:
            try:
                path = model.get_path() or None
            except Exception:
                path = None
            if path and Path(path).exists():
                disk_mb = folder_size_mb(Path(path))
        return ModelEntry(
            id=model.id,
            alias=model.alias,
            source=source,
            task=info.task,
            device=str(runtime.device_type) if runtime and runtime.device_type else None,
            execution_provider=getattr(runtime, "execution_provider", None) if runtime else None,
            size_mb=float(info.file_size_mb) if info.file_size_mb else disk_mb,
            disk_mb=disk_mb,
            license=info.license,
            tool_calling=info.supports_tool_calling,
            cached=cached,
            loaded=bool(model.is_loaded),
            path=path,
            context_length=model.context_length,
            provenance=read_provenance(Path(path)) if path else None,
        )

    def _find(self, name: str) -> tuple[Any, Source] | None:
        """A model by full id or alias: the local catalog first, then the known catalog."""
        local = self._local_catalog()
        model = local.get_model_variant(name) if ":" in name else None
        if model is None:
            model = local.get_model(name)
        if model is not None:
            return model, "local"
        state = self._catalog_state
        if state is not None and state.available and not offline_mode():
            catalog = self._manager.catalog
            model = catalog.get_model_variant(name) if ":" in name else catalog.get_model(name)
            if model is not None:
                return model, "catalog"
        return None

    def find(self, name: str) -> ModelEntry | None:
        found = self._find(name)
        return self._entry(found[0], found[1]) if found else None

    def _require(self, name: str) -> tuple[Any, Source]:
        found = self._find(name)
        if found is None:
            raise RuntimeFailure(
                f"model {name!r} is neither registered here nor in the catalog "
                "(register a folder with `foundry-bench models register`, or check the name)"
            )
        return found

    # -- lifecycle ---------------------------------------------------------------------------

    def download(
        self,
        name: str,
        progress: Callable[[float], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> ModelEntry:
        """Download a catalog model into the cache; ``cancel`` stops it (SDK event)."""
        model, source = self._require(name)
        if source == "local":
            return self._entry(model, source)
        cancellable(
            lambda: model.download(progress, cancel),
            cancel,
            cancelled=f"download of {name} cancelled",
            failed=f"download of {name} failed",
        )
        return self._entry(model, source)

    def remove(self, name: str) -> None:
        """Remove a downloaded model from the cache, or unregister a local one (files kept)."""
        model, source = self._require(name)
        try:
            if model.is_loaded:
                model.unload()
            if source == "local":
                self._local_catalog().unregister_model(model.id)
            else:
                model.remove_from_cache()
        except Exception as exc:
            raise RuntimeFailure(f"cannot remove {name}: {exc}") from exc

    def load(self, name: str) -> LoadResult:
        """Load a model and measure how long it took and how much process memory it added."""
        model, _source = self._require(name)
        rss_before = process_rss_mb()
        started = time.perf_counter()
        try:
            model.load()
        except Exception as exc:
            raise RuntimeFailure(f"cannot load {model.id}: {exc}") from exc
        elapsed = time.perf_counter() - started
        rss_after = process_rss_mb()
        delta = rss_after - rss_before if rss_before is not None and rss_after else None
        log.debug("loaded %s in %.3f s", model.id, elapsed)
        return LoadResult(model.id, elapsed, delta)

    def unload(self, name: str, *, busy_wait_s: float = 3.0) -> None:
        """Unload a model; waits up to ``busy_wait_s`` for the web service to let it go.

        Right after a streamed answer ends the service still holds its session for a few
        milliseconds, and unload fails with "session(s) still using it".
        """
        model, _source = self._require(name)
        deadline = time.monotonic() + busy_wait_s
        while True:
            try:
                if model.is_loaded:
                    model.unload()
                return
            except Exception as exc:
                if "still using" in str(exc) and time.monotonic() < deadline:
                    time.sleep(0.02)
                    continue
                raise RuntimeFailure(f"cannot unload {model.id}: {exc}") from exc

    def loaded_ids(self) -> list[str]:
        ids = [m.id for m in self._local_catalog().get_loaded_models()]
        state = self._catalog_state
        if state is not None and state.available:
            ids += [m.id for m in self._manager.catalog.get_loaded_models()]
        return ids

    # -- bring your own model --------------------------------------------------------------

    def register(self, folder: Path, model_id: str, *, verify_load: bool = True) -> ModelEntry:
        """Register an ONNX Runtime GenAI folder in the local catalog.

        Idempotent for the same folder and id. With ``verify_load`` the model is loaded once
        and unloaded; a model that cannot load is unregistered again, so nothing half-made
        stays behind.
        """
        validate_model_id(model_id)
        folder = validate_model_folder(folder)
        local = self._local_catalog()
        with self._lock:
            existing = local.get_model_variant(model_id)
            previous: Path | None = None  # the folder registered under this id before
            if existing is not None:
                try:
                    previous = Path(existing.get_path()).resolve()
                except Exception:
                    previous = None
                if previous == folder:
                    return self._entry(existing, "local")
                if existing.is_loaded:
                    existing.unload()
                local.unregister_model(model_id)
                log.info("re-registering %s from %s", model_id, folder)
            try:
                model = self._register_folder(local, folder, model_id, verify_load)
            except RuntimeFailure:
                if previous is not None:
                    # A failed re-registration leaves the one before it working.
                    self._register_folder(local, previous, model_id, verify_load=False)
                raise
            return self._entry(model, "local")

    @staticmethod
    def _register_folder(local: Any, folder: Path, model_id: str, verify_load: bool) -> Any:
        from foundry_local_sdk import ModelInfoBuilder

        builder = ModelInfoBuilder()
        try:
            builder.set_string_property("task", "chat-completion")
            builder.set_string_property("license", license_of(folder) or "unknown")
            model = local.register_model(folder, model_id, builder)
        except Exception as exc:
            raise RuntimeFailure(f"cannot register {folder} as {model_id}: {exc}") from exc
        finally:
            builder.close()
        if verify_load:
            try:
                model.load()
                model.unload()
            except Exception as exc:
                local.unregister_model(model_id)
                raise ModelFolderError(
                    f"{folder}: registered but the runtime cannot load it ({exc}); "
                    "registration undone"
                ) from exc
        return model

    def ensure_demo_model(self) -> ModelEntry:
        """Register the bundled demo model (first use, or after the app moved)."""
        return self.register(demo_model_dir(), DEMO_MODEL_ID, verify_load=False)

    # -- the OpenAI-compatible web service ---------------------------------------------------

    def service_url(self) -> str:
        with self._lock:
            if not self._manager.urls:
                try:
                    self._manager.start_web_service()
                except Exception as exc:
                    raise RuntimeFailure(f"cannot start the web service: {exc}") from exc
            return str(self._manager.urls[0]).rstrip("/")

    def base_url_for(self, name: str) -> str:
        """The OpenAI base URL that serves this model (local models live under a prefix)."""
        _model, source = self._require(name)
        root = self.service_url()
        return f"{root}/catalogs/local/v1" if source == "local" else f"{root}/v1"


def _variants(model: Any) -> list[Any]:
    try:
        variants = list(model.variants)
    except Exception:
        variants = []
    return variants or [model]
