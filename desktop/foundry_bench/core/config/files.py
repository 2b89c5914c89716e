"""The config files: ``models.json``, ``prompts.json`` and ``rubric.json``.

Formats are the contract of ``docs/design.md`` ("Files"):

- ``models.json``: ``{"<model id or alias>": {"capabilities": [...], "size_mb": N, "license":
  "...", "endpoint": "http(s)://...", "notes": "..."}}`` (every field optional, ``{}`` will do),
  plus an optional top-level ``"schema_version": 1``.
- ``prompts.json``: a list of strings and/or objects ``{"id", "text", "aspects", "system",
  "max_tokens"}`` (``text`` required), or ``{"schema_version": 1, "prompts": [...]}``. A prompt
  without an ``id`` gets ``p<position>`` (``p1``, ``p2``, ... in file order).
- ``rubric.json``: ``[{"id", "label", "description"}]`` (a plain string is an id) or
  ``{"schema_version": 1, "criteria": [...]}``.

Every problem raises :class:`ConfigError`, whose text is one line naming the file, the place in
it (a JSON path such as ``$[2].aspects[0]`` or ``$["phi-4-mini"].size_mb``, or a line and column
for a JSON syntax error) and the problem, so the CLI can print it as is and exit with 2. Fields
this module does not know are not errors but warnings (they are most often typos), returned
with the items in :class:`Loaded`.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, NoReturn, TypeVar
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_CRITERIA",
    "SCHEMA_VERSION",
    "ConfigError",
    "Criterion",
    "Loaded",
    "ModelSpec",
    "PromptSpec",
    "criteria_for",
    "load_models",
    "load_prompts",
    "load_rubric",
    "parse_models",
    "parse_prompts",
    "parse_rubric",
]

SCHEMA_VERSION = 1
# Sample keys are ``model|prompt_id|round``; an id holding the separator would make them ambiguous.
KEY_SEPARATOR = "|"
ASPECT_PREFIX = "aspect:"

MODEL_FIELDS = ("capabilities", "size_mb", "license", "endpoint", "notes")
PROMPT_FIELDS = ("id", "text", "aspects", "system", "max_tokens")
CRITERION_FIELDS = ("id", "label", "description")

_PREVIEW_CHARS = 40
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file that cannot be used. ``str(err)`` is one line: file, place, problem."""

    path: Path
    json_path: str | None
    problem: str
    line: int | None
    column: int | None

    def __init__(
        self,
        path: Path,
        problem: str,
        *,
        json_path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.json_path = json_path
        self.problem = problem
        self.line = line
        self.column = column
        where = [str(self.path)]
        if line is not None:
            where.append(f"line {line}, column {column}" if column is not None else f"line {line}")
        if json_path is not None:
            where.append(json_path)
        super().__init__(_printable(": ".join([*where, problem])))

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_error,
            (self.path, self.problem, self.json_path, self.line, self.column),
        )


def _rebuild_error(
    path: Path, problem: str, json_path: str | None, line: int | None, column: int | None
) -> ConfigError:
    return ConfigError(path, problem, json_path=json_path, line=line, column=column)


