"""``prompts.json``: the prompts of a benchmark.

A list of strings and/or objects ``{"id", "text", "aspects", "system", "max_tokens",
"checks"}`` (``text`` required; ``checks``: ``core.config.checks``), or ``{"schema_version":
1, "prompts": [...]}``. A prompt without an ``id`` gets ``p<position>`` (``p1``, ``p2``, ...
in file order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundry_bench.core.config._common import (
    Ctx,
    check_id,
    check_optional_text,
    check_string_list,
    check_text,
    describe,
    json_field,
    preview,
    read_json,
    unwrap,
)
from foundry_bench.core.config.checks import Check, parse_checks
from foundry_bench.core.config.loading import Loaded

PROMPT_FIELDS = ("id", "text", "aspects", "system", "max_tokens", "checks")


@dataclass(frozen=True)
class PromptSpec:
    """One prompt: its id, text, expected aspects of a good answer and per-prompt settings."""

    id: str
    text: str
    aspects: tuple[str, ...] = ()
    system: str | None = None
    max_tokens: int | None = None
    checks: tuple[Check, ...] = ()  # automatic checks of each answer (core.config.checks)

    def to_dict(self) -> dict[str, Any]:
        """The prompt as ``results.json`` stores it (and ``parse_prompts`` reads it back)."""
        data: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "aspects": list(self.aspects),
            "system": self.system,
            "max_tokens": self.max_tokens,
        }
        if self.checks:
            data["checks"] = [c.to_dict() for c in self.checks]
        return data


def load_prompts(path: Path) -> Loaded[PromptSpec]:
    """Read and validate ``prompts.json``; raises :class:`ConfigError`."""
    path = Path(path)
    return parse_prompts(read_json(path, 'a list of prompts, like ["Say hello."]'), path)


def parse_prompts(data: object, source: Path) -> Loaded[PromptSpec]:
    """Validate an already parsed ``prompts.json`` (``source`` names it in messages)."""
    ctx = Ctx(source)
    items, list_path = unwrap(ctx, data, "prompts", "prompts", '["Say hello."]')
    if not items:
        ctx.fail(list_path, 'no prompts: add at least one, like ["Say hello."]')
    prompts: list[PromptSpec] = []
    used_by: dict[str, str] = {}
    for i, item in enumerate(items):
        json_path = f"{list_path}[{i}]"
        prompt = _parse_prompt(ctx, item, json_path, f"p{i + 1}")
        if prompt.id in used_by:
            explicit = isinstance(item, Mapping) and item.get("id") is not None
            if explicit:
                ctx.fail(
                    json_field(json_path, "id"),
                    f"duplicate prompt id {preview(prompt.id)} (also used by {used_by[prompt.id]})",
                )
            ctx.fail(
                json_path,
                f"this prompt's automatic id {preview(prompt.id)} (from its position) is "
                f'already used by {used_by[prompt.id]}; give this prompt an explicit "id"',
            )
        used_by[prompt.id] = json_path
        prompts.append(prompt)
    return Loaded(prompts, ctx.warnings)


def _parse_prompt(ctx: Ctx, item: object, json_path: str, default_id: str) -> PromptSpec:
    if isinstance(item, str):
        return PromptSpec(id=default_id, text=check_text(ctx, item, json_path, "prompt text"))
    if not isinstance(item, Mapping):
        ctx.fail(
            json_path,
            f'a prompt must be a string or an object with "text", not {describe(item)}',
        )
    ctx.check_duplicates(item, json_path)
    ctx.warn_unknown(item, json_path, PROMPT_FIELDS)
    if item.get("text") is None:
        ctx.fail(json_path, 'the prompt has no "text"')
    text = check_text(ctx, item["text"], json_field(json_path, "text"), "text")
    raw_id = item.get("id")
    prompt_id = (
        default_id
        if raw_id is None
        else check_id(ctx, raw_id, json_field(json_path, "id"), "prompt id")
    )
    return PromptSpec(
        id=prompt_id,
        text=text,
        aspects=check_string_list(
            ctx, item.get("aspects"), json_field(json_path, "aspects"), "aspects", "each aspect"
        ),
        system=check_optional_text(ctx, item, "system", json_path),
        max_tokens=_check_max_tokens(
            ctx, item.get("max_tokens"), json_field(json_path, "max_tokens")
        ),
        checks=parse_checks(ctx, item.get("checks"), json_field(json_path, "checks")),
    )


def _check_max_tokens(ctx: Ctx, value: object, json_path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "a whole number" if isinstance(value, float) else describe(value)
        ctx.fail(json_path, f"max_tokens must be a whole number of tokens (1 or more), not {kind}")
    if value <= 0:
        ctx.fail(json_path, f"max_tokens must be 1 or more, not {value}")
    return value
