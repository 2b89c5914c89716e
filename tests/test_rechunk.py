"""The rechunking socket layer: h11 decodes exactly what the server sent, whatever the reads."""

from __future__ import annotations

import itertools

import h11
from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_bench.core.run.endpoint.rechunk import RAW, Rechunker


def _decode(reads: list[bytes], n_responses: int) -> list[tuple[int, bytes]] | str:
    """What an h11 client makes of these reads: (status, body) per response, or its error."""
    conn = h11.Connection(h11.CLIENT)
    out: list[tuple[int, bytes]] = []
    body: list[bytes] = []
    status = 0
    for _ in range(n_responses):
        conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
        conn.send(h11.EndOfMessage())
        done = False
        while not done:
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError as exc:
                return f"error: {type(exc).__name__}"
            if event is h11.NEED_DATA:
                if not reads:
                    return "incomplete"
                conn.receive_data(reads.pop(0))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                out.append((status, b"".join(body)))
                body.clear()
                done = True
        conn.start_next_cycle()
    return out


def _chunked(pieces: list[bytes], trailer: bool) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p)
    end = b"0\r\nX-Trailer: yes\r\n\r\n" if trailer else b"0\r\n\r\n"
    return head + body + end


def _sized(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def _through(reads: list[bytes]) -> list[bytes]:
    """As the socket layer does: a read whose bytes are all held back is followed by the next
    one (an empty read would mean the connection closed)."""
    r = Rechunker()
    return [out for out in map(r.feed, reads) if out]


RESPONSE = st.one_of(
    st.tuples(st.lists(st.binary(max_size=40), max_size=8), st.booleans()).map(
        lambda t: _chunked(*t)
    ),
    st.binary(max_size=60).map(_sized),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(RESPONSE, min_size=1, max_size=4), st.lists(st.integers(0, 10**6), max_size=12))
def test_any_responses_in_any_reads_decode_the_same(
    responses: list[bytes], cuts: list[int]
) -> None:
    data = b"".join(responses)
    reads = _split(data, cuts)
    expected = _decode(list(reads), len(responses))
    assert isinstance(expected, list)
    assert _decode(_through(reads), len(responses)) == expected


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.lists(st.integers(0, 10**6), max_size=6))
def test_garbage_after_a_head_gives_h11_the_same_verdict(tail: bytes, cuts: list[int]) -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n" + tail
    reads = _split(data, cuts)
    assert _decode(_through(reads), 1) == _decode(list(reads), 1)


def test_one_chunk_per_read_and_bad_framing_passes_through() -> None:
    stream = _chunked([b"data: a\n\n", b"data: b\n\n", b"data: c\n\n"], trailer=False)
    r = Rechunker()
    out = r.feed(stream)
    assert out.count(b"\r\n0\r\n") == 1
    assert out.endswith(b"1b\r\ndata: a\n\ndata: b\n\ndata: c\n\n\r\n0\r\n\r\n")
    bad = Rechunker()
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert bad.feed(head + b"zz\r\nnope") == head + b"zz\r\nnope"
    assert bad.state == RAW and bad.feed(b"anything") == b"anything"
