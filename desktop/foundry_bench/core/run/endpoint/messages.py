"""What a failed request says to the user: one short line, from the OS error or the body."""

from __future__ import annotations

import errno
import re
import socket

from foundry_bench.core.redaction import redact_message

ERROR_BODY_CHARS = 200

# A surrogate code point alone in a str: JSON may hold one as an escape ("\ud800" is valid
# JSON), but it cannot be encoded as UTF-8, so writing it anywhere would fail. (A pair of
# escapes is decoded into one character by the JSON parser, so every one left here is alone.)
_SURROGATE = re.compile("[\ud800-\udfff]")


def server_text(text: str) -> str:
    """Text from a server as the program keeps it: each lone surrogate becomes U+FFFD.

    Every string taken from a server's answer passes through here, once, where it enters
    (answer and reasoning text, finish reason, error messages, model ids); NUL and other
    control characters are kept as they came (files escape them; the terminal is escaped
    where text is printed).
    """
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)


def one_line(text: str, limit: int) -> str:
    """Server or library text as one short line, with no key in it (whatever it echoed)."""
    return redact_message(server_text(" ".join(text.split())))[:limit]


def os_reason(exc: BaseException) -> str:
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
    return one_line(text, 200) or type(exc).__name__


def http_error(status: int, body: str) -> str:
    line = one_line(body, ERROR_BODY_CHARS)
    return f"HTTP {status} from server: {line}" if line else f"HTTP {status} from server (no body)"


CHUNK_PREVIEW_CHARS = 80


def preview(raw: bytes) -> str:
    return redact_message(raw.decode("utf-8", "replace"))[:CHUNK_PREVIEW_CHARS]
