"""A model folder in ONNX Runtime GenAI format: the checks before registering it, and its size.

Registration is "bring your own model": the runtime reads the folder where it is, so a folder
that would fail to load is refused here with a message naming what is missing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from foundry_bench.core.run.runtime_errors import ModelFolderError, RuntimeFailure

MODEL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*:[0-9]+$")


def validate_model_id(model_id: str) -> None:
    if not MODEL_ID_RE.match(model_id):
        raise RuntimeFailure(
            f"model id {model_id!r} is not of the form NAME:VERSION "
            "(letters, digits, '.', '_' or '-', then ':' and a number, e.g. my-model:1)"
        )


def validate_model_folder(folder: Path) -> None:
    """Check that ``folder`` is an ONNX Runtime GenAI chat model before the runtime sees it."""
    if not folder.exists():
        raise ModelFolderError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ModelFolderError(f"{folder}: is a file; choose the model's folder instead")
    config_path = folder / "genai_config.json"
    if not config_path.is_file():
        raise ModelFolderError(
            f"{folder}: no genai_config.json; this is not an ONNX Runtime GenAI model folder"
        )
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFolderError(f"{config_path}: not valid JSON ({exc})") from exc
    decoder = config.get("model", {}).get("decoder", {}) if isinstance(config, dict) else {}
    filename = decoder.get("filename") if isinstance(decoder, dict) else None
    if not isinstance(filename, str) or not (folder / filename).is_file():
        raise ModelFolderError(
            f"{config_path}: model.decoder.filename {filename!r} does not name a file in the folder"
        )
    if not (folder / "tokenizer.json").is_file():
        raise ModelFolderError(f"{folder}: no tokenizer.json")
    if not _has_chat_template(folder):
        raise ModelFolderError(
            f"{folder}: no chat template (chat_template.jinja, or 'chat_template' in "
            "tokenizer_config.json); the runtime cannot build a chat prompt without one"
        )


def _has_chat_template(folder: Path) -> bool:
    if (folder / "chat_template.jinja").is_file():
        return True
    tok_config = folder / "tokenizer_config.json"
    if not tok_config.is_file():
        return False
    try:
        data = json.loads(tok_config.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and bool(data.get("chat_template"))


def folder_size_mb(path: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                continue
    return total / 1_000_000


def license_of(folder: Path) -> str | None:
    for name in ("MODEL_CARD.md", "README.md"):
        card = folder / name
        if card.is_file():
            text = card.read_text(encoding="utf-8")
            # "license: MIT" front matter, or a "- License: MIT (...)" line of a model card.
            match = re.search(r"^[-*\s]*\**license\**:\s*\**\s*([\w.+-]+)", text, re.M | re.I)
            if match:
                return match.group(1)
    return None
