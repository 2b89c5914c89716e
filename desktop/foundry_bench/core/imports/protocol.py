"""What the parent tells the conversion process, and the JSON lines it answers with.

Job: one JSON argument (paths, precision). Answer, on stdout, one object per line:
``{"event": "step", "step": "build", "message": "converting layer 3 of 30", "percent": 41.2}``
(percent may be null where a tool gives no measure), then ``{"event": "done"}`` or
``{"event": "error", "message": "..."}``. A line that is not such an object is ignored, so a
library that prints to the wrong stream cannot break the parent.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Literal

Precision = Literal["int4", "fp16", "fp32"]
PRECISIONS: tuple[Precision, ...] = ("int4", "fp16", "fp32")
_MAX_LINE = 64 * 1024


@dataclass(frozen=True)
class ConversionJob:
    kind: str  # "gguf" or "hf"
    source: str
    out: str
    work: str
    precision: str
    member: str | None = None
    num_layers: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ConversionJob:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class ConversionEvent:
    """One report of the conversion: ``kind`` is step, done or error."""

    kind: str
    step: str = ""
    message: str = ""
    percent: float | None = None


def encode_event(kind: str, **fields: object) -> str:
    return json.dumps({"event": kind, **fields}, ensure_ascii=True) + "\n"


def decode_event(line: str) -> ConversionEvent | None:
    if len(line) > _MAX_LINE:
        return None
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("event") not in ("step", "done", "error"):
        return None
    raw = data.get("percent")
    percent: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        percent = min(max(float(raw), 0.0), 100.0)
    return ConversionEvent(
        kind=data["event"],
        step=_text(data.get("step")),
        message=_text(data.get("message")),
        percent=percent,
    )


def _text(value: object) -> str:
    return value[:2000] if isinstance(value, str) else ""
