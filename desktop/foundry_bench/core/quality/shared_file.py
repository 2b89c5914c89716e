"""Writing an annotations file that two windows or two processes may write at the same time.

The second of two writers used to replace the file with its own version and silently drop the
first's scores. Now every save, under a lock file beside it (``.annotations.json.lock``,
``filelock``: ``fcntl``/``msvcrt`` locks, which the OS releases when a process dies), looks at
what is on disk: when it is not the version this writer last wrote, it is read and merged in
(:func:`absorb`: per score, note and preference, the newest change wins, a clearing being a
change too), and the merged set is what gets written. A file on disk that cannot be read is
never written over: the save fails with an :class:`AnnotationFileError` naming it, for the
window to show.

Temporary files (``.annotations.json.<random>.tmp``) that a crash left behind are removed
under the same lock, so no writer's file in flight is ever touched; readers ignore them.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import filelock

from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.quality.annotations import (
    AnnotationFileError,
    AnnotationSet,
    ClearedKey,
)
from foundry_bench.core.quality.file_text import AnnotationsEncoder
from foundry_bench.core.quality.files import load_annotations

LOCK_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Saved:
    """What a save wrote: the set (``ann``), and the other writers' version merged into it
    (``theirs``, None when there was nothing new) with how many of its changes were taken."""

    ann: AnnotationSet
    theirs: AnnotationSet | None = None
    absorbed: int = 0


class AnnotationsFile:
    """One annotations file as one writer (a window, the judge, an import) sees it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # The bytes this writer last wrote, compared with the disk's. Not a stat: a replaced
        # file's inode is reused at once, and two versions of the same size written within
        # one clock tick looked alike (a test saw a window's 11 scores dropped that way).
        self._written: bytes | None = None
        self._encoder = AnnotationsEncoder()
        self._theirs: AnnotationSet | None = None  # another writer's version, merged last

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the file's lock (``AnnotationFileError`` when another writer keeps it)."""
        lock = filelock.FileLock(self.path.with_name(f".{self.path.name}.lock"))
        try:
            lock.acquire(timeout=LOCK_TIMEOUT_S)
        except filelock.Timeout as exc:
            raise AnnotationFileError(
                self.path,
                f"another program has held its lock for {LOCK_TIMEOUT_S:g} s; not saved",
            ) from exc
        try:
            yield
        finally:
            lock.release()

    def save(self, ann: AnnotationSet) -> Saved:
        """Write ``ann``, merged with any version another writer left since this one's last.

        ``ann`` itself is not changed (the app hands a snapshot from another thread): the
        result's ``theirs`` is for the caller to :func:`absorb` into its live set.
        """
        with self.locked():
            remove_stale_temp_files(self.path)
            saved = Saved(ann)
            on_disk = _read(self.path)
            theirs = self._theirs
            if on_disk is not None and on_disk != self._written:
                theirs = load_annotations(self.path)  # unreadable: refuse, never write over
                if theirs.run_id != ann.run_id:
                    raise AnnotationFileError(
                        self.path,
                        f"it now holds scores of run {theirs.run_id!r}, not of run "
                        f"{ann.run_id!r}; not saved (move it away to save here)",
                    )
            if theirs is not None:
                merged = ann.copy()
                absorbed = absorb(merged, theirs)
                if absorbed:
                    saved = Saved(merged, theirs, absorbed)
            # Kept until a snapshot holds all of it: the caller's live set takes the other
            # writer's changes in only after this save, so the next snapshot (often the
            # position moving on after a score) may still lack them.
            self._theirs = theirs if saved.absorbed else None
            text = self._encoder.text(saved.ann)
            atomic_write_text(self.path, text)
            self._written = text.encode("utf-8")
        return saved

    def clean(self) -> None:
        """Remove temporary files a crashed writer left (under the lock)."""
        with self.locked():
            remove_stale_temp_files(self.path)


def save_annotations(path: Path, ann: AnnotationSet) -> Saved:
    """Write ``ann`` to ``path`` once (see :meth:`AnnotationsFile.save`)."""
    return AnnotationsFile(path).save(ann)


def remove_stale_temp_files(path: Path) -> int:
    """Delete ``core.fileio``'s temporary files of ``path``; how many. Call under the lock."""
    pattern = os.path.join(glob.escape(str(path.parent)), f".{glob.escape(path.name)}.*.tmp")
    removed = 0
    for leftover in glob.glob(pattern):
        try:
            os.unlink(leftover)
            removed += 1
        except OSError:
            continue  # gone already, or not ours to delete: readers ignore it anyway
    return removed


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AnnotationFileError(path, f"cannot read it ({exc.strerror or exc})") from exc


def absorb(target: AnnotationSet, other: AnnotationSet) -> int:
    """Take into ``target`` every change of ``other`` newer than ``target``'s own for the
    same score, note or preference (an entry absent from ``target`` is taken; a tie keeps
    ``target``'s); criteria are united. How many changes were taken."""
    taken = 0
    for key, entry in other.scores.items():
        if _newer(entry.updated_at, target, ("score", *key), target.scores.get(key)):
            target.scores[key] = entry
            target.cleared.pop(("score", *key), None)
            taken += 1
    for sample_key, (note, at) in other.notes.items():
        mine = target.notes.get(sample_key)
        if _newer(at, target, ("note", sample_key), mine[1] if mine else None):
            target.notes[sample_key] = (note, at)
            target.cleared.pop(("note", sample_key), None)
            taken += 1
    for pair, pref in other.preferences.items():
        if _newer(pref.updated_at, target, ("preference", *pair), target.preferences.get(pair)):
            target.preferences[pair] = pref
            target.cleared.pop(("preference", *pair), None)
            taken += 1
    for tomb, at in other.cleared.items():
        entry_at = _entry_time(target, tomb)
        if entry_at is not None and at > entry_at:
            _drop(target, tomb)
            target.cleared[tomb] = at
            taken += 1
        elif entry_at is None and at > target.cleared.get(tomb, ""):
            target.cleared[tomb] = at  # a clearing is remembered, for the next merge
    known = {c.id for c in target.criteria}
    target.criteria += [c for c in other.criteria if c.id not in known]
    if taken:
        target.updated_at = max(target.updated_at, other.updated_at)
    return taken


def _newer(at: str, target: AnnotationSet, tomb: ClearedKey, mine: object) -> bool:
    """Whether a change made ``at`` beats what ``target`` holds for that item."""
    if mine is not None:
        mine_at = mine if isinstance(mine, str) else getattr(mine, "updated_at", "")
        return at > mine_at
    cleared_at = target.cleared.get(tomb)
    return cleared_at is None or at > cleared_at


def _entry_time(ann: AnnotationSet, tomb: ClearedKey) -> str | None:
    kind = tomb[0]
    if kind == "score":
        score = ann.scores.get((tomb[1], tomb[2]))
        return score.updated_at if score is not None else None
    if kind == "note":
        note = ann.notes.get(tomb[1])
        return note[1] if note is not None else None
    pref = ann.preferences.get((tomb[1], tomb[2]))
    return pref.updated_at if pref is not None else None


def _drop(ann: AnnotationSet, tomb: ClearedKey) -> None:
    if tomb[0] == "score":
        ann.scores.pop((tomb[1], tomb[2]), None)
    elif tomb[0] == "note":
        ann.notes.pop(tomb[1], None)
    else:
        ann.preferences.pop((tomb[1], tomb[2]), None)
