"""Automatic checks of an answer, declared per prompt in ``prompts.json`` (``"checks"``).

A prompt's ``"checks"`` is a list of one-key objects, as promptfoo's assertions and
openai/evals' Match templates do it: ``{"contains": "text"}``, ``{"not_contains": "text"}``,
``{"regex": "pattern"}`` (Python ``re.search``), ``{"equals": "text"}`` (after trimming
whitespace at both ends), ``{"min_words": N}``, ``{"max_words": N}``, ``{"json": true}`` (the
answer, or its one fenced code block, parses as JSON) and ``{"json_schema": {...}}`` (and that
JSON is valid against the schema, by ``jsonschema``). A check that cannot run (a bad regex, an
invalid schema, a wrong type) is a config error naming the file and its place, raised when the
file is read, before any request is sent. Each finished answer gets one result per check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema

from foundry_bench.core.config._common import Ctx, describe, json_field, preview

KINDS = ("contains", "not_contains", "regex", "equals", "min_words", "max_words", "json",
         "json_schema")  # fmt: skip
_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)\n\s*```", re.DOTALL)


@dataclass(frozen=True)
class Check:
    kind: str
    value: Any  # the declared value, as the file has it (stored back in results.json)
    _compiled: Any = None  # a compiled regex or a schema validator

    def to_dict(self) -> dict[str, Any]:
        return {self.kind: self.value}

    def run(self, answer: str) -> bool:
        kind, value = self.kind, self.value
        if kind == "contains":
            return bool(value in answer)
        if kind == "not_contains":
            return bool(value not in answer)
        if kind == "regex":
            return self._compiled.search(answer) is not None
        if kind == "equals":
            return bool(answer.strip() == value.strip())
        if kind in ("min_words", "max_words"):
            words = len(answer.split())
            return bool(words >= value if kind == "min_words" else words <= value)
        parsed = _json_of(answer)
        if parsed is _NOT_JSON:
            return False
        return kind == "json" or bool(self._compiled.is_valid(parsed))


_NOT_JSON = object()


def _json_of(answer: str) -> Any:
    """The answer as JSON, or the JSON in its one fenced block (models like to fence it)."""
    for text in (answer.strip(), *(m.group(1) for m in _FENCE.finditer(answer))):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            continue
    return _NOT_JSON


def parse_checks(ctx: Ctx, value: object, json_path: str) -> tuple[Check, ...]:
    """Validate a prompt's ``"checks"`` (``ctx.fail`` names the place of any problem)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        ctx.fail(json_path, f"checks must be a list of objects like {{\"contains\": \"...\"}}, "
                            f"not {describe(value)}")  # fmt: skip
    return tuple(_parse_check(ctx, item, f"{json_path}[{i}]") for i, item in enumerate(value))


def _parse_check(ctx: Ctx, item: object, json_path: str) -> Check:
    if not isinstance(item, Mapping) or len(item) != 1:
        ctx.fail(json_path, f"a check is an object with one key ({', '.join(KINDS)}), "
                            f"not {describe(item)}")  # fmt: skip
    ((kind, value),) = item.items()
    where = json_field(json_path, str(kind))
    if kind not in KINDS:
        ctx.fail(json_path, f"unknown check {preview(kind)} (known: {', '.join(KINDS)})")
    if kind in ("contains", "not_contains", "equals", "regex"):
        if not isinstance(value, str) or (kind != "equals" and not value):
            ctx.fail(where, f"{kind} needs a non-empty string, not {describe(value)}")
        if kind == "regex":
            try:
                return Check(kind, value, re.compile(value))
            except re.error as exc:
                ctx.fail(where, f"invalid regular expression {preview(value)}: {exc}")
        return Check(kind, value)
    if kind in ("min_words", "max_words"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            ctx.fail(where, f"{kind} needs a whole number >= 0, not {describe(value)}")
        return Check(kind, value)
    if kind == "json":
        if value is not True:
            ctx.fail(where, f"json takes true (the answer must be JSON), not {describe(value)}")
        return Check(kind, value)
    if not isinstance(value, Mapping):
        ctx.fail(where, f"json_schema needs a JSON Schema object, not {describe(value)}")
    cls = jsonschema.validators.validator_for(value)
    try:
        cls.check_schema(value)
    except jsonschema.SchemaError as exc:
        place = "/".join(str(p) for p in exc.path) or "its top level"
        ctx.fail(where, f"invalid JSON Schema at {place}: {exc.message}")
    return Check(kind, dict(value), cls(value))


def check_results(checks: Sequence[Check], answer: str) -> list[dict[str, Any]]:
    """One ``{"check": kind, "passed": bool}`` per check, in order (what a sample stores)."""
    return [{"check": c.kind, "passed": c.run(answer)} for c in checks]


def check_outcome(checks: Sequence[Check], status: str, answer: str) -> list[dict[str, Any]] | None:
    """What a finished sample stores: its checks' results, None when it has no answer to
    check (a failed request) or its prompt no checks."""
    return check_results(checks, answer) if checks and status == "ok" else None


def checks_tally(results: Sequence[object]) -> dict[str, int] | None:
    """``{"passed": n, "total": m}`` over samples' stored results; None when none has any."""
    passed = total = 0
    for sample_results in results:
        if not isinstance(sample_results, list):
            continue
        for r in sample_results:
            if isinstance(r, Mapping) and isinstance(r.get("passed"), bool):
                total += 1
                passed += r["passed"]
    return {"passed": passed, "total": total} if total else None


def stored_tally(value: object) -> tuple[int, int] | None:
    """``(passed, total)`` of a tally read back from a file (a summary's ``checks``), or None
    when it is missing or not a tally (the file may be damaged or hostile)."""
    if not isinstance(value, Mapping):
        return None
    passed, total = value.get("passed"), value.get("total")
    if type(passed) is not int or type(total) is not int:  # bool is an int too
        return None
    return (passed, total) if 0 <= passed <= total and total > 0 else None
