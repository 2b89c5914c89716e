"""Scoring in a spreadsheet: a CSV of the run's distinct answers out, scores and notes back in.

Export: one row per group of identical answers (``core.quality.groups``), columns
``answer_id, model, prompt_id, prompt, answer, count``, one per rubric criterion (its id), and
``note``. ``answer_id`` is opaque (a hash of the run and the group's first sample key), so a
blind sheet, whose ``model`` column is empty and whose rows are in the run's blind order,
does not give the model away.

Cells are formula-safe: a text that a spreadsheet would run (``=``, ``+``, ``-``, ``@``, tab,
CR first) gets ``core.reports.text.csv_safe``'s ``'`` prefix, and so does a text that starts
with ``'`` itself, so that import can take exactly one ``'`` off any cell that starts with one
and get back what was written (Excel and LibreOffice save a typed leading ``'`` as nothing, so
a cell starting with ``'`` only ever comes from this prefix).

Import checks every cell before anything is written (a score is 1-5 or empty; each problem is
named by its spreadsheet row and column), then merges into the annotator's file in the run
folder through ``core.quality.shared_file`` (locked, merged with any other writer): a score
or note goes to every sample of its group; an empty cell leaves the file as it is.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from foundry_bench.core.csv_cells import csv_safe
from foundry_bench.core.quality.annotations import ANNOTATIONS_FILE, AnnotationSet
from foundry_bench.core.quality.files import (
    file_slug,
    load_annotations,
    new_annotations,
    rubric_for_run,
)
from foundry_bench.core.quality.groups import answer_groups
from foundry_bench.core.quality.order import blind_order, run_order, run_prompts, seed_for_run
from foundry_bench.core.quality.rows import find_annotation_files
from foundry_bench.core.quality.shared_file import AnnotationsFile
from foundry_bench.core.results.records import Run

FIXED_COLUMNS = ("answer_id", "model", "prompt_id", "prompt", "answer", "count")
NOTE_COLUMN = "note"
MAX_PROBLEMS = 20


class SheetError(ValueError):
    """A sheet that cannot be imported; ``problems`` name the row and column of each."""

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        shown = list(problems[:MAX_PROBLEMS])
        more = len(problems) - len(shown)
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{path}: nothing imported:\n  " + "\n  ".join(shown) + tail)
        self.problems = list(problems)


@dataclass(frozen=True)
class Imported:
    path: Path  # the annotator's file
    scores: int  # scores written (each sample of a group counts)
    notes: int
    rows: int  # rows that carried a score or a note


def _sheet_cell(text: str) -> str:
    return "'" + text if text.startswith("'") else str(csv_safe(text))


def _typed(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def answer_id(run: Run, head_key: str) -> str:
    return "a" + hashlib.sha256(f"{run.run_id}\x1f{head_key}".encode()).hexdigest()[:10]


def _heads(run: Run) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    keys = run_order(run)
    by_key = {s.key: s for s in run.samples}
    groups = answer_groups(by_key[k] for k in keys)
    return [k for k in keys if groups[k][0] == k], groups


def annotator_file(run_dir: Path, annotator: str) -> Path:
    """The file of ``annotator`` in the run folder: the one that names them, else a new
    ``annotations-<name>.json``."""
    for path in find_annotation_files(run_dir):
        try:
            if load_annotations(path).annotator == annotator:
                return path
        except ValueError:
            continue  # an unreadable file is someone else's problem, not a match
    slug = file_slug(annotator, "annotator")
    return run_dir / (ANNOTATIONS_FILE if slug == "annotations" else f"annotations-{slug}.json")


def export_sheet(
    run: Run, run_dir: Path, *, annotator: str | None = None, blind: bool = False
) -> str:
    """The CSV text (CRLF rows, as spreadsheets write them)."""
    criteria = [c.id for c in rubric_for_run(run_dir)]
    ann: AnnotationSet | None = None
    if annotator is not None:
        path = annotator_file(run_dir, annotator)
        ann = load_annotations(path) if path.exists() else None
    heads, groups = _heads(run)
    if blind:
        heads = blind_order(heads, seed_for_run(run.run_id))
    by_key = {s.key: s for s in run.samples}
    prompts = {p.id: p.text for p in run_prompts(run)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*FIXED_COLUMNS, *criteria, NOTE_COLUMN])
    for key in heads:
        s = by_key[key]
        scores = [ann.score(key, c) if ann else None for c in criteria]
        texts = ["" if blind else s.model, s.prompt_id, prompts.get(s.prompt_id, ""), s.response]
        writer.writerow(
            [
                answer_id(run, key),
                *(_sheet_cell(t) for t in texts),
                len(groups[key]),
                *("" if v is None else v for v in scores),
                _sheet_cell(ann.note(key) if ann else ""),
            ]
        )
    return out.getvalue()


def import_sheet(run: Run, run_dir: Path, sheet: Path, *, annotator: str) -> Imported:
    """Check every cell of ``sheet``, then merge its scores and notes into ``annotator``'s
    file; :class:`SheetError` (nothing written) for any bad cell."""
    try:
        text = sheet.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError(
            sheet, [f"not UTF-8 text (byte {exc.start}); save it as CSV UTF-8"]
        ) from exc
    except OSError as exc:
        raise SheetError(sheet, [f"cannot read it ({exc.strerror or exc})"]) from exc
    rows = list(csv.reader(io.StringIO(text, newline="")))
    criteria = [c.id for c in rubric_for_run(run_dir)]
    if not rows or "answer_id" not in rows[0]:
        raise SheetError(sheet, ["row 1: no answer_id column (is this an exported sheet?)"])
    header = rows[0]
    column = {name: i for i, name in enumerate(header)}
    known = [c for c in criteria if c in column]
    unknown = [h for h in header if h not in (*FIXED_COLUMNS, *criteria, NOTE_COLUMN) and h]
    problems = [f"row 1, column {_letter(column[h])} ({h!r}): not a rubric criterion" for h in
                unknown]  # fmt: skip
    heads, groups = _heads(run)
    by_id = {answer_id(run, k): k for k in heads}
    wanted: list[tuple[str, dict[str, int], str | None]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell_id = row[column["answer_id"]].strip() if column["answer_id"] < len(row) else ""
        key = by_id.get(cell_id)
        if key is None:
            problems.append(f"row {number}, column answer_id: {cell_id!r} is not an answer of "
                            f"run {run.run_id}")  # fmt: skip
            continue
        scores: dict[str, int] = {}
        for crit in known:
            i = column[crit]
            raw = row[i].strip() if i < len(row) else ""
            if not raw:
                continue
            value = _score(raw)
            if value is None:
                problems.append(f"row {number}, column {_letter(i)} ({crit}): {raw[:20]!r} is "
                                "not a score (1-5, or empty)")  # fmt: skip
            else:
                scores[crit] = value
        note = None
        if NOTE_COLUMN in column and column[NOTE_COLUMN] < len(row):
            note = _typed(row[column[NOTE_COLUMN]]) or None
        wanted.append((key, scores, note))
    if problems:
        raise SheetError(sheet, problems)
    return _merge(run, run_dir, annotator, wanted, groups)


def _merge(
    run: Run,
    run_dir: Path,
    annotator: str,
    wanted: list[tuple[str, dict[str, int], str | None]],
    groups: dict[str, tuple[str, ...]],
) -> Imported:
    path = annotator_file(run_dir, annotator)
    if path.exists():
        ann = load_annotations(path)  # its position, blind setting and the rest stay
        if ann.run_id != run.run_id:
            raise SheetError(path, [f"it holds scores of run {ann.run_id!r}, not {run.run_id!r}"])
    else:
        ann = new_annotations(run, annotator, rubric=rubric_for_run(run_dir))
    n_scores = n_notes = n_rows = 0
    for key, scores, note in wanted:
        n_rows += bool(scores or note)
        for member in groups[key]:
            for crit, value in scores.items():
                ann.set_score(member, crit, value)
                n_scores += 1
            if note is not None:
                n_notes += ann.set_note(member, note, strip=False)
    # Saved under the lock, merged with whatever another writer (a window, a second import)
    # saved since it was read.
    AnnotationsFile(path).save(ann)
    return Imported(path, n_scores, n_notes, n_rows)


def _score(raw: str) -> int | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return int(value) if value.is_integer() and 1 <= value <= 5 else None


def _letter(index: int) -> str:
    """The spreadsheet's name of a 0-based column (0 -> A, 26 -> AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name
