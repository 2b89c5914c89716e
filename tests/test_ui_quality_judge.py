"""The automatic judge from the Quality page: a scripted server plays the judge model."""

from __future__ import annotations

from pathlib import Path

import pytest

from contexts import make_context
from foundry_bench.core.quality.files import load_annotations
from foundry_bench.core.quality.judge import judge_file_name
from foundry_bench.core.results.store import write_results
from foundry_bench.ui.quality.judge import JUDGE_JOB
from foundry_bench.ui.quality.page import QualityPage
from scripted_server import Scenario, ScriptedServer
from test_annotations import make_run

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_judge_scores_the_run_as_its_own_annotator(qtbot, tmp_path: Path) -> None:
    run = make_run(models=("m1", "m2"), rounds=1, warmup=False)
    folder = tmp_path / "run"
    write_results(folder, run)
    scenario = Scenario(tokens=1, token_text="4", numbered=False)
    with ScriptedServer({"judge-model": scenario}) as srv:
        page = QualityPage(make_context(tmp_path / "home", endpoint=srv.base_url))
        runner = page.runner
        qtbot.addWidget(page)
        try:
            with qtbot.waitSignal(page.session.opened, timeout=10000):
                page.open_run(run, folder)
            s = page.session
            for i, key in enumerate(s.order):
                s.set_score_at(key, "correctness", 1 + i % 5)
            assert "automatic" in page.judge.title().lower()
            page.judge.model_box.setEditText("judge-model")
            with qtbot.waitSignal(page.judge.judge_finished, timeout=20000):
                page.judge.start_button.click()
            assert "Done" in page.judge.status.text()
            path = folder / judge_file_name("judge-model")
            judge = load_annotations(path)
            assert judge.annotator == "judge:judge-model" and judge.judge is not None
            assert {v.score for v in judge.scores.values()} == {4}
            qtbot.waitUntil(lambda: page.stats.has_judge, timeout=5000)
            kinds = {r["name"]: r["kind"] for r in page.annotator_model.rows()}
            assert kinds["judge:judge-model"] == "automatic judge"
            headers = [c.header for c in page.agreement_model.columns]
            assert "Judge vs people κ" in headers
            summary = page.summary_model.rows()
            # People's means do not include the judge's 4s; the judge has its own column.
            assert all(r["judge"]["mean"] == 4 for r in summary)
            assert {r["mean"] for r in summary} != {4.0}
            # Our own file holds only our scores.
            own = load_annotations(folder / "annotations.json")
            assert not own.is_judge and all(k[1] == "correctness" for k in own.scores)
        finally:
            runner.shutdown(5.0)
    assert not runner.is_running(JUDGE_JOB)


def test_judge_that_cannot_reach_its_model_says_why(qtbot, tmp_path: Path) -> None:
    run = make_run(models=("m1",), rounds=1, warmup=False)
    write_results(tmp_path, run)
    with ScriptedServer({}) as srv:
        page = QualityPage(make_context(tmp_path / "home", endpoint=srv.base_url))
        runner = page.runner
        qtbot.addWidget(page)
        try:
            with qtbot.waitSignal(page.session.opened, timeout=10000):
                page.open_run(run, tmp_path)
            page.judge.model_box.setEditText("missing-model")
            page.judge.start_button.click()
            qtbot.waitUntil(lambda: page.judge.start_button.isEnabled(), timeout=20000)
            assert "not found" in page.judge.status.text() or "404" in page.judge.status.text()
        finally:
            runner.shutdown(5.0)


def test_a_stopped_judge_is_still_an_annotator(qtbot, tmp_path: Path) -> None:
    run = make_run(models=("m1", "m2"), rounds=3, warmup=False)
    folder = tmp_path / "run"
    write_results(folder, run)
    slow = Scenario(tokens=1, token_text="3", numbered=False, ttft_s=0.15)
    with ScriptedServer({"judge-model": slow}) as srv:
        page = QualityPage(make_context(tmp_path / "home", endpoint=srv.base_url))
        runner = page.runner
        qtbot.addWidget(page)
        try:
            with qtbot.waitSignal(page.session.opened, timeout=10000):
                page.open_run(run, folder)
            page.judge.model_box.setEditText("judge-model")
            path = folder / judge_file_name("judge-model")
            page.judge.start_button.click()
            qtbot.waitUntil(lambda: "2 scored" in page.judge.status.text(), timeout=20000)
            qtbot.waitUntil(path.is_file, timeout=5000)
            with qtbot.waitSignal(page.judge.judge_finished, timeout=10000) as kept:
                page.judge.stop_button.click()
            assert kept.args[0] == path
            qtbot.waitUntil(
                lambda: "judge:judge-model" in {r["name"] for r in page.annotator_model.rows()},
                timeout=5000,
            )
        finally:
            runner.shutdown(5.0)
