"""``foundry-bench report`` and ``foundry-bench compare``: reports from run folders.

Both read every annotation file in the run folder (``annotations*.json``: the run's own
scores count); ``--annotations`` adds files from elsewhere, ``--no-annotations`` leaves all
out. The recommendation constraints are the same options in both places.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from foundry_bench.cli._common import (
    EXIT_OK,
    EXIT_REGRESSION,
    BadInput,
    check_option,
    open_run,
    write_output,
)
from foundry_bench.core.quality.rows import (
    QualityInputError,
    QualityRow,
    find_annotation_files,
    load_quality,
)
from foundry_bench.core.results.folders import OpenedRun

if TYPE_CHECKING:
    from foundry_bench.core.analysis.recommend import Constraints

CONSTRAINTS = ("max_p95_ms", "max_memory_mb", "min_quality")


def add_constraint_options(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("recommendation constraints (optional)")
    group.add_argument("--max-p95-ms", type=float, metavar="X", help="p95 latency <= X ms")
    group.add_argument(
        "--max-memory-mb", type=float, metavar="Y", help="memory growth at load <= Y MB"
    )
    group.add_argument("--min-quality", type=float, metavar="Z", help="mean quality >= Z (1-5)")
    group.add_argument(
        "--min-checks-pass",
        type=float,
        metavar="R",
        help="share of automatic checks passed >= R (0-1, e.g. 0.9)",
    )


def constraints_of(args: argparse.Namespace) -> Constraints:
    """The constraint options as checked ``Constraints`` (``BadInput`` for a bad value)."""
    from foundry_bench.core.analysis.recommend import Constraints

    for name in CONSTRAINTS:
        check_option(f"--{name.replace('_', '-')}", getattr(args, name), "a finite number >= 0")
    rate = getattr(args, "min_checks_pass", None)
    check_option("--min-checks-pass", rate, "a share from 0 to 1, like 0.9", 1.0)
    return Constraints(args.max_p95_ms, args.max_memory_mb, args.min_quality, rate)


def cmd_report(args: argparse.Namespace) -> int:
    from foundry_bench.core.analysis.stats import ensure_summary
    from foundry_bench.core.reports.formats import render

    constraints = constraints_of(args)
    opened = open_run(args.run)
    run = opened.run
    ensure_summary(run)
    quality = _quality(opened, args.annotations, args.no_annotations, args.judge_votes)
    write_output(render(run, args.format, quality, constraints), args.out)
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from foundry_bench.core.analysis.compare import compare_runs, regressions
    from foundry_bench.core.reports.compare import render

    pct = args.fail_on_regression
    check_option("--fail-on-regression", pct, "a finite percentage >= 0")
    check_option("--seed", args.seed, "a whole number from 0 to 2**63 - 1", 2**63 - 1)
    opened_a, opened_b = open_run(args.run_a), open_run(args.run_b)
    result = compare_runs(
        opened_a.run,
        opened_b.run,
        quality_a=_quality(opened_a, args.annotations_a, args.no_annotations, args.judge_votes),
        quality_b=_quality(opened_b, args.annotations_b, args.no_annotations, args.judge_votes),
        seed=args.seed,
    )
    write_output(render(result, args.format, pct), args.out)
    if pct is None:
        return EXIT_OK
    found = regressions(result, pct)
    for change in found:
        print(
            f"regression: {change.model}: {change.label} {change.pct:+.1f}% "
            f"(more than {pct:g}%, significant)",
            file=sys.stderr,
        )
    return EXIT_REGRESSION if found else EXIT_OK


def add_annotation_options(p: argparse.ArgumentParser, *names: str) -> None:
    """``--annotations`` (or ``names``, one per run) and ``--no-annotations``."""
    for name in names or ("--annotations",):
        whose = f" of run {name[-1].upper()}" if names else ""
        p.add_argument(
            name,
            type=Path,
            action="append",
            default=[],
            metavar="A.json",
            help=f"annotation file{whose} from outside its run folder (repeatable)",
        )
    p.add_argument(
        "--no-annotations",
        action="store_true",
        help="leave out all scores (by default every annotations*.json in a run folder counts)",
    )
    p.add_argument(
        "--judge-votes",
        action="store_true",
        help="count an automatic judge's side-by-side votes in the arena ranking (people's only "
        "by default)",
    )


def _quality(
    opened: OpenedRun, extra: list[Path], none: bool, judge_votes: bool
) -> list[QualityRow] | None:
    """Quality rows from the run folder's annotation files plus ``extra``; None without any."""
    if none:
        return None
    own = find_annotation_files(opened.run_dir) if opened.run_dir.is_dir() else []
    paths = list({p.resolve(): p for p in [*own, *extra]}.values())
    if not paths:
        return None
    try:
        return load_quality(opened.run, paths, judge_votes=judge_votes)
    except QualityInputError as exc:
        raise BadInput(f"annotations: {exc} (--no-annotations leaves the scores out)") from exc
