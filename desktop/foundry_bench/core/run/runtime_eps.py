"""Execution providers: which ones the runtime can use here, and registering more.

Foundry Local's catalog lists only the variants of registered execution providers, so a GPU
or NPU variant appears only after its provider is registered (downloaded, it needs the
internet). After a registration the catalog is read again. ``discover_eps`` returns nothing
on a machine with no accelerator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.core.run.runtime_errors import RuntimeFailure, cancellable

EpProgress = Callable[[str, float], None]


@dataclass(frozen=True)
class ExecutionProvider:
    name: str
    registered: bool


class _Cancelled(Exception):
    """Raised in the progress callback: the SDK then tells the native download to stop."""


def execution_providers(runtime: FoundryRuntime) -> list[ExecutionProvider]:
    """The execution providers discoverable here, registered or not."""
    try:
        found = runtime.manager.discover_eps()
    except Exception as exc:  # the SDK raises its own exception type
        raise RuntimeFailure(f"cannot list execution providers: {exc}") from exc
    return [ExecutionProvider(str(ep.name), bool(ep.is_registered)) for ep in found]


def register_execution_providers(
    runtime: FoundryRuntime,
    names: Sequence[str],
    progress: EpProgress | None = None,
    cancel: threading.Event | None = None,
) -> list[str]:
    """Download and register ``names``; returns those newly registered.

    A name that is not discoverable here is refused before anything starts; a registration
    that fails (offline, no driver) or is cancelled raises :class:`RuntimeFailure` with a
    message saying which, and the catalog is left as it was.
    """
    wanted = list(dict.fromkeys(names))
    if not wanted:
        raise RuntimeFailure("name at least one execution provider to register")
    known = {ep.name: ep for ep in execution_providers(runtime)}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        listed = ", ".join(sorted(known)) or "none on this machine"
        raise RuntimeFailure(
            f"execution provider {', '.join(map(repr, unknown))} is not available here "
            f"(discoverable: {listed})"
        )
    label = ", ".join(wanted)

    def on_progress(name: str, percent: float) -> None:
        if cancel is not None and cancel.is_set():
            raise _Cancelled
        if progress is not None:
            progress(name, percent)

    result = cancellable(
        lambda: runtime.manager.download_and_register_eps(wanted, on_progress),
        cancel,
        cancelled=f"registration of {label} cancelled",
        failed=f"cannot register {label}",
    )
    if not result.success:
        failed = ", ".join(result.failed_eps) or label
        raise RuntimeFailure(f"cannot register {failed} ({result.status})")
    runtime.forget_catalog()
    return list(result.registered_eps)
