"""core.config: the config files load, and every bad input gets one clear ConfigError."""

from __future__ import annotations

import contextlib
import json
import math
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundry_bench.core.config.loading import ConfigError, Loaded
from foundry_bench.core.config.models import ModelSpec, load_models, parse_models
from foundry_bench.core.config.prompts import PromptSpec, load_prompts, parse_prompts
from foundry_bench.core.config.rubric import (
    DEFAULT_CRITERIA,
    Criterion,
    criteria_for,
    load_rubric,
    parse_rubric,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"
DEMO_ID = "foundry-bench-demo-generic-cpu:1"

Loader = Callable[[Path], Loaded[Any]]
LOADERS: dict[str, Loader] = {
    "models": load_models,
    "prompts": load_prompts,
    "rubric": load_rubric,
}


def write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def error_of(loader: Loader, path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        loader(path)
    err = info.value
    message = str(err)
    assert "\n" not in message
    assert str(path) in message
    assert err.path == path
    return err


# --- valid forms -------------------------------------------------------------------------------


def test_models_workshop_format(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "models.json",
        {
            "schema_version": 1,
            "phi-4-mini": {
                "capabilities": ["chat", "tools", "chat"],
                "size_mb": 3700,
                "license": "MIT",
                "endpoint": "http://127.0.0.1:5273/v1",
                "notes": "n",
            },
            "qwen2.5-0.5b": {},
            "m:1": {"size_mb": 0.5, "license": None},
        },
    )
    loaded = load_models(path)
    assert loaded.warnings == []
    assert loaded.items == [
        ModelSpec(
            "phi-4-mini",
            ("chat", "tools"),
            3700.0,
            "MIT",
            "http://127.0.0.1:5273/v1",
            "n",
        ),
        ModelSpec("qwen2.5-0.5b"),
        ModelSpec("m:1", size_mb=0.5),
    ]
    assert parse_models({"a": loaded.items[0].to_dict()}, path).items[0].endpoint == (
        "http://127.0.0.1:5273/v1"
    )


def test_prompts_plain_strings_get_positional_ids(tmp_path: Path) -> None:
    loaded = load_prompts(write(tmp_path, "prompts.json", ["Say hi.", "Count to 3."]))
    assert [(p.id, p.text) for p in loaded.items] == [("p1", "Say hi."), ("p2", "Count to 3.")]
    assert loaded.warnings == []


def test_prompts_mixed_forms_ids_by_position_in_file(tmp_path: Path) -> None:
    data = [
        {"id": "sum", "text": "Summarize.", "aspects": ["short"], "system": "S", "max_tokens": 64},
        "Plain.",
        {"text": "No id."},
    ]
    loaded = load_prompts(write(tmp_path, "prompts.json", data))
    assert [p.id for p in loaded.items] == ["sum", "p2", "p3"]
    first = loaded.items[0]
    assert first == PromptSpec("sum", "Summarize.", ("short",), "S", 64)
    assert first.to_dict() == {
        "id": "sum",
        "text": "Summarize.",
        "aspects": ["short"],
        "system": "S",
        "max_tokens": 64,
    }
    # to_dict round-trips through parse_prompts (results.json keeps prompts this way)
    again = parse_prompts([p.to_dict() for p in loaded.items], Path("x.json"))
    assert again.items == loaded.items


def test_prompts_wrapped_object(tmp_path: Path) -> None:
    path = write(tmp_path, "prompts.json", {"schema_version": 1, "prompts": ["A", "B"]})
    assert [p.id for p in load_prompts(path).items] == ["p1", "p2"]


def test_rubric_forms(tmp_path: Path) -> None:
    listed = load_rubric(
        write(tmp_path, "r1.json", [{"id": "tone", "label": "Tone", "description": "Polite."}])
    )
    assert listed.items == [Criterion("tone", "Tone", "Polite.")]
    wrapped = load_rubric(
        write(
            tmp_path, "r2.json", {"schema_version": 1, "criteria": ["follows_format", {"id": "x"}]}
        )
    )
    assert wrapped.items == [Criterion("follows_format", "Follows format"), Criterion("x", "X")]
    assert load_rubric(None).items == list(DEFAULT_CRITERIA)
    assert [c.id for c in DEFAULT_CRITERIA] == [
        "correctness",
        "completeness",
        "clarity",
        "conciseness",
    ]
    assert all(c.label and c.description for c in DEFAULT_CRITERIA)


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "prompts.json", b'\xef\xbb\xbf["Hello"]')
    assert load_prompts(path).items == [PromptSpec("p1", "Hello")]


def test_accepts_str_paths(tmp_path: Path) -> None:
    path = write(tmp_path, "models.json", {"a": {}})
    assert load_models(str(path)).items == [ModelSpec("a")]  # type: ignore[arg-type]


# --- warnings ------------------------------------------------------------------------------------


def test_unknown_model_field_warns_with_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "models.json", {"phi": {"capabilites": ["chat"], "zzz": 1}})
    loaded = load_models(path)
    assert loaded.items == [ModelSpec("phi")]
    assert loaded.warnings == [
        f"{path}: $[\"phi\"]: unknown field 'capabilites' (did you mean 'capabilities'?)",
        f"{path}: $[\"phi\"]: unknown field 'zzz'",
    ]


