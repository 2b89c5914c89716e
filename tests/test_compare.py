"""core.compare: the significance tests, and that a real slowdown is flagged while noise is not."""

from __future__ import annotations

import itertools
import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import make_measured_sample, make_run
from foundry_bench.core.analysis.compare import COMPARED, compare_runs, regressions
from foundry_bench.core.analysis.significance import (
    mann_whitney_u,
    percentile_replicates,
    rank_average,
)
from foundry_bench.core.reports import compare as compare_report
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.run_settings import RunSettings

T0 = "2025-01-01T00:00:00.000Z"


def synthetic_run(
    run_id: str,
    factors: dict[str, float],
    *,
    seed: int,
    n: int = 40,
    noise: float = 0.10,
    base: float = 0.5,
    settings: RunSettings | None = None,
) -> Run:
    """Models whose latency and TTFT are ``base * factor`` times lognormal noise (``noise``
    is sigma, ~10% spread); tokens stay fixed, so a slower model also has fewer tokens/s."""
    rng = np.random.default_rng(seed)
    samples = []
    for model, factor in factors.items():
        for round_no in range(1, n + 1):
            latency = base * factor * rng.lognormal(0.0, noise)
            samples.append(
                make_measured_sample(
                    model,
                    "p1",
                    round_no,
                    ttft_s=0.1 * factor * rng.lognormal(0.0, noise),
                    latency_s=latency,
                    prompt_tokens=10,
                    completion_tokens=50,
                    tokens_source="usage",
                    response="ok",
                )
            )
    return make_run(
        samples,
        run_id=run_id,
        settings=settings or RunSettings(rounds=n),
        models=list(factors),
        prompts=[{"id": "p1", "text": "hi"}],
    )


# --- Mann-Whitney U -----------------------------------------------------------------------


def brute_u(a: list[float], b: list[float]) -> float:
    return sum((y > x) + 0.5 * (y == x) for x in a for y in b)


def test_rank_average_with_ties() -> None:
    ranks = rank_average(np.array([3.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0]))
    assert ranks.tolist() == [5.0, 1.0, 2.5, 2.5, 5.0, 5.0, 7.0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=12),
    st.lists(st.integers(0, 6), min_size=1, max_size=12),
)
def test_u_matches_pair_counting(a: list[int], b: list[int]) -> None:
    u, p = mann_whitney_u(a, b)
    assert u == brute_u(a, b)  # ties count one half
    assert 0.0 <= p <= 1.0


def test_u_p_value_close_to_exact_permutation() -> None:
    """The normal approximation against the exact permutation distribution of U."""
    a = [1.1, 2.3, 2.3, 3.0, 4.2, 5.0, 5.5]
    b = [2.3, 4.0, 5.9, 6.1, 6.2, 7.0, 8.4]
    u_obs, p = mann_whitney_u(a, b)
    pooled = a + b
    mu = len(a) * len(b) / 2
    extreme = total = 0
    for idx in itertools.combinations(range(len(pooled)), len(b)):
        chosen = set(idx)
        bb = [pooled[i] for i in idx]
        aa = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        total += 1
        extreme += abs(brute_u(aa, bb) - mu) >= abs(u_obs - mu) - 1e-9
    exact = extreme / total
    assert p == pytest.approx(exact, abs=0.01)
    assert p < 0.05


def test_u_on_identical_samples() -> None:
    assert mann_whitney_u([1.0, 1.0, 1.0], [1.0, 1.0]) == (3.0, 1.0)
    with pytest.raises(ValueError):
        mann_whitney_u([], [1.0])


def test_percentile_replicates_match_naive_bootstrap() -> None:
    rng = np.random.default_rng(1)
    x = np.sort(rng.lognormal(0, 0.5, 37))
    fast = percentile_replicates(x, 95.0, 20000, np.random.default_rng(2))
    idx = np.random.default_rng(3).integers(0, x.size, (20000, x.size))
    naive = np.percentile(x[idx], 95.0, axis=1)
    for q in (5, 25, 50, 75, 95):
        assert np.percentile(fast, q) == pytest.approx(np.percentile(naive, q), rel=0.03)


