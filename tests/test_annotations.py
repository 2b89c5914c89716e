"""core.annotations: the file, blind order, merging, agreement statistics, quality, the judge."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import factories
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.quality import annotations as an
from foundry_bench.core.quality import files as qfiles
from foundry_bench.core.quality import judge as qjudge
from foundry_bench.core.quality.agreement import (
    agreement,
    disagreements,
    judge_agreement,
    krippendorff_alpha_ordinal,
    weighted_kappa,
)
from foundry_bench.core.quality.annotations import (
    ANNOTATIONS_FILE,
    AnnotationFileError,
    AnnotationSet,
    MergeError,
)
from foundry_bench.core.quality.file_text import annotations_text
from foundry_bench.core.quality.files import (
    backup_corrupt,
    load_annotations,
    new_annotations,
    open_annotations,
    parse_annotations,
)
from foundry_bench.core.quality.judge import parse_judge_score
from foundry_bench.core.quality.merge import merge_annotations
from foundry_bench.core.quality.order import (
    blind_order,
    criteria_by_prompt,
    run_order,
    scorable_samples,
    side_by_side_pairs,
)
from foundry_bench.core.quality.shared_file import save_annotations
from foundry_bench.core.quality.summary import pareto_front, quality_summary
from foundry_bench.core.results.records import Run, Sample
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.run.endpoint.client import ChatEndpoint
from scripted_server import Scenario, ScriptedServer

MODELS = ("fast-model", "good-model", "slow-model")
PROMPTS = (
    PromptSpec("p1", "Summarize the notes.", ("mentions the decision", "three bullets")),
    PromptSpec("p2", "Explain why local models keep data private.", ("says data stays local",)),
    PromptSpec("p3", "Write a haiku."),
)
STARTED = "2025-01-01T00:00:00Z"  # of the run and of each of its samples


def make_run(
    run_id: str = "run-1", models: tuple[str, ...] = MODELS, rounds: int = 2, warmup: bool = True
) -> Run:
    """A small finished run: every model answers every prompt ``rounds`` times (+ a warm-up),
    one failed request, latencies growing with the model's index."""
    samples = []
    for mi, model in enumerate(models):
        for prompt in PROMPTS:
            if warmup:
                samples.append(_answer(model, prompt.id, 1, warmup=True, latency=9.0))
            for r in range(1, rounds + 1):
                samples.append(_answer(model, prompt.id, r, latency=0.4 + mi * 0.6 + r * 0.01))
    samples.append(
        factories.make_sample(
            models[0], "p1", rounds + 1, status="error", error="HTTP 500", started_at=STARTED
        )
    )
    return factories.make_run(
        samples,
        run_id=run_id,
        started_at=STARTED,
        settings=RunSettings(rounds=rounds),
        models=models,
        prompts=[p.to_dict() for p in PROMPTS],
    )


def _answer(
    model: str, prompt_id: str, round_no: int, *, latency: float, warmup: bool = False
) -> Sample:
    """An answer whose text names its model, prompt and round."""
    return factories.make_sample(
        model,
        prompt_id,
        round_no,
        warmup=warmup,
        started_at=STARTED,
        ttft_s=0.05,
        latency_s=latency,
        response=f"{model} says something about {prompt_id} (round {round_no}).",
    )


# -- criteria, answers, order ------------------------------------------------------------


def test_criteria_are_the_rubric_plus_each_prompts_own_aspects() -> None:
    run = make_run()
    ann = new_annotations(run, "ana")
    ids = [c.id for c in ann.criteria]
    assert ids[:4] == ["correctness", "completeness", "clarity", "conciseness"]
    assert "aspect:mentions-the-decision" in ids and "aspect:says-data-stays-local" in ids
    per_prompt = criteria_by_prompt(ann.criteria, run)
    assert [c.id for c in per_prompt["p1"]][4:] == [
        "aspect:mentions-the-decision",
        "aspect:three-bullets",
    ]
    assert [c.id for c in per_prompt["p3"]] == ids[:4]  # no aspects of other prompts


