"""An arena ranking from side-by-side votes: Bradley-Terry ratings on the Elo scale.

As Chatbot Arena does: each model has a strength ``p``; the chance that model i's answer is
preferred to model j's is ``p_i / (p_i + p_j)``. The strengths that make the votes most likely
are found by the minorization-maximization iteration of Hunter (2004, "MM algorithms for
generalized Bradley-Terry models"), a tie counting half a win for each side. The rating is
``400 * log10(p)`` shifted so the models' mean is 1000: 400 points are 10:1 odds, as in Elo.

Two models that only ever won (or only lost) would get an infinite rating; a prior of
:data:`PRIOR_TIES` virtual tie between every two models that met keeps every rating finite
and pulls ratings from a handful of votes toward the middle. The 95% intervals are bootstrap
percentiles: the votes are resampled with replacement and refitted.

Votes are people's by default; an automatic judge's (annotator ``judge:<model>``) count only
when asked (``include_judges``), so the two are never mixed silently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from foundry_bench.core.quality.annotations import TIE, AnnotationSet
from foundry_bench.core.results.records import Run

SCALE = 400.0 / math.log(10.0)  # natural-log strength -> Elo points
MEAN_RATING = 1000.0
PRIOR_TIES = 1.0
N_BOOT = 1000
_TOL, _MAX_ITER = 1e-10, 10_000


@dataclass(frozen=True)
class Vote:
    model_a: str
    model_b: str
    score_a: float  # 1 a won, 0 b won, 0.5 a tie


def arena_votes(
    run: Run, sets: Sequence[AnnotationSet], *, include_judges: bool = False
) -> list[Vote]:
    """Every side-by-side preference of the run's models in ``sets`` as a vote."""
    models = {m.id for m in run.models} | {s.model for s in run.samples}
    votes = []
    for ann in sets:
        if ann.is_judge and not include_judges:
            continue
        for pref in ann.preferences.values():
            a, b = pref.model_a, pref.model_b
            if a == b or a not in models or b not in models:
                continue
            score = 0.5 if pref.winner == TIE else 1.0 if pref.winner == a else 0.0
            votes.append(Vote(a, b, score))
    return votes


def bradley_terry(
    index_a: np.ndarray, index_b: np.ndarray, score_a: np.ndarray, n_models: int
) -> np.ndarray:
    """Elo-scale ratings (mean 1000) of ``n_models`` from votes given as index arrays."""
    ratings: np.ndarray = _fit(_win_matrix(index_a, index_b, score_a, n_models)[None])[0]
    return ratings


def _win_matrix(
    index_a: np.ndarray, index_b: np.ndarray, score_a: np.ndarray, n_models: int
) -> np.ndarray:
    """``wins[i, j]``: how often i was preferred to j (a tie half each)."""
    wins = np.zeros((n_models, n_models))
    np.add.at(wins, (index_a, index_b), score_a)
    np.add.at(wins, (index_b, index_a), 1.0 - score_a)
    return wins


def _fit(wins: np.ndarray) -> np.ndarray:
    """Ratings for a stack of win matrices ``(B, m, m)`` at once (the bootstrap's refits)."""
    met = (wins + wins.transpose(0, 2, 1)) > 0
    wins = wins + np.where(met, PRIOR_TIES / 2, 0.0)
    games = wins + wins.transpose(0, 2, 1)
    total_wins = wins.sum(axis=2)
    p = np.ones(total_wins.shape)
    for _ in range(_MAX_ITER):
        denom = (games / (p[:, :, None] + p[:, None, :])).sum(axis=2)
        played = denom > 0  # a model absent from a resample keeps strength 1
        new = np.where(played, total_wins / np.where(played, denom, 1.0), 1.0)
        new /= np.exp(np.log(new).mean(axis=1, keepdims=True))  # only ratios matter
        done = np.max(np.abs(new - p)) < _TOL
        p = new
        if done:
            break
    theta = np.log(p) * SCALE
    ratings: np.ndarray = MEAN_RATING + theta - theta.mean(axis=1, keepdims=True)
    return ratings


def arena_ratings(
    run: Run,
    sets: Sequence[AnnotationSet],
    *,
    include_judges: bool = False,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """``[{"model", "rating", "ci_low", "ci_high", "wins", "losses", "ties"}]``, best first;
    models without a vote are left out (empty without votes)."""
    votes = arena_votes(run, sets, include_judges=include_judges)
    if not votes:
        return []
    order = [m.id for m in run.models] + [s.model for s in run.samples]
    voted = {v.model_a for v in votes} | {v.model_b for v in votes}
    models = [m for m in dict.fromkeys(order) if m in voted]
    place = {m: i for i, m in enumerate(models)}
    ia = np.array([place[v.model_a] for v in votes])
    ib = np.array([place[v.model_b] for v in votes])
    sa = np.array([v.score_a for v in votes])
    ratings = bradley_terry(ia, ib, sa, len(models))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(votes), size=(n_boot, len(votes)))
    stack = np.stack([_win_matrix(ia[k], ib[k], sa[k], len(models)) for k in picks])
    boots = _fit(stack)
    low, high = np.percentile(boots, [2.5, 97.5], axis=0, method="linear")
    out: list[dict[str, Any]] = []
    for i, model in enumerate(models):
        mine = [
            v.score_a if v.model_a == model else 1 - v.score_a
            for v in votes
            if model in (v.model_a, v.model_b)
        ]
        out.append(
            {
                "model": model,
                "rating": float(ratings[i]),
                "ci_low": float(low[i]),
                "ci_high": float(high[i]),
                "wins": sum(1 for s in mine if s == 1.0),
                "losses": sum(1 for s in mine if s == 0.0),
                "ties": sum(1 for s in mine if s == 0.5),
            }
        )
    out.sort(key=lambda e: -float(e["rating"]))
    return out
