"""Hardware variants: which device and execution provider a model runs on.

A catalog variant names its device (CPU/GPU/NPU) and execution provider in its info. A
bring-your-own folder says it in ``genai_config.json``: the decoder's ``provider_options``
list the providers ONNX Runtime GenAI appends; none means the CPU.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from foundry_bench.core.config._common import read_json
from foundry_bench.core.config.loading import ConfigError
from foundry_bench.core.run.model_entry import ModelEntry

CPU = ("CPU", "CPUExecutionProvider")

#: genai_config provider key -> (device, execution provider)
_GENAI_PROVIDERS = {
    "cuda": ("GPU", "CUDAExecutionProvider"),
    "dml": ("GPU", "DmlExecutionProvider"),
    "webgpu": ("GPU", "WebGpuExecutionProvider"),
    "nvtensorrtrtx": ("GPU", "NvTensorRTRTXExecutionProvider"),
    "qnn": ("NPU", "QNNExecutionProvider"),
    "vitisai": ("NPU", "VitisAIExecutionProvider"),
    "openvino": ("GPU", "OpenVINOExecutionProvider"),
}


def folder_device(folder: Path) -> tuple[str, str] | None:
    """(device, execution provider) from a model folder's ``genai_config.json``, or None when
    the file cannot be read or names a provider this table does not know."""
    try:
        config: Any = read_json(folder / "genai_config.json", "a JSON object")
        options = config["model"]["decoder"]["session_options"].get("provider_options", [])
    except (ConfigError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(options, list):
        return None
    for option in options:
        if isinstance(option, dict):
            for key, value in option.items():
                found = _GENAI_PROVIDERS.get(str(key).lower())
                if found is None:
                    return None
                # OpenVINO runs on what its options say (CPU, GPU or NPU).
                device = value.get("device_type") if isinstance(value, dict) else None
                if isinstance(device, str) and device.upper() in ("CPU", "GPU", "NPU"):
                    return device.upper(), found[1]
                return found
    return CPU


def entry_device(entry: ModelEntry) -> tuple[str | None, str | None]:
    """What a model entry runs on: the catalog's word, else its folder's, else unknown."""
    if entry.device:
        return entry.device.upper(), entry.execution_provider or None
    if entry.path:
        found = folder_device(Path(entry.path))
        if found is not None:
            return found
    return None, entry.execution_provider or None


def select_variant(entries: list[ModelEntry], name: str, device: str | None) -> ModelEntry | None:
    """The variant ``name`` (an id or an alias) means on ``device`` (cpu/gpu/npu), among the
    models known here; None when there is none. Without a device, the id itself."""
    if device is None:
        return next((e for e in entries if e.id == name), None)
    wanted = device.upper()
    candidates = [e for e in entries if name in (e.id, e.alias)]
    return next((e for e in candidates if entry_device(e)[0] == wanted), None)


def variant_devices(entries: list[ModelEntry], name: str) -> list[str]:
    """The devices ``name``'s variants run on here (for a message saying what exists)."""
    found = {entry_device(e)[0] for e in entries if name in (e.id, e.alias)}
    return sorted(d.lower() for d in found if d)
