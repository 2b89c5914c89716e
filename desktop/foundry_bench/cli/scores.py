"""``foundry-bench scores export|import``: scoring a run's answers in a spreadsheet.

``export RUN [--annotator NAME] [--blind] --out sheet.csv`` writes one row per distinct
answer; ``import RUN sheet.csv --annotator NAME`` checks every cell and merges the scores and
notes into that annotator's file in the run folder (``core.quality.sheet``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from foundry_bench.cli._common import EXIT_OK, BadInput, open_run, write_output


def add_scores_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scores = sub.add_parser("scores", help="score a run's answers in a spreadsheet (CSV)")
    ssub = scores.add_subparsers(dest="scores_command", required=True)
    export = ssub.add_parser("export", help="one row per distinct answer, a column per criterion")
    export.add_argument("run", type=Path, help="run folder")
    export.add_argument("--annotator", help="fill in this annotator's scores and notes")
    export.add_argument("--blind", action="store_true", help="no model names, rows shuffled")
    export.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    imp = ssub.add_parser("import", help="merge a filled-in sheet into an annotator's file")
    imp.add_argument("run", type=Path, help="run folder")
    imp.add_argument("sheet", type=Path, help="the CSV file (as exported, scores filled in)")
    imp.add_argument("--annotator", required=True, help="whose scores these are")


def cmd_scores(args: argparse.Namespace) -> int:
    from foundry_bench.core.quality.annotations import AnnotationFileError
    from foundry_bench.core.quality.sheet import SheetError, export_sheet, import_sheet

    opened = open_run(args.run)
    if not opened.run_dir.is_dir():
        raise BadInput(f"{args.run}: scores live in a run folder; give the folder")
    annotator = (args.annotator or "").strip() or None
    try:
        if args.scores_command == "export":
            text = export_sheet(opened.run, opened.run_dir, annotator=annotator, blind=args.blind)
            write_output(text, args.out)
            return EXIT_OK
        if annotator is None:
            raise BadInput("--annotator must name someone")
        done = import_sheet(opened.run, opened.run_dir, args.sheet, annotator=annotator)
    except (SheetError, AnnotationFileError) as exc:
        raise BadInput(str(exc)) from exc
    print(
        f"imported {done.rows} rows: {done.scores} scores and {done.notes} notes into {done.path}",
        file=sys.stderr,
    )
    return EXIT_OK
