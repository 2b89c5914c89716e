"""THE reader of every JSON file the app opens: run files, settings, configs, annotations, and
the ``genai_config.json`` of a model folder.

Any file may be hostile or damaged, so every one is read the same way: bytes first (a folder,
a missing or unreadable file, UTF-16 or bytes that are not UTF-8 each get their own message),
then a nesting check that refuses more than :data:`MAX_NESTING` levels of lists and objects
before the parser sees them (Python's parser recurses once per level and would otherwise fail
with ``RecursionError`` at a depth that depends on the caller's stack), then the parse, where
``NaN`` and ``Infinity`` are refused (they are not JSON, and a number the app reads must be
finite). Errors are :class:`JsonFileError`, one line naming the file, the place and the problem.

A big file goes through every step (decoding, the nesting check, the parse) in pieces of about
a megabyte: a worker thread holds the GIL for the whole of one C call, and meanwhile the GUI
thread cannot run. One ``json.loads`` of a 90 MB ``results.json`` held it for 450 ms, and the
window froze as long (the parse in pieces is ``core.json_pieces``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from foundry_bench.core.json_pieces import PairsHook, parse_pieces

# Files this app writes nest 5 levels at most; a model's genai_config.json about 6.
MAX_NESTING = 64

_KEEP = b'"[]{}\n'
_DROP = bytes(b for b in range(256) if b not in _KEEP)
_NEWLINE = ord("\n")
_BACKSLASH = ord("\\")
_BLOCK = 1 << 20  # bytes or characters one C call handles in a big file
_IS_QUOTE = np.zeros(256, dtype=np.uint8)
_IS_QUOTE[ord('"')] = 1
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
_CONTINUATION = range(0x80, 0xC0)  # UTF-8 bytes that never start a character


class JsonFileError(ValueError):
    """A JSON file that cannot be used; ``str(err)`` is ``file: [line L, column C: ]problem``."""

    def __init__(
        self, path: Path, problem: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.path, self.problem, self.line, self.column = Path(path), problem, line, column
        super().__init__(f"{path}: {self.detail}")

    @property
    def detail(self) -> str:
        """The message without the file: ``[line L, column C: ]problem``."""
        if self.line is None:
            return self.problem
        where = f"line {self.line}" + (f", column {self.column}" if self.column is not None else "")
        return f"{where}: {self.problem}"


class _NonFiniteNumber(ValueError):
    pass


def _reject_constant(name: str) -> float:
    raise _NonFiniteNumber(name)


def read_json_file(
    path: Path, expected: str = "JSON", *, object_pairs_hook: PairsHook | None = None
) -> object:
    """The parsed content of the JSON file ``path``; ``expected`` says what an empty file
    should have held."""
    return parse_json_bytes(read_bytes(path), path, expected, object_pairs_hook=object_pairs_hook)


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, or :class:`JsonFileError` saying why they cannot be read."""
    if path.is_dir():
        raise JsonFileError(path, "this is a folder, not a file")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise JsonFileError(path, "file not found") from None
    except IsADirectoryError:
        raise JsonFileError(path, "this is a folder, not a file") from None
    except PermissionError:
        raise JsonFileError(path, "permission denied: the file cannot be read") from None
    except OSError as exc:
        raise JsonFileError(path, f"the file cannot be read ({exc.strerror or exc})") from None


def decode_utf8_pieces(raw: bytes, path: Path) -> list[str]:
    """The text of ``raw`` (a UTF-8 byte order mark is dropped) in pieces of about
    :data:`_BLOCK` characters (joining 90 MB of text into one string held the GIL 260 ms);
    UTF-16 and invalid bytes are errors naming the byte and its line."""
    offset = 0
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, offset = raw[3:], 3
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise JsonFileError(path, "the file is UTF-16 text, not UTF-8; save it as UTF-8")
    pieces = []
    begin = 0
    for end in _utf8_cuts(raw):
        try:
            pieces.append(raw[begin:end].decode("utf-8"))
        except UnicodeDecodeError as exc:
            bad = begin + exc.start
            line = raw.count(b"\n", 0, bad) + 1
            raise JsonFileError(
                path,
                f"not UTF-8 text: byte 0x{raw[bad]:02x} at byte offset {bad + offset} "
                f"(line {line}) is not valid UTF-8; save the file as UTF-8",
            ) from None
        begin = end
    return pieces


def _utf8_cuts(raw: bytes) -> Iterator[int]:
    """Ends of pieces of about :data:`_BLOCK` bytes; a cut falls before the first byte of a
    character (in valid UTF-8 at most three continuation bytes follow it)."""
    end = 0
    while True:
        end = min(end + _BLOCK, len(raw))
        for _ in range(3):
            if end < len(raw) and raw[end] in _CONTINUATION:
                end -= 1
        yield end
        if end >= len(raw):
            return


def parse_json_bytes(
    raw: bytes, path: Path, expected: str = "JSON", *, object_pairs_hook: PairsHook | None = None
) -> object:
    """Parse the bytes of one JSON document read from ``path`` (named in messages)."""
    pieces = decode_utf8_pieces(raw, path)
    if all(not piece or piece.isspace() for piece in pieces):
        raise JsonFileError(path, f"the file is empty; expected {expected}")
    check_nesting(raw, path)
    return _parsed(pieces, path, 0, object_pairs_hook)