def test_only_timed_ok_answers_are_scored() -> None:
    run = make_run()
    keys = [s.key for s in scorable_samples(run)]
    assert len(keys) == 3 * 3 * 2
    assert not any("|w" in k for k in keys)
    assert "fast-model|p1|3" not in keys  # the failed request


def test_blind_order_is_the_same_for_two_annotators_and_not_the_run_order() -> None:
    run = make_run()
    ana, ben = new_annotations(run, "ana"), new_annotations(run, "ben")
    assert ana.shuffle_seed == ben.shuffle_seed
    keys = run_order(run)
    order_a = blind_order(keys, ana.shuffle_seed)
    assert order_a == blind_order(list(reversed(keys)), ben.shuffle_seed)
    assert order_a != keys and sorted(order_a) == sorted(keys)
    # The order does not depend on what else the run holds: an answer keeps its place
    # relative to the others when the run has more answers.
    fewer = blind_order(keys[:-3], ana.shuffle_seed)
    assert [k for k in order_a if k in fewer] == fewer
    # Another run gets another shuffle.
    other = new_annotations(make_run("run-2"), "ana")
    assert blind_order(keys, other.shuffle_seed) != order_a


def test_the_seed_travels_in_the_file(tmp_path: Path) -> None:
    run = make_run()
    ann = new_annotations(run, "ana", seed=1234)
    save_annotations(tmp_path / ANNOTATIONS_FILE, ann)
    assert load_annotations(tmp_path / ANNOTATIONS_FILE).shuffle_seed == 1234


def test_side_by_side_pairs_cover_every_two_models_per_prompt_and_round() -> None:
    run = make_run()
    pairs = side_by_side_pairs(run)
    assert len(pairs) == 3 * 2 * 3  # prompts x rounds x model pairs
    first = pairs[0]
    assert (first.model_a, first.model_b) == ("fast-model", "good-model")
    assert first.sample_a.split("|")[1:] == first.sample_b.split("|")[1:]
    blind = side_by_side_pairs(run, seed=7)
    assert sorted(blind, key=str) == sorted(pairs, key=str) and blind != pairs
    swaps = {p.swapped(7) for p in pairs}
    assert swaps == {True, False}  # left/right says nothing about the model


# -- the file ----------------------------------------------------------------------------


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    run = make_run()
    ann = new_annotations(run, "ana")
    ann.set_score("good-model|p1|1", "correctness", 4)
    ann.set_score("good-model|p1|1", "aspect:three-bullets", 2)
    ann.set_note("good-model|p1|1", "misses the date")
    pair = side_by_side_pairs(run)[0]
    ann.set_preference(pair, pair.model_b)
    ann.position = {"mode": "single", "sample_key": "good-model|p1|1"}
    path = tmp_path / ANNOTATIONS_FILE
    save_annotations(path, ann)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1
    assert {"run_id", "annotator", "blind", "criteria", "scores"} <= data.keys()
    assert set(data["scores"][0]) == {"sample_key", "criterion", "score", "note", "updated_at"}
    back = load_annotations(path)
    assert back.score("good-model|p1|1", "correctness") == 4
    assert back.note("good-model|p1|1") == "misses the date"
    assert back.preference(pair) == pair.model_b
    assert back.position == ann.position and back.criteria == ann.criteria
    assert back.to_dict() == ann.to_dict()


def test_scores_must_be_whole_numbers_from_1_to_5() -> None:
    ann = new_annotations(make_run(), "ana")
    for bad in (0, 6, 2.5, True, "3"):
        with pytest.raises(ValueError, match="1 to 5"):
            ann.set_score("k", "correctness", bad)  # type: ignore[arg-type]
    ann.set_score("k", "correctness", 3)
    ann.set_score("k", "correctness", None)
    assert ann.score("k", "correctness") is None


