"""The command line against the real embedded runtime: demo, run with unknown names, models."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from foundry_bench.core.paths import demo_model_dir, examples_dir
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.runtime import DEMO_MODEL_ID

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.runtime


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foundry_bench", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "FOUNDRY_BENCH_HOME": str(home)},
    )


def test_demo_end_to_end_offline(tmp_path: Path, catalog_tripwire: object) -> None:
    out = tmp_path / "demo-run"
    result = cli(tmp_path / "home", "demo", "--out", str(out))
    assert result.returncode == 0, result.stderr
    for name in ("results.json", "samples.jsonl", "benchmark_report.md", "report.csv"):
        assert (out / name).is_file(), name
    assert (out / "summary.csv").is_file() and (out / "report.html").is_file()
    # The printed list names every file the folder holds (results.json and samples.jsonl too).
    listed = result.stdout.split("run folder:", 1)[1].splitlines()[1:]
    listed = [line.strip() for line in listed if line.startswith("  ")]
    assert sorted(listed) == sorted(p.name for p in out.iterdir() if p.is_file())
    run = load_run(out)
    assert run.status == "completed"
    model = run.models[0]
    assert model.id == DEMO_MODEL_ID and model.status == "ok"
    assert model.load_time_s is not None and model.load_time_s > 0
    prompts = json.loads((examples_dir() / "prompts.json").read_text())
    n_prompts = len(prompts["prompts"] if isinstance(prompts, dict) else prompts)
    assert len(run.samples) == n_prompts * 3  # 1 warm-up + 2 timed rounds
    timed = [s for s in run.samples if not s.warmup]
    assert all(s.status == "ok" and s.ttft_s and s.tokens_source == "usage" for s in timed)
    assert any(c.isalpha() for c in timed[0].response)
    assert "foundry-bench-demo" in (out / "benchmark_report.md").read_text()
    assert catalog_tripwire.connections == 0  # type: ignore[attr-defined]


def test_run_with_an_unknown_model_fails_that_model_only(tmp_path: Path) -> None:
    models = tmp_path / "models.json"
    models.write_text(json.dumps({"no-such-model:1": {}, DEMO_MODEL_ID: {}}))
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps(["Say hello."]))
    out = tmp_path / "run"
    result = cli(
        tmp_path / "home",
        *("run", "--models", str(models), "--prompts", str(prompts)),
        *("--rounds", "2", "--warmup", "0", "--max-tokens", "16", "--out", str(out)),
    )
    assert result.returncode == 0, result.stderr
    run = load_run(out)
    status = {m.id: m for m in run.models}
    assert status["no-such-model:1"].status == "failed"
    assert "neither registered nor cached" in (status["no-such-model:1"].error or "")
    assert status[DEMO_MODEL_ID].status == "ok"
    assert [s.status for s in run.samples] == ["ok", "ok"]


@pytest.mark.parametrize(
    ("make", "model_id", "message"),
    [
        (lambda p: p.mkdir(), "x:1", "no genai_config.json"),
        (lambda p: p.write_text("x"), "x:1", "is a file"),
        (None, "bad id", "NAME:VERSION"),
    ],
)
def test_models_register_bad_input_is_exit_2(
    tmp_path: Path, make: object, model_id: str, message: str
) -> None:
    target = tmp_path / "model"
    if make is None:
        shutil.copytree(demo_model_dir(), target)
    else:
        make(target)  # type: ignore[operator]
    result = cli(tmp_path / "home", "models", "register", str(target), "--id", model_id)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_models_register_list_load_remove(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder = tmp_path / "byom"
    shutil.copytree(demo_model_dir(), folder)
    result = cli(home, "models", "register", str(folder), "--id", "my-model:2")
    assert result.returncode == 0, result.stderr
    again = cli(home, "models", "register", str(folder), "--id", "my-model:2")
    assert again.returncode == 0, again.stderr  # idempotent
    listing = cli(home, "models", "list")
    assert "my-model:2" in listing.stdout and DEMO_MODEL_ID in listing.stdout
    demo_line = next(line for line in listing.stdout.splitlines() if DEMO_MODEL_ID in line)
    assert demo_line.split()[3] == "CPU"  # the device a models.json "device" matches
    load = cli(home, "models", "load", "my-model:2")
    assert load.returncode == 0 and "loaded my-model:2 in" in load.stdout
    removed = cli(home, "models", "remove", "my-model:2")
    assert removed.returncode == 0, removed.stderr
    assert "my-model:2" not in cli(home, "models", "list").stdout
    assert folder.is_dir()  # unregistering keeps the user's files


def test_the_catalog_tripwire_would_see_a_catalog_fetch(tmp_path: Path) -> None:
    """Proof that the tripwire assertions mean something: with offline mode off, the SDK
    does send its catalog request to the configured URL (here a fresh listener)."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    requests: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    requests.append(conn.recv(200))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    env = {
        **os.environ,
        "FOUNDRY_BENCH_HOME": str(tmp_path / "home"),
        "FOUNDRY_BENCH_CATALOG_URL": f"http://127.0.0.1:{port}/asset-gallery/v1.0/models",
    }
    env.pop("FOUNDRY_BENCH_OFFLINE")
    code = (
        "from foundry_bench.core.run.runtime import FoundryRuntime; "
        "print(FoundryRuntime.get().catalog_models(timeout_s=20).available)"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        stop.set()
        thread.join(2)
        listener.close()
    assert result.stdout.strip() == "False"
    assert requests and requests[0].startswith(b"POST /asset-gallery/v1.0/models")


def test_models_eps_lists_none_here_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    listed = cli(tmp_path, "models", "eps")
    assert listed.returncode == 0, listed.stderr
    assert "no execution providers to register here" in listed.stdout  # discover_eps() == []
    refused = cli(tmp_path, "models", "eps", "--register", "CUDAExecutionProvider")
    assert refused.returncode == 2
    assert "'CUDAExecutionProvider' is not available here" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_models_load_is_a_cold_load_in_a_host(tmp_path: Path) -> None:
    loaded = cli(tmp_path, "models", "load", DEMO_MODEL_ID)
    assert loaded.returncode == 0, loaded.stderr
    assert f"loaded {DEMO_MODEL_ID} in" in loaded.stdout
    assert "runtime process peak" in loaded.stdout


def _copy_demo(target: Path) -> Path:
    shutil.copytree(demo_model_dir(), target)
    return target


def test_a_failed_re_registration_leaves_the_previous_one_working(tmp_path: Path) -> None:
    home = tmp_path / "home"
    good = _copy_demo(tmp_path / "good")
    (good / "README.md").write_bytes(b"license: MIT \xff\xfe not UTF-8\n")  # a card, any bytes
    first = cli(home, "models", "register", str(good), "--id", "kept:1")
    assert first.returncode == 0, first.stderr

    invalid = _copy_demo(tmp_path / "invalid")
    (invalid / "genai_config.json").write_text('{"model": []}')
    corrupt = _copy_demo(tmp_path / "corrupt")
    config = json.loads((corrupt / "genai_config.json").read_text())
    (corrupt / config["model"]["decoder"]["filename"]).write_bytes(b"not an onnx model" * 100)
    for broken, message in ((invalid, "does not name a file"), (corrupt, "cannot load it")):
        again = cli(home, "models", "register", str(broken), "--id", "kept:1")
        assert again.returncode == 2 and message in again.stderr
        assert "Traceback" not in again.stderr

    listing = cli(home, "models", "list")
    assert "kept:1" in listing.stdout, listing.stderr
    load = cli(home, "models", "load", "kept:1")
    assert load.returncode == 0 and "loaded kept:1 in" in load.stdout, load.stderr
    same = cli(home, "models", "register", str(good), "--id", "kept:1")
    assert same.returncode == 0 and str(good.resolve()) in same.stdout  # still the good folder
