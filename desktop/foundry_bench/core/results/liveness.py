"""Whether the process that wrote a run folder is still running it.

``results.json`` says ``running`` from a run's first moment until its last write. When the
process is killed (``kill -9``, a power cut, a full disk) nothing changes that word, so a
reader must judge it: the writer records its process id, host and process start time, and a
``running`` run whose writer is gone is ``interrupted``. A process id alone is not enough
(the OS reuses them); the start time tells a reused id from the writer itself.

A run written on another machine cannot be checked: it counts as still running while its
folder keeps changing, and as interrupted once it has been quiet for longer than a live run
ever is (:data:`FOREIGN_QUIET_S` plus the run's own request timeout).
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import asdict, dataclass
from typing import Any

import psutil

from foundry_bench.core.results.run_settings import is_finite_number

# A live run writes a sample at least once per request; an hour of silence beyond the
# request timeout is longer than loading any model takes.
FOREIGN_QUIET_S = 3600.0
# Process start times are floats from the OS clock; a reused pid starts far from this.
_START_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class WriterStamp:
    """Who is writing a run folder: enough to tell later whether that process still runs."""

    pid: int
    host: str
    process_started: float  # the OS's start time of that process (seconds since the epoch)

    @classmethod
    def current(cls) -> WriterStamp:
        return cls(os.getpid(), socket.gethostname(), float(psutil.Process().create_time()))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> WriterStamp | None:
        """The stamp, or ``None`` for anything that is not one (an old or edited file)."""
        if not isinstance(data, dict):
            return None
        pid, host, started = data.get("pid"), data.get("host"), data.get("process_started")
        if isinstance(pid, bool) or not isinstance(pid, int) or not isinstance(host, str):
            return None
        if not isinstance(started, int | float) or not is_finite_number(started):
            return None
        return cls(pid, host, float(started))


def writer_alive(
    writer: WriterStamp | None, last_write: float | None, quiet_limit_s: float
) -> bool:
    """Whether the run's writer may still be running it.

    ``last_write`` is the newest modification time of the run's files; it decides only for a
    run written on another host (a folder on a shared drive, or copied from CI).
    """
    if writer is None:
        return False  # no stamp: not written by a running version of this app
    if writer.host != socket.gethostname():
        return last_write is not None and time.time() - last_write < quiet_limit_s
    try:
        started = float(psutil.Process(writer.pid).create_time())
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True  # it exists, but the OS will not say when it started: assume the writer
    return abs(started - writer.process_started) < _START_TOLERANCE_S
