"""Rubric scores for a run's answers, as one annotator's set (what ``annotations.json`` holds).

The file is the contract of ``docs/design.md`` ("Files") plus fields this package adds::

    {"schema_version": 1, "run_id", "annotator", "blind": bool, "criteria": [{"id", "label",
     "description"}], "scores": [{"sample_key", "criterion", "score": 1..5, "note",
     "updated_at"}], "notes": [{"sample_key", "note", "updated_at"}], "preferences":
     [{"prompt_id", "round", "sample_a", "sample_b", "model_a", "model_b", "winner":
     "<model id>|tie", "updated_at"}], "cleared": [{"kind": "score|note|preference", "key":
     [...], "updated_at"}], "shuffle_seed": int, "position": {...}, "created_at",
     "updated_at", "judge": {"model", ...} (automatic annotators only)}

``cleared`` remembers when a score, note or preference was taken back, so that merging two
versions of one file (two windows or processes writing it, ``core.quality.shared_file``)
can tell "cleared later" from "never seen": every entry carries its time and the newest wins.

Text: a file is UTF-8, which cannot hold a lone surrogate (a Python string can, e.g. from a
JSON ``"\ud800"`` escape or a broken paste); :func:`clean_text` replaces each one with U+FFFD,
when the file is written and when it is read, so what the window shows after a reload is
what the file holds.

Reading and writing it: ``core.quality.files``; the scoring order: ``core.quality.order``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from foundry_bench.core.config.rubric import Criterion
from foundry_bench.core.quality.order import Pair
from foundry_bench.core.results.records import utc_now

SCHEMA_VERSION = 1
ANNOTATIONS_FILE = "annotations.json"
RUBRIC_FILE = "rubric.json"
JUDGE_PREFIX = "judge:"
SCORE_MIN, SCORE_MAX = 1, 5
CATEGORIES = tuple(range(SCORE_MIN, SCORE_MAX + 1))
TIE = "tie"

Mode = Literal["single", "pairs"]
# What a tombstone in ``cleared`` is of: ("score", key, criterion), ("note", key) or
# ("preference", sample_a, sample_b).
ClearedKey = tuple[str, ...]
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (see the module docstring)."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


class AnnotationFileError(ValueError):
    """An annotations file that cannot be used; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


class MergeError(ValueError):
    """Annotation files that do not belong together (another run)."""


@dataclass(frozen=True)
class Score:
    sample_key: str
    criterion: str
    score: int
    note: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample_key": self.sample_key,
            "criterion": self.criterion,
            "score": self.score,
            "note": self.note or None,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class Preference:
    """Which of two models answered the same prompt (and round) better, or a tie."""

    prompt_id: str
    round: int
    sample_a: str
    sample_b: str
    model_a: str
    model_b: str
    winner: str  # model_a, model_b or TIE
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt_id": self.prompt_id,
            "round": self.round,
            "sample_a": self.sample_a,
            "sample_b": self.sample_b,
            "model_a": self.model_a,
            "model_b": self.model_b,
            "winner": self.winner,
            "updated_at": self.updated_at,
        }


