"""The points of a sweep: one axis at a time around a base point.

A full product of four axes grows fast and most of it answers no question, so a sweep runs
three series around the base point (the smallest prompt, the smallest output, no context,
one request at a time), each varying what its chart shows:

- ``prefill``: every prompt size (output: the smallest) -> TTFT vs prompt tokens;
- ``decode``: every output length at every context depth -> decode tok/s vs both;
- ``concurrency``: every concurrency (prompt and output: the base) -> throughput and p95 TTFT.

A point in several series is run once (its ``series`` lists them all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PROMPT_TOKENS = 1_048_576
MAX_OUTPUT_TOKENS = 65_536
MAX_POINTS_PER_AXIS = 32
SERIES = ("prefill", "decode", "concurrency")


class GridError(ValueError):
    """A sweep axis that cannot run; the message names the option and the problem."""


def parse_sizes(text: str, option: str, low: int, high: int) -> tuple[int, ...]:
    """``"128,512,2048"`` -> ``(128, 512, 2048)``: whole numbers in ``low..high``, sorted,
    each once; anything else raises ``GridError`` naming ``option``."""
    parts = [p.strip() for p in str(text).split(",")]
    if not text or not any(parts):
        raise GridError(f"{option}: give one or more whole numbers, like 128,512")
    values: set[int] = set()
    for part in parts:
        if not part.isdigit() or not part.isascii():
            raise GridError(f"{option}: {part[:20]!r} is not a whole number")
        value = int(part)
        if not low <= value <= high:
            raise GridError(f"{option}: {value} is outside {low}..{high:,}")
        values.add(value)
    if len(values) > MAX_POINTS_PER_AXIS:
        raise GridError(f"{option}: at most {MAX_POINTS_PER_AXIS} values")
    return tuple(sorted(values))


@dataclass(frozen=True)
class Point:
    prompt_tokens: int  # the request's prompt as the server counts it, context included
    output_tokens: int  # max_tokens
    context_depth: int  # tokens of earlier context (a system message) inside prompt_tokens
    concurrency: int
    series: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return (
            f"p{self.prompt_tokens}-o{self.output_tokens}-d{self.context_depth}-c{self.concurrency}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prompt_tokens": self.prompt_tokens,
            "output_tokens": self.output_tokens,
            "context_depth": self.context_depth,
            "concurrency": self.concurrency,
            "series": list(self.series),
        }


@dataclass(frozen=True)
class SweepGrid:
    prompt_tokens: tuple[int, ...]
    output_tokens: tuple[int, ...]
    context_depth: tuple[int, ...] = (0,)
    concurrency: tuple[int, ...] = (1,)
    points: tuple[Point, ...] = field(init=False)

    def __post_init__(self) -> None:
        for name in ("prompt_tokens", "output_tokens", "context_depth", "concurrency"):
            if not getattr(self, name):
                raise GridError(f"{name}: needs at least one value")
        object.__setattr__(self, "points", tuple(self._points()))

    def _points(self) -> list[Point]:
        p0, o0 = self.prompt_tokens[0], self.output_tokens[0]
        d0 = 0 if 0 in self.context_depth else self.context_depth[0]
        wanted: dict[tuple[int, int, int, int], list[str]] = {}

        def add(p: int, o: int, d: int, c: int, series: str) -> None:
            wanted.setdefault((max(p, d + 1), o, d, c), []).append(series)

        for p in self.prompt_tokens:
            add(p + d0, o0, d0, 1, "prefill")
        for d in self.context_depth:
            for o in self.output_tokens:
                add(p0 + d, o, d, 1, "decode")
        for c in self.concurrency:
            add(p0 + d0, o0, d0, c, "concurrency")
        return [Point(p, o, d, c, tuple(s)) for (p, o, d, c), s in wanted.items()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": list(self.prompt_tokens),
            "output_tokens": list(self.output_tokens),
            "context_depth": list(self.context_depth),
            "concurrency": list(self.concurrency),
        }
