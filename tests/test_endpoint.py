"""ChatEndpoint against the scripted server: timings vs server truth, tokens, faults, cancel."""

from __future__ import annotations

import socket
import statistics
import threading
import time
import tracemalloc

import pytest

from endpoint_fixtures import MESSAGES, chat, endpoint_fixtures
from foundry_bench.core.results.records import Measurement
from foundry_bench.core.run.endpoint.client import ChatEndpoint, EndpointError
from foundry_bench.core.run.endpoint.transport import POLL_INTERVAL_S
from scripted_server import (
    PRESETS,
    RequestRecord,
    Scenario,
    ScriptedServer,
)  # tests/ is on sys.path

# Honest for a loaded 2-core CI box: the harness error measured here is ~0.5-1 ms.
TOLERANCE_S = 0.005
# A timing comparison is a batch of requests judged by its median; a load spike from outside
# can spoil a batch, so up to ATTEMPTS batches are run. A real bias fails every one of them.
ATTEMPTS = 3

# The server's fault presets, plus scenarios only these tests need.
MODELS = {
    **PRESETS,
    "timed": Scenario(ttft_s=0.02, gap_s=0.003, tokens=20),
    "slow_first": Scenario(ttft_s=0.03, gap_s=0.001, tokens=5, usage=False),
    "no_role": Scenario(ttft_s=0.005, tokens=4, role_chunk=False),
    "steady": Scenario(gap_s=0.005, tokens=400),
    "late_headers": Scenario(headers_delay_s=3.0, tokens=3),
    "no_done_no_finish": Scenario(tokens=4, done=False, finish_chunk=False),
    "unicode": Scenario(tokens=6, gap_s=0.001, token_text="é\u2028😀 ", raw_utf8=True),
    "split": Scenario(tokens=6, gap_s=0.001, token_text="ü€ ", raw_utf8=True, split_writes=True),
}


server, ep = endpoint_fixtures(MODELS)


def expected_text(model: str, n: int) -> str:
    sc = MODELS[model]
    return "".join(sc.text(i) for i in range(n))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- timings against server truth ------------------------------------------------------------


def test_stream_timings_match_server_truth(ep: ChatEndpoint, server: ScriptedServer) -> None:
    chat(ep, "timed")  # warm-up: the connection is set up outside the compared requests
    medians: tuple[float, ...] = ()
    for _batch in range(ATTEMPTS):
        ttft_err: list[float] = []
        lat_err: list[float] = []
        itl_err: list[float] = []
        for _ in range(5):
            m = chat(ep, "timed")
            rec = server.last_request()
            assert m.status == "ok", m.error
            assert rec.ttft_s is not None and rec.latency_s is not None
            assert m.ttft_s is not None and m.latency_s is not None
            # t0 precedes the server's arrival stamp and the client reads after the server
            # wrote, so measured values are never below the truth (bar the server thread
            # being preempted between a write and its stamp on a loaded box).
            assert m.ttft_s >= rec.ttft_s - TOLERANCE_S
            assert m.latency_s >= rec.latency_s - TOLERANCE_S
            ttft_err.append(m.ttft_s - rec.ttft_s)
            lat_err.append(m.latency_s - rec.latency_s)
            assert len(m.itl_s) == len(rec.gaps_s) == 19
            itl_err.extend(abs(g - t) for g, t in zip(m.itl_s, rec.gaps_s, strict=True))
            assert m.completion_tokens == 20 and m.tokens_source == "usage"
            assert m.prompt_tokens == 11
            assert m.finish_reason == "stop"
            assert m.response == expected_text("timed", 20)
            assert m.responded and m.http_status == 200
            # TPOT (design: (latency - ttft) / (n - 1)) follows the server's 3 ms rhythm.
            assert (m.latency_s - m.ttft_s) / 19 == pytest.approx(0.003, rel=0.5)
        medians = tuple(statistics.median(e) for e in (ttft_err, lat_err, itl_err))
        if max(medians) <= TOLERANCE_S:
            return
    pytest.fail(f"median TTFT/latency/ITL errors {medians} s above {TOLERANCE_S} s")


def test_request_carries_the_settings(ep: ChatEndpoint, server: ScriptedServer) -> None:
    chat(ep, "no_usage", max_tokens=3, temperature=0.5, seed=11)
    body = server.last_request().body
    assert body is not None
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert (body["max_tokens"], body["temperature"], body["seed"]) == (3, 0.5, 11)
    assert body["messages"] == MESSAGES
    chat(ep, "no_usage", max_tokens=None, temperature=None, seed=None, stream=False)
    body = server.last_request().body
    assert body is not None
    assert body["stream"] is False
    for absent in ("stream_options", "max_tokens", "temperature", "seed"):
        assert absent not in body


