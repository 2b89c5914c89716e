"""Workload sweeps against scripted servers whose truth is known.

The prompt-aware scenario counts one token per word plus a fixed template overhead, and its
first token comes ``PREFILL_S`` later per prompt token: the sweep must find prompts of each
size (within 10%) from the usage counts alone and recover ``PREFILL_S`` (within 10%).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foundry_bench.cli import EXIT_BAD_INPUT, EXIT_OK, main
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.providers import ExternalProvider
from foundry_bench.core.run.runner import run_benchmark
from foundry_bench.core.sweep.analysis import sweep_results
from foundry_bench.core.sweep.grid import GridError, SweepGrid, parse_sizes
from foundry_bench.core.sweep.plan import SweepPlan
from scripted_server import Scenario, ScriptedServer

PREFILL_S = 0.0001  # 0.1 ms per prompt token: 2,048 tokens cost 205 ms before the first
PREFILL = Scenario(
    ttft_s=0.01,
    gap_s=0.002,
    tokens=400,
    count_prompt=True,
    prompt_tokens=23,  # the chat template: what a prompt costs with no words at all
    prefill_s_per_token=PREFILL_S,
)


def _sweep(srv: ScriptedServer, out: Path, model: str, grid: SweepGrid, **kw: object) -> object:
    plan = SweepPlan(
        models=[ModelSpec(id=model)],
        prompts=[],
        settings=RunSettings(rounds=3, warmup_rounds=1, max_tokens=max(grid.output_tokens)),
        grid=grid,
        **kw,  # type: ignore[arg-type]
    )
    list(run_benchmark(plan, ExternalProvider(srv.base_url), out))
    return load_run(out)


def test_the_sweep_recovers_the_prefill_cost_and_hits_each_prompt_size(tmp_path: Path) -> None:
    grid = SweepGrid(prompt_tokens=(128, 512, 1024, 2048), output_tokens=(16, 64))
    with ScriptedServer({"m": PREFILL}) as srv:
        run = _sweep(srv, tmp_path, "m", grid, probe_context=False)
    assert run.status == "completed"  # type: ignore[attr-defined]
    (result,) = sweep_results(run) or []  # type: ignore[arg-type]
    assert result.prefill is not None
    error = abs(result.prefill.slope_s_per_token - PREFILL_S) / PREFILL_S
    assert error < 0.10, f"prefill cost off by {error:.1%}"
    assert result.prefill.prefill_tps == pytest.approx(1 / PREFILL_S, rel=0.10)
    prefill = result.series("prefill")
    assert [p.prompt_tokens for p in prefill] == [128, 512, 1024, 2048]
    for sample in run.timed_samples():  # type: ignore[attr-defined]
        target = int(sample.prompt_id.split("-")[0][1:])
        assert sample.prompt_tokens is not None
        assert abs(sample.prompt_tokens - target) <= 0.10 * target, sample.key
    # The decode series ran both output lengths, and the server gave every token asked for.
    assert [(p.output_tokens, p.completion_tokens) for p in result.series("decode")] == [
        (16, 16),
        (64, 64),
    ]
    decode = result.series("decode")[0].decode_tps
    assert decode == pytest.approx(1 / 0.002, rel=0.3)
    record = run.sweep  # type: ignore[attr-defined]
    assert record["schema_version"] == 1 and record["grid"]["prompt_tokens"] == [
        128,
        512,
        1024,
        2048,
    ]
    calibration = record["models"]["m"]["calibration"]
    assert calibration["tokens_per_word"] == pytest.approx(1.0)
    assert calibration["overhead_tokens"] == pytest.approx(23 + 26, abs=2)  # + the instruction


def test_each_round_sends_fresh_text_and_context_goes_before_the_prompt(tmp_path: Path) -> None:
    grid = SweepGrid(prompt_tokens=(256,), output_tokens=(8,), context_depth=(0, 512))
    with ScriptedServer({"m": PREFILL}) as srv:
        run = _sweep(srv, tmp_path, "m", grid, probe_context=False)
        timed = [r.body for r in srv.requests if r.body and r.body.get("max_tokens") == 8]
    users = [b["messages"][-1]["content"] for b in timed]
    assert len(users) == len(set(users))  # no prefix cache can serve one from another
    deep = [b for b in timed if b["messages"][0]["role"] == "system"]
    assert deep and all(len(b["messages"][0]["content"].split()) == 512 for b in deep)
    (result,) = sweep_results(run) or []  # type: ignore[arg-type]
    by_depth = {p.context_depth: p for p in result.series("decode")}
    assert by_depth[512].achieved_prompt_tokens == pytest.approx(256 + 512, rel=0.10)


def test_aggregate_throughput_scales_with_concurrency_in_the_sweep(tmp_path: Path) -> None:
    parallel = Scenario(ttft_s=0.03, gap_s=0.005, tokens=400, count_prompt=True)
    serial = Scenario(ttft_s=0.03, gap_s=0.005, tokens=400, count_prompt=True, serial=True)
    grid = SweepGrid(prompt_tokens=(64,), output_tokens=(24,), concurrency=(1, 4))
    with ScriptedServer({"par": parallel, "ser": serial}) as srv:
        plan = SweepPlan(
            models=[ModelSpec(id="par"), ModelSpec(id="ser")],
            prompts=[],
            settings=RunSettings(rounds=4, warmup_rounds=1, max_tokens=24, concurrency=4),
            grid=grid,
            probe_context=False,
        )
        list(run_benchmark(plan, ExternalProvider(srv.base_url), tmp_path))
    run = load_run(tmp_path)
    per_point = {(s.model, s.prompt_id) for s in run.timed_samples()}
    assert len(per_point) == 4
    at_four = [s for s in run.timed_samples() if s.prompt_id.endswith("-c4")]
    assert len(at_four) == 2 * 4 * 4  # two models, four rounds for each of four slots
    assert plan.total_requests() == len(run.samples)
    par, ser = sweep_results(run) or []
    rate = {p.concurrency: p.throughput_tps for p in par.series("concurrency")}
    assert rate[4] / rate[1] > 3.0  # type: ignore[operator]
    flat = {p.concurrency: p for p in ser.series("concurrency")}
    assert 0.7 < flat[4].throughput_tps / flat[1].throughput_tps < 1.3  # type: ignore[operator]
    assert flat[4].ttft_p95_s > 2.5 * flat[1].ttft_p95_s  # type: ignore[operator]


def test_probing_finds_the_context_a_server_really_accepts(tmp_path: Path) -> None:
    limited = Scenario(ttft_s=0.0, gap_s=0.0, tokens=4, count_prompt=True, context_tokens=1500)
    grid = SweepGrid(prompt_tokens=(128, 512), output_tokens=(4,))
    with ScriptedServer({"m": limited}) as srv:
        run = _sweep(srv, tmp_path, "m", grid, probe_upper=8192)
    (result,) = sweep_results(run) or []  # type: ignore[arg-type]
    context = result.context
    assert context is not None and context["advertised"] is None and context["upper"] == 8192
    assert not context["at_least"]
    assert 1500 * 0.95 <= context["effective"] <= 1500
    assert 1500 < context["refused_at"] <= 1500 * 1.06
    assert any("longer than the context" in (p["error"] or "") for p in context["probes"])


def test_a_point_the_server_refuses_is_skipped_and_the_rest_runs(tmp_path: Path) -> None:
    limited = Scenario(ttft_s=0.0, gap_s=0.0, tokens=4, count_prompt=True, context_tokens=1000)
    grid = SweepGrid(prompt_tokens=(128, 4096), output_tokens=(4,))
    with ScriptedServer({"m": limited}) as srv:
        run = _sweep(srv, tmp_path, "m", grid, probe_context=False)
    (result,) = sweep_results(run) or []  # type: ignore[arg-type]
    assert "p4096-o4-d0-c1" in result.skipped
    assert [p.point for p in result.points] == ["p128-o4-d0-c1"]
    assert run.models[0].status == "ok"  # type: ignore[attr-defined]


def test_a_server_without_usage_counts_cannot_be_calibrated(tmp_path: Path) -> None:
    with ScriptedServer({"m": Scenario(tokens=4, usage=False)}) as srv:
        run = _sweep(srv, tmp_path, "m", SweepGrid((64,), (4,)), probe_context=False)
    (result,) = sweep_results(run) or []  # type: ignore[arg-type]
    assert result.error and "no usage counts" in result.error
    assert run.samples == [] and run.models[0].status == "failed"  # type: ignore[attr-defined]


def test_grid_points_are_one_axis_at_a_time_and_run_once() -> None:
    grid = SweepGrid((128, 512), (64, 256), context_depth=(0, 1024), concurrency=(1, 4))
    ids = [p.id for p in grid.points]
    assert len(ids) == len(set(ids))
    base = next(p for p in grid.points if p.id == "p128-o64-d0-c1")
    assert set(base.series) == {"prefill", "decode", "concurrency"}
    assert "p1152-o256-d1024-c1" in ids  # depth counts inside the prompt
    assert "p128-o64-d0-c4" in ids and len(ids) == 6


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "one or more"), ("12x", "'12x' is not a whole number"), ("0", "outside"),
     ("1,-2", "not a whole number"), ("１２", "not a whole number")],
)  # fmt: skip
def test_bad_sizes_name_the_option(text: str, problem: str) -> None:
    with pytest.raises(GridError, match="--prompt-tokens") as info:
        parse_sizes(text, "--prompt-tokens", 1, 1000)
    assert problem in str(info.value)


def test_the_sweep_command_writes_a_run_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = tmp_path / "models.json"
    models.write_text(json.dumps({"m": {}}))
    out = tmp_path / "run"
    with ScriptedServer({"m": PREFILL}) as srv:
        args = ["sweep", "--models", str(models), "--endpoint", srv.base_url]
        assert main([*args, "--prompt-tokens", "64,abc", "--out", str(out)]) == EXIT_BAD_INPUT
        assert "--prompt-tokens: 'abc' is not a whole number" in capsys.readouterr().err
        args += ["--prompt-tokens", "64,256", "--output-tokens", "8", "--concurrency", "1,2"]
        args += ["--rounds", "2", "--probe-max-tokens", "1024", "--out", str(out)]
        assert main([*args, "--label", "bad\x07label"]) == EXIT_BAD_INPUT
        assert "--label must not hold control characters" in capsys.readouterr().err
        assert main([*args, "--label", "lab-laptop-7"]) == EXIT_OK
    run = load_run(out)
    assert run.environment["label"] == "lab-laptop-7"  # a sweep is a fleet row too
    assert run.sweep is not None and set(run.sweep["models"]["m"]) >= {"calibration", "context"}
    assert {s.prompt_id for s in run.samples} == {"p64-o8-d0-c1", "p256-o8-d0-c1", "p64-o8-d0-c2"}
    assert (out / "benchmark_report.md").exists()


def test_cancel_during_calibration_stops_the_sweep_without_false_skips(tmp_path: Path) -> None:
    import threading

    cancel = threading.Event()
    grid = SweepGrid((128, 512, 1024), (4,))
    with ScriptedServer({"m": PREFILL}) as srv:
        plan = SweepPlan(
            models=[ModelSpec(id="m")],
            prompts=[],
            settings=RunSettings(rounds=2, warmup_rounds=0, max_tokens=4),
            grid=grid,
        )
        events = run_benchmark(plan, ExternalProvider(srv.base_url), tmp_path, cancel=cancel)
        for event in events:
            if getattr(event, "message", "").startswith("m: calibrated"):
                cancel.set()  # the points' prompts are fitted next: each probe now cancels
    run = load_run(tmp_path)
    assert run.status == "cancelled" and run.samples == []
    assert run.sweep is not None and run.sweep["models"]["m"]["skipped"] == {}
