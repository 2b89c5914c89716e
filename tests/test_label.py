"""The device label: `run --label`, the settings' label, the host name, and what is refused.

A label names a row of the fleet table and is typed on another machine, so it is untrusted
text: control characters, line breaks, lone surrogates and absurd lengths are refused (the
message shows the value inert), everything else is kept as typed.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from foundry_bench.cli import main
from foundry_bench.core.results.run_settings import (
    MAX_LABEL_CHARS,
    RunSettings,
    host_label,
    label_problem,
    parse_run_settings,
    run_settings_problems,
)
from foundry_bench.core.results.store import load_run
from foundry_bench.core.settings import AppSettings, load_settings, save_settings
from test_cli import _scripted_run, cli


@pytest.mark.parametrize(
    "label",
    [
        "line\nbreak",
        "esc\x1b[31m",
        "nul\x00",
        "c1\x9b",
        "sep\u2028",
        "lone\ud800",
        " padded",
        "x" * (MAX_LABEL_CHARS + 1),
    ],
)
def test_bad_labels_are_refused(label: str) -> None:
    assert label_problem(label) is not None
    assert [name for name, _ in run_settings_problems(RunSettings(label=label))] == ["label"]


@pytest.mark.parametrize("label", ["", "windows-laptop", "Mac Studio (M2) · lab 3", "エッジ"])
def test_good_labels_are_kept(label: str) -> None:
    assert label_problem(label) is None
    assert run_settings_problems(RunSettings(label=label)) == []


def test_a_label_that_is_not_text_is_a_type_error() -> None:
    with pytest.raises(ValueError, match=r"settings\.label must be a string"):
        parse_run_settings({"label": 7})
    assert parse_run_settings({"label": "lab-1"}).label == "lab-1"


def test_the_host_label_is_the_host_name_made_valid() -> None:
    assert label_problem(host_label()) is None
    expected = socket.gethostname().strip()[:MAX_LABEL_CHARS].strip()
    assert host_label() == (expected or "unknown-host")


def test_a_bad_label_is_exit_2_and_shown_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models, prompts, _ = _scripted_run(tmp_path)
    code = main(
        [
            "run",
            "--models",
            str(models),
            "--prompts",
            str(prompts),
            "--label",
            "a\x1b[2Jb",
            "--endpoint",
            "http://127.0.0.1:9/v1",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "--label must not hold control characters" in err
    assert "\x1b" not in err and r"\x1b[2J" in err
    assert not (tmp_path / "run" / "results.json").exists()


def _run_with_scripted_server(tmp_path: Path, *extra: str, home: Path | None = None) -> Path:
    from scripted_server import Scenario, ScriptedServer

    tmp_path.mkdir(parents=True, exist_ok=True)
    models, prompts, _ = _scripted_run(tmp_path)
    out = tmp_path / "run"
    with ScriptedServer({"m": Scenario(tokens=3)}) as srv:
        result = cli(
            *("run", "--models", str(models), "--prompts", str(prompts)),
            *("--endpoint", srv.base_url, "--rounds", "1", "--warmup", "0", "--out", str(out)),
            *extra,
            env={"FOUNDRY_BENCH_HOME": str(home)} if home else None,
        )
    assert result.returncode == 0, result.stderr
    return out


def test_label_is_stored_in_the_environment(tmp_path: Path) -> None:
    out = _run_with_scripted_server(tmp_path, "--label", "Lab laptop 7 · NPU")
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["environment"]["label"] == "Lab laptop 7 · NPU"
    assert load_run(out).environment["label"] == "Lab laptop 7 · NPU"
    assert "Lab laptop 7 · NPU" in (out / "benchmark_report.md").read_text(encoding="utf-8")


def test_without_a_label_the_settings_label_then_the_host_name(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = _run_with_scripted_server(tmp_path / "a", home=home)
    env = json.loads((out / "results.json").read_text(encoding="utf-8"))["environment"]
    assert env["label"] == host_label()
    settings_file = home / "config" / "settings.json"
    save_settings(settings_file, AppSettings(defaults=RunSettings(label="from-settings")))
    assert load_settings(settings_file).defaults.label == "from-settings"
    out = _run_with_scripted_server(tmp_path / "b", home=home)
    env = json.loads((out / "results.json").read_text(encoding="utf-8"))["environment"]
    assert env["label"] == "from-settings"
