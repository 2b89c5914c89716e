"""``models.json``: the models of a benchmark and what is known of each.

``{"<model id or alias>": {"capabilities": [...], "size_mb": N, "license": "...",
"endpoint": "http(s)://...", "device": "cpu|gpu|npu", "notes": "..."}}`` (every field
optional, ``{}`` will do), plus an optional top-level ``"schema_version": 1``. ``device`` picks
the alias's variant for that device (a variant id picks one by itself).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from foundry_bench.core.config._common import (
    Ctx,
    check_id,
    check_optional_text,
    check_schema_version,
    check_string_list,
    check_text,
    describe,
    json_field,
    preview,
    read_json,
)
from foundry_bench.core.config.loading import CONTROL, Loaded

MODEL_FIELDS = ("capabilities", "size_mb", "license", "endpoint", "device", "notes")
DEVICES = ("cpu", "gpu", "npu")


@dataclass(frozen=True)
class ModelSpec:
    """One entry of ``models.json``: the model id (or catalog alias) and what is known of it."""

    id: str
    capabilities: tuple[str, ...] = ()
    size_mb: float | None = None
    license: str | None = None
    endpoint: str | None = None
    notes: str | None = None
    device: str | None = None  # cpu, gpu or npu: which variant of the alias

    def to_dict(self) -> dict[str, Any]:
        """The entry's value in ``models.json`` (without the id, which is its key)."""
        out: dict[str, Any] = {}
        if self.capabilities:
            out["capabilities"] = list(self.capabilities)
        for name in ("size_mb", "license", "endpoint", "device", "notes"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


def load_models(path: Path) -> Loaded[ModelSpec]:
    """Read and validate ``models.json``; raises :class:`ConfigError`."""
    path = Path(path)
    return parse_models(read_json(path, 'an object of models, like {"phi-4-mini": {}}'), path)


def parse_models(data: object, source: Path) -> Loaded[ModelSpec]:
    """Validate an already parsed ``models.json`` (``source`` names it in messages)."""
    ctx = Ctx(source)
    if not isinstance(data, Mapping):
        hint = " (is this a prompts file?)" if isinstance(data, list | tuple) else ""
        ctx.fail(
            "$",
            'expected an object that maps model ids to their details, like {"phi-4-mini": {}}; '
            f"got {describe(data)}{hint}",
        )
    ctx.check_duplicates(data, "$", model_ids=True)
    models: list[ModelSpec] = []
    for key, value in data.items():
        if not isinstance(key, str):
            ctx.fail("$", f"model ids must be strings, not {describe(key)}")
        if key == "schema_version":
            check_schema_version(ctx, value, "$.schema_version")
            continue
        json_path = f"$[{preview(key)}]"
        model_id = check_id(ctx, key, json_path, "model id")
        models.append(_parse_model(ctx, model_id, value, json_path))
    if not models:
        ctx.fail("$", 'no models: add at least one, like {"phi-4-mini": {}}')
    return Loaded(models, ctx.warnings)


def _parse_model(ctx: Ctx, model_id: str, value: object, json_path: str) -> ModelSpec:
    if not isinstance(value, Mapping):
        hint = ""
        if difflib.get_close_matches(model_id, ["schema_version"], n=1, cutoff=0.8):
            hint = ' (did you mean "schema_version"?)'
        ctx.fail(
            json_path,
            "expected an object with the model's details (every field is optional, so {} will "
            f"do), not {describe(value)}{hint}",
        )
    ctx.check_duplicates(value, json_path)
    ctx.warn_unknown(value, json_path, MODEL_FIELDS)
    capabilities = check_string_list(
        ctx,
        value.get("capabilities"),
        json_field(json_path, "capabilities"),
        "capabilities",
        "each capability",
    )
    return ModelSpec(
        id=model_id,
        capabilities=capabilities,
        size_mb=_check_size(ctx, value.get("size_mb"), json_field(json_path, "size_mb")),
        license=check_optional_text(ctx, value, "license", json_path),
        endpoint=_check_endpoint(ctx, value.get("endpoint"), json_field(json_path, "endpoint")),
        notes=check_optional_text(ctx, value, "notes", json_path),
        device=_check_device(ctx, value.get("device"), json_field(json_path, "device")),
    )


def _check_device(ctx: Ctx, value: object, json_path: str) -> str | None:
    if value is None:
        return None
    device = check_text(ctx, value, json_path, "device").lower()
    if device not in DEVICES:
        ctx.fail(json_path, f"device must be cpu, gpu or npu, not {preview(str(value))}")
    return device


def _check_size(ctx: Ctx, value: object, json_path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        ctx.fail(json_path, f"size_mb must be a number of megabytes, not {describe(value)}")
    try:
        size = float(value)
    except OverflowError:
        size = math.inf
    if not math.isfinite(size):
        ctx.fail(json_path, "size_mb must be a finite number of megabytes")
    if size < 0:
        ctx.fail(json_path, f"size_mb must not be negative, not {value!r}")
    return size


def _check_endpoint(ctx: Ctx, value: object, json_path: str) -> str | None:
    if value is None:
        return None
    url = check_text(ctx, value, json_path, "endpoint")
    problem = (
        "endpoint must be an http:// or https:// URL, like http://localhost:5273/v1, "
        f"not {preview(url)}"
    )
    if url != url.strip() or any(c.isspace() for c in url) or CONTROL.search(url):
        ctx.fail(json_path, problem)
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        ctx.fail(json_path, problem)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        ctx.fail(json_path, problem)
    return url
