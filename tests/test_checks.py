"""Automatic checks in prompts.json: each kind on known answers, config errors before any
request, results stored per sample, tallied per model, shown in reports, and required by
``--min-checks-pass``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from foundry_bench.cli import EXIT_BAD_INPUT, EXIT_OK, main
from foundry_bench.core.config.checks import Check, check_results
from foundry_bench.core.config.loading import ConfigError
from foundry_bench.core.config.prompts import load_prompts
from scripted_server import Scenario, ScriptedServer

SCHEMA = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}


def _checks(tmp_path: Path, checks: list[object]) -> tuple[Check, ...]:
    path = tmp_path / "prompts.json"
    path.write_text(json.dumps([{"id": "p", "text": "t", "checks": checks}]), encoding="utf-8")
    return load_prompts(path).items[0].checks


@pytest.mark.parametrize(
    ("check", "answer", "passed"),
    [
        ({"contains": "Paris"}, "The capital is Paris.", True),
        ({"contains": "Paris"}, "The capital is paris.", False),
        ({"not_contains": "As an AI"}, "As an AI model, I", False),
        ({"not_contains": "As an AI"}, "Here you go.", True),
        ({"regex": r"^\d+ items?$"}, "3 items", True),
        ({"regex": r"^\d+ items?$"}, "three items", False),
        ({"equals": "42"}, "  42\n", True),
        ({"equals": "42"}, "42.", False),
        ({"min_words": 3}, "one two three", True),
        ({"min_words": 3}, "one two", False),
        ({"max_words": 2}, "one two", True),
        ({"max_words": 2}, "one two three", False),
        ({"json": True}, '{"a": 1}', True),
        ({"json": True}, 'Sure! ```json\n{"a": 1}\n```', True),
        ({"json": True}, "{'a': 1}", False),
        ({"json_schema": SCHEMA}, '{"name": "x"}', True),
        ({"json_schema": SCHEMA}, '{"name": 3}', False),
        ({"json_schema": SCHEMA}, "not json", False),
    ],
)
def test_each_check_on_known_answers(tmp_path: Path, check: dict, answer: str, passed: bool):
    checks = _checks(tmp_path, [check])
    assert check_results(checks, answer) == [{"check": next(iter(check)), "passed": passed}]


@pytest.mark.parametrize(
    ("check", "place", "problem"),
    [
        ({"regex": "(unclosed"}, "$[0].checks[0].regex", "invalid regular expression"),
        ({"json_schema": {"type": "nope"}}, "$[0].checks[0].json_schema", "invalid JSON Schema"),
        ({"contains": 3}, "$[0].checks[0].contains", "needs a non-empty string"),
        ({"max_words": -1}, "$[0].checks[0].max_words", "whole number >= 0"),
        ({"json": "yes"}, "$[0].checks[0].json", "takes true"),
        ({"spelling": "ok"}, "$[0].checks[0]", "unknown check"),
        ({"contains": "a", "regex": "b"}, "$[0].checks[0]", "one key"),
    ],
)
def test_a_check_that_cannot_run_is_a_config_error(tmp_path, check, place, problem) -> None:
    with pytest.raises(ConfigError) as err:
        _checks(tmp_path, [check])
    assert "prompts.json" in str(err.value) and place in str(err.value)
    assert problem in str(err.value)


def _setup(tmp_path: Path, checks: list[object]) -> tuple[Path, Path]:
    models = tmp_path / "models.json"
    models.write_text(json.dumps({"good": {}, "bad": {}}), encoding="utf-8")
    prompts = tmp_path / "prompts.json"
    prompts.write_text(
        json.dumps([{"id": "p", "text": "Say it", "checks": checks}]), encoding="utf-8"
    )
    return models, prompts


def test_a_bad_check_stops_the_run_before_any_request(tmp_path: Path, capsys) -> None:
    models, prompts = _setup(tmp_path, [{"regex": "[a-"}])
    with ScriptedServer({"good": Scenario(tokens=2)}) as srv:
        code = main(["run", "--models", str(models), "--prompts", str(prompts),
                     "--endpoint", srv.base_url, "--out", str(tmp_path / "run")])  # fmt: skip
        assert srv.requests == []
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT and "prompts.json" in err and "$[0].checks[0].regex" in err


def test_checks_run_on_every_answer_and_count_in_summary_reports_and_recommendation(
    tmp_path: Path, capsys
) -> None:
    models, prompts = _setup(tmp_path, [{"contains": "yes"}, {"max_words": 10}])
    scenarios = {
        "good": Scenario(tokens=2, token_text="yes ", numbered=False),
        "bad": Scenario(tokens=2, token_text="no ", numbered=False),
    }
    out = tmp_path / "run"
    with ScriptedServer(scenarios) as srv:
        code = main(["run", "--models", str(models), "--prompts", str(prompts),
                     "--endpoint", srv.base_url, "--rounds", "3", "--warmup", "1",
                     "--out", str(out)])  # fmt: skip
    assert code == EXIT_OK, capsys.readouterr().err
    lines = (out / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    samples = [json.loads(line) for line in lines if line.strip()]
    good = [s for s in samples if s["model"] == "good"]
    assert all(s["checks"] == [{"check": "contains", "passed": True},
                               {"check": "max_words", "passed": True}] for s in good)  # fmt: skip
    capsys.readouterr()
    assert main(["report", str(out), "--format", "json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    tallies = {e["model"]: e["checks"] for e in data["summary"]}
    assert tallies == {"good": {"passed": 6, "total": 6}, "bad": {"passed": 3, "total": 6}}
    assert main(["report", str(out), "--format", "summary-csv"]) == EXIT_OK
    rows = {r["model"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert (rows["bad"]["checks_passed"], rows["bad"]["checks_total"]) == ("3", "6")
    assert main(["report", str(out)]) == EXIT_OK
    md = capsys.readouterr().out
    assert "## Automatic checks" in md and "| bad | 3 | 6 | 50% |" in md
    assert main(["report", str(out), "--format", "html"]) == EXIT_OK
    assert "Automatic checks passed" in capsys.readouterr().out
    assert main(["report", str(out), "--format", "json", "--min-checks-pass", "0.9"]) == EXIT_OK
    rec = json.loads(capsys.readouterr().out)["recommendation"]
    assert rec["best"] == "good"
    bad = next(c for c in rec["candidates"] if c["model"] == "bad")
    assert "checks passed 50% under the 90% minimum" in bad["reasons"]
    assert main(["report", str(out), "--min-checks-pass", "90"]) == EXIT_BAD_INPUT


def test_the_results_table_shows_the_checks_pass_rate_when_there_are_checks(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The Benchmark page's table had no checks column; the reports had."""
    from foundry_bench.ui.base.qt_models import BEST_ROLE
    from foundry_bench.ui.benchmark.results_columns import Col
    from foundry_bench.ui.benchmark.results_table import ResultsView

    view = ResultsView()
    qtbot.addWidget(view)
    summary = [
        {"model": "good", "checks": {"passed": 6, "total": 6}},
        {"model": "bad", "checks": {"passed": 3, "total": 6}},
        {"model": "odd", "checks": {"passed": "6", "total": True}},  # a damaged file
    ]
    view.model.set_summary(summary, [])
    assert not view.table.isColumnHidden(Col.CHECKS)
    cells = [view.model.index(r, Col.CHECKS).data() for r in range(3)]
    assert cells == ["100% (6/6)", "50% (3/6)", ""]
    assert view.model.index(0, Col.CHECKS).data(BEST_ROLE) is True
    view.model.set_summary([{"model": "plain"}], [])
    assert view.table.isColumnHidden(Col.CHECKS)  # no prompt had checks: no empty column


