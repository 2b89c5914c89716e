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


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--rounds", "0", "--rounds must be 1 or more"),
        ("--rounds", "1000000000", "--rounds must be at most 100,000"),
        ("--warmup", "-1", "--warmup must be 0 or more"),
        ("--max-tokens", "0", "--max-tokens must be 1 or more"),
        # NaN and infinity pass a "< 0" check; the one validator refuses them.
        ("--timeout", "nan", "--timeout must be more than 0 seconds"),
        ("--timeout", "inf", "--timeout must be more than 0 seconds"),
        ("--deadline", "0", "--deadline must be more than 0 seconds"),
        ("--deadline", "nan", "--deadline must be more than 0 seconds"),
        ("--deadline", "1e9", "--deadline must be at most 86,400 seconds"),
        ("--temperature", "nan", "--temperature must be 0 or more"),
        ("--temperature", "inf", "--temperature must be 0 or more"),
        ("--endpoint", "ftp://example", "not an http(s) URL"),
    ],
)
def test_bad_run_options_are_exit_2(
    capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    examples = examples_dir()
    code = main(
        [
            *("run", "--models", str(examples / "models.json")),
            *("--prompts", str(examples / "prompts.json"), option, value),
        ]
    )
    assert code == 2 and message in capsys.readouterr().err


def test_report_of_a_missing_run_is_exit_2(tmp_path: Path) -> None:
    result = cli("report", str(tmp_path))
    assert result.returncode == 2
    assert "no results.json or samples.jsonl" in result.stderr
    assert "Traceback" not in result.stderr


def test_report_of_a_corrupt_results_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text('{"schema_version": 1, "samples": [')
    result = cli("report", str(tmp_path / "results.json"))
    assert result.returncode == 2
    assert "results.json: line 1, column 35: invalid JSON" in result.stderr


def _scripted_run(tmp_path: Path, endpoint_suffix: str = "") -> tuple[Path, Path, str]:
    models = tmp_path / "models.json"
    models.write_text(json.dumps({"m": {}}))
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps(["hello"]))
    return models, prompts, endpoint_suffix


def test_a_key_in_the_endpoint_url_reaches_no_file(tmp_path: Path) -> None:
    from scripted_server import Scenario, ScriptedServer

    models, prompts, _ = _scripted_run(tmp_path)
    out = tmp_path / "run"
    with ScriptedServer({"m": Scenario(tokens=3)}) as srv:
        url = srv.base_url.replace("http://", "http://user:sk-SECRET-KEY@")
        result = cli(
            *("run", "--models", str(models), "--prompts", str(prompts)),
            *("--endpoint", url, "--rounds", "1", "--warmup", "0", "--out", str(out)),
        )
    assert result.returncode == 0, result.stderr
    assert "sk-SECRET-KEY" not in result.stdout + result.stderr
    for path in out.iterdir():
        assert "sk-SECRET-KEY" not in path.read_text(encoding="utf-8"), path.name


def test_an_unreachable_endpoint_with_a_key_keeps_it_out_of_errors(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    models, prompts, _ = _scripted_run(tmp_path)
    out = tmp_path / "run"
    result = cli(
        *("run", "--models", str(models), "--prompts", str(prompts), "--out", str(out)),
        *("--endpoint", f"http://u:sk-SECRET-KEY@127.0.0.1:{port}/v1", "--rounds", "1"),
    )
    assert result.returncode == 0, result.stderr
    text = "".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    assert "cannot connect" in text and "sk-SECRET-KEY" not in text + result.stdout


def test_a_second_run_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "samples.jsonl").write_text("")
    models, prompts, _ = _scripted_run(tmp_path)
    result = cli(
        *("run", "--models", str(models), "--prompts", str(prompts)),
        *("--endpoint", "http://127.0.0.1:9/v1", "--out", str(out)),
    )
    assert result.returncode == 2 and "already holds a run" in result.stderr


