"""Parsing a big JSON text from its pieces, a list item or an object member at a time.

``json.loads`` is one C call, and a worker thread holds the GIL for the whole of it: parsing a
90 MB ``results.json`` so kept the GUI thread waiting 450 ms. Here the lists and objects near
the top of the document are walked in Python, and each item below them is one short call of
the standard parser (a sample of a ``results.json`` is about a kilobyte); the text is read
from its pieces as the walk needs it, so it is never joined into one 90 MB string either (that
join alone held the GIL 260 ms). ``core.jsonfile`` decides when a text is big.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace
# Lists and objects this near the top are walked; what lies deeper is parsed item by item.
_WALK_DEPTH = 2
_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

PairsHook = Callable[[list[tuple[str, Any]]], Any]


class _Window:
    """The unparsed text of a big document, read from its pieces as the parse needs it; the
    text already parsed is dropped, its line ends counted for the messages."""

    def __init__(self, pieces: list[str], block: int) -> None:
        self._pieces = iter(pieces)
        self._block = block
        self.text = next(self._pieces, "")
        self._lines_before = 0
        self._column_before = 0  # characters on the first line of ``text`` that were dropped

    def grow(self) -> bool:
        """Read at least as much again as ``text`` holds; False at the end of the document."""
        wanted = max(len(self.text), self._block)
        added: list[str] = []
        while wanted > 0 and (piece := next(self._pieces, None)) is not None:
            added.append(piece)
            wanted -= len(piece)
        self.text = "".join([self.text, *added])
        return bool(added)

    def drop(self, at: int) -> int:
        """Forget the text before ``at`` once that is a piece's worth, all but its last
        character that is not space (a message says when that is a trailing comma); the
        index ``at`` becomes."""
        if at < self._block:
            return at
        cut = at
        while cut > 0 and self.text[cut - 1] in " \t\n\r":
            cut -= 1
        cut = max(cut - 1, 0)
        newlines = self.text.count("\n", 0, cut)
        if newlines:
            self._lines_before += newlines
            self._column_before = cut - self.text.rfind("\n", 0, cut) - 1
        else:
            self._column_before += cut
        self.text = self.text[cut:]
        return at - cut

    def placed(self, exc: json.JSONDecodeError) -> json.JSONDecodeError:
        """``exc`` with the line and column it has in the whole document."""
        if exc.lineno == 1:
            exc.colno += self._column_before
        exc.lineno += self._lines_before
        return exc


def parse_pieces(
    pieces: list[str],
    block: int,
    *,
    object_pairs_hook: PairsHook | None,
    parse_constant: Callable[[str], Any],
) -> object:
    """What ``json.loads("".join(pieces), ...)`` returns (or raises) with these hooks, without
    joining the pieces and with no one C call parsing more than one item of the lists and
    objects near the top. An item cut by a piece's end is parsed again with more text, so a
    pairs hook may see its objects twice: it must not count them."""
    decoder = json.JSONDecoder(object_pairs_hook=object_pairs_hook, parse_constant=parse_constant)
    window = _Window(pieces, block)
    hook = object_pairs_hook

    def scanned(scan: Callable[[str, int], tuple[Any, int]], at: int) -> tuple[Any, int]:
        # A value cut by the window's end may fail, or parse short (a number): read on.
        while True:
            try:
                found, end = scan(window.text, at)
            except StopIteration as stop:
                if window.grow():
                    continue
                raise window.placed(
                    json.JSONDecodeError("Expecting value", window.text, stop.value)
                ) from None
            except json.JSONDecodeError as exc:
                if window.grow():
                    continue
                raise window.placed(exc) from None
            # A number cut after "1.", "1e" or "1e-" parses as 1: read on when it ends that
            # near the window's end.
            if len(window.text) - end <= 2 and window.grow():
                continue
            return found, end

    def space(at: int) -> int:
        while True:
            match = _SPACE.match(window.text, at)
            at = match.end() if match else at
            if at < len(window.text) or not window.grow():
                return at

    def fail(message: str, at: int) -> json.JSONDecodeError:
        return window.placed(json.JSONDecodeError(message, window.text, at))

    def value(at: int, depth: int) -> tuple[object, int]:
        opener = window.text[at : at + 1]
        if depth < _WALK_DEPTH and opener == "{":
            return members(at + 1, depth + 1)
        if depth < _WALK_DEPTH and opener == "[":
            return items(at + 1, depth + 1)
        return scanned(decoder.scan_once, at)  # type: ignore[attr-defined]

    def items(at: int, depth: int) -> tuple[object, int]:
        found: list[object] = []
        at = space(at)
        if window.text[at : at + 1] == "]":
            return found, at + 1
        while True:
            item, at = value(window.drop(at), depth)
            found.append(item)
            at = space(at)
            if window.text[at : at + 1] == "]":
                return found, at + 1
            if window.text[at : at + 1] != ",":
                raise fail("Expecting ',' delimiter", at)
            at = space(at + 1)

    def members(at: int, depth: int) -> tuple[object, int]:
        pairs: list[tuple[str, Any]] = []
        at = space(at)
        if window.text[at : at + 1] == "}":
            return (hook(pairs) if hook else {}), at + 1
        while True:
            at = window.drop(at)
            if window.text[at : at + 1] != '"':
                raise fail("Expecting property name enclosed in double quotes", at)
            key, at = scanned(lambda text, start: _scanstring(text, start, decoder.strict), at + 1)
            at = space(at)
            if window.text[at : at + 1] != ":":
                raise fail("Expecting ':' delimiter", at)
            item, at = value(space(at + 1), depth)
            pairs.append((key, item))
            at = space(at)
            if window.text[at : at + 1] == "}":
                return (hook(pairs) if hook else dict(pairs)), at + 1
            if window.text[at : at + 1] != ",":
                raise fail("Expecting ',' delimiter", at)
            at = space(at + 1)

    parsed, end = value(space(0), 0)
    end = space(end)
    if end != len(window.text):
        raise fail("Extra data", end)
    return parsed
