"""How exactly ChatEndpoint measures a stream whose true timings are known.

The scripted server (``tests/scripted_server.py``, in this process, same ``perf_counter``)
streams 50 tokens: first content 20 ms after the request arrives, then one every 5 ms. For each
request the server records when the request line arrived, when each content chunk and the last
byte were handed to the kernel. The figures are the median absolute differences between what
``ChatEndpoint.chat`` measured and that truth:

- TTFT: measured ``ttft_s`` vs first content chunk written - request arrived.
- latency: measured ``latency_s`` vs last byte written - request arrived.
- TPOT: (latency - TTFT) / (tokens - 1), relative error against the same from the server.
- ITL: every measured inter-chunk gap vs the true gap between the two writes.

The differences include the client's own overhead between the request hook (t0) and the socket
write, the loopback transit, and the time the client takes to notice each read: all of it is
harness error as far as a benchmark is concerned.

``python -m benchmarks.timing_accuracy [--quick]``
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks.table import print_table
from benchmarks.table import row as _row
from foundry_bench.core.run.endpoint.client import ChatEndpoint

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from scripted_server import Scenario, ScriptedServer

TTFT_S = 0.020
GAP_S = 0.005
TOKENS = 50
MESSAGES = [{"role": "user", "content": "Count to fifty."}]


def measure(requests: int, warmup: int = 2) -> dict[str, list[float]]:
    """Per-request absolute errors (seconds; TPOT relative)."""
    errors: dict[str, list[float]] = {"ttft": [], "latency": [], "tpot": [], "itl": []}
    scenario = Scenario(ttft_s=TTFT_S, gap_s=GAP_S, tokens=TOKENS)
    with ScriptedServer({"timed": scenario}) as server, ChatEndpoint(server.base_url) as ep:
        for i in range(warmup + requests):
            m = ep.chat("timed", MESSAGES, max_tokens=None, temperature=0.0, seed=1)
            rec = server.last_request()
            if i < warmup:
                continue
            if m.status != "ok" or m.ttft_s is None or m.latency_s is None:
                raise RuntimeError(f"request {i} failed: {m.status}: {m.error}")
            assert rec.ttft_s is not None and rec.latency_s is not None
            n = m.completion_tokens or 0
            if n != TOKENS:
                raise RuntimeError(f"request {i}: {n} tokens, expected {TOKENS}")
            errors["ttft"].append(abs(m.ttft_s - rec.ttft_s))
            errors["latency"].append(abs(m.latency_s - rec.latency_s))
            true_tpot = (rec.content_times[-1] - rec.content_times[0]) / (n - 1)
            # The last byte follows the last token at once, so the design's TPOT
            # ((latency - ttft) / (n - 1)) is compared with the server's token rhythm.
            tpot = (m.latency_s - m.ttft_s) / (n - 1)
            errors["tpot"].append(abs(tpot - true_tpot) / true_tpot)
            true_gaps = rec.gaps_s
            errors["itl"].extend(abs(g - t) for g, t in zip(m.itl_s, true_gaps, strict=True))
    return errors


def run(quick: bool = False) -> list[dict[str, Any]]:
    errors = measure(10 if quick else 30)
    ttft = statistics.median(errors["ttft"]) * 1e3
    latency = statistics.median(errors["latency"]) * 1e3
    tpot = statistics.median(errors["tpot"]) * 100
    itl = statistics.median(errors["itl"]) * 1e3
    ttft_p90 = statistics.quantiles(errors["ttft"], n=10)[-1] * 1e3
    return [
        _row("TTFT error, median |measured - true|", ttft, "ms", "<= 1.0", ttft <= 1.0),
        _row("TTFT error, p90", ttft_p90, "ms", "<= 2.0", ttft_p90 <= 2.0),
        _row("latency error, median |measured - true|", latency, "ms", "<= 1.5", latency <= 1.5),
        _row("TPOT relative error, median", tpot, "%", "<= 2", tpot <= 2.0),
        _row("ITL error, median per gap", itl, "ms", "<= 0.5", itl <= 0.5),
    ]


if __name__ == "__main__":
    print_table(run(quick="--quick" in sys.argv[1:]))
