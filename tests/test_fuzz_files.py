"""Property tests: every run/settings file the app reads loads or fails with a clear error.

(models/prompts/rubric are fuzzed in test_config.py, annotations in test_annotations.py.)
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundry_bench.core.results.store import RunFileError, load_run
from foundry_bench.core.settings import SettingsError, load_settings

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)

SAMPLE_FIELDS = {
    "key": st.text(max_size=10),
    "model": st.text(max_size=10) | st.integers() | st.none(),
    "prompt_id": st.text(max_size=5) | st.lists(st.integers(), max_size=2),
    "round": st.integers(-2, 5) | st.text(max_size=3),
    "warmup": st.booleans() | st.integers(0, 1),
    "status": st.sampled_from(["ok", "error", "timeout", "cancelled", "weird"]),
    "latency_s": st.none() | st.floats(allow_nan=True) | st.text(max_size=3),
    "ttft_s": st.none() | st.floats(0, 10),
    "completion_tokens": st.none() | st.integers(-1, 100),
    "itl_s": st.lists(st.floats(0, 1), max_size=3) | st.none(),
    "response": st.text(max_size=5) | st.integers() | st.none(),
    "error": st.none() | st.integers(),
}
_REQUIRED = ("key", "model", "prompt_id", "round", "warmup", "status")
sample_like = st.fixed_dictionaries({}, optional=SAMPLE_FIELDS) | st.fixed_dictionaries(  # type: ignore[arg-type]
    {k: SAMPLE_FIELDS[k] for k in _REQUIRED},
    optional={k: v for k, v in SAMPLE_FIELDS.items() if k not in _REQUIRED},
)


def _check_run_dir(write: Any) -> None:
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        write(folder)
        try:
            run = load_run(folder)
        except RunFileError as exc:
            message = str(exc)
            assert "\n" not in message.strip() and str(folder) in message
            return
        # A run that loads is usable: every reader recomputes its summary.
        from foundry_bench.core.analysis.stats import summarize
        from foundry_bench.core.reports.csv_report import to_csv
        from foundry_bench.core.reports.markdown import to_markdown

        summarize(run)
        to_markdown(run)
        to_csv(run)


@FUZZ
@given(st.binary(max_size=300))
def test_results_json_any_bytes(data: bytes) -> None:
    _check_run_dir(lambda folder: (folder / "results.json").write_bytes(data))


@FUZZ
@given(json_values)
def test_results_json_any_json(value: object) -> None:
    text = json.dumps(value)
    _check_run_dir(lambda folder: (folder / "results.json").write_text(text))


@FUZZ
@given(st.lists(sample_like, max_size=4), st.sampled_from(["completed", "x", None]))
def test_results_json_with_sample_like_records(samples: list[dict[str, Any]], status: Any) -> None:
    doc = {"schema_version": 1, "status": status, "samples": samples, "models": []}
    text = json.dumps(doc)
    _check_run_dir(lambda folder: (folder / "results.json").write_text(text))


@FUZZ
@given(st.lists(sample_like | json_values, max_size=5), st.booleans())
def test_samples_jsonl_any_lines(lines: list[object], torn: bool) -> None:
    text = "".join(json.dumps(line) + "\n" for line in lines)
    if torn and text:
        text = text[: len(text) // 2]
    _check_run_dir(lambda folder: (folder / "samples.jsonl").write_text(text))


@FUZZ
@given(st.binary(max_size=200))
def test_samples_jsonl_any_bytes(data: bytes) -> None:
    _check_run_dir(lambda folder: (folder / "samples.jsonl").write_bytes(data))


@FUZZ
@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_settings_any_content(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "settings.json"
        path.write_bytes(data)
        try:
            load_settings(path)
        except SettingsError as exc:
            assert "settings.json" in str(exc)


@FUZZ
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "endpoint": st.none() | st.text(max_size=5) | st.integers(),
            "runs_dir": st.none() | st.text(max_size=5) | st.booleans(),
            "defaults": st.dictionaries(
                st.sampled_from(["rounds", "seed", "temperature", "stream", "other"]),
                st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3),
            )
            | st.integers(),
        },
    )
)
def test_settings_shaped_documents(doc: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "settings.json"
        path.write_text(json.dumps(doc))
        try:
            load_settings(path)
        except SettingsError as exc:
            assert "settings.json" in str(exc)


model_like = st.fixed_dictionaries(
    {"id": st.text(max_size=6) | st.integers()},
    optional={
        "status": st.sampled_from(["ok", "failed", "skipped"]) | st.integers() | st.none(),
        "error": st.none() | st.text(max_size=5) | st.integers(),
        "load_time_s": st.none() | st.floats() | st.text(max_size=2),
        "memory_delta_mb": st.none() | st.floats(),
        "peak_rss_mb": st.none() | st.floats() | st.text(max_size=2),
        "device": st.none() | st.text(max_size=3) | st.integers(),
        "size_mb": st.none() | st.floats() | st.text(max_size=2),
        "capabilities": st.lists(st.text(max_size=3), max_size=2) | st.integers() | st.none(),
        "license": st.none() | st.text(max_size=3) | st.integers(),
    },
)
settings_like = st.dictionaries(
    st.sampled_from(["rounds", "warmup_rounds", "max_tokens", "temperature", "seed", "stream"]),
    st.none() | st.booleans() | st.integers(-1, 3) | st.floats() | st.text(max_size=2),
    max_size=4,
)


@FUZZ
@given(st.lists(model_like, max_size=3), settings_like, st.lists(json_values, max_size=2))
def test_results_json_models_settings_prompts(
    models: list[dict[str, Any]], run_settings: dict[str, Any], prompts: list[object]
) -> None:
    doc = {
        "schema_version": 1,
        "models": models,
        "settings": run_settings,
        "prompts": prompts,
        "samples": [
            {
                "key": "m|p1|1",
                "model": "m",
                "prompt_id": "p1",
                "round": 1,
                "warmup": False,
                "status": "ok",
                "latency_s": 0.5,
                "completion_tokens": 3,
            }
        ],
    }
    text = json.dumps(doc)
    _check_run_dir(lambda folder: (folder / "results.json").write_text(text))
