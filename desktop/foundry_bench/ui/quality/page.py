"""The Quality page: score a run's answers 1-5, compare annotators, weigh quality against speed.

It follows the window's current run (``run_opened``). Three tabs: Score (one answer at a time,
or two models side by side; Export/Import sheet for a spreadsheet), Agreement (others' files,
agreement per criterion, the worst disagreements, the automatic judge) and Results (mean
score per model and criterion with 95% CIs, quality against p95 latency, the arena ranking).
Statistics are computed in a worker a moment after the last change: scoring never waits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.quality.annotations import AnnotationFileError, AnnotationSet
from foundry_bench.core.quality.files import load_annotations
from foundry_bench.core.quality.session_state import PAIRS, SINGLE
from foundry_bench.core.results.folders import open_run_folder
from foundry_bench.core.results.records import Run
from foundry_bench.ui.base.gui_gc import building_long_lived
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.qt_models import ROW_ROLE
from foundry_bench.ui.base.workers import JobContext
from foundry_bench.ui.context import AppContext
from foundry_bench.ui.quality.controls import ProblemPanel, ScoringControls
from foundry_bench.ui.quality.judge import JudgePanel
from foundry_bench.ui.quality.pairs import PairView
from foundry_bench.ui.quality.scoring import ScoringView
from foundry_bench.ui.quality.session import QualitySession
from foundry_bench.ui.quality.sheet_actions import SheetActions
from foundry_bench.ui.quality.stats import QualityStats, compute_stats
from foundry_bench.ui.quality.tabs import AgreementTab, ResultsTab
from foundry_bench.ui.quality.widgets import heading, muted

STATS_JOB = "quality-stats"
LOAD_JOB = "quality-annotators"
OPEN_JOB = "quality-open-run"
STATS_DELAY_MS = 400
ANNOTATOR_KEY = "quality/annotator"


class QualityPage(QWidget):
    """The page; see the module docstring. ``session`` holds the scores and the position."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = ctx.runner
        self.notifier = ctx.notifier
        self.settings = ctx.ui_settings.backend
        self.session = QualitySession(ctx.runner, self.notifier, ctx.saves, self)
        self._load_others = self._focus_when_opened = False
        name = self.settings.get(ANNOTATOR_KEY)
        if isinstance(name, str) and name.strip():
            self.session.annotator_name = name.strip()
        self.others: list[AnnotationSet] = []
        self._pending_run: tuple[Run, Path] | None = None
        self.stats = QualityStats()
        self._stats_timer = QTimer(self)
        self._stats_timer.setSingleShot(True)
        self._stats_timer.setInterval(STATS_DELAY_MS)
        self._stats_timer.timeout.connect(self._compute_stats)

        self.scoring = ScoringView(self.session)
        self.pairs = PairView(self.session)
        self.judge = JudgePanel(ctx.runner, ctx.provider_factory)
        self.agreement_tab = AgreementTab(self.judge)
        self.results_tab = ResultsTab()
        self.sheet = SheetActions(self.session, ctx.runner, self.notifier, self)
        # The tabs' tables, by the names the rest of the app and the tests know them.
        self.annotator_model = self.agreement_tab.annotator_model
        self.agreement_model = self.agreement_tab.agreement_model
        self.disagreement_model = self.agreement_tab.disagreement_model
        self.disagreement_view = self.agreement_tab.disagreement_view
        self.summary_model = self.results_tab.summary_model
        self.scatter = self.results_tab.scatter
        self._build()
        self._connect()
        self._show_state()
        ctx.run_opened.connect(self.follow_run)
        if ctx.current_run is not None:
            self.follow_run(*ctx.current_run)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.run_label = muted(plain_label("No run open"))
        self.open_button = QPushButton("Open run folder…")
        self.controls = ScoringControls(self.session.annotator_name)
        c = self.controls  # its widgets, by the names the page and the tests use
        self.annotator, self.blind_box, self.unscored_box = c.annotator, c.blind_box, c.unscored_box
        self.single_button, self.pairs_button, self.mode_group = c.single, c.pairs, c.mode_group
        self.progress_label, self.progress_bar = c.progress_label, c.progress_bar
        self.open_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        top = QHBoxLayout()
        top.addWidget(heading("Quality", 1.5))
        top.addSpacing(12)
        top.addWidget(self.run_label, 1)
        top.addWidget(self.open_button)
        self.score_stack = QStackedWidget()
        self.score_stack.addWidget(self.scoring)
        self.score_stack.addWidget(self.pairs)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.score_stack, "Score")
        self.tabs.addTab(self.agreement_tab, "Agreement")
        self.tabs.addTab(self.results_tab, "Results")
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        main = QWidget()
        main_layout = QVBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addWidget(self.controls)
        main_layout.addWidget(self.tabs, 1)

        self.empty_label = plain_label(
            "No run is open. Run a benchmark on the Benchmark page, or open a run folder "
            "(one with results.json), to score its answers.\n\n"
            "From the command line: foundry-bench run --models M.json --prompts P.json"
        )
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        problem = ProblemPanel()
        self.problem_label = problem.label
        self.new_file_button, self.retry_button = problem.new_file_button, problem.retry_button

        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(problem)
        self.stack.addWidget(main)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 12)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

    def _connect(self) -> None:
        s = self.session
        s.opened.connect(self._session_opened)
        s.problem_found.connect(lambda _m: self._show_state())
        s.annotations_changed.connect(self._changed)
        s.position_changed.connect(self._show_progress)
        self.open_button.clicked.connect(self.choose_run)
        self.annotator.editingFinished.connect(self._annotator_edited)
        self.blind_box.toggled.connect(self._blind_toggled)
        self.mode_group.idClicked.connect(self._mode_clicked)
        self.unscored_box.toggled.connect(s.set_unscored_only)
        self.new_file_button.clicked.connect(self._start_new_file)
        self.retry_button.clicked.connect(self._retry)
        self.agreement_tab.load_button.clicked.connect(self.choose_annotator_files)
        self.agreement_tab.remove_button.clicked.connect(self._remove_annotator)
        self.disagreement_view.doubleClicked.connect(self._jump_to_disagreement)
        self.judge.judge_finished.connect(lambda path: self.add_annotator_files([Path(path)]))
        self.sheet.connect_buttons(self.controls.export_button, self.controls.import_button)
        self.sheet.imported.connect(lambda path: self.add_annotator_files([Path(path)]))
        self.tabs.currentChanged.connect(lambda _i: self.focus_scoring())

    # -- the run -------------------------------------------------------------------------

    def open_run(self, run: Run, run_dir: Path) -> None:
        """Show ``run`` (in ``run_dir``): its annotations, the others' files in its folder."""
        self.runner.cancel(LOAD_JOB)
        self.others = []
        self._load_others, self._focus_when_opened = True, False
        self.session.open(run, Path(run_dir))  # opened() follows from a worker

    def _session_opened(self) -> None:
        self._show_state()
        if self._focus_when_opened:
            self._focus_when_opened = False
            self.focus_scoring()
        if self._load_others:  # the others' files of a run just opened, not of a new file
            self._load_others = False
            if self.session.other_files:
                self.add_annotator_files(list(self.session.other_files), quiet_errors=False)

    def follow_run(self, run: Run, run_dir: Path) -> None:
        """The window's current run changed: open it now if the page is on screen, else
        when it is next shown (ordering and counting a big run's answers takes a while,
        and a user reopening a run on the Benchmark page should not wait for it)."""
        if self.isVisible():
            self._pending_run = None
            self.open_run(run, run_dir)
        else:
            self._pending_run = (run, Path(run_dir))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        pending, self._pending_run = self._pending_run, None
        if pending is not None:
            self.open_run(*pending)

    def choose_run(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a run folder")
        if folder:
            self.load_run_folder(Path(folder))

    def load_run_folder(self, folder: Path) -> None:
        def task(ctx: JobContext) -> tuple[Run, Path]:
            with building_long_lived():  # the current run from now on
                opened = open_run_folder(folder)
            return opened.run, opened.run_dir

        label = f"Open run {folder.name}"
        self.runner.start(OPEN_JOB, task, label=label, on_finish=lambda r: self.ctx.open_run(*r))

    def _show_state(self) -> None:
        s = self.session
        if s.run is None:
            self.stack.setCurrentIndex(0)
            self.run_label.setText("No run open")
        elif s.problem is not None:
            self.stack.setCurrentIndex(1)
            self.problem_label.setText(s.problem)
        else:
            self.stack.setCurrentIndex(2)
        if s.run is not None:
            n_models = len(s.run.models)
            self.run_label.setText(
                f"Run {s.run.run_id} · {n_models} model{'s' if n_models != 1 else ''} · "
                f"{len(s.order)} answers · {s.path}"
            )
        self.blind_box.blockSignals(True)
        self.blind_box.setChecked(s.blind)
        self.blind_box.blockSignals(False)
        self.unscored_box.blockSignals(True)
        self.unscored_box.setChecked(s.unscored_only)
        self.unscored_box.blockSignals(False)
        if s.ann is not None:
            self.annotator.setText(s.ann.annotator)
        self._show_mode()
        criteria = s.ann.criteria if s.ann is not None else []
        self.judge.set_run(s.run if s.ready else None, s.run_dir, criteria)
        self._show_progress()
        self._changed()

    def _start_new_file(self) -> None:
        self._focus_when_opened = True
        self.session.start_new_file()

    def _retry(self) -> None:
        if self.session.run is not None and self.session.run_dir is not None:
            self.open_run(self.session.run, self.session.run_dir)

    # -- scoring controls ----------------------------------------------------------------

    def _annotator_edited(self) -> None:
        name = self.annotator.text().strip()
        if not name:
            self.annotator.setText(self.session.annotator_name)
            return
        self.session.set_annotator(name)
        self.settings.put(ANNOTATOR_KEY, name)
        self.focus_scoring()

    def _blind_toggled(self, on: bool) -> None:
        self.session.set_blind(on)
        self._changed()

    def _mode_clicked(self, button_id: int) -> None:
        self.session.set_mode(PAIRS if button_id == 1 else SINGLE)
        self._show_mode()

    def _show_mode(self) -> None:
        pairs = self.session.mode == PAIRS
        self.score_stack.setCurrentIndex(1 if pairs else 0)
        (self.pairs_button if pairs else self.single_button).setChecked(True)
        self.scoring.refresh()
        self.pairs.refresh()
        self._show_progress()
        self.focus_scoring()

    def focus_scoring(self) -> None:
        if self.tabs.currentIndex() == 0 and self.session.ready:
            (self.pairs if self.session.mode == PAIRS else self.scoring).setFocus()

    def _show_progress(self) -> None:
        s = self.session
        if not s.ready:
            self.progress_label.setText("")
            self.progress_bar.setValue(0)
            return
        if s.mode == PAIRS:
            done, total = s.pair_progress()
            self.progress_label.setText(f"{done} of {total} pairs judged")
        else:
            done, total, given, wanted = s.progress()
            self.progress_label.setText(f"{done} of {total} scored")
            self.progress_label.setToolTip(f"{given} of {wanted} scores given")
        self.progress_bar.setMaximum(max(total, 1))
        self.progress_bar.setValue(done)

    # -- other annotators ----------------------------------------------------------------

    def choose_annotator_files(self) -> None:
        start = str(self.session.run_dir or "")
        files, _ = QFileDialog.getOpenFileNames(
            self, "Load annotator files", start, "Annotations (*.json)"
        )
        if files:
            self.add_annotator_files([Path(f) for f in files])

    def add_annotator_files(self, paths: list[Path], *, quiet_errors: bool = False) -> None:
        """Read other annotators' files in a worker; a file of another run is refused."""
        run_id = self.session.run.run_id if self.session.run else None

        def task(ctx: JobContext) -> tuple[list[AnnotationSet], list[str]]:
            loaded, problems = [], []
            for path in paths:
                try:
                    ann = load_annotations(path)
                except AnnotationFileError as exc:
                    problems.append(str(exc))
                    continue
                if ann.run_id != run_id:
                    problems.append(
                        f"{path}: it scores run {ann.run_id!r}, not the open run {run_id!r}; "
                        "not loaded"
                    )
                    continue
                loaded.append(ann)
            return loaded, problems

        self.runner.start(LOAD_JOB, task, label="Load annotator files", on_finish=self._added)

    def _added(self, result: tuple[list[AnnotationSet], list[str]]) -> None:
        loaded, problems = result
        own = self.session.path.resolve() if self.session.path else None
        for ann in loaded:
            source = ann.source.resolve() if ann.source else None
            if source == own:
                continue
            # Loading a file again replaces it (a judge that went on, a colleague's update).
            self.others = [o for o in self.others if (o.source and o.source.resolve()) != source]
            self.others.append(ann)
        for problem in problems:
            self.notifier.error(problem)
        if loaded:
            self.notifier.info(f"Loaded {len(loaded)} annotator file(s).")
        self._changed()

    def _remove_annotator(self) -> None:
        rows = self.agreement_tab.annotator_view.selectionModel().selectedRows()
        if not rows:
            return
        row = self.annotator_model.data(rows[0], ROW_ROLE)
        if row and row.get("index") is not None:
            del self.others[row["index"]]
            self._changed()

    # -- statistics ----------------------------------------------------------------------

    def _changed(self) -> None:
        self._show_progress()
        self._show_annotators()
        if self.session.ready:
            self._stats_timer.start()
        else:
            self._stats_timer.stop()
            self.runner.cancel(STATS_JOB)
            self._show_stats(QualityStats())

    def _show_annotators(self) -> None:
        s = self.session
        self.agreement_tab.show_annotators(s.ann, s.path, self.others)

    def _compute_stats(self) -> None:
        s = self.session
        if s.run is None or s.ann is None:
            return
        run, sets = s.run, [s.ann.copy(), *(o.copy() for o in self.others)]
        blind, seed, order = s.blind, s.ann.shuffle_seed, list(s.order)

        def task(ctx: JobContext) -> QualityStats:
            return compute_stats(run, sets, blind=blind, seed=seed, order=order)

        self.runner.start(STATS_JOB, task, label="Quality statistics", on_finish=self._show_stats)

    def _show_stats(self, stats: QualityStats) -> None:
        self.stats = stats
        if stats.problem:
            self.notifier.error(stats.problem)
        self.agreement_tab.show_stats(stats)
        self.results_tab.show_stats(stats, blind=self.session.blind)

    def _jump_to_disagreement(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row and self.session.go_to(row["sample_key"], row["criterion"]):
            self._show_mode()
            self.tabs.setCurrentIndex(0)
            self.focus_scoring()