def parse_json_text(
    text: str,
    path: Path,
    *,
    line_offset: int = 0,
    object_pairs_hook: PairsHook | None = None,
) -> object:
    """Parse ``text`` whose nesting is already checked; ``line_offset`` is the line it starts
    on in ``path`` (a line of a JSON Lines file)."""
    pieces = [text[at : at + _BLOCK] for at in range(0, len(text), _BLOCK)] or [text]
    return _parsed(pieces, path, line_offset, object_pairs_hook)


def _parsed(
    pieces: list[str], path: Path, line_offset: int, object_pairs_hook: PairsHook | None
) -> object:
    """The document made of ``pieces``; its failures as :class:`JsonFileError`."""
    try:
        if len(pieces) == 1:
            return json.loads(
                pieces[0], object_pairs_hook=object_pairs_hook, parse_constant=_reject_constant
            )
        return parse_pieces(
            pieces, _BLOCK, object_pairs_hook=object_pairs_hook, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise JsonFileError(
            path,
            f"invalid JSON: {_explain(exc)}",
            line=exc.lineno + line_offset,
            column=exc.colno,
        ) from None
    except _NonFiniteNumber as exc:
        raise JsonFileError(
            path, f"invalid JSON: {exc} is not a JSON number (use a finite number or null)"
        ) from None
    except RecursionError:  # nesting is checked first; a deep stack of callers is left
        raise JsonFileError(path, _too_deep()) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise JsonFileError(path, f"invalid JSON: {exc}") from None


def check_nesting(raw: bytes, path: Path, *, lines: bool = False) -> None:
    """Refuse ``raw`` if lists and objects nest deeper than :data:`MAX_NESTING` (each line on
    its own when ``lines``: a JSON Lines file)."""
    line = deepest_line(raw, MAX_NESTING, lines=lines)
    if line is not None:
        raise JsonFileError(path, _too_deep(), line=line)


def deepest_line(raw: bytes, limit: int, *, lines: bool = False) -> int | None:
    """The first line where nesting passes ``limit`` (``None``: it never does).

    Runs at C speed over a 200 MB file in a fraction of a second: escaped backslashes and
    quotes are dropped, then everything but quotes, brackets and line ends; a bracket after
    an odd number of quotes on its line is inside a string (JSON strings hold no raw line
    ends), the others are summed.
    """
    if sum(raw.count(b"[", *piece) + raw.count(b"{", *piece) for piece in _pieces(raw)) <= limit:
        return None  # cannot nest deeper than the number of openers
    parity, depth, lines_before = 0, 0, 0
    for begin, end in _pieces(raw):
        kept = raw[begin:end].replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _DROP)
        if not kept:
            continue
        chars = np.frombuffer(kept, dtype=np.uint8)
        newline = np.flatnonzero(chars == _NEWLINE)
        # Quote parity, restarted on each line: odd means inside a string.
        odd = np.bitwise_xor.accumulate(_IS_QUOTE[chars]) ^ np.uint8(parity)
        odd ^= _per_line(odd, newline)
        levels = np.cumsum(_STEP[chars] * (odd == 0), dtype=np.int32) + np.int32(depth)
        if lines:
            levels -= _per_line(levels, newline)
        over = np.flatnonzero(levels > limit)
        if over.size:
            return lines_before + int(np.searchsorted(newline, over[0])) + 1
        # What the next piece starts from; a line end as the last character restarts both.
        ends_line = bool(chars[-1] == _NEWLINE)
        parity = 0 if ends_line else int(odd[-1])
        depth = 0 if lines and ends_line else int(levels[-1])
        lines_before += newline.size
    return None


def _pieces(raw: bytes) -> Iterator[tuple[int, int]]:
    """``(begin, end)`` of pieces of about :data:`_BLOCK` bytes; no run of backslashes is cut
    from the character it escapes, so each piece drops its escapes as the whole would."""
    begin = 0
    while begin < len(raw):
        end = min(begin + _BLOCK, len(raw))
        while end < len(raw) and raw[end - 1] == _BACKSLASH:
            end += 1
        yield begin, end
        begin = end


def _per_line(running: np.ndarray[Any, Any], newline: np.ndarray[Any, Any]) -> Any:
    """For each position, the value ``running`` had at the end of the line before it."""
    starts = np.concatenate(([0], running[newline]))
    lengths = np.diff(np.concatenate(([0], newline + 1, [running.size])))
    return np.repeat(starts.astype(running.dtype), lengths)


def _too_deep() -> str:
    return (
        f"lists or objects are nested more than {MAX_NESTING} levels deep; "
        "no file of this app nests that deep (damaged or hostile?)"
    )


def _explain(exc: json.JSONDecodeError) -> str:
    msg = exc.msg
    before = exc.doc[: exc.pos].rstrip()
    at = exc.doc[exc.pos : exc.pos + 1]
    if msg.startswith("Expecting") and before.endswith(","):
        return f"{msg} (a trailing comma before this point?)"
    if msg.startswith("Expecting") and at == "'":
        return f"{msg} (JSON needs double quotes, not single quotes)"
    if msg == "Extra data":
        return "unexpected text after the end of the JSON value (a missing bracket or comma?)"
    return msg
