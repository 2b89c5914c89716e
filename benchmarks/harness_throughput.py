"""The streaming ceiling: ChatEndpoint's rate against a bare socket reader's, and both TTFTs.

The scripted server (``tests/scripted_server.py``) streams 20,000 one-character tokens as fast
as it can (one SSE event per token, each in its own HTTP chunk, written in 64 KB blocks). Each
round reads that stream twice, alternately, on one kept-alive connection each:

- ``ChatEndpoint.chat`` (openai client, request hook, SSE lines, one JSON parse per chunk,
  every metric): decode rate = (tokens - 1) / (latency - TTFT);
- a bare socket reader (one ``sendall`` of a prepared request, then ``recv``, split into
  lines, ``data:`` lines counted; no HTTP library, no JSON, HTTP chunk-size lines skipped as
  lines that are not data): the same rate from its first content line to the end of the
  body.

Then both read a stream with known timings (first token 20 ms after the request arrives, one
every 5 ms, 50 tokens) and each TTFT is compared with the server's truth: the engine must be
as exact as the bare reader (its median error at most 0.5 ms more).

The ratio is what matters: a harness that falls far behind a bare reader measures itself, not
the model (Foundry Local serves a ~1 M-parameter model at ~4,500 tokens/s).

``python -m benchmarks.harness_throughput [--quick]``
"""

from __future__ import annotations

import json
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx2

from benchmarks.table import print_table
from benchmarks.table import row as _row
from foundry_bench.core.run.endpoint.client import ChatEndpoint

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from scripted_server import Scenario, ScriptedServer

TOKENS = 20_000
MESSAGES = [{"role": "user", "content": "Go."}]
_EMPTY = b'"content":""'
TARGET_RATIO = 85.0  # % of the bare reader's rate
TARGET_TTFT_EXTRA_MS = 0.5


