"""Rubric scores for a run's answers: ``annotations.json``, merging annotators, agreement, quality.

The file is the contract of ``docs/design.md`` ("Files") plus fields this module adds::

    {"schema_version": 1, "run_id", "annotator", "blind": bool, "criteria": [{"id", "label",
     "description"}], "scores": [{"sample_key", "criterion", "score": 1..5, "note",
     "updated_at"}], "notes": [{"sample_key", "note", "updated_at"}], "preferences":
     [{"prompt_id", "round", "sample_a", "sample_b", "model_a", "model_b", "winner":
     "<model id>|tie", "updated_at"}], "shuffle_seed": int, "position": {...},
     "created_at", "updated_at", "judge": {"model", ...} (automatic annotators only)}

Losing a score is the one thing that must never happen, so the file is rewritten atomically
after every change, and a file this module cannot read is never written over: every problem is
an :class:`AnnotationFileError` naming the file and the problem, and the caller decides (the
app keeps a ``.corrupt-<stamp>`` copy before it starts a new file, and only when asked).

The blind order is a seeded shuffle that two annotators of the same run share: the seed is
derived from the run id (and stored in the file), and the order sorts answers by a SHA-256 of
seed and key, so it depends on no library's random generator and an answer keeps its place
relative to the others whatever else the run holds.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from foundry_bench.core.config.files import (
    ASPECT_PREFIX,
    DEFAULT_CRITERIA,
    Criterion,
    PromptSpec,
    aspect_id,
    criteria_for,
    load_rubric,
)
from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.results.records import Measurement, Run, Sample, utc_now

__all__ = [
    "ANNOTATIONS_FILE",
    "JUDGE_PREFIX",
    "SCHEMA_VERSION",
    "AnnotationFileError",
    "AnnotationSet",
    "JudgeProgress",
    "MergeError",
    "MergedAnnotations",
    "Pair",
    "Preference",
    "Score",
    "agreement",
    "backup_corrupt",
    "blind_order",
    "criteria_by_prompt",
    "disagreements",
    "judge_agreement",
    "judge_annotator",
    "judge_file_name",
    "judge_messages",
    "krippendorff_alpha_ordinal",
    "load_annotations",
    "merge_annotations",
    "new_annotations",
    "new_judge_set",
    "open_annotations",
    "pareto_front",
    "parse_judge_score",
    "quality_summary",
    "rubric_for_run",
    "run_judge",
    "run_order",
    "run_prompts",
    "save_annotations",
    "scorable_samples",
    "seed_for_run",
    "side_by_side_pairs",
    "weighted_kappa",
]

SCHEMA_VERSION = 1
ANNOTATIONS_FILE = "annotations.json"
RUBRIC_FILE = "rubric.json"
JUDGE_PREFIX = "judge:"
SCORE_MIN, SCORE_MAX = 1, 5
CATEGORIES = tuple(range(SCORE_MIN, SCORE_MAX + 1))
TIE = "tie"

Mode = Literal["single", "pairs"]


class AnnotationFileError(ValueError):
    """An annotations file that cannot be used; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


class MergeError(ValueError):
    """Annotation files that do not belong together (another run)."""


# ---------------------------------------------------------------------------------------------
# Records


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
        if value is None:
            self.scores.pop((sample_key, criterion), None)
        else:
            _check_score(value)
            old = self.scores.get((sample_key, criterion))
            note = old.note if old is not None else ""
            self.scores[(sample_key, criterion)] = Score(
                sample_key, criterion, value, note, utc_now()
            )
        self.touch()

    def note(self, sample_key: str) -> str:
        return self.notes.get(sample_key, ("", ""))[0]

    def set_note(self, sample_key: str, text: str) -> bool:
        """Set an answer's note; False (and nothing changes) when it is the same text."""
        text = text.strip()
        if text == self.note(sample_key):
            return False
        if text:
            self.notes[sample_key] = (text, utc_now())
        else:
            self.notes.pop(sample_key, None)
        self.touch()
        return True

    def preference(self, pair: Pair) -> str | None:
        entry = self.preferences.get((pair.sample_a, pair.sample_b))
        return entry.winner if entry is not None else None

    def set_preference(self, pair: Pair, winner: str | None) -> None:
        """``winner`` is one of the pair's models, :data:`TIE`, or ``None`` to clear."""
        key = (pair.sample_a, pair.sample_b)
        if winner is None:
            self.preferences.pop(key, None)
        else:
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
            position=dict(self.position),
            judge=dict(self.judge) if self.judge is not None else None,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "run_id": self.run_id,
            "annotator": self.annotator,
            "blind": self.blind,
            "criteria": [c.to_dict() for c in self.criteria],
            "scores": [s.to_dict() for s in self.scores.values()],
            "notes": [
                {"sample_key": k, "note": note, "updated_at": at}
                for k, (note, at) in self.notes.items()
            ],
            "preferences": [p.to_dict() for p in self.preferences.values()],
            "shuffle_seed": self.shuffle_seed,
            "position": self.position,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if self.judge is not None:
            data["judge"] = self.judge
        return data


