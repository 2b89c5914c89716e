"""What a run sends: the plan of models x prompts x rounds, and its phases per model.

A phase is a list of requests sent with a given number in flight: a plain run has two per
model (the warm-ups, one at a time, then the timed rounds with ``settings.concurrency`` in
flight). A workload sweep (``core.sweep``) is a plan whose phases are its grid points, built
per model once its prompts were calibrated with untimed probe requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.results.records import Measurement
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.run.providers import PreparedModel

#: One request: the prompt and its round (from 1; warm-ups have their own count).
Job = tuple[PromptSpec, int]

#: An untimed request (messages, max_tokens) a plan may send while building its phases.
Probe = Callable[[list[dict[str, str]], int], Measurement]


@dataclass(frozen=True)
class Phase:
    warmup: bool
    jobs: Sequence[Job]
    concurrency: int


class OnDemand(Sequence[Job]):
    """``count`` jobs, job ``i`` made by ``make(i)`` when it is asked for: no option can make
    a plan exhaust memory (100,000 rounds of 1,000 prompts would be a list of 10**8 jobs, and
    a sweep's synthetic prompts are long texts)."""

    def __init__(self, count: int, make: Callable[[int], Job]) -> None:
        self._count, self._make = count, make

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Job: ...
    @overload
    def __getitem__(self, index: slice) -> list[Job]: ...
    def __getitem__(self, index: int | slice) -> Job | list[Job]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self._make(index)


def rounds_of(prompts: Sequence[PromptSpec], rounds: int) -> OnDemand:
    """``rounds`` rounds of ``prompts`` in order: round 1 of every prompt, then round 2..."""

    def job(index: int) -> Job:
        round_index, prompt_index = divmod(index, len(prompts))
        return prompts[prompt_index], round_index + 1

    return OnDemand(len(prompts) * rounds, job)


@dataclass(frozen=True)
class PhaseNote:
    """A message a plan has for the run's log while it builds a model's phases."""

    level: int
    message: str


def messages_of(prompt: PromptSpec) -> list[dict[str, str]]:
    messages = []
    if prompt.system:
        messages.append({"role": "system", "content": prompt.system})
    messages.append({"role": "user", "content": prompt.text})
    return messages


@dataclass
class RunPlan:
    models: list[ModelSpec]
    prompts: list[PromptSpec]
    settings: RunSettings = field(default_factory=RunSettings)
    run_id: str | None = None

    def requests_per_model(self) -> int:
        return len(self.prompts) * (self.settings.warmup_rounds + self.settings.rounds)

    def total_requests(self) -> int:
        return len(self.models) * self.requests_per_model()

    def phases(
        self, model: ModelSpec, prepared: PreparedModel, probe: Probe
    ) -> Iterator[Phase | PhaseNote]:
        """The phases of one model, in order (``probe`` is for plans that calibrate)."""
        s = self.settings
        yield Phase(True, rounds_of(self.prompts, s.warmup_rounds), 1)
        yield Phase(False, rounds_of(self.prompts, s.rounds), s.concurrency)

    def extra_record(self) -> dict[str, Any] | None:
        """What the plan adds to ``results.json`` (a sweep's grid and calibration), live."""
        return None
