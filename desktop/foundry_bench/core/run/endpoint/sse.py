"""Reading an answer: the SSE stream line by line, or a whole JSON body, into a Measurement.

Each event is time-stamped as the reader reaches it, the first of a read as the read returns.
A stream is split into SSE lines here and parsed with one ``json.loads`` per
``data:`` line (the parsed ``openai`` stream costs ~9x more per chunk, and ``httpx2``'s
``iter_lines`` would silently replace invalid UTF-8 and split a JSON chunk at a raw U+2028).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from itertools import chain
from typing import Any

import httpx2

from foundry_bench.core.results.records import Measurement, SampleStatus
from foundry_bench.core.run.endpoint.messages import (
    ERROR_BODY_CHARS,
    one_line,
    os_reason,
    preview,
    server_text,
)
from foundry_bench.core.run.endpoint.reasoning import ANSWER, Thinking, split_tagged
from foundry_bench.core.run.endpoint.transport import Cancelled, DeadlinePassed
from foundry_bench.core.run.endpoint.usage import apply_usage


class StreamFault(Exception):
    """The server sent something that is not a valid answer; the message is user-facing."""


_FLUSH = b"\n"  # appended to the body (by identity) to flush a last line without a newline

# A streamed answer may run this far past max_tokens (chunks are not exactly tokens: a
# server may split a token, or send one the count leaves out) before it is stopped.
RUNAWAY_FACTOR = 2
RUNAWAY_MARGIN = 16


@dataclass(frozen=True)
class Limits:
    """What ends a request early: no byte for ``timeout_s``, the whole request past
    ``deadline_s``, or an answer that runs far past ``max_tokens``."""

    timeout_s: float
    deadline_s: float | None = None
    max_tokens: int | None = None

    @property
    def max_chunks(self) -> int | None:
        """Output chunks at which a streamed answer is a runaway and is stopped."""
        if self.max_tokens is None:
            return None
        return RUNAWAY_FACTOR * self.max_tokens + RUNAWAY_MARGIN

    def deadline_message(self, what: str) -> str:
        return f"{what} was not complete within the request deadline of {self.deadline_s:g} s"

    def runaway_message(self, n_chunks: int) -> str:
        return (
            f"runaway answer: stopped after {n_chunks} chunks, far past "
            f"max_tokens={self.max_tokens}"
        )


def _stream_error(err: Any, n_events: int) -> str:
    msg = err.get("message", err) if isinstance(err, dict) else err
    return (
        f"server error in stream after {n_events - 1} chunks: "
        f"{one_line(str(msg), ERROR_BODY_CHARS)}"
    )


# JSON string text that needs no unescaping: no quote, backslash or control character.
_PLAIN = re.compile(rb'[^"\\\x00-\x1f]*')
_CONTENT_KEY = re.compile(rb'"content"\s*:\s*"')


def template(payload: bytes, content: str) -> tuple[bytes, bytes] | None:
    """The bytes before and after the text of a plain answer chunk (only ``delta.content``
    set, no finish reason, usage or error), when they identify its shape: one ``"content"``
    key, the text written without escapes. A later payload with exactly these bytes around
    other text without quotes, backslashes or control characters is, to ``json.loads``, the
    same chunk with that text, so the stream reader takes the text without parsing it."""
    keys = list(_CONTENT_KEY.finditer(payload))
    text = content.encode("utf-8", "surrogatepass")  # a lone surrogate came as an escape
    if len(keys) != 1 or _PLAIN.fullmatch(text) is None:
        return None
    start = keys[0].end()
    stop = start + len(text)
    if payload[start:stop] != text or payload[stop : stop + 1] != b'"':
        return None
    return payload[:start], payload[stop:]


def read_stream(
    response: httpx2.Response,
    m: Measurement,
    t0: float,
    cancel: threading.Event | None,
    limits: Limits,
) -> None:
    """Read an SSE answer to the end (or to the fault), filling ``m`` as it goes.

    The hot loop is written out flat (no per-line function call): it runs once per token.
    A chunk that may hold thinking (a reasoning field, or content before the answer proper
    has begun) goes through :class:`~.reasoning.Thinking`; plain answer chunks do not.
    """
    max_chunks = limits.max_chunks or -1  # -1: never equal to a count
    perf_counter = time.perf_counter
    loads = json.loads
    parts: list[str] = []
    itl = m.itl_s
    thinking = Thinking()
    answering = False  # the answer proper has begun: content is answer text
    pending: list[bytes] = []
    plain_match = _PLAIN.fullmatch
    tpl_pre = tpl_post = b" "  # no shape learned yet: a stripped payload never starts so
    n_pre = n_post = 1
    n_events = 0
    n_out = 0  # chunks with output (thinking or answer)
    last_at = 0.0
    first_at: float | None = None
    answer_at: float | None = None
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
                    raise Cancelled
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
                # Each event is stamped as the reader reaches it: a read that brought a
                # whole answer (a client that was not scheduled while it came) still gives
                # its events distinct times, as per-chunk reads did before the rechunking.
                now = perf_counter()
                payload = line[5:].strip()
                if payload == b"[DONE]":
                    done_at = now
                    continue
                n_events += 1
                try:
                    # The fast path: a chunk of the shape learned below, with other text.
                    if payload.startswith(tpl_pre) and payload.endswith(tpl_post):
                        text = payload[n_pre : len(payload) - n_post]
                        if text and plain_match(text) is not None:
                            parts.append(text.decode("utf-8"))
                            n_out += 1
                            if n_out == max_chunks:
                                raise StreamFault(limits.runaway_message(n_out))
                            itl.append(now - last_at)
                            last_at = now
                            continue
                    obj = loads(payload.decode("utf-8"))
                    plain = False
                    choices = obj.get("choices")
                    if choices:
                        choice = choices[0]
                        delta = choice.get("delta")
                        if delta:
                            content = delta.get("content")
                            thought = delta.get("reasoning_content") or delta.get("reasoning")
                            if content or thought:
                                if content:
                                    if not isinstance(content, str):
                                        raise TypeError("content is not a string")
                                    parts.append(content)
                                if (thought or not answering) and thinking.take(
                                    content, thought, now
                                ):
                                    answering = thinking.state == ANSWER
                                    if answer_at is None:
                                        answer_at = now
                                plain = answering and not thought
                                n_out += 1
                                if n_out == max_chunks:
                                    raise StreamFault(limits.runaway_message(n_out))
                                if first_at is None:
                                    first_at = now
                                else:
                                    itl.append(now - last_at)
                                last_at = now
                        reason = choice.get("finish_reason")
                        if reason:
                            finish = reason
                            plain = False
                    chunk_usage = obj.get("usage")
                    if chunk_usage:
                        usage = chunk_usage
                    elif obj.get("error"):
                        raise StreamFault(_stream_error(obj["error"], n_events))
                    elif plain:
                        found = template(payload, content)
                        if found is not None:
                            tpl_pre, tpl_post = found
                            n_pre, n_post = len(tpl_pre), len(tpl_post)
                except UnicodeDecodeError as exc:
                    raise StreamFault(
                        f"invalid UTF-8 in stream chunk {n_events} "
                        f"({exc.reason} at byte {exc.start}): {preview(payload)!r}"
                    ) from exc
                except (
                    ValueError,
                    TypeError,
                    AttributeError,
                    KeyError,
                    IndexError,
                    RecursionError,  # JSON nested deeper than the parser goes
                ) as exc:
                    raise StreamFault(f"malformed stream chunk: {preview(payload)}") from exc
        # End of body: `now` is the arrival of its last bytes.
        if done_at is None and finish is None:
            error = (
                "error",
                f"stream ended after {n_events} chunks without finish_reason or [DONE]",
            )
    except StreamFault as exc:
        now = perf_counter()
        error = ("error", str(exc))
    except Cancelled:
        now = perf_counter()
        error = ("cancelled", f"cancelled after {n_events} chunks")
    except DeadlinePassed:
        if done_at is None:
            now = perf_counter()
            error = ("timeout", f"{limits.deadline_message('the stream')} ({n_events} chunks)")
        else:  # everything arrived; only the end of the body did not
            now = done_at
    except httpx2.TimeoutException:
        if done_at is None:
            now = perf_counter()
            error = ("timeout", f"no data for {limits.timeout_s:g} s after {n_events} chunks")
        else:  # everything arrived; only the end of the body did not
            now = done_at
    except (httpx2.TransportError, httpx2.DecodingError) as exc:
        if done_at is None:
            now = perf_counter()
            error = ("error", f"stream dropped after {n_events} chunks: {os_reason(exc)}")
        else:
            now = done_at

    m.latency_s = now - t0
    if first_at is not None:
        m.ttft_s = first_at - t0
    if answer_at is not None:
        m.ttfa_s = answer_at - t0
    if thinking.first_at is not None:
        thought_until = answer_at if answer_at is not None else thinking.last_at
        m.reasoning_s = (thought_until or thinking.first_at) - thinking.first_at
    m.finish_reason = server_text(str(finish)) if finish else None
    reasoning, answer = thinking.text("".join(parts))
    parts.clear()
    m.response, m.reasoning = server_text(answer), server_text(reasoning)
    apply_usage(m, usage, n_out, thinking.chunks)
    if error is not None:
        m.status, m.error = error


def read_body(response: httpx2.Response, m: Measurement, t0: float, limits: Limits) -> None:
    """Read a non-streamed answer: latency to the end of the body, tokens from ``usage``."""
    parts: list[bytes] = []
    received = 0
    end = time.perf_counter()
    try:
        for data in response.iter_bytes():
            end = time.perf_counter()
            parts.append(data)
            received += len(data)
    except Cancelled:
        m.latency_s = time.perf_counter() - t0
        m.status, m.error = "cancelled", f"cancelled after {received} bytes of the answer"
        return
    except DeadlinePassed:
        m.latency_s = time.perf_counter() - t0
        m.status = "timeout"
        m.error = f"{limits.deadline_message('the answer')} ({received} bytes)"
        return
    except httpx2.TimeoutException:
        m.latency_s = time.perf_counter() - t0
        m.status = "timeout"
        m.error = f"no data for {limits.timeout_s:g} s after {received} bytes"
        return
    except (httpx2.TransportError, httpx2.DecodingError) as exc:
        m.latency_s = time.perf_counter() - t0
        m.status = "error"
        m.error = f"answer dropped after {received} bytes: {os_reason(exc)}"
        return
    m.latency_s = end - t0
    body = b"".join(parts)
    parts.clear()
    try:
        obj = json.loads(body.decode("utf-8"))
        choice = obj["choices"][0]
        message = choice.get("message") or {}
        content = message.get("content") or ""
        thought = message.get("reasoning_content") or message.get("reasoning") or ""
        if not isinstance(content, str) or not isinstance(thought, str):
            raise TypeError("content is not a string")
        reason = choice.get("finish_reason")
        usage = obj.get("usage")
    except UnicodeDecodeError as exc:
        m.status = "error"
        m.error = f"invalid UTF-8 in the answer ({exc.reason} at byte {exc.start})"
        return
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        m.status, m.error = "error", f"malformed answer: {preview(body)}"
        return
    tagged, answer = split_tagged(content)
    m.response, m.reasoning = server_text(answer), server_text(thought + tagged)
    m.finish_reason = server_text(str(reason)) if reason else None
    apply_usage(m, usage)
