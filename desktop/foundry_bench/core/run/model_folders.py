"""A model folder in ONNX Runtime GenAI format: the checks before registering it, and its size.

Registration is "bring your own model": the runtime reads the folder where it is, so a folder
that would fail to load is refused here with a message naming what is missing.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from foundry_bench.core.jsonfile import JsonFileError, read_json_file
from foundry_bench.core.run.runtime_errors import ModelFolderError, RuntimeFailure

_CARD_BYTES = 64 * 1024
MODEL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*:[0-9]+$")


def validate_model_id(model_id: str) -> None:
    if not MODEL_ID_RE.match(model_id):
        raise RuntimeFailure(
            f"model id {model_id!r} is not of the form NAME:VERSION "
            "(letters, digits, '.', '_' or '-', then ':' and a number, e.g. my-model:1)"
        )


def validate_model_folder(folder: Path) -> Path:
    """Check that ``folder`` is an ONNX Runtime GenAI chat model before the runtime sees it;
    the folder's resolved path, or ``ModelFolderError`` naming the file and the problem.

    Any file in the folder may be hostile or damaged: a symlink loop, a file that cannot be
    read, bytes that are not UTF-8, JSON of the wrong shape or nested a thousand deep.
    """
    try:
        folder = folder.expanduser().resolve(strict=True)
    except FileNotFoundError:
        raise ModelFolderError(f"{folder}: no such folder") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11)
        raise ModelFolderError(f"{folder}: cannot follow the path ({_reason(exc)})") from None
    if not folder.is_dir():
        raise ModelFolderError(f"{folder}: is a file; choose the model's folder instead")
    config_path = folder / "genai_config.json"
    if not _is_file(config_path):
        raise ModelFolderError(
            f"{folder}: no genai_config.json; this is not an ONNX Runtime GenAI model folder"
        )
    config = _read_json(config_path, "the model's runtime configuration")
    filename = _field(config, ("model", "decoder", "filename"))
    if not isinstance(filename, str) or not filename or not _is_file(folder / filename):
        raise ModelFolderError(
            f"{config_path}: model.decoder.filename {_shown(filename)} does not name a file "
            "in the folder"
        )
    if not _is_file(folder / "tokenizer.json"):
        raise ModelFolderError(f"{folder}: no tokenizer.json")
    if not _has_chat_template(folder):
        raise ModelFolderError(
            f"{folder}: no chat template (chat_template.jinja, or 'chat_template' in "
            "tokenizer_config.json); the runtime cannot build a chat prompt without one"
        )
    return folder


def _has_chat_template(folder: Path) -> bool:
    if _is_file(folder / "chat_template.jinja"):
        return True
    tok_config = folder / "tokenizer_config.json"
    if not _is_file(tok_config):
        return False
    data = _read_json(tok_config, "the tokenizer's configuration")
    return bool(_field(data, ("chat_template",)))


def _read_json(path: Path, expected: str) -> object:
    try:
        return read_json_file(path, expected)
    except JsonFileError as exc:
        raise ModelFolderError(str(exc)) from None


def _field(data: object, names: tuple[str, ...]) -> object:
    """``data[names[0]][names[1]]...``, or ``None`` where the JSON has another shape."""
    for name in names:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


def _is_file(path: Path) -> bool:
    """A regular file (through symlinks); false for loops, odd names and unreadable paths."""
    try:
        return path.is_file()
    except (OSError, ValueError):  # ValueError: a NUL in a name from the JSON
        return False


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return "a symbolic link loop"
    return getattr(exc, "strerror", None) or str(exc)


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
    """The license a model card names (``license: MIT`` front matter or a "License:" line).

    A card is free text of any encoding: bytes that are not UTF-8 are replaced, and a card
    that cannot be read is passed over; only its first part is read.
    """
    for name in ("MODEL_CARD.md", "README.md"):
        card = folder / name
        if not _is_file(card):
            continue
        try:
            with card.open("rb") as fh:
                text = fh.read(_CARD_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
        # "license: MIT" front matter, or a "- License: MIT (...)" line of a model card.
        match = re.search(r"^[-*\s]*\**license\**:\s*\**\s*([\w.+-]+)", text, re.M | re.I)
        if match:
            return match.group(1)
    return None
