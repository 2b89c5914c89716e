"""Spreadsheet cells that never run: the one formula neutralizer of every CSV the app writes
(reports, score sheets), outside ``core.reports`` so that ``core.quality`` can use it too."""

from __future__ import annotations

import re

_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_safe(value: object) -> object:
    """Neutralise spreadsheet formulas: a non-numeric text starting with ``=``, ``+``,
    ``-``, ``@``, tab or CR gets a ``'`` prefix. Numbers, and text that is a plain decimal
    number such as ``-1.5``, are returned unchanged; so is anything that is not text."""
    if isinstance(value, str) and value.startswith(_CSV_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