def test_unknown_prompt_and_rubric_fields_warn(tmp_path: Path) -> None:
    prompts = load_prompts(
        write(tmp_path, "prompts.json", {"prompts": [{"text": "t", "max_token": 5}], "x": 1})
    )
    assert len(prompts.warnings) == 2
    assert any(
        "$.prompts[0]: unknown field 'max_token'" in w and "max_tokens" in w
        for w in prompts.warnings
    )
    assert any("$: unknown field 'x'" in w for w in prompts.warnings)
    rubric = load_rubric(write(tmp_path, "rubric.json", [{"id": "a", "lable": "A"}]))
    assert "did you mean 'label'?" in rubric.warnings[0]


# --- bad files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_missing_file(tmp_path: Path, kind: str) -> None:
    err = error_of(LOADERS[kind], tmp_path / "nope.json")
    assert "file not found" in str(err)


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_folder_instead_of_file(tmp_path: Path, kind: str) -> None:
    err = error_of(LOADERS[kind], tmp_path)
    assert "folder, not a file" in str(err)


def test_not_utf8_names_byte_offset(tmp_path: Path) -> None:
    path = write(tmp_path, "prompts.json", b'["caf\xe9"]')
    err = error_of(load_prompts, path)
    assert "not UTF-8" in str(err)
    assert "byte offset 5" in str(err)
    assert "0xe9" in str(err)


def test_not_utf8_offset_counts_bom(tmp_path: Path) -> None:
    err = error_of(load_prompts, write(tmp_path, "p.json", b'\xef\xbb\xbf["\xff"]'))
    assert "byte offset 5" in str(err)


def test_utf16_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "models.json", '{"a": {}}'.encode("utf-16"))
    assert "UTF-16" in str(error_of(load_models, path))


