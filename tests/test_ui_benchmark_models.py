"""The Benchmark page's Qt models (checked with qtmodeltester) and its setup file."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from factories import make_model_record
from foundry_bench.core.analysis.stats import summarize
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.results import folders
from foundry_bench.core.results.folders import (
    check_new_name,
    delete_run_folder,
    list_run_folders,
    rename_run_folder,
    run_folder,
)
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import write_results
from foundry_bench.ui.base.qt_models import BEST_ROLE
from foundry_bench.ui.benchmark.history import HCol, RunHistoryModel
from foundry_bench.ui.benchmark.history_tasks import reopen_run
from foundry_bench.ui.benchmark.results_columns import Col
from foundry_bench.ui.benchmark.results_table import ResultsTableModel
from foundry_bench.ui.benchmark.samples_model import SamplesTableModel, SCol
from foundry_bench.ui.benchmark.setup_file import (
    Setup,
    SetupError,
    parse_setup,
    problems,
    read_setup,
    setup_json,
)
from foundry_bench.ui.benchmark.setup_models import ModelPickModel, PCol, PromptsModel
from test_chart_data import _mixed_run

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# --- setup models --------------------------------------------------------------------------


def test_model_pick_model(qtmodeltester):
    model = ModelPickModel()
    model.sync_available(["a", "b"])
    model.add_specs([ModelSpec("c", license="MIT", endpoint="http://127.0.0.1:1/v1")])
    qtmodeltester.check(model)
    assert [r.id for r in model.rows()] == ["a", "b", "c"]
    assert [s.id for s in model.checked_specs()] == ["c"]  # a models.json entry comes ticked
    assert model.set_checked("a")
    assert model.index(0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    # The Models page no longer lists a and b: the unticked one goes, the ticked one stays.
    model.sync_available([])
    assert [r.id for r in model.rows()] == ["a", "c"]
    model.check_only(["c"])
    assert [s.id for s in model.checked_specs()] == ["c"]
    assert "served by http://127.0.0.1:1/v1" in model.index(1).data(Qt.ItemDataRole.ToolTipRole)
    qtmodeltester.check(model)


def test_prompts_model_edit_add_remove_move(qtmodeltester):
    model = PromptsModel()
    model.set_prompts([PromptSpec("a", "Say a."), PromptSpec("b", "Say\nb.", max_tokens=9)])
    qtmodeltester.check(model)
    assert model.index(1, PCol.TEXT).data() == "Say b."  # one line in the table
    assert model.index(1, PCol.MAX_TOKENS).data() == "9"
    assert not model.flags(model.index(0, PCol.TEXT)) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(model.index(0, PCol.ID), "first")
    assert model.setData(model.index(0, PCol.MAX_TOKENS), 32)
    assert model.setData(model.index(1, PCol.MAX_TOKENS), 0)  # 0 = the run's own limit
    row = model.add_prompt("Say c.")
    assert model.prompt(row).id == "p3"
    assert model.move(row, -1) == 1
    assert [p.id for p in model.prompts()] == ["first", "p3", "b"]
    assert model.move(0, -1) == 0  # already at the top
    model.remove(1)
    assert [(p.id, p.max_tokens) for p in model.prompts()] == [("first", 32), ("b", None)]
    qtmodeltester.check(model)


# --- setup file and validation -------------------------------------------------------------


def test_problems_are_one_line_each():
    ok = problems([ModelSpec("m")], [PromptSpec("p1", "Hi")], RunSettings())
    assert ok == []
    bad = problems(
        [],
        [PromptSpec("a|b", "Hi"), PromptSpec("p2", "")],
        RunSettings(rounds=0, timeout_s=0),
    )
    assert bad[0].startswith("Pick at least one model")
    assert bad[1].startswith("Prompt 1: ") and "'|'" in bad[1]
    assert "Rounds must be 1 or more." in bad and "Timeout must be more than 0 seconds." in bad
    dup = problems([ModelSpec("m")], [PromptSpec("x", "a"), PromptSpec("x", "b")], RunSettings())
    assert dup[0].startswith("Prompt 2: duplicate prompt id")
    assert problems([ModelSpec("m")], [], RunSettings()) == ["Add at least one prompt."]


def test_setup_file_round_trip(tmp_path: Path):
    setup = Setup(
        [ModelSpec("phi", size_mb=2400.0, license="MIT")],
        [PromptSpec("p1", "Hi", aspects=("greets",), system="Be brief", max_tokens=20)],
        RunSettings(rounds=5, warmup_rounds=0, temperature=0.7, seed=None, stream=False),
    )
    path = tmp_path / "setup.json"
    path.write_text(setup_json(setup), encoding="utf-8")
    back = read_setup(path)
    assert back == setup


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "other"}, "not a benchmark setup"),
        ({"kind": "foundry-bench-setup", "schema_version": 9}, "schema_version 9"),
        (
            {"kind": "foundry-bench-setup", "schema_version": 1, "prompts": [{"id": "x"}]},
            '$.prompts[0]: the prompt has no "text"',
        ),
        (
            {"kind": "foundry-bench-setup", "schema_version": 1, "settings": {"rounds": "3"}},
            "$.settings.rounds must be an integer",
        ),
        (
            {
                "kind": "foundry-bench-setup",
                "schema_version": 1,
                "settings": {"temperature": math.nan},
            },
            "$.settings.temperature must be a finite number",
        ),
    ],
)
def test_bad_setup_files_name_the_problem(data, message):
    with pytest.raises(SetupError, match=None) as err:
        parse_setup(data, Path("s.json"))
    assert message in str(err.value) and str(err.value).startswith("s.json")


def test_read_setup_reports_broken_json(tmp_path: Path):
    path = tmp_path / "s.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(SetupError, match="line 1, column 2: invalid JSON"):
        read_setup(path)


# --- results, samples, history -------------------------------------------------------------


def test_results_table_model(qtmodeltester):
    run = _mixed_run()
    run.models[2].status = "failed"
    run.models[2].error = "HTTP 404"
    model = ResultsTableModel()
    model.set_summary(summarize(run), run.models)
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    assert model.index(0, Col.MODEL).data() == "fast"
    assert model.index(2, Col.STATUS).data() == "failed"
    assert "HTTP 404" in model.index(2, Col.STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert model.headerData(Col.P50, Qt.Orientation.Horizontal) == "p50"
    tip = model.headerData(Col.P50, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "(ms)" in tip and "lowest" in tip
    # Latency: lowest is best (fast); the model with no data is never "best".
    assert model.index(0, Col.P50).data(BEST_ROLE) is True
    assert model.index(1, Col.P50).data(BEST_ROLE) is False
    p50 = summarize(run)[0]["latency_s"]["p50"] * 1000
    assert model.value(0, Col.P50) == pytest.approx(p50)
    assert model.index(0, Col.P50_CI).data().count("–") == 1
    model.set_metric("output_tps")
    qtmodeltester.check(model)
    tip = model.headerData(Col.MEAN, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "(tok/s)" in tip and "highest" in tip
    # Throughput: highest is best, but the lowest spread is still the best std.
    assert model.index(0, Col.MEAN).data(BEST_ROLE) is True
    with pytest.raises(ValueError, match="unknown metric"):
        model.set_metric("speed")
    # The next batch of a live run updates in place (no reset, selection kept).
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.set_summary(summarize(run), run.models)
    assert not resets


def test_samples_table_model(qtmodeltester):
    run = _mixed_run()
    model = SamplesTableModel()
    model.set_samples([s for s in run.samples if s.model == "fast"])
    qtmodeltester.check(model)
    assert model.rowCount() == 8
    assert model.index(0, SCol.ROUND).data() == "w1"
    assert model.index(1, SCol.LATENCY).data() == "55.0"
    model.append([s for s in run.samples if s.model == "broken"][:2])
    assert model.rowCount() == 10
    assert model.index(9, SCol.STATUS).data() == "error"
    assert model.index(9, SCol.ERROR).data() == "boom"
    qtmodeltester.check(model)


def _save(run, folder: Path) -> Path:
    folder.mkdir(parents=True)
    run.summary = summarize(run)
    write_results(folder, run)
    (folder / "samples.jsonl").write_text(
        "".join(json.dumps(s.to_dict()) + "\n" for s in run.samples), encoding="utf-8"
    )
    return folder


def test_run_history_tasks_and_model(qtmodeltester, tmp_path: Path):
    old = _mixed_run()
    old.started_at = "2025-01-01T00:00:00.000Z"
    new = _mixed_run()
    new.started_at = "2025-02-01T00:00:00.000Z"
    new.models.append(make_model_record("extra", status="skipped"))
    _save(old, tmp_path / "old")
    _save(new, tmp_path / "new")
    (tmp_path / "not-a-run").mkdir()
    runs = list_run_folders(tmp_path)
    assert [r.name for r in runs] == ["new", "old"]
    assert runs[0].models == ("fast", "slow", "broken", "extra")
    assert runs[0].requests == 24 and runs[0].status == "completed"
    model = RunHistoryModel()
    model.set_runs(runs)
    qtmodeltester.check(model)
    assert model.index(0, HCol.STARTED).data() == "2025-02-01 00:00:00"
    # The first column says what the run was: its name, when, and with which models.
    assert model.index(0, HCol.NAME).data() == "new\n2025-02-01 00:00 · fast +3 more"
    assert model.index(0, HCol.STATUS).data() == "completed"
    loaded = reopen_run(tmp_path / "old")
    assert [e["model"] for e in loaded.summary] == ["fast", "slow", "broken"]
    assert loaded.charts.points["timeline"] == 24
    assert len(loaded.by_model["fast"]) == 8 and loaded.prompts == {"p1": "p1", "p2": "p2"}
    renamed = rename_run_folder(tmp_path / "old", "baseline")
    assert renamed == tmp_path / "baseline" and renamed.is_dir()
    with pytest.raises(ValueError, match="already exists"):
        check_new_name(tmp_path / "new", "baseline")
    with pytest.raises(ValueError, match="cannot be a folder name"):
        check_new_name(tmp_path / "new", "a/b")
    with pytest.raises(ValueError, match="not a run folder"):
        delete_run_folder(tmp_path / "not-a-run")
    delete_run_folder(tmp_path / "baseline")
    assert [r.name for r in list_run_folders(tmp_path)] == ["new"]


def test_a_large_results_file_is_listed_from_its_head(tmp_path: Path, monkeypatch):
    run = _mixed_run()
    folder = _save(run, tmp_path / "big")
    monkeypatch.setattr(folders, "FULL_PARSE_BYTES", 100)  # pretend it holds 100,000 samples
    info = run_folder(folder)
    assert info is not None
    assert info.status == "completed" and info.models == ("fast", "slow", "broken")
    assert info.started_at == run.started_at and info.requests == 24


def test_a_killed_run_is_listed_and_reopened_from_its_samples(tmp_path: Path):
    run = _mixed_run()
    folder = _save(run, tmp_path / "killed")
    (folder / "results.json").unlink()
    info = run_folder(folder)
    assert info is not None and info.status == "interrupted" and info.requests == 24
    loaded = reopen_run(folder)
    assert loaded.charts.points["latency_ecdf"] == 12


def test_showing_a_big_run_measures_only_the_first_rows(qtbot, monkeypatch):
    """Fitting the samples table's columns read every cell of 1,000 rows (Qt's default),
    which held the GUI thread for seconds on a reopened 100,000-sample run."""
    from factories import make_measured_sample
    from foundry_bench.ui.benchmark.samples_view import FIT_ROWS, SamplesView

    view = SamplesView()
    qtbot.addWidget(view)
    view.show()
    samples = [
        make_measured_sample("m", "p1", i, latency_s=0.02, ttft_s=0.004, completion_tokens=9)
        for i in range(1, 5001)
    ]
    calls = []
    real = SamplesTableModel.cell
    monkeypatch.setattr(
        SamplesTableModel, "cell", lambda self, *a: calls.append(1) or real(self, *a)
    )
    view.reset({"m": samples}, {})
    assert view.model.rowCount() == 5000
    assert len(calls) <= FIT_ROWS * 100  # the first rows only (1,000 rows made 80,000 calls)
