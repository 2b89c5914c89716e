"""The benchmark loop's logic, with a fake endpoint (HTTP behaviour is in test_runner_http)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest

from foundry_bench.core.analysis.stats import ensure_summary
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.results.records import Measurement, utc_now
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.providers import ExternalProvider, PreparedModel, PrepareError
from foundry_bench.core.run.runner import (
    ModelDone,
    ModelStarted,
    RunDone,
    RunPlan,
    RunStarted,
    SampleDone,
    run_benchmark,
)

Behaviour = Callable[[str, int], Measurement]


def ok(text: str = "fine answer") -> Measurement:
    return Measurement(
        status="ok",
        started_at=utc_now(),
        responded=True,
        ttft_s=0.01,
        latency_s=0.05,
        prompt_tokens=5,
        completion_tokens=4,
        tokens_source="usage",
        response=text,
    )


class FakeEndpoint:
    """Stands in for ChatEndpoint: answers by a per-model behaviour, counts requests."""

    calls: ClassVar[dict[str, int]] = {}

    def __init__(self, behaviours: dict[str, Behaviour], on_request: Callable[[], None]) -> None:
        self.behaviours = behaviours
        self.on_request = on_request

    def chat(self, model: str, messages: list[dict[str, str]], **kw: Any) -> Measurement:
        n = FakeEndpoint.calls.get(model, 0) + 1
        FakeEndpoint.calls[model] = n
        self.on_request()
        return self.behaviours.get(model, lambda m, i: ok())(model, n)

    def close(self) -> None:
        pass


def run_all(
    tmp_path: Path,
    models: list[str],
    behaviours: dict[str, Behaviour] | None = None,
    *,
    rounds: int = 2,
    warmup: int = 1,
    cancel: threading.Event | None = None,
    on_request: Callable[[], None] = lambda: None,
    provider: Any = None,
) -> list[object]:
    FakeEndpoint.calls = {}
    plan = RunPlan(
        models=[ModelSpec(id=m) for m in models],
        prompts=[PromptSpec(id="p1", text="one"), PromptSpec(id="p2", text="two")],
        settings=RunSettings(rounds=rounds, warmup_rounds=warmup),
        run_id="run-test",
    )
    factory = lambda url, key, timeout: FakeEndpoint(behaviours or {}, on_request)  # noqa: E731
    return list(
        run_benchmark(
            plan,
            provider or ExternalProvider("http://127.0.0.1:9"),
            tmp_path,
            cancel=cancel,
            endpoint_factory=factory,  # type: ignore[arg-type]
        )
    )


def test_plan_order_warmups_first_and_files_written(tmp_path: Path) -> None:
    events = run_all(tmp_path, ["a", "b"])
    assert isinstance(events[0], RunStarted) and events[0].total_requests == 12
    assert isinstance(events[-1], RunDone)
    keys = [e.sample.key for e in events if isinstance(e, SampleDone)]
    assert keys[:6] == ["a|p1|w1", "a|p2|w1", "a|p1|1", "a|p2|1", "a|p1|2", "a|p2|2"]
    assert [e.done for e in events if isinstance(e, SampleDone)] == list(range(1, 13))
    lines = (tmp_path / "samples.jsonl").read_text().splitlines()
    assert [json.loads(x)["key"] for x in lines] == keys
    run = load_run(tmp_path)
    assert run.status == "completed" and run.finished_at
    assert [m.status for m in run.models] == ["ok", "ok"]
    summary = {row["model"]: row for row in ensure_summary(run)}
    assert summary["a"]["n_ok"] == 4  # warm-ups excluded from statistics


def test_unreachable_model_is_failed_and_skipped_others_finish(tmp_path: Path) -> None:
    def refused(model: str, n: int) -> Measurement:
        return Measurement(status="error", started_at=utc_now(), error="cannot connect (refused)")

    events = run_all(tmp_path, ["a", "down", "c"], {"down": refused})
    assert FakeEndpoint.calls["down"] == 1  # its remaining requests were not sent
    run = load_run(tmp_path)
    status = {m.id: (m.status, m.error) for m in run.models}
    assert status["down"] == ("failed", "cannot connect (refused)")
    assert status["a"][0] == status["c"][0] == "ok"
    assert len([e for e in events if isinstance(e, ModelDone)]) == 3


@pytest.mark.parametrize("http_status", [401, 403, 404])
def test_auth_and_not_found_skip_the_model(tmp_path: Path, http_status: int) -> None:
    def denied(model: str, n: int) -> Measurement:
        return Measurement(
            status="error",
            started_at=utc_now(),
            responded=True,
            http_status=http_status,
            error=f"HTTP {http_status}",
        )

    run_all(tmp_path, ["x"], {"x": denied})
    assert FakeEndpoint.calls["x"] == 1
    assert load_run(tmp_path).models[0].status == "failed"


def test_errors_after_the_response_started_are_per_sample(tmp_path: Path) -> None:
    def flaky(model: str, n: int) -> Measurement:
        if n % 2:
            return Measurement(
                status="error",
                started_at=utc_now(),
                responded=True,
                http_status=500,
                error="HTTP 500",
            )
        return ok()

    run_all(tmp_path, ["f"], {"f": flaky})
    run = load_run(tmp_path)
    assert FakeEndpoint.calls["f"] == 6  # every request was still sent
    assert run.models[0].status == "ok"
    assert [s.status for s in run.samples].count("error") == 3


def test_a_model_with_no_successful_request_is_failed(tmp_path: Path) -> None:
    def timeout(model: str, n: int) -> Measurement:
        return Measurement(status="timeout", started_at=utc_now(), responded=True, error="t")

    run_all(tmp_path, ["t"], {"t": timeout})
    model = load_run(tmp_path).models[0]
    assert model.status == "failed" and model.error == "t"


def test_cancel_keeps_finished_samples_and_marks_the_run(tmp_path: Path) -> None:
    cancel = threading.Event()
    count = {"n": 0}

    def on_request() -> None:
        count["n"] += 1
        if count["n"] == 3:
            cancel.set()

    run_all(tmp_path, ["a", "b"], cancel=cancel, on_request=on_request)
    run = load_run(tmp_path)
    assert run.status == "cancelled"
    assert len(run.samples) == 3
    assert len((tmp_path / "samples.jsonl").read_text().splitlines()) == 3
    assert [m.status for m in run.models] == ["ok", "skipped"]


def test_closing_the_generator_saves_results_as_cancelled(tmp_path: Path) -> None:
    plan = RunPlan(
        models=[ModelSpec(id="a")],
        prompts=[PromptSpec(id="p1", text="x")],
        settings=RunSettings(rounds=5, warmup_rounds=0),
    )
    FakeEndpoint.calls = {}
    gen = run_benchmark(
        plan,
        ExternalProvider("http://127.0.0.1:9"),
        tmp_path,
        endpoint_factory=lambda u, k, t: FakeEndpoint({}, lambda: None),  # type: ignore[arg-type,return-value]
    )
    for event in gen:
        if isinstance(event, SampleDone) and event.done == 2:
            break
    gen.close()  # what the CLI does on Ctrl-C
    run = load_run(tmp_path)
    assert run.status == "cancelled" and len(run.samples) == 2


class FailingProvider(ExternalProvider):
    def prepare(self, spec: ModelSpec) -> PreparedModel:
        if spec.id == "missing":
            raise PrepareError("model 'missing' is neither registered nor cached here")
        return super().prepare(spec)


def test_a_model_that_cannot_be_prepared_fails_alone(tmp_path: Path) -> None:
    events = run_all(tmp_path, ["missing", "a"], provider=FailingProvider("http://127.0.0.1:9"))
    run = load_run(tmp_path)
    assert run.models[0].status == "failed" and "neither registered" in (run.models[0].error or "")
    assert run.models[1].status == "ok"
    assert [e.model.id for e in events if isinstance(e, ModelStarted)] == ["missing", "a"]


def test_a_connect_timeout_skips_the_model_like_a_refusal(tmp_path: Path) -> None:
    def no_tcp_answer(model: str, n: int) -> Measurement:
        return Measurement(
            status="timeout",
            started_at=utc_now(),
            error="cannot connect to http://10.0.0.1/v1 (no answer within 2 s)",
            connect_failed=True,
        )

    run_all(tmp_path, ["slowpoke", "a"], {"slowpoke": no_tcp_answer})
    assert FakeEndpoint.calls["slowpoke"] == 1  # not one full timeout per request
    assert load_run(tmp_path).models[0].status == "failed"


def test_a_folder_that_holds_a_run_is_not_reused(tmp_path: Path) -> None:
    from foundry_bench.core.run.runner import RunFolderInUse

    run_all(tmp_path, ["a"])
    before = (tmp_path / "samples.jsonl").read_bytes()
    with pytest.raises(RunFolderInUse, match="already holds a run"):
        run_all(tmp_path, ["a"])
    assert (tmp_path / "samples.jsonl").read_bytes() == before


class LoadingProvider(ExternalProvider):
    """Says it loaded each model itself, as the runtime host does."""

    def prepare(self, spec: ModelSpec) -> PreparedModel:
        prepared = super().prepare(spec)
        return PreparedModel(
            base_url=prepared.base_url,
            request_model=spec.id,
            load_time_s=0.2,
            loaded_by_us=True,
            device="CPU",
            execution_provider="CPUExecutionProvider",
        )


def _slow_first(model: str, n: int) -> Measurement:
    m = ok()
    if n == 1:
        m.ttft_s, m.latency_s = 0.4, 0.9
    return m


@pytest.mark.parametrize("warmup", [1, 0])
def test_the_first_request_after_a_load_is_recorded_apart(tmp_path: Path, warmup: int) -> None:
    run_all(
        tmp_path,
        ["a"],
        {"a": _slow_first},
        warmup=warmup,
        provider=LoadingProvider("http://127.0.0.1:9"),
    )
    run = load_run(tmp_path)
    record = run.models[0]
    assert (record.cold_ttft_s, record.cold_latency_s) == (0.4, 0.9)
    assert (record.device, record.execution_provider) == ("CPU", "CPUExecutionProvider")
    latency = ensure_summary(run)[0]["latency_s"]
    # With a warm-up round the cold request is a warm-up and stays out of the statistics.
    assert latency["max"] == (0.05 if warmup else 0.9)


def test_no_cold_figure_when_the_first_request_failed_or_nothing_was_loaded(
    tmp_path: Path,
) -> None:
    def fails_first(model: str, n: int) -> Measurement:
        return ok() if n > 1 else Measurement(status="error", started_at="", responded=True)

    run_all(
        tmp_path / "1", ["a"], {"a": fails_first}, provider=LoadingProvider("http://127.0.0.1:9")
    )
    assert load_run(tmp_path / "1").models[0].cold_latency_s is None
    run_all(tmp_path / "2", ["a"], {"a": _slow_first})  # an external server: not loaded by us
    assert load_run(tmp_path / "2").models[0].cold_latency_s is None