def test_role_only_first_chunk_is_not_the_first_token(
    ep: ChatEndpoint, server: ScriptedServer
) -> None:
    m = chat(ep, "slow_first")
    rec = server.last_request()
    assert m.status == "ok"
    # The role chunk went out with the headers, well before the first content chunk.
    assert rec.headers_at is not None and rec.first_content_at is not None
    assert rec.headers_at < rec.first_content_at
    assert m.ttft_s is not None and m.ttft_s >= 0.03  # not the role chunk at ~0 ms
    assert m.completion_tokens == 5 and m.tokens_source == "estimated"
    assert len(m.itl_s) == 4
    assert m.response == expected_text("slow_first", 5)


def test_stream_without_role_chunk(ep: ChatEndpoint) -> None:
    m = chat(ep, "no_role")
    assert m.status == "ok" and m.completion_tokens == 4 and m.ttft_s is not None


def test_usage_tokens_and_estimated_tokens(ep: ChatEndpoint) -> None:
    m = chat(ep, "no_usage")
    assert (m.status, m.completion_tokens, m.tokens_source) == ("ok", 8, "estimated")
    assert m.prompt_tokens is None
    m = chat(ep, "timed", max_tokens=3)  # the server stops early: usage says 3, reason length
    assert (m.completion_tokens, m.tokens_source, m.prompt_tokens) == (3, "usage", 11)
    assert m.finish_reason == "length"


def test_non_streaming(ep: ChatEndpoint, server: ScriptedServer) -> None:
    chat(ep, "timed", stream=False)
    errors: list[float] = []
    for _batch in range(ATTEMPTS):
        errors = []
        for _ in range(5):
            m = chat(ep, "timed", stream=False)
            rec = server.last_request()
            assert m.status == "ok", m.error
            assert m.ttft_s is None and m.itl_s == []
            assert (m.completion_tokens, m.prompt_tokens, m.tokens_source) == (20, 11, "usage")
            assert m.response == expected_text("timed", 20) and m.finish_reason == "stop"
            assert m.latency_s is not None and rec.latency_s is not None
            assert m.latency_s >= rec.latency_s - TOLERANCE_S
            errors.append(abs(m.latency_s - rec.latency_s))
        if statistics.median(errors) <= TOLERANCE_S:
            return
    pytest.fail(f"median latency errors {errors} s above {TOLERANCE_S} s")


def test_non_streaming_without_usage_has_no_token_counts(ep: ChatEndpoint) -> None:
    m = chat(ep, "no_usage", stream=False)
    assert m.status == "ok" and m.completion_tokens is None and m.tokens_source is None


def test_unicode_line_separators_and_split_reads(ep: ChatEndpoint) -> None:
    m = chat(ep, "unicode")
    assert m.status == "ok", m.error
    assert m.response == expected_text("unicode", 6) and m.completion_tokens == 6
    m = chat(ep, "split")  # every event arrives in two reads, cut inside a UTF-8 character
    assert m.status == "ok", m.error
    assert m.response == expected_text("split", 6) and len(m.itl_s) == 5


def test_huge_answer_memory_is_linear(ep: ChatEndpoint) -> None:
    chat(ep, "no_usage")
    tracemalloc.start()
    try:
        m = chat(ep, "huge")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert m.status == "ok" and len(m.response) == 10_000_000
    assert m.completion_tokens == 10_000
    assert peak < 3 * 10_000_000  # the parts list plus the joined text, no copies beyond


# -- faults ------------------------------------------------------------------------------


def test_dropped_stream_keeps_what_arrived(ep: ChatEndpoint) -> None:
    m = chat(ep, "drop")
    assert m.status == "error" and m.responded and m.http_status == 200
    assert not m.connect_failed
    assert m.error is not None and m.error.startswith("stream dropped after 5 chunks: ")
    assert m.response == expected_text("drop", 4)
    assert (m.completion_tokens, m.tokens_source) == (4, "estimated")
    assert m.ttft_s is not None and m.latency_s is not None and len(m.itl_s) == 3


@pytest.mark.parametrize(
    ("model", "start", "n_text"),
    [
        ("garbage", "malformed stream chunk: {", 2),
        ("bad_utf8", "invalid UTF-8 in stream chunk 4", 2),
    ],
)
def test_bad_chunks_are_errors(ep: ChatEndpoint, model: str, start: str, n_text: int) -> None:
    m = chat(ep, model)
    assert m.status == "error" and m.responded and m.http_status == 200
    assert m.error is not None and m.error.startswith(start), m.error
    assert "\n" not in m.error
    assert m.response == expected_text(model, n_text)


