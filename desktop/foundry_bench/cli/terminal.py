"""What the CLI prints: no key, and on a terminal no control sequence from a server or a file.

Model ids, error messages and chunk previews come from servers and files. Printed raw, an
``ESC [ 2 J`` clears the screen and an ``ESC ] 0 ;`` sets the window title. Rather than hunt
every ``print``, :func:`guarded_output` wraps ``sys.stdout`` and ``sys.stderr`` for the whole
command: every write is scrubbed of known key values, and when the stream is a terminal its
control characters are shown escaped (``\\x1b``). Line feeds and tabs pass; a carriage return
passes only at the start of a write, which is how the progress bar redraws its line. Output to
a pipe or a file keeps its exact text (a CSV's CR LF, a JSON report), keys masked.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from foundry_bench.core.redaction import scrub_secrets

# C0 but LF and TAB, DEL, C1, lone surrogates, and the bidirectional overrides that reorder
# what a terminal shows (U+202A-U+202E, U+2066-U+2069).
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """``text`` with every unsafe character written as its escape (``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class GuardedStream:
    """A text stream that scrubs keys from everything and escapes controls on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        try:
            self._tty = stream.isatty()
        except (AttributeError, ValueError):
            self._tty = False

    def write(self, text: str) -> int:
        text = scrub_secrets(text)
        if self._tty:
            redraw = text.startswith("\r")
            text = ("\r" if redraw else "") + terminal_text(text[1:] if redraw else text)
        return self._stream.write(text)

    def write_exact(self, data: str) -> None:
        """``data`` exactly (keys masked) where the stream is not a terminal: reports to a pipe."""
        if self._tty:
            self.write(data)
            return
        buffer = getattr(self._stream, "buffer", None)
        if buffer is None:
            self._stream.write(scrub_secrets(data))
        else:
            # Bytes, so Windows does not turn a CSV's CRLF line ends into CR CR LF.
            buffer.write(scrub_secrets(data).encode("utf-8", "backslashreplace"))

    def isatty(self) -> bool:
        return self._tty

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def write_out(text: str) -> None:
    """A report or listing to standard output (exact on a pipe, escaped on a terminal)."""
    stream = sys.stdout
    if isinstance(stream, GuardedStream):
        stream.write_exact(text)
    else:
        GuardedStream(stream).write_exact(text)
    sys.stdout.flush()


@contextmanager
def guarded_output() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` guarded for the duration (restored afterwards)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = GuardedStream(saved[0])
    sys.stderr = GuardedStream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