@pytest.mark.parametrize("content", ["", "   \n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    err = error_of(load_prompts, write(tmp_path, "prompts.json", content))
    assert "empty" in str(err)


def test_bad_json_has_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "models.json", '{\n  "a": {},\n  "b" {}\n}')
    err = error_of(load_models, path)
    assert (err.line, err.column) == (3, 7)
    assert str(err).startswith(f"{path}: line 3, column 7: invalid JSON: Expecting ':'")


def test_bad_json_trailing_comma_hint(tmp_path: Path) -> None:
    err = error_of(load_prompts, write(tmp_path, "prompts.json", '["a",\n "b",\n]'))
    assert err.line == 3
    assert "trailing comma" in str(err)


def test_bad_json_single_quotes_hint(tmp_path: Path) -> None:
    err = error_of(load_models, write(tmp_path, "models.json", "{'a': {}}"))
    assert "double quotes" in str(err)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_rejected(tmp_path: Path, token: str) -> None:
    err = error_of(load_models, write(tmp_path, "models.json", f'{{"a": {{"size_mb": {token}}}}}'))
    assert "invalid JSON" in str(err)
    assert token in str(err)


def test_deep_nesting_and_huge_ints_are_config_errors(tmp_path: Path) -> None:
    deep = write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    assert "nested more than 64 levels deep" in str(error_of(load_prompts, deep))
    huge = write(tmp_path, "huge.json", '{"a": {"size_mb": ' + "9" * 5000 + "}}")
    assert "invalid JSON" in str(error_of(load_models, huge))


# --- models.json ---------------------------------------------------------------------------------

MODEL_CASES: list[tuple[object, str, str]] = [
    ([], "$", "expected an object that maps model ids"),
    ({}, "$", "no models"),
    ({"schema_version": 1}, "$", "no models"),
    ({"schema_version": 2, "a": {}}, "$.schema_version", "schema_version 2 is not supported"),
    ({"schema_version": "1", "a": {}}, "$.schema_version", 'not the string "1"'),
    ({"schema_version": True, "a": {}}, "$.schema_version", "not the boolean true"),
    ({"a": []}, '$["a"]', "expected an object with the model's details"),
    ({"schema_versoin": 1}, '$["schema_versoin"]', 'did you mean "schema_version"?'),
    ({"phi-4-mini": {"size_mb": "2500"}}, '$["phi-4-mini"].size_mb', 'not the string "2500"'),
    ({"a": {"size_mb": True}}, '$["a"].size_mb', "size_mb must be a number"),
    ({"a": {"size_mb": -1}}, '$["a"].size_mb', "must not be negative"),
    ('{"a": {"size_mb": 1e400}}', '$["a"].size_mb', "finite"),
    ({"a": {"capabilities": "chat"}}, '$["a"].capabilities', "must be a list of strings"),
    ({"a": {"capabilities": ["chat", 3]}}, '$["a"].capabilities[1]', "must be a string"),
    ({"a": {"capabilities": [""]}}, '$["a"].capabilities[0]', "must not be empty"),
    ({"a": {"license": 5}}, '$["a"].license', "license must be a string"),
    ({"a": {"notes": ["x"]}}, '$["a"].notes', "notes must be a string"),
    ({"a": {"endpoint": "localhost:5273"}}, '$["a"].endpoint', "http:// or https:// URL"),
    ({"a": {"endpoint": "ftp://h/v1"}}, '$["a"].endpoint', "http:// or https:// URL"),
    ({"a": {"endpoint": "http://"}}, '$["a"].endpoint', "http:// or https:// URL"),
    ({"a": {"endpoint": "http://h:99999/v1"}}, '$["a"].endpoint', "http:// or https:// URL"),
    ({"a": {"endpoint": "http://h /v1"}}, '$["a"].endpoint', "http:// or https:// URL"),
    ({"a|b": {}}, '$["a|b"]', "must not contain '|'"),
    ({"": {}}, '$[""]', "model id must not be empty"),
    ({" a": {}}, '$[" a"]', "leading or trailing spaces"),
    ({"a\tb": {}}, '$["a\\tb"]', "control characters"),
]


@pytest.mark.parametrize(("data", "json_path", "problem"), MODEL_CASES)
def test_bad_models(tmp_path: Path, data: object, json_path: str, problem: str) -> None:
    path = write(tmp_path, "models.json", data)
    err = error_of(load_models, path)
    assert err.json_path == json_path
    assert str(err).startswith(f"{path}: {json_path}: ")
    assert problem in str(err)


def test_duplicate_model_ids(tmp_path: Path) -> None:
    path = write(tmp_path, "models.json", '{"phi": {}, "qwen": {}, "phi": {"size_mb": 1}}')
    err = error_of(load_models, path)
    assert err.json_path == '$["phi"]'
    assert "more than once" in str(err)


def test_duplicate_field_in_model(tmp_path: Path) -> None:
    path = write(tmp_path, "models.json", '{"phi": {"size_mb": 1, "size_mb": 2}}')
    err = error_of(load_models, path)
    assert err.json_path == '$["phi"].size_mb'


def test_models_file_given_as_prompts_hints(tmp_path: Path) -> None:
    err = error_of(load_prompts, write(tmp_path, "prompts.json", {"phi-4-mini": {}}))
    assert "is this a models file?" in str(err)
    err = error_of(load_models, write(tmp_path, "models.json", ["Say hi."]))
    assert "is this a prompts file?" in str(err)


# --- prompts.json --------------------------------------------------------------------------------

PROMPT_CASES: list[tuple[object, str, str]] = [
    ({"a": 1}, "$", "an object with a 'prompts' list"),
    ('"hello"', "$", "expected a list of prompts"),
    (3, "$", "got the number 3"),
    ([], "$", "no prompts"),
    ({"prompts": []}, "$.prompts", "no prompts"),
    ({"prompts": "x"}, "$.prompts", "prompts must be a list"),
    ({"schema_version": 9, "prompts": ["x"]}, "$.schema_version", "not supported"),
    (["ok", ""], "$[1]", "prompt text must not be empty"),
    (["ok", "  \n"], "$[1]", "must not be empty"),
    (["ok", 5], "$[1]", "must be a string or an object"),
    ([{"id": "a"}], "$[0]", 'no "text"'),
    ([{"text": ""}], "$[0].text", "text must not be empty"),
    ([{"text": ["x"]}], "$[0].text", "text must be a string"),
    ([{"text": "t", "aspects": "short"}], "$[0].aspects", "must be a list of strings"),
    ([{"text": "t", "aspects": ["a", None]}], "$[0].aspects[1]", "must be a string"),
    ([{"text": "t", "aspects": ["a", " "]}], "$[0].aspects[1]", "must not be empty"),
    ([{"text": "t", "system": 1}], "$[0].system", "system must be a string"),
    ([{"text": "t", "max_tokens": 0}], "$[0].max_tokens", "max_tokens must be 1 or more"),
    ([{"text": "t", "max_tokens": -5}], "$[0].max_tokens", "1 or more"),
    ([{"text": "t", "max_tokens": True}], "$[0].max_tokens", "not the boolean true"),
    ([{"text": "t", "max_tokens": 12.5}], "$[0].max_tokens", "whole number"),
    ([{"text": "t", "max_tokens": "64"}], "$[0].max_tokens", 'not the string "64"'),
    ([{"text": "t", "id": "a|b"}], "$[0].id", "must not contain '|'"),
    ([{"text": "t", "id": ""}], "$[0].id", "prompt id must not be empty"),
    ([{"text": "t", "id": 7}], "$[0].id", "prompt id must be a string"),
    ([{"id": "a", "text": "x"}, {"id": "a", "text": "y"}], "$[1].id", "duplicate prompt id"),
    (["x", {"id": "p1", "text": "y"}], "$[1].id", "also used by $[0]"),
    ([{"id": "p2", "text": "x"}, "y"], "$[1]", 'give this prompt an explicit "id"'),
    ({"prompts": ["x", {"text": "t", "aspects": [1]}]}, "$.prompts[1].aspects[0]", "string"),
]


@pytest.mark.parametrize(("data", "json_path", "problem"), PROMPT_CASES)
def test_bad_prompts(tmp_path: Path, data: object, json_path: str, problem: str) -> None:
    path = write(tmp_path, "prompts.json", data)
    err = error_of(load_prompts, path)
    assert err.json_path == json_path
    assert str(err).startswith(f"{path}: {json_path}: ")
    assert problem in str(err)


def test_lone_surrogate_in_prompt_text(tmp_path: Path) -> None:
    err = error_of(load_prompts, write(tmp_path, "prompts.json", '["a\\ud800"]'))
    assert "lone surrogate" in str(err)
    str(err).encode("utf-8")  # printable


# --- rubric.json ---------------------------------------------------------------------------------

RUBRIC_CASES: list[tuple[object, str, str]] = [
    ([], "$", "no criteria"),
    ({"criteria": []}, "$.criteria", "no criteria"),
    ({"x": []}, "$", "'criteria' list"),
    ([{"label": "L"}], "$[0]", 'no "id"'),
    ([{"id": "a", "label": 3}], "$[0].label", "label must be a string"),
    ([{"id": "a", "description": 3}], "$[0].description", "description must be a string"),
    ([{"id": "a"}, {"id": "a"}], "$[1].id", "duplicate criterion id"),
    (["a", "a"], "$[1]", "duplicate criterion id"),
    ([{"id": "aspect:x"}], "$[0].id", "reserved for the prompts' aspects"),
    ([3], "$[0]", "must be an object"),
]


@pytest.mark.parametrize(("data", "json_path", "problem"), RUBRIC_CASES)
def test_bad_rubric(tmp_path: Path, data: object, json_path: str, problem: str) -> None:
    path = write(tmp_path, "rubric.json", data)
    err = error_of(load_rubric, path)
    assert err.json_path == json_path
    assert str(err).startswith(f"{path}: {json_path}: ")
    assert problem in str(err)


# --- the error object ----------------------------------------------------------------------------


def test_config_error_is_a_value_error_and_pickles(tmp_path: Path) -> None:
    err = error_of(load_models, write(tmp_path, "models.json", {"a": {"size_mb": "x"}}))
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert str(copy) == str(err)
    assert copy.json_path == err.json_path


def test_parse_functions_name_the_source() -> None:
    with pytest.raises(ConfigError, match=r"^edited\.json: \$\[\"a\"\]\.size_mb: "):
        parse_models({"a": {"size_mb": "big"}}, Path("edited.json"))
    with pytest.raises(ConfigError, match=r"^p\.json: \$\[0\]: "):
        parse_prompts([None], Path("p.json"))
    with pytest.raises(ConfigError, match=r"^r\.json: \$: "):
        parse_rubric(None, Path("r.json"))
    with pytest.raises(ConfigError, match=r"model ids must be strings"):
        parse_models({1: {}}, Path("m.json"))


# --- criteria_for --------------------------------------------------------------------------------


def test_criteria_for_adds_deduped_aspects() -> None:
    prompts = [
        PromptSpec("p1", "a", ("Action items", "Owner named")),
        PromptSpec("p2", "b", ("action-items!", "Short")),
    ]
    rubric = [Criterion("correctness", "Correctness", "Right")]
    out = criteria_for(rubric, prompts)
    assert [c.id for c in out] == [
        "correctness",
        "aspect:action-items",
        "aspect:owner-named",
        "aspect:short",
    ]
    assert out[1].label == "Action items"
    assert out[1].description == "Expected aspect of prompts p1, p2"
    assert out[2].description == "Expected aspect of prompt p1"
    assert criteria_for(rubric, []) == rubric
    assert criteria_for([], [PromptSpec("p1", "x", ("!!!",))])[0].id.startswith("aspect:")


# --- the shipped examples ------------------------------------------------------------------------


def test_examples_load_without_warnings() -> None:
    models = load_models(EXAMPLES / "models.json")
    assert models.warnings == []
    assert models.items == [
        ModelSpec(
            DEMO_ID,
            capabilities=("chat",),
            license="MIT",
            notes="tiny offline demo model shipped with the app",
        )
    ]
    workshop = load_models(EXAMPLES / "models.workshop.json")
    assert workshop.warnings == []
    assert {"phi-4-mini", "qwen2.5-0.5b"} <= {m.id for m in workshop.items}
    prompts = load_prompts(EXAMPLES / "prompts.json")
    assert prompts.warnings == []
    assert len(prompts.items) == 4
    for prompt in prompts.items:
        assert 2 <= len(prompt.aspects) <= 4
        assert prompt.max_tokens is not None and prompt.max_tokens <= 256
    rubric = load_rubric(EXAMPLES / "rubric.json")
    assert rubric.warnings == []
    assert rubric.items == list(DEFAULT_CRITERIA)


# --- properties: never anything but a result or a ConfigError ------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "schema_version",
    "prompts",
    "criteria",
    "id",
    "text",
    "label",
    "description",
    "aspects",
    "system",
    "max_tokens",
    "capabilities",
    "size_mb",
    "license",
    "endpoint",
    "notes",
]
field_values = (
    json_values
    | st.sampled_from(["http://localhost:1/v1", "https://x", "p1", "p2", "a|b", "aspect:x"])
    | st.integers(min_value=-2, max_value=3)
    | st.lists(st.text(max_size=4), max_size=3)
)
record = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=4), field_values, max_size=5)
near_valid = (
    st.lists(record | st.text(max_size=6), max_size=4)
    | st.dictionaries(
        st.text(max_size=6) | st.sampled_from(FIELDS), record | field_values, max_size=4
    )
    | st.fixed_dictionaries(
        {"schema_version": st.sampled_from([1, 2, "1"]), "prompts": st.lists(record | st.text())}
    )
    | st.fixed_dictionaries({"criteria": st.lists(record | st.text(max_size=6), max_size=4)})
)


