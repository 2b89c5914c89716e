"""The metadata and tensor table of a GGUF file, read without the ``gguf`` package.

Detecting a source must work before the conversion tools are installed (to say what to
install), and must be fast on a multi-GB file: only the header is read. Every length in the
header comes from the file, so each one is bounded before it is used; a file that ends early
(a truncated download) is found by comparing the tensor table with the file's size.
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
# Bounds on what a header may claim; real files are far below them.
MAX_STRING_BYTES = 64 * 1024 * 1024  # a tokenizer's merges can be long, never this long
MAX_ARRAY_ITEMS = 16 * 1024 * 1024
MAX_KEYS = 100_000
MAX_TENSORS = 1_000_000
MAX_DIMS = 8

# ggml tensor types: (elements per block, bytes per block), from gguf's GGML_QUANT_SIZES.
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18),
    3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24),
    8: ("Q8_0", 32, 34),
    9: ("Q8_1", 32, 40),
    10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66),
    17: ("IQ2_XS", 256, 74),
    18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50),
    20: ("IQ4_NL", 32, 18),
    21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17),
}

# Value types of the key/value section: struct format of the scalars, 8 string, 9 array.
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q"}
_SCALARS |= {11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


class GGUFError(ValueError):
    """The file is not a GGUF file, or its header is damaged; the message says which."""


@dataclass(frozen=True)
class Tensor:
    name: str
    shape: tuple[int, ...]
    type_id: int
    offset: int

    @property
    def elements(self) -> int:
        count = 1
        for dim in self.shape:
            count *= dim
        return count

    def nbytes(self) -> int | None:
        kind = GGML_TYPES.get(self.type_id)
        if kind is None:
            return None
        _name, block, size = kind
        return self.elements // block * size


@dataclass(frozen=True)
class GGUFHeader:
    version: int
    metadata: dict[str, Any]
    tensors: list[Tensor] = field(default_factory=list)
    data_offset: int = 0

    def text(self, key: str) -> str | None:
        value = self.metadata.get(key)
        return value if isinstance(value, str) and value.strip() else None

    @property
    def parameters(self) -> int:
        return sum(t.elements for t in self.tensors)

    @property
    def quantization(self) -> str | None:
        """The ggml type holding most of the weights (``Q4_1``), as llama.cpp names files."""
        weights: Counter[int] = Counter()
        for tensor in self.tensors:
            weights[tensor.type_id] += tensor.elements
        if not weights:
            return None
        type_id = weights.most_common(1)[0][0]
        return GGML_TYPES.get(type_id, (f"type {type_id}", 0, 0))[0]


class _Reader:
    def __init__(self, fh: BinaryIO, path: Path) -> None:
        self._fh = fh
        self._path = path

    def take(self, count: int) -> bytes:
        data = self._fh.read(count)
        if len(data) != count:
            raise GGUFError(f"{self._path}: the file ends inside its header (truncated?)")
        return data

    def scalar(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        length = self.scalar("<Q")
        if length > MAX_STRING_BYTES:
            raise GGUFError(f"{self._path}: a header string claims {length} bytes (damaged?)")
        return self.take(length).decode("utf-8", errors="replace")

    def value(self, type_id: int, depth: int = 0) -> Any:
        if type_id in _SCALARS:
            return self.scalar(_SCALARS[type_id])
        if type_id == _STRING:
            return self.string()
        if type_id == _ARRAY and depth == 0:
            item_type = self.scalar("<I")
            count = self.scalar("<Q")
            if count > MAX_ARRAY_ITEMS:
                raise GGUFError(f"{self._path}: a header array claims {count} items (damaged?)")
            if item_type in _SCALARS:
                # Token tables hold ~100k items: skip them in one read, keep only the count.
                self.take(count * struct.calcsize(_SCALARS[item_type]))
                return count
            return [self.value(item_type, depth + 1) for _ in range(count)]
        raise GGUFError(f"{self._path}: unknown metadata value type {type_id} (damaged?)")

    def tell(self) -> int:
        return self._fh.tell()


def read_header(path: Path) -> GGUFHeader:
    """The header of ``path``; ``GGUFError`` when it is not GGUF, damaged or truncated."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            return read_header_from(fh, size, path)
    except OSError as exc:
        raise GGUFError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def read_header_from(fh: BinaryIO, size: int, name: Path) -> GGUFHeader:
    """The header of a GGUF stream of ``size`` bytes (a file, or a member of an archive)."""
    header = _parse(_Reader(fh, name), name)
    _check_complete(header, size, name)
    return header


def _parse(reader: _Reader, path: Path) -> GGUFHeader:
    if reader.take(4) != MAGIC:
        raise GGUFError(f"{path}: not a GGUF file (it does not start with 'GGUF')")
    version = reader.scalar("<I")
    if version not in (2, 3):
        raise GGUFError(f"{path}: GGUF version {version} is not supported (2 or 3 are)")
    tensor_count = reader.scalar("<Q")
    kv_count = reader.scalar("<Q")
    if kv_count > MAX_KEYS or tensor_count > MAX_TENSORS:
        raise GGUFError(f"{path}: the header claims {kv_count} keys and {tensor_count} tensors")
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = reader.string()
        metadata[key] = reader.value(reader.scalar("<I"))
    tensors = []
    for _ in range(tensor_count):
        name = reader.string()
        n_dims = reader.scalar("<I")
        if n_dims > MAX_DIMS:
            raise GGUFError(f"{path}: tensor {name!r} claims {n_dims} dimensions")
        shape = tuple(reader.scalar("<Q") for _ in range(n_dims))
        tensors.append(Tensor(name, shape, reader.scalar("<I"), reader.scalar("<Q")))
    alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or alignment <= 0:
        alignment = DEFAULT_ALIGNMENT
    end = reader.tell()
    data_offset = end + (-end % alignment)
    return GGUFHeader(version, metadata, tensors, data_offset)


def _check_complete(header: GGUFHeader, size: int, path: Path) -> None:
    needed = header.data_offset
    for tensor in header.tensors:
        nbytes = tensor.nbytes()
        needed = max(needed, header.data_offset + tensor.offset + (nbytes or 0))
    if needed > size:
        raise GGUFError(
            f"{path}: truncated: its tensors need {needed:,} bytes but the file has {size:,} "
            "(an interrupted download? fetch it again)"
        )
