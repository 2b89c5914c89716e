"""``annotations.json``: read, check and migrate.

Losing a score is the one thing that must never happen, so a file this module cannot read is
never written over: every problem is an :class:`AnnotationFileError` naming the file and the
problem, and the caller decides (the app keeps a ``.corrupt-<stamp>`` copy before it starts a
new file, and only when asked). The text written: ``core.quality.file_text``; writing, with a
lock and a merge of what another writer put there meanwhile: ``core.quality.shared_file``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from foundry_bench.core.config.rubric import DEFAULT_CRITERIA, Criterion, criteria_for, load_rubric
from foundry_bench.core.jsonfile import JsonFileError, parse_json_bytes
from foundry_bench.core.quality import annotations as model  # SCHEMA_VERSION, read per call
from foundry_bench.core.quality.annotations import (
    RUBRIC_FILE,
    TIE,
    AnnotationFileError,
    AnnotationSet,
    Preference,
    Score,
    check_score,
    clean_text,
)
from foundry_bench.core.quality.order import run_prompts, seed_for_run
from foundry_bench.core.results.records import Run, utc_now

# Migrations from schema version N to N + 1 (napari's settings migrations): each takes the
# parsed file of version N and returns the same content in version N + 1.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def rubric_for_run(run_dir: Path | None) -> list[Criterion]:
    """The run folder's ``rubric.json`` when it has one, else the default criteria.

    Raises :class:`~foundry_bench.core.config._common.ConfigError` for a broken rubric file.
    """
    if run_dir is not None and (run_dir / RUBRIC_FILE).is_file():
        return load_rubric(run_dir / RUBRIC_FILE).items
    return list(DEFAULT_CRITERIA)


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


def file_slug(name: str, fallback: str) -> str:
    """``name`` as a safe part of a file name (letters, digits, ``.``, ``_``, ``-``)."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or fallback


def backup_corrupt(path: Path, *, move: bool = False) -> Path:
    """Copy (or move) an unreadable file to ``<name>.corrupt-<UTC stamp>`` beside it; the
    copy's path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    if move:
        os.replace(path, target)
    else:
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
        data = parse_json_bytes(raw, path, "an annotations file")
    except JsonFileError as exc:
        raise AnnotationFileError(path, exc.detail) from exc
    try:
        return _from_data(data, path)
    except _Invalid as exc:
        raise AnnotationFileError(path, str(exc)) from exc


class _Invalid(ValueError):
    pass


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a parsed file up to the current ``SCHEMA_VERSION`` (``_Invalid`` if it cannot)."""
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _Invalid(f"schema_version must be a whole number, not {_kind(version)}")
    if version > model.SCHEMA_VERSION:
        raise _Invalid(
            f"schema_version {version} was written by a newer version of the app "
            f"(this one reads up to {model.SCHEMA_VERSION}); update the app to open it"
        )
    while version < model.SCHEMA_VERSION:
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
    return clean_text(value)


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


def _clean_json(value: Any) -> Any:
    """Free-form JSON (``position``, ``judge``) with :func:`clean_text` applied to every string."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): _clean_json(v) for k, v in value.items()}
    return value


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
    position = _clean_json(data.get("position") or {})
    if not isinstance(position, dict):
        raise _Invalid(f"'position' must be an object, not {_kind(position)}")
    judge = _clean_json(data.get("judge"))
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
            check_score(value)
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
    for where, item in _objects(data, "cleared"):
        kind, parts = _text(item, "kind", where), item.get("key")
        size = {"score": 2, "note": 1, "preference": 2}.get(kind)
        if size is None:
            raise _Invalid(f"{where}.kind must be 'score', 'note' or 'preference'")
        if not isinstance(parts, list) or len(parts) != size:
            raise _Invalid(f"{where}.key must be a list of {size} strings")
        if any(not isinstance(k, str) for k in parts):
            raise _Invalid(f"{where}.key must be a list of {size} strings")
        tomb = (kind, *(clean_text(k) for k in parts))
        ann.cleared[tomb] = _text(item, "updated_at", where, optional=True)
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