@pytest.mark.parametrize(
    ("value", "tally"),
    [({"passed": 3, "total": 6}, (3, 6)), ({"passed": 0, "total": 0}, None),
     ({"passed": 7, "total": 6}, None), ({"passed": True, "total": 6}, None),
     ({"passed": "3", "total": 6}, None), ([3, 6], None), (None, None)],
)  # fmt: skip
def test_a_stored_tally_is_read_defensively(value: object, tally: object) -> None:
    from foundry_bench.core.config.checks import stored_tally

    assert stored_tally(value) == tally


def test_a_damaged_checks_tally_in_a_stored_summary_is_no_checks() -> None:
    """A results.json whose summary says ``"checks": {"passed": "6", "total": 6}`` made the
    recommendation raise TypeError; now that model simply has no checks."""
    from tests.factories import make_measured_sample, make_run

    from foundry_bench.core.analysis.recommend import Constraints, recommend
    from foundry_bench.core.analysis.stats import summarize

    run = make_run([make_measured_sample("m", "p1", i, latency_s=0.01) for i in (1, 2, 3)])
    run.summary = summarize(run)
    run.summary[0]["checks"] = {"passed": "6", "total": 6}
    rec = recommend(run, None, Constraints(min_checks_pass=0.5))
    assert "no automatic checks ran" in rec.candidates[0].reasons
