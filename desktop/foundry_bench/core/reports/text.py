"""Escaping and number formatting that every report format shares.

Model output, model ids, prompt ids and error messages are untrusted text (``docs/design.md``,
"Files"): Markdown escapes ``\\``, ``|``, backticks, brackets, ``*``, ``_``, ``<``, ``>`` and turns
line breaks (and other control characters) into spaces; CSV prefixes with ``'`` any cell that
is not a number and starts with ``=``, ``+``, ``-``, ``@``, tab or CR.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from foundry_bench.core.csv_cells import csv_safe as csv_safe
from foundry_bench.core.units import DASH as DASH
from foundry_bench.core.units import fmt_number as fmt_number
from foundry_bench.core.units import is_number as is_number

#: Longest model answer (in characters) quoted in a Markdown or HTML table cell.
ANSWER_LIMIT = 120


#: Longest error message quoted in a Markdown report.
ERROR_LIMIT = 300


_ELLIPSIS = "…"


# Line breaks of every kind, tabs and other control characters (C0, DEL, C1) become spaces.
_MD_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


_MD_SPECIAL = re.compile(r"([\\|`*_\[\]])")


def md_escape(text: str) -> str:
    """Make untrusted text safe for one Markdown table cell or list item.

    Backslash, ``|``, backtick, ``*``, ``_``, ``[`` and ``]`` get a backslash; ``<`` and
    ``>`` become ``&lt;``/``&gt;`` (no raw HTML); CR, LF, tabs, other control characters and
    Unicode line separators become a single space, so a value never breaks out of its row.
    """
    text = _MD_BREAKS.sub(" ", str(text))
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, *, words: bool = False) -> str:
    """``text`` cut to ``limit`` characters, the ellipsis included; with ``words``, at the
    last space when one is in the second half, so a label does not end in half a word."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if words and head.rfind(" ") >= limit // 2:
        head = head[: head.rfind(" ")].rstrip(",;:")
    return head.rstrip() + _ELLIPSIS


def md_text(text: object, limit: int | None = None) -> str:
    """Escaped (and optionally truncated, before escaping) text for a Markdown cell."""
    if text is None:
        return DASH
    raw = _MD_BREAKS.sub(" ", str(text)).strip()
    if not raw:
        return DASH
    return md_escape(truncate(raw, limit) if limit else raw)


def fmt_size(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 100:
        return fmt_number(value, 0)
    return fmt_number(value, 1)


def stat_of(entry: Mapping[str, Any], metric: str, key: str) -> Any:
    stats = entry.get(metric)
    return stats.get(key) if isinstance(stats, Mapping) else None


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str) -> list[str]:
    """A GFM table; ``align`` has one letter per column: ``l`` or ``r``."""
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if a == "r" else ":---" for a in align) + "|")
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def plain_text(value: object, limit: int | None = None) -> str:
    """Raw text for a cell: a dash for nothing, truncated to ``limit`` characters."""
    if value is None or value == "":
        return DASH
    text = str(value)
    return truncate(text, limit) if limit else text