def test_open_starts_new_sets_without_writing_and_adds_new_aspects(tmp_path: Path) -> None:
    run = make_run()
    path = tmp_path / ANNOTATIONS_FILE
    ann, new = open_annotations(path, run, annotator="ana")
    assert new and not path.exists()
    ann.criteria = ann.criteria[:4]  # as if written before the prompts had aspects
    save_annotations(path, ann)
    again, new = open_annotations(path, run, annotator="ana")
    assert not new and "aspect:three-bullets" in [c.id for c in again.criteria]


CORRUPT_CASES = [
    (b"", "empty"),
    (b'{"schema_version": 1, "run_id": "run-1", "annotator": "ana", "scores": [', "invalid JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"[1, 2, 3]", "top level"),
    (b'{"hello": "world"}', "not an annotations file"),
    (b'{"schema_version": 1, "run_id": "r", "samples": []}', "results file"),
    (
        b'{"schema_version": 9, "run_id": "run-1", "annotator": "ana"}',
        "newer version of the app",
    ),
    (
        b'{"schema_version": 1, "run_id": "run-1", "annotator": "ana", "scores": '
        b'[{"sample_key": "k", "criterion": "c", "score": 7}]}',
        "scores[0].score",
    ),
    (b'{"schema_version": 1, "run_id": "run-1", "annotator": "ana", "blind": NaN}', "NaN"),
    (b"[" * 100_000, "nested more than 64 levels deep"),
]


@pytest.mark.parametrize(("raw", "problem"), CORRUPT_CASES)
def test_a_bad_file_is_a_clear_error_and_is_left_untouched(
    tmp_path: Path, raw: bytes, problem: str
) -> None:
    path = tmp_path / ANNOTATIONS_FILE
    path.write_bytes(raw)
    with pytest.raises(AnnotationFileError) as info:
        open_annotations(path, make_run(), annotator="ana")
    message = str(info.value)
    assert message.startswith(str(path)) and problem in message
    assert path.read_bytes() == raw


def test_a_file_of_another_run_is_refused(tmp_path: Path) -> None:
    path = tmp_path / ANNOTATIONS_FILE
    save_annotations(path, new_annotations(make_run("run-2"), "ana"))
    before = path.read_bytes()
    with pytest.raises(AnnotationFileError, match="'run-2', not of the open run 'run-1'"):
        open_annotations(path, make_run("run-1"), annotator="ana")
    assert path.read_bytes() == before


def test_backup_keeps_an_identical_copy(tmp_path: Path) -> None:
    path = tmp_path / ANNOTATIONS_FILE
    path.write_bytes(b"{broken")
    first, second = backup_corrupt(path), backup_corrupt(path)
    assert first != second
    assert first.name.startswith("annotations.json.corrupt-")
    assert first.read_bytes() == second.read_bytes() == path.read_bytes() == b"{broken"


def test_migrations_bring_old_files_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook: a version-1 file read by an app whose format is version 2."""

    def one_to_two(data: dict) -> dict:
        data["annotator"] = data["annotator"].upper()
        return data

    path = tmp_path / ANNOTATIONS_FILE
    save_annotations(path, new_annotations(make_run(), "ana"))
    monkeypatch.setattr(an, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(qfiles.MIGRATIONS, 1, one_to_two)
    assert load_annotations(path).annotator == "ANA"
    monkeypatch.delitem(qfiles.MIGRATIONS, 1)
    with pytest.raises(AnnotationFileError, match="schema_version 1 is not supported"):
        load_annotations(path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=400))
def test_any_bytes_load_or_give_the_clear_error(raw: bytes) -> None:
    _load_or_clear_error(raw)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["sample_key", "criterion", "score", "note", "id", "label", "winner", "model_a"]
            )
            | st.text(max_size=5),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)
_fields = st.fixed_dictionaries(
    {"schema_version": st.sampled_from([1, 1, 1, 0, 2, "1", None]), "annotator": _json},
    optional={
        "run_id": _json,
        "blind": _json,
        "criteria": _json,
        "scores": _json,
        "notes": _json,
        "preferences": _json,
        "shuffle_seed": _json,
        "position": _json,
        "judge": _json,
        "created_at": _json,
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_fields)
def test_any_json_shaped_like_annotations_loads_or_gives_the_clear_error(data: dict) -> None:
    _load_or_clear_error(json.dumps(data).encode())


def _load_or_clear_error(raw: bytes) -> None:
    path = Path("annotations.json")
    try:
        ann = parse_annotations(raw, path)
    except AnnotationFileError as exc:
        assert str(exc).startswith("annotations.json: ") and exc.problem
        return
    assert isinstance(ann, AnnotationSet)
    # What loads can be written and read back the same.
    again = parse_annotations(json.dumps(ann.to_dict()).encode(), path)
    assert again.to_dict() == ann.to_dict()


# -- several annotators and agreement ----------------------------------------------------


def test_krippendorff_alpha_textbook_example() -> None:
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
    observers, twelve units, values 1-5, missing data. Published: ordinal alpha = 0.815
    (nominal 0.743, interval 0.849). Unit 12 has one value only and is not pairable."""
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    c = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    units = [[v for v in unit if v is not None] for unit in zip(a, b, c, d, strict=True)]
    assert krippendorff_alpha_ordinal(units) == pytest.approx(0.815, abs=5e-4)


def test_krippendorff_alpha_small_hand_computed_case() -> None:
    """Two raters, three items: (1,1), (2,2), (1,2). Coincidences: o11 = 2, o22 = 2,
    o12 = o21 = 1; n1 = n2 = 3, n = 6. Ordinal d(1,2) = (3 + 3 - (3 + 3)/2)^2 = 9.
    D_o = 2 * 9 = 18; D_e = 2 * n1 * n2 * 9 = 162; alpha = 1 - (n - 1) * 18 / 162 = 4/9."""
    assert krippendorff_alpha_ordinal([[1, 1], [2, 2], [1, 2]]) == pytest.approx(4 / 9)
    assert krippendorff_alpha_ordinal([[3, 3], [3, 3]]) is None  # no variation: undefined
    assert krippendorff_alpha_ordinal([[4]]) is None  # nothing to pair
    assert krippendorff_alpha_ordinal([[1, 1], [5, 5], [3, 3]]) == pytest.approx(1.0)


def test_weighted_kappa_hand_computed() -> None:
    """A = 1,2,3,4,5 and B = 1,2,3,5,5. Quadratic weights (i - j)^2 (the 1/(k-1)^2 factor
    cancels). Observed: one disagreement of 1 -> sum w*O = 1/5 = 0.2. Expected: mean of
    (a_i - b_j)^2 over all 25 pairs = (30 + 15 + 10 + 30 + 30) / 25 = 4.6.
    kappa = 1 - 0.2 / 4.6 = 22/23."""
    assert weighted_kappa([1, 2, 3, 4, 5], [1, 2, 3, 5, 5]) == pytest.approx(22 / 23)
    assert weighted_kappa([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)
    assert weighted_kappa([3, 3], [3, 3]) is None
    assert weighted_kappa([], []) is None
    # Systematic opposite scores agree worse than chance.
    assert weighted_kappa([1, 2, 4, 5], [5, 4, 2, 1]) == pytest.approx(-1.0)


def _two_annotators(run: Run) -> tuple[AnnotationSet, AnnotationSet]:
    ana, ben = new_annotations(run, "ana"), new_annotations(run, "ben")
    scores = {
        "fast-model|p1|1": (1, 1),
        "fast-model|p1|2": (2, 2),
        "good-model|p1|1": (4, 5),
        "good-model|p2|1": (5, 5),
        "slow-model|p3|1": (3, 1),
    }
    for key, (a, b) in scores.items():
        ana.set_score(key, "correctness", a)
        ben.set_score(key, "correctness", b)
    ana.set_score("slow-model|p3|2", "correctness", 4)  # only one rater: not pairable
    return ana, ben


def test_agreement_per_criterion_matches_the_statistics() -> None:
    run = make_run()
    ana, ben = _two_annotators(run)
    merged = merge_annotations([ana, ben])
    rows = {r["criterion"]: r for r in agreement(merged)}
    correctness = rows["correctness"]
    assert correctness["n_items"] == 5 and correctness["n_raters"] == 2
    a, b = [1, 2, 4, 5, 3], [1, 2, 5, 5, 1]
    assert correctness["kappa"] == pytest.approx(weighted_kappa(a, b))
    pairs = [[x, y] for x, y in zip(a, b, strict=True)]
    assert correctness["alpha"] == pytest.approx(krippendorff_alpha_ordinal(pairs))
    assert rows["clarity"]["n_items"] == 0 and rows["clarity"]["alpha"] is None
    assert rows["*"]["n_items"] == 5


def test_disagreements_put_the_largest_spread_first() -> None:
    run = make_run()
    merged = merge_annotations(list(_two_annotators(run)))
    top = disagreements(merged)
    assert [(r["sample_key"], r["spread"]) for r in top] == [
        ("slow-model|p3|1", 2),
        ("good-model|p1|1", 1),
    ]
    assert top[0]["scores"] == {"ana": 3, "ben": 1}


def test_merge_refuses_another_runs_file_and_keeps_same_named_raters_apart() -> None:
    ana = new_annotations(make_run("run-1"), "ana")
    ana.source = Path("/x/annotations.json")
    other = new_annotations(make_run("run-2"), "ben")
    with pytest.raises(MergeError, match=r"'ben'.*run 'run-2'.*run 'run-1'"):
        merge_annotations([ana, other])
    twin = new_annotations(make_run("run-1"), "ana")
    assert merge_annotations([ana, twin]).raters == ["ana", "ana (2)"]


# -- quality per model -------------------------------------------------------------------


def test_quality_summary_means_cis_and_the_judge_kept_apart() -> None:
    run = make_run()
    ana, ben = _two_annotators(run)
    judge = new_annotations(run, "judge:some-model")
    judge.set_score("fast-model|p1|1", "correctness", 5)
    ana.set_score("not-a-sample|p1|1", "correctness", 1)  # ignored: not in the run
    summary = {e["model"]: e for e in quality_summary(run, [ana, ben, judge])}
    fast = summary["fast-model"]
    # fast-model: answers (1,1) and (2,2) -> mean 1.5; the judge's 5 is not in it.
    assert fast["mean"] == pytest.approx(1.5) and fast["n_scores"] == 4
    assert fast["n_answers"] == 2
    lo, hi = fast["ci"]
    assert 1.0 <= lo <= 1.5 <= hi <= 2.0
    assert fast["judge"]["mean"] == 5 and fast["judge"]["annotators"] == ["judge:some-model"]
    by_crit = {c["criterion"]: c for c in fast["criteria"]}
    assert by_crit["correctness"]["mean"] == pytest.approx(1.5)
    assert by_crit["clarity"]["mean"] is None
    slow = summary["slow-model"]  # (3, 1) and a single 4: mean 8/3
    assert slow["mean"] == pytest.approx(8 / 3)
    assert summary["good-model"]["ci"] is not None
    with pytest.raises(MergeError, match="run 'run-2'"):
        quality_summary(run, [new_annotations(make_run("run-2"), "x")])


def test_design_quality_rule_every_score_every_file_counts() -> None:
    """docs/design.md: per model, the mean of all its scores, every criterion and file."""
    run = make_run()
    ana = new_annotations(run, "ana")
    ana.set_score("good-model|p1|1", "correctness", 5)
    ana.set_score("good-model|p1|1", "aspect:three-bullets", 2)
    entry = quality_summary(run, [ana, ana])[1]
    assert entry["model"] == "good-model"
    assert entry["mean"] == pytest.approx(3.5) and entry["n_scores"] == 4
    assert entry["aspects"]["mean"] == 2


def test_pareto_front() -> None:
    points = [(1.0, 3.0), (2.0, 4.0), (3.0, 3.5), (0.5, 2.0), (1.0, 3.0), (float("nan"), 5.0)]
    assert pareto_front(points) == [True, True, False, True, True, False]


# -- the automatic judge -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("4", 4),
        (" 5\n", 5),
        ("Score: 3", 3),
        ("**2**", 2),
        ("I'd rate it 4/5.", 4),
        ("2 small issues, so 4 out of 5", 4),
        ("Rating - 1", 1),
        ("four", 4),
        ("10", None),
        ("4.5", None),
        ("0", None),
        ("no idea", None),
        ("", None),
    ],
)
def test_judge_scores_are_parsed_robustly(reply: str, score: int | None) -> None:
    assert parse_judge_score(reply) == score