@pytest.mark.parametrize("bad", ["http://[::1", "http://host:port/v1", "http:///v1"])
def test_malformed_endpoint_urls_are_exit_2(tmp_path: Path, bad: str) -> None:
    models, prompts, _ = _scripted_run(tmp_path)
    result = cli(
        *("run", "--models", str(models), "--prompts", str(prompts), "--endpoint", bad),
        *("--out", str(tmp_path / "run")),
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr


def test_out_that_is_a_file_is_exit_2(tmp_path: Path) -> None:
    models, prompts, _ = _scripted_run(tmp_path)
    target = tmp_path / "a-file"
    target.write_text("x")
    result = cli(
        *("run", "--models", str(models), "--prompts", str(prompts)),
        *("--endpoint", "http://127.0.0.1:9/v1", "--out", str(target)),
    )
    assert result.returncode == 2 and "cannot create the run folder" in result.stderr


def test_a_stale_or_broken_stored_summary_is_recomputed(tmp_path: Path) -> None:
    sample = {
        "key": "m|p1|1",
        "model": "m",
        "prompt_id": "p1",
        "round": 1,
        "warmup": False,
        "status": "ok",
        "latency_s": 0.5,
        "completion_tokens": 5,
    }
    for summary in (5, [1], [{"model": "x", "n_ok": 99}]):
        doc = {"schema_version": 1, "samples": [sample], "summary": summary}
        (tmp_path / "results.json").write_text(json.dumps(doc))
        result = cli("report", str(tmp_path), "--format", "json")
        assert result.returncode == 0, result.stderr
        rows = json.loads(result.stdout)["summary"]
        assert [(r["model"], r["n_ok"]) for r in rows] == [("m", 1)]


def test_duplicate_sample_keys_are_an_error(tmp_path: Path) -> None:
    sample = {"key": "m|p1|1", "model": "m", "prompt_id": "p1", "round": 1}
    sample |= {"warmup": False, "status": "ok"}
    doc = {"schema_version": 1, "samples": [sample, sample]}
    (tmp_path / "results.json").write_text(json.dumps(doc))
    result = cli("report", str(tmp_path))
    assert result.returncode == 2 and "appears twice" in result.stderr


def test_a_run_goes_to_the_runs_folder_the_app_is_set_to(tmp_path: Path) -> None:
    """The CLI and the app share settings.json: with no --out, both write where it says."""
    from foundry_bench.core.results.folders import list_run_folders
    from scripted_server import Scenario, ScriptedServer

    models, prompts, _ = _scripted_run(tmp_path)
    home = tmp_path / "home"
    chosen = tmp_path / "chosen-runs"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text(json.dumps({"runs_dir": str(chosen)}))
    with ScriptedServer({"m": Scenario(tokens=3)}) as srv:
        result = cli(
            *("run", "--models", str(models), "--prompts", str(prompts)),
            *("--endpoint", srv.base_url, "--rounds", "1", "--warmup", "0"),
            env={"FOUNDRY_BENCH_HOME": str(home)},
        )
    assert result.returncode == 0, result.stderr
    assert [f.status for f in list_run_folders(chosen)] == ["completed"]
    assert not (home / "runs").exists() or not any((home / "runs").iterdir())


def test_the_readme_lists_every_option_of_every_command() -> None:
    """A user reads the command list in the README, not ``--help``: an option it leaves out
    (``compare --annotations-a/-b`` once) is one nobody finds."""
    import argparse
    import re

    from foundry_bench.cli import build_parser

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The command line", 1)[1].split("```", 2)[1]
    listed = set(re.findall(r"--[a-z][a-z0-9-]*", block))
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = {
        f"{name} {option}"
        for name, sub in subparsers.choices.items()
        if name != "gui"
        for action in sub._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help" and option not in listed
    }
    assert not missing, f"README's command list lacks: {sorted(missing)}"
