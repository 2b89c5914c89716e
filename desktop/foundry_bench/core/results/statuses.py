"""A run's status: what ``results.json`` says, and the one reader of that field.

``interrupted`` is never written: readers judge it (``core.results.store.settled_status``)
for a run that says ``running`` while its writer is gone.
"""

from __future__ import annotations

from typing import Literal, get_args

RunStatus = Literal["running", "completed", "cancelled", "failed", "interrupted"]
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)


def run_status_of(value: object) -> RunStatus:
    """The status a file gives (none: an old file of a finished run), or ``ValueError``."""
    if value is None:
        return "completed"
    for status in RUN_STATUSES:
        if value == status:
            return status
    raise ValueError(f"status {value!r} is not {'|'.join(RUN_STATUSES)}")
