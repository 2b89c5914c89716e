"""Whatever a server streams, it is recorded as text and the run goes on: lone surrogates, NUL
and control characters, answers that never end, keep-alives forever, and fuzzed chunks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from endpoint_fixtures import chat, endpoint_fixtures
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.reports.formats import FORMATS, render
from foundry_bench.core.results.run_settings import RunSettings, run_settings_problems
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.endpoint.client import ChatEndpoint
from foundry_bench.core.run.providers import ExternalProvider
from foundry_bench.core.run.runner import RunPlan, run_benchmark
from scripted_server import Scenario, ScriptedServer

ROOT = Path(__file__).resolve().parent.parent

# Valid JSON whose strings hold a lone surrogate escape, NUL, ESC sequences, DEL and C1.
HOSTILE = (
    b'{"choices":[{"index":0,"delta":'
    b'{"content":"a\\ud800b\\udfff \\u0000\\u001b[2J\\u007f\\u0085"}}]}'
)
HOSTILE_TEXT = "a\ufffdb\ufffd \x00\x1b[2J\x7f\x85"
NEVER_ENDING = Scenario(tokens=10**12, token_text="t", numbered=False, runaway=True)

MODELS = {
    "hostile": Scenario(tokens=2, events=(HOSTILE,)),
    "hostile_error": Scenario(
        tokens=3, events=(b'{"error":{"message":"bad \\ud800 thing\\u0000"}}',)
    ),
    "hostile_finish": Scenario(
        tokens=1,
        finish_chunk=False,  # the hostile finish reason is the only one
        events=(b'{"choices":[{"index":0,"delta":{},"finish_reason":"x\\udc00"}]}',),
    ),
    "never_ending": NEVER_ENDING,
    "trickle": Scenario(tokens=10**9, gap_s=0.002, runaway=True),
    "keepalive": Scenario(tokens=10, fault="keepalive", fault_after=2),
    "late_headers": Scenario(headers_delay_s=3.0, tokens=3),
    "good": Scenario(tokens=4),
}


server, ep = endpoint_fixtures(MODELS)


# -- any text is recorded as text ------------------------------------------------------------


def test_lone_surrogates_nul_and_control_characters_are_kept_as_text(ep: ChatEndpoint) -> None:
    m = chat(ep, "hostile", max_tokens=16)
    assert m.status == "ok", m.error
    assert m.response == HOSTILE_TEXT + "0tok 1tok "
    m.response.encode("utf-8")  # writable anywhere


def test_server_error_messages_and_finish_reasons_are_text(ep: ChatEndpoint) -> None:
    m = chat(ep, "hostile_error")
    assert m.status == "error" and m.error is not None
    assert "bad \ufffd thing" in m.error
    m.error.encode("utf-8")
    m = chat(ep, "hostile_finish")
    assert m.finish_reason is not None and m.finish_reason.startswith("x\ufffd")


def test_a_run_with_hostile_text_writes_every_file_and_report(tmp_path: Path) -> None:
    models = tmp_path / "models.json"
    models.write_text(json.dumps({"hostile": {}, "hostile_error": {}, "good": {}}))
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps(["hello"]))
    out = tmp_path / "run"
    with ScriptedServer(MODELS) as srv:
        result = _cli(
            *("run", "--models", str(models), "--prompts", str(prompts), "--endpoint"),
            *(srv.base_url, "--rounds", "1", "--warmup", "0", "--out", str(out)),
        )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    run = load_run(out)
    by_model = {s.model: s for s in run.samples}
    assert by_model["hostile"].response.startswith(HOSTILE_TEXT)
    assert by_model["good"].status == "ok"
    samples = (out / "samples.jsonl").read_text(encoding="utf-8")
    assert "\\u0000" in samples and "\ufffd" in samples
    for fmt in FORMATS:
        report = _cli("report", str(out), "--format", fmt)
        assert report.returncode == 0, (fmt, report.stderr)


# -- answers that do not end -------------------------------------------------------------


def test_a_never_ending_stream_is_stopped_past_max_tokens(
    ep: ChatEndpoint, server: ScriptedServer
) -> None:
    started = time.perf_counter()
    m = chat(ep, "never_ending", max_tokens=16)
    assert time.perf_counter() - started < 2.0
    assert m.status == "error"
    assert m.error == "runaway answer: stopped after 48 chunks, far past max_tokens=16"
    assert m.response == "t" * 48 and m.completion_tokens == 48
    assert m.ttft_s is not None and m.latency_s is not None
    assert server.last_request().client_gone


def test_the_request_deadline_ends_a_stream_that_keeps_sending(ep: ChatEndpoint) -> None:
    started = time.perf_counter()
    m = chat(ep, "trickle", max_tokens=None, deadline_s=0.4)  # no cap: only the deadline
    elapsed = time.perf_counter() - started
    assert 0.4 <= elapsed < 1.5
    assert m.status == "timeout" and m.responded
    assert m.error is not None
    assert m.error.startswith("the stream was not complete within the request deadline of 0.4 s")
    assert m.completion_tokens and m.completion_tokens > 10


def test_the_deadline_ends_keep_alives_the_idle_timeout_never_sees(ep: ChatEndpoint) -> None:
    started = time.perf_counter()
    m = chat(ep, "keepalive", deadline_s=0.3)
    assert time.perf_counter() - started < 1.5
    assert m.status == "timeout" and m.response == "0tok 1tok "
    # The same with a cancel event (the runner's way), whose reads poll in short slices.
    m = chat(ep, "keepalive", deadline_s=0.3, cancel=threading.Event())
    assert m.status == "timeout" and m.response == "0tok 1tok "


def test_the_deadline_also_covers_waiting_for_headers(ep: ChatEndpoint) -> None:
    started = time.perf_counter()
    m = chat(ep, "late_headers", deadline_s=0.3)
    assert time.perf_counter() - started < 1.5
    assert m.status == "timeout" and not m.responded
    assert m.error == "the answer was not complete within the request deadline of 0.3 s"


def test_cli_never_ending_stream_ends_promptly_and_the_run_goes_on(tmp_path: Path) -> None:
    models = tmp_path / "models.json"
    models.write_text(json.dumps({"never_ending": {}, "good": {}}))
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps(["hello"]))
    out = tmp_path / "run"
    with ScriptedServer(MODELS) as srv:
        started = time.perf_counter()
        result = _cli(
            *("run", "--models", str(models), "--prompts", str(prompts), "--endpoint"),
            *(srv.base_url, "--rounds", "1", "--warmup", "0", "--out", str(out)),
            *("--max-tokens", "16", "--timeout", "5"),
        )
        elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 30  # the CLI's start-up included; the stream itself ends in ms
    run = load_run(out)
    by_model = {s.model: s for s in run.samples}
    assert by_model["never_ending"].status == "error"
    assert "runaway answer" in (by_model["never_ending"].error or "")
    assert by_model["good"].status == "ok"
    assert run.settings.deadline_s == RunSettings().deadline_s


def test_the_deadline_is_validated_with_the_other_settings() -> None:
    assert run_settings_problems(RunSettings(deadline_s=float("nan"))) == [
        ("deadline_s", "must be more than 0 seconds")
    ]
    assert run_settings_problems(RunSettings(deadline_s=30.0)) == []


# -- fuzzed chunks never crash a run ---------------------------------------------------------

HOSTILE_STRINGS = st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b]0;title\x07", "\u2028", ""])
TEXT = st.text(max_size=12) | HOSTILE_STRINGS | st.lists(HOSTILE_STRINGS, max_size=4).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=12,
)
CHOICE = st.fixed_dictionaries(
    {},
    optional={
        "index": JSON_VALUES,
        "delta": st.fixed_dictionaries(
            {},
            optional={
                "content": TEXT | JSON_VALUES,
                "reasoning_content": TEXT | JSON_VALUES,
                "reasoning": TEXT,
                "role": TEXT,
            },
        )
        | JSON_VALUES,
        "finish_reason": TEXT | JSON_VALUES,
    },
)
CHUNK = st.fixed_dictionaries(
    {},
    optional={
        "choices": st.lists(CHOICE, max_size=2) | JSON_VALUES,
        "usage": st.fixed_dictionaries(
            {},
            optional={
                "completion_tokens": st.integers() | JSON_VALUES,
                "prompt_tokens": st.integers() | JSON_VALUES,
                "reasoning_tokens": st.integers() | JSON_VALUES,
                "completion_tokens_details": JSON_VALUES,
            },
        )
        | JSON_VALUES,
        "error": JSON_VALUES,
    },
)
EVENT = (
    CHUNK.map(lambda c: json.dumps(c).encode())
    | st.binary(max_size=80)
    | CHUNK.map(lambda c: json.dumps(c).encode())
    | JSON_VALUES.map(lambda v: json.dumps(v).encode())
    | st.sampled_from([b"[DONE]", b"{", b"\xff\xfe", b"{}\n\ndata: {", b'{"choices": "abc"}'])
)


_FUZZ_COUNT = iter(range(10**9))


def _run_one(server: ScriptedServer, scenario: Scenario) -> None:
    """A run of a model with ``scenario`` and a good one: both answered, every file and
    report written and read back."""
    name = f"fuzz{next(_FUZZ_COUNT)}"
    server.add_model(name, scenario)
    with tempfile.TemporaryDirectory() as d:
        plan = RunPlan(
            models=[ModelSpec(id=name), ModelSpec(id="good")],
            prompts=[PromptSpec(id="p1", text="hello")],
            settings=RunSettings(
                rounds=1, warmup_rounds=0, max_tokens=8, timeout_s=2.0, deadline_s=5.0
            ),
        )
        list(run_benchmark(plan, ExternalProvider(server.base_url), Path(d)))
        run = load_run(Path(d))
        by_model = {s.model: s for s in run.samples}
        assert set(by_model) == {name, "good"}
        assert by_model["good"].status == "ok"
        for fmt in FORMATS:
            render(run, fmt).encode("utf-8")


@pytest.mark.parametrize(
    "event",
    [
        b'{"usage":{"completion_tokens":-5,"prompt_tokens":-1}}',
        b'{"usage":{"completion_tokens":true,"prompt_tokens":false}}',
        b'{"usage":{"completion_tokens":1' + b"0" * 400 + b"}}",  # too large for a float
        b'{"usage":{"completion_tokens":3,"prompt_tokens":1' + b"0" * 400 + b"}}",
        b"[" * 100_000,  # deeper than the JSON parser goes
    ],
)
def test_absurd_usage_and_deep_nesting_are_recorded(server: ScriptedServer, event: bytes) -> None:
    _run_one(server, Scenario(tokens=3, events=(event,), usage=False))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(EVENT, max_size=4),
    usage=st.booleans(),
    finish=st.booleans(),
    done=st.booleans(),
)
def test_fuzzed_chunks_never_crash_a_run(
    server: ScriptedServer, events: list[bytes], usage: bool, finish: bool, done: bool
) -> None:
    # Without the server's own usage/finish/[DONE] chunks, the fuzzed ones are the last word.
    _run_one(
        server,
        Scenario(tokens=3, events=tuple(events), usage=usage, finish_chunk=finish, done=done),
    )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foundry_bench", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        cwd=ROOT,
    )
