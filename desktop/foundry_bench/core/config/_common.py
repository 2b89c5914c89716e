"""What the config file readers share: reading JSON, the JSON-path context, field checks.

Fields a reader does not know are not errors but warnings (they are most often typos),
returned with the items in :class:`~foundry_bench.core.config.loading.Loaded`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from foundry_bench.core.config.loading import CONTROL, ConfigError, printable
from foundry_bench.core.jsonfile import JsonFileError, read_json_file

SCHEMA_VERSION = 1
# Sample keys are ``model|prompt_id|round``; an id holding the separator would make them ambiguous.
KEY_SEPARATOR = "|"


_PREVIEW_CHARS = 40
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


# ---------------------------------------------------------------------------------------------
# Loading files


class _JsonObject(dict[str, Any]):
    """A parsed JSON object that remembers keys given more than once (the last value wins)."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = _JsonObject(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dups: list[str] = []
        for key, _ in pairs:
            if key in seen and key not in dups:
                dups.append(key)
            seen.add(key)
        obj.duplicates = tuple(dups)
    return obj


def read_json(path: Path, expected: str) -> object:
    """A config file's JSON (keys given twice remembered), read by the app's one JSON reader."""
    try:
        return read_json_file(path, expected, object_pairs_hook=_object_pairs)
    except JsonFileError as exc:
        raise ConfigError(path, exc.problem, line=exc.line, column=exc.column) from None


# ---------------------------------------------------------------------------------------------
# Validation of parsed JSON


class Ctx:
    def __init__(self, source: Path) -> None:
        self.source = Path(source)
        self.warnings: list[str] = []

    def fail(self, json_path: str, problem: str) -> NoReturn:
        raise ConfigError(self.source, problem, json_path=json_path)

    def warn(self, json_path: str, message: str) -> None:
        self.warnings.append(printable(f"{self.source}: {json_path}: {message}"))

    def check_duplicates(
        self, obj: Mapping[Any, Any], json_path: str, *, model_ids: bool = False
    ) -> None:
        dups: tuple[str, ...] = getattr(obj, "duplicates", ())
        if not dups:
            return
        if model_ids:
            self.fail(
                f"{json_path}[{preview(dups[0])}]",
                f"model id {preview(dups[0])} is listed more than once",
            )
        self.fail(json_field(json_path, dups[0]), "this key appears more than once in the object")

    def warn_unknown(self, obj: Mapping[Any, Any], json_path: str, known: Sequence[str]) -> None:
        for key in obj:
            if key in known:
                continue
            hint = ""
            if isinstance(key, str):
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                if close:
                    hint = f" (did you mean {close[0]!r}?)"
                name = repr(key if len(key) <= _PREVIEW_CHARS else key[:_PREVIEW_CHARS] + "…")
            else:
                name = repr(key)
            self.warn(json_path, f"unknown field {name}{hint}")


def preview(value: object) -> str:
    if isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)
        if len(shown) > _PREVIEW_CHARS:
            shown = shown[: _PREVIEW_CHARS - 2] + '…"'
        return printable(shown)
    return repr(value)


def describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {preview(value)}"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def json_field(parent: str, name: str) -> str:
    if IDENTIFIER.match(name):
        return f"{parent}.{name}"
    return f"{parent}[{preview(name)}]"


def check_text(ctx: Ctx, value: object, json_path: str, what: str) -> str:
    """A string that is not empty or only white space."""
    if not isinstance(value, str):
        ctx.fail(json_path, f"{what} must be a string, not {describe(value)}")
    if not value.strip():
        ctx.fail(json_path, f"{what} must not be empty")
    if printable(value) != value:
        ctx.fail(json_path, f"{what} holds an invalid Unicode escape (a lone surrogate)")
    return value


def check_optional_text(ctx: Ctx, obj: Mapping[str, Any], name: str, json_path: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    return check_text(ctx, value, json_field(json_path, name), name)


def check_id(ctx: Ctx, value: object, json_path: str, what: str) -> str:
    ident = check_text(ctx, value, json_path, what)
    if ident != ident.strip():
        ctx.fail(json_path, f"{what} {preview(ident)} has leading or trailing spaces")
    if KEY_SEPARATOR in ident:
        ctx.fail(
            json_path,
            f"{what} {preview(ident)} must not contain {KEY_SEPARATOR!r} "
            "(it separates the parts of a sample key)",
        )
    if CONTROL.search(ident):
        ctx.fail(json_path, f"{what} {preview(ident)} must not contain control characters")
    return ident


def check_string_list(
    ctx: Ctx, value: object, json_path: str, what: str, item_what: str
) -> tuple[str, ...]:
    """A list of non-empty strings, duplicates dropped (first kept); null is the empty list."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        ctx.fail(json_path, f"{what} must be a list of strings, not {describe(value)}")
    out: list[str] = []
    for i, item in enumerate(value):
        text = check_text(ctx, item, f"{json_path}[{i}]", item_what)
        if text not in out:
            out.append(text)
    return tuple(out)


def check_schema_version(ctx: Ctx, value: object, json_path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        ctx.fail(json_path, f"schema_version must be {SCHEMA_VERSION}, not {describe(value)}")
    if value != SCHEMA_VERSION:
        newer = " (the file is from a newer version of the app)" if value > SCHEMA_VERSION else ""
        ctx.fail(
            json_path,
            f"schema_version {value} is not supported; this app reads {SCHEMA_VERSION}{newer}",
        )


def unwrap(
    ctx: Ctx, data: object, list_key: str, what: str, example: str
) -> tuple[Sequence[Any], str]:
    """The list of a prompts or rubric file, and its JSON path (``$`` or ``$.<list_key>``)."""
    if isinstance(data, list | tuple):
        return data, "$"
    if not isinstance(data, Mapping):
        ctx.fail(
            "$",
            f"expected a list of {what} (or an object with a {list_key!r} list), "
            f"like {example}; got {describe(data)}",
        )
    ctx.check_duplicates(data, "$")
    if list_key not in data:
        hint = ""
        if data and all(isinstance(v, Mapping) for v in data.values()):
            hint = " (is this a models file?)"
        ctx.fail("$", f"expected a list of {what}, or an object with a {list_key!r} list{hint}")
    if "schema_version" in data:
        check_schema_version(ctx, data["schema_version"], "$.schema_version")
    ctx.warn_unknown(data, "$", ("schema_version", list_key))
    items = data[list_key]
    json_path = f"$.{list_key}"
    if not isinstance(items, list | tuple):
        ctx.fail(json_path, f"{list_key} must be a list of {what}, not {describe(items)}")
    return items, json_path


# ---------------------------------------------------------------------------------------------
# models.json


# ---------------------------------------------------------------------------------------------
# prompts.json


# ---------------------------------------------------------------------------------------------
# rubric.json


# ---------------------------------------------------------------------------------------------
# Criteria for a run