text_or_junk = st.sampled_from(["chat", "tools", "x", "", " ", "a|b", "aspect:x"]) | st.text(
    max_size=6
)
optional = st.none() | json_scalars
plausible_model = st.fixed_dictionaries(
    {},
    optional={
        "capabilities": st.lists(text_or_junk, max_size=3) | optional,
        "size_mb": st.floats(min_value=-1, max_value=1e6) | st.integers(-1, 10**6) | optional,
        "license": text_or_junk | optional,
        "endpoint": st.sampled_from(["http://localhost:5273/v1", "https://h", "ftp://h", "http://"])
        | optional,
        "notes": text_or_junk | optional,
        "capabilites": json_scalars,
    },
)
plausible_prompt = text_or_junk | st.fixed_dictionaries(
    {"text": text_or_junk},
    optional={
        "id": st.sampled_from(["p1", "p2", "p3", "sum", "a|b", ""]) | optional,
        "aspects": st.lists(text_or_junk, max_size=3) | optional,
        "system": text_or_junk | optional,
        "max_tokens": st.integers(-1, 4096) | optional,
    },
)
plausible_criterion = text_or_junk | st.fixed_dictionaries(
    {"id": text_or_junk},
    optional={"label": text_or_junk | optional, "description": text_or_junk | optional},
)
plausible = {
    "models": st.dictionaries(
        st.sampled_from(["phi", "qwen", "m:1"]) | st.text(max_size=6), plausible_model, max_size=4
    ),
    "prompts": st.lists(plausible_prompt, max_size=4)
    | st.fixed_dictionaries({"schema_version": st.just(1), "prompts": st.lists(plausible_prompt)}),
    "rubric": st.lists(plausible_criterion, max_size=4)
    | st.fixed_dictionaries({"criteria": st.lists(plausible_criterion, max_size=4)}),
}


