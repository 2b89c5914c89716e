"""Identical answers (same model, prompt and text) are scored once, and the score is each
sample's: the reported case of 600 answers with 4 distinct texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import factories
from foundry_bench.core.quality.annotations import ANNOTATIONS_FILE
from foundry_bench.core.quality.files import new_annotations
from foundry_bench.core.quality.groups import answer_groups
from foundry_bench.core.quality.judge import new_judge_set, run_judge
from foundry_bench.core.quality.session import ScoringSession
from foundry_bench.core.results.records import Measurement, Run, utc_now
from foundry_bench.core.results.store import write_results

PROMPTS = ("p1", "p2", "p3", "p4")
ROUNDS = 150


def _seeded_run() -> Run:
    """150 rounds x 4 prompts of one model at temperature 0: one text per prompt, plus one
    round of p1 that came out differently."""
    samples = [
        factories.make_sample("m", p, r, response=f"the answer to {p}")
        for p in PROMPTS
        for r in range(1, ROUNDS + 1)
    ]
    samples[5].response = "a different answer to p1"
    samples.append(factories.make_sample("other", "p1", 1, response="the answer to p1"))
    return factories.make_run(samples, run_id="seeded")


def test_groups_are_same_model_same_prompt_same_text() -> None:
    run = _seeded_run()
    groups = answer_groups(run.samples)
    assert len({g for g in groups.values()}) == 4 + 1 + 1  # other model: its own group
    assert len(groups["m|p1|1"]) == ROUNDS - 1 and groups["m|p1|6"] == ("m|p1|6",)
    assert groups["m|p2|1"] == tuple(f"m|p2|{r}" for r in range(1, ROUNDS + 1))
    assert groups["other|p1|1"] == ("other|p1|1",)


def test_scoring_each_distinct_answer_once_scores_every_sample(tmp_path: Path) -> None:
    run = _seeded_run()
    write_results(tmp_path, run)
    s = ScoringSession("ana")
    s.load(run, tmp_path)
    assert len(s.order) == 6
    n_criteria = len(s.criteria(s.current_sample()))
    presses = 0
    while s.next_unscored() or not s.is_scored(s.order[s.index]):
        s.score(4)
        presses += 1
        assert presses < 100
    assert presses == 6 * n_criteria  # not 601 x n_criteria
    data = json.loads((tmp_path / ANNOTATIONS_FILE).read_text(encoding="utf-8"))
    keyed = {(e["sample_key"], e["criterion"]) for e in data["scores"]}
    assert len(keyed) == len(run.samples) * n_criteria  # the file keys every sample
    assert s.progress()[:2] == (6, 6)
    assert s.go_to("m|p2|77") and s.current_sample().key == "m|p2|1"  # shown as its group
    s.set_note("same text everywhere")
    data = json.loads((tmp_path / ANNOTATIONS_FILE).read_text(encoding="utf-8"))
    assert {n["sample_key"] for n in data["notes"]} == {f"m|p2|{r}" for r in range(1, 151)}


class _CountingJudge:
    def __init__(self) -> None:
        self.requests = 0

    def chat(self, model: str, messages: list[dict[str, str]], **_kw: object) -> Measurement:
        self.requests += 1
        return Measurement(status="ok", started_at=utc_now(), response="4")


def test_the_judge_asks_once_per_group(tmp_path: Path) -> None:
    run = _seeded_run()
    people = new_annotations(run, "ana")
    judge_set = new_judge_set(run, "big", people.criteria, "http://127.0.0.1:1/v1")
    endpoint = _CountingJudge()
    list(run_judge(run, judge_set, tmp_path / "judge.json", endpoint, "big"))
    n_rubric = len([c for c in people.criteria if not c.id.startswith("aspect:")])
    assert endpoint.requests == 6 * n_rubric
    assert len(judge_set.scores) == len(run.samples) * n_rubric


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_the_page_shows_how_many_answers_a_score_stands_for(qtbot, tmp_path: Path) -> None:
    from contexts import make_context
    from foundry_bench.ui.quality.page import QualityPage

    run = _seeded_run()
    write_results(tmp_path / "run", run)
    page = QualityPage(make_context(tmp_path / "home"))
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.session.opened, timeout=10000):
        page.open_run(run, tmp_path / "run")
    page.session.go_to("m|p2|9")
    qtbot.waitUntil(lambda: "x150" in page.scoring.position_label.text(), timeout=5000)
    page.session.go_to("m|p1|6")
    qtbot.waitUntil(lambda: " x" not in page.scoring.position_label.text(), timeout=5000)
    page.runner.shutdown(5.0)
    assert page.ctx.saves.flush(5.0)
