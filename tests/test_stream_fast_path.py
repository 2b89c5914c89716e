"""The stream reader's fast path (chunks of a learned shape are not JSON-parsed) reads every
stream exactly as parsing each chunk would, whatever the chunks hold and however they are cut
into reads."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any, cast

import httpx2
from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_bench.core.results.records import Measurement
from foundry_bench.core.run.endpoint.sse import Limits, read_stream, template


class _Reads:
    """Stands in for an ``httpx2.Response``: the reader only iterates its bytes."""

    def __init__(self, reads: list[bytes]) -> None:
        self._reads = reads

    def iter_bytes(self) -> Iterator[bytes]:
        yield from self._reads


def _chunk(kind: str, text: str, created: int, ascii_only: bool) -> dict[str, Any]:
    delta: dict[str, Any] = {"content": text}
    choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": None}
    if kind == "finish":
        choice["finish_reason"] = "stop"
    elif kind == "reasoning":
        delta["content"], delta["reasoning_content"] = None, text
    obj: dict[str, Any] = {"id": "x", "created": created, "model": "m", "choices": [choice]}
    if kind == "usage":
        obj["usage"] = {"completion_tokens": 3}
    return obj


CHUNK = st.tuples(
    st.sampled_from(["plain", "plain", "plain", "finish", "reasoning", "usage"]),
    st.text(max_size=6) | st.sampled_from(['a"b', "c\\d", "e\nf", "\x00", "é", "😀"]),
    st.integers(0, 2),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CHUNK, max_size=25), st.lists(st.integers(0, 10**6), max_size=8), st.booleans())
def test_the_fast_path_reads_what_parsing_every_chunk_reads(
    chunks: list[tuple[str, str, int, bool]], cuts: list[int], spaced: bool
) -> None:
    separators = (", ", ": ") if spaced else (",", ":")
    objs = [_chunk(*c) for c in chunks]
    body = b"".join(
        b"data: %s\n\n" % json.dumps(o, separators=separators, ensure_ascii=c[3]).encode()
        for o, c in zip(objs, chunks, strict=True)
    )
    body += b"data: [DONE]\n\n"
    points = sorted({c % (len(body) + 1) for c in cuts} | {0, len(body)})
    reads = [body[a:b] for a, b in itertools.pairwise(points)]
    m = Measurement(status="ok", started_at="")
    response = cast(httpx2.Response, _Reads(reads))
    read_stream(response, m, time.perf_counter(), None, Limits(5.0))
    assert m.status == "ok", m.error
    deltas = [o["choices"][0]["delta"] for o in objs]
    contents = [d["content"] for d in deltas if d["content"]]
    thoughts = [d.get("reasoning_content") for d in deltas if d.get("reasoning_content")]
    outputs = [d for d in deltas if d["content"] or d.get("reasoning_content")]
    # (Six characters a chunk never make a <think> tag: no content is split off as thinking.)
    assert (m.reasoning, m.response) == ("".join(thoughts), "".join(contents))
    assert len(m.itl_s) == max(len(outputs) - 1, 0)


def test_the_learned_shape_is_only_that_of_a_plain_escape_free_chunk() -> None:
    payload = b'{"id":"x","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}'
    at = payload.index(b'"hi"') + 1
    assert template(payload, "hi") == (payload[:at], payload[at + 2 :])
    assert template(payload.replace(b"hi", b"h\\u0069"), "hi") is None  # written with escapes
    assert template(b'{"a":{"content":"hi"},"b":{"content":"hi"}}', "hi") is None  # two keys
    assert template(b'{"delta": {"content": "hi"}}', "hi") == (b'{"delta": {"content": "', b'"}}')
