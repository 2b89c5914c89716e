"""A big JSON file is decoded, checked and parsed in pieces (``core.jsonfile``), so that no
single C call holds the GIL while the window waits. The pieces must change nothing: every
document gives the value, or the message, that the whole-file path gives.

The pieces are made small here (``_BLOCK``), so that short documents cross many of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.factories import make_run, make_sample

from foundry_bench.core import jsonfile
from foundry_bench.core.jsonfile import JsonFileError
from foundry_bench.core.results import store

PATH = Path("doc.json")
SMALL = 8

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8"), max_size=12),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=6), inner, max_size=5)
    ),
    max_leaves=30,
)


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(jsonfile, "_BLOCK", SMALL)
    yield


def _outcome(call: Any) -> tuple[str, object]:
    try:
        return "ok", call()
    except JsonFileError as exc:
        return "error", str(exc)


def _both(monkeypatch: pytest.MonkeyPatch, call: Any) -> tuple[object, object]:
    """``call``'s outcome read whole, then in pieces of :data:`SMALL`."""
    whole = _outcome(call)
    with monkeypatch.context() as patch:
        patch.setattr(jsonfile, "_BLOCK", SMALL)
        pieces = _outcome(call)
    return whole, pieces


@settings(max_examples=300, deadline=None)
@given(value=json_values, indent=st.sampled_from([None, 0, 1, 2, 7]), ascii=st.booleans())
def test_pieces_parse_to_the_same_value(value: object, indent: int | None, ascii: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii)
    with pytest.MonkeyPatch.context() as patch:
        whole, pieces = _both(patch, lambda: jsonfile.parse_json_bytes(text.encode(), PATH))
    assert whole == pieces == ("ok", value)


# Broken documents: valid ones with a character dropped, doubled or replaced.
_BROKEN_BY = st.sampled_from(["", ",", "]", "}", '"', ":", " ", "\n", "'", "x", "\\", "1", "NaN"])


@settings(max_examples=400, deadline=None)
@given(value=json_values, indent=st.sampled_from([None, 2]), data=st.data())
def test_broken_documents_give_the_same_message(
    value: object, indent: int | None, data: Any
) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 2))
    text = text[:at] + data.draw(_BROKEN_BY) + text[at + cut :]
    with pytest.MonkeyPatch.context() as patch:
        whole, pieces = _both(patch, lambda: jsonfile.parse_json_bytes(text.encode(), PATH))
    assert whole == pieces


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2, 3,\n\n      ]}',  # the trailing-comma hint survives a dropped piece
        "[\n1,\n2,\n3,\n4,\n5,\n6,\n7,\n8,\n9,\n10,\n 1 2]",  # line and column past pieces
        '{"key": "value", "other": "value", "x": [1, 2, 3] } extra',
        "{\"a\": 'single'}",
        '{"long string over pieces": "' + "é" * 40 + '", "n": 123456789012345678901234567890}',
        " " * 50 + "\n" * 5 + "[]",
        '{"a": 1, "a": 2}',  # the last duplicate wins, as json.loads has it
    ],
)
def test_hand_picked_documents(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, pieces = _both(monkeypatch, lambda: jsonfile.parse_json_bytes(text.encode(), PATH))
    assert whole == pieces


def test_a_pairs_hook_makes_every_object(small_pieces: None) -> None:
    text = json.dumps({"a": [{"b": 1}, {"c": {"d": 2}}], "e": {}})
    seen: list[list[tuple[str, Any]]] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen.append(pairs)
        return dict(pairs)

    parsed = jsonfile.parse_json_text(text, PATH, object_pairs_hook=hook)
    assert parsed == json.loads(text)
    assert [("b", 1)] in seen and [] in seen  # an item cut by a piece is parsed again


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=64) | st.text(max_size=40).map(lambda t: t.encode("utf-8")))
def test_decoding_in_pieces_gives_the_same_text_or_message(raw: bytes) -> None:
    with pytest.MonkeyPatch.context() as patch:
        whole, pieces = _both(patch, lambda: "".join(jsonfile.decode_utf8_pieces(raw, PATH)))
    assert whole == pieces


@settings(max_examples=300, deadline=None)
@given(
    raw=st.lists(st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b"\n", b"a", b" "])).map(
        b"".join
    ),
    lines=st.booleans(),
)
def test_the_nesting_check_in_pieces_finds_the_same_line(raw: bytes, lines: bool) -> None:
    with pytest.MonkeyPatch.context() as patch:
        whole = jsonfile.deepest_line(raw, 3, lines=lines)
        patch.setattr(jsonfile, "_BLOCK", 2)
        assert jsonfile.deepest_line(raw, 3, lines=lines) == whole


@given(pieces=st.lists(st.text(alphabet="ab\n", max_size=6), min_size=1, max_size=8))
def test_jsonl_lines_split_a_piece_at_a_time(pieces: list[str]) -> None:
    assert store._lines(pieces) == "".join(pieces).split("\n")


def _run(models: tuple[str, ...], rounds: int) -> Any:
    samples = [
        make_sample(m, "p1", r, latency_s=0.01 * r, ttft_s=0.002, response=f'answer {r} é \\ "')
        for m in models
        for r in range(1, rounds + 1)
    ]
    return make_run(samples, models=models)


def test_a_results_file_read_in_pieces_is_the_same_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run(("m1", "m2"), 5)
    store.write_results(tmp_path, run)
    whole = store.load_run(tmp_path).to_dict()
    monkeypatch.setattr(jsonfile, "_BLOCK", 64)
    assert store.load_run(tmp_path).to_dict() == whole


def test_a_torn_samples_file_read_in_pieces_keeps_every_whole_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run(("m1",), 6)
    lines = [json.dumps(s.to_dict()) for s in run.samples]
    (tmp_path / "samples.jsonl").write_text("\n".join(lines) + "\n" + lines[0][:30])
    monkeypatch.setattr(jsonfile, "_BLOCK", 50)
    read = list(store.read_samples_jsonl(tmp_path / "samples.jsonl"))
    assert [s.key for s in read] == [s.key for s in run.samples]
