"""The Quality page's Export sheet / Import sheet buttons: scoring in a spreadsheet
(``core.quality.sheet``), the file work in a worker.

Export writes one row per distinct answer of the open run, blind when the page is, with the
annotator's scores and notes so far; import checks every cell, merges into that annotator's
file (under its lock, so a window scoring the same file loses nothing) and then shows the
scores: the page's own file is taken in at once, another annotator's file is (re)loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.quality.sheet import Imported, export_sheet, import_sheet
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.workers import JobContext, JobRunner
from foundry_bench.ui.quality.session import QualitySession

SHEET_JOB = "quality-sheet"
CSV_FILTER = "CSV (*.csv)"


class SheetActions(QObject):
    """Signals:
    imported(object): a sheet's scores are in this file (``Path``).
    """

    imported = Signal(object)

    def __init__(
        self, session: QualitySession, runner: JobRunner, notifier: Notifier, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.session, self.runner, self.notifier = session, runner, notifier
        self.dialog_parent = parent

    def connect_buttons(self, export: QPushButton, import_: QPushButton) -> None:
        export.clicked.connect(self.choose_export)
        import_.clicked.connect(self.choose_import)

    def choose_export(self) -> None:
        if self.session.run_dir is None:
            return
        start = str(self.session.run_dir / f"scores-{self.session.annotator_name}.csv")
        path, _ = QFileDialog.getSaveFileName(self.dialog_parent, "Export sheet", start, CSV_FILTER)
        if path:
            self.export_to(Path(path))

    def choose_import(self) -> None:
        if self.session.run_dir is None:
            return
        path, _ = QFileDialog.getOpenFileName(
            self.dialog_parent, "Import sheet", str(self.session.run_dir), CSV_FILTER
        )
        if path:
            self.import_from(Path(path))

    def export_to(self, path: Path) -> None:
        run, folder, s = self.session.run, self.session.run_dir, self.session
        if run is None or folder is None:
            return
        annotator, blind = s.annotator_name, s.blind
        s.sync()  # what the window holds is in the file the sheet is made from

        def task(ctx: JobContext) -> Path:
            s.saves.flush()
            atomic_write_text(path, export_sheet(run, folder, annotator=annotator, blind=blind))
            return path

        def done(written: Path) -> None:
            self.notifier.info(f"Exported a sheet of {run.run_id} to {written}")

        self.runner.start(SHEET_JOB, task, label="Export sheet", on_finish=done,
                          on_error=self._failed("Export"))  # fmt: skip

    def import_from(self, sheet: Path) -> None:
        run, folder, annotator = self.session.run, self.session.run_dir, self.session.annotator_name
        if run is None or folder is None:
            return

        def task(ctx: JobContext) -> Imported:
            return import_sheet(run, folder, sheet, annotator=annotator)

        def done(result: Imported) -> None:
            self.notifier.info(
                f"Imported {result.rows} rows of {sheet.name}: {result.scores} scores and "
                f"{result.notes} notes for {annotator} ({result.path.name})"
            )
            if self.session.path is not None and result.path == self.session.path:
                self.session.sync()  # the window's own file: take the scores in now
            self.imported.emit(result.path)

        self.runner.start(SHEET_JOB, task, label="Import sheet", on_finish=done,
                          on_error=self._failed("Import"))  # fmt: skip

    def _failed(self, what: str) -> Callable[[str], None]:
        return lambda message: self.notifier.error(f"{what} failed: {message}")
