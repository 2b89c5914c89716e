"""``foundry-bench models import SOURCE --id NAME:VER``: convert, register, say what it cost.

Progress goes to stderr (a rewritten line on a terminal, one line per step change otherwise;
``cli.terminal`` escapes what a file or tool wrote in it);
Ctrl-C kills the conversion process, removes its partial output and exits with 130.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from foundry_bench.cli._common import EXIT_CANCELLED, EXIT_OK
from foundry_bench.core.imports.importer import Registrar, prepare, run_import
from foundry_bench.core.imports.protocol import ConversionEvent, Precision
from foundry_bench.core.paths import app_paths
from foundry_bench.core.run.provenance import format_parameters


def import_model(registrar: Registrar, source: Path, model_id: str, precision: Precision) -> int:
    prepared = prepare(source, model_id, precision, registrar, app_paths().imported_models_dir)
    src = prepared.source
    print(
        f"importing {src.label}: {src.kind.upper()} {src.architecture}, "
        f"{format_parameters(src.parameters)} parameters, {src.quantization or '?'}, "
        f"licence {src.license or 'unknown'} -> {precision}",
        file=sys.stderr,
    )
    print(
        f"needs about {prepared.needs.disk_mb:.0f} MB of disk and "
        f"{prepared.needs.memory_mb:.0f} MB of memory; Ctrl-C cancels",
        file=sys.stderr,
    )
    progress = _Progress(sys.stderr.isatty())
    try:
        result = run_import(prepared, registrar, threading.Event(), progress.show)
    except KeyboardInterrupt:
        progress.end()
        print("import cancelled; its partial output was removed", file=sys.stderr)
        return EXIT_CANCELLED
    progress.end()
    cost = result.cost
    peak = f", peak memory {cost.peak_rss_mb:.0f} MB" if cost.peak_rss_mb is not None else ""
    print(f"converted in {cost.wall_s:.1f} s{peak}", file=sys.stderr)
    print(f"registered {result.entry.id} (alias {result.entry.alias}) from {result.folder}")
    return EXIT_OK


class _Progress:
    def __init__(self, tty: bool) -> None:
        self._tty = tty
        self._last = ""
        self._open = False

    def show(self, event: ConversionEvent) -> None:
        percent = f"{event.percent:3.0f}%" if event.percent is not None else "  … "
        line = f"[{percent}] {event.step}: {event.message}"
        if self._tty:
            sys.stderr.write("\r" + line[:100].ljust(100))
            sys.stderr.flush()
            self._open = True
        elif event.message != self._last:
            print(line, file=sys.stderr)
        self._last = event.message

    def end(self) -> None:
        if self._open:
            sys.stderr.write("\n")
            self._open = False