class BareReader:
    """A kept-alive socket that sends a prepared request and counts the SSE lines back."""

    def __init__(self, port: int, model: str) -> None:
        body = json.dumps(
            {"model": model, "messages": MESSAGES, "stream": True, "temperature": 0.0}
        ).encode()
        self._request = (
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        self._sock = socket.create_connection(("127.0.0.1", port))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def read(self, parse: bool = False) -> tuple[float, float, float, int]:
        """(t0, first content, end, data lines) of one request; ``parse``: each data line
        also goes through ``json.loads`` and its ``delta.content`` is taken."""
        recv, perf_counter, loads = self._sock.recv, time.perf_counter, json.loads
        lines, first, pending = 0, 0.0, b""
        t0 = perf_counter()
        self._sock.sendall(self._request)
        while True:
            data = recv(1 << 16)
            now = perf_counter()
            if not data:
                raise RuntimeError("the server closed the connection")
            split = (pending + data).split(b"\n")
            pending = split.pop()
            for line in split:
                if line.startswith(b"data: {"):
                    lines += 1
                    if parse:
                        choices = loads(line[6:])["choices"]
                        content = choices[0]["delta"].get("content") if choices else None
                    else:
                        content = _EMPTY not in line
                    if content and not first:  # not the role chunk
                        first = now
            if not pending and split[-2:] == [b"0\r", b"\r"]:  # the body's last chunk
                return t0, first, now, lines

    def close(self) -> None:
        self._sock.close()


def _endpoint_rate(ep: ChatEndpoint) -> float:
    m = ep.chat("fast", MESSAGES, max_tokens=None, temperature=0.0, seed=1)
    if m.status != "ok" or m.completion_tokens != TOKENS:
        raise RuntimeError(f"endpoint read failed: {m.status} {m.error} {m.completion_tokens}")
    assert m.latency_s is not None and m.ttft_s is not None
    return (TOKENS - 1) / (m.latency_s - m.ttft_s)


def _bare_rate(reader: BareReader, parse: bool) -> float:
    _t0, first, end, lines = reader.read(parse)
    if lines < TOKENS:
        raise RuntimeError(f"bare reader saw {lines} data lines")
    return (TOKENS - 1) / (end - first)


def _httpx_rate(client: httpx2.Client, url: str) -> float:
    """The bare ``httpx2`` line reader of earlier versions of this benchmark: no parsing."""
    body = {"model": "fast", "messages": MESSAGES, "stream": True, "temperature": 0.0}
    n, first = 0, 0.0
    with client.stream("POST", url, json=body) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                if n == 0:
                    first = time.perf_counter()
                n += 1
        end = time.perf_counter()
    return (n - 1) / (end - first)


READERS = ("engine", "socket+json", "socket", "httpx2")


def measure_rates(rounds: int) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {name: [] for name in READERS}
    scenario = Scenario(tokens=TOKENS, token_text="t", numbered=False)
    with (
        ScriptedServer({"fast": scenario}) as server,
        ChatEndpoint(server.base_url) as ep,
        httpx2.Client(timeout=60.0) as client,
    ):
        reader = BareReader(server.port, "fast")
        url = f"{server.base_url}/chat/completions"
        read = {
            "engine": lambda: _endpoint_rate(ep),
            "socket+json": lambda: _bare_rate(reader, True),
            "socket": lambda: _bare_rate(reader, False),
            "httpx2": lambda: _httpx_rate(client, url),
        }
        try:
            for name in READERS:  # warm-up: connections, imports, caches
                read[name]()
            for _ in range(rounds):  # alternately, so load from outside hits them alike
                for name in READERS:
                    rates[name].append(read[name]())
        finally:
            reader.close()
    return rates


def measure_ttft(requests: int) -> tuple[list[float], list[float]]:
    """|measured - true| TTFT (s) of the engine and of the bare reader, request by request."""
    ours: list[float] = []
    bare: list[float] = []
    scenario = Scenario(ttft_s=0.020, gap_s=0.005, tokens=50)
    with ScriptedServer({"timed": scenario}) as server, ChatEndpoint(server.base_url) as ep:
        reader = BareReader(server.port, "timed")
        try:
            for i in range(requests + 2):  # the first two warm up
                m = ep.chat("timed", MESSAGES, max_tokens=None, temperature=0.0, seed=1)
                rec = server.last_request()
                t0, first, _end, _lines = reader.read()
                bare_rec = server.last_request()
                if i < 2:
                    continue
                if m.ttft_s is None or rec.ttft_s is None or bare_rec.ttft_s is None:
                    raise RuntimeError(f"request {i}: no TTFT ({m.status}: {m.error})")
                ours.append(abs(m.ttft_s - rec.ttft_s))
                bare.append(abs((first - t0) - bare_rec.ttft_s))
        finally:
            reader.close()
    return ours, bare


def run(quick: bool = False) -> list[dict[str, Any]]:
    rates = {k: statistics.median(v) for k, v in measure_rates(3 if quick else 7).items()}
    ttft_ours, ttft_bare = measure_ttft(10 if quick else 30)
    err_ours = statistics.median(ttft_ours) * 1e3
    err_bare = statistics.median(ttft_bare) * 1e3
    extra = err_ours - err_bare
    ratio = {k: 100.0 * rates["engine"] / rates[k] for k in READERS[1:]}
    return [
        _row("ChatEndpoint decode rate, median", rates["engine"], "tokens/s", "-", True),
        _row(
            "bare socket reader + json.loads per line", rates["socket+json"], "tokens/s", "-", True
        ),
        _row("bare socket reader, lines counted only", rates["socket"], "tokens/s", "-", True),
        _row("bare httpx2 line reader (earlier baseline)", rates["httpx2"], "tokens/s", "-", True),
        _row(
            "ChatEndpoint / socket reader + json.loads",
            ratio["socket+json"],
            "%",
            f">= {TARGET_RATIO:g}",
            ratio["socket+json"] >= TARGET_RATIO,
        ),
        _row("ChatEndpoint / socket reader, lines only", ratio["socket"], "%", "-", True),
        _row("ChatEndpoint / httpx2 line reader", ratio["httpx2"], "%", "-", True),
        _row("TTFT error, ChatEndpoint, median", err_ours, "ms", "-", True),
        _row("TTFT error, bare socket reader, median", err_bare, "ms", "-", True),
        _row(
            "TTFT error, ChatEndpoint - bare reader",
            extra,
            "ms",
            f"<= {TARGET_TTFT_EXTRA_MS:g}",
            extra <= TARGET_TTFT_EXTRA_MS,
        ),
    ]


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv[1:]), decimals=2)
