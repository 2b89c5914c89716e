"""The quality table of the Markdown and HTML reports: criteria by their readable names.

A criterion is named as a reader knows it: a prompt's aspect as the prompt wrote it, a rubric
id in words, never the internal ``aspect:<slug>`` key. With a few criteria the table has a
row per model and a column per criterion, like the other tables; a run often has many
criteria (four rubric ones and every prompt's aspects) and few models, so past
:data:`MAX_CRITERIA_COLUMNS` criteria are the rows and models the columns: the table never
grows 15 columns wide. A criterion as a column header is shortened; the whole text goes in
a tooltip (HTML) or a legend under the table (Markdown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from foundry_bench.core.config.rubric import aspect_id
from foundry_bench.core.quality.rows import QualityRow, criteria_of
from foundry_bench.core.reports.content import QUALITY_HEADER, fmt_quality
from foundry_bench.core.reports.text import fmt_number, truncate
from foundry_bench.core.results.records import Run

#: Criteria shown as columns at most; with more, each criterion is a row.
MAX_CRITERIA_COLUMNS = 6


#: The longest criterion header, the ellipsis included.
HEADER_CHARS = 30


@dataclass(frozen=True)
class Header:
    """A column header: what it shows, and the whole label when that was shortened."""

    text: str
    full: str = ""


@dataclass(frozen=True)
class QualityTable:
    """Header and rows as display text (not escaped); each row's first cell names it (a
    model, or with ``by_criterion`` a criterion), the other cells are scores."""

    header: list[Header]
    rows: list[list[str]]
    by_criterion: bool

    @property
    def legend(self) -> list[Header]:
        """The shortened headers, to be listed in full."""
        return [h for h in self.header if h.full]


def criterion_labels(run: Run, criteria: Sequence[str]) -> dict[str, str]:
    """What a reader calls each criterion: a prompt's aspect as written ("states the
    decision ..."), a rubric id in words ("Correctness"), never the internal key."""
    aspects: dict[str, str] = {}
    for prompt in run.prompts:
        for aspect in prompt.get("aspects") or [] if isinstance(prompt, Mapping) else []:
            if isinstance(aspect, str):
                aspects.setdefault(aspect_id(aspect), aspect.strip())
    labels = {}
    for ident in criteria:
        words = ident.replace("_", " ").replace("-", " ").strip()
        labels[ident] = aspects.get(ident) or (words[:1].upper() + words[1:]) or ident
    return labels


def _criterion_header(label: str) -> Header:
    short = truncate(" ".join(label.split()), HEADER_CHARS, words=True)
    return Header(short, label if short != label else "")


def quality_table(run: Run, quality: Sequence[QualityRow]) -> QualityTable:
    """The scores per model: overall (with its CI), how many, and the mean per criterion."""
    rows = list(quality)
    criteria = criteria_of(rows)
    labels = criterion_labels(run, criteria)

    def scores(r: QualityRow) -> list[str]:
        return [fmt_number(r["criteria"].get(c), 2) for c in criteria]

    if len(criteria) <= MAX_CRITERIA_COLUMNS:
        header = [Header("Model"), Header("Scores"), Header(QUALITY_HEADER)]
        header += [_criterion_header(labels[c]) for c in criteria]
        body = [[str(r["model"]), fmt_number(r["n"], 0), fmt_quality(r), *scores(r)] for r in rows]
        return QualityTable(header, body, by_criterion=False)
    columns = [scores(r) for r in rows]
    body = [
        [QUALITY_HEADER, *(fmt_quality(r) for r in rows)],
        ["Scores", *(fmt_number(r["n"], 0) for r in rows)],
        *([labels[c], *(col[i] for col in columns)] for i, c in enumerate(criteria)),
    ]
    header = [Header("Criterion"), *(Header(str(r["model"])) for r in rows)]
    return QualityTable(header, body, by_criterion=True)