def check_valid(kind: str, loaded: Loaded[Any]) -> None:
    assert isinstance(loaded, Loaded)
    assert loaded.items
    assert all(isinstance(w, str) for w in loaded.warnings)
    ids = [item.id for item in loaded.items]
    assert len(ids) == len(set(ids))
    for item in loaded.items:
        assert item.id.strip() and "|" not in item.id
        if kind == "models":
            assert isinstance(item, ModelSpec)
            assert item.size_mb is None or (math.isfinite(item.size_mb) and item.size_mb >= 0)
            assert all(isinstance(c, str) and c.strip() for c in item.capabilities)
            assert item.endpoint is None or item.endpoint.startswith(("http://", "https://"))
        elif kind == "prompts":
            assert isinstance(item, PromptSpec)
            assert item.text.strip()
            assert item.max_tokens is None or (type(item.max_tokens) is int and item.max_tokens > 0)
            assert all(isinstance(a, str) and a.strip() for a in item.aspects)
        else:
            assert isinstance(item, Criterion)
            assert item.label and isinstance(item.description, str)


def load_or_config_error(kind: str, path: Path) -> None:
    try:
        loaded = LOADERS[kind](path)
    except ConfigError as err:
        message = str(err)
        assert message.startswith(str(path))
        assert "\n" not in message and "Traceback" not in message
        message.encode("utf-8")
    else:
        check_valid(kind, loaded)


PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(kind=st.sampled_from(sorted(LOADERS)), value=json_values | near_valid)
def test_property_any_json_value(tmp_path: Path, kind: str, value: object) -> None:
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    load_or_config_error(kind, path)


@PROPERTY_SETTINGS
@given(data=st.data(), kind=st.sampled_from(sorted(LOADERS)))
def test_property_plausible_files(tmp_path: Path, data: st.DataObject, kind: str) -> None:
    value = data.draw(plausible[kind])
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    load_or_config_error(kind, path)


@PROPERTY_SETTINGS
@given(kind=st.sampled_from(sorted(LOADERS)), raw=st.binary(max_size=64))
def test_property_any_bytes(tmp_path: Path, kind: str, raw: bytes) -> None:
    path = tmp_path / f"{kind}.json"
    path.write_bytes(raw)
    load_or_config_error(kind, path)


@PROPERTY_SETTINGS
@given(kind=st.sampled_from(sorted(LOADERS)), value=near_valid, cut=st.integers(0, 200))
def test_property_truncated_or_mangled_json(
    tmp_path: Path, kind: str, value: object, cut: int
) -> None:
    text = json.dumps(value)
    path = tmp_path / f"{kind}.json"
    path.write_text(text[:cut] + text[cut + 1 :], encoding="utf-8")
    load_or_config_error(kind, path)


