"""Table models of the Quality page: results per model, agreement, disagreements, annotators.

Each is a small :class:`RowsModel`: a list of plain dict rows and a list of columns that say
how to show, sort and explain a cell. Numbers sort as numbers (``SORT_ROLE``); a missing
value shows as an en dash and sorts last.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt

from foundry_bench.core.units import fmt_seconds
from foundry_bench.ui.base.qt_models import LEFT, RIGHT, ROW_ROLE, SORT_ROLE, RowTableModel

Row = dict[str, Any]
DASH = "–"


@dataclass(frozen=True)
class Col:
    header: str
    text: Callable[[Row], str]
    sort: Callable[[Row], Any] | None = None
    tip: Callable[[Row], str] | None = None
    numeric: bool = False
    header_tip: str = ""


class RowsModel(RowTableModel[Row]):
    """A read-only table of dict rows; :meth:`set_rows` replaces them all."""

    def __init__(self, columns: Sequence[Col], parent: Any = None) -> None:
        super().__init__([c.header for c in columns], parent)
        self.columns = list(columns)

    def set_columns(self, columns: Sequence[Col]) -> None:
        self.beginResetModel()
        self.columns = list(columns)
        self._headers = [c.header for c in columns]
        self.endResetModel()

    def cell(self, row: Row, column: int, role: int) -> Any:
        col = self.columns[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(row)
        if role == SORT_ROLE:
            value = col.sort(row) if col.sort is not None else col.text(row)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                return float("inf") if col.numeric else ""
            return value
        if role == Qt.ItemDataRole.ToolTipRole and col.tip is not None:
            return col.tip(row) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if col.numeric else LEFT
        if role == ROW_ROLE:
            return row
        return None

    def header(self, section: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].header_tip or None
        return None


# -- formatting ---------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return DASH
    return f"{value + 0.0:.{digits}f}".replace("-0.00", "0.00")  # no "-0.00" for a tiny minus


def fmt_ci(stats: Row | None) -> str:
    """``3.42 (3.10–3.71)``: the mean and its 95% CI."""
    if not stats or stats.get("mean") is None:
        return DASH
    ci = stats.get("ci")
    if not ci:
        return f"{stats['mean']:.2f}"
    return f"{stats['mean']:.2f} ({ci[0]:.2f}–{ci[1]:.2f})"


def ci_tip(stats: Row | None) -> str:
    if not stats or stats.get("mean") is None:
        return "not scored yet"
    ci = stats.get("ci")
    span = f"95% CI {ci[0]:.2f}–{ci[1]:.2f} (bootstrap over answers)" if ci else "no CI: one answer"
    counts = f"{stats['n_scores']} scores of {stats['n_answers']} answers"
    return f"mean {stats['mean']:.3f} · {span} · {counts}"


def _mean(stats: Row | None) -> float | None:
    return None if not stats else stats.get("mean")


# -- the tables ---------------------------------------------------------------------------


def _criterion_stats(crit_id: str) -> Callable[[Row], Row | None]:
    def get(row: Row) -> Row | None:
        stats: Row | None = row["by_criterion"].get(crit_id)
        return stats

    return get


def _stats_col(header: str, get: Callable[[Row], Row | None], header_tip: str = "") -> Col:
    """A column showing "mean (CI)" of the stats that ``get`` picks from a row."""
    return Col(
        header,
        lambda r: fmt_ci(get(r)),
        sort=lambda r: _mean(get(r)),
        tip=lambda r: ci_tip(get(r)),
        numeric=True,
        header_tip=header_tip,
    )


def summary_columns(criteria: Sequence[tuple[str, str]], with_judge: bool) -> list[Col]:
    """Model, overall mean, one column per rubric criterion, aspects, judge, p95, answers.

    The overall mean comes first: with many criteria the table scrolls sideways.
    """
    cols = [
        Col("Model", lambda r: r["label"], tip=lambda r: r.get("model_tip", "")),
        _stats_col(
            "Mean score (95% CI)",
            lambda r: r,
            "mean of every score (all criteria, all annotators), 1-5",
        ),
    ]
    cols += [_stats_col(label, _criterion_stats(crit_id)) for crit_id, label in criteria]
    cols.append(
        _stats_col(
            "Expected aspects",
            lambda r: r.get("aspects"),
            "every prompt's own expected aspects, pooled",
        )
    )
    if with_judge:
        cols.append(
            _stats_col(
                "Judge (automatic)",
                lambda r: r.get("judge"),
                "a model's scores, not a person's; not in the other columns",
            )
        )
    cols += [
        Col(
            "p95 latency",
            lambda r: fmt_seconds(r.get("p95_s")),
            sort=lambda r: r.get("p95_s"),
            numeric=True,
            header_tip="95th percentile of end-to-end latency in this run",
        ),
        Col(
            "Checks passed",
            lambda r: DASH if r.get("checks_pass") is None else f"{r['checks_pass']:.0%}",
            sort=lambda r: r.get("checks_pass"),
            numeric=True,
            header_tip="share of the prompts' automatic checks (prompts.json) its answers passed",
        ),
        Col(
            "Answers with scores",
            lambda r: str(r["n_answers"]),
            sort=lambda r: r["n_answers"],
            numeric=True,
            header_tip="answers with at least one score (of any criterion)",
        ),
    ]
    return cols


def agreement_columns(with_judge: bool) -> list[Col]:
    cols = [
        Col("Criterion", lambda r: r["label"]),
        Col(
            "Items",
            lambda r: str(r["n_items"]),
            sort=lambda r: r["n_items"],
            numeric=True,
            header_tip="answers scored on this criterion by two people or more",
        ),
        Col("Raters", lambda r: str(r["n_raters"]), sort=lambda r: r["n_raters"], numeric=True),
        Col(
            "Krippendorff's α",
            lambda r: fmt(r["alpha"]),
            sort=lambda r: r["alpha"],
            numeric=True,
            tip=lambda r: _agreement_tip(r["alpha"], r["n_items"]),
            header_tip="ordinal alpha, any number of raters: 1 = perfect, 0 = chance, "
            "≥ 0.8 is good, < 0.667 is weak",
        ),
        Col(
            "Weighted κ",
            lambda r: fmt(r["kappa"]),
            sort=lambda r: r["kappa"],
            numeric=True,
            header_tip="Cohen's kappa with quadratic weights (only for exactly two people)",
        ),
    ]
    if with_judge:
        cols.append(
            Col(
                "Judge vs people κ",
                lambda r: fmt(r.get("judge_kappa")),
                sort=lambda r: r.get("judge_kappa"),
                numeric=True,
                header_tip="the automatic judge against each person (quadratic kappa, mean)",
            )
        )
    return cols


def _agreement_tip(value: float | None, n_items: int) -> str:
    if n_items == 0:
        return "needs answers scored by two people or more"
    if value is None:
        return "undefined: every score is the same"
    return ""


DISAGREEMENT_COLUMNS = [
    Col("Answer", lambda r: r["answer"], tip=lambda r: r.get("answer_tip", "")),
    Col("Criterion", lambda r: r["label"]),
    Col(
        "Scores",
        lambda r: ", ".join(f"{name}: {v}" for name, v in r["scores"].items()),
    ),
    Col("Spread", lambda r: str(r["spread"]), sort=lambda r: r["spread"], numeric=True),
]

ANNOTATOR_COLUMNS = [
    Col("Annotator", lambda r: r["name"]),
    Col("Kind", lambda r: r["kind"]),
    Col("Scores", lambda r: str(r["n_scores"]), sort=lambda r: r["n_scores"], numeric=True),
    Col("File", lambda r: r["file"], tip=lambda r: r.get("path", "")),
]
