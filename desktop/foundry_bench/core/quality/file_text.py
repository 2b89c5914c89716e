"""The text of an annotations file, made by the standard JSON encoder.

Every value in it is the output of ``json.dumps`` (the C encoder): each small field, and each
item of the five lists, one item per line, so the file reads and diffs well. The only other
characters are the brackets and commas between those complete values, so the text is valid
JSON whatever the strings hold (an older writer split one encoded list on ``}, {"``, which a
note ending in those characters completed, and broke the file).

A save after each key press re-encodes only the items that changed since the last text the
same :class:`AnnotationsEncoder` made (an item is the same when it is the same object, which
a set's :meth:`~foundry_bench.core.quality.annotations.AnnotationSet.copy` keeps): with
10,000 scores, encoding them all on every key press was most of a save's time
(``benchmarks/annotations_save.py``). Lone surrogates become U+FFFD
(:func:`~foundry_bench.core.quality.annotations.clean_text`): the file must be UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from foundry_bench.core.quality.annotations import (
    AnnotationSet,
    clean_text,
    cleared_dict,
    note_dict,
)

_LISTS = ("criteria", "scores", "notes", "preferences", "cleared")
_SEP = ",\n"


def _dumps(value: Any) -> str:
    return clean_text(json.dumps(value, ensure_ascii=False))


class AnnotationsEncoder:
    """Makes the file's text, remembering each item's encoding for the next call."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[Any, tuple[object, str]]] = {}

    def text(self, ann: AnnotationSet) -> str:
        lists = {
            "criteria": [_dumps(c.to_dict()) for c in ann.criteria],
            "scores": self._items("scores", ann.scores, lambda _k, v: v.to_dict()),
            "notes": self._items("notes", ann.notes, note_dict),
            "preferences": self._items("preferences", ann.preferences, lambda _k, v: v.to_dict()),
            "cleared": self._items("cleared", ann.cleared, cleared_dict),
        }
        fields = [
            f"{_dumps(name)}: {_dumps(value)}" for name, value in ann.to_dict(lists=False).items()
        ]
        for name in _LISTS:
            body = _SEP.join(lists[name])
            fields.append(f"{_dumps(name)}: [\n{body}\n]" if body else f"{_dumps(name)}: []")
        return "{\n" + _SEP.join(fields) + "\n}\n"

    def _items(
        self, name: str, entries: Mapping[Any, Any], encode: Callable[[Any, Any], Any]
    ) -> list[str]:
        old = self._cache.get(name, {}).get
        new: dict[Any, tuple[object, str]] = {}
        out: list[str] = []
        for key, value in entries.items():
            hit = old(key)
            if hit is None or hit[0] is not value:
                hit = (value, _dumps(encode(key, value)))
            new[key] = hit
            out.append(hit[1])
        self._cache[name] = new  # only what the set still holds: it never outgrows the set
        return out


def annotations_text(ann: AnnotationSet) -> str:
    """The file's text for ``ann`` (one-off; a writer keeps an :class:`AnnotationsEncoder`)."""
    return AnnotationsEncoder().text(ann)
