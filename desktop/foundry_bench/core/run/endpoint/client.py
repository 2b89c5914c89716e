"""One timed chat request against any OpenAI-compatible endpoint.

The request goes through the ``openai`` client (3.x, on ``httpx2``) with its retries turned
off; the timings follow ``docs/design.md`` ("Metric definitions"):

- t0 is taken as the request's first bytes are written to the socket (``transport``), not
  while the ``openai`` client validates and builds it (the ``httpx2`` request hook's stamp
  stands in should nothing be written).
- A stream is read as raw bytes, split into SSE lines here and parsed with one ``json.loads``
  per ``data:`` line, bar the plain answer chunks of a learned shape (``sse.template``). Each
  event is time-stamped as the reader reaches it, the first of a read as the read returns.
  (The parsed ``openai`` stream costs ~9x more per chunk, and ``httpx2``'s
  ``iter_lines`` would silently replace invalid UTF-8 and split a JSON chunk at a raw U+2028,
  so neither is used.)
- TTFT = t0 -> the read that brought the first output chunk (thinking or answer), TTFA = t0
  -> the first answer text; latency = t0 -> end of the body; ``itl_s`` = gaps between
  successive output chunks.

Timeouts and cancellation live one level down, in the socket reads: the ``httpx2`` transport is
given an ``httpcore2`` network backend whose streams read in short slices (``POLL_INTERVAL_S``)
while a request with a cancel event is in flight on that thread. Between slices the read checks
the event (and raises ``Cancelled``, which unwinds ``httpcore2``/``httpx2``/``openai`` and
discards the connection) and the overall read deadline (no byte for ``timeout_s`` ->
``ReadTimeout``). So a stalled stream, or a server that never sends headers, is cancelled within
``POLL_INTERVAL_S`` without a second thread touching the socket, and the fast path costs nothing
more than the plain read (one ``settimeout`` + ``recv`` per network read, as before).
"""

from __future__ import annotations

import json
import threading
import time
from types import TracebackType
from typing import Any, cast

import httpx2
import openai
from openai import omit

from foundry_bench.core.redaction import (
    redact_url,
    remember_secret,
    remember_url_secrets,
    split_query,
)
from foundry_bench.core.results.records import Measurement, SampleStatus, utc_now
from foundry_bench.core.run.endpoint.messages import (
    http_error,
    one_line,
    os_reason,
    preview,
    server_text,
)
from foundry_bench.core.run.endpoint.sse import Limits, read_body, read_stream
from foundry_bench.core.run.endpoint.transport import (
    CallState,
    Cancelled,
    DeadlinePassed,
    Transport,
    on_request,
    set_current_call,
)


class EndpointError(Exception):
    """An endpoint operation other than a timed request failed (the message says which URL)."""


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
        # A query (``?api-key=...``) goes with every request, not inside the joined path.
        base, query = split_query(base_url)
        self.base_url = base.rstrip("/")
        # What messages may show: a key in the URL must not reach results or logs.
        self.shown_url = redact_url(self.base_url)
        remember_url_secrets(base_url)
        remember_secret(api_key)
        self.timeout_s = timeout_s
        timeout = httpx2.Timeout(timeout_s)
        limits = httpx2.Limits(max_connections=100, max_keepalive_connections=20)
        self._http = httpx2.Client(
            transport=Transport(limits),
            timeout=timeout,
            follow_redirects=True,
            event_hooks={"request": [on_request]},
        )
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key if api_key is not None else "not-needed",
            default_query=query or None,
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
                f"GET {shown}: {http_error(exc.status_code, exc.response.text)}"
            ) from exc
        except (openai.APITimeoutError, httpx2.TimeoutException) as exc:
            raise EndpointError(f"GET {shown}: no answer within {self.timeout_s:g} s") from exc
        except (openai.APIConnectionError, httpx2.TransportError) as exc:
            raise EndpointError(f"cannot connect to {shown} ({os_reason(exc)})") from exc
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise EndpointError(f"GET {shown}: the answer is not JSON: {preview(body)!r}") from exc
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise EndpointError(f"GET {shown}: the answer has no 'data' list of models")
        ids: list[str] = []
        for item in items:
            model_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(model_id, str):
                raise EndpointError(f"GET {shown}: a model entry has no string 'id': {item!r:.80}")
            ids.append(server_text(model_id))
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
        deadline_s: float | None = None,
    ) -> Measurement:
        """Send one chat request and measure it. Never raises for a failed request.

        ``deadline_s`` bounds the whole request (status ``timeout`` past it), whether or not
        bytes keep coming; a streamed answer that runs far past ``max_tokens`` is stopped
        (status ``error``, see :class:`~.sse.Limits`).
        """
        m = Measurement(status="ok", started_at=utc_now())
        if cancel is not None and cancel.is_set():
            m.status, m.error = "cancelled", "cancelled before the request was sent"
            return m
        if deadline_s is not None and not deadline_s > 0:
            raise ValueError("deadline_s must be positive")
        deadline = None if deadline_s is None else time.monotonic() + deadline_s
        call = CallState(cancel, deadline)
        previous = set_current_call(call)
        fallback_t0 = time.perf_counter()
        limits = Limits(self.timeout_s, deadline_s, max_tokens)
        try:
            self._request(call, m, model, messages, max_tokens, temperature, seed, stream, limits)
        except Cancelled:
            self._fail(m, call, fallback_t0, "cancelled", "cancelled before the answer started")
        except DeadlinePassed:
            self._fail(m, call, fallback_t0, "timeout", limits.deadline_message("the answer"))
        except openai.APIStatusError as exc:
            m.http_status = exc.status_code
            m.responded = True
            self._fail(m, call, fallback_t0, "error", http_error(exc.status_code, _text(exc)))
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
                msg = f"cannot connect to {self.shown_url} ({os_reason(exc)})"
            elif call.got_bytes:
                msg = f"malformed HTTP response from {self.shown_url}: {os_reason(exc)}"
            else:
                msg = f"connection to {self.shown_url} closed before any response"
            self._fail(m, call, fallback_t0, "error", msg)
        except Exception as exc:  # a harness must record, not crash, whatever happens
            msg = one_line(f"unexpected error: {type(exc).__name__}: {exc}", 300)
            self._fail(m, call, fallback_t0, "error", msg)
        finally:
            set_current_call(previous)
        return m

    @staticmethod
    def _fail(
        m: Measurement, call: CallState, fallback_t0: float, status: SampleStatus, msg: str
    ) -> None:
        m.status = status
        m.error = msg
        m.responded = m.responded or call.got_bytes
        if m.responded:
            m.latency_s = time.perf_counter() - (call.t0 if call.t0 is not None else fallback_t0)

    def _request(
        self,
        call: CallState,
        m: Measurement,
        model: str,
        messages: list[dict[str, str]],
        max_tokens: int | None,
        temperature: float | None,
        seed: int | None,
        stream: bool,
        limits: Limits,
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
                read_stream(response, m, t0, call.cancel, limits)
            else:  # asked not to stream, or a server that answered in one piece anyway
                read_body(response, m, t0, limits)


def _text(exc: openai.APIStatusError) -> str:
    try:
        return exc.response.text
    except Exception:  # the body could not be read: say so rather than fail
        return ""
