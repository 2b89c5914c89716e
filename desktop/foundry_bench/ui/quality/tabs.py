"""The Quality page's Agreement and Results tabs: what a worker computed, shown as tables and
the quality-versus-speed chart (``ui.quality.stats`` computes it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.quality.annotations import ANNOTATIONS_FILE, AnnotationSet
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.tables import row_table, sort_proxy
from foundry_bench.ui.charts.quality import QualityScatter
from foundry_bench.ui.quality.arena_view import ARENA_COLUMNS, ArenaPanel
from foundry_bench.ui.quality.stats import QualityStats
from foundry_bench.ui.quality.table_models import (
    ANNOTATOR_COLUMNS,
    DISAGREEMENT_COLUMNS,
    RowsModel,
    agreement_columns,
    summary_columns,
)
from foundry_bench.ui.quality.widgets import heading, muted


def _table(model: RowsModel, sortable: bool = True) -> QTableView:
    # Column -1 (row_table's start): the rows' own order (criteria as in the rubric, worst
    # disagreement first) until the user clicks a header.
    shown = sort_proxy(model, model) if sortable else model
    view = row_table(shown, sortable=sortable, fit_columns=True)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    return view


def _column(*widgets: QWidget, stretch: QWidget | None = None, top: int = 0) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, top, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if widget is stretch else 0)
    return box


class AgreementTab(QWidget):
    """Who scored, how far people agree per criterion, where they disagree most, the judge."""

    def __init__(self, judge: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.annotator_model = RowsModel(ANNOTATOR_COLUMNS, self)
        self.agreement_model = RowsModel(agreement_columns(False), self)
        self.disagreement_model = RowsModel(DISAGREEMENT_COLUMNS, self)
        self.annotator_view = _table(self.annotator_model, sortable=False)
        self.annotator_view.setMaximumHeight(130)
        self.load_button = QPushButton("Load annotator files…")
        self.remove_button = QPushButton("Remove")
        self.agreement_view = _table(self.agreement_model)
        self.disagreement_view = _table(self.disagreement_model)
        self.agreement_note = muted(plain_label())
        self.agreement_note.setWordWrap(True)
        buttons = QVBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        annotators = QHBoxLayout()
        annotators.addWidget(self.annotator_view, 1)
        annotators.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(
            _column(
                heading("Agreement per criterion"), self.agreement_view, stretch=self.agreement_view
            )
        )
        split.addWidget(
            _column(
                heading("Where people disagree most"),
                self.disagreement_view,
                muted(plain_label("Double-click a row to see that answer.")),
                stretch=self.disagreement_view,
            )
        )
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Annotators"))
        layout.addLayout(annotators)
        layout.addWidget(self.agreement_note)
        layout.addWidget(split, 1)
        layout.addWidget(judge)

    def show_annotators(
        self, own: AnnotationSet | None, own_path: Path | None, others: list[AnnotationSet]
    ) -> None:
        rows = []
        if own is not None:
            rows.append(
                {
                    "name": own.annotator,
                    "kind": "you",
                    "n_scores": len(own.scores),
                    "file": ANNOTATIONS_FILE,
                    "path": str(own_path),
                    "index": None,
                }
            )
        for i, other in enumerate(others):
            rows.append(
                {
                    "name": other.annotator,
                    "kind": "automatic judge" if other.is_judge else "person",
                    "n_scores": len(other.scores),
                    "file": other.source.name if other.source else "",
                    "path": str(other.source or ""),
                    "index": i,
                }
            )
        self.annotator_model.set_rows(rows)

    def show_stats(self, stats: QualityStats) -> None:
        self.agreement_model.set_columns(agreement_columns(stats.has_judge))
        self.agreement_model.set_rows(stats.agreement)
        self.disagreement_model.set_rows(stats.disagreements)
        people = stats.n_people
        self.agreement_note.setText(
            "Agreement needs a second person's scores of the same answers: load their "
            "annotations file (same run)."
            if people < 2
            else f"{people} people. α ≥ 0.8 is good agreement, 0.667–0.8 tentative, below "
            "that the criterion is read differently by different people."
        )


class ResultsTab(QWidget):
    """Mean scores per model with their CIs, quality against speed, the arena ranking."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary_model = RowsModel(summary_columns([], False), self)
        self.summary_view = _table(self.summary_model)
        self.scatter = QualityScatter()
        self.results_note = muted(plain_label())
        self.results_note.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.summary_view)
        title = heading(
            "Quality against speed (★ and dashed line: the Pareto front, no model is "
            "both faster and better)"
        )
        self.arena_model = RowsModel(ARENA_COLUMNS, self)
        self.arena = ArenaPanel(_table(self.arena_model), self.arena_model)
        # Side by side, not stacked: three panes on top of each other made the page (and so
        # the window) at least 718 px tall.
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(_column(title, self.scatter, stretch=self.scatter, top=6))
        charts.addWidget(self.arena)
        charts.setStretchFactor(0, 3)
        charts.setStretchFactor(1, 2)
        charts.setChildrenCollapsible(False)
        split.addWidget(charts)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.results_note)
        layout.addWidget(split, 1)

    def show_stats(self, stats: QualityStats, *, blind: bool) -> None:
        self.summary_model.set_columns(summary_columns(stats.criteria, stats.has_judge))
        self.summary_model.set_rows(stats.summary)
        self.scatter.set_points(stats.points)
        self.arena.set_rows(stats.arena)
        self.results_note.setText(
            "People's scores, 1 (very poor) to 5 (excellent), with 95% bootstrap intervals over "
            "answers."
            + (" Model names are hidden while Blind is on." if blind else "")
            + (" The automatic judge has its own column." if stats.has_judge else "")
        )
