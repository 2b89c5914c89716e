"""The `foundry-bench` command: exit codes, messages, and reports from runs (even killed ones)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from foundry_bench.cli import main
from foundry_bench.core.paths import examples_dir

ROOT = Path(__file__).resolve().parent.parent


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foundry_bench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    ("models_text", "problem"),
    [
        (None, "not found"),
        (b"\xff\xfe\x00", "UTF"),
        (b'{"a": {"size_mb": "big"}', "line 1"),
        (b'{"a": {"size_mb": "big"}}', "size_mb"),
        (b"{}", "no models"),
    ],
)
def test_bad_models_file_is_exit_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], models_text: bytes | None, problem: str
) -> None:
    models = tmp_path / "models.json"
    if models_text is not None:
        models.write_bytes(models_text)
    code = main(["run", "--models", str(models), "--prompts", str(examples_dir() / "prompts.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "models.json" in err
    assert problem.lower() in err.lower()
    assert "Traceback" not in err


def test_duplicate_prompt_ids_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps([{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]))
    code = main(["run", "--models", str(examples_dir() / "models.json"), "--prompts", str(prompts)])
    err = capsys.readouterr().err
    assert code == 2 and "prompts.json" in err and "$[1]" in err


def test_bad_numbers_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "run",
            "--models",
            str(examples_dir() / "models.json"),
            "--prompts",
            str(examples_dir() / "prompts.json"),
            "--rounds",
            "0",
        ]
    )
    assert code == 2 and "--rounds must be > 0" in capsys.readouterr().err


def test_bad_endpoint_url_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "run",
            "--models",
            str(examples_dir() / "models.json"),
            "--prompts",
            str(examples_dir() / "prompts.json"),
            "--endpoint",
            "ftp://example",
        ]
    )
    assert code == 2 and "not an http(s) URL" in capsys.readouterr().err


def test_report_of_a_missing_run_is_exit_2(tmp_path: Path) -> None:
    result = cli("report", str(tmp_path))
    assert result.returncode == 2
    assert "no results.json or samples.jsonl" in result.stderr
    assert "Traceback" not in result.stderr


def test_report_of_a_corrupt_results_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text('{"schema_version": 1, "samples": [')
    result = cli("report", str(tmp_path / "results.json"))
    assert result.returncode == 2
    assert "results.json: invalid JSON at line 1" in result.stderr
