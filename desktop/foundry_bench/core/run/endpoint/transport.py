"""The socket layer under the ``openai`` client: t0 at the request hook, reads that notice a
cancel event and a deadline, and the TCP options that keep streamed chunks from being held.

The ``httpx2`` transport is given an ``httpcore2`` network backend whose streams read in short
slices (``POLL_INTERVAL_S``) while a request with a cancel event is in flight on that thread.
Between slices the read checks the event (and raises :class:`Cancelled`, which unwinds
``httpcore2``/``httpx2``/``openai`` and discards the connection), the idle read timeout and the
request's overall deadline (:class:`DeadlinePassed`, which unwinds the same way).
Foundry Local's web service writes with Nagle's algorithm on; with the client's delayed ACK every
chunk after the headers was held ~40 ms, so the client sets TCP_NODELAY and re-arms
TCP_QUICKACK before each read (Linux). Each read's chunked framing is coalesced into one chunk
(:mod:`.rechunk`), so ``h11`` and everything above it run once per read, not once per token.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any, cast

import httpcore2
import httpx2

from foundry_bench.core.run.endpoint.rechunk import Rechunker

#: How often a blocked socket read wakes up to look at the cancel event.
POLL_INTERVAL_S = 0.05


class Cancelled(Exception):
    """Raised in a socket read (or between chunks) once the caller's cancel event is set."""


class DeadlinePassed(Exception):
    """Raised in a socket read once the request's overall deadline has passed."""


# Linux only; elsewhere the OS has no per-socket switch for delayed ACKs.
_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


class CallState:
    """Per-request state shared by the request hook, the socket reads and ``chat``."""

    __slots__ = ("cancel", "deadline", "got_bytes", "sent", "t0")

    def __init__(self, cancel: threading.Event | None, deadline: float | None = None) -> None:
        self.cancel = cancel
        self.deadline = deadline  # time.monotonic() by which the whole answer must be in
        self.t0: float | None = None
        self.sent = False  # the request's first bytes were written (t0 taken then)
        self.got_bytes = False


_local = threading.local()


def current_call() -> CallState | None:
    return cast(CallState | None, getattr(_local, "call", None))


def set_current_call(call: CallState | None) -> CallState | None:
    """Make ``call`` this thread's request in flight; returns the one it replaces."""
    previous = current_call()
    _local.call = call
    return previous


class _PollingStream(httpcore2.NetworkStream):
    """A network stream whose reads notice the calling request's cancel event."""

    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner
        self._rechunk = Rechunker()
        self._sock: socket.socket | None = inner.get_extra_info("socket")
        if self._sock is not None:
            # Our own small writes (headers, then body) must not wait for an ACK.
            with contextlib.suppress(OSError):
                self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _ack_at_once(self) -> None:
        """Re-arm TCP_QUICKACK (Linux clears it after each receive).

        A server that writes with Nagle's algorithm on (Foundry Local's web service does)
        holds every small SSE chunk after the response headers until the client ACKs them;
        on a kept-alive connection Linux delays that ACK by ~40 ms, so without this every
        request after the first showed a 40 ms TTFT with all tokens arriving at once.
        """
        if _QUICKACK is not None and self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        # The chunks of a streamed body, coalesced per read (module rechunk); a read whose
        # bytes were all held back (half a chunk-size line) is followed by the next one,
        # since an empty read would mean the connection closed.
        while True:
            data = self._read(max_bytes, timeout)
            if not data:
                return data
            out = self._rechunk.feed(data)
            if out:
                return out

    def _read(self, max_bytes: int, timeout: float | None) -> bytes:
        self._ack_at_once()
        call = current_call()
        if call is None:
            return self._inner.read(max_bytes, timeout)
        cancel, end = call.cancel, call.deadline
        if cancel is None and end is None:
            data = self._inner.read(max_bytes, timeout)
        else:
            # Read in slices: short ones (to see the cancel event) or up to the nearer of
            # the idle timeout and the overall deadline.
            idle_end = None if timeout is None else time.monotonic() + timeout
            while True:
                if cancel is not None and cancel.is_set():
                    raise Cancelled
                now = time.monotonic()
                step = POLL_INTERVAL_S if cancel is not None else None
                if idle_end is not None:
                    left = idle_end - now
                    if left <= 0:
                        raise httpcore2.ReadTimeout("timed out")
                    step = left if step is None else min(step, left)
                if end is not None:
                    left = end - now
                    if left <= 0:
                        raise DeadlinePassed
                    step = left if step is None else min(step, left)
                try:
                    data = self._inner.read(max_bytes, step)
                    break
                except httpcore2.ReadTimeout:
                    continue
        if data:
            call.got_bytes = True
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        call = current_call()
        if call is not None and not call.sent:
            # t0 as the request's first bytes leave: the hook's stamp (kept should no byte
            # be written) is ~0.5 ms earlier, spent in httpx2/httpcore2 building the request.
            call.t0, call.sent = time.perf_counter(), True
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore2.NetworkStream:
        return _PollingStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PollingBackend(httpcore2.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore2.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        return _PollingStream(
            self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:  # pragma: no cover - not used for http(s) URLs
        return _PollingStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class Transport(httpx2.HTTPTransport):
    """``httpx2``'s default transport with the polling network backend plugged in."""

    def __init__(self, limits: httpx2.Limits) -> None:
        super().__init__(limits=limits, retries=0)
        if not isinstance(getattr(self, "_pool", None), httpcore2.ConnectionPool):
            raise RuntimeError("httpx2.HTTPTransport changed: cannot install the network backend")
        self._pool = httpcore2.ConnectionPool(
            ssl_context=httpx2.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PollingBackend(),
        )


def on_request(request: httpx2.Request) -> None:
    """t0 until the first write replaces it: the request is about to be written (first hop
    only, should a redirect follow)."""
    call = current_call()
    if call is not None and call.t0 is None:
        call.t0 = time.perf_counter()
