"""Small import sources written byte by byte: GGUF files and Hugging Face folders.

The GGUF writer follows the format (magic, version 3, key/values, tensor table, aligned
data), so the reader under test sees what llama.cpp's tools write; the Hugging Face folder has
a real safetensors file (8-byte header length, JSON header, raw little-endian data) and the
demo model's real tokenizer.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path
from typing import Any

import numpy as np

from foundry_bench.core.paths import demo_model_dir

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
F32, Q4_1 = 0, 3


def _string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _value(value: Any) -> bytes:
    if isinstance(value, str):
        return struct.pack("<I", 8) + _string(value)
    if isinstance(value, bool):
        return struct.pack("<I?", 7, value)
    if isinstance(value, int):
        return struct.pack("<II", 4, value)
    if isinstance(value, float):
        return struct.pack("<If", 6, value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return struct.pack("<IIQ", 9, 8, len(value)) + b"".join(_string(v) for v in value)
    if isinstance(value, list):
        return struct.pack("<IIQ", 9, 5, len(value)) + b"".join(struct.pack("<i", v) for v in value)
    raise TypeError(value)


def gguf_bytes(
    *,
    architecture: str | None = "llama",
    chat_template: str | None = CHATML,
    license_name: str | None = "apache-2.0",
    tokenizer: bool = True,
    layers: int = 2,
    hidden: int = 64,
) -> bytes:
    """A small GGUF: metadata as a llama.cpp conversion writes it, and per-layer tensors."""
    meta: dict[str, Any] = {"general.name": "tiny test model"}
    if architecture is not None:
        meta["general.architecture"] = architecture
        meta[f"{architecture}.block_count"] = layers
    if license_name is not None:
        meta["general.license"] = license_name
    if tokenizer:
        meta["tokenizer.ggml.model"] = "gpt2"
        meta["tokenizer.ggml.tokens"] = ["a", "b", "c"]
        meta["tokenizer.ggml.token_type"] = [1, 1, 1]
    if chat_template is not None:
        meta["tokenizer.chat_template"] = chat_template
    tensors: list[tuple[str, tuple[int, ...], int, bytes]] = [
        ("token_embd.weight", (hidden, 3), F32, np.zeros(hidden * 3, "<f4").tobytes())
    ]
    for layer in range(layers):
        blocks = hidden * hidden // 32
        tensors.append(
            (f"blk.{layer}.attn_q.weight", (hidden, hidden), Q4_1, b"\x01" * 20 * blocks)
        )
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(meta)))
    for key, value in meta.items():
        out += _string(key) + _value(value)
    offset = 0
    offsets = []
    for _name, _shape, _type, data in tensors:
        offsets.append(offset)
        offset += len(data) + (-len(data) % 32)
    for (name, shape, type_id, _data), tensor_offset in zip(tensors, offsets, strict=True):
        out += _string(name) + struct.pack("<I", len(shape))
        out += b"".join(struct.pack("<Q", d) for d in shape) + struct.pack(
            "<IQ", type_id, tensor_offset
        )
    out += b"\x00" * (-len(out) % 32)
    for _name, _shape, _type, data in tensors:
        out += data + b"\x00" * (-len(data) % 32)
    return bytes(out)


def gguf_parameters(layers: int = 2, hidden: int = 64) -> int:
    return hidden * 3 + layers * hidden * hidden


def write_gguf(path: Path, **options: Any) -> Path:
    path.write_bytes(gguf_bytes(**options))
    return path


def safetensors_bytes(tensors: dict[str, np.ndarray]) -> bytes:
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    blobs, offset = [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header).encode("utf-8")
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


def tiny_llama_config(vocab: int, hidden: int = 64, layers: int = 2) -> dict[str, Any]:
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": hidden,
        "intermediate_size": hidden * 2,
        "num_hidden_layers": layers,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": hidden // 4,
        "vocab_size": vocab,
        "max_position_embeddings": 512,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "hidden_act": "silu",
        "tie_word_embeddings": True,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "torch_dtype": "float32",
    }


def tiny_llama_weights(config: dict[str, Any], seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights of the shapes transformers' Llama expects (small, so outputs stay finite)."""
    rng = np.random.default_rng(seed)
    hidden, inter = config["hidden_size"], config["intermediate_size"]
    head_dim = config["head_dim"]
    kv = config["num_key_value_heads"] * head_dim

    def w(*shape: int) -> np.ndarray:
        return rng.normal(0, 0.02, shape).astype("<f4")

    tensors = {"model.embed_tokens.weight": w(config["vocab_size"], hidden)}
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        tensors |= {
            p + "self_attn.q_proj.weight": w(hidden, hidden),
            p + "self_attn.k_proj.weight": w(kv, hidden),
            p + "self_attn.v_proj.weight": w(kv, hidden),
            p + "self_attn.o_proj.weight": w(hidden, hidden),
            p + "mlp.gate_proj.weight": w(inter, hidden),
            p + "mlp.up_proj.weight": w(inter, hidden),
            p + "mlp.down_proj.weight": w(hidden, inter),
            p + "input_layernorm.weight": np.ones(hidden, "<f4"),
            p + "post_attention_layernorm.weight": np.ones(hidden, "<f4"),
        }
    tensors["model.norm.weight"] = np.ones(hidden, "<f4")
    return tensors


def write_hf_folder(folder: Path, *, chat_template: bool = True, license_name: str = "mit") -> Path:
    """A tiny Llama checkpoint with the demo model's tokenizer: convertible for real."""
    folder.mkdir(parents=True, exist_ok=True)
    demo = demo_model_dir()
    shutil.copyfile(demo / "tokenizer.json", folder / "tokenizer.json")
    tok_config = json.loads((demo / "tokenizer_config.json").read_text(encoding="utf-8"))
    tok_config.pop("chat_template", None)
    if chat_template:
        tok_config["chat_template"] = CHATML
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_config), encoding="utf-8")
    vocab = len(json.loads((demo / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"])
    config = tiny_llama_config(vocab)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(safetensors_bytes(tiny_llama_weights(config)))
    (folder / "README.md").write_text(f"---\nlicense: {license_name}\n---\n# tiny\n", "utf-8")
    return folder


def hf_parameters(folder: Path) -> int:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return sum(int(np.prod(a.shape)) for a in tiny_llama_weights(config).values())
