"""The two ways loading a config file ends: :class:`Loaded` (its items and warnings) or a
:class:`ConfigError` whose text is one line naming the file, the place in it (a JSON path such
as ``$[2].aspects[0]``, or a line and column for a JSON syntax error) and the problem, so the
CLI can print it as is and exit with 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


T = TypeVar("T")


def printable(text: str) -> str:
    """The text with anything that cannot be written as UTF-8 (lone surrogates) escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ConfigError(ValueError):
    """A config file that cannot be used. ``str(err)`` is one line: file, place, problem."""

    path: Path
    json_path: str | None
    problem: str
    line: int | None
    column: int | None

    def __init__(
        self,
        path: Path,
        problem: str,
        *,
        json_path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.json_path = json_path
        self.problem = problem
        self.line = line
        self.column = column
        where = [str(self.path)]
        if line is not None:
            where.append(f"line {line}, column {column}" if column is not None else f"line {line}")
        if json_path is not None:
            where.append(json_path)
        super().__init__(printable(": ".join([*where, problem])))

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_error,
            (self.path, self.problem, self.json_path, self.line, self.column),
        )


def _rebuild_error(
    path: Path, problem: str, json_path: str | None, line: int | None, column: int | None
) -> ConfigError:
    return ConfigError(path, problem, json_path=json_path, line=line, column=column)


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """What a file gave: its items, and warnings (unknown fields, most often typos)."""

    items: list[T]
    warnings: list[str]