def _check_score(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not SCORE_MIN <= value <= SCORE_MAX:
        raise ValueError(f"a score must be a whole number from {SCORE_MIN} to {SCORE_MAX}")
    return value


# ---------------------------------------------------------------------------------------------
# A run's criteria and answers


def seed_for_run(run_id: str) -> int:
    """The default shuffle seed: the same for everyone who scores this run."""
    return int.from_bytes(hashlib.sha256(run_id.encode("utf-8")).digest()[:4], "big")


def rubric_for_run(run_dir: Path | None) -> list[Criterion]:
    """The run folder's ``rubric.json`` when it has one, else the default criteria.

    Raises :class:`~foundry_bench.core.config.files.ConfigError` for a broken rubric file.
    """
    if run_dir is not None and (run_dir / RUBRIC_FILE).is_file():
        return load_rubric(run_dir / RUBRIC_FILE).items
    return list(DEFAULT_CRITERIA)


def run_prompts(run: Run) -> list[PromptSpec]:
    """The run's prompts as specs (a prompt dict with odd fields is read leniently)."""
    out: list[PromptSpec] = []
    for raw in run.prompts:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        aspects = raw.get("aspects") or []
        out.append(
            PromptSpec(
                id=raw["id"],
                text=str(raw.get("text") or ""),
                aspects=tuple(a for a in aspects if isinstance(a, str) and a.strip()),
                system=raw.get("system") if isinstance(raw.get("system"), str) else None,
            )
        )
    return out


def criteria_by_prompt(criteria: Sequence[Criterion], run: Run) -> dict[str, list[Criterion]]:
    """For each prompt id: the rubric criteria, then that prompt's own aspects.

    A prompt's aspects are criteria for its answers only; the other prompts' aspects do not
    apply to it. A prompt unknown to the run gets the rubric criteria alone.
    """
    by_id = {c.id: c for c in criteria}
    rubric = [c for c in criteria if not c.id.startswith(ASPECT_PREFIX)]
    out: dict[str, list[Criterion]] = {}
    for prompt in run_prompts(run):
        own = [by_id[a] for a in dict.fromkeys(aspect_id(x) for x in prompt.aspects) if a in by_id]
        out[prompt.id] = rubric + own
    out.setdefault("", rubric)
    return out


def scorable_samples(run: Run) -> list[Sample]:
    """The answers to score: timed (no warm-ups) and ``ok``, in the run's order."""
    return [s for s in run.samples if not s.warmup and s.status == "ok"]


def _hash_rank(seed: int, *parts: str) -> bytes:
    return hashlib.sha256("\x1f".join((str(seed), *parts)).encode("utf-8")).digest()


def blind_order(keys: Iterable[str], seed: int) -> list[str]:
    """The keys in the seeded blind order (see the module docstring)."""
    return sorted(keys, key=lambda k: _hash_rank(seed, k))


def run_order(run: Run) -> list[str]:
    """Answer keys as the run lists them, grouped by model, then prompt, then round."""
    models = {m.id: i for i, m in enumerate(run.models)}
    prompts = {p.get("id"): i for i, p in enumerate(run.prompts) if isinstance(p, dict)}
    samples = scorable_samples(run)
    samples.sort(
        key=lambda s: (
            models.get(s.model, len(models)),
            prompts.get(s.prompt_id, len(prompts)),
            s.round,
        )
    )
    return [s.key for s in samples]


@dataclass(frozen=True)
class Pair:
    """Two models' answers to one prompt in one round (``model_a`` first in the run)."""

    prompt_id: str
    round: int
    sample_a: str
    sample_b: str
    model_a: str
    model_b: str

    def swapped(self, seed: int) -> bool:
        """Whether blind mode shows B on the left (so position says nothing of the model)."""
        return _hash_rank(seed, self.sample_a, self.sample_b)[0] & 1 == 1


def side_by_side_pairs(run: Run, seed: int | None = None) -> list[Pair]:
    """Every pair of models' answers to the same prompt and round.

    In run order, or in a seeded blind order when ``seed`` is given.
    """
    model_rank = {m.id: i for i, m in enumerate(run.models)}
    groups: dict[tuple[str, int], list[Sample]] = {}
    for sample in scorable_samples(run):
        groups.setdefault((sample.prompt_id, sample.round), []).append(sample)
    pairs: list[Pair] = []
    for (prompt_id, round_no), samples in groups.items():
        samples.sort(key=lambda s: model_rank.get(s.model, len(model_rank)))
        for a, b in itertools.combinations(samples, 2):
            if a.model != b.model:
                pairs.append(Pair(prompt_id, round_no, a.key, b.key, a.model, b.model))
    if seed is not None:
        pairs.sort(key=lambda p: _hash_rank(seed, p.sample_a, p.sample_b))
    return pairs


def new_annotations(
    run: Run,
    annotator: str,
    *,
    rubric: Sequence[Criterion] | None = None,
    blind: bool = True,
    seed: int | None = None,
) -> AnnotationSet:
    """A new, empty set for ``run``: the rubric's criteria plus every prompt aspect."""
    criteria = criteria_for(
        list(rubric if rubric is not None else DEFAULT_CRITERIA), run_prompts(run)
    )
    now = utc_now()
    return AnnotationSet(
        run_id=run.run_id,
        annotator=annotator.strip() or "anonymous",
        criteria=criteria,
        blind=blind,
        shuffle_seed=seed_for_run(run.run_id) if seed is None else seed,
        created_at=now,
        updated_at=now,
    )


def open_annotations(
    path: Path, run: Run, *, annotator: str, rubric: Sequence[Criterion] | None = None
) -> tuple[AnnotationSet, bool]:
    """The set in ``path`` (checked to be this run's), or a new one; and whether it is new.

    A new set is not written until its first change. New prompt aspects (a rubric or prompts
    changed since) are added to an existing set's criteria; none is ever removed.
    """
    if not path.exists():
        return new_annotations(run, annotator, rubric=rubric), True
    ann = load_annotations(path)
    if ann.run_id != run.run_id:
        raise AnnotationFileError(
            path,
            f"it holds scores of run {ann.run_id!r}, not of the open run {run.run_id!r}; "
            "move it away or open the run it belongs to",
        )
    wanted = criteria_for(
        list(rubric if rubric is not None else DEFAULT_CRITERIA), run_prompts(run)
    )
    known = {c.id for c in ann.criteria}
    ann.criteria += [c for c in wanted if c.id not in known]
    return ann, False


# ---------------------------------------------------------------------------------------------
# The file


def save_annotations(path: Path, ann: AnnotationSet) -> None:
    """Write the set atomically (the old file or the new one is on disk, never half)."""
    atomic_write_text(path, annotations_text(ann))


def annotations_text(ann: AnnotationSet) -> str:
    """The file's text: one top-level field per line and one score (or note, preference,
    criterion) per line, so it reads and diffs well.

    ``json.dumps(indent=...)`` would do it with the pure-Python encoder, several times slower
    than the C one: with thousands of scores, the difference between a key press that feels
    instant and one that does not. So each list is encoded in one C call and then broken
    between items: the list items are flat objects, and ``}, {"`` cannot occur inside a JSON
    string (a quote in a string is always escaped), so it only ever separates two items.
    """
    lines = ["{"]
    items = list(ann.to_dict().items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        name = json.dumps(key)
        encoded = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        if isinstance(value, list) and value:
            inner = encoded[1:-1].replace('}, {"', '},\n  {"')
            lines.append(f" {name}: [\n  {inner}\n ]{comma}")
        else:
            lines.append(f" {name}: {encoded}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def backup_corrupt(path: Path) -> Path:
    """Copy an unreadable file to ``<name>.corrupt-<UTC stamp>`` beside it; the copy's path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    shutil.copy2(path, target)
    return target


def load_annotations(path: Path) -> AnnotationSet:
    """Read and check an annotations file; :class:`AnnotationFileError` for any problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AnnotationFileError(path, f"cannot read it ({exc.strerror or exc})") from exc
    ann = parse_annotations(raw, path)
    ann.source = path
    return ann


def parse_annotations(raw: bytes, path: Path) -> AnnotationSet:
    """Parse the bytes of an annotations file (``path`` names it in messages)."""
    if not raw.strip():
        raise AnnotationFileError(path, "the file is empty (not an annotations file)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnnotationFileError(
            path, f"not UTF-8 text (byte {exc.start}): not an annotations file, or damaged"
        ) from exc
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise AnnotationFileError(
            path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError as exc:
        raise AnnotationFileError(path, "invalid JSON: nested too deeply") from exc
    except ValueError as exc:  # NaN/Infinity, or an integer too long to read
        raise AnnotationFileError(path, f"invalid JSON: {exc}") from exc
    try:
        return _from_data(data, path)
    except _Invalid as exc:
        raise AnnotationFileError(path, str(exc)) from exc


class _Invalid(ValueError):
    pass


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


# Migrations from schema version N to N + 1 (napari's settings migrations): each takes the
# parsed file of version N and returns the same content in version N + 1.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a parsed file up to :data:`SCHEMA_VERSION` (raises ``_Invalid`` if it cannot)."""
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _Invalid(f"schema_version must be a whole number, not {_kind(version)}")
    if version > SCHEMA_VERSION:
        raise _Invalid(
            f"schema_version {version} was written by a newer version of the app "
            f"(this one reads up to {SCHEMA_VERSION}); update the app to open it"
        )
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise _Invalid(f"schema_version {version} is not supported")
        data = step(data)
        version += 1
        data["schema_version"] = version
    return data


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", str: "a string", list: "a list", dict: "an object"}.get(
        type(value), "a number"
    )


def _text(item: Mapping[str, Any], name: str, where: str, *, optional: bool = False) -> str:
    value = item.get(name)
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise _Invalid(f"{where}.{name} must be a string, not {_kind(value)}")
    return value


def _list(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Invalid(f"{name!r} must be a list, not {_kind(value)}")
    return value


def _objects(data: Mapping[str, Any], name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for i, item in enumerate(_list(data, name)):
        where = f"{name}[{i}]"
        if not isinstance(item, dict):
            raise _Invalid(f"{where} must be an object, not {_kind(item)}")
        yield where, item


def _from_data(data: object, path: Path) -> AnnotationSet:
    if not isinstance(data, dict):
        raise _Invalid(f"expected a JSON object at the top level, not {_kind(data)}")
    if "samples" in data and "annotator" not in data:
        raise _Invalid("this is a run's results file, not an annotations file")
    if "schema_version" not in data or "annotator" not in data:
        missing = [k for k in ("schema_version", "run_id", "annotator") if k not in data]
        raise _Invalid(f"not an annotations file (no {', '.join(missing)})")
    data = migrate(data)
    run_id = _text(data, "run_id", "$")
    annotator = _text(data, "annotator", "$")
    blind = data.get("blind", True)
    if not isinstance(blind, bool):
        raise _Invalid(f"'blind' must be true or false, not {_kind(blind)}")
    seed = data.get("shuffle_seed", seed_for_run(run_id))
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise _Invalid(f"'shuffle_seed' must be a whole number, not {_kind(seed)}")
    position = data.get("position") or {}
    if not isinstance(position, dict):
        raise _Invalid(f"'position' must be an object, not {_kind(position)}")
    judge = data.get("judge")
    if judge is not None and not isinstance(judge, dict):
        raise _Invalid(f"'judge' must be an object, not {_kind(judge)}")
    ann = AnnotationSet(
        run_id=run_id,
        annotator=annotator,
        criteria=_criteria(data),
        blind=blind,
        shuffle_seed=seed,
        position=position,
        created_at=_text(data, "created_at", "$", optional=True),
        updated_at=_text(data, "updated_at", "$", optional=True),
        judge=judge,
        source=path,
    )
    for where, item in _objects(data, "scores"):
        key = _text(item, "sample_key", where)
        criterion = _text(item, "criterion", where)
        value = item.get("score")
        try:
            _check_score(value)
        except ValueError as exc:
            raise _Invalid(f"{where}.score: {exc}, not {value!r:.20}") from None
        assert isinstance(value, int)
        note = _text(item, "note", where, optional=True)
        at = _text(item, "updated_at", where, optional=True)
        # A key given twice (a hand-merged file) keeps its later entry.
        ann.scores[(key, criterion)] = Score(key, criterion, value, note, at)
    for where, item in _objects(data, "notes"):
        note = _text(item, "note", where, optional=True)
        if note:
            ann.notes[_text(item, "sample_key", where)] = (
                note,
                _text(item, "updated_at", where, optional=True),
            )
    for where, item in _objects(data, "preferences"):
        pref = _preference(item, where)
        ann.preferences[(pref.sample_a, pref.sample_b)] = pref
    return ann


def _criteria(data: Mapping[str, Any]) -> list[Criterion]:
    out: list[Criterion] = []
    seen: set[str] = set()
    for i, item in enumerate(_list(data, "criteria")):
        where = f"criteria[{i}]"
        if isinstance(item, str):
            item = {"id": item}
        if not isinstance(item, dict):
            raise _Invalid(f"{where} must be an object, not {_kind(item)}")
        ident = _text(item, "id", where)
        if ident in seen:
            continue
        seen.add(ident)
        label = _text(item, "label", where, optional=True) or ident
        out.append(Criterion(ident, label, _text(item, "description", where, optional=True)))
    return out


def _preference(item: Mapping[str, Any], where: str) -> Preference:
    round_no = item.get("round", 0)
    if isinstance(round_no, bool) or not isinstance(round_no, int):
        raise _Invalid(f"{where}.round must be a whole number, not {_kind(round_no)}")
    pref = Preference(
        prompt_id=_text(item, "prompt_id", where, optional=True),
        round=round_no,
        sample_a=_text(item, "sample_a", where),
        sample_b=_text(item, "sample_b", where),
        model_a=_text(item, "model_a", where),
        model_b=_text(item, "model_b", where),
        winner=_text(item, "winner", where),
        updated_at=_text(item, "updated_at", where, optional=True),
    )
    if pref.winner not in (pref.model_a, pref.model_b, TIE):
        raise _Invalid(f"{where}.winner must be model_a, model_b or 'tie'")
    return pref


# ---------------------------------------------------------------------------------------------
# Several annotators


@dataclass
class MergedAnnotations:
    """Everyone's scores of one run: ``ratings[(sample_key, criterion)][rater] = score``."""

    run_id: str
    raters: list[str]
    judges: list[str]
    criteria: list[Criterion]
    ratings: dict[tuple[str, str], dict[str, int]]

    @property
    def people(self) -> list[str]:
        return [r for r in self.raters if r not in self.judges]


def merge_annotations(sets: Sequence[AnnotationSet]) -> MergedAnnotations:
    """Merge annotators' sets of the same run; :class:`MergeError` for another run's file.

    Two files with the same annotator name stay two raters (the second is called
    ``"name (2)"``): counting one person twice would inflate agreement.
    """
    if not sets:
        raise MergeError("no annotation files to merge")
    first = sets[0]
    raters: list[str] = []
    judges: list[str] = []
    criteria: dict[str, Criterion] = {}
    ratings: dict[tuple[str, str], dict[str, int]] = {}
    for ann in sets:
        if ann.run_id != first.run_id:
            raise MergeError(
                f"{_describe_source(ann)} scores run {ann.run_id!r}, but "
                f"{_describe_source(first)} scores run {first.run_id!r}: "
                "only files of the same run can be merged"
            )
        name = ann.annotator
        n = 1
        while name in raters:
            n += 1
            name = f"{ann.annotator} ({n})"
        raters.append(name)
        if ann.is_judge:
            judges.append(name)
        for criterion in ann.criteria:
            criteria.setdefault(criterion.id, criterion)
        for (key, crit), score in ann.scores.items():
            ratings.setdefault((key, crit), {})[name] = score.score
    return MergedAnnotations(first.run_id, raters, judges, list(criteria.values()), ratings)


def _describe_source(ann: AnnotationSet) -> str:
    where = f" ({ann.source})" if ann.source is not None else ""
    return f"{ann.annotator!r}'s file{where}"


# ---------------------------------------------------------------------------------------------
# Agreement statistics


def krippendorff_alpha_ordinal(
    units: Iterable[Sequence[int]], categories: Sequence[int] = CATEGORIES
) -> float | None:
    """Krippendorff's alpha for ordinal data, any number of raters, missing values allowed.

    ``units`` holds each item's scores (one per rater who scored it). Items with fewer than two
    scores cannot be paired and are left out. From the coincidence matrix ``o`` (each pair of
    scores within an item adds ``1 / (m_u - 1)``), its marginals ``n_c`` and total ``n``, with
    the ordinal distance ``d(c, k) = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2``:
    ``alpha = 1 - (n - 1) * sum(o * d) / sum(n_c * n_k * d)`` (Krippendorff 2011,
    "Computing Krippendorff's Alpha-Reliability"). None when it is undefined: no pairable
    item, or every score the same (no expected disagreement).
    """
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    o = np.zeros((k, k), dtype=np.float64)
    for unit in units:
        values = [index[v] for v in unit if v in index]
        m = len(values)
        if m < 2:
            continue
        counts = np.bincount(values, minlength=k).astype(np.float64)
        # Ordered pairs of different raters within the item: n_c * n_k, minus self-pairs.
        o += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    if n <= 1:
        return None
    cum = np.concatenate(([0.0], np.cumsum(n_c)))
    lo = np.minimum.outer(np.arange(k), np.arange(k))
    hi = np.maximum.outer(np.arange(k), np.arange(k))
    delta = (cum[hi + 1] - cum[lo] - (n_c[lo] + n_c[hi]) / 2.0) ** 2
    observed = float((o * delta).sum())
    expected = float((np.outer(n_c, n_c) * delta).sum())
    if expected <= 0.0:
        return None
    return 1.0 - (n - 1.0) * observed / expected


def weighted_kappa(
    a: Sequence[int], b: Sequence[int], categories: Sequence[int] = CATEGORIES
) -> float | None:
    """Cohen's kappa with quadratic weights for two raters' scores of the same items.

    ``kappa = 1 - sum(w * O) / sum(w * E)`` with ``w[i, j] = (i - j)^2``, ``O`` the observed
    joint proportions and ``E`` the product of the two raters' marginals. None when undefined
    (no items, or no expected disagreement: both raters gave one and the same score).
    """
    if len(a) != len(b):
        raise ValueError("both raters must score the same items")
    index = {c: i for i, c in enumerate(categories)}
    pairs = [(index[x], index[y]) for x, y in zip(a, b, strict=True) if x in index and y in index]
    if not pairs:
        return None
    k = len(categories)
    observed = np.zeros((k, k), dtype=np.float64)
    for i, j in pairs:
        observed[i, j] += 1.0
    observed /= len(pairs)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    grid = np.arange(k, dtype=np.float64)
    weights = (grid[:, None] - grid[None, :]) ** 2
    denominator = float((weights * expected).sum())
    if denominator <= 0.0:
        return None
    return 1.0 - float((weights * observed).sum()) / denominator


def _items_by_criterion(
    merged: MergedAnnotations, raters: Sequence[str]
) -> dict[str, list[tuple[str, dict[str, int]]]]:
    wanted = set(raters)
    out: dict[str, list[tuple[str, dict[str, int]]]] = {}
    for (key, crit), by_rater in merged.ratings.items():
        scores = {r: s for r, s in by_rater.items() if r in wanted}
        if scores:
            out.setdefault(crit, []).append((key, scores))
    return out


def agreement(
    merged: MergedAnnotations, raters: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Per criterion (and ``"*"`` for all criteria pooled): how well the raters agree.

    ``{"criterion", "label", "n_items"`` (items scored by two raters or more), ``"n_raters",
    "alpha"`` (Krippendorff, ordinal), ``"kappa"`` (quadratic-weighted Cohen's kappa, only
    with exactly two raters, else None)}. People only by default: the judge has its own
    comparison (:func:`judge_agreement`).
    """
    chosen = list(raters) if raters is not None else merged.people
    by_crit = _items_by_criterion(merged, chosen)
    labels = {c.id: c.label for c in merged.criteria}
    order = [c.id for c in merged.criteria] + [c for c in by_crit if c not in labels]
    rows: list[dict[str, Any]] = []
    pooled: list[tuple[str, dict[str, int]]] = []
    for crit in order:
        items = by_crit.get(crit, [])
        pooled += items
        rows.append(_agreement_row(crit, labels.get(crit, crit), items, chosen))
    rows.append(_agreement_row("*", "All criteria", pooled, chosen))
    return rows


def _agreement_row(
    crit: str, label: str, items: list[tuple[str, dict[str, int]]], raters: Sequence[str]
) -> dict[str, Any]:
    paired = [scores for _key, scores in items if len(scores) >= 2]
    kappa = None
    if len(raters) == 2:
        a, b = raters
        both = [s for s in paired if a in s and b in s]
        kappa = weighted_kappa([s[a] for s in both], [s[b] for s in both])
    return {
        "criterion": crit,
        "label": label,
        "n_items": len(paired),
        "n_raters": len({r for s in paired for r in s}),
        "alpha": krippendorff_alpha_ordinal(list(s.values()) for s in paired),
        "kappa": kappa,
    }


def disagreements(
    merged: MergedAnnotations, limit: int = 10, raters: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Where people disagree most: items by score spread (max - min), then by std.

    ``{"sample_key", "criterion", "label", "scores": {rater: score}, "spread", "std"}``;
    only items two raters or more scored and did not score alike.
    """
    chosen = list(raters) if raters is not None else merged.people
    labels = {c.id: c.label for c in merged.criteria}
    rows: list[dict[str, Any]] = []
    for crit, items in _items_by_criterion(merged, chosen).items():
        for key, scores in items:
            values = list(scores.values())
            spread = max(values) - min(values)
            if len(values) < 2 or spread == 0:
                continue
            rows.append(
                {
                    "sample_key": key,
                    "criterion": crit,
                    "label": labels.get(crit, crit),
                    "scores": scores,
                    "spread": spread,
                    "std": float(np.std(values)),
                }
            )
    rows.sort(key=lambda r: (-r["spread"], -r["std"], r["sample_key"], r["criterion"]))
    return rows[:limit]


def judge_agreement(merged: MergedAnnotations, judge: str) -> list[dict[str, Any]]:
    """Per criterion (and ``"*"`` pooled): the judge against each person, weighted kappa.

    ``{"criterion", "label", "n_items", "kappa"}``: ``kappa`` is the mean over the people of
    the judge-vs-person quadratic-weighted kappa on the items both scored (None if undefined).
    """
    people = merged.people
    by_crit = _items_by_criterion(merged, [judge, *people])
    labels = {c.id: c.label for c in merged.criteria}
    rows = []
    pooled: list[tuple[str, dict[str, int]]] = []
    for crit in [c.id for c in merged.criteria]:
        items = by_crit.get(crit, [])
        pooled += items
        rows.append(_judge_row(crit, labels[crit], items, judge, people))
    rows.append(_judge_row("*", "All criteria", pooled, judge, people))
    return rows


def _judge_row(
    crit: str,
    label: str,
    items: list[tuple[str, dict[str, int]]],
    judge: str,
    people: Sequence[str],
) -> dict[str, Any]:
    kappas = []
    n_items = 0
    for person in people:
        both = [s for _k, s in items if judge in s and person in s]
        n_items = max(n_items, len(both))
        kappa = weighted_kappa([s[judge] for s in both], [s[person] for s in both])
        if kappa is not None:
            kappas.append(kappa)
    mean = float(np.mean(kappas)) if kappas else None
    return {"criterion": crit, "label": label, "n_items": n_items, "kappa": mean}


# ---------------------------------------------------------------------------------------------
# Quality per model


def _cluster_mean_ci(
    groups: Sequence[Sequence[int]], n_boot: int, rng: np.random.Generator
) -> tuple[float | None, list[float] | None]:
    """Mean of all scores, and a 95% bootstrap CI that resamples answers, not scores.

    An answer's scores (several criteria, several annotators) are not independent of each
    other, so resampling single scores would make the interval too narrow.
    """
    groups = [g for g in groups if g]
    if not groups:
        return None, None
    sums = np.array([sum(g) for g in groups], dtype=np.float64)
    counts = np.array([len(g) for g in groups], dtype=np.float64)
    mean = float(sums.sum() / counts.sum())
    if len(groups) < 2:
        return mean, None
    idx = rng.integers(0, len(groups), size=(n_boot, len(groups)))
    replicates = sums[idx].sum(axis=1) / counts[idx].sum(axis=1)
    lo, hi = np.percentile(replicates, [2.5, 97.5], method="linear")
    return mean, [float(lo), float(hi)]


def _stats_entry(
    per_answer: Mapping[str, list[int]], n_boot: int, rng: np.random.Generator
) -> dict[str, Any]:
    groups = list(per_answer.values())
    mean, ci = _cluster_mean_ci(groups, n_boot, rng)
    return {
        "n_answers": sum(1 for g in groups if g),
        "n_scores": sum(len(g) for g in groups),
        "mean": mean,
        "ci": ci,
    }


def quality_summary(
    run: Run, annotation_sets: Sequence[AnnotationSet], *, n_boot: int = 2000, seed: int = 0
) -> list[dict[str, Any]]:
    """Mean score per model, overall and per criterion, with 95% bootstrap CIs (for reports).

    One entry per model of the run (run order)::

        {"model", "n_answers", "n_scores", "mean", "ci": [lo, hi] | None,
         "criteria": [{"criterion", "label", "n_answers", "n_scores", "mean", "ci"}],
         "aspects": {...same fields, every prompt aspect pooled...},
         "judge": {"annotators": [...], "n_answers", "n_scores", "mean", "ci"} | None}

    People's scores make ``mean`` and ``criteria`` (every criterion, every file, as
    ``docs/design.md`` asks); automatic judges (annotator ``judge:<model>``) are kept apart in
    ``judge``. Scores of answers the run does not have are ignored. A file of another run
    raises :class:`MergeError`. ``mean`` is None for a model nobody scored.
    """
    for ann in annotation_sets:
        if ann.run_id != run.run_id:
            raise MergeError(
                f"{_describe_source(ann)} scores run {ann.run_id!r}, not run {run.run_id!r}"
            )
    model_of = {s.key: s.model for s in run.samples}
    models = list(dict.fromkeys([m.id for m in run.models] + [s.model for s in run.samples]))
    criteria: dict[str, Criterion] = {}
    for ann in annotation_sets:
        for c in ann.criteria:
            criteria.setdefault(c.id, c)
    # model -> bucket -> answer key -> scores
    people: dict[str, dict[str, dict[str, list[int]]]] = {m: {} for m in models}
    judges: dict[str, dict[str, list[int]]] = {m: {} for m in models}
    judge_names: list[str] = []
    for ann in annotation_sets:
        if ann.is_judge and ann.annotator not in judge_names:
            judge_names.append(ann.annotator)
        for (key, crit), score in ann.scores.items():
            model = model_of.get(key)
            if model is None:
                continue
            if ann.is_judge:
                judges[model].setdefault(key, []).append(score.score)
                continue
            buckets = people[model]
            buckets.setdefault("*", {}).setdefault(key, []).append(score.score)
            buckets.setdefault(crit, {}).setdefault(key, []).append(score.score)
            if crit.startswith(ASPECT_PREFIX):
                buckets.setdefault(ASPECT_PREFIX, {}).setdefault(key, []).append(score.score)
    rng = np.random.default_rng(seed)
    out = []
    for model in models:
        buckets = people[model]
        entry: dict[str, Any] = {"model": model, **_stats_entry(buckets.get("*", {}), n_boot, rng)}
        entry["criteria"] = [
            {
                "criterion": c.id,
                "label": c.label,
                **_stats_entry(buckets.get(c.id, {}), n_boot, rng),
            }
            for c in criteria.values()
        ]
        entry["aspects"] = _stats_entry(buckets.get(ASPECT_PREFIX, {}), n_boot, rng)
        entry["judge"] = (
            {"annotators": judge_names, **_stats_entry(judges[model], n_boot, rng)}
            if judge_names
            else None
        )
        out.append(entry)
    return out


def pareto_front(points: Sequence[tuple[float, float]]) -> list[bool]:
    """Which (latency, score) points no other point beats: as fast or faster *and* as good or
    better, and strictly one of the two. Non-finite points are never on the front."""
    flags = []
    for i, (x, y) in enumerate(points):
        if not (math.isfinite(x) and math.isfinite(y)):
            flags.append(False)
            continue
        dominated = any(
            j != i
            and math.isfinite(xj)
            and math.isfinite(yj)
            and xj <= x
            and yj >= y
            and (xj < x or yj > y)
            for j, (xj, yj) in enumerate(points)
        )
        flags.append(not dominated)
    return flags


# ---------------------------------------------------------------------------------------------
# The automatic judge (clearly labelled: a model scoring answers, not a person)

JUDGE_SYSTEM = (
    "You grade one answer of an AI assistant on one criterion. Reply with a single digit from "
    "1 (very poor) to 5 (excellent) and nothing else."
)
_SCORE_PATTERNS = (
    re.compile(r"(?<![\d.])([1-5])\s*(?:/|out of)\s*5(?![\d.])", re.IGNORECASE),
    re.compile(r"(?:score|rating|grade)\W{0,3}(?:is\W{0,2})?([1-5])(?![\d.])", re.IGNORECASE),
    re.compile(r"(?<![\d.])([1-5])(?![\d.])"),
)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def judge_annotator(model: str) -> str:
    return JUDGE_PREFIX + model


def judge_file_name(model: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-") or "model"
    return f"annotations-judge-{slug}.json"


def parse_judge_score(text: str) -> int | None:
    """The 1-5 score in a judge's reply, or None when it gives none.

    Accepts "4", "Score: 4", "**4**", "4/5", "4 out of 5", "four"; a "N/5" or "score: N"
    form wins over a bare digit elsewhere ("2 issues, so 4/5" is 4). Numbers outside 1-5
    ("10", "4.5", "0") are not scores.
    """
    for pattern in _SCORE_PATTERNS:
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    words = re.findall(r"[a-z]+", text.casefold())
    found = [_WORDS[w] for w in words if w in _WORDS]
    return found[0] if found else None


def judge_messages(
    prompt: PromptSpec | None, answer: str, criterion: Criterion
) -> list[dict[str, str]]:
    question = prompt.text if prompt is not None else "(the prompt is not recorded)"
    what = (
        f"{criterion.label}: {criterion.description}" if criterion.description else criterion.label
    )
    if criterion.id.startswith(ASPECT_PREFIX):
        what = f"Expected aspect of a good answer: {criterion.label}"
    return [
        {"role": "system", "content": JUDGE_SYSTEM},
        {
            "role": "user",
            "content": f"Prompt:\n{question}\n\nAnswer:\n{answer}\n\nCriterion: {what}\n\n"
            "Score (1-5):",
        },
    ]


@dataclass(frozen=True)
class JudgeProgress:
    done: int
    total: int
    scored: int
    unparsed: int
    last_error: str | None = None


class ChatClient(Protocol):
    """What the judge needs of ``core.endpoint.ChatEndpoint``."""

    def chat(
        self,
        model: str,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None,
        temperature: float | None,
        seed: int | None,
        stream: bool = True,
        cancel: threading.Event | None = None,
    ) -> Measurement: ...


def run_judge(
    run: Run,
    judge_set: AnnotationSet,
    path: Path,
    endpoint: ChatClient,
    model: str,
    *,
    cancel: threading.Event | None = None,
    save_every: int = 10,
    max_tokens: int = 8,
) -> Iterator[JudgeProgress]:
    """Ask ``model`` (through a ``ChatEndpoint``) to score every answer on every criterion.

    Fills ``judge_set`` (annotator ``judge:<model>``) and saves it to ``path`` every
    ``save_every`` scores and at the end; items it already scored are skipped, so a judge
    pass that was stopped resumes. A reply without a 1-5 number is counted, not stored.
    Yields progress after each request; stops between requests once ``cancel`` is set.
    """
    prompts = {p.id: p for p in run_prompts(run)}
    per_prompt = criteria_by_prompt(judge_set.criteria, run)
    todo = [
        (sample, crit)
        for sample in scorable_samples(run)
        for crit in per_prompt.get(sample.prompt_id, per_prompt[""])
        if judge_set.score(sample.key, crit.id) is None
    ]
    scored = unparsed = 0
    last_error: str | None = None
    try:
        for done, (sample, crit) in enumerate(todo, start=1):
            if cancel is not None and cancel.is_set():
                break
            m = endpoint.chat(
                model,
                judge_messages(prompts.get(sample.prompt_id), sample.response, crit),
                max_tokens=max_tokens,
                temperature=0.0,
                seed=0,
                stream=False,
                cancel=cancel,
            )
            value = parse_judge_score(m.response) if m.status == "ok" else None
            if m.status != "ok":
                last_error = m.error or m.status
            if value is None:
                unparsed += 1
            else:
                judge_set.set_score(sample.key, crit.id, value)
                scored += 1
                if scored % save_every == 0:
                    save_annotations(path, judge_set)
            yield JudgeProgress(done, len(todo), scored, unparsed, last_error)
    finally:
        if scored:
            save_annotations(path, judge_set)


def new_judge_set(
    run: Run, model: str, criteria: Sequence[Criterion], endpoint: str
) -> AnnotationSet:
    """An empty set for the automatic judge ``model``; blind by nature."""
    now = utc_now()
    return AnnotationSet(
        run_id=run.run_id,
        annotator=judge_annotator(model),
        criteria=list(criteria),
        blind=True,
        shuffle_seed=seed_for_run(run.run_id),
        created_at=now,
        updated_at=now,
        judge={"model": model, "endpoint": endpoint, "system_prompt": JUDGE_SYSTEM},
    )