@pytest.mark.parametrize(
    ("model", "status", "body"),
    [
        ("http500", 500, True),
        ("http500_nobody", 500, False),
        ("http404", 404, True),
        ("http404_nobody", 404, False),
        ("http429", 429, True),
        ("http429_nobody", 429, False),
    ],
)
def test_http_errors(
    ep: ChatEndpoint, server: ScriptedServer, model: str, status: int, body: bool
) -> None:
    server.clear()
    m = chat(ep, model)
    assert m.status == "error" and m.responded and m.http_status == status
    if body:
        assert m.error == (
            f'HTTP {status} from server: {{"error": {{"message": "scripted {status}", '
            f'"type": "scripted_error"}}}}'
        )
    else:
        assert m.error == f"HTTP {status} from server (no body)"
    assert m.ttft_s is None and m.response == ""
    time.sleep(0.05)
    assert len(server.requests) == 1  # no hidden retry, not even for 429/500


def test_unknown_model_is_http_404(ep: ChatEndpoint) -> None:
    m = chat(ep, "no-such-model")
    assert m.status == "error" and m.http_status == 404 and m.responded
    assert m.error is not None and "no-such-model" in m.error


def test_long_error_body_is_cut_to_one_line(ep: ChatEndpoint, server: ScriptedServer) -> None:
    server.models_response = (503, b"line one\nline two " + b"x" * 500)
    try:
        with pytest.raises(EndpointError) as info:
            ep.list_models()
    finally:
        server.models_response = None
    msg = str(info.value)
    assert "\n" not in msg and "HTTP 503 from server: line one line two xxx" in msg
    assert len(msg) < 300


def test_missing_done_is_fine_when_the_answer_finished(ep: ChatEndpoint) -> None:
    m = chat(ep, "no_done")
    assert m.status == "ok", m.error
    assert m.finish_reason == "stop" and m.completion_tokens == 8
    m = chat(ep, "no_done_no_finish")
    assert m.status == "error" and m.responded
    assert m.error == "stream ended after 6 chunks without finish_reason or [DONE]"
    assert m.response == expected_text("no_done_no_finish", 4)


def test_stall_times_out(server: ScriptedServer) -> None:
    with ChatEndpoint(server.base_url, timeout_s=0.3) as ep:
        t = time.perf_counter()
        m = chat(ep, "stall")
        elapsed = time.perf_counter() - t
    assert m.status == "timeout" and m.responded and m.http_status == 200
    assert m.error == "no data for 0.3 s after 4 chunks"
    assert m.response == expected_text("stall", 3) and m.completion_tokens == 3
    assert 0.3 <= elapsed < 1.5
    assert server.last_request().client_gone


def test_no_headers_times_out(server: ScriptedServer) -> None:
    with ChatEndpoint(server.base_url, timeout_s=0.3) as ep:
        t = time.perf_counter()
        m = chat(ep, "late_headers")
        elapsed = time.perf_counter() - t
    assert m.status == "timeout" and not m.responded and m.http_status is None
    assert m.error == f"no response from {server.base_url} within 0.3 s"
    assert 0.3 <= elapsed < 1.5


def _cancel_after(delay: float) -> tuple[threading.Event, threading.Timer]:
    event = threading.Event()
    timer = threading.Timer(delay, event.set)
    timer.start()
    return event, timer


def test_cancel_a_stalled_stream_quickly(ep: ChatEndpoint, server: ScriptedServer) -> None:
    start = time.perf_counter()
    cancel, timer = _cancel_after(0.2)
    m = chat(ep, "stall", cancel=cancel)
    elapsed = time.perf_counter() - start
    timer.join()
    assert m.status == "cancelled" and m.responded
    assert m.error == "cancelled after 4 chunks"
    assert m.response == expected_text("stall", 3)
    assert m.latency_s is not None and m.latency_s <= elapsed
    assert 0.2 <= elapsed < 0.2 + POLL_INTERVAL_S + 0.3  # within ~0.5 s of the cancel
    assert server.last_request().client_gone
    # The endpoint is still usable afterwards (the cancelled connection was discarded).
    assert chat(ep, "no_usage").status == "ok"


