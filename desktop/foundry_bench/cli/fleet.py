"""``foundry-bench fleet``: runs of many devices merged into one device x model report.

Every path that cannot be used is named on stderr with the problem and left out; the command
fails (exit 2) only when nothing at all could be merged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from foundry_bench.cli._common import EXIT_OK, BadInput, write_output
from foundry_bench.cli.report import add_constraint_options, constraints_of


def add_fleet_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from foundry_bench.core.analysis.fleet import SAME_LABEL_CHOICES
    from foundry_bench.core.reports.fleet import FLEET_FORMATS

    fleet = sub.add_parser("fleet", help="merge runs of many devices into one device x model table")
    fleet.add_argument(
        "runs",
        nargs="+",
        type=Path,
        metavar="RUN_OR_FOLDER",
        help="a run folder, its results.json, or a folder of run folders (CI artifacts)",
    )
    fleet.add_argument("--format", choices=FLEET_FORMATS, default="md")
    fleet.add_argument("--out", type=Path, help="file to write (default: stdout)")
    fleet.add_argument(
        "--same-label",
        choices=SAME_LABEL_CHOICES,
        default="newest",
        help="runs with the same device label: keep the newest (default) or show all",
    )
    add_constraint_options(fleet)


def cmd_fleet(args: argparse.Namespace) -> int:
    from foundry_bench.core.analysis.fleet import load_fleet
    from foundry_bench.core.reports.fleet import render_fleet

    constraints = constraints_of(args)
    fleet = load_fleet(args.runs, constraints, same_label=args.same_label)
    for problem in fleet.skipped:
        print(f"warning: left out {problem}", file=sys.stderr)
    if not fleet.devices:
        raise BadInput("nothing to merge: no readable run in " + ", ".join(map(str, args.runs)))
    write_output(render_fleet(fleet, args.format), args.out)
    return EXIT_OK
