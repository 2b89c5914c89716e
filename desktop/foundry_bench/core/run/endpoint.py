"""One timed chat request against any OpenAI-compatible endpoint.

The request goes through the ``openai`` client (3.x, on ``httpx2``) with its retries turned
off; the timings follow ``docs/design.md`` ("Metric definitions"):

- t0 is taken in an ``httpx2`` request event hook, i.e. as the request leaves the client, not
  while the ``openai`` client validates and builds it.
- A stream is read as raw bytes, split into SSE lines here and parsed with one ``json.loads``
  per ``data:`` line. Each network read is time-stamped once, as it returns; every event in
  that read gets that arrival time. (The parsed ``openai`` stream costs ~9x more per chunk,
  and ``httpx2``'s ``iter_lines`` would silently replace invalid UTF-8 and split a JSON chunk
  at a raw U+2028, so neither is used.)
- TTFT = t0 -> the read that brought the first chunk with non-empty ``delta.content``;
  latency = t0 -> end of the body; ``itl_s`` = gaps between successive content chunks.

Timeouts and cancellation live one level down, in the socket reads: the ``httpx2`` transport is
given an ``httpcore2`` network backend whose streams read in short slices (``POLL_INTERVAL_S``)
while a request with a cancel event is in flight on that thread. Between slices the read checks
the event (and raises ``_Cancelled``, which unwinds ``httpcore2``/``httpx2``/``openai`` and
discards the connection) and the overall read deadline (no byte for ``timeout_s`` ->
``ReadTimeout``). So a stalled stream, or a server that never sends headers, is cancelled within
``POLL_INTERVAL_S`` without a second thread touching the socket, and the fast path costs nothing
more than the plain read (one ``settimeout`` + ``recv`` per network read, as before).
"""

from __future__ import annotations

import contextlib
import errno
import json
import socket
import threading
import time
from collections.abc import Iterable
from itertools import chain
from types import TracebackType
from typing import Any, cast

import httpcore2
import httpx2
import openai
from openai import omit

from foundry_bench.core.results.records import Measurement, SampleStatus, utc_now
from foundry_bench.core.urls import redact_url

__all__ = ["POLL_INTERVAL_S", "ChatEndpoint", "EndpointError"]

#: How often a blocked socket read wakes up to look at the cancel event.
POLL_INTERVAL_S = 0.05

_ERROR_BODY_CHARS = 200
_CHUNK_PREVIEW_CHARS = 80


class EndpointError(Exception):
    """An endpoint operation other than a timed request failed (the message says which URL)."""


class _Cancelled(Exception):
    """Raised in a socket read (or between chunks) once the caller's cancel event is set."""


# Linux only; elsewhere the OS has no per-socket switch for delayed ACKs.
_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


class _StreamFault(Exception):
    """The server sent something that is not a valid answer; the message is user-facing."""


class _CallState:
    """Per-request state shared by the request hook, the socket reads and ``chat``."""

    __slots__ = ("cancel", "got_bytes", "t0")

    def __init__(self, cancel: threading.Event | None) -> None:
        self.cancel = cancel
        self.t0: float | None = None
        self.got_bytes = False


_local = threading.local()


def _current_call() -> _CallState | None:
    return cast(_CallState | None, getattr(_local, "call", None))


class _PollingStream(httpcore2.NetworkStream):
    """A network stream whose reads notice the calling request's cancel event."""

    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner
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
        self._ack_at_once()
        call = _current_call()
        if call is None:
            return self._inner.read(max_bytes, timeout)
        cancel = call.cancel
        if cancel is None:
            data = self._inner.read(max_bytes, timeout)
        else:
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                if cancel.is_set():
                    raise _Cancelled
                step = POLL_INTERVAL_S
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise httpcore2.ReadTimeout("timed out")
                    step = min(step, left)
                try:
                    data = self._inner.read(max_bytes, step)
                    break
                except httpcore2.ReadTimeout:
                    continue
        if data:
            call.got_bytes = True
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
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


class _Transport(httpx2.HTTPTransport):
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


