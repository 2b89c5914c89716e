"""``foundry-bench models ...``: the embedded runtime's model management from a terminal.

``load`` loads the model the way a run does, in a fresh runtime host process (a cold load),
prints how long it took and what it cost, and ends the host again.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TYPE_CHECKING

from foundry_bench.cli._common import EXIT_CANCELLED, EXIT_OK, BadInput
from foundry_bench.core.units import fmt_seconds

if TYPE_CHECKING:
    from foundry_bench.core.run.runtime import FoundryRuntime


def cmd_models(args: argparse.Namespace) -> int:
    from foundry_bench.core.run.runtime import FoundryRuntime
    from foundry_bench.core.run.runtime_errors import RuntimeFailure

    try:
        runtime = FoundryRuntime.get()
        runtime.ensure_demo_model()
        command = args.models_command
        if command == "list":
            return _list(runtime, with_catalog=args.catalog)
        if command == "register":
            entry = runtime.register(args.path, args.model_id)
            print(f"registered {entry.id} (alias {entry.alias}) from {entry.path}")
            return EXIT_OK
        if command == "import":
            from foundry_bench.cli.model_import import import_model

            return import_model(runtime, args.source, args.model_id, args.precision)
        if command == "download":
            return _download(runtime, args.name)
        if command == "load":
            return _load(runtime, args.name)
        if command == "eps":
            return _eps(runtime, args.register)
        if command == "unload":
            runtime.unload(args.name)
            print(f"unloaded {args.name}")
            return EXIT_OK
        if command == "remove":
            runtime.remove(args.name)
            print(f"removed {args.name}")
            return EXIT_OK
    except RuntimeFailure as exc:
        raise BadInput(str(exc)) from exc
    raise BadInput(f"unknown models command {args.models_command!r}")


def _list(runtime, *, with_catalog: bool) -> int:  # type: ignore[no-untyped-def]
    entries = runtime.local_models()
    if with_catalog:
        state = runtime.catalog_models()
        if state.available:
            entries += state.models
        else:
            print(f"({state.error})", file=sys.stderr)
    from foundry_bench.core.run.variants import entry_device

    print(f"{'id':44} {'alias':28} {'source':8} {'device':6} {'disk MB':>8} {'loaded':6}")
    for e in entries:
        disk = f"{e.disk_mb:.1f}" if e.disk_mb is not None else "-"
        device = entry_device(e)[0] or "-"  # a models.json "device" picks a variant by this
        print(
            f"{e.id[:44]:44} {e.alias[:28]:28} {e.source:8} {device[:6]:6} {disk:>8} "
            f"{'yes' if e.loaded else ''}"
        )
        if e.provenance is not None:
            license_text = f"licence {e.license}, " if e.license else ""
            print(f"    {license_text}{e.provenance.describe()}")
    return EXIT_OK


def _download(runtime, name: str) -> int:  # type: ignore[no-untyped-def]
    from foundry_bench.core.run.runtime_errors import RuntimeFailure

    state = runtime.catalog_models()
    if not state.available and runtime.find(name) is None:
        raise RuntimeFailure(f"cannot download {name}: {state.error}")
    cancel = threading.Event()

    def progress(pct: float) -> None:
        sys.stdout.write(f"\rdownloading {name}: {pct:5.1f}%")
        sys.stdout.flush()

    try:
        entry = runtime.download(name, progress, cancel)
    except KeyboardInterrupt:
        cancel.set()
        print("\ndownload cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    print(f"\ndownloaded {entry.id} to {entry.path}")
    return EXIT_OK


def _load(runtime: FoundryRuntime, name: str) -> int:
    from foundry_bench.core.run.host_process import RuntimeHost

    entry = runtime.find(name)
    host = RuntimeHost(entry.id if entry else name, source=entry.source if entry else "local")
    try:
        ready = host.start()
    finally:
        usage = host.stop()
    memory = f", +{ready.memory_delta_mb:.1f} MB" if ready.memory_delta_mb is not None else ""
    peak = (
        f"; runtime process peak {usage.peak_rss_mb:.0f} MB" if usage and usage.peak_rss_mb else ""
    )
    print(f"loaded {ready.model_id} in {fmt_seconds(ready.load_time_s)}{memory}{peak}")
    return EXIT_OK


def _eps(runtime: FoundryRuntime, register: list[str]) -> int:
    from foundry_bench.core.run.runtime_eps import (
        execution_providers,
        register_execution_providers,
    )

    if register:
        cancel = threading.Event()
        outcome: list[list[str] | BaseException] = []

        def progress(name: str, pct: float) -> None:
            sys.stdout.write(f"\rregistering {name}: {pct:5.1f}%")
            sys.stdout.flush()

        def work() -> None:
            try:
                outcome.append(register_execution_providers(runtime, register, progress, cancel))
            except BaseException as exc:  # handed to the main thread below
                outcome.append(exc)

        # The native download runs in a worker so that Ctrl-C reaches this thread at once.
        worker = threading.Thread(target=work, name="ep-register", daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.1)
        except KeyboardInterrupt:
            cancel.set()
            worker.join()
            print("\nregistration cancelled", file=sys.stderr)
            return EXIT_CANCELLED
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        print(f"\nregistered {', '.join(result) or 'nothing new'}; the catalog is read again")
    eps = execution_providers(runtime)
    if not eps:
        print("no execution providers to register here (the CPU is always available)")
    for ep in eps:
        print(f"{ep.name:32} {'registered' if ep.registered else 'not registered'}")
    return EXIT_OK