def test_judge_scores_every_answer_through_an_endpoint_and_resumes(tmp_path: Path) -> None:
    run = make_run(models=("m1", "m2"), rounds=1, warmup=False)
    people = new_annotations(run, "ana")
    for sample in scorable_samples(run):
        people.set_score(sample.key, "correctness", 4 if sample.model == "m1" else 3)
    judge_set = qjudge.new_judge_set(run, "judge-model", people.criteria, "http://x")
    path = tmp_path / qjudge.judge_file_name("judge-model")
    scenario = Scenario(tokens=1, token_text="4", numbered=False)
    with ScriptedServer({"judge-model": scenario}) as srv, ChatEndpoint(srv.base_url) as ep:
        cancel = threading.Event()
        progress = []
        for p in qjudge.run_judge(run, judge_set, path, ep, "judge-model", cancel=cancel):
            progress.append(p)
            if p.done == 5:
                cancel.set()  # stop early; the next pass resumes
        assert progress[-1].done == 5 and path.exists()
        assert len(load_annotations(path).scores) == 5
        resumed = list(qjudge.run_judge(run, load_annotations(path), path, ep, "judge-model"))
        request = srv.last_request()
    n_items = sum(
        len(criteria_by_prompt(people.criteria, run)[s.prompt_id]) for s in scorable_samples(run)
    )
    assert resumed[-1].total == n_items - 5 and resumed[-1].unparsed == 0
    saved = load_annotations(path)
    assert saved.annotator == "judge:judge-model" and saved.is_judge
    assert len(saved.scores) == n_items and {s.score for s in saved.scores.values()} == {4}
    assert request.body is not None and request.body["stream"] is False
    assert "Criterion:" in request.body["messages"][-1]["content"]
    merged = merge_annotations([people, saved])
    rows = {r["criterion"]: r for r in judge_agreement(merged, "judge:judge-model")}
    assert rows["correctness"]["n_items"] == len(scorable_samples(run))
    # The judge always says 4; kappa against 4/3 scores is defined and below 1.
    assert rows["correctness"]["kappa"] is None or rows["correctness"]["kappa"] < 1


