"""The models loaded by hand (the Models page's Load, then "Try it"), each in its own host.

A run starts and stops its own hosts (``core.run.providers``); a model loaded by hand stays in
its host until it is unloaded or the app ends, and "Try it" talks to that host's web service,
so its figures are made the same way as a run's. Thread-safe: workers start and stop hosts.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from foundry_bench.core.run.host_process import CancelFlag, HostReady, RuntimeHost
from foundry_bench.core.run.model_entry import LoadResult
from foundry_bench.core.run.runtime_errors import RuntimeFailure


class HostPool:
    """One host per model id. :meth:`shared` is the app's pool."""

    _shared: ClassVar[HostPool | None] = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        self._hosts: dict[str, RuntimeHost] = {}
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> HostPool:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def load(
        self, model_id: str, source: str = "local", cancel: CancelFlag | None = None
    ) -> LoadResult:
        """Start a host for ``model_id`` (a cold load); a model already hosted is reloaded."""
        self.unload(model_id)
        host = RuntimeHost(model_id, source=source)
        ready = host.start(cancel)
        with self._lock:
            previous = self._hosts.pop(ready.model_id, None)
            self._hosts[ready.model_id] = host
        if previous is not None:  # loaded twice at once: keep the newer host
            previous.stop()
        return LoadResult(ready.model_id, ready.load_time_s, ready.memory_delta_mb)

    def unload(self, model_id: str) -> bool:
        """Stop the model's host; False when it had none."""
        with self._lock:
            host = self._hosts.pop(model_id, None)
        if host is None:
            return False
        host.stop()
        return True

    def ready(self, model_id: str) -> HostReady | None:
        """The model's host while it serves (a host that died is forgotten)."""
        with self._lock:
            host = self._hosts.get(model_id)
        if host is None:
            return None
        if host.ended() is not None:
            self.unload(model_id)
            return None
        return host.ready

    def base_url(self, model_id: str) -> str:
        ready = self.ready(model_id)
        if ready is None:
            raise RuntimeFailure(f"{model_id} is not loaded (its runtime process has ended)")
        return ready.base_url

    def loaded_ids(self) -> set[str]:
        with self._lock:
            return set(self._hosts)

    def close(self) -> None:
        """Stop every host (the app is closing)."""
        with self._lock:
            hosts = list(self._hosts.values())
            self._hosts.clear()
        for host in hosts:
            host.stop()