# --- real slowdown versus noise ------------------------------------------------------------


def _change(result, model: str, label: str):  # type: ignore[no-untyped-def]
    entry = next(m for m in result.models if m.model == model)
    return next(c for c in entry.changes if c.label == label)


@pytest.mark.parametrize("seed", range(10))
def test_a_30_percent_slowdown_is_flagged(seed: int) -> None:
    a = synthetic_run("A", {"m": 1.0}, seed=seed)
    b = synthetic_run("B", {"m": 1.3}, seed=1000 + seed)
    result = compare_runs(a, b)
    p50 = _change(result, "m", "p50 latency")
    assert p50.significant and p50.verdict == "slower" and 20 < p50.pct < 40
    assert p50.p_value is not None and p50.p_value < 1e-6
    assert p50.ci is not None and p50.ci[0] > 0
    assert _change(result, "m", "p50 throughput").verdict == "slower"
    found = {(c.label) for c in regressions(result, 10)}
    assert {"p50 latency", "p50 TTFT"} <= found
    assert regressions(result, 60) == []  # a bigger threshold than the change


def test_a_1_percent_wobble_is_not_flagged() -> None:
    """Twenty seeded pairs of runs (60 requests each, ~10% noise) differ by 1%: the p50 test
    raises at most its 5% share of false alarms, and no pair is a regression at 10%."""
    false_alarms = 0
    for seed in range(20):
        a = synthetic_run("A", {"m": 1.0}, seed=seed, n=60)
        b = synthetic_run("B", {"m": 1.01}, seed=500 + seed, n=60)
        result = compare_runs(a, b)
        false_alarms += _change(result, "m", "p50 latency").significant
        assert regressions(result, 10) == [], seed
    assert false_alarms <= 1


def test_p95_needs_enough_samples() -> None:
    a = synthetic_run("A", {"m": 1.0}, seed=1, n=10)
    b = synthetic_run("B", {"m": 1.5}, seed=2, n=10)
    result = compare_runs(a, b)
    assert _change(result, "m", "p50 latency").significant
    p95 = _change(result, "m", "p95 latency")
    assert not p95.significant and p95.verdict == "too few samples to test (need 20 per run)"


def test_a_speed_up_is_not_a_regression() -> None:
    result = compare_runs(
        synthetic_run("A", {"m": 1.0}, seed=1), synthetic_run("B", {"m": 0.7}, seed=2)
    )
    p50 = _change(result, "m", "p50 latency")
    assert p50.verdict == "faster" and p50.direction == "better" and p50.pct < -20
    assert _change(result, "m", "p50 throughput").verdict == "faster"
    assert regressions(result, 0) == []


def test_only_latency_and_ttft_count_as_regressions() -> None:
    result = compare_runs(
        synthetic_run("A", {"m": 1.0}, seed=1), synthetic_run("B", {"m": 1.5}, seed=2)
    )
    metrics = {c.metric for c in regressions(result, 10)}
    assert metrics == {"latency_s", "ttft_s"}
    assert {c.stat for c in regressions(result, 10)} == {"p50", "p95"}


def test_models_in_one_run_and_settings_changes() -> None:
    a = synthetic_run("A", {"m": 1.0, "old": 1.0}, seed=1)
    b = synthetic_run("B", {"m": 1.0, "new": 1.0}, seed=2, settings=RunSettings(max_tokens=64))
    result = compare_runs(a, b)
    assert [m.model for m in result.models] == ["m"]
    assert (result.only_a, result.only_b) == (["old"], ["new"])
    assert "max_tokens: 256 → 64" in result.settings_changed
    assert "rounds: 40 → 3" in result.settings_changed


def test_too_few_samples_is_not_significant() -> None:
    a = synthetic_run("A", {"m": 1.0}, seed=1, n=2)
    b = synthetic_run("B", {"m": 3.0}, seed=2, n=2)
    change = _change(compare_runs(a, b), "m", "p50 latency")
    assert change.pct is not None and change.pct > 100
    assert not change.significant and change.verdict == "too few samples to test (need 3 per run)"


