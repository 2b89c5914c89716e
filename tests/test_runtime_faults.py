"""Faults with the real runtime: a model unloaded in the middle of a run."""

from __future__ import annotations

from pathlib import Path

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

pytestmark = [
    pytest.mark.runtime,
    pytest.mark.skipif(
        not (demo_model_dir() / "genai_config.json").is_file(), reason="demo model missing"
    ),
]


def test_model_unloaded_mid_run_gives_error_samples_and_a_valid_run(tmp_path: Path) -> None:
    runtime = FoundryRuntime.get()
    runtime.ensure_demo_model()
    plan = RunPlan(
        models=[ModelSpec(id=DEMO_MODEL_ID)],
        prompts=[PromptSpec(id="p1", text="Explain what a model is.")],
        settings=RunSettings(rounds=6, warmup_rounds=0, max_tokens=24, timeout_s=30),
    )
    for event in run_benchmark(plan, EmbeddedProvider(runtime), tmp_path):
        if isinstance(event, SampleDone) and event.done == 2:
            runtime.unload(DEMO_MODEL_ID)  # someone unloads it from another window
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
