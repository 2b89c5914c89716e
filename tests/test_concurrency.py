"""Requests in flight together (``RunSettings.concurrency``), against the scripted server.

Known truth: each request of a parallel scenario takes ttft + (tokens - 1) * gap however many
are in flight, so N in flight finish N times the tokens per second; a ``serial`` scenario
(no batching) serves one at a time, so throughput stays flat and the queue shows in TTFT.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

import pytest

from foundry_bench.core.analysis.stats import ensure_summary
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.results.records import Measurement, utc_now
from foundry_bench.core.results.run_settings import RunSettings, run_settings_problems
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.in_flight import InFlight
from foundry_bench.core.run.providers import ExternalProvider
from foundry_bench.core.run.runner import RunPlan, SampleDone, run_benchmark
from scripted_server import Scenario, ScriptedServer
from waiting import wait_until

TTFT_S, GAP_S, TOKENS = 0.05, 0.01, 16
PARALLEL = Scenario(ttft_s=TTFT_S, gap_s=GAP_S, tokens=TOKENS)
SERIAL = Scenario(ttft_s=TTFT_S, gap_s=GAP_S, tokens=TOKENS, serial=True)


def _run(srv: ScriptedServer, out: Path, model: str, concurrency: int, rounds: int = 8) -> dict:
    plan = RunPlan(
        models=[ModelSpec(id=model)],
        prompts=[PromptSpec(id="p1", text="hello")],
        settings=RunSettings(rounds=rounds, warmup_rounds=1, concurrency=concurrency),
    )
    list(run_benchmark(plan, ExternalProvider(srv.base_url), out))
    run = load_run(out)
    assert [s.status for s in run.samples] == ["ok"] * (rounds + 1)
    return {"run": run, "summary": ensure_summary(run)[0]}


def test_throughput_scales_with_requests_in_flight_and_each_ttft_stays_true(
    tmp_path: Path,
) -> None:
    with ScriptedServer({"m": PARALLEL}) as srv:
        one = _run(srv, tmp_path / "c1", "m", 1)
        srv.clear()
        four = _run(srv, tmp_path / "c4", "m", 4)
        truth = [r.ttft_s for r in srv.requests if r.ttft_s is not None]
    ratio = four["summary"]["throughput_tps"] / one["summary"]["throughput_tps"]
    assert 3.0 < ratio <= 4.4  # truth: 4 (the same requests, four at a time)
    # Every request is timed on its own: its TTFT is the server's, not the phase's.
    assert min(truth) >= TTFT_S
    # Had the clock started with the phase, the second wave would show ~0.2 s more. (Eight
    # threads of one process on a busy machine wake late by up to tens of ms, client and
    # server alike: a loose bound here; benchmarks/timing_accuracy.py measures the error.)
    ttfts = [s.ttft_s for s in four["run"].timed_samples() if s.ttft_s is not None]
    assert len(ttfts) == 8 and all(TTFT_S <= t < TTFT_S + 0.1 for t in ttfts)
    assert statistics.median(ttfts) < statistics.median(truth) + 0.05
    timed = [s for s in four["run"].samples if not s.warmup]
    starts = sorted(s.start_s for s in timed if s.start_s is not None)
    # Four at a time: the first four left together, long before the first one ended.
    first_end = min(s.end_s for s in timed if s.end_s is not None)
    assert len(starts) == 8 and starts[3] < first_end


def test_a_server_without_batching_gains_nothing_and_the_queue_shows_in_ttft(
    tmp_path: Path,
) -> None:
    with ScriptedServer({"m": SERIAL}) as srv:
        one = _run(srv, tmp_path / "c1", "m", 1)
        four = _run(srv, tmp_path / "c4", "m", 4)
    ratio = four["summary"]["throughput_tps"] / one["summary"]["throughput_tps"]
    assert 0.7 < ratio < 1.3
    one_request = TTFT_S + (TOKENS - 1) * GAP_S
    # The last of four waited for three whole answers before its first token.
    assert four["summary"]["ttft_s"]["max"] > TTFT_S + 2.5 * one_request
    assert one["summary"]["ttft_s"]["max"] < TTFT_S + 0.5 * one_request


def test_warmups_run_one_at_a_time_and_stay_out_of_the_throughput(tmp_path: Path) -> None:
    with ScriptedServer({"m": PARALLEL}) as srv:
        result = _run(srv, tmp_path, "m", 4, rounds=4)
    samples = result["run"].samples
    warmup = samples[0]
    assert warmup.warmup and all(not s.warmup for s in samples[1:])
    assert warmup.end_s is not None
    assert all(s.start_s is not None and s.start_s >= warmup.end_s for s in samples[1:])
    timed = samples[1:]
    wall = max(s.end_s for s in timed) - min(s.start_s for s in timed)  # type: ignore[type-var,operator]
    assert result["summary"]["throughput_tps"] == pytest.approx(4 * TOKENS / wall)


def test_one_failing_request_does_not_stop_the_others(tmp_path: Path) -> None:
    calls = {"n": 0}
    lock = threading.Lock()

    class Flaky:
        def chat(self, model: str, messages: object, **kw: object) -> Measurement:
            with lock:
                calls["n"] += 1
                n = calls["n"]
            if n == 3:
                return Measurement(
                    status="error", started_at=utc_now(), responded=True, http_status=500
                )
            return Measurement(
                status="ok", started_at=utc_now(), responded=True, ttft_s=0.01,
                latency_s=0.02, completion_tokens=3, tokens_source="usage",
            )  # fmt: skip

        def close(self) -> None:
            pass

    plan = RunPlan(
        models=[ModelSpec(id="m")],
        prompts=[PromptSpec(id="p1", text="x"), PromptSpec(id="p2", text="y")],
        settings=RunSettings(rounds=5, warmup_rounds=0, concurrency=3),
    )
    factory = lambda url, key, timeout: Flaky()  # noqa: E731
    list(
        run_benchmark(
            plan, ExternalProvider("http://127.0.0.1:9"), tmp_path, endpoint_factory=factory
        )
    )  # type: ignore[arg-type]
    run = load_run(tmp_path)
    assert calls["n"] == 10 and len(run.samples) == 10
    assert sorted(s.status for s in run.samples).count("error") == 1
    assert run.models[0].status == "ok" and run.status == "completed"
    assert len({s.key for s in run.samples}) == 10


def test_cancel_stops_every_request_in_flight_promptly(tmp_path: Path) -> None:
    stalling = Scenario(
        ttft_s=0.01, gap_s=0.005, tokens=20, fault="stall", fault_after=2, stall_s=30
    )
    cancel = threading.Event()
    with ScriptedServer({"m": stalling}) as srv:
        plan = RunPlan(
            models=[ModelSpec(id="m")],
            prompts=[PromptSpec(id="p1", text="x")],
            settings=RunSettings(rounds=12, warmup_rounds=0, concurrency=4, timeout_s=60),
        )
        events = run_benchmark(plan, ExternalProvider(srv.base_url), tmp_path, cancel=cancel)
        next(events)  # RunStarted
        next(events)  # ModelStarted: the requests are sent from the next step on

        def cancel_when_all_stall() -> None:
            wait_until(
                lambda: sum(r.content_sent >= 2 for r in list(srv.requests)) == 4,
                timeout_s=20,
                interval_s=0.005,
                what="four stalled requests",
            )
            cancel.set()

        watcher = threading.Thread(target=cancel_when_all_stall)
        watcher.start()
        started = time.monotonic()
        rest = list(events)
        elapsed = time.monotonic() - started
        watcher.join()
    samples = [e.sample for e in rest if isinstance(e, SampleDone)]
    assert [s.status for s in samples] == ["cancelled"] * 4  # no fifth request was sent
    assert elapsed < 5  # not the 30 s stall
    run = load_run(tmp_path)
    assert run.status == "cancelled" and len(run.samples) == 4


def test_closing_the_generator_cancels_the_requests_in_flight(tmp_path: Path) -> None:
    slow = Scenario(ttft_s=0.01, gap_s=0.005, tokens=20, fault="stall", fault_after=2, stall_s=30)
    with ScriptedServer({"m": PARALLEL, "slow": slow}) as srv:
        plan = RunPlan(
            models=[ModelSpec(id="slow")],
            prompts=[PromptSpec(id="p1", text="x")],
            settings=RunSettings(rounds=8, warmup_rounds=0, concurrency=4, timeout_s=60),
        )
        events = run_benchmark(plan, ExternalProvider(srv.base_url), tmp_path)
        next(events)
        next(events)
        started = time.monotonic()
        events.close()  # what the CLI does on Ctrl-C: the four stalled requests end now
        assert time.monotonic() - started < 5
    assert load_run(tmp_path).status == "cancelled"


def test_in_flight_never_has_more_than_n_started_and_unrecorded() -> None:
    lock = threading.Lock()
    live = {"now": 0, "most": 0}

    together = threading.Barrier(3, timeout=10)  # passes only with three in flight at once

    def send(job: int, stop: threading.Event) -> Measurement:
        with lock:
            live["now"] += 1
            live["most"] = max(live["most"], live["now"])
        together.wait()
        with lock:
            live["now"] -= 1
        return Measurement(status="ok", started_at=utc_now())

    done = [f.job for f in InFlight(list(range(39)), send, 3, threading.Event())]
    assert sorted(done) == list(range(39)) and live["most"] == 3


def test_concurrency_is_checked_like_every_setting() -> None:
    assert run_settings_problems(RunSettings(concurrency=0)) == [
        ("concurrency", "must be 1 or more")
    ]
    assert run_settings_problems(RunSettings(concurrency=10_000))[0][0] == "concurrency"


def test_throughput_is_in_the_summary_the_reports_and_the_table(qtbot: object) -> None:
    from factories import make_run, make_sample
    from foundry_bench.core.reports.csv_report import to_summary_csv
    from foundry_bench.core.reports.html import render_html
    from foundry_bench.core.reports.markdown import to_markdown
    from foundry_bench.ui.benchmark.results_table import Col, ResultsTableModel

    samples = [
        make_sample("m", "p1", 1, completion_tokens=30, start_s=1.0, end_s=2.0, latency_s=1.0),
        make_sample("m", "p1", 2, completion_tokens=50, start_s=1.5, end_s=3.0, latency_s=1.5),
        # Warm-ups are out: neither their tokens nor their time count.
        make_sample("m", "p1", 1, warmup=True, completion_tokens=999, start_s=0.0, end_s=1.0),
        make_sample("m", "p1", 3, status="error", start_s=2.0, end_s=2.5),
    ]
    run = make_run(samples)
    entry = ensure_summary(run)[0]
    assert entry["throughput_tps"] == pytest.approx(80 / 2.0)
    assert "| 40.0 |" in to_markdown(run).split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert '<td class="num">40.0</td>' in render_html(run)
    assert "throughput_tps" in to_summary_csv(run).splitlines()[0]
    table = ResultsTableModel()
    table.set_summary(ensure_summary(run), run.models)
    assert table.value(0, Col.THROUGHPUT) == pytest.approx(40.0)
    assert table.index(0, Col.THROUGHPUT).data() == "40.0"


def test_run_takes_concurrency_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from foundry_bench.cli import EXIT_BAD_INPUT, EXIT_OK, main

    models, prompts = tmp_path / "models.json", tmp_path / "prompts.json"
    models.write_text(json.dumps({"m": {}}))
    prompts.write_text(json.dumps(["one"]))
    with ScriptedServer({"m": PARALLEL}) as srv:
        common = ["run", "--models", str(models), "--prompts", str(prompts)]
        common += ["--endpoint", srv.base_url, "--rounds", "4", "--warmup", "0"]
        bad = main([*common, "--concurrency", "0", "--out", str(tmp_path / "bad")])
        assert bad == EXIT_BAD_INPUT
        assert "--concurrency must be 1 or more (got 0)" in capsys.readouterr().err
        assert main([*common, "--concurrency", "2", "--out", str(tmp_path / "run")]) == EXIT_OK
    run = load_run(tmp_path / "run")
    assert run.settings.concurrency == 2 and len(run.samples) == 4
    assert ensure_summary(run)[0]["throughput_tps"] > 0
    assert "all tok/s" in capsys.readouterr().out