@settings(max_examples=150, deadline=None)
@given(value=json_values | near_valid)
def test_property_parse_functions_on_python_values(value: object) -> None:
    for parse in (parse_models, parse_prompts, parse_rubric):
        with contextlib.suppress(ConfigError):
            parse(value, Path("x.json"))


def test_the_workshops_four_prompts_ship_with_aspects() -> None:
    from foundry_bench.core.config.prompts import load_prompts

    path = Path(__file__).resolve().parent.parent / "resources/examples/workshop-prompts.json"
    loaded = load_prompts(path)
    assert [p.text for p in loaded.items] == [
        "Explain the principle of retrieval augmented generation in 2 sentences.",
        "List 3 privacy benefits of local inference.",
        "Summarize why model size impacts latency on consumer hardware.",
        "Provide two scenarios where an SLM is preferable to an LLM.",
    ]
    assert all(p.aspects for p in loaded.items) and not loaded.warnings


def test_models_device_picks_a_variant_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    path.write_text('{"phi-4-mini": {"device": "GPU"}, "phi-4-mini-generic-cpu:1": {}}')
    gpu, cpu = load_models(path).items
    assert (gpu.id, gpu.device) == ("phi-4-mini", "gpu") and cpu.device is None
    assert parse_models({"phi-4-mini": gpu.to_dict()}, path).items == [gpu]


@pytest.mark.parametrize("device", ['"tpu"', "3", '"gpu\\u001b[2J"', '""'])
def test_models_bad_device_names_file_and_place(tmp_path: Path, device: str) -> None:
    path = tmp_path / "models.json"
    path.write_text(f'{{"phi": {{"device": {device}}}}}')
    with pytest.raises(ConfigError) as info:
        load_models(path)
    assert "models.json" in str(info.value) and "device" in str(info.value)
