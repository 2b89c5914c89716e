"""The Foundry Local wrapper: folder/id validation, and the real runtime with the demo model.

Tests marked ``runtime`` use the in-process SDK offline with the project's demo model; the
public catalog is pointed at a loopback tripwire that must see no connection.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from foundry_bench.core.paths import demo_model_dir
from foundry_bench.core.run.model_folders import validate_model_folder, validate_model_id
from foundry_bench.core.run.runtime import DEMO_MODEL_ID, FoundryRuntime
from foundry_bench.core.run.runtime_errors import ModelFolderError, RuntimeFailure

HAS_DEMO = (demo_model_dir() / "genai_config.json").is_file()
needs_demo = pytest.mark.skipif(not HAS_DEMO, reason="resources/demo_model not generated")


def test_demo_model_is_bundled() -> None:
    """The offline demo and every runtime test need it; a missing model is a packaging bug."""
    assert HAS_DEMO, f"{demo_model_dir()} has no genai_config.json (run tools/make_demo_model.py)"


def _copy_demo(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(demo_model_dir(), target)
    return target


@pytest.mark.parametrize(
    "model_id", ["nocolon", "name:", ":1", "name:v1", "bad name:1", "a|b:1", "name:1:2"]
)
def test_malformed_model_ids_are_rejected(model_id: str) -> None:
    with pytest.raises(RuntimeFailure, match="NAME:VERSION"):
        validate_model_id(model_id)


def test_good_model_id_passes() -> None:
    validate_model_id("my-model.v2_x:3")


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelFolderError, match="no such folder"):
        validate_model_folder(tmp_path / "nope")


def test_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    f = tmp_path / "model.onnx"
    f.write_bytes(b"x")
    with pytest.raises(ModelFolderError, match="is a file"):
        validate_model_folder(f)


def test_folder_without_genai_config(tmp_path: Path) -> None:
    with pytest.raises(ModelFolderError, match=r"no genai_config\.json"):
        validate_model_folder(tmp_path)


@needs_demo
@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("bad_config_json", "genai_config.json: line 1, column 2: invalid JSON"),
        ("no_onnx", "does not name a file"),
        ("no_tokenizer", "no tokenizer.json"),
        ("no_template", "no chat template"),
    ],
)
def test_incomplete_model_folders(tmp_path: Path, breakage: str, message: str) -> None:
    folder = _copy_demo(tmp_path)
    config = json.loads((folder / "genai_config.json").read_text())
    if breakage == "bad_config_json":
        (folder / "genai_config.json").write_text("{oops")
    elif breakage == "no_onnx":
        (folder / config["model"]["decoder"]["filename"]).unlink()
    elif breakage == "no_tokenizer":
        (folder / "tokenizer.json").unlink()
    else:
        (folder / "chat_template.jinja").unlink(missing_ok=True)
        tok = json.loads((folder / "tokenizer_config.json").read_text())
        tok.pop("chat_template", None)
        (folder / "tokenizer_config.json").write_text(json.dumps(tok))
    with pytest.raises(ModelFolderError, match=message):
        validate_model_folder(folder)


@needs_demo
def test_demo_model_folder_is_valid() -> None:
    validate_model_folder(demo_model_dir())


# -- the real runtime ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def runtime() -> FoundryRuntime:
    if not HAS_DEMO:
        pytest.skip("resources/demo_model not generated")
    rt = FoundryRuntime.get()
    rt.ensure_demo_model()
    return rt


@pytest.mark.runtime
def test_demo_model_registers_idempotently_and_lists(runtime: FoundryRuntime) -> None:
    again = runtime.ensure_demo_model()
    assert again.id == DEMO_MODEL_ID and again.source == "local"
    listed = {e.id: e for e in runtime.local_models()}
    entry = listed[DEMO_MODEL_ID]
    assert entry.task == "chat-completion"
    assert entry.disk_mb is not None and 0 < entry.disk_mb < 10
    assert runtime.find(entry.alias) is not None  # by alias too


@pytest.mark.runtime
def test_load_stream_unload_through_the_web_service(
    runtime: FoundryRuntime, catalog_tripwire: object
) -> None:
    from openai import OpenAI

    result = runtime.load(DEMO_MODEL_ID)
    try:
        assert 0 < result.load_time_s < 30
        assert DEMO_MODEL_ID in runtime.loaded_ids()
        base_url = runtime.base_url_for(DEMO_MODEL_ID)
        assert base_url.endswith("/catalogs/local/v1")
        client = OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=30)
        stream = client.chat.completions.create(
            model=DEMO_MODEL_ID,
            messages=[{"role": "user", "content": "Summarize: the team will ship on Friday."}],
            max_tokens=24,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
        pieces, usage = [], None
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
            if chunk.usage is not None:
                usage = chunk.usage
        text = "".join(pieces)
        assert len(pieces) >= 2 and any(c.isalpha() for c in text)
        assert usage is not None and usage.completion_tokens >= len(pieces) - 1
        client.close()
    finally:
        runtime.unload(DEMO_MODEL_ID)
    assert DEMO_MODEL_ID not in runtime.loaded_ids()
    assert catalog_tripwire.connections == 0  # type: ignore[attr-defined]


@pytest.mark.runtime
def test_corrupt_weights_fail_to_register_and_leave_nothing(
    runtime: FoundryRuntime, tmp_path: Path
) -> None:
    folder = _copy_demo(tmp_path)
    config = json.loads((folder / "genai_config.json").read_text())
    onnx = folder / config["model"]["decoder"]["filename"]
    onnx.write_bytes(b"this is not an onnx model" * 100)
    with pytest.raises(ModelFolderError, match="cannot load it"):
        runtime.register(folder, "corrupt-model:1")
    assert runtime.find("corrupt-model:1") is None
    # The demo model is unaffected.
    assert runtime.find(DEMO_MODEL_ID) is not None


@pytest.mark.runtime
def test_unknown_model_is_a_clear_failure(runtime: FoundryRuntime) -> None:
    with pytest.raises(RuntimeFailure, match="neither registered"):
        runtime.load("no-such-model:1")


@pytest.mark.runtime
def test_public_catalog_is_unavailable_offline_without_waiting(runtime: FoundryRuntime) -> None:
    started = time.perf_counter()
    state = runtime.catalog_models()
    assert not state.available and "offline" in (state.error or "")
    assert time.perf_counter() - started < 0.5


# -- download and cancel: the catalog is unreachable here, so the plumbing is tested with
# a model object that behaves like the SDK's (progress callback, threading.Event cancel,
# FoundryLocalException when the native side aborts).


class FakeCatalogModel:
    id = "fake-model-generic-cpu:1"
    alias = "fake-model"
    is_cached = False
    is_loaded = False
    context_length = 4096

    def __init__(self, steps: int, step_s: float = 0.005) -> None:
        self.steps = steps
        self.step_s = step_s

    @property
    def info(self) -> object:
        from types import SimpleNamespace

        return SimpleNamespace(
            task="chat-completion",
            runtime=None,
            file_size_mb=1234,
            license="MIT",
            supports_tool_calling=False,
        )

    def download(self, progress_callback=None, cancel_event=None) -> None:  # type: ignore[no-untyped-def]
        from foundry_local_sdk import FoundryLocalException

        for i in range(1, self.steps + 1):
            if cancel_event is not None and cancel_event.is_set():
                raise FoundryLocalException("Download was cancelled")
            time.sleep(self.step_s)
            if progress_callback is not None:
                progress_callback(100.0 * i / self.steps)
        self.is_cached = True

    def get_path(self) -> str:
        return ""


@pytest.mark.runtime
def test_download_reports_progress(
    runtime: FoundryRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeCatalogModel(steps=5)
    monkeypatch.setattr(runtime, "_find", lambda name: (fake, "catalog"))
    seen: list[float] = []
    entry = runtime.download(fake.id, seen.append, threading.Event())
    assert seen == [20.0, 40.0, 60.0, 80.0, 100.0]
    assert entry.cached and entry.size_mb == 1234


@pytest.mark.runtime
def test_download_cancel_stops_it(runtime: FoundryRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeCatalogModel(steps=1000)
    monkeypatch.setattr(runtime, "_find", lambda name: (fake, "catalog"))
    cancel = threading.Event()
    seen: list[float] = []

    def progress(pct: float) -> None:
        seen.append(pct)
        if len(seen) == 3:
            cancel.set()

    with pytest.raises(RuntimeFailure, match="cancelled"):
        runtime.download(fake.id, progress, cancel)
    assert len(seen) == 3 and not fake.is_cached


@pytest.mark.runtime
def test_tokens_stream_on_a_kept_alive_connection(runtime: FoundryRuntime) -> None:
    """Foundry Local writes with Nagle on; a delayed client ACK once held every chunk after
    the headers for ~40 ms, so later requests looked like one burst at the end. Streaming
    must show the tokens spread over the answer on every request, not just the first."""
    from foundry_bench.core.run.endpoint.client import ChatEndpoint

    runtime.load(DEMO_MODEL_ID)
    bursts = []
    try:
        with ChatEndpoint(runtime.base_url_for(DEMO_MODEL_ID), timeout_s=30) as endpoint:
            for _ in range(10):
                m = endpoint.chat(
                    DEMO_MODEL_ID,
                    [{"role": "user", "content": "Explain what a meeting summary is."}],
                    max_tokens=48,
                    temperature=0,
                    seed=1,
                )
                assert m.status == "ok", m.error
                assert m.ttft_s is not None and m.latency_s is not None
                # The stall's signature: a first token after the ~40 ms ACK delay, then
                # every other token in the same instant.
                if m.ttft_s > 0.035 and sum(m.itl_s) < 0.002:
                    bursts.append((m.ttft_s, m.latency_s))
    finally:
        runtime.unload(DEMO_MODEL_ID)
    assert len(bursts) <= 1, bursts  # it was every request but the first
