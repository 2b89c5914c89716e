"""The Quality page's scoring session: the core :class:`ScoringSession` with Qt signals, its
files read in a worker and its saves written by the app's background :class:`SaveQueue`.

A key press changes the scores at once (the views redraw from them) and hands the whole file
to the save queue; ``saved`` says when that version is on disk. Nothing here blocks the GUI
thread on the disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject, Signal

from foundry_bench.core.quality.annotations import AnnotationSet
from foundry_bench.core.quality.session import (
    ScoringFiles,
    ScoringSession,
    read_scoring_files,
    replace_unreadable_file,
)
from foundry_bench.core.quality.session_state import ANNOTATIONS_CHANGED, OPENED
from foundry_bench.core.quality.shared_file import AnnotationsFile, Saved
from foundry_bench.core.results.records import Run
from foundry_bench.core.save_queue import SaveQueue
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.workers import JobContext, JobRunner

READ_JOB = "quality-read-files"
NEW_FILE_JOB = "quality-new-file"


class QualitySession(QObject, ScoringSession):
    """Signals:
    opened(): a run became current (or none is); views rebuild.
    problem_found(str): the annotations file cannot be used; the message names it.
    annotations_changed(): a score, note or preference changed (its save is queued).
    position_changed(): the current answer, pair or criterion changed.
    saved(int): a version of the file is on disk; how many scores it holds.
    """

    opened = Signal()
    problem_found = Signal(str)
    annotations_changed = Signal()
    position_changed = Signal()
    saved = Signal(int)
    _written = Signal(object, object)  # emitted on the writer thread; handled on this one

    def __init__(
        self,
        runner: JobRunner,
        notifier: Notifier,
        saves: SaveQueue,
        parent: QObject | None = None,
    ) -> None:
        QObject.__init__(self, parent)
        ScoringSession.__init__(self)
        self.runner = runner
        self.notifier = notifier
        self.saves = saves
        self._written.connect(self._on_written)

    # -- opening, in a worker ------------------------------------------------------------

    def open(self, run: Run, run_dir: Path) -> None:
        """Read the run's files in a worker; ``opened`` follows once they are shown."""
        folder, annotator = Path(run_dir), self.annotator_name
        self.runner.cancel(NEW_FILE_JOB)  # a new file for the run being left must not land here

        def task(ctx: JobContext) -> ScoringFiles:
            return read_scoring_files(run, folder, annotator)

        self.runner.start(
            READ_JOB, task, label=f"Open scores of {run.run_id}", on_finish=self._read
        )

    def _read(self, files: ScoringFiles) -> None:
        for warning in files.warnings:
            self.notifier.error(warning)
        self.apply(files)
        if self.problem:
            self.notifier.error(self.problem)
            self.problem_found.emit(self.problem)

    def start_new_file(self) -> None:
        """Keep a copy of the unreadable file and start a new one (in a worker)."""
        run, folder = self.run, self.run_dir
        if run is None or folder is None or self.problem is None:
            return
        annotator = self.annotator_name

        def task(ctx: JobContext) -> tuple[ScoringFiles, Path | None]:
            return replace_unreadable_file(run, folder, annotator)

        def done(result: tuple[ScoringFiles, Path | None]) -> None:
            files, backup = result
            if self.run_dir != folder or self.problem is None:
                return  # another run was opened meanwhile: this set is not for it
            self.replace_file(files)
            self.notifier.info(
                f"Started a new {self.path.name if self.path else 'file'}; "
                f"the old file is kept as {backup}"
            )

        def failed(message: str) -> None:
            self.notifier.error(f"Could not back up {self.path}: {message}; nothing changed")

        self.runner.start(
            NEW_FILE_JOB, task, label="Start a new annotations file", on_finish=done,
            on_error=failed,
        )  # fmt: skip

    # -- the hooks of the core session ---------------------------------------------------

    def _write(self, file: AnnotationsFile, ann: AnnotationSet) -> None:
        snapshot = ann.copy()  # the writer thread reads it while the user goes on scoring

        def write() -> tuple[AnnotationsFile, Saved]:
            return file, file.save(snapshot)

        def done(result: object, error: Exception | None) -> None:
            self._written.emit(result if error is None else file, error)

        self.saves.submit_call(file.path, write, done)

    def _notify(self, what: str) -> None:
        if what == OPENED:
            self.opened.emit()
        elif what == ANNOTATIONS_CHANGED:
            self.annotations_changed.emit()
        else:
            self.position_changed.emit()

    def _on_written(self, result: object, error: Exception | None) -> None:
        if error is not None:
            file = cast(AnnotationsFile, result)
            reason = getattr(error, "strerror", None) or error
            self.notifier.error(f"Could not save scores to {file.path}: {reason}")
            return
        file, saved = cast(tuple[AnnotationsFile, Saved], result)  # what _write's write gave
        if saved.theirs is not None and self._absorb(file, saved.theirs):
            self.notifier.info(
                f"{file.path.name} was also changed elsewhere (another window or program): "
                f"{saved.absorbed} of those changes are merged into yours, none is lost"
            )
        self.saved.emit(len(saved.ann.scores))
