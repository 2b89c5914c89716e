"""What every subcommand shares: exit codes, the bad-input error, reading runs, writing output.

Exit codes (docs/design.md, "The CLI contract"): 0 the command did its job; 1 a regression
found by ``compare --fail-on-regression``; 2 bad input (a message, never a traceback);
130 cancelled with Ctrl-C, everything so far saved.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from foundry_bench.cli.terminal import write_out
from foundry_bench.core.results.folders import OpenedRun, open_run_folder
from foundry_bench.core.results.run_settings import (
    RunSettings,
    is_finite_number,
    run_settings_problems,
)
from foundry_bench.core.results.store import RunFileError

EXIT_OK, EXIT_REGRESSION, EXIT_BAD_INPUT, EXIT_CANCELLED = 0, 1, 2, 130

# The option that sets each RunSettings field, for messages in the user's own words.
OPTION_OF = {
    "rounds": "--rounds",
    "warmup_rounds": "--warmup",
    "max_tokens": "--max-tokens",
    "temperature": "--temperature",
    "seed": "--seed",
    "timeout_s": "--timeout",
    "deadline_s": "--deadline",
    "concurrency": "--concurrency",
    "label": "--label",
}


class BadInput(Exception):
    """Input the user must fix; printed as ``error: <message>`` with exit code 2."""


def checked(settings: RunSettings) -> RunSettings:
    """``settings`` if they can run, else ``BadInput`` naming the option and the problem."""
    problems = run_settings_problems(settings)
    if problems:
        name, problem = problems[0]
        value = getattr(settings, name)
        # repr: text (a label) is untrusted and may hold terminal escapes; repr shows them inert.
        shown = repr(value) if isinstance(value, str) else value
        raise BadInput(f"{OPTION_OF.get(name, name)} {problem} (got {shown})")
    return settings


def check_option(option: str, value: float | None, what: str, high: float = math.inf) -> None:
    """Refuse an option's NaN, infinity, negative value or one above ``high``, naming it."""
    if value is not None and not (is_finite_number(value) and 0 <= value <= high):
        raise BadInput(f"{option} must be {what} (got {value})")


def open_run(path: Path) -> OpenedRun:
    try:
        return open_run_folder(path)
    except RunFileError as exc:
        raise BadInput(str(exc)) from exc


def write_output(text: str, out: Path | None) -> None:
    if out:
        from foundry_bench.core.fileio import atomic_write_text, write_error

        try:
            atomic_write_text(out, text)
        except OSError as exc:
            raise BadInput(str(write_error(out, exc))) from exc
        print(f"wrote {out}", file=sys.stderr)
    else:
        write_out(text)


def add_label_option(p: argparse.ArgumentParser) -> None:
    """``--label NAME``: the device a run measures (``run``, ``demo``, ``sweep``)."""
    p.add_argument(
        "--label",
        metavar="NAME",
        help="the device this run measures, a row of `foundry-bench fleet` "
        "(default: the settings' label, else the host name)",
    )
