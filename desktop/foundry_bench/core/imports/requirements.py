"""What an import needs before it starts: the conversion tools, disk space and memory.

The tools (~1 GB: CPU torch, transformers, gguf, accelerate, onnx, the model builder) are an
optional extra, so their absence is a message saying what to install, found without importing
any of them. Disk and memory are estimated from the parameter count the source's headers give,
with the factors measured on SmolLM2-135M (benchmarks/bench_import.py prints the real figures):
a GGUF is dequantized to an fp32 intermediate (4 bytes a parameter: 540 MB for 135 M), and
the process peaks near two fp32 copies of the model plus the libraries.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from foundry_bench.core.imports.errors import ImportFailure
from foundry_bench.core.imports.protocol import Precision
from foundry_bench.core.imports.sources import ImportSource

INSTALL_HINT = (
    'pip install "foundry-bench[convert]" (from a source checkout: pip install -e ".[convert]"; '
    "on Linux install the CPU build of torch 2.13.0 first, or pip fetches a multi-GB CUDA one)"
)
# Module -> the package that provides it (as named in the [convert] extra).
TOOLS = {
    "torch": "torch",
    "transformers": "transformers",
    "safetensors": "safetensors",
    "onnx": "onnx",
    "onnx_ir": "onnx-ir",
    "onnxruntime_genai": "onnxruntime-genai",
}
GGUF_TOOLS = {"gguf": "gguf", "accelerate": "accelerate"}

BYTES_PER_PARAMETER: dict[Precision, float] = {"int4": 0.75, "fp16": 2.0, "fp32": 4.0}
_SCRATCH_MB = 64.0
_LIBRARIES_MB = 900.0  # torch + transformers + the builder, imported and warmed up
_MARGIN = 1.25
_MB = 1_000_000


@dataclass(frozen=True)
class Needs:
    disk_mb: float
    memory_mb: float


def missing_tools(kind: str) -> list[str]:
    """Packages of the [convert] extra that this Python cannot import (none if all there)."""
    wanted = TOOLS | (GGUF_TOOLS if kind == "gguf" else {})
    missing = []
    for module, package in wanted.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(package)
    return missing


def require_tools(kind: str) -> None:
    if getattr(sys, "frozen", False):
        raise ImportFailure(
            "the packaged app cannot convert models (the tools weigh about a gigabyte); "
            "install foundry-bench with Python and run: " + INSTALL_HINT
        )
    missing = missing_tools(kind)
    if missing:
        raise ImportFailure(
            f"the conversion tools are not installed (missing: {', '.join(missing)}); "
            f"install them with: {INSTALL_HINT}"
        )


def estimate(source: ImportSource, precision: Precision) -> Needs:
    params = source.parameters
    output = params * BYTES_PER_PARAMETER[precision]
    # The builder's own scratch (an unquantized graph, its cache, the log): a floor for tiny
    # models (measured: a 172 K-parameter folder fills 4 MB) and fp32 weights for large ones.
    work = _SCRATCH_MB * _MB + params * 4.0
    if source.kind == "gguf":
        work += params * 4.0  # the fp32 Hugging Face intermediate
        if source.archive_member:
            work += source.size_bytes  # the GGUF unpacked from its archive
    memory = _LIBRARIES_MB * _MB + params * 4.0 * (2 if source.kind == "gguf" else 1.5)
    memory += output
    return Needs(disk_mb=(output + work) * _MARGIN / _MB, memory_mb=memory * _MARGIN / _MB)


def require_room(needs: Needs, folder: Path, available_memory_mb: float | None) -> None:
    """``ImportFailure`` when ``folder``'s disk or the machine's memory is short."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free_mb = shutil.disk_usage(probe).free / _MB
    if free_mb < needs.disk_mb:
        raise ImportFailure(
            f"not enough disk space in {probe}: the import needs about {_size(needs.disk_mb)} "
            f"and {_size(free_mb)} is free"
        )
    if available_memory_mb is not None and available_memory_mb < needs.memory_mb:
        raise ImportFailure(
            f"not enough memory: the conversion needs about {_size(needs.memory_mb)} and "
            f"{_size(available_memory_mb)} is available (close other programs and try again)"
        )


def available_memory_mb() -> float | None:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is a declared dependency
        return None
    return float(psutil.virtual_memory().available) / _MB


def _size(mb: float) -> str:
    return f"{mb / 1000:.1f} GB" if mb >= 1000 else f"{mb:.0f} MB"
