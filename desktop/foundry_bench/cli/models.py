"""``foundry-bench models ...``: the embedded runtime's model management from a terminal.

The runtime is in-process, so ``load`` in a one-shot command proves the model loads and
prints how long it took; the model is unloaded again when the command exits.
"""

from __future__ import annotations

import argparse
import sys
import threading

from foundry_bench.cli._common import EXIT_CANCELLED, EXIT_OK, BadInput
from foundry_bench.core.units import fmt_seconds


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
        if command == "download":
            return _download(runtime, args.name)
        if command == "load":
            result = runtime.load(args.name)
            memory = (
                f", +{result.memory_delta_mb:.1f} MB" if result.memory_delta_mb is not None else ""
            )
            print(f"loaded {result.model_id} in {fmt_seconds(result.load_time_s)}{memory}")
            return EXIT_OK
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
    print(f"{'id':44} {'alias':28} {'source':8} {'disk MB':>8} {'loaded':6}")
    for e in entries:
        disk = f"{e.disk_mb:.1f}" if e.disk_mb is not None else "-"
        print(
            f"{e.id[:44]:44} {e.alias[:28]:28} {e.source:8} {disk:>8} {'yes' if e.loaded else ''}"
        )
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
