"""The optional automatic judge: a model scores answers on the rubric, as its own annotator.

Its scores go to their own file (annotator ``judge:<model>``), never into the people's means.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.config.rubric import ASPECT_PREFIX, Criterion
from foundry_bench.core.quality.annotations import JUDGE_PREFIX, AnnotationSet
from foundry_bench.core.quality.files import file_slug
from foundry_bench.core.quality.groups import answer_groups
from foundry_bench.core.quality.order import (
    criteria_by_prompt,
    run_prompts,
    scorable_samples,
    seed_for_run,
)
from foundry_bench.core.quality.shared_file import AnnotationsFile
from foundry_bench.core.results.records import Measurement, Run, utc_now

JUDGE_SYSTEM = (
    "You grade one answer of an AI assistant on one criterion. Reply with a single digit from "
    "1 (very poor) to 5 (excellent) and nothing else."
)


_SCORE_PATTERNS = (
    re.compile(r"(?<![\d.])([1-5])\s*(?:/|out of)\s*5(?![\d.])", re.IGNORECASE),
    re.compile(r"(?:score|rating|grade)\W{0,3}(?:is\W{0,2})?([1-5])(?![\d.])", re.IGNORECASE),
    re.compile(r"(?<![\d.])([1-5])(?![\d.])"),
)


_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def judge_annotator(model: str) -> str:
    return JUDGE_PREFIX + model


def judge_file_name(model: str) -> str:
    return f"annotations-judge-{file_slug(model, 'model')}.json"


def parse_judge_score(text: str) -> int | None:
    """The 1-5 score in a judge's reply, or None when it gives none.

    Accepts "4", "Score: 4", "**4**", "4/5", "4 out of 5", "four"; a "N/5" or "score: N"
    form wins over a bare digit elsewhere ("2 issues, so 4/5" is 4). Numbers outside 1-5
    ("10", "4.5", "0") are not scores.
    """
    for pattern in _SCORE_PATTERNS:
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    words = re.findall(r"[a-z]+", text.casefold())
    found = [_WORDS[w] for w in words if w in _WORDS]
    return found[0] if found else None


def judge_messages(
    prompt: PromptSpec | None, answer: str, criterion: Criterion
) -> list[dict[str, str]]:
    question = prompt.text if prompt is not None else "(the prompt is not recorded)"
    what = (
        f"{criterion.label}: {criterion.description}" if criterion.description else criterion.label
    )
    if criterion.id.startswith(ASPECT_PREFIX):
        what = f"Expected aspect of a good answer: {criterion.label}"
    return [
        {"role": "system", "content": JUDGE_SYSTEM},
        {
            "role": "user",
            "content": f"Prompt:\n{question}\n\nAnswer:\n{answer}\n\nCriterion: {what}\n\n"
            "Score (1-5):",
        },
    ]


@dataclass(frozen=True)
class JudgeProgress:
    done: int
    total: int
    scored: int
    unparsed: int
    last_error: str | None = None


class ChatClient(Protocol):
    """What the judge needs of ``core.run.endpoint.client.ChatEndpoint``."""

    def chat(
        self,
        model: str,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None,
        temperature: float | None,
        seed: int | None,
        stream: bool = True,
        cancel: threading.Event | None = None,
    ) -> Measurement: ...


def run_judge(
    run: Run,
    judge_set: AnnotationSet,
    path: Path,
    endpoint: ChatClient,
    model: str,
    *,
    cancel: threading.Event | None = None,
    save_every: int = 10,
    max_tokens: int = 8,
) -> Iterator[JudgeProgress]:
    """Ask ``model`` (through a ``ChatEndpoint``) to score every answer on every criterion,
    once per group of identical answers (``core.quality.groups``), the score going to each.

    Fills ``judge_set`` (annotator ``judge:<model>``) and saves it to ``path`` every
    ``save_every`` scores and at the end; items it already scored are skipped, so a judge
    pass that was stopped resumes. A reply without a 1-5 number is counted, not stored.
    Yields progress after each request; stops between requests once ``cancel`` is set.
    """
    prompts = {p.id: p for p in run_prompts(run)}
    per_prompt = criteria_by_prompt(judge_set.criteria, run)
    samples = scorable_samples(run)
    groups = answer_groups(samples)  # identical answers are asked about once
    todo = [
        (sample, crit)
        for sample in samples
        if groups[sample.key][0] == sample.key
        for crit in per_prompt.get(sample.prompt_id, per_prompt[""])
        if judge_set.score(sample.key, crit.id) is None
    ]
    scored = unparsed = 0
    last_error: str | None = None
    file = AnnotationsFile(path)
    try:
        for done, (sample, crit) in enumerate(todo, start=1):
            if cancel is not None and cancel.is_set():
                break
            m = endpoint.chat(
                model,
                judge_messages(prompts.get(sample.prompt_id), sample.response, crit),
                max_tokens=max_tokens,
                temperature=0.0,
                seed=0,
                stream=False,
                cancel=cancel,
            )
            value = parse_judge_score(m.response) if m.status == "ok" else None
            if m.status != "ok":
                last_error = m.error or m.status
            if value is None:
                unparsed += 1
            else:
                for key in groups[sample.key]:
                    judge_set.set_score(key, crit.id, value)
                scored += 1
                if scored % save_every == 0:
                    file.save(judge_set)
            yield JudgeProgress(done, len(todo), scored, unparsed, last_error)
    finally:
        if scored:
            file.save(judge_set)


def new_judge_set(
    run: Run, model: str, criteria: Sequence[Criterion], endpoint: str
) -> AnnotationSet:
    """An empty set for the automatic judge ``model``; blind by nature."""
    now = utc_now()
    return AnnotationSet(
        run_id=run.run_id,
        annotator=judge_annotator(model),
        criteria=list(criteria),
        blind=True,
        shuffle_seed=seed_for_run(run.run_id),
        created_at=now,
        updated_at=now,
        judge={"model": model, "endpoint": endpoint, "system_prompt": JUDGE_SYSTEM},
    )
