"""Fewer, larger HTTP chunks: what the socket layer hands ``h11``, with the same body.

A streaming server sends each SSE event in its own HTTP chunk, and ``h11`` turns each chunk
into one event object that ``httpcore2`` and ``httpx2`` pass up one by one: at 20,000 tokens
that per-chunk path cost several times the JSON parsing itself. :class:`Rechunker` sits
between the socket and ``h11`` and rewrites the chunked framing of each network read into one
chunk holding all the body bytes that read brought, so everything above runs once per read.
The body is unchanged, byte for byte, and so are the timings (each read is passed on as soon
as it returns).

Only what it fully understands is rewritten: response heads are passed on as they are, a body
with ``Content-Length`` is counted through, and anything unexpected (a bad chunk-size line,
a framing it does not know) switches it off for the rest of the connection, passing the bytes
on untouched from that point, so ``h11`` sees exactly what the server sent and reports it.
"""

from __future__ import annotations

import re

_HEAD_END = b"\r\n\r\n"
_SIZE_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:;[^\r\n]*)?\r\n")
_MAX_LINE = 4096  # a chunk-size line or a trailer line longer than this is not ours to parse

# What the next bytes are.
HEAD, BODY_LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILER, RAW = range(7)


class Rechunker:
    """Rewrites one connection's response stream, a network read at a time (see module)."""

    __slots__ = ("_held", "_left", "state")

    def __init__(self) -> None:
        self.state = HEAD
        self._held = b""  # an incomplete head, size line, chunk end or trailer line
        self._left = 0  # bytes left of the current chunk's data, or of a Content-Length body

    def feed(self, data: bytes) -> bytes:
        """The bytes to hand ``h11`` for this read (possibly empty: all of it held back)."""
        if self.state == RAW or not data:
            return data
        if self._held:
            data, self._held = self._held + data, b""
        out: list[bytes] = []
        body: list[bytes] = []  # body bytes of this read, sent as one chunk
        pos, end = 0, len(data)
        while pos < end:
            state = self.state
            if state == CHUNK_DATA:
                take = min(self._left, end - pos)
                body.append(data[pos : pos + take])
                pos += take
                self._left -= take
                if not self._left:
                    self.state = CHUNK_END
            elif state == CHUNK_END:
                if end - pos < 2:
                    self._held = data[pos:]
                    break
                if data[pos : pos + 2] != b"\r\n":
                    return self._give_up(out, body, data[pos:])
                pos += 2
                self.state = CHUNK_SIZE
            elif state == CHUNK_SIZE:
                # The hot path: whole chunks back to back, walked by their sizes.
                match = _SIZE_LINE.match(data, pos)
                while match is not None:
                    size = int(match.group(1), 16)
                    start = match.end()
                    stop = start + size
                    if not size or stop + 2 > end:
                        break
                    if data[stop : stop + 2] != b"\r\n":
                        return self._give_up(out, body, data[pos:])
                    body.append(data[start:stop])
                    pos = stop + 2
                    match = _SIZE_LINE.match(data, pos)
                if match is None:
                    if pos == end:
                        continue
                    if b"\n" in data[pos : pos + _MAX_LINE] or end - pos >= _MAX_LINE:
                        return self._give_up(out, body, data[pos:])
                    self._held = data[pos:]  # the line goes on in the next read
                    break
                if size:  # a chunk that goes on in the next read
                    self._left, self.state = size, CHUNK_DATA
                    pos = match.end()
                else:  # the last chunk: it and the trailers go on as they came
                    self._flush(out, body)
                    out.append(data[pos : match.end()])
                    pos, self.state = match.end(), TRAILER
            elif state == TRAILER:
                line_end = data.find(b"\r\n", pos)
                if line_end < 0:
                    if end - pos >= _MAX_LINE:
                        return self._give_up(out, body, data[pos:])
                    self._held = data[pos:]
                    break
                out.append(data[pos : line_end + 2])
                if line_end == pos:
                    self.state = HEAD  # the empty line: the message is complete
                pos = line_end + 2
            elif state == BODY_LENGTH:
                take = min(self._left, end - pos)
                out.append(data[pos : pos + take])
                pos += take
                self._left -= take
                if not self._left:
                    self.state = HEAD
            else:  # HEAD
                head_end = data.find(_HEAD_END, pos)
                if head_end < 0:
                    if end - pos > 65536:
                        return self._give_up(out, body, data[pos:])
                    self._held = data[pos:]
                    break
                head = data[pos : head_end + 4]
                out.append(head)
                pos = head_end + 4
                if not self._start_body(head):
                    return self._give_up(out, body, data[pos:])
        self._flush(out, body)
        return b"".join(out)

    def _start_body(self, head: bytes) -> bool:
        """Set the state for the body that follows ``head``; False for a framing not ours."""
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            return False
        status = int(parts[1])
        chunked, length = False, None
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                continue
            name = name.strip().lower()
            if name == b"transfer-encoding":
                if value.strip().lower() != b"chunked" or chunked:
                    return False
                chunked = True
            elif name == b"content-length":
                if length is not None or not value.strip().isdigit():
                    return False
                length = int(value.strip())
        if 100 <= status < 200 or status in (204, 304):
            self.state = HEAD  # no body (this client sends no HEAD requests)
        elif chunked and length is None:
            self.state = CHUNK_SIZE
        elif length is not None and not chunked:
            self._left, self.state = length, (BODY_LENGTH if length else HEAD)
        else:
            return False  # read to the close: nothing after it to rewrite
        return True

    @staticmethod
    def _flush(out: list[bytes], body: list[bytes]) -> None:
        if body:
            data = b"".join(body)
            body.clear()
            out.append(b"%x\r\n%s\r\n" % (len(data), data))

    def _give_up(self, out: list[bytes], body: list[bytes], rest: bytes) -> bytes:
        """From here on, the bytes go on untouched."""
        self.state = RAW
        self._flush(out, body)
        out.append(rest)
        return b"".join(out)