def test_failed_model_has_no_data() -> None:
    a = synthetic_run("A", {"m": 1.0}, seed=1)
    b = synthetic_run("B", {"m": 1.0}, seed=2)
    for s in b.samples:
        s.status, s.latency_s, s.ttft_s, s.output_tps = "error", None, None, None
    change = _change(compare_runs(a, b), "m", "p95 latency")
    assert change.b is None and change.verdict == "no data in run B"


def test_comparison_is_reproducible() -> None:
    a = synthetic_run("A", {"m": 1.0}, seed=1)
    b = synthetic_run("B", {"m": 1.05}, seed=2)
    assert compare_runs(a, b).to_dict() == compare_runs(a, b).to_dict()


def test_quality_change() -> None:
    a = synthetic_run("A", {"m": 1.0, "n": 1.0}, seed=1)
    b = synthetic_run("B", {"m": 1.0, "n": 1.0}, seed=2)
    qa = [{"model": "m", "mean": 4.0, "ci": [3.8, 4.2]}, {"model": "n", "mean": 3.0, "ci": [2, 4]}]
    qb = [{"model": "m", "mean": 3.0, "ci": [2.8, 3.2]}, {"model": "n", "mean": 3.2, "ci": [2, 4]}]
    result = compare_runs(a, b, quality_a=qa, quality_b=qb)
    m, n = (entry.quality for entry in result.models)
    assert m is not None and m.delta == pytest.approx(-1.0) and m.verdict == "worse"
    assert m.ci == pytest.approx((-1.0 - math.hypot(0.2, 0.2), -1.0 + math.hypot(0.2, 0.2)))
    assert n is not None and n.verdict == "no significant change"
    assert compare_runs(a, b).models[0].quality is None  # not asked for


def test_every_compared_statistic_is_reported() -> None:
    result = compare_runs(
        synthetic_run("A", {"m": 1.0}, seed=1), synthetic_run("B", {"m": 1.0}, seed=2)
    )
    assert [c.label for c in result.models[0].changes] == [s.label for s in COMPARED]


# --- outputs ---------------------------------------------------------------------------------

EVIL = "<img src=x onerror=alert(1)>|=cmd\nx"


def test_outputs_are_escaped_and_agree() -> None:
    a = synthetic_run("A", {EVIL: 1.0, "m": 1.0}, seed=1)
    b = synthetic_run("B<script>", {EVIL: 1.3, "m": 1.0}, seed=2)
    result = compare_runs(a, b)
    md = compare_report.to_markdown(result, 10)
    assert "<img" not in md and "<script" not in md
    assert "&lt;img src=x onerror=alert(1)&gt;\\|=cmd x" in md
    for line in md.splitlines():
        if line.startswith("|"):
            assert len(re.split(r"(?<!\\)\|", line)) == 10, line  # 8 cells, no spill
    row = next(line for line in md.splitlines() if "| p50 latency (ms) |" in line and "cmd" in line)
    assert "| slower |" in row
    assert "## Regressions (worse by more than 10% and significant)" in md

    html = compare_report.to_html(result, 10)
    assert "<img" not in html and "<script" not in html and "onerror=alert(1)&gt;" in html
    assert "regression(s)" in html and "Content-Security-Policy" in html

    data = json.loads(compare_report.to_json(result, 10))
    assert data["run_b"] == "B<script>" and data["schema_version"] == 1
    assert {r["model"] for r in data["regressions"]} == {EVIL}
    verdicts = {
        (m["model"], c["label"]): c["verdict"] for m in data["models"] for c in m["changes"]
    }
    assert verdicts[(EVIL, "p50 latency")] == "slower"
    assert verdicts[("m", "p50 latency")] == "no significant change"


def test_markdown_without_threshold_or_common_models() -> None:
    result = compare_runs(
        synthetic_run("A", {"x": 1.0}, seed=1), synthetic_run("B", {"y": 1.0}, seed=2)
    )
    md = compare_report.to_markdown(result)
    assert "No model is in both runs." in md and "## Regressions" not in md
    assert "**Only in A:** x" in md and "**Only in B:** y" in md
    with pytest.raises(ValueError):
        compare_report.render(result, "pdf")