def test_judge_counts_replies_without_a_score(tmp_path: Path) -> None:
    run = make_run(models=("m1",), rounds=1, warmup=False)
    judge_set = qjudge.new_judge_set(run, "chatty", new_annotations(run, "x").criteria, "")
    scenario = Scenario(tokens=3, token_text="great answer ", numbered=False)
    path = tmp_path / "judge.json"
    with ScriptedServer({"chatty": scenario}) as srv, ChatEndpoint(srv.base_url) as ep:
        progress = list(qjudge.run_judge(run, judge_set, path, ep, "chatty"))
    assert progress[-1].scored == 0 and progress[-1].unparsed == progress[-1].total
    assert not path.exists()  # nothing scored, nothing written


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(st.text(max_size=12), min_size=1, max_size=5),
    note=st.text(max_size=30),
    annotator=st.text(min_size=1, max_size=10),
)
def test_the_written_text_is_exactly_the_records(keys: list[str], note: str, annotator: str):
    """The file is written item by item (see ``annotations_text``); whatever the text in it,
    it must read back as the same records."""
    ann = new_annotations(make_run(), annotator)
    for i, key in enumerate(keys):
        ann.set_score(key, "correctness", 1 + i % 5)
        ann.set_note(key, note)
    text = annotations_text(ann)
    assert json.loads(text) == ann.to_dict()
    assert parse_annotations(text.encode(), Path("a.json")).to_dict() == ann.to_dict()
