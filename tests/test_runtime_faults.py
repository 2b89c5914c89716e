"""Faults with the real runtime: a model unloaded in its host in the middle of a run."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.paths import demo_model_dir
from foundry_bench.core.reports.formats import write_reports
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.providers import EmbeddedProvider
from foundry_bench.core.run.runner import RunPlan, SampleDone, run_benchmark
from foundry_bench.core.run.runtime import DEMO_MODEL_ID, FoundryRuntime
from waiting import wait_until

pytestmark = [
    pytest.mark.runtime,
    pytest.mark.skipif(
        not (demo_model_dir() / "genai_config.json").is_file(), reason="demo model missing"
    ),
]


def _unload_in_host(models_url: str, alias: str) -> None:
    def unloaded() -> bool:
        # Right after an answer the service may still hold its session: ask again.
        answer = httpx2.get(f"{models_url}/unload/{alias}", timeout=10)
        return answer.is_success and httpx2.get(f"{models_url}/loaded", timeout=10).json() == []

    wait_until(unloaded, what="the host to unload its model")


def test_model_unloaded_mid_run_gives_error_samples_and_a_valid_run(tmp_path: Path) -> None:
    runtime = FoundryRuntime.get()
    runtime.ensure_demo_model()
    plan = RunPlan(
        models=[ModelSpec(id=DEMO_MODEL_ID)],
        prompts=[PromptSpec(id="p1", text="Explain what a model is.")],
        settings=RunSettings(rounds=6, warmup_rounds=0, max_tokens=24, timeout_s=30),
    )
    provider = EmbeddedProvider(runtime)
    for event in run_benchmark(plan, provider, tmp_path):
        if isinstance(event, SampleDone) and event.done == 2:
            # Someone unloads it through the web service of the model's host process.
            ready = provider.hosts[0].ready
            assert ready is not None and ready.alias is not None
            _unload_in_host(f"{ready.url}/catalogs/local/models", ready.alias)
    run = load_run(tmp_path)
    statuses = [s.status for s in run.samples]
    assert statuses[:2] == ["ok", "ok"]
    assert len(statuses) == 6 and set(statuses[2:]) == {"error"}
    errors = {s.error for s in run.samples[2:]}
    assert any("not loaded" in (e or "").lower() for e in errors), errors
    assert run.status == "completed"
    assert run.models[0].status == "ok"  # it did answer before the unload
    paths = write_reports(run, tmp_path, html=True)
    assert all(p.stat().st_size > 0 for p in paths)
