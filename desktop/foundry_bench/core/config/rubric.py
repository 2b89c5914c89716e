"""``rubric.json``: the criteria people score answers on (1-5), plus each prompt's aspects.

``[{"id", "label", "description"}]`` (a plain string is an id) or
``{"schema_version": 1, "criteria": [...]}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundry_bench.core.config._common import (
    Ctx,
    check_id,
    check_optional_text,
    describe,
    json_field,
    preview,
    read_json,
    unwrap,
)
from foundry_bench.core.config.loading import Loaded, printable
from foundry_bench.core.config.prompts import PromptSpec

CRITERION_FIELDS = ("id", "label", "description")


ASPECT_PREFIX = "aspect:"


@dataclass(frozen=True)
class Criterion:
    """A rubric criterion that answers are scored on, 1 to 5."""

    id: str
    label: str
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "description": self.description}


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "correctness", "Correctness", "Facts, numbers and reasoning are right; nothing is made up."
    ),
    Criterion("completeness", "Completeness", "Covers everything the prompt asked for."),
    Criterion("clarity", "Clarity", "Easy to follow: well organised, in plain words."),
    Criterion("conciseness", "Conciseness", "No padding, repetition or off-topic text."),
)


def load_rubric(path: Path | None) -> Loaded[Criterion]:
    """Read and validate ``rubric.json``; ``None`` gives :data:`DEFAULT_CRITERIA`."""
    if path is None:
        return Loaded(list(DEFAULT_CRITERIA), [])
    path = Path(path)
    expected = 'a list of criteria, like [{"id": "correctness", "label": "Correctness"}]'
    return parse_rubric(read_json(path, expected), path)


def parse_rubric(data: object, source: Path) -> Loaded[Criterion]:
    """Validate an already parsed ``rubric.json`` (``source`` names it in messages)."""
    ctx = Ctx(source)
    example = '[{"id": "correctness", "label": "Correctness"}]'
    items, list_path = unwrap(ctx, data, "criteria", "criteria", example)
    if not items:
        ctx.fail(list_path, f"no criteria: add at least one, like {example}")
    criteria: list[Criterion] = []
    used_by: dict[str, str] = {}
    for i, item in enumerate(items):
        json_path = f"{list_path}[{i}]"
        criterion = _parse_criterion(ctx, item, json_path)
        if criterion.id in used_by:
            id_path = json_path if isinstance(item, str) else json_field(json_path, "id")
            ctx.fail(
                id_path,
                f"duplicate criterion id {preview(criterion.id)} "
                f"(also used by {used_by[criterion.id]})",
            )
        used_by[criterion.id] = json_path
        criteria.append(criterion)
    return Loaded(criteria, ctx.warnings)


def _parse_criterion(ctx: Ctx, item: object, json_path: str) -> Criterion:
    if isinstance(item, str):
        ident = _check_criterion_id(ctx, item, json_path)
        return Criterion(ident, _label_from_id(ident))
    if not isinstance(item, Mapping):
        ctx.fail(
            json_path,
            f'a criterion must be an object with an "id" (or an id string), not {describe(item)}',
        )
    ctx.check_duplicates(item, json_path)
    ctx.warn_unknown(item, json_path, CRITERION_FIELDS)
    if item.get("id") is None:
        ctx.fail(json_path, 'the criterion has no "id"')
    ident = _check_criterion_id(ctx, item["id"], json_field(json_path, "id"))
    label = check_optional_text(ctx, item, "label", json_path)
    description = item.get("description")
    if description is not None and not isinstance(description, str):
        ctx.fail(
            json_field(json_path, "description"),
            f"description must be a string, not {describe(description)}",
        )
    return Criterion(ident, label or _label_from_id(ident), printable(description or ""))


def _check_criterion_id(ctx: Ctx, value: object, json_path: str) -> str:
    ident = check_id(ctx, value, json_path, "criterion id")
    if ident.startswith(ASPECT_PREFIX):
        ctx.fail(
            json_path,
            f"criterion id {preview(ident)} must not start with {ASPECT_PREFIX!r} "
            "(reserved for the prompts' aspects)",
        )
    return ident


def _label_from_id(ident: str) -> str:
    words = re.sub(r"[_\-]+", " ", ident).strip()
    return words[:1].upper() + words[1:] if words else ident


def aspect_id(aspect: str) -> str:
    """The criterion id of a prompt aspect: ``aspect:<slug>``."""
    slug = re.sub(r"[\W_]+", "-", aspect.casefold()).strip("-")
    if not slug:
        slug = "-".join(f"{ord(c):x}" for c in aspect.strip()) or "blank"
    return ASPECT_PREFIX + slug


def criteria_for(rubric: list[Criterion], prompts: list[PromptSpec]) -> list[Criterion]:
    """The rubric's criteria, then one per distinct prompt aspect (``aspect:<slug>``).

    An aspect shared by several prompts (same slug) is one criterion; its description names
    the prompts that expect it.
    """
    out: list[Criterion] = []
    seen: set[str] = set()
    for criterion in rubric:
        if criterion.id not in seen:
            seen.add(criterion.id)
            out.append(criterion)
    labels: dict[str, str] = {}
    prompt_ids: dict[str, list[str]] = {}
    for prompt in prompts:
        for aspect in prompt.aspects:
            ident = aspect_id(aspect)
            if ident in seen:
                continue
            labels.setdefault(ident, aspect.strip())
            ids = prompt_ids.setdefault(ident, [])
            if prompt.id not in ids:
                ids.append(prompt.id)
    for ident, label in labels.items():
        out.append(Criterion(ident, label, "Expected aspect of " + _prompt_list(prompt_ids[ident])))
    return out


def _prompt_list(ids: list[str]) -> str:
    return ("prompt " if len(ids) == 1 else "prompts ") + ", ".join(ids)
