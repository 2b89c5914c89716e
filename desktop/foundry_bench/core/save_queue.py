"""Files written in the background, in order, newest content winning.

A view that saves after every key press must not wait for the disk on its own thread, yet
every version it hands over must reach the disk in the order it was made (an older snapshot
landing after a newer one would lose the newer scores). One writer thread per queue does
that: :meth:`SaveQueue.submit` hands over a file's complete new text (or
:meth:`SaveQueue.submit_call` a function that writes it, for a save that must first look at
the disk); when several wait for one path, only the newest runs (each is the whole file).
Each write is atomic (``core.fileio``), so a crash leaves the old file or the new one.

The thread starts with the first submit and ends when nothing is left to write, so an idle
app (or a finished test) has no writer thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from foundry_bench.core.fileio import atomic_write_text

log = logging.getLogger(__name__)

# done(token, error): called on the writer thread after the write (error None) or its failure;
# for submit_call, the token is what the write function returned (None after a failure).
Done = Callable[[object, Exception | None], None]


@dataclass
class _Pending:
    write: Callable[[], object]  # returns the token handed to done
    done: Done | None


class SaveQueue:
    """``on_written(path)``, if given, follows every successful write (on the writer thread),
    so other views can follow what reached the disk."""

    def __init__(self, on_written: Callable[[Path], None] | None = None) -> None:
        self._on_written = on_written
        self._lock = threading.Condition()
        self._pending: dict[Path, _Pending] = {}
        self._thread: threading.Thread | None = None
        self._busy = False

    def submit(self, path: Path, text: str, token: object = None, done: Done | None = None) -> None:
        """Write ``text`` to ``path`` soon; ``done(token, error)`` follows on the writer thread.

        A text still waiting for the same path is replaced (its ``done`` is not called).
        """

        def write() -> object:
            atomic_write_text(path, text)
            return token

        self.submit_call(path, write, done)

    def submit_call(self, path: Path, write: Callable[[], object], done: Done | None) -> None:
        """Run ``write()`` (which writes ``path``) soon; ``done(its result, error)`` follows.
        Replaces whatever still waits for the same path, as :meth:`submit` does."""
        with self._lock:
            self._pending[path] = _Pending(write, done)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._write_all, name="save-queue", daemon=True
                )
                self._thread.start()
            self._lock.notify_all()

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until everything submitted so far is on disk, its callback has run and the
        writer has stopped; False if that took too long. (Not from inside a callback: the
        writer is busy until the callback returns.)"""
        with self._lock:
            return self._lock.wait_for(
                lambda: not self._pending and not self._busy and self._thread is None,
                timeout=timeout_s,
            )

    @property
    def idle(self) -> bool:
        with self._lock:
            return not self._pending and not self._busy

    def _write_all(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._pending:
                        # Checked and handed back under one lock: a submit that comes after
                        # this sees no writer and starts one.
                        self._thread = None
                        self._lock.notify_all()
                        return
                    path = next(iter(self._pending))
                    item = self._pending.pop(path)
                    self._busy = True
                try:
                    self._write(path, item)
                finally:
                    with self._lock:
                        self._busy = False
                        self._lock.notify_all()
        except BaseException:
            with self._lock:  # whatever stopped the loop, the next submit starts a writer
                self._thread = None
                self._lock.notify_all()
            raise

    def _write(self, path: Path, item: _Pending) -> None:
        error: Exception | None = None
        result: object = None
        try:
            result = item.write()
        except Exception as exc:  # reported to the caller: a save must never fail silently
            error = exc
        if error is None and self._on_written is not None:
            try:
                self._on_written(path)
            except Exception:
                log.exception("save of %s: the written hook failed", path)
        if item.done is not None:
            try:
                item.done(result, error)
            except Exception:  # a receiver that is gone must not stop later saves
                log.exception("save of %s: its callback failed", path)
