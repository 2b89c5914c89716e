"""A key never leaves the process: each way a key comes in, end to end through the CLI.

The ways in: ``OPENAI_API_KEY``, a query parameter of the endpoint (``?api-key=``), the
user:password of a models.json endpoint, and a server that echoes the ``Authorization`` header
back in its error. After each, no file of the run folder, no report in any format and nothing
printed holds the key. The Settings dialog and the keychain are tested in
``test_ui_secrets.py``.
"""

from __future__ import annotations

import json
import logging
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_bench.core import redaction
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.redaction import (
    MASK,
    redact_message,
    redact_url,
    remember_secret,
    remember_url_secrets,
    scrub_secrets,
)
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.run.runner import RunPlan, RunStarted, run_benchmark
from scripted_server import Scenario, ScriptedServer

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("md", "csv", "html", "json", "summary-csv")


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foundry_bench", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def _inputs(tmp_path: Path, models: object = None) -> tuple[Path, Path]:
    models_file = tmp_path / "models.json"
    models_file.write_text(json.dumps(models if models is not None else {"m": {}}))
    prompts_file = tmp_path / "prompts.json"
    prompts_file.write_text(json.dumps(["hello"]))
    return models_file, prompts_file


def _assert_nowhere(key: str, run_dir: Path, *outputs: str) -> None:
    """Not in any file of the run folder, any report format, or any output given."""
    for path in run_dir.iterdir():
        assert key not in path.read_text(encoding="utf-8", errors="replace"), path.name
    for fmt in FORMATS:
        report = cli("report", str(run_dir), "--format", fmt)
        assert report.returncode == 0, report.stderr
        assert key not in report.stdout + report.stderr, fmt
    for text in outputs:
        assert key not in text


def test_a_key_in_the_query_string_is_sent_as_a_query_and_stored_nowhere(tmp_path: Path) -> None:
    key = "qk-SECRET-query-0123456789"
    models, prompts = _inputs(tmp_path)
    out = tmp_path / "run"
    with ScriptedServer({"m": Scenario(tokens=3)}) as srv:
        result = cli(
            *("run", "--models", str(models), "--prompts", str(prompts), "--out", str(out)),
            *("--endpoint", f"{srv.base_url}/?api-key={key}", "--rounds", "1", "--warmup", "0"),
        )
        path = srv.last_request().path
    assert result.returncode == 0, result.stderr
    # The request went to the right route with the key as a query (it was mangled into the
    # path before: /v1/?api-key=.../v1chat/completions).
    assert path == f"/v1/chat/completions?api-key={key}"
    run = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert run["samples"][0]["status"] == "ok"
    assert "api-key=***" in json.dumps(run["environment"])
    _assert_nowhere(key, out, result.stdout, result.stderr)


def test_a_key_in_a_model_endpoint_is_not_in_results_written_before_the_model_starts(
    tmp_path: Path,
) -> None:
    """results.json is written the moment a run starts: a cancel or a kill -9 then leaves it
    as it was, with every model still pending, so the pending records must not hold a key."""
    key = "uk-SECRET-userinfo-0123456789"
    plan = RunPlan(
        models=[ModelSpec(id="m", endpoint=f"http://user:{key}@127.0.0.1:9/v1")],
        prompts=[PromptSpec(id="p", text="hello")],
        settings=RunSettings(rounds=1, warmup_rounds=0),
    )

    class NoProvider:
        api_key = None

        def describe(self) -> dict[str, str]:
            return {"kind": "external"}

    events = run_benchmark(plan, NoProvider(), tmp_path)  # type: ignore[arg-type]
    started = next(events)
    assert isinstance(started, RunStarted)
    left = (tmp_path / "results.json").read_text(encoding="utf-8")
    events.close()  # the run ends here, as a cancel before the first model would end it
    assert key not in left and "user" not in json.loads(left)["models"][0]["endpoint"]
    for path in tmp_path.iterdir():
        assert key not in path.read_text(encoding="utf-8"), path.name


def test_a_server_that_echoes_the_key_in_its_401_reaches_no_file_or_terminal(
    tmp_path: Path,
) -> None:
    env_key = "sk-SECRET-environment-0123456789"
    query_key = "qk-SECRET-echoed-path-987654321"
    models, prompts = _inputs(tmp_path)
    out = tmp_path / "run"
    with ScriptedServer({"m": Scenario(fault="http401_echo")}) as srv:
        result = cli(
            *("run", "--models", str(models), "--prompts", str(prompts), "--out", str(out)),
            *("--endpoint", f"{srv.base_url}?token={query_key}", "--rounds", "2"),
            env={"OPENAI_API_KEY": env_key},
        )
    assert result.returncode == 0, result.stderr
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert samples and all("HTTP 401" in (s["error"] or "") for s in samples)
    assert "Bearer ***" in samples[0]["error"]  # the echo is kept, the key masked
    for key in (env_key, query_key):
        _assert_nowhere(key, out, result.stdout, result.stderr)


