"""The settings of a run, and the one validation every reader of them uses.

The CLI options, the Benchmark page's form, a saved setup file, ``settings.json``'s defaults
and a stored ``results.json`` all become a :class:`RunSettings` through
:func:`parse_run_settings` (types) and are checked by :func:`run_settings_problems` (ranges),
so they accept and refuse the same values.
"""

from __future__ import annotations

import math
import re
import socket
from dataclasses import dataclass, fields
from typing import Any

# Upper bounds: past these a value is a typo (or an attack), and honouring it would exhaust
# memory or wait for days before saying so.
MAX_ROUNDS = 100_000
MAX_WARMUP_ROUNDS = 1_000
MAX_OUTPUT_TOKENS = 1_000_000
MAX_TEMPERATURE = 2.0  # the OpenAI API's own range
MAX_TIMEOUT_S = 86_400.0
# The endpoint client pools 100 connections: past that a request would wait for one inside
# its own timed region, and its TTFT would no longer be the server's.
MAX_CONCURRENCY = 64
# A device label names a row of the fleet table; longer than this is not a name.
MAX_LABEL_CHARS = 64
# Control characters (C0, DEL, C1), Unicode line/paragraph separators and lone surrogates: a
# label is shown in terminals, tables and reports, where each of these breaks a line or a cell.
_LABEL_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def is_finite_number(value: object) -> bool:
    """A real int or float (not a bool), neither NaN nor infinite."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class RunSettings:
    rounds: int = 3
    warmup_rounds: int = 1
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int | None = 42
    stream: bool = True
    timeout_s: float = 120.0
    concurrency: int = 1
    # The device this run measures (``environment.label`` in results.json, a row of the fleet
    # table); empty: the host name, filled in when the run starts.
    label: str = ""
    # The whole of one request, however steadily bytes come: a server that streams forever
    # (or a trickle of keep-alives) is stopped here, while timeout_s only sees silence.
    deadline_s: float = 600.0


# What each field means to a person, for messages that name the field their way.
FIELD_LABELS = {
    "rounds": "Rounds",
    "warmup_rounds": "Warm-up rounds",
    "max_tokens": "Max tokens",
    "temperature": "Temperature",
    "seed": "Seed",
    "stream": "Streaming",
    "timeout_s": "Timeout",
    "concurrency": "Concurrent requests",
    "label": "Device label",
    "deadline_s": "Request deadline",
}


def parse_run_settings(data: object, where: str = "settings") -> RunSettings:
    """Settings from JSON data; a value of the wrong type raises ``ValueError`` naming
    ``where.field`` (a missing field keeps its default, an unknown one is ignored)."""
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be an object")
    defaults = RunSettings()
    kwargs: dict[str, Any] = {}
    for f in fields(RunSettings):
        if f.name not in data:
            continue
        value, default = data[f.name], getattr(defaults, f.name)
        if f.name == "seed" and value is None:
            kwargs[f.name] = None
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise ValueError(f"{where}.{f.name} must be a string")
            kwargs[f.name] = value
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{where}.{f.name} must be true or false")
            kwargs[f.name] = value
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{where}.{f.name} must be an integer")
            kwargs[f.name] = value
        else:
            if not is_finite_number(value):
                raise ValueError(f"{where}.{f.name} must be a finite number")
            kwargs[f.name] = float(value)
    return RunSettings(**kwargs)


def run_settings_problems(settings: RunSettings) -> list[tuple[str, str]]:
    """``(field, problem)`` for each value out of range (empty: the settings can run).

    The problem reads after the field's name: ``("rounds", "must be 1 or more")``.
    """
    s = settings
    out: list[tuple[str, str]] = []

    def whole(name: str, value: object, low: int, high: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            out.append((name, "must be a whole number"))
        elif value < low:
            out.append((name, f"must be {low} or more"))
        elif value > high:
            out.append((name, f"must be at most {high:,}"))

    whole("rounds", s.rounds, 1, MAX_ROUNDS)
    whole("warmup_rounds", s.warmup_rounds, 0, MAX_WARMUP_ROUNDS)
    whole("max_tokens", s.max_tokens, 1, MAX_OUTPUT_TOKENS)
    whole("concurrency", s.concurrency, 1, MAX_CONCURRENCY)
    if not is_finite_number(s.temperature) or s.temperature < 0:
        out.append(("temperature", "must be 0 or more"))
    elif s.temperature > MAX_TEMPERATURE:
        out.append(("temperature", f"must be at most {MAX_TEMPERATURE:g}"))
    for name in ("timeout_s", "deadline_s"):
        seconds = getattr(s, name)
        if not is_finite_number(seconds) or seconds <= 0:
            out.append((name, "must be more than 0 seconds"))
        elif seconds > MAX_TIMEOUT_S:
            out.append((name, f"must be at most {MAX_TIMEOUT_S:,.0f} seconds"))
    if s.seed is not None and (isinstance(s.seed, bool) or not isinstance(s.seed, int)):
        out.append(("seed", "must be a whole number or empty"))
    elif s.seed is not None and not -(2**63) <= s.seed < 2**63:
        out.append(("seed", "must fit in 64 bits"))
    problem = label_problem(s.label)
    if problem:
        out.append(("label", problem))
    return out


def label_problem(label: object) -> str | None:
    """Why ``label`` cannot name a device, or None (empty is fine: the host name is used)."""
    if not isinstance(label, str):
        return "must be text"
    if len(label) > MAX_LABEL_CHARS:
        return f"must be at most {MAX_LABEL_CHARS} characters"
    if _LABEL_FORBIDDEN.search(label):
        return "must not hold control characters, line breaks or lone surrogates"
    if label and label != label.strip():
        return "must not start or end with spaces"
    return None


def host_label() -> str:
    """The default device label: this machine's host name, made a valid label."""
    name = _LABEL_FORBIDDEN.sub("", socket.gethostname()).strip()[:MAX_LABEL_CHARS].strip()
    return name or "unknown-host"