@dataclass
class AnnotationSet:
    """One annotator's scores of one run: what one ``annotations.json`` holds.

    ``source`` (not stored) is the file it came from, for messages.
    """

    run_id: str
    annotator: str
    criteria: list[Criterion]
    blind: bool = True
    shuffle_seed: int = 0
    scores: dict[tuple[str, str], Score] = field(default_factory=dict)
    notes: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (note, updated_at)
    preferences: dict[tuple[str, str], Preference] = field(default_factory=dict)
    cleared: dict[ClearedKey, str] = field(default_factory=dict)  # key -> when it was cleared
    position: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""
    judge: dict[str, Any] | None = None
    source: Path | None = None

    @property
    def is_judge(self) -> bool:
        return self.annotator.startswith(JUDGE_PREFIX)

    def score(self, sample_key: str, criterion: str) -> int | None:
        entry = self.scores.get((sample_key, criterion))
        return entry.score if entry is not None else None

    def set_score(self, sample_key: str, criterion: str, value: int | None) -> None:
        """Set (1-5) or clear (``None``) one score; the note of an existing score stays."""
        tomb = ("score", sample_key, criterion)
        if value is None:
            if self.scores.pop((sample_key, criterion), None) is not None:
                self.cleared[tomb] = utc_now()
        else:
            check_score(value)
            old = self.scores.get((sample_key, criterion))
            note = old.note if old is not None else ""
            self.scores[(sample_key, criterion)] = Score(
                sample_key, criterion, value, note, utc_now()
            )
            self.cleared.pop(tomb, None)
        self.touch()

    def note(self, sample_key: str) -> str:
        return self.notes.get(sample_key, ("", ""))[0]

    def set_note(self, sample_key: str, text: str, *, strip: bool = True) -> bool:
        """Set an answer's note; False (and nothing changes) when it is the same text.
        A note typed in the window is stripped; one imported from a sheet is kept as is."""
        text = clean_text(text.strip() if strip else text)
        if text == self.note(sample_key):
            return False
        if text:
            self.notes[sample_key] = (text, utc_now())
            self.cleared.pop(("note", sample_key), None)
        else:
            self.notes.pop(sample_key, None)
            self.cleared[("note", sample_key)] = utc_now()
        self.touch()
        return True

    def preference(self, pair: Pair) -> str | None:
        entry = self.preferences.get((pair.sample_a, pair.sample_b))
        return entry.winner if entry is not None else None

    def set_preference(self, pair: Pair, winner: str | None) -> None:
        """``winner`` is one of the pair's models, :data:`TIE`, or ``None`` to clear."""
        key = (pair.sample_a, pair.sample_b)
        tomb = ("preference", *key)
        if winner is None:
            if self.preferences.pop(key, None) is not None:
                self.cleared[tomb] = utc_now()
        else:
            self.cleared.pop(tomb, None)
            if winner not in (pair.model_a, pair.model_b, TIE):
                raise ValueError(f"winner {winner!r} is neither model of the pair nor 'tie'")
            self.preferences[key] = Preference(
                pair.prompt_id,
                pair.round,
                pair.sample_a,
                pair.sample_b,
                pair.model_a,
                pair.model_b,
                winner,
                utc_now(),
            )
        self.touch()

    def touch(self) -> None:
        self.updated_at = utc_now()

    def copy(self) -> AnnotationSet:
        """A copy whose containers can be read in another thread while this one changes."""
        return replace(
            self,
            criteria=list(self.criteria),
            scores=dict(self.scores),
            notes=dict(self.notes),
            preferences=dict(self.preferences),
            cleared=dict(self.cleared),
            position=dict(self.position),
            judge=dict(self.judge) if self.judge is not None else None,
        )

    def to_dict(self, *, lists: bool = True) -> dict[str, Any]:
        """The file's content (without its five lists when ``lists`` is False)."""
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "run_id": self.run_id,
            "annotator": self.annotator,
            "blind": self.blind,
            "shuffle_seed": self.shuffle_seed,
            "position": self.position,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if self.judge is not None:
            data["judge"] = self.judge
        if lists:
            data["criteria"] = [c.to_dict() for c in self.criteria]
            data["scores"] = [s.to_dict() for s in self.scores.values()]
            data["notes"] = [note_dict(k, v) for k, v in self.notes.items()]
            data["preferences"] = [p.to_dict() for p in self.preferences.values()]
            data["cleared"] = [cleared_dict(k, at) for k, at in self.cleared.items()]
        return data


def note_dict(sample_key: str, note: tuple[str, str]) -> dict[str, Any]:
    return {"sample_key": sample_key, "note": note[0], "updated_at": note[1]}


def cleared_dict(tomb: ClearedKey, at: str) -> dict[str, Any]:
    return {"kind": tomb[0], "key": list(tomb[1:]), "updated_at": at}


def check_score(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX:
        raise ValueError(f"a score must be a whole number from {SCORE_MIN} to {SCORE_MAX}")
    return value
