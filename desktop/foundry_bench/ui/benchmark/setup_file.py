"""A benchmark setup as a file, and the checks a setup passes before a run starts.

No Qt here: the page reads and writes these files in a worker and calls :func:`problems` on
every edit. A setup file holds the models (in the ``models.json`` format), the prompts (in the
``prompts.json`` object format) and the run settings::

    {"schema_version": 1, "kind": "foundry-bench-setup",
     "models": {"phi-4-mini": {}}, "prompts": [{"id": "p1", "text": "..."}],
     "settings": {"rounds": 3, "warmup_rounds": 1, ...}}

Its models and prompts go through ``core.config``'s validation, so a setup file is exactly as
strict as the files the CLI reads.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from foundry_bench.core.config.loading import ConfigError
from foundry_bench.core.config.models import ModelSpec, parse_models
from foundry_bench.core.config.prompts import PromptSpec, parse_prompts
from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.jsonfile import JsonFileError, read_json_file
from foundry_bench.core.results.run_settings import (
    FIELD_LABELS,
    RunSettings,
    parse_run_settings,
    run_settings_problems,
)

SETUP_SCHEMA_VERSION = 1
SETUP_KIND = "foundry-bench-setup"

_INDEX = re.compile(r"^\$(?:\.prompts)?\[(\d+)\]\.?(.*)$")


@dataclass
class Setup:
    models: list[ModelSpec] = field(default_factory=list)
    prompts: list[PromptSpec] = field(default_factory=list)
    settings: RunSettings = field(default_factory=RunSettings)


class SetupError(ValueError):
    """A setup file that cannot be used; the message names the file, place and problem."""


def prompt_dict(prompt: PromptSpec) -> dict[str, Any]:
    """A prompt as ``prompts.json`` holds it, without empty optional fields."""
    out: dict[str, Any] = {"id": prompt.id, "text": prompt.text}
    if prompt.system:
        out["system"] = prompt.system
    if prompt.aspects:
        out["aspects"] = list(prompt.aspects)
    if prompt.max_tokens is not None:
        out["max_tokens"] = prompt.max_tokens
    return out


def prompts_json(prompts: list[PromptSpec]) -> str:
    data = {"schema_version": 1, "prompts": [prompt_dict(p) for p in prompts]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def setup_json(setup: Setup) -> str:
    data = {
        "schema_version": SETUP_SCHEMA_VERSION,
        "kind": SETUP_KIND,
        "models": {m.id: m.to_dict() for m in setup.models},
        "prompts": [prompt_dict(p) for p in setup.prompts],
        # The device label names the machine a run measures, not the setup: a setup file
        # shared with another machine must not label its runs as this one.
        "settings": {k: v for k, v in asdict(setup.settings).items() if k != "label"},
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_text(path: Path, text: str) -> Path:
    atomic_write_text(path, text)
    return path


def read_setup(path: Path) -> Setup:
    try:
        data = read_json_file(path, "a benchmark setup")
    except JsonFileError as exc:
        raise SetupError(str(exc)) from None
    return parse_setup(data, path)


def parse_setup(data: object, source: Path) -> Setup:
    if not isinstance(data, dict) or data.get("kind") != SETUP_KIND:
        raise SetupError(f'{source}: not a benchmark setup (no "kind": "{SETUP_KIND}")')
    version = data.get("schema_version")
    if version != SETUP_SCHEMA_VERSION:
        raise SetupError(f"{source}: $.schema_version {version!r} is not supported (expected 1)")
    raw_models = data.get("models") or {}
    raw_prompts = data.get("prompts") or []
    try:
        models = parse_models(raw_models, source).items if raw_models else []
    except ConfigError as exc:
        raise _inside(exc, source, "models") from None
    try:
        prompts = parse_prompts(raw_prompts, source).items if raw_prompts else []
    except ConfigError as exc:
        raise _inside(exc, source, "prompts") from None
    return Setup(models, prompts, _parse_settings(data.get("settings") or {}, source))


def _inside(exc: ConfigError, source: Path, key: str) -> SetupError:
    """core.config names places from the root of its own file; here that root is ``$.key``."""
    where = (exc.json_path or "$").replace("$", f"$.{key}", 1)
    return SetupError(f"{source}: {where}: {exc.problem}")


def _parse_settings(raw: object, source: Path) -> RunSettings:
    try:
        return parse_run_settings(raw, "$.settings")
    except ValueError as exc:
        raise SetupError(f"{source}: {exc}") from None


def _prompt_problem(exc: ConfigError) -> str:
    """``$[2].id: ...`` in a file is "prompt 3: id ..." in the page's prompt table."""
    match = _INDEX.match(exc.json_path or "")
    if not match:
        return f"Prompts: {exc.problem}"
    return f"Prompt {int(match.group(1)) + 1}: {exc.problem}"


def problems(
    models: list[ModelSpec], prompts: list[PromptSpec], settings: RunSettings
) -> list[str]:
    """What stops this setup from running, one line each (empty: ready to start)."""
    out: list[str] = []
    if not models:
        out.append("Pick at least one model (tick it in the list).")
    if not prompts:
        out.append("Add at least one prompt.")
    else:
        try:
            parse_prompts([prompt_dict(p) for p in prompts], Path("prompts"))
        except ConfigError as exc:
            out.append(_prompt_problem(exc))
    out += [f"{FIELD_LABELS[name]} {problem}." for name, problem in run_settings_problems(settings)]
    return out
