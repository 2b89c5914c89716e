"""Synthetic prompts of a target size, calibrated from the server's own token counts.

A prompt is filler words drawn from a fixed list (seeded, so every round sends different text
and a prefix cache cannot serve it) followed by an instruction to write at length. Every
server counts tokens its own way, so the size is calibrated per model with untimed requests
of ``max_tokens=1``: two probes give tokens per filler word and the fixed overhead (chat
template and instruction), then each point's prompt is checked and corrected until the
server's ``usage.prompt_tokens`` is within ``TOLERANCE`` of the target.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from foundry_bench.core.run.plan import Probe

INSTRUCTION = (
    "The text above is a list of words. Write a long story that uses as many of them as you "
    "can, and keep writing until you are stopped."
)
WORDS = (
    "time",
    "year",
    "people",
    "way",
    "day",
    "man",
    "thing",
    "woman",
    "life",
    "child",
    "world",
    "school",
    "state",
    "family",
    "student",
    "group",
    "country",
    "problem",
    "hand",
    "part",
    "place",
    "case",
    "week",
    "company",
    "system",
    "program",
    "question",
    "work",
    "number",
    "night",
    "point",
    "home",
    "water",
    "room",
    "mother",
    "area",
    "money",
    "story",
    "fact",
    "month",
    "book",
    "eye",
    "job",
    "word",
    "river",
    "garden",
    "window",
    "city",
    "market",
    "music",
    "paper",
    "table",
    "light",
    "voice",
    "road",
    "tree",
    "stone",
    "summer",
    "winter",
    "morning",
    "evening",
    "friend",
    "teacher",
    "doctor",
    "train",
    "ship",
    "bird",
    "horse",
    "apple",
    "bread",
)
TOLERANCE = 0.05  # aim well inside the 10% the sweep promises
_CALIBRATION_UNITS = (16, 512)
_MAX_TRIES = 4


class CalibrationError(RuntimeError):
    """The server did not answer a calibration request with a prompt token count."""


class ProbeCancelled(CalibrationError):
    """The run was cancelled while the sweep was calibrating."""


def filler(units: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(max(units, 0)))


@dataclass(frozen=True)
class PromptShape:
    """How many filler words go in the system message (context) and the user message."""

    system_units: int
    user_units: int

    def messages(self, seed: int) -> tuple[str | None, str]:
        system = filler(self.system_units, seed + 1_000_003) if self.system_units else None
        user = filler(self.user_units, seed)
        return system, f"{user}\n\n{INSTRUCTION}" if user else INSTRUCTION

    def as_messages(self, seed: int) -> list[dict[str, str]]:
        system, user = self.messages(seed)
        out = [{"role": "system", "content": system}] if system else []
        return [*out, {"role": "user", "content": user}]


@dataclass
class Calibration:
    """``prompt_tokens = overhead + per_unit * units`` for this model, and what each point
    achieved when its prompt was checked."""

    per_unit: float
    overhead: float
    requests: int = 0
    achieved: dict[str, int] = field(default_factory=dict)

    def shape_for(self, prompt_tokens: int, context_depth: int) -> PromptShape:
        system = round(context_depth / self.per_unit) if context_depth else 0
        user = round((prompt_tokens - context_depth - self.overhead) / self.per_unit)
        return PromptShape(system, max(user, 0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "tokens_per_word": self.per_unit,
            "overhead_tokens": self.overhead,
            "requests": self.requests,
            "achieved": dict(self.achieved),
        }


def count_tokens(probe: Probe, shape: PromptShape) -> int:
    """The server's prompt token count for ``shape`` (seed 0), or ``CalibrationError``."""
    m = probe(shape.as_messages(0), 1)
    if m.status == "cancelled":
        raise ProbeCancelled("cancelled")
    if m.status != "ok" or m.prompt_tokens is None or m.tokens_source != "usage":
        why = m.error or (
            "the answer had no usage counts" if m.status == "ok" else f"status {m.status}"
        )
        raise CalibrationError(f"a {shape.user_units}-word prompt was not counted: {why}")
    return m.prompt_tokens


def calibrate(probe: Probe) -> Calibration:
    small, large = _CALIBRATION_UNITS
    a = count_tokens(probe, PromptShape(0, small))
    b = count_tokens(probe, PromptShape(0, large))
    if b <= a:
        raise CalibrationError(f"{large} words counted {b} tokens, {small} words {a}")
    per_unit = (b - a) / (large - small)
    return Calibration(per_unit=per_unit, overhead=a - per_unit * small, requests=2)


def fit_point(
    cal: Calibration, probe: Probe, point_id: str, prompt_tokens: int, context_depth: int
) -> PromptShape:
    """The shape whose count is closest to ``prompt_tokens`` (corrected up to a few times);
    ``CalibrationError`` when the server refuses the prompt (too long for it)."""
    shape = cal.shape_for(prompt_tokens, context_depth)
    best: tuple[float, PromptShape, int] | None = None
    for _ in range(_MAX_TRIES):
        got = count_tokens(probe, shape)
        cal.requests += 1
        miss = abs(got - prompt_tokens) / prompt_tokens
        if best is None or miss < best[0]:
            best = (miss, shape, got)
        if miss <= TOLERANCE:
            break
        step = round((prompt_tokens - got) / cal.per_unit) or (1 if got < prompt_tokens else -1)
        shape = PromptShape(shape.system_units, max(shape.user_units + step, 0))
    assert best is not None
    cal.achieved[point_id] = best[2]
    return best[1]
