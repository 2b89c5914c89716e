"""Can ChatEndpoint keep up with a fast model? Its rate against a bare line reader's.

The scripted server (``tests/scripted_server.py``) streams 20,000 one-character tokens as fast
as it can (one SSE event per token, each in its own HTTP chunk, written in 64 KB blocks). Each
round reads that stream twice, alternately:

- ``ChatEndpoint.chat`` (openai client, request hook, raw SSE lines, one JSON parse per chunk,
  every metric): decode rate = (tokens - 1) / (latency - TTFT).
- a bare ``httpx2`` reader (``Client.stream`` + ``iter_lines``, counting ``data:`` lines, no
  parsing at all): the same rate from its first data line to the end of the body.

The figure that matters is the ratio: a harness that falls far behind a bare reader measures
itself instead of the model (Foundry Local serves a ~1 M-parameter model at ~4,500 tokens/s).

``python -m benchmarks.harness_throughput [--quick]``
"""

from __future__ import annotations

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


def _endpoint_rate(ep: ChatEndpoint) -> float:
    m = ep.chat("fast", MESSAGES, max_tokens=None, temperature=0.0, seed=1)
    if m.status != "ok" or m.completion_tokens != TOKENS:
        raise RuntimeError(f"endpoint read failed: {m.status} {m.error} {m.completion_tokens}")
    assert m.latency_s is not None and m.ttft_s is not None
    return (TOKENS - 1) / (m.latency_s - m.ttft_s)


def _bare_rate(client: httpx2.Client, url: str) -> float:
    body = {
        "model": "fast",
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.0,
        "seed": 1,
    }
    n = 0
    first = 0.0
    with client.stream("POST", url, json=body) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                if n == 0:
                    first = time.perf_counter()
                n += 1
        end = time.perf_counter()
    # Data lines: role chunk + tokens + finish + usage + [DONE]; rate over the token lines.
    if n < TOKENS:
        raise RuntimeError(f"bare reader saw {n} data lines")
    return (n - 1) / (end - first)


def measure(rounds: int) -> tuple[list[float], list[float]]:
    ours: list[float] = []
    bare: list[float] = []
    scenario = Scenario(tokens=TOKENS, token_text="t", numbered=False)
    with (
        ScriptedServer({"fast": scenario}) as server,
        ChatEndpoint(server.base_url) as ep,
        httpx2.Client(timeout=60.0) as client,
    ):
        url = f"{server.base_url}/chat/completions"
        _endpoint_rate(ep)  # warm-up: connections, imports, caches
        _bare_rate(client, url)
        for _ in range(rounds):
            ours.append(_endpoint_rate(ep))
            bare.append(_bare_rate(client, url))
    return ours, bare


def run(quick: bool = False) -> list[dict[str, Any]]:
    ours, bare = measure(3 if quick else 7)
    ours_med, bare_med = statistics.median(ours), statistics.median(bare)
    ratio = 100.0 * ours_med / bare_med
    return [
        _row("ChatEndpoint decode rate, median", ours_med, "tokens/s", "-", True),
        _row("bare httpx2 line reader, median", bare_med, "lines/s", "-", True),
        _row("ChatEndpoint / bare reader", ratio, "%", ">= 50", ratio >= 50.0),
    ]


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv[1:]), decimals=1)