@dataclass(frozen=True)
class ModelSpec:
    """One entry of ``models.json``: the model id (or catalog alias) and what is known of it."""

    id: str
    capabilities: tuple[str, ...] = ()
    size_mb: float | None = None
    license: str | None = None
    endpoint: str | None = None
    notes: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The entry's value in ``models.json`` (without the id, which is its key)."""
        out: dict[str, Any] = {}
        if self.capabilities:
            out["capabilities"] = list(self.capabilities)
        for name in ("size_mb", "license", "endpoint", "notes"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


@dataclass(frozen=True)
class PromptSpec:
    """One prompt: its id, text, expected aspects of a good answer and per-prompt settings."""

    id: str
    text: str
    aspects: tuple[str, ...] = ()
    system: str | None = None
    max_tokens: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The prompt as ``results.json`` stores it (and ``parse_prompts`` reads it back)."""
        return {
            "id": self.id,
            "text": self.text,
            "aspects": list(self.aspects),
            "system": self.system,
            "max_tokens": self.max_tokens,
        }


@dataclass(frozen=True)
class Criterion:
    """A rubric criterion that answers are scored on, 1 to 5."""

    id: str
    label: str
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "description": self.description}


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """What a file gave: its items, and warnings (unknown fields, most often typos)."""

    items: list[T]
    warnings: list[str]


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "correctness", "Correctness", "Facts, numbers and reasoning are right; nothing is made up."
    ),
    Criterion("completeness", "Completeness", "Covers everything the prompt asked for."),
    Criterion("clarity", "Clarity", "Easy to follow: well organised, in plain words."),
    Criterion("conciseness", "Conciseness", "No padding, repetition or off-topic text."),
)


# ---------------------------------------------------------------------------------------------
# Loading files


def load_models(path: Path) -> Loaded[ModelSpec]:
    """Read and validate ``models.json``; raises :class:`ConfigError`."""
    path = Path(path)
    return parse_models(_read_json(path, 'an object of models, like {"phi-4-mini": {}}'), path)


def load_prompts(path: Path) -> Loaded[PromptSpec]:
    """Read and validate ``prompts.json``; raises :class:`ConfigError`."""
    path = Path(path)
    return parse_prompts(_read_json(path, 'a list of prompts, like ["Say hello."]'), path)


def load_rubric(path: Path | None) -> Loaded[Criterion]:
    """Read and validate ``rubric.json``; ``None`` gives :data:`DEFAULT_CRITERIA`."""
    if path is None:
        return Loaded(list(DEFAULT_CRITERIA), [])
    path = Path(path)
    expected = 'a list of criteria, like [{"id": "correctness", "label": "Correctness"}]'
    return parse_rubric(_read_json(path, expected), path)


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


class _NonFiniteNumber(ValueError):
    pass


def _reject_constant(name: str) -> float:
    raise _NonFiniteNumber(name)


def _read_json(path: Path, expected: str) -> object:
    if path.is_dir():
        raise ConfigError(path, "this is a folder, not a file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "file not found") from None
    except IsADirectoryError:
        raise ConfigError(path, "this is a folder, not a file") from None
    except PermissionError:
        raise ConfigError(path, "permission denied: the file cannot be read") from None
    except OSError as exc:
        raise ConfigError(path, f"the file cannot be read ({exc.strerror or exc})") from None

    offset = 0
    if raw.startswith(b"\xef\xbb\xbf"):  # utf-8-sig: accepted silently
        raw, offset = raw[3:], 3
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(path, "the file is UTF-16 text, not UTF-8; save it as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            path,
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at byte offset {exc.start + offset} "
            f"(line {line}) is not valid UTF-8; save the file as UTF-8",
        ) from None
    if not text.strip():
        raise ConfigError(path, f"the file is empty; expected {expected}")

    try:
        return json.loads(text, object_pairs_hook=_object_pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            path, f"invalid JSON: {_explain_json_error(exc)}", line=exc.lineno, column=exc.colno
        ) from None
    except _NonFiniteNumber as exc:
        raise ConfigError(
            path, f"invalid JSON: {exc} is not a JSON number (use a finite number or null)"
        ) from None
    except RecursionError:
        raise ConfigError(path, "invalid JSON: lists or objects are nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ConfigError(path, f"invalid JSON: {exc}") from None


def _explain_json_error(exc: json.JSONDecodeError) -> str:
    msg = exc.msg
    before = exc.doc[: exc.pos].rstrip()
    at = exc.doc[exc.pos : exc.pos + 1]
    if msg.startswith("Expecting") and before.endswith(","):
        return f"{msg} (a trailing comma before this point?)"
    if msg.startswith("Expecting") and at == "'":
        return f"{msg} (JSON needs double quotes, not single quotes)"
    if msg == "Extra data":
        return "unexpected text after the end of the JSON value (a missing bracket or comma?)"
    return msg


# ---------------------------------------------------------------------------------------------
# Validation of parsed JSON


class _Ctx:
    def __init__(self, source: Path) -> None:
        self.source = Path(source)
        self.warnings: list[str] = []

    def fail(self, json_path: str, problem: str) -> NoReturn:
        raise ConfigError(self.source, problem, json_path=json_path)

    def warn(self, json_path: str, message: str) -> None:
        self.warnings.append(_printable(f"{self.source}: {json_path}: {message}"))

    def check_duplicates(
        self, obj: Mapping[Any, Any], json_path: str, *, model_ids: bool = False
    ) -> None:
        dups: tuple[str, ...] = getattr(obj, "duplicates", ())
        if not dups:
            return
        if model_ids:
            self.fail(
                f"{json_path}[{_preview(dups[0])}]",
                f"model id {_preview(dups[0])} is listed more than once",
            )
        self.fail(_field(json_path, dups[0]), "this key appears more than once in the object")

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


def _printable(text: str) -> str:
    """The text with anything that cannot be written as UTF-8 (lone surrogates) escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _preview(value: object) -> str:
    if isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)
        if len(shown) > _PREVIEW_CHARS:
            shown = shown[: _PREVIEW_CHARS - 2] + '…"'
        return _printable(shown)
    return repr(value)


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {_preview(value)}"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _field(parent: str, name: str) -> str:
    if _IDENTIFIER.match(name):
        return f"{parent}.{name}"
    return f"{parent}[{_preview(name)}]"


