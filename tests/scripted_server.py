"""A scripted OpenAI-compatible HTTP server for tests and benchmarks (standard library only,
plus the polling helper of `tests/waiting.py`).

Each model name maps to a ``Scenario``: when the first content token comes, the gap between
tokens, how many there are, which optional chunks are sent, and an optional fault. One server
can host a well-behaved model and faulty ones at once::

    with ScriptedServer({"good": Scenario(ttft_s=0.02, gap_s=0.005, tokens=50)}) as srv:
        ... ChatEndpoint(srv.base_url).chat("good", ...)
        rec = srv.last_request()          # server-side truth of that request

Server-side truth is recorded per request with ``time.perf_counter`` (the same clock the client
uses, in the same process): when the request line arrived, when the headers, every content
chunk and the last byte were written (each "written" = ``sendall`` returned, i.e. the bytes are
in the kernel and readable by the client). Delays are met by sleeping until ~1 ms before the
deadline and spinning (``time.sleep(0)``, which lets the client thread run) for the rest.

A reasoning scenario (``reasoning=N``) streams N thinking chunks (``delta.reasoning_content``,
``delta.reasoning``, or ``<think>...</think>`` inside content) and then its answer chunks, in one
rhythm; the record keeps when the first of each was written (``ttft_s``, ``ttfa_s``).

Serves ``POST /v1/chat/completions`` (streaming or not) and ``GET /v1/models``. The context
manager stops everything on exit: it wakes stalled handlers, shuts down open connections and
joins every thread it started (and raises if one would not stop). A request handler that
raises fails the test too: the server keeps the exception and ``stop`` raises ``HandlerError``
from it (socketserver alone would only print it, and the test would pass).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import select
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any

from waiting import wait_until

__all__ = ["FAULTS", "PRESETS", "HandlerError", "RequestRecord", "Scenario", "ScriptedServer"]

FAULTS = (
    "drop",  # close the socket mid-stream (after `fault_after` content chunks)
    "stall",  # stop sending for `stall_s` mid-stream, then go on
    "garbage",  # a malformed SSE data line (truncated JSON) mid-stream
    "bad_utf8",  # a chunk with invalid UTF-8 bytes inside its JSON string
    "http500",
    "http404",
    "http429",  # status + JSON error body (or no body with `error_body=False`)
    "keepalive",  # after `fault_after` content chunks, only SSE comments, forever
    "http401_echo",  # 401 whose message echoes the Authorization header and the request path
)
# Where thinking is streamed: a delta field, or "think": <think>...</think> inside content.
REASONING_FIELDS = ("reasoning_content", "reasoning", "think")
REASONING_USAGE = ("openai", "foundry", None)  # where usage counts reasoning tokens, if at all

_SPIN_S = 0.001  # spin (instead of sleeping) for the last millisecond before a deadline
_BLOCK_BYTES = 64 * 1024  # batch size when streaming "as fast as possible"
_WATCH_S = 0.02  # long waits look this often whether the client has gone


@dataclass(frozen=True)
class Scenario:
    """What the server does for one model name."""

    ttft_s: float = 0.0  # request received -> first content chunk written
    gap_s: float = 0.0  # between successive content chunks; 0 = as fast as possible
    tokens: int = 5  # content chunks (capped by the request's max_tokens)
    token_text: str = "tok "  # content of each chunk (chunk i gets f"{i}{token_text}" if numbered)
    numbered: bool = True
    role_chunk: bool = True  # a first chunk with delta {"role": "assistant", "content": ""}
    usage: bool = True  # usage chunk (only when the request asks with include_usage)
    finish_chunk: bool = True
    done: bool = True  # `data: [DONE]`; False = close-delimited body, closed after the last chunk
    prompt_tokens: int = 11
    headers_delay_s: float = 0.0  # request received -> headers (+ role chunk) written
    fault: str | None = None  # one of FAULTS
    fault_after: int = 3  # content chunks sent before the fault
    stall_s: float = 2.0
    error_body: bool = True  # http faults: JSON body or empty body
    raw_utf8: bool = False  # content as raw UTF-8 in the JSON, not ASCII escapes
    split_writes: bool = False  # each content event in two writes, 2 ms apart (gap_s > 0)
    runaway: bool = False  # ignore the request's max_tokens: send all `tokens`
    # Raw SSE `data:` payloads sent as they are, each in its own HTTP chunk, after the role
    # chunk and before the tokens (hostile-input tests: any bytes, any JSON).
    events: tuple[bytes, ...] = ()
    # A reasoning model: `reasoning` thinking chunks, then the answer's `tokens` chunks, all
    # in one rhythm (chunk k of both at ttft_s + k * gap_s); max_tokens caps them together.
    reasoning: int = 0
    reasoning_field: str = "reasoning_content"  # one of REASONING_FIELDS
    reasoning_usage: str | None = "openai"  # one of REASONING_USAGE
    garbage_line: bytes = b'data: {"choices": [{"delta": {"content": "oo\n\n'  # fault "garbage"
    # Prompt-size aware: the prompt counts one token per whitespace-separated word of its
    # messages plus `prompt_tokens` (the chat template), the first token comes
    # `prefill_s_per_token` later per prompt token, and a prompt over `context_tokens` gets
    # HTTP 400 (an advertised context the server does not really accept).
    count_prompt: bool = False
    prefill_s_per_token: float = 0.0
    context_tokens: int | None = None
    # One request at a time per model (a runtime with no batching): the others queue, so
    # their TTFT includes the wait, and throughput does not grow with requests in flight.
    serial: bool = False

    def __post_init__(self) -> None:
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; expected one of {FAULTS}")
        if self.reasoning_field not in REASONING_FIELDS:
            raise ValueError(f"unknown reasoning field {self.reasoning_field!r}")
        if self.reasoning_usage not in REASONING_USAGE:
            raise ValueError(f"unknown reasoning usage {self.reasoning_usage!r}")

    def text(self, i: int) -> str:
        return f"{i}{self.token_text}" if self.numbered else self.token_text

    def thought(self, i: int) -> str:
        """The text of reasoning chunk ``i`` (without any <think> tag)."""
        return f"r{i} "


PRESETS: dict[str, Scenario] = {
    "good": Scenario(ttft_s=0.02, gap_s=0.002, tokens=20),
    "drop": Scenario(tokens=10, gap_s=0.001, fault="drop", fault_after=4),
    "stall": Scenario(tokens=10, gap_s=0.001, fault="stall", fault_after=3, stall_s=3.0),
    "garbage": Scenario(tokens=10, fault="garbage", fault_after=2),
    "bad_utf8": Scenario(tokens=10, fault="bad_utf8", fault_after=2),
    "http500": Scenario(fault="http500"),
    "http500_nobody": Scenario(fault="http500", error_body=False),
    "http404": Scenario(fault="http404"),
    "http404_nobody": Scenario(fault="http404", error_body=False),
    "http429": Scenario(fault="http429"),
    "http429_nobody": Scenario(fault="http429", error_body=False),
    "huge": Scenario(tokens=10_000, token_text="x" * 1000, numbered=False),  # 10 MB answer
    "no_done": Scenario(tokens=8, done=False),
    "no_usage": Scenario(tokens=8, usage=False),
    "fast": Scenario(tokens=20_000, token_text="t", numbered=False),
}


@dataclass
class RequestRecord:
    """Server-side truth about one request (``time.perf_counter`` values)."""

    method: str
    path: str
    received_at: float  # the request line was read
    model: str | None = None
    body: dict[str, Any] | None = None
    stream: bool = False
    status: int | None = None
    headers_at: float | None = None
    first_content_at: float | None = None  # the first output chunk, thinking or answer
    first_answer_at: float | None = None  # the first answer chunk (after any thinking)
    last_byte_at: float | None = None
    # Per output chunk (thinking and answer), when written; empty in batch mode.
    content_times: list[float] = field(default_factory=list)
    content_sent: int = 0  # answer chunks
    reasoning_sent: int = 0  # thinking chunks
    text_len: int = 0  # characters of content sent
    usage_sent: bool = False
    client_gone: bool = False  # a write failed: the client closed the connection
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def ttft_s(self) -> float | None:
        """True TTFT as the server sees it: request received -> first content chunk written."""
        if self.first_content_at is None:
            return None
        return self.first_content_at - self.received_at

    @property
    def ttfa_s(self) -> float | None:
        """True time to the first answer chunk: request received -> its write."""
        if self.first_answer_at is None:
            return None
        return self.first_answer_at - self.received_at

    @property
    def gaps_s(self) -> list[float]:
        """True gaps between successive content chunks (streaming with gap_s > 0)."""
        return [b - a for a, b in itertools.pairwise(self.content_times)]

    @property
    def latency_s(self) -> float | None:
        """True end-to-end latency: request received -> last byte written."""
        if self.last_byte_at is None:
            return None
        return self.last_byte_at - self.received_at


class HandlerError(RuntimeError):
    """A request handler of the scripted server raised; ``__cause__`` is the first error."""


_no_lock = contextlib.nullcontext


class _ClientGone(Exception):
    pass


class _Stopping(Exception):
    pass


def _shutdown(sock: socket.socket, how: int) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(how)


def _prompt_tokens(sc: Scenario, body: Mapping[str, Any]) -> int:
    if not sc.count_prompt:
        return sc.prompt_tokens
    messages = body.get("messages")
    words = 0
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        words += len(content.split()) if isinstance(content, str) else 0
    return words + sc.prompt_tokens


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _event(obj: Mapping[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


@dataclass(frozen=True)
class _Output:
    """How many chunks one answer gets: thinking first, then the answer proper."""

    reasoning: int
    answer: int

    @property
    def total(self) -> int:
        return self.reasoning + self.answer


def _usage(sc: Scenario, out: _Output) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": sc.prompt_tokens,
        "completion_tokens": out.total,  # OpenAI's convention: thinking included
        "total_tokens": sc.prompt_tokens + out.total,
    }
    if sc.reasoning and sc.reasoning_usage == "openai":
        usage["completion_tokens_details"] = {"reasoning_tokens": out.reasoning}
    elif sc.reasoning and sc.reasoning_usage == "foundry":
        usage["reasoning_tokens"] = out.reasoning
    return usage


def _thinking_text(sc: Scenario, i: int, n: int) -> str:
    """Thinking chunk ``i`` of ``n`` as the answer's content carries it in "think" mode."""
    text = sc.thought(i)
    if i == 0:
        text = "<think>" + text
    if i == n - 1:
        text += "</think>"
    return text


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    record: RequestRecord | None = None
    _received_at: float = 0.0

    # -- plumbing --------------------------------------------------------------------------

    def parse_request(self) -> bool:
        # Called right after the request line was read: the closest "request arrived" stamp.
        self._received_at = time.perf_counter()
        return super().parse_request()

    def setup(self) -> None:
        super().setup()
        # Like real servers: no Nagle delay for small SSE writes.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _write(self, data: bytes) -> float:
        """Write and return the moment the bytes were handed to the kernel."""
        try:
            self.wfile.write(data)
        except OSError as exc:
            raise _ClientGone from exc
        return time.perf_counter()

    def _sleep_until(self, deadline: float) -> None:
        """Wait precisely; long waits also end when the client leaves or the server stops."""
        stop = self.server.owner._stop
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return
            if stop.is_set():
                raise _Stopping
            if left > _SPIN_S + _WATCH_S:
                readable, _, _ = select.select([self.connection], [], [], _WATCH_S)
                if readable and self._client_left():
                    raise _ClientGone
            elif left > _SPIN_S:
                if stop.wait(left - _SPIN_S):
                    raise _Stopping
            else:
                time.sleep(0)

    def _client_left(self) -> bool:
        try:
            if self.connection.recv(1, socket.MSG_PEEK) == b"":
                return True
        except OSError:
            return True
        # Readable but not closed (the client sent more): do not spin on it.
        time.sleep(_WATCH_S)
        return False

    def _head(self, status: int, reason: str, headers: dict[str, str], body: bytes = b"") -> float:
        lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
        return self._write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def _new_record(self) -> RequestRecord:
        rec = RequestRecord(method=self.command, path=self.path, received_at=self._received_at)
        self.server.owner._add(rec)
        self.record = rec
        return rec

    def _json_reply(self, rec: RequestRecord, status: int, reason: str, payload: bytes) -> None:
        rec.status = status
        headers = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        if status == 429:
            headers["Retry-After"] = "1"
        rec.headers_at = rec.last_byte_at = self._head(status, reason, headers, payload)

    # -- routes ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        rec = self._new_record()
        try:
            if self.path.split("?", 1)[0].rstrip("/") == "/v1/models":
                override = self.server.owner.models_response
                if override is not None:
                    status, body = override
                    self._json_reply(rec, status, "Scripted", body)
                else:
                    data = [
                        {"id": name, "object": "model", "created": 0, "owned_by": "scripted"}
                        for name in self.server.owner.models
                    ]
                    body = json.dumps({"object": "list", "data": data}).encode()
                    self._json_reply(rec, 200, "OK", body)
            else:
                self._json_reply(rec, 404, "Not Found", b'{"error":{"message":"no such route"}}')
        except (_ClientGone, _Stopping):
            rec.client_gone = True
            self.close_connection = True
        finally:
            rec.finished.set()

    def do_POST(self) -> None:
        rec = self._new_record()
        try:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                self._json_reply(rec, 400, "Bad Request", b'{"error":{"message":"bad JSON"}}')
                return
            rec.body = body
            rec.model = model = str(body.get("model"))
            rec.stream = bool(body.get("stream"))
            if self.path.split("?", 1)[0].rstrip("/") != "/v1/chat/completions":
                self._json_reply(rec, 404, "Not Found", b'{"error":{"message":"no such route"}}')
                return
            scenario = self.server.owner.models.get(model)
            if scenario is None:
                msg = json.dumps({"error": {"message": f"model {model!r} not found"}}).encode()
                self._json_reply(rec, 404, "Not Found", msg)
                return
            if scenario.fault == "http401_echo":
                echoed = (
                    f"bad key: Authorization: {self.headers.get('Authorization')} at {self.path}"
                )
                msg = json.dumps({"error": {"message": echoed, "type": "auth"}}).encode()
                self._json_reply(rec, 401, "Unauthorized", msg)
                return
            prompt_tokens = _prompt_tokens(scenario, body)
            if scenario.context_tokens is not None and prompt_tokens > scenario.context_tokens:
                msg = json.dumps(
                    {
                        "error": {
                            "message": f"prompt of {prompt_tokens} tokens is longer than the "
                            f"context of {scenario.context_tokens}",
                            "type": "invalid_request_error",
                        }
                    }
                ).encode()
                self._json_reply(rec, 400, "Bad Request", msg)
                return
            scenario = replace(
                scenario,
                prompt_tokens=prompt_tokens,
                ttft_s=scenario.ttft_s + scenario.prefill_s_per_token * prompt_tokens,
            )
            if scenario.fault in ("http500", "http404", "http429"):
                status = int(scenario.fault[4:])
                reason = {500: "Internal Server Error", 404: "Not Found", 429: "Too Many Requests"}
                payload = (
                    json.dumps(
                        {"error": {"message": f"scripted {status}", "type": "scripted_error"}}
                    ).encode()
                    if scenario.error_body
                    else b""
                )
                self._sleep_until(rec.received_at + scenario.headers_delay_s)
                self._json_reply(rec, status, reason[status], payload)
                return
            max_tokens = body.get("max_tokens")
            wanted = scenario.reasoning + scenario.tokens
            cap = wanted if max_tokens is None or scenario.runaway else int(max_tokens)
            n_out = min(wanted, cap)
            out = _Output(min(scenario.reasoning, n_out), n_out - min(scenario.reasoning, n_out))
            finish = "length" if n_out < wanted else "stop"
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            with self.server.owner._serial_lock(model) if scenario.serial else _no_lock():
                if scenario.serial:
                    # Served from now: the time spent queued is before the first token.
                    queued = time.perf_counter() - rec.received_at
                    scenario = replace(scenario, ttft_s=scenario.ttft_s + queued)
                if rec.stream:
                    self._stream(rec, scenario, model, out, finish, include_usage)
                else:
                    self._whole(rec, scenario, model, out, finish)
        except (_ClientGone, _Stopping):
            rec.client_gone = True
            self.close_connection = True
        finally:
            rec.finished.set()

    # -- answers ---------------------------------------------------------------------------

    def _stream(
        self,
        rec: RequestRecord,
        sc: Scenario,
        model: str,
        out: _Output,
        finish: str,
        include_usage: bool,
    ) -> None:
        chunked = sc.done  # a server that never sends [DONE] here ends the body by closing
        wrap = _chunk if chunked else (lambda b: b)
        base = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "model": model}
        usage_null = {"usage": None} if include_usage else {}

        def delta_event(delta: dict[str, Any], reason: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "finish_reason": reason}
            return wrap(_event({**base, "choices": [choice], **usage_null}))

        # Content events are built from a template (cheap: the server must outpace clients).
        marker = {"index": 0, "delta": {"content": "\x00"}, "finish_reason": None}
        pre, _, post = _event({**base, "choices": [marker], **usage_null}).partition(b'"\\u0000"')
        cache: dict[str, bytes] = {}

        def content_event(text: str) -> bytes:
            ev = cache.get(text)
            if ev is None:
                ev = wrap(pre + json.dumps(text, ensure_ascii=not sc.raw_utf8).encode() + post)
                if not sc.numbered:
                    cache[text] = ev
            return ev

        def output_event(k: int) -> bytes:
            """Output chunk ``k``: thinking while k < out.reasoning, then the answer."""
            if k >= out.reasoning:
                return content_event(sc.text(k - out.reasoning))
            if sc.reasoning_field == "think":
                return delta_event({"content": _thinking_text(sc, k, out.reasoning)})
            return delta_event({sc.reasoning_field: sc.thought(k)})

        rec.status = 200
        headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        else:
            headers["Connection"] = "close"
            self.close_connection = True
        self._sleep_until(rec.received_at + sc.headers_delay_s)
        head = ["HTTP/1.1 200 OK"] + [f"{k}: {v}" for k, v in headers.items()]
        head_bytes = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if sc.role_chunk:
            head_bytes += delta_event({"role": "assistant", "content": ""})
        rec.headers_at = self._write(head_bytes)
        for raw in sc.events:
            self._write(wrap(b"data: " + raw + b"\n\n"))

        start = rec.received_at + sc.ttft_s
        batch = sc.gap_s <= 0
        pending: list[bytes] = []
        pending_len = 0
        for k in range(out.total):
            i = k - out.reasoning  # index of the answer chunk (negative while thinking)
            if i == sc.fault_after and sc.fault in (
                "drop",
                "stall",
                "garbage",
                "bad_utf8",
                "keepalive",
            ):
                if pending:
                    self._flush_batch(rec, pending)
                    pending, pending_len = [], 0
                if sc.fault == "drop":
                    rec.last_byte_at = time.perf_counter()
                    self.close_connection = True
                    _shutdown(self.connection, socket.SHUT_RDWR)
                    return
                if sc.fault == "keepalive":
                    while True:  # ends when the client leaves or the server stops
                        self._write(wrap(b": keep-alive\n\n"))
                        self._sleep_until(time.perf_counter() + 0.05)
                if sc.fault == "stall":
                    self._sleep_until(time.perf_counter() + sc.stall_s)
                    start += sc.stall_s  # the rest keeps its rhythm after the stall
                elif sc.fault == "garbage":
                    self._write(wrap(sc.garbage_line))
                elif sc.fault == "bad_utf8":
                    bad = b'data: {"choices":[{"index":0,"delta":{"content":"bad \xff\xfe"}}]}\n\n'
                    self._write(wrap(bad))
            ev = output_event(k)
            if i >= 0:
                rec.text_len += len(sc.text(i))
            if batch:
                if k == 0:
                    self._sleep_until(start)
                pending.append(ev)
                pending_len += len(ev)
                self._count(rec, i)
                if pending_len >= _BLOCK_BYTES or k == 0 or i == 0:
                    self._flush_batch(rec, pending, answer=i >= 0)
                    pending, pending_len = [], 0
            else:
                self._sleep_until(start + k * sc.gap_s)
                if sc.split_writes:
                    self._write(ev[: len(ev) // 2])
                    self._sleep_until(time.perf_counter() + 0.002)
                    ev = ev[len(ev) // 2 :]
                at = self._write(ev)
                rec.content_times.append(at)
                self._count(rec, i)
                if rec.first_content_at is None:
                    rec.first_content_at = at
                if i == 0:
                    rec.first_answer_at = at
        tail = b"".join(pending)
        if sc.finish_chunk:
            tail += delta_event({}, finish)
        if include_usage and sc.usage:
            tail += wrap(_event({**base, "choices": [], "usage": _usage(sc, out)}))
            rec.usage_sent = True
        if sc.done:
            tail += wrap(b"data: [DONE]\n\n")
        if chunked:
            tail += b"0\r\n\r\n"
        if tail:
            at = self._write(tail)
            if pending and rec.first_content_at is None:
                rec.first_content_at = at
            rec.last_byte_at = at
        else:
            rec.last_byte_at = time.perf_counter()
        if not chunked:
            _shutdown(self.connection, socket.SHUT_WR)

    @staticmethod
    def _count(rec: RequestRecord, i: int) -> None:
        if i >= 0:
            rec.content_sent += 1
        else:
            rec.reasoning_sent += 1

    def _flush_batch(self, rec: RequestRecord, pending: list[bytes], answer: bool = False) -> None:
        at = self._write(b"".join(pending))
        if rec.first_content_at is None:
            rec.first_content_at = at
        if answer and rec.first_answer_at is None:
            rec.first_answer_at = at

    def _whole(
        self, rec: RequestRecord, sc: Scenario, model: str, out: _Output, finish: str
    ) -> None:
        text = "".join(sc.text(i) for i in range(out.answer))
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if out.reasoning:
            thinking = "".join(sc.thought(i) for i in range(out.reasoning))
            if sc.reasoning_field == "think":
                message["content"] = f"<think>{thinking}</think>{text}"
            else:
                message[sc.reasoning_field] = thinking
        # The whole answer is ready when the last token would have been generated.
        self._sleep_until(rec.received_at + sc.ttft_s + max(out.total - 1, 0) * sc.gap_s)
        if sc.fault == "stall":
            self._sleep_until(time.perf_counter() + sc.stall_s)
        answer: dict[str, Any] = {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        }
        if sc.usage:
            answer["usage"] = _usage(sc, out)
        payload = json.dumps(answer).encode()
        if sc.fault == "garbage":
            payload = payload[: len(payload) // 2]
        elif sc.fault == "bad_utf8":
            payload = payload.replace(b'"content":"', b'"content":"\xff\xfe', 1)
        rec.status = 200
        rec.text_len = len(text)
        headers = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        rec.headers_at = self._head(200, "OK", headers)
        if sc.fault == "drop":
            self._write(payload[: len(payload) // 2])
            rec.last_byte_at = time.perf_counter()
            self.close_connection = True
            _shutdown(self.connection, socket.SHUT_RDWR)
            return
        rec.last_byte_at = self._write(payload)
        rec.first_content_at = rec.first_answer_at = rec.last_byte_at
        rec.content_sent, rec.reasoning_sent = out.answer, out.reasoning


class _Server(ThreadingMixIn, HTTPServer):
    daemon_threads = True
    block_on_close = False  # the owner joins its own list of threads, with a time limit
    allow_reuse_address = True
    owner: ScriptedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Called in the handler's thread, inside the except clause that caught the error. A
        # reset connection is a client that went away (a test may kill it); anything else is
        # a bug of the handler or of the test's request.
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, ConnectionError):
            self.owner._handler_failed(exc)

    def process_request(self, request: Any, client_address: Any) -> None:
        t = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="scripted-server-conn",
            daemon=True,
        )
        self.owner._threads.append(t)
        t.start()


class ScriptedServer:
    """The scripted server on ``127.0.0.1`` (a free port); use it as a context manager."""

    def __init__(self, models: Mapping[str, Scenario] | None = None) -> None:
        self.models: dict[str, Scenario] = dict(PRESETS if models is None else models)
        self.models_response: tuple[int, bytes] | None = None  # override GET /v1/models
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []  # raised by request handlers
        self._stop = threading.Event()
        self._serial: dict[str, threading.Lock] = {}
        self._httpd: _Server | None = None
        self._serve_thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> ScriptedServer:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._serve_thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="scripted-server"
        )
        self._serve_thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._httpd is None:
            return
        self._stop.set()
        self._httpd.shutdown()
        if self._serve_thread is not None:
            self._serve_thread.join(timeout)
        self._httpd.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            _shutdown(conn, socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        alive = []
        for t in self._threads:
            t.join(max(deadline - time.monotonic(), 0.0))
            if t.is_alive():
                alive.append(t)
        self._httpd = None
        self._raise_failures(alive)

    def _raise_failures(self, alive: list[threading.Thread]) -> None:
        """Fail the test that used the server: a handler raised, or a thread did not stop."""
        stuck = f"{len(alive)} handler thread(s) did not stop" if alive else ""
        with self._lock:
            errors, self._errors = self._errors, []
        if errors:
            raise HandlerError(
                f"scripted server: {len(errors)} request handler(s) raised"
                f"{'; ' + stuck if stuck else ''}; the first: {errors[0]!r}"
            ) from errors[0]
        if stuck:
            raise RuntimeError(f"scripted server: {stuck}")

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses and records -------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def add_model(self, name: str, scenario: Scenario) -> None:
        self.models[name] = scenario

    def scenario(self, name: str, **changes: Any) -> Scenario:
        """A copy of a registered scenario with some fields changed."""
        return replace(self.models[name], **changes)

    def last_request(self, timeout: float = 5.0) -> RequestRecord:
        """The most recent request, once its handler has finished with it."""
        deadline = time.monotonic() + timeout
        rec = wait_until(self._latest, timeout_s=timeout, interval_s=0.005, what="a request")
        if not rec.finished.wait(max(deadline - time.monotonic(), 0.0)):
            raise TimeoutError("the last request's handler did not finish")
        return rec

    def _latest(self) -> RequestRecord | None:
        with self._lock:
            return self.requests[-1] if self.requests else None

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def _serial_lock(self, model: str) -> threading.Lock:
        with self._lock:
            return self._serial.setdefault(model, threading.Lock())

    def _handler_failed(self, exc: BaseException) -> None:
        with self._lock:
            self._errors.append(exc)

    def _add(self, rec: RequestRecord) -> None:
        with self._lock:
            self.requests.append(rec)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)
