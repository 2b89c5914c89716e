"""Run/Sample records, derived metrics and the run folder files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factories import make_model_record, make_run
from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.results.records import (
    MODEL_NUMBER_FIELDS,
    Measurement,
    ModelRecord,
    Sample,
    sample_key,
)
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import (
    RunFileError,
    SampleWriter,
    load_run,
    read_samples_jsonl,
    write_results,
)


def _measurement(**kw: object) -> Measurement:
    base: dict[str, object] = {
        "status": "ok",
        "started_at": "2026-11-26T00:00:00.000Z",
        "responded": True,
        "ttft_s": 0.1,
        "latency_s": 1.1,
        "prompt_tokens": 20,
        "completion_tokens": 11,
        "tokens_source": "usage",
        "response": "hello",
    }
    base.update(kw)
    return Measurement(**base)  # type: ignore[arg-type]


def test_derived_metrics_follow_the_design_definitions() -> None:
    s = Sample.from_measurement(_measurement(), model="m", prompt_id="p1", round_no=2, warmup=False)
    assert s.key == "m|p1|2"
    assert s.decode_s == pytest.approx(1.0)
    assert s.tpot_s == pytest.approx(1.0 / 10)
    assert s.output_tps == pytest.approx(11 / 1.1)
    assert s.decode_tps == pytest.approx(10 / 1.0)
    assert s.prefill_tps == pytest.approx(20 / 0.1)


def test_non_streaming_sample_has_no_ttft_and_no_guess() -> None:
    m = _measurement(ttft_s=None)
    s = Sample.from_measurement(m, model="m", prompt_id="p1", round_no=1, warmup=False)
    assert s.ttft_s is None and s.decode_s is None and s.tpot_s is None
    assert s.output_tps == pytest.approx(11 / 1.1)


def test_single_token_answer_has_no_tpot() -> None:
    m = _measurement(completion_tokens=1)
    s = Sample.from_measurement(m, model="m", prompt_id="p1", round_no=1, warmup=False)
    assert s.tpot_s is None and s.decode_tps is None


def test_warmup_keys_are_apart_from_timed_keys() -> None:
    assert sample_key("m", "p1", 1, True) == "m|p1|w1"
    assert sample_key("m", "p1", 1, False) == "m|p1|1"


def test_results_round_trip(tmp_path: Path) -> None:
    s = Sample.from_measurement(_measurement(), model="m", prompt_id="p1", round_no=1, warmup=False)
    built = make_run(
        [s],
        run_id="r1",
        started_at="2026-11-26T00:00:00.000Z",
        settings=RunSettings(rounds=1),
        prompts=[{"id": "p1", "text": "hi"}],
    )
    write_results(tmp_path, built)
    run = load_run(tmp_path)
    assert run.samples == [s]
    assert run.models[0].status == "ok"
    assert json.loads((tmp_path / "results.json").read_text())["schema_version"] == 1


def test_host_resource_fields_round_trip(tmp_path: Path) -> None:
    numbers = {name: 0.5 + i for i, name in enumerate(MODEL_NUMBER_FIELDS)}
    record = make_model_record("m", device="GPU", execution_provider="CUDA", **numbers)
    write_results(tmp_path, make_run(models=[record]))
    assert load_run(tmp_path).models == [record]


@pytest.mark.parametrize(
    ("field", "value"),
    [("peak_rss_mb", "1 GB"), ("cpu_percent", float("nan")), ("device", 3), ("cold_ttft_s", [])],
)
def test_bad_resource_field_is_refused_by_name(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        ModelRecord.from_dict({"id": "m", field: value})


def test_samples_jsonl_survives_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    s = Sample.from_measurement(_measurement(), model="m", prompt_id="p1", round_no=1, warmup=False)
    with SampleWriter(path) as writer:
        writer.append(s)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"key": "m|p1|2", "mod')  # the process died mid-line
    assert list(read_samples_jsonl(path)) == [s]
    run = load_run(tmp_path)  # no results.json: rebuilt from the samples
    assert run.status == "interrupted" and [x.key for x in run.samples] == ["m|p1|1"]


def test_a_bad_line_in_the_middle_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    path.write_text('{"key": 1}\n{}\n', encoding="utf-8")
    with pytest.raises(RunFileError, match=r"samples\.jsonl, line 1"):
        list(read_samples_jsonl(path))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "line 1, column 2: invalid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[]", "expected a JSON object"),
        (b'{"schema_version": 99}', "schema_version 99 is not supported"),
        (b'{"schema_version": 1, "samples": [{"key": "k"}]}', "sample is missing"),
    ],
)
def test_broken_results_file_gives_a_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "results.json").write_bytes(content)
    with pytest.raises(RunFileError) as info:
        load_run(tmp_path / "results.json")
    assert "results.json" in str(info.value) and message in str(info.value)


def test_missing_run_folder_content_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RunFileError, match=r"no results\.json or samples\.jsonl"):
        load_run(tmp_path)


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
