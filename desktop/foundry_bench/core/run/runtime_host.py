"""The runtime host, child side: one model in a fresh process, served over HTTP.

The parent (``core.run.host_process``) starts ``foundry-bench --runtime-host MODEL_ID`` (the
frozen app's own executable, or ``python -m foundry_bench``). This process initializes
Foundry Local with the app's folders (``FOUNDRY_BENCH_HOME`` and the offline settings come
from the parent's environment), starts the web service, loads the one model, tells the
parent, serves until its stdin closes, then unloads and exits.

It speaks JSON lines on its original stdout, each prefixed with :data:`PROTOCOL_PREFIX`:
``started`` (``url``, ``start_s``: runtime init + web service), then ``loaded`` (``model``,
``alias``, ``base_url``, ``load_time_s``, ``memory_delta_mb``) or ``failed`` (``message``).
Whatever the native runtime prints goes to stderr instead, so it cannot break a line.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from typing import Any, TextIO

HOST_FLAG = "--runtime-host"
SOURCE_FLAG = "--runtime-host-source"
PROTOCOL_PREFIX = "foundry-bench-host "
EXIT_FAILED = 3


def send(channel: TextIO, event: str, **fields: Any) -> None:
    channel.write(PROTOCOL_PREFIX + json.dumps({"event": event, **fields}) + "\n")
    channel.flush()


def _claim_stdout() -> TextIO:
    """The protocol channel: the original stdout; fd 1 then points at stderr."""
    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def serve(model_name: str, source: str = "local") -> int:
    """Host ``model_name`` until stdin closes; the exit code says how it went."""
    started = time.perf_counter()
    # The parent stops a host by closing its stdin; a Ctrl-C in the terminal is for the parent.
    with contextlib.suppress(ValueError, AttributeError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    channel = _claim_stdout()
    # Imported here: the CLI's parser imports this module for its flag names only.
    from foundry_bench.core.run.runtime import FoundryRuntime
    from foundry_bench.core.run.runtime_errors import RuntimeFailure

    try:
        runtime = FoundryRuntime.get()
        url = runtime.service_url()
        if source == "catalog":
            runtime.catalog_models()  # a catalog model is found through the catalog
    except RuntimeFailure as exc:
        send(channel, "failed", message=str(exc))
        return EXIT_FAILED
    send(channel, "started", url=url, start_s=time.perf_counter() - started, pid=os.getpid())
    try:
        result = runtime.load(model_name)
        entry = runtime.find(result.model_id)
        base_url = runtime.base_url_for(result.model_id)
    except RuntimeFailure as exc:
        send(channel, "failed", message=str(exc))
        return EXIT_FAILED
    send(
        channel,
        "loaded",
        model=result.model_id,
        alias=entry.alias if entry else None,
        base_url=base_url,
        load_time_s=result.load_time_s,
        memory_delta_mb=result.memory_delta_mb,
    )
    sys.stdin.buffer.read()  # until the parent closes it (or dies)
    with contextlib.suppress(RuntimeFailure):
        runtime.unload(result.model_id)
    send(channel, "unloaded")
    # The native teardown waits on fixed timers (web service stop ~1 s, manager close ~1 s,
    # measured here); a host has nothing left to save, so it ends at once.
    sys.stderr.flush()
    os._exit(0)
