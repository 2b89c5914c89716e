"""What the Foundry Local runtime wrapper raises: one message a user can act on."""

from __future__ import annotations

from collections.abc import Callable
from threading import Event
from typing import TypeVar

T = TypeVar("T")


class RuntimeFailure(Exception):
    """A runtime operation that failed; the message says what and why, for a person."""


class ModelFolderError(RuntimeFailure):
    """A folder that cannot be registered as a model (named in the message)."""


def cancellable(call: Callable[[], T], cancel: Event | None, *, cancelled: str, failed: str) -> T:
    """Run an SDK download that honours ``cancel``: a cancel becomes ``cancelled``, any other
    failure ``failed: <the SDK's message>``."""
    try:
        result = call()
    except Exception as exc:  # the SDK raises its own exception types
        if cancel is not None and cancel.is_set():
            raise RuntimeFailure(cancelled) from exc
        raise RuntimeFailure(f"{failed}: {exc}") from exc
    if cancel is not None and cancel.is_set():
        raise RuntimeFailure(cancelled)
    return result