def test_cancel_before_headers(ep: ChatEndpoint) -> None:
    t = time.perf_counter()
    cancel, timer = _cancel_after(0.15)
    m = chat(ep, "late_headers", cancel=cancel)
    elapsed = time.perf_counter() - t
    timer.join()
    assert m.status == "cancelled" and not m.responded
    assert elapsed < 0.15 + POLL_INTERVAL_S + 0.3


def test_cancel_mid_stream_between_chunks(ep: ChatEndpoint) -> None:
    cancel, timer = _cancel_after(0.1)
    m = chat(ep, "steady", cancel=cancel)  # 400 tokens, 5 ms apart: ~2 s uncancelled
    timer.join()
    assert m.status == "cancelled"
    assert m.completion_tokens is not None and 5 < m.completion_tokens < 100
    assert m.response == expected_text("steady", m.completion_tokens)


def test_cancel_set_before_the_call_sends_nothing(ep: ChatEndpoint, server: ScriptedServer) -> None:
    server.clear()
    cancel = threading.Event()
    cancel.set()
    m = chat(ep, "timed", cancel=cancel)
    assert m.status == "cancelled" and not m.responded
    assert server.requests == []


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with ChatEndpoint(url, timeout_s=2.0) as ep:
        m = chat(ep, "any")
        with pytest.raises(EndpointError) as info:
            ep.list_models()
    assert m.status == "error" and not m.responded and m.http_status is None
    assert m.connect_failed
    assert m.error == f"cannot connect to {url} (connection refused)"
    assert m.latency_s is None and m.ttft_s is None
    assert str(info.value) == f"cannot connect to {url}/models (connection refused)"


def test_server_that_closes_without_answering() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def accept_and_close() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()

    thread = threading.Thread(target=accept_and_close)
    thread.start()
    try:
        with ChatEndpoint(f"http://127.0.0.1:{port}/v1", timeout_s=2.0) as ep:
            m = chat(ep, "any")
    finally:
        thread.join(2)
        listener.close()
    assert m.status == "error" and not m.responded
    assert m.error == f"connection to http://127.0.0.1:{port}/v1 closed before any response"


def test_concurrent_requests_keep_their_own_t0(server: ScriptedServer) -> None:
    # B starts while A waits for its first token: were t0 shared, A's TTFT would be
    # measured from B's later t0 and come out below the 20 ms the server enforces.
    results: dict[str, Measurement] = {}
    with ChatEndpoint(server.base_url) as ep:
        chat(ep, "no_usage")

        def worker(model: str) -> None:
            results[model] = chat(ep, model)

        threads = [threading.Thread(target=worker, args=(m,)) for m in ("timed", "slow_first")]
        threads[0].start()
        time.sleep(0.01)
        threads[1].start()
        for t in threads:
            t.join(10)
    a, b = results["timed"], results["slow_first"]
    assert a.status == b.status == "ok"
    assert a.ttft_s is not None and 0.02 <= a.ttft_s < 0.5
    assert b.ttft_s is not None and 0.03 <= b.ttft_s < 0.5
    assert a.response == expected_text("timed", 20)
    assert b.response == expected_text("slow_first", 5)


# -- models --------------------------------------------------------------------------------


def test_list_models(ep: ChatEndpoint) -> None:
    assert ep.list_models() == list(MODELS)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ((500, b'{"error": "boom"}'), 'HTTP 500 from server: {"error": "boom"}'),
        ((404, b""), "HTTP 404 from server (no body)"),
        ((200, b"<html>hello</html>"), "the answer is not JSON: '<html>hello</html>'"),
        ((200, b'{"models": []}'), "the answer has no 'data' list of models"),
        ((200, b'{"data": [{"name": "x"}]}'), "a model entry has no string 'id'"),
    ],
)
def test_list_models_failures_are_clear(
    ep: ChatEndpoint, server: ScriptedServer, response: tuple[int, bytes], message: str
) -> None:
    server.models_response = response
    try:
        with pytest.raises(EndpointError) as info:
            ep.list_models()
    finally:
        server.models_response = None
    assert str(info.value).startswith(f"GET {server.base_url}/models: {message}")


def test_server_records_are_consistent(ep: ChatEndpoint, server: ScriptedServer) -> None:
    chat(ep, "timed")
    rec: RequestRecord = server.last_request()
    assert rec.stream and rec.model == "timed" and rec.status == 200
    assert rec.content_sent == 20 and len(rec.content_times) == 20 and rec.usage_sent
    assert rec.received_at < rec.headers_at < rec.first_content_at < rec.last_byte_at
    assert statistics.median(rec.gaps_s) == pytest.approx(0.003, abs=0.0015)