def _on_request(request: httpx2.Request) -> None:
    """t0: the request is about to be written (first hop only, should a redirect follow)."""
    call = _current_call()
    if call is not None and call.t0 is None:
        call.t0 = time.perf_counter()


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def _os_reason(exc: BaseException) -> str:
    """A short reason for a connection-level failure, from the OS error behind it if any."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, socket.gaierror):
            return "host name not found"
        if isinstance(cur, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cur, ConnectionResetError):
            return "connection reset by peer"
        if isinstance(cur, OSError) and cur.errno is not None:
            if cur.errno == errno.EHOSTUNREACH:
                return "host unreachable"
            if cur.errno == errno.ENETUNREACH:
                return "network unreachable"
            return (cur.strerror or str(cur)).lower()
        cur = cur.__cause__ or cur.__context__
    # No OS error: the innermost library message is the most specific one.
    cur, text = exc, ""
    seen.clear()
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        text = str(cur) or text
        cur = cur.__cause__ or cur.__context__
    return _one_line(text, 200) or type(exc).__name__


def _http_error(status: int, body: str) -> str:
    line = _one_line(body, _ERROR_BODY_CHARS)
    return f"HTTP {status} from server: {line}" if line else f"HTTP {status} from server (no body)"


def _preview(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")[:_CHUNK_PREVIEW_CHARS]


class ChatEndpoint:
    """A client for one OpenAI-compatible base URL (e.g. ``http://127.0.0.1:5273/v1``).

    ``chat`` never raises for a failed request: the failure is the returned measurement's
    ``status``/``error``. Thread-safe: several threads may call ``chat`` at once.
    ``api_key`` is sent as given; ``None`` sends a placeholder (local servers ignore it) and the
    environment is never read here.
    """

    def __init__(self, base_url: str, api_key: str | None = None, timeout_s: float = 120.0) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.base_url = base_url.rstrip("/")
        # What messages may show: a key in the URL must not reach results or logs.
        self.shown_url = redact_url(self.base_url)
        self.timeout_s = timeout_s
        timeout = httpx2.Timeout(timeout_s)
        limits = httpx2.Limits(max_connections=100, max_keepalive_connections=20)
        self._http = httpx2.Client(
            transport=_Transport(limits),
            timeout=timeout,
            follow_redirects=True,
            event_hooks={"request": [_on_request]},
        )
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key if api_key is not None else "not-needed",
            max_retries=0,
            timeout=timeout,
            http_client=self._http,
        )

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self._client.close()
        self._http.close()

    def __enter__(self) -> ChatEndpoint:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- models ----------------------------------------------------------------------------

    def list_models(self) -> list[str]:
        """Model ids from ``GET {base_url}/models``; ``EndpointError`` names URL and problem."""
        shown = f"{self.shown_url}/models"
        try:
            raw = self._client.models.with_raw_response.list()
            response = raw.http_response
            body = response.content
        except openai.APIStatusError as exc:
            raise EndpointError(
                f"GET {shown}: {_http_error(exc.status_code, exc.response.text)}"
            ) from exc
        except (openai.APITimeoutError, httpx2.TimeoutException) as exc:
            raise EndpointError(f"GET {shown}: no answer within {self.timeout_s:g} s") from exc
        except (openai.APIConnectionError, httpx2.TransportError) as exc:
            raise EndpointError(f"cannot connect to {shown} ({_os_reason(exc)})") from exc
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise EndpointError(f"GET {shown}: the answer is not JSON: {_preview(body)!r}") from exc
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise EndpointError(f"GET {shown}: the answer has no 'data' list of models")
        ids: list[str] = []
        for item in items:
            model_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(model_id, str):
                raise EndpointError(f"GET {shown}: a model entry has no string 'id': {item!r:.80}")
            ids.append(model_id)
        return ids

    # -- the timed request -----------------------------------------------------------------

    def chat(
        self,
        model: str,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None,
        temperature: float | None,
        seed: int | None,
        stream: bool = True,
        cancel: threading.Event | None = None,
    ) -> Measurement:
        """Send one chat request and measure it. Never raises for a failed request."""
        m = Measurement(status="ok", started_at=utc_now())
        if cancel is not None and cancel.is_set():
            m.status, m.error = "cancelled", "cancelled before the request was sent"
            return m
        call = _CallState(cancel)
        previous = _current_call()
        _local.call = call
        fallback_t0 = time.perf_counter()
        try:
            self._request(call, m, model, messages, max_tokens, temperature, seed, stream)
        except _Cancelled:
            self._fail(m, call, fallback_t0, "cancelled", "cancelled before the answer started")
        except openai.APIStatusError as exc:
            m.http_status = exc.status_code
            m.responded = True
            self._fail(m, call, fallback_t0, "error", _http_error(exc.status_code, _text(exc)))
        except (openai.APITimeoutError, httpx2.TimeoutException) as exc:
            cause = exc.__cause__ if isinstance(exc, openai.APITimeoutError) else exc
            if isinstance(cause, httpx2.ConnectTimeout):
                m.connect_failed = True
                msg = f"cannot connect to {self.shown_url} (no answer within {self.timeout_s:g} s)"
            else:
                msg = f"no response from {self.shown_url} within {self.timeout_s:g} s"
            self._fail(m, call, fallback_t0, "timeout", msg)
        except (openai.APIConnectionError, httpx2.TransportError) as exc:
            cause = exc.__cause__ if isinstance(exc, openai.APIConnectionError) else exc
            if isinstance(cause, httpx2.ConnectError):
                m.connect_failed = True
                msg = f"cannot connect to {self.shown_url} ({_os_reason(exc)})"
            elif call.got_bytes:
                msg = f"malformed HTTP response from {self.shown_url}: {_os_reason(exc)}"
            else:
                msg = f"connection to {self.shown_url} closed before any response"
            self._fail(m, call, fallback_t0, "error", msg)
        except Exception as exc:  # a harness must record, not crash, whatever happens
            msg = _one_line(f"unexpected error: {type(exc).__name__}: {exc}", 300)
            self._fail(m, call, fallback_t0, "error", msg)
        finally:
            _local.call = previous
        return m

    @staticmethod
    def _fail(
        m: Measurement, call: _CallState, fallback_t0: float, status: SampleStatus, msg: str
    ) -> None:
        m.status = status
        m.error = msg
        m.responded = m.responded or call.got_bytes
        if m.responded:
            m.latency_s = time.perf_counter() - (call.t0 if call.t0 is not None else fallback_t0)

    def _request(
        self,
        call: _CallState,
        m: Measurement,
        model: str,
        messages: list[dict[str, str]],
        max_tokens: int | None,
        temperature: float | None,
        seed: int | None,
        stream: bool,
    ) -> None:
        ctx = self._client.chat.completions.with_streaming_response.create(
            model=model,
            messages=cast(Any, messages),
            stream=stream,
            stream_options={"include_usage": True} if stream else omit,
            max_tokens=max_tokens if max_tokens is not None else omit,
            temperature=temperature if temperature is not None else omit,
            seed=seed if seed is not None else omit,
        )
        with ctx as api_response:
            response = api_response.http_response
            m.responded = True
            m.http_status = response.status_code
            t0 = call.t0 if call.t0 is not None else time.perf_counter()
            content_type = response.headers.get("content-type", "")
            if stream and not content_type.startswith("application/json"):
                _read_stream(response, m, t0, call.cancel, self.timeout_s)
            else:  # asked not to stream, or a server that answered in one piece anyway
                _read_body(response, m, t0, self.timeout_s)


def _text(exc: openai.APIStatusError) -> str:
    try:
        return exc.response.text
    except Exception:  # the body could not be read: say so rather than fail
        return ""


_FLUSH = b"\n"  # appended to the body (by identity) to flush a last line without a newline


def _usage_tokens(m: Measurement, usage: Any) -> bool:
    """Take token counts from a ``usage`` object; False when it has none."""
    if not isinstance(usage, dict) or not isinstance(usage.get("completion_tokens"), int):
        return False
    m.completion_tokens = usage["completion_tokens"]
    prompt_tokens = usage.get("prompt_tokens")
    m.prompt_tokens = prompt_tokens if isinstance(prompt_tokens, int) else None
    m.tokens_source = "usage"
    return True


def _stream_error(err: Any, n_events: int) -> str:
    msg = err.get("message", err) if isinstance(err, dict) else err
    return (
        f"server error in stream after {n_events - 1} chunks: "
        f"{_one_line(str(msg), _ERROR_BODY_CHARS)}"
    )


def _read_stream(
    response: httpx2.Response,
    m: Measurement,
    t0: float,
    cancel: threading.Event | None,
    timeout_s: float,
) -> None:
    """Read an SSE answer to the end (or to the fault), filling ``m`` as it goes.

    The hot loop is written out flat (no per-line function call): it runs once per token.
    """
    perf_counter = time.perf_counter
    loads = json.loads
    parts: list[str] = []
    itl = m.itl_s
    pending: list[bytes] = []
    n_events = 0
    n_content = 0
    last_at = 0.0
    first_at: float | None = None
    done_at: float | None = None
    finish: Any = None
    usage: Any = None
    error: tuple[SampleStatus, str] | None = None
    now = perf_counter()  # an empty body ends when its headers came
    try:
        for data in chain(response.iter_bytes(), (_FLUSH,)):
            if data is not _FLUSH:
                now = perf_counter()  # arrival time of every event in this read
                if cancel is not None and cancel.is_set():
                    raise _Cancelled
            if b"\n" not in data:
                pending.append(data)
                continue
            if pending:
                pending.append(data)
                data = b"".join(pending)
                pending = []
            lines = data.split(b"\n")
            tail = lines.pop()
            if tail:
                pending.append(tail)
            for line in lines:
                if not line.startswith(b"data:"):
                    continue  # blank line, comment, event:/id:/retry: fields
                payload = line[5:].strip()
                if payload == b"[DONE]":
                    done_at = now
                    continue
                n_events += 1
                try:
                    obj = loads(payload.decode("utf-8"))
                    choices = obj.get("choices")
                    if choices:
                        choice = choices[0]
                        delta = choice.get("delta")
                        if delta:
                            content = delta.get("content")
                            if content:
                                if not isinstance(content, str):
                                    raise TypeError("content is not a string")
                                parts.append(content)
                                n_content += 1
                                if first_at is None:
                                    first_at = now
                                else:
                                    itl.append(now - last_at)
                                last_at = now
                        reason = choice.get("finish_reason")
                        if reason:
                            finish = reason
                    chunk_usage = obj.get("usage")
                    if chunk_usage:
                        usage = chunk_usage
                    elif obj.get("error"):
                        raise _StreamFault(_stream_error(obj["error"], n_events))
                except UnicodeDecodeError as exc:
                    raise _StreamFault(
                        f"invalid UTF-8 in stream chunk {n_events} "
                        f"({exc.reason} at byte {exc.start}): {_preview(payload)!r}"
                    ) from exc
                except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
                    raise _StreamFault(f"malformed stream chunk: {_preview(payload)}") from exc
        # End of body: `now` is the arrival of its last bytes.
        if done_at is None and finish is None:
            error = (
                "error",
                f"stream ended after {n_events} chunks without finish_reason or [DONE]",
            )
    except _StreamFault as exc:
        now = perf_counter()
        error = ("error", str(exc))
    except _Cancelled:
        now = perf_counter()
        error = ("cancelled", f"cancelled after {n_events} chunks")
    except httpx2.TimeoutException:
        if done_at is None:
            now = perf_counter()
            error = ("timeout", f"no data for {timeout_s:g} s after {n_events} chunks")
        else:  # everything arrived; only the end of the body did not
            now = done_at
    except (httpx2.TransportError, httpx2.DecodingError) as exc:
        if done_at is None:
            now = perf_counter()
            error = ("error", f"stream dropped after {n_events} chunks: {_os_reason(exc)}")
        else:
            now = done_at

    m.latency_s = now - t0
    if first_at is not None:
        m.ttft_s = first_at - t0
    m.finish_reason = str(finish) if finish else None
    m.response = "".join(parts)
    parts.clear()
    if not _usage_tokens(m, usage):
        m.completion_tokens = n_content
        m.tokens_source = "estimated"
    if error is not None:
        m.status, m.error = error


def _read_body(response: httpx2.Response, m: Measurement, t0: float, timeout_s: float) -> None:
    """Read a non-streamed answer: latency to the end of the body, tokens from ``usage``."""
    parts: list[bytes] = []
    received = 0
    end = time.perf_counter()
    try:
        for data in response.iter_bytes():
            end = time.perf_counter()
            parts.append(data)
            received += len(data)
    except _Cancelled:
        m.latency_s = time.perf_counter() - t0
        m.status, m.error = "cancelled", f"cancelled after {received} bytes of the answer"
        return
    except httpx2.TimeoutException:
        m.latency_s = time.perf_counter() - t0
        m.status, m.error = "timeout", f"no data for {timeout_s:g} s after {received} bytes"
        return
    except (httpx2.TransportError, httpx2.DecodingError) as exc:
        m.latency_s = time.perf_counter() - t0
        m.status = "error"
        m.error = f"answer dropped after {received} bytes: {_os_reason(exc)}"
        return
    m.latency_s = end - t0
    body = b"".join(parts)
    parts.clear()
    try:
        obj = json.loads(body.decode("utf-8"))
        choice = obj["choices"][0]
        content = (choice.get("message") or {}).get("content") or ""
        if not isinstance(content, str):
            raise TypeError("content is not a string")
        reason = choice.get("finish_reason")
        usage = obj.get("usage")
    except UnicodeDecodeError as exc:
        m.status = "error"
        m.error = f"invalid UTF-8 in the answer ({exc.reason} at byte {exc.start})"
        return
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):
        m.status, m.error = "error", f"malformed answer: {_preview(body)}"
        return
    m.response = content
    m.finish_reason = str(reason) if reason else None
    _usage_tokens(m, usage)
