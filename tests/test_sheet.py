"""Scoring in a spreadsheet: ``foundry-bench scores export`` / ``import``, hostile notes, bad
cells named by row and column, two imports at the same moment."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import factories
from foundry_bench.cli import EXIT_BAD_INPUT, EXIT_OK, main
from foundry_bench.core.config.rubric import DEFAULT_CRITERIA
from foundry_bench.core.quality.files import load_annotations
from foundry_bench.core.quality.sheet import FIXED_COLUMNS, SheetError, export_sheet, import_sheet
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.store import write_results

CRITERIA = [c.id for c in DEFAULT_CRITERIA]
HOSTILE_NOTES = [
    'she said "fine", then left',
    "two\nlines\r\nand a third",
    'ends like a list item"}, {"',
    "=1+1",
    "@SUM(A1:A9)",
    "-5",
    "+cmd|' /C calc'!A0",
    "'starts with a quote",
    "  spaces kept  ",
    "naïve café 数据 🚀",
    "\ttab first",
]


def _run() -> Run:
    samples = []
    for model in ("alpha", "beta"):
        for r in range(1, 4):
            samples.append(factories.make_sample(model, "p1", r, response=f"{model} says hi"))
        samples.append(factories.make_sample(model, "p2", 1, response='=HYPERLINK("x")'))
    samples.append(factories.make_sample("beta", "p2", 2, response="another text"))
    return factories.make_run(samples, run_id="sheet-run")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_results(tmp_path / "run", _run())
    return tmp_path / "run"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _write(path: Path, rows: list[dict[str, str]], header: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_export_has_one_row_per_distinct_answer(folder: Path) -> None:
    text = export_sheet(_run(), folder)
    header = next(csv.reader(io.StringIO(text)))
    assert header == [*FIXED_COLUMNS, *CRITERIA, "note"]
    rows = _rows(text)
    assert [(r["model"], r["prompt_id"], r["count"]) for r in rows] == [
        ("alpha", "p1", "3"), ("alpha", "p2", "1"), ("beta", "p1", "3"), ("beta", "p2", "1"),
        ("beta", "p2", "1"),
    ]  # fmt: skip
    assert rows[1]["answer"] == '\'=HYPERLINK("x")'  # formula-safe
    assert all(r[c] == "" for r in rows for c in CRITERIA)
    blind = _rows(export_sheet(_run(), folder, blind=True))
    assert {r["model"] for r in blind} == {""}
    assert [r["answer_id"] for r in blind] != [r["answer_id"] for r in rows]
    assert sorted(r["answer_id"] for r in blind) == sorted(r["answer_id"] for r in rows)
    assert all("alpha" not in r["answer_id"] and "beta" not in r["answer_id"] for r in blind)


def test_hostile_notes_come_back_exactly_as_typed(folder: Path, tmp_path: Path) -> None:
    run = _run()
    rows = _rows(export_sheet(run, folder))
    header = [*FIXED_COLUMNS, *CRITERIA, "note"]
    for i, row in enumerate(rows):
        row["correctness"] = str(1 + i % 5)
        row["note"] = HOSTILE_NOTES[i]
    done = import_sheet(run, folder, _write(tmp_path / "a.csv", rows, header), annotator="Zoë")
    assert done.path.name == "annotations-Zoë.json" and done.rows == len(rows)
    ann = load_annotations(done.path)
    assert ann.annotator == "Zoë"
    heads = [r["answer_id"] for r in rows]
    # every sample of a group got its row's score and note
    assert (
        ann.score("alpha|p1|2", "correctness") == 1 and ann.note("alpha|p1|3") == HOSTILE_NOTES[0]
    )
    assert ann.note("alpha|p2|1") == HOSTILE_NOTES[1] and ann.note("beta|p1|1") == HOSTILE_NOTES[2]
    # Out again with the annotator's scores: formula-safe cells, and importing that file
    # back changes nothing.
    again = export_sheet(run, folder, annotator="Zoë")
    second = _rows(again)
    assert [r["answer_id"] for r in second] == heads
    assert [r["correctness"] for r in second] == [str(1 + i % 5) for i in range(len(rows))]
    cells = {r["answer_id"]: r["note"] for r in second}
    assert cells[heads[3]] == "'=1+1" and cells[heads[4]] == "'@SUM(A1:A9)"
    sheet = tmp_path / "again.csv"
    sheet.write_text(again, encoding="utf-8", newline="")
    import_sheet(run, folder, sheet, annotator="Zoë")
    back = load_annotations(done.path)
    by_head = {"alpha|p1|1": 0, "alpha|p2|1": 1, "beta|p1|1": 2, "beta|p2|1": 3, "beta|p2|2": 4}
    for key, i in by_head.items():
        assert back.note(key) == HOSTILE_NOTES[i]
    assert {k: s.score for k, s in back.scores.items()} == {
        k: s.score for k, s in ann.scores.items()
    }


def test_every_bad_cell_is_named_by_row_and_column_and_nothing_is_written(
    folder: Path, tmp_path: Path
) -> None:
    run = _run()
    rows = _rows(export_sheet(run, folder))
    header = [*FIXED_COLUMNS, *CRITERIA, "note"]
    rows[0]["correctness"] = "6"
    rows[1]["clarity"] = "4.5"
    rows[2]["completeness"] = "good"
    rows[3]["answer_id"] = "a-made-up"
    rows[4]["correctness"] = "5"  # fine, but not written either: the sheet has errors
    with pytest.raises(SheetError) as err:
        import_sheet(run, folder, _write(tmp_path / "bad.csv", rows, header), annotator="ana")
    column = {c: chr(65 + len(FIXED_COLUMNS) + i) for i, c in enumerate(CRITERIA)}
    text = str(err.value)
    assert f"row 2, column {column['correctness']} (correctness): '6'" in text
    assert f"row 3, column {column['clarity']} (clarity): '4.5'" in text
    assert f"row 4, column {column['completeness']} (completeness): 'good'" in text
    assert "row 5, column answer_id: 'a-made-up'" in text
    assert not list(folder.glob("annotations*.json"))
    code = main(["scores", "import", str(folder), str(tmp_path / "bad.csv"), "--annotator", "a"])
    assert code == EXIT_BAD_INPUT


_IMPORT = """
import sys
from foundry_bench.cli import main
sys.stdin.readline()
sys.exit(main(["scores", "import", sys.argv[1], sys.argv[2], "--annotator", "ana"]))
"""


def test_two_imports_at_the_same_moment_both_land(folder: Path, tmp_path: Path) -> None:
    run = _run()
    rows = _rows(export_sheet(run, folder))
    header = [*FIXED_COLUMNS, *CRITERIA, "note"]
    sheets = []
    for crit in ("correctness", "clarity"):
        filled = [{**r, crit: "4", "note": ""} for r in rows]
        sheets.append(_write(tmp_path / f"{crit}.csv", filled, header))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _IMPORT, str(folder), str(sheet)],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for sheet in sheets
    ]
    try:
        for p in procs:  # both started (interpreter up) before either is let go
            assert p.stdin is not None
        for p in procs:
            p.stdin.write("go\n")  # type: ignore[union-attr]
            p.stdin.flush()  # type: ignore[union-attr]
        results = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert [p.returncode for p in procs] == [EXIT_OK, EXIT_OK], results
    ann = load_annotations(folder / "annotations-ana.json")
    for sample in run.samples:
        assert ann.score(sample.key, "correctness") == 4
        assert ann.score(sample.key, "clarity") == 4
    assert not list(folder.glob(".*.tmp"))


def test_the_cli_exports_and_imports(folder: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "sheet.csv"
    assert main(["scores", "export", str(folder), "--blind", "--out", str(out)]) == EXIT_OK
    rows = _rows(out.read_text(encoding="utf-8"))
    rows[0]["clarity"] = "2"
    _write(out, rows, [*FIXED_COLUMNS, *CRITERIA, "note"])
    assert main(["scores", "import", str(folder), str(out), "--annotator", "bob"]) == EXIT_OK
    assert "imported 1 rows" in capsys.readouterr().err
    assert any(
        s.score == 2 for s in load_annotations(folder / "annotations-bob.json").scores.values()
    )