def test_escape_sequences_from_a_server_are_shown_escaped_on_a_terminal(tmp_path: Path) -> None:
    """A malformed chunk that carries ESC [ 2 J (clear screen) and OSC 0 (window title)."""
    line = b'data: {"choices": [{"delta": {"content": "\x1b[2J\x1b]0;pwned\x07\n\n'
    models, prompts = _inputs(tmp_path)
    out = tmp_path / "run"
    scenario = Scenario(tokens=4, fault="garbage", fault_after=1, garbage_line=line)
    with ScriptedServer({"m": scenario}) as srv:
        command = [sys.executable, "-m", "foundry_bench", "run", "--models", str(models)]
        command += ["--prompts", str(prompts), "--endpoint", srv.base_url, "--out", str(out)]
        command += ["--rounds", "1", "--warmup", "0"]
        printed = _on_a_terminal(command)
    assert "\x1b" not in printed and "\x07" not in printed
    assert "\\x1b[2J" in printed  # shown, escaped: the user sees what the server sent
    assert (out / "results.json").exists()


def _on_a_terminal(command: list[str]) -> str:
    """Everything ``command`` prints, with its stdout and stderr on a pseudo-terminal."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(command, stdout=follower, stderr=follower, cwd=ROOT)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                proc.kill()
                raise AssertionError("the command printed nothing for 60 s")
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(60) == 0, b"".join(chunks)
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    return b"".join(chunks).decode("utf-8", "replace")


def test_the_log_masks_keys_whichever_logger_writes(caplog: pytest.LogCaptureFixture) -> None:
    key = "lk-SECRET-logged-0123456789"
    remember_secret(key)
    redaction.install_log_redaction()
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("calling %s with %s", "http://h/v1", key)
    assert key not in caplog.text and MASK in caplog.text


# -- the redaction itself --------------------------------------------------------------------

_KEYS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~",
    min_size=8,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(key=_KEYS, name=st.sampled_from(["api-key", "key", "token", "sig", "access_token"]))
def test_redact_url_leaves_no_credential_in_any_place(key: str, name: str) -> None:
    for url in (
        f"https://user:{key}@host.example:8443/v1",
        f"https://{key}@host.example/v1",
        f"http://host/v1?{name}={key}&model=x",
        f"http://host/v1#{name}={key}",
    ):
        shown = redact_url(url)
        assert key not in shown, url
        assert "host" in shown


def test_a_key_of_the_endpoint_in_use_is_masked_in_what_a_server_says_later() -> None:
    key = "Zk3-endpoint-in-use-42"
    remember_url_secrets(f"https://user:{key}@host.example/v1")
    assert key not in scrub_secrets(f"the server said: {key}")
    assert key not in redact_message(f"401 for {key}")


def test_redact_message_masks_echoed_headers_and_urls_but_keeps_ordinary_text() -> None:
    text = (
        'HTTP 401: {"error": "Authorization: Bearer sk-abcdefgh12345678 refused for '
        'https://u:pw-0123456789@api.example/v1?api_key=zzzzzzzz99"}'
    )
    masked = redact_message(text)
    for secret in ("sk-abcdefgh12345678", "pw-0123456789", "zzzzzzzz99"):
        assert secret not in masked
    ordinary = "model 'phi-3' not found; context length 4096 tokens exceeded"
    assert redact_message(ordinary) == ordinary


def test_masking_known_keys_never_breaks_a_file_the_app_writes(tmp_path: Path) -> None:
    """A key that looks like a figure, a field name or a word of a field's vocabulary is never
    masked where it would break a file (it did: a key "00000000" turned a figure into ***, and
    a remembered "sample_key" made annotations.json unreadable)."""
    for value in ("00000000", "1.5e-100", "estimated", "sample_key_fail_on_regression_pct"):
        remember_secret(value)
    data = {"latency_s": 0.0100000000, "tpot_s": 1.5e-100, "tokens_source": "estimated"}
    data["sample_key_fail_on_regression_pct"] = ["ok"]
    path = tmp_path / "results.json"
    atomic_write_text(path, json.dumps(data))
    assert json.loads(path.read_text(encoding="utf-8")) == data


def test_a_url_read_from_a_file_teaches_the_redaction_nothing() -> None:
    """Only keys the app is given are remembered: a hostile results.json whose environment
    holds http://u:WORD@host must not make every later file mask WORD."""
    word = "finished_at_2026"
    shown = redact_url(f"http://u:{word}@host/v1")
    assert word not in shown
    assert scrub_secrets(f'"{word}"') == f'"{word}"'
