"""core.stats: hand-computed statistics, bootstrap CIs, grouping, chart data, speed."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import make_measured_sample, make_run
from foundry_bench.core.analysis.stats import (
    METRICS,
    STAT_KEYS,
    describe,
    ecdf,
    ensure_summary,
    histogram,
    summarize,
    summarize_by_prompt,
)

# The samples of these tests: 4 prompt and 11 completion tokens, counted by the server.
sample = partial(make_measured_sample, prompt_tokens=4, completion_tokens=11, tokens_source="usage")


# --- describe -----------------------------------------------------------------------------


def test_describe_hand_computed() -> None:
    d = describe([4.0, 1.0, 3.0, 2.0])
    assert d["n"] == 4
    assert d["mean"] == pytest.approx(2.5)
    assert d["std"] == pytest.approx(math.sqrt(5 / 3))  # ddof=1: sum sq dev 5 / 3
    assert d["min"] == 1.0 and d["max"] == 4.0
    # linear: position (n-1)q = 3q -> p50 2.5, p90 3.7, p95 3.85, p99 3.97
    assert d["p50"] == pytest.approx(2.5)
    assert d["p90"] == pytest.approx(3.7)
    assert d["p95"] == pytest.approx(3.85)
    assert d["p99"] == pytest.approx(3.97)
    assert set(STAT_KEYS) | {"p50_ci", "p95_ci"} == set(d)


def test_describe_empty_single_and_missing_values() -> None:
    empty = describe([])
    assert empty["n"] == 0
    assert all(empty[k] is None for k in empty if k != "n")
    assert describe([None, float("nan")])["n"] == 0

    one = describe([0.25])
    assert one["n"] == 1 and one["std"] == 0.0
    assert one["min"] == one["p50"] == one["p99"] == one["max"] == one["mean"] == 0.25
    assert one["p50_ci"] is None and one["p95_ci"] is None

    mixed = describe([1.0, None, float("nan"), 3.0, float("inf")])
    assert mixed["n"] == 2 and mixed["mean"] == 2.0 and mixed["p50"] == 2.0


def test_describe_is_json_ready() -> None:
    d = describe(np.array([1.0, 2.0, 3.0]))
    assert type(d["n"]) is int
    assert all(type(d[k]) is float for k in STAT_KEYS if k != "n")
    assert all(type(v) is float for v in d["p50_ci"] + d["p95_ci"])


def test_bootstrap_ci_contains_estimate_and_is_seeded() -> None:
    values = np.random.default_rng(7).lognormal(0.0, 0.4, 60)
    a = describe(values, seed=3)
    assert a == describe(values, seed=3)
    assert a["p50_ci"] != describe(values, seed=4)["p50_ci"]
    for key in ("p50", "p95"):
        lo, hi = a[f"{key}_ci"]
        assert a["min"] <= lo <= a[key] <= hi <= a["max"]
    assert describe(values, ci=False)["p50_ci"] is None


def test_bootstrap_ci_of_constant_data_is_a_point() -> None:
    d = describe([2.0] * 10)
    assert d["p50_ci"] == [2.0, 2.0] and d["p95_ci"] == [2.0, 2.0]


def test_bootstrap_matches_brute_force_resampling() -> None:
    """The order-statistic bootstrap has the distribution of a resample-matrix bootstrap."""
    rng = np.random.default_rng(11)
    for n in (2, 5, 40):
        x = rng.lognormal(0.0, 0.5, n)
        idx = rng.integers(0, n, size=(40_000, n))
        resampled = np.percentile(x[idx], [50, 95], axis=1, method="linear")
        fast = describe(x, n_boot=40_000, seed=1)
        spread = x.max() - x.min()
        for row, key in ((0, "p50_ci"), (1, "p95_ci")):
            expected = np.percentile(resampled[row], [2.5, 97.5])
            assert fast[key] == pytest.approx(expected, abs=0.01 * spread), (n, key)


def test_describe_rejects_bad_n_boot() -> None:
    with pytest.raises(ValueError):
        describe([1.0, 2.0], n_boot=0)


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(finite, st.none(), st.just(float("nan"))), max_size=60))
def test_describe_properties(values: list[float | None]) -> None:
    d = describe(values, n_boot=50)
    kept = [v for v in values if v is not None and math.isfinite(v)]
    assert d["n"] == len(kept)
    if not kept:
        return
    assert d["min"] <= d["p50"] <= d["p90"] <= d["p95"] <= d["p99"] <= d["max"]
    assert d["min"] <= d["mean"] <= d["max"]
    assert d["std"] >= 0.0
    assert d["min"] == min(kept) and d["max"] == max(kept)
    if len(kept) > 1:
        for key in ("p50_ci", "p95_ci"):
            lo, hi = d[key]
            assert d["min"] <= lo <= hi <= d["max"]


# --- summarize ----------------------------------------------------------------------------


def test_summarize_excludes_warmups_and_errors() -> None:
    samples = [
        sample("a", "p1", 1, latency_s=100.0, ttft_s=50.0, warmup=True),  # a warm-up outlier
        sample("a", "p1", 1, latency_s=1.0, ttft_s=0.1),
        sample("a", "p1", 2, latency_s=2.0, ttft_s=0.2),
        sample("a", "p2", 1, latency_s=3.0, ttft_s=0.3),
        sample("a", "p2", 2, latency_s=4.0, ttft_s=0.4),
        sample("a", "p2", 3, status="error", error="boom"),
        sample("a", "p2", 4, status="timeout", error="boom"),
        sample("b", "p1", 1, status="error", error="boom", warmup=True),
    ]
    run = make_run(samples, models=["a", "b"], prompts=["p1", "p2"])
    summary = summarize(run)
    assert [e["model"] for e in summary] == ["a", "b"]
    a, b = summary
    assert (a["n_ok"], a["n_failed"]) == (4, 2)
    assert a["latency_s"]["n"] == 4
    assert a["latency_s"]["p50"] == pytest.approx(2.5)
    assert a["latency_s"]["max"] == 4.0
    assert a["ttft_s"]["p50"] == pytest.approx(0.25)
    # tpot = (latency - ttft) / (tokens - 1) with 11 tokens
    assert a["tpot_s"]["min"] == pytest.approx(0.09)
    assert a["output_tps"]["mean"] == pytest.approx(np.mean([11 / 1, 11 / 2, 11 / 3, 11 / 4]))
    assert a["decode_tps"]["n"] == 4
    assert set(METRICS) <= set(a)
    assert (b["n_ok"], b["n_failed"], b["latency_s"]["n"]) == (0, 0, 0)
    assert a["status"] == "ok"


def test_summarize_keeps_model_order_and_adds_unlisted_models() -> None:
    samples = [
        sample("z", "p1", 1, latency_s=1.0),
        sample("y", "p1", 1, latency_s=2.0),
        sample("x", "p1", 1, latency_s=3.0),
    ]
    run = make_run(samples, models=["y", "w"], prompts=["p1"])
    summary = summarize(run)
    assert [e["model"] for e in summary] == ["y", "w", "z", "x"]
    assert summary[1]["n_ok"] == 0 and summary[1]["latency_s"]["n"] == 0
    assert summary[2]["status"] == "ok"  # unlisted model with successes
    assert summarize(make_run([], models=[], prompts=[])) == []


def test_summarize_by_prompt() -> None:
    samples = [
        sample("b", "p2", 1, latency_s=4.0),
        sample("a", "p2", 1, latency_s=2.0),
        sample("a", "p1", 1, latency_s=1.0),
        sample("a", "p1", 2, latency_s=3.0),
        sample("a", "p9", 1, latency_s=5.0),
        sample("a", "p1", 3, status="error", error="boom"),
        sample("b", "p1", 1, latency_s=7.0, warmup=True),
    ]
    run = make_run(samples, models=["a", "b"], prompts=["p1", "p2"])
    rows = summarize_by_prompt(run)
    assert [(r["model"], r["prompt_id"]) for r in rows] == [
        ("a", "p1"),
        ("a", "p2"),
        ("a", "p9"),
        ("b", "p2"),
    ]
    a_p1 = rows[0]
    assert (a_p1["n_ok"], a_p1["n_failed"]) == (2, 1)
    assert a_p1["latency_s"]["p50"] == pytest.approx(2.0)
    assert rows[3]["latency_s"]["mean"] == 4.0


def test_ensure_summary_computes_once() -> None:
    run = make_run([sample("a", "p1", 1, latency_s=1.0)], models=["a"], prompts=["p1"])
    assert run.summary is None
    summary = ensure_summary(run)
    assert run.summary is summary and summary[0]["n_ok"] == 1
    run.summary = [{"model": "stored"}]
    assert ensure_summary(run) == [{"model": "stored"}]


def test_summarize_counts_every_one_of_100k_samples() -> None:
    """Its speed is measured by benchmarks/render_100k.py, not asserted here."""
    rng = np.random.default_rng(0)
    latency = rng.lognormal(0.0, 0.5, 100_000)
    samples = [
        sample(
            f"m{i % 4}",
            f"p{i % 25}",
            i,
            latency_s=float(lat),
            ttft_s=float(lat) / 10,
            completion_tokens=64,
        )
        for i, lat in enumerate(latency)
    ]
    run = make_run(samples, models=["m0", "m1", "m2", "m3"], prompts=[f"p{j}" for j in range(25)])
    summary = summarize(run)
    assert sum(e["n_ok"] for e in summary) == 100_000
    assert [e["n_ok"] for e in summary] == [25_000] * 4


# --- chart data ---------------------------------------------------------------------------


def test_histogram_and_ecdf() -> None:
    counts, edges = histogram([1.0, 2.0, 2.0, None, 3.0], bins=2)
    assert counts.tolist() == [1, 3] and edges.tolist() == [1.0, 2.0, 3.0]
    counts, edges = histogram([])
    assert counts.size == 0 and edges.size == 0
    # a narrow bulk with one far outlier does not explode into millions of bins
    counts, edges = histogram([*np.linspace(1.0, 1.001, 1000), 1e6])
    assert counts.sum() == 1001 and len(edges) <= 201

    x, y = ecdf([3.0, None, 1.0, 2.0, 2.0])
    assert x.tolist() == [1.0, 2.0, 2.0, 3.0]
    assert y.tolist() == [0.25, 0.5, 0.75, 1.0]
    x, y = ecdf([])
    assert x.size == 0 and y.size == 0
