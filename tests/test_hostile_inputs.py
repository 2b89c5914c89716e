"""Hostile files and options through the real `foundry-bench` (cli.main) and the real window:
every JSON file nested 100,000 deep, NaN/infinite/absurd option values, broken model folders.

Each refusal is exit 2 with a message naming the file (or the option) and no traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factories import make_run, make_sample
from foundry_bench.cli import main
from foundry_bench.core.jsonfile import MAX_NESTING, deepest_line
from foundry_bench.core.paths import examples_dir
from foundry_bench.core.results.store import write_results

DEEP = b"[" * 100_000  # the hostile bytes: Python's parser would recurse once per bracket
TOO_DEEP = f"nested more than {MAX_NESTING} levels deep"


def _exit_and_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals (not a number at all)
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _good_run(folder: Path) -> Path:
    write_results(folder, make_run([make_sample()]))
    return folder


# --- one nesting limit for every JSON file ----------------------------------------------------


@pytest.mark.parametrize("which", ["models.json", "prompts.json"])
def test_deeply_nested_run_inputs_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    files = {
        "models.json": tmp_path / "models.json",
        "prompts.json": tmp_path / "prompts.json",
    }
    files["models.json"].write_text(json.dumps({"m": {}}))
    files["prompts.json"].write_text(json.dumps(["hi"]))
    files[which].write_bytes(DEEP)
    code, err = _exit_and_error(
        ["run", "--models", str(files["models.json"]), "--prompts", str(files["prompts.json"])],
        capsys,
    )
    assert code == 2 and f"{files[which]}: line 1: " in err and TOO_DEEP in err


@pytest.mark.parametrize("which", ["results.json", "samples.jsonl", "annotations"])
def test_deeply_nested_run_files_are_exit_2_from_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    run_dir = _good_run(tmp_path / "run")
    argv = ["report", str(run_dir)]
    if which == "annotations":
        target = tmp_path / "annotations.json"
        argv += ["--annotations", str(target)]
    else:
        target = run_dir / which
    # A samples.jsonl line of 100,000 brackets, then a good line: not a torn last line.
    target.write_bytes(DEEP + b"\n" + json.dumps(make_sample().to_dict()).encode() + b"\n")
    if which != "samples.jsonl":
        target.write_bytes(DEEP)
    code, err = _exit_and_error(argv, capsys)
    assert code == 2 and str(target) in err and TOO_DEEP in err


def test_deeply_nested_compare_input_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = _good_run(tmp_path / "a"), tmp_path / "b"
    bad.mkdir()
    (bad / "results.json").write_bytes(b'{"schema_version": 1, "samples": ' + DEEP)
    code, err = _exit_and_error(["compare", str(good), str(bad)], capsys)
    assert code == 2 and "b/results.json: line 1: " in err and TOO_DEEP in err


def test_nesting_at_the_limit_is_read_and_one_more_is_refused(tmp_path: Path) -> None:
    inside = ("[" * MAX_NESTING + "]" * MAX_NESTING).encode()
    assert deepest_line(b'{"a": "' + b"[" * 500 + b'"}', MAX_NESTING) is None  # text, not lists
    assert deepest_line(b'["\\\\", ' + inside[1:], MAX_NESTING) is None
    assert deepest_line(b'["\\"[[[", ' + inside[1:], MAX_NESTING) is None
    assert deepest_line(b"[" + inside + b"]", MAX_NESTING) == 1
    assert deepest_line(b'{"a":\n1,\n"b": [' + inside + b"]}", MAX_NESTING) == 3
    jsonl = b"\n".join([inside] * 5 + [b"[" + inside + b"]"])
    assert deepest_line(jsonl, MAX_NESTING, lines=True) == 6  # each line on its own


def test_the_window_starts_with_defaults_when_settings_json_is_nested_too_deep(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QApplication

    from foundry_bench.core.paths import HOME_ENV, app_paths
    from foundry_bench.core.settings import AppSettings
    from foundry_bench.ui.app import build_window

    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    settings_file = app_paths().ensure().settings_file
    settings_file.write_bytes(b'{"defaults": ' + DEEP)
    window = build_window(QApplication.instance())  # type: ignore[arg-type]
    qtbot.addWidget(window)
    try:
        message = window.statusBar().currentMessage()
        assert str(settings_file) in message and TOO_DEEP in message
        assert "using default settings" in message
        assert window.ctx.app_settings == AppSettings()
    finally:
        window.close()
    assert settings_file.read_bytes() == b'{"defaults": ' + DEEP  # never overwritten


def test_the_cli_runs_with_defaults_when_settings_json_is_nested_too_deep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from foundry_bench.core.paths import HOME_ENV, app_paths

    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    settings_file = app_paths().ensure().settings_file
    settings_file.write_bytes(DEEP)
    models, prompts = tmp_path / "models.json", tmp_path / "prompts.json"
    models.write_text(json.dumps({"m": {}}))
    prompts.write_text(json.dumps(["hi"]))
    code = main(
        [
            *("run", "--models", str(models), "--prompts", str(prompts), "--rounds", "1"),
            *("--endpoint", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "run")),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err  # the run went on: its model failed to connect
    assert f"{settings_file}: line 1: " in err and TOO_DEEP in err and "using defaults" in err


# --- options refused at the door --------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--rounds", "1000000000", "--rounds must be at most 100,000"),
        ("--rounds", "0", "--rounds must be 1 or more"),
        ("--warmup", "-1", "--warmup must be 0 or more"),
        ("--warmup", "1000000000", "--warmup must be at most 1,000"),
        ("--max-tokens", "0", "--max-tokens must be 1 or more"),
        ("--max-tokens", "1000000000000", "--max-tokens must be at most 1,000,000"),
        ("--timeout", "nan", "--timeout must be more than 0 seconds"),
        ("--timeout", "inf", "--timeout must be more than 0 seconds"),
        ("--timeout", "-inf", "--timeout must be more than 0 seconds"),
        ("--timeout", "1e308", "--timeout must be at most 86,400 seconds"),
        ("--timeout", "0", "--timeout must be more than 0 seconds"),
        ("--temperature", "nan", "--temperature must be 0 or more"),
        ("--temperature", "inf", "--temperature must be 0 or more"),
        ("--temperature", "-0.5", "--temperature must be 0 or more"),
        ("--temperature", "3", "--temperature must be at most 2"),
        ("--seed", str(2**64), "--seed must fit in 64 bits"),
        ("--seed", "nan", "argument --seed: invalid int value"),
        ("--rounds", "1e9", "argument --rounds: invalid int value"),
    ],
)
def test_absurd_run_options_are_exit_2_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    out = tmp_path / "run"
    code, err = _exit_and_error(
        [
            *("run", "--models", str(examples_dir() / "models.json")),
            *("--prompts", str(examples_dir() / "prompts.json")),
            *("--endpoint", "http://127.0.0.1:9/v1", "--out", str(out), f"{option}={value}"),
        ],
        capsys,
    )
    assert code == 2 and message in err
    assert not out.exists()  # refused at the door: no run folder, no request


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--max-p95-ms", "nan"], "--max-p95-ms must be a finite number >= 0"),
        (["--max-memory-mb", "inf"], "--max-memory-mb must be a finite number >= 0"),
        (["--min-quality", "-1"], "--min-quality must be a finite number >= 0"),
    ],
)
def test_absurd_report_options_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, err = _exit_and_error(["report", str(_good_run(tmp_path / "run")), *argv], capsys)
    assert code == 2 and message in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--fail-on-regression", "nan"], "--fail-on-regression must be a finite percentage"),
        (["--fail-on-regression", "inf"], "--fail-on-regression must be a finite percentage"),
        (["--seed", "-1"], "--seed must be a whole number from 0"),
        (["--seed", str(2**64)], "--seed must be a whole number from 0"),
    ],
)
def test_absurd_compare_options_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    a, b = _good_run(tmp_path / "a"), _good_run(tmp_path / "b")
    code, err = _exit_and_error(["compare", str(a), str(b), *argv], capsys)
    assert code == 2 and message in err


def test_absurd_demo_rounds_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _exit_and_error(["demo", "--rounds", "1000000000"], capsys)
    assert code == 2 and "--rounds must be at most 100,000" in err


# --- is a "running" run still running? -------------------------------------------------------


def _running_run(folder: Path, writer: dict[str, object], age_s: float = 0.0) -> Path:
    """A run folder as a writer leaves it mid-run: results.json "running", one sample."""
    import os
    import time

    from foundry_bench.core.results.store import SampleWriter

    run = make_run([], status="running")
    data = run.to_dict()
    data["writer"] = writer
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(data), encoding="utf-8")
    with SampleWriter(folder / "samples.jsonl") as samples:
        samples.append(make_sample())
    then = time.time() - age_s
    for name in ("results.json", "samples.jsonl"):
        os.utime(folder / name, (then, then))
    return folder


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("another host, files just written", "running"),
        ("another host, quiet for two hours", "interrupted"),
        ("this host, a live pid that started at another time", "interrupted"),
        ("this host, a pid that does not exist", "interrupted"),
        ("this host, the live parent process", "running"),
    ],
)
def test_a_running_run_is_running_only_while_its_writer_may_live(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, expected: str
) -> None:
    import os
    import socket

    import psutil

    parent = psutil.Process(os.getppid())
    host = socket.gethostname()
    writer, age = {
        "another host, files just written": (
            {"pid": 1, "host": host + "-x", "process_started": 1.0},
            0,
        ),
        "another host, quiet for two hours": (
            {"pid": 1, "host": host + "-x", "process_started": 1.0},
            7200,
        ),
        "this host, a live pid that started at another time": (
            {"pid": parent.pid, "host": host, "process_started": parent.create_time() - 50},
            0,
        ),
        "this host, a pid that does not exist": (
            {"pid": 2**22 + 7, "host": host, "process_started": 1.0},
            0,
        ),
        "this host, the live parent process": (
            {"pid": parent.pid, "host": host, "process_started": parent.create_time()},
            0,
        ),
    }[case]
    folder = _running_run(tmp_path / "run", writer, age)
    code = main(["report", str(folder), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["status"] == expected
    assert len(data["samples"]) == 1  # from samples.jsonl: results.json holds none


def test_the_plan_makes_its_jobs_on_demand_in_the_order_of_rounds() -> None:
    from foundry_bench.core.config.prompts import PromptSpec
    from foundry_bench.core.run.plan import rounds_of

    prompts = [PromptSpec(id=f"p{i}", text="x") for i in range(3)]
    small = rounds_of(prompts, 2)
    assert list(small) == [(p, r) for r in (1, 2) for p in prompts]
    assert small[-1] == (prompts[2], 2) and small[1:3] == [(prompts[1], 1), (prompts[2], 1)]
    with pytest.raises(IndexError):
        small[6]
    huge = rounds_of([PromptSpec(id=f"p{i}", text="x") for i in range(1000)], 100_000)
    assert len(huge) == 10**8 and huge[10**8 - 1][1] == 100_000  # no list of 10**8 jobs