def _check_text(ctx: _Ctx, value: object, json_path: str, what: str) -> str:
    """A string that is not empty or only white space."""
    if not isinstance(value, str):
        ctx.fail(json_path, f"{what} must be a string, not {_describe(value)}")
    if not value.strip():
        ctx.fail(json_path, f"{what} must not be empty")
    if _printable(value) != value:
        ctx.fail(json_path, f"{what} holds an invalid Unicode escape (a lone surrogate)")
    return value


def _check_optional_text(
    ctx: _Ctx, obj: Mapping[str, Any], name: str, json_path: str
) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    return _check_text(ctx, value, _field(json_path, name), name)


def _check_id(ctx: _Ctx, value: object, json_path: str, what: str) -> str:
    ident = _check_text(ctx, value, json_path, what)
    if ident != ident.strip():
        ctx.fail(json_path, f"{what} {_preview(ident)} has leading or trailing spaces")
    if KEY_SEPARATOR in ident:
        ctx.fail(
            json_path,
            f"{what} {_preview(ident)} must not contain {KEY_SEPARATOR!r} "
            "(it separates the parts of a sample key)",
        )
    if _CONTROL.search(ident):
        ctx.fail(json_path, f"{what} {_preview(ident)} must not contain control characters")
    return ident


def _check_string_list(
    ctx: _Ctx, value: object, json_path: str, what: str, item_what: str
) -> tuple[str, ...]:
    """A list of non-empty strings, duplicates dropped (first kept); null is the empty list."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        ctx.fail(json_path, f"{what} must be a list of strings, not {_describe(value)}")
    out: list[str] = []
    for i, item in enumerate(value):
        text = _check_text(ctx, item, f"{json_path}[{i}]", item_what)
        if text not in out:
            out.append(text)
    return tuple(out)


def _check_schema_version(ctx: _Ctx, value: object, json_path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        ctx.fail(json_path, f"schema_version must be {SCHEMA_VERSION}, not {_describe(value)}")
    if value != SCHEMA_VERSION:
        newer = " (the file is from a newer version of the app)" if value > SCHEMA_VERSION else ""
        ctx.fail(
            json_path,
            f"schema_version {value} is not supported; this app reads {SCHEMA_VERSION}{newer}",
        )


def _unwrap(
    ctx: _Ctx, data: object, list_key: str, what: str, example: str
) -> tuple[Sequence[Any], str]:
    """The list of a prompts or rubric file, and its JSON path (``$`` or ``$.<list_key>``)."""
    if isinstance(data, list | tuple):
        return data, "$"
    if not isinstance(data, Mapping):
        ctx.fail(
            "$",
            f"expected a list of {what} (or an object with a {list_key!r} list), "
            f"like {example}; got {_describe(data)}",
        )
    ctx.check_duplicates(data, "$")
    if list_key not in data:
        hint = ""
        if data and all(isinstance(v, Mapping) for v in data.values()):
            hint = " (is this a models file?)"
        ctx.fail("$", f"expected a list of {what}, or an object with a {list_key!r} list{hint}")
    if "schema_version" in data:
        _check_schema_version(ctx, data["schema_version"], "$.schema_version")
    ctx.warn_unknown(data, "$", ("schema_version", list_key))
    items = data[list_key]
    json_path = f"$.{list_key}"
    if not isinstance(items, list | tuple):
        ctx.fail(json_path, f"{list_key} must be a list of {what}, not {_describe(items)}")
    return items, json_path


# ---------------------------------------------------------------------------------------------
# models.json


def parse_models(data: object, source: Path) -> Loaded[ModelSpec]:
    """Validate an already parsed ``models.json`` (``source`` names it in messages)."""
    ctx = _Ctx(source)
    if not isinstance(data, Mapping):
        hint = " (is this a prompts file?)" if isinstance(data, list | tuple) else ""
        ctx.fail(
            "$",
            'expected an object that maps model ids to their details, like {"phi-4-mini": {}}; '
            f"got {_describe(data)}{hint}",
        )
    ctx.check_duplicates(data, "$", model_ids=True)
    models: list[ModelSpec] = []
    for key, value in data.items():
        if not isinstance(key, str):
            ctx.fail("$", f"model ids must be strings, not {_describe(key)}")
        if key == "schema_version":
            _check_schema_version(ctx, value, "$.schema_version")
            continue
        json_path = f"$[{_preview(key)}]"
        model_id = _check_id(ctx, key, json_path, "model id")
        models.append(_parse_model(ctx, model_id, value, json_path))
    if not models:
        ctx.fail("$", 'no models: add at least one, like {"phi-4-mini": {}}')
    return Loaded(models, ctx.warnings)


def _parse_model(ctx: _Ctx, model_id: str, value: object, json_path: str) -> ModelSpec:
    if not isinstance(value, Mapping):
        hint = ""
        if difflib.get_close_matches(model_id, ["schema_version"], n=1, cutoff=0.8):
            hint = ' (did you mean "schema_version"?)'
        ctx.fail(
            json_path,
            "expected an object with the model's details (every field is optional, so {} will "
            f"do), not {_describe(value)}{hint}",
        )
    ctx.check_duplicates(value, json_path)
    ctx.warn_unknown(value, json_path, MODEL_FIELDS)
    capabilities = _check_string_list(
        ctx,
        value.get("capabilities"),
        _field(json_path, "capabilities"),
        "capabilities",
        "each capability",
    )
    return ModelSpec(
        id=model_id,
        capabilities=capabilities,
        size_mb=_check_size(ctx, value.get("size_mb"), _field(json_path, "size_mb")),
        license=_check_optional_text(ctx, value, "license", json_path),
        endpoint=_check_endpoint(ctx, value.get("endpoint"), _field(json_path, "endpoint")),
        notes=_check_optional_text(ctx, value, "notes", json_path),
    )


def _check_size(ctx: _Ctx, value: object, json_path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        ctx.fail(json_path, f"size_mb must be a number of megabytes, not {_describe(value)}")
    try:
        size = float(value)
    except OverflowError:
        size = math.inf
    if not math.isfinite(size):
        ctx.fail(json_path, "size_mb must be a finite number of megabytes")
    if size < 0:
        ctx.fail(json_path, f"size_mb must not be negative, not {value!r}")
    return size


def _check_endpoint(ctx: _Ctx, value: object, json_path: str) -> str | None:
    if value is None:
        return None
    url = _check_text(ctx, value, json_path, "endpoint")
    problem = (
        "endpoint must be an http:// or https:// URL, like http://localhost:5273/v1, "
        f"not {_preview(url)}"
    )
    if url != url.strip() or any(c.isspace() for c in url) or _CONTROL.search(url):
        ctx.fail(json_path, problem)
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        ctx.fail(json_path, problem)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        ctx.fail(json_path, problem)
    return url


# ---------------------------------------------------------------------------------------------
# prompts.json


def parse_prompts(data: object, source: Path) -> Loaded[PromptSpec]:
    """Validate an already parsed ``prompts.json`` (``source`` names it in messages)."""
    ctx = _Ctx(source)
    items, list_path = _unwrap(ctx, data, "prompts", "prompts", '["Say hello."]')
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
                    _field(json_path, "id"),
                    f"duplicate prompt id {_preview(prompt.id)} "
                    f"(also used by {used_by[prompt.id]})",
                )
            ctx.fail(
                json_path,
                f"this prompt's automatic id {_preview(prompt.id)} (from its position) is "
                f'already used by {used_by[prompt.id]}; give this prompt an explicit "id"',
            )
        used_by[prompt.id] = json_path
        prompts.append(prompt)
    return Loaded(prompts, ctx.warnings)


def _parse_prompt(ctx: _Ctx, item: object, json_path: str, default_id: str) -> PromptSpec:
    if isinstance(item, str):
        return PromptSpec(id=default_id, text=_check_text(ctx, item, json_path, "prompt text"))
    if not isinstance(item, Mapping):
        ctx.fail(
            json_path,
            f'a prompt must be a string or an object with "text", not {_describe(item)}',
        )
    ctx.check_duplicates(item, json_path)
    ctx.warn_unknown(item, json_path, PROMPT_FIELDS)
    if item.get("text") is None:
        ctx.fail(json_path, 'the prompt has no "text"')
    text = _check_text(ctx, item["text"], _field(json_path, "text"), "text")
    raw_id = item.get("id")
    prompt_id = (
        default_id
        if raw_id is None
        else _check_id(ctx, raw_id, _field(json_path, "id"), "prompt id")
    )
    return PromptSpec(
        id=prompt_id,
        text=text,
        aspects=_check_string_list(
            ctx, item.get("aspects"), _field(json_path, "aspects"), "aspects", "each aspect"
        ),
        system=_check_optional_text(ctx, item, "system", json_path),
        max_tokens=_check_max_tokens(ctx, item.get("max_tokens"), _field(json_path, "max_tokens")),
    )


def _check_max_tokens(ctx: _Ctx, value: object, json_path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "a whole number" if isinstance(value, float) else _describe(value)
        ctx.fail(json_path, f"max_tokens must be a whole number of tokens (1 or more), not {kind}")
    if value <= 0:
        ctx.fail(json_path, f"max_tokens must be 1 or more, not {value}")
    return value


# ---------------------------------------------------------------------------------------------
# rubric.json


def parse_rubric(data: object, source: Path) -> Loaded[Criterion]:
    """Validate an already parsed ``rubric.json`` (``source`` names it in messages)."""
    ctx = _Ctx(source)
    example = '[{"id": "correctness", "label": "Correctness"}]'
    items, list_path = _unwrap(ctx, data, "criteria", "criteria", example)
    if not items:
        ctx.fail(list_path, f"no criteria: add at least one, like {example}")
    criteria: list[Criterion] = []
    used_by: dict[str, str] = {}
    for i, item in enumerate(items):
        json_path = f"{list_path}[{i}]"
        criterion = _parse_criterion(ctx, item, json_path)
        if criterion.id in used_by:
            id_path = json_path if isinstance(item, str) else _field(json_path, "id")
            ctx.fail(
                id_path,
                f"duplicate criterion id {_preview(criterion.id)} "
                f"(also used by {used_by[criterion.id]})",
            )
        used_by[criterion.id] = json_path
        criteria.append(criterion)
    return Loaded(criteria, ctx.warnings)


def _parse_criterion(ctx: _Ctx, item: object, json_path: str) -> Criterion:
    if isinstance(item, str):
        ident = _check_criterion_id(ctx, item, json_path)
        return Criterion(ident, _label_from_id(ident))
    if not isinstance(item, Mapping):
        ctx.fail(
            json_path,
            f'a criterion must be an object with an "id" (or an id string), not {_describe(item)}',
        )
    ctx.check_duplicates(item, json_path)
    ctx.warn_unknown(item, json_path, CRITERION_FIELDS)
    if item.get("id") is None:
        ctx.fail(json_path, 'the criterion has no "id"')
    ident = _check_criterion_id(ctx, item["id"], _field(json_path, "id"))
    label = _check_optional_text(ctx, item, "label", json_path)
    description = item.get("description")
    if description is not None and not isinstance(description, str):
        ctx.fail(
            _field(json_path, "description"),
            f"description must be a string, not {_describe(description)}",
        )
    return Criterion(ident, label or _label_from_id(ident), _printable(description or ""))


def _check_criterion_id(ctx: _Ctx, value: object, json_path: str) -> str:
    ident = _check_id(ctx, value, json_path, "criterion id")
    if ident.startswith(ASPECT_PREFIX):
        ctx.fail(
            json_path,
            f"criterion id {_preview(ident)} must not start with {ASPECT_PREFIX!r} "
            "(reserved for the prompts' aspects)",
        )
    return ident


def _label_from_id(ident: str) -> str:
    words = re.sub(r"[_\-]+", " ", ident).strip()
    return words[:1].upper() + words[1:] if words else ident


# ---------------------------------------------------------------------------------------------
# Criteria for a run


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
