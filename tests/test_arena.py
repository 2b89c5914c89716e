"""The arena ranking: Bradley-Terry ratings of side-by-side votes, checked against a fit made
another way (Newton's method on the log-likelihood), and shown in every report format."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest

import factories
from foundry_bench.core.quality.annotations import TIE, AnnotationSet
from foundry_bench.core.quality.arena import PRIOR_TIES, arena_ratings, bradley_terry
from foundry_bench.core.quality.files import new_annotations
from foundry_bench.core.quality.order import Pair
from foundry_bench.core.quality.rows import load_quality
from foundry_bench.core.quality.shared_file import save_annotations
from foundry_bench.core.reports.formats import render
from foundry_bench.core.results.records import Run

MODELS = ("alpha", "beta", "gamma", "delta")


def _run(models: tuple[str, ...] = MODELS, rounds: int = 40) -> Run:
    samples = [
        factories.make_sample(m, "p1", r, response=f"{m} {r}")
        for m in models
        for r in range(1, rounds + 1)
    ]
    return factories.make_run(samples, run_id="arena-run")


def _vote(ann: AnnotationSet, a: str, b: str, round_no: int, winner: str) -> None:
    pair = Pair("p1", round_no, f"{a}|p1|{round_no}", f"{b}|p1|{round_no}", a, b)
    ann.set_preference(pair, winner)


def _newton_fit(votes: list[tuple[int, int, float]], n: int) -> np.ndarray:
    """An independent maximum-likelihood fit of the same model: Newton's method on the
    log-likelihood of log-strengths (model 0 fixed at 0), ties as half wins, and the same
    prior of PRIOR_TIES virtual tie per pair of models that met."""
    w = np.zeros((n, n))
    for i, j, s in votes:
        w[i, j] += s
        w[j, i] += 1 - s
    met = (w + w.T) > 0
    w += np.where(met, PRIOR_TIES / 2, 0)
    theta = np.zeros(n)
    for _ in range(100):
        d = theta[:, None] - theta[None, :]
        p = 1 / (1 + np.exp(-d))  # P(i beats j)
        grad = (w * (1 - p)).sum(axis=1) - (w.T * p).sum(axis=1)
        games = w + w.T
        hess = games * p * (1 - p)
        h = -np.diag(hess.sum(axis=1)) + hess
        step = np.linalg.solve(h[1:, 1:], grad[1:])
        theta[1:] -= step
        if np.max(np.abs(step)) < 1e-13:
            break
    elo = theta * 400 / math.log(10)
    return 1000 + elo - elo.mean()


def test_two_models_have_the_ratings_their_odds_give() -> None:
    # 3 wins to 1, plus the prior's one virtual tie: odds 3.5 : 1.5.
    ratings = bradley_terry(np.array([0, 0, 0, 0]), np.array([1, 1, 1, 1]),
                            np.array([1.0, 1.0, 1.0, 0.0]), 2)  # fmt: skip
    assert ratings[0] - ratings[1] == pytest.approx(400 * math.log10(3.5 / 1.5))
    assert ratings.mean() == pytest.approx(1000)
    ties = bradley_terry(np.array([0, 1]), np.array([1, 0]), np.array([0.5, 0.5]), 2)
    assert ties == pytest.approx([1000, 1000])


def test_ratings_equal_an_independent_fit_of_the_same_votes() -> None:
    run = _run()
    rng = np.random.default_rng(7)
    strength = {"alpha": 1.2, "beta": 0.4, "gamma": 0.0, "delta": -0.9}
    people = new_annotations(run, "ana")
    votes: list[tuple[int, int, float]] = []
    for r in range(1, 41):
        for i, a in enumerate(MODELS):
            for j, b in enumerate(MODELS[i + 1 :], start=i + 1):
                if rng.random() < 0.5:
                    continue
                u = rng.random()
                chance = 1 / (1 + math.exp(strength[b] - strength[a]))
                winner = TIE if u < 0.15 else a if u < 0.15 + 0.85 * chance else b
                _vote(people, a, b, r, winner)
                votes.append((i, j, 0.5 if winner == TIE else 1.0 if winner == a else 0.0))
    got = {e["model"]: e for e in arena_ratings(run, [people], n_boot=300)}
    expected = _newton_fit(votes, len(MODELS))
    for i, model in enumerate(MODELS):
        assert got[model]["rating"] == pytest.approx(expected[i], abs=1e-6)
        assert got[model]["ci_low"] < got[model]["rating"] < got[model]["ci_high"]
    assert arena_ratings(run, [people], n_boot=50)[0]["model"] == "alpha"
    alpha = got["alpha"]
    mine = [v for v in votes if 0 in (v[0], v[1])]
    assert alpha["wins"] + alpha["losses"] + alpha["ties"] == len(mine)
    assert alpha["ties"] == sum(1 for v in mine if v[2] == 0.5)


def test_judge_votes_count_only_when_asked() -> None:
    run = _run(("alpha", "beta"), rounds=4)
    people = new_annotations(run, "ana")
    judge = new_annotations(run, "judge:big-model")
    for r in (1, 2):
        _vote(people, "alpha", "beta", r, "alpha")
    for r in (1, 2, 3, 4):
        _vote(judge, "alpha", "beta", r, "beta")
    only_people = {e["model"]: e for e in arena_ratings(run, [people, judge], n_boot=20)}
    assert only_people["alpha"]["wins"] == 2 and only_people["alpha"]["losses"] == 0
    both = {e["model"]: e for e in arena_ratings(run, [people, judge], include_judges=True)}
    assert both["beta"]["wins"] == 4 and both["beta"]["rating"] > both["alpha"]["rating"]
    assert arena_ratings(run, [new_annotations(run, "bob")]) == []


def test_every_report_format_shows_the_arena(tmp_path) -> None:
    hostile = "<b>m</b>|x"
    run = _run(("alpha", hostile), rounds=6)
    ann = new_annotations(run, "ana")
    for r in range(1, 7):
        _vote(ann, "alpha", hostile, r, "alpha" if r < 5 else TIE)
    path = tmp_path / "annotations.json"
    save_annotations(path, ann)
    quality = load_quality(run, [path])
    data = json.loads(render(run, "json", quality))
    assert [e["model"] for e in data["arena"]] == ["alpha", hostile]
    assert set(data["arena"][0]) == {"model", "rating", "ci_low", "ci_high", "wins", "losses",
                                     "ties"}  # fmt: skip
    assert data["arena"][0]["wins"] == 4 and data["arena"][0]["ties"] == 2
    md = render(run, "md", quality)
    assert "## Arena ranking" in md and "<b>" not in md
    html = render(run, "html", quality)
    assert "Arena ranking" in html and "Arena rating (95% CI)" in html and "<b>m</b>" not in html
    rows = list(csv.DictReader(io.StringIO(render(run, "summary-csv", quality))))
    by_model = {r["model"]: r for r in rows}  # summary.csv had no arena columns
    alpha = data["arena"][0]
    assert float(by_model["alpha"]["arena_rating"]) == pytest.approx(alpha["rating"])
    assert float(by_model["alpha"]["arena_ci_lo"]) == pytest.approx(alpha["ci_low"])
    assert float(by_model[hostile]["arena_rating"]) < float(by_model["alpha"]["arena_rating"])


def test_report_counts_judge_votes_only_with_the_option(tmp_path, capsys) -> None:
    from foundry_bench.cli import main
    from foundry_bench.core.results.store import write_results

    run = _run(("alpha", "beta"), rounds=3)
    write_results(tmp_path, run)
    people, judge = new_annotations(run, "ana"), new_annotations(run, "judge:m")
    _vote(people, "alpha", "beta", 1, "alpha")
    for r in (1, 2, 3):
        _vote(judge, "alpha", "beta", r, "beta")
    save_annotations(tmp_path / "annotations.json", people)
    save_annotations(tmp_path / "annotations-judge-m.json", judge)

    def arena(*extra: str) -> dict[str, dict]:
        assert main(["report", str(tmp_path), "--format", "json", *extra]) == 0
        return {e["model"]: e for e in json.loads(capsys.readouterr().out)["arena"]}

    assert arena()["alpha"]["wins"] == 1 and arena()["beta"]["wins"] == 0
    assert arena("--judge-votes")["beta"]["wins"] == 3
