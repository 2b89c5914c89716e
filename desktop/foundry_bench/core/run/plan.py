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


class Rounds(Sequence[Job]):
    """``rounds`` rounds of ``prompts`` in order (round 1 of every prompt, then round 2...),
    each job made when it is asked for: 100,000 rounds of 1,000 prompts would be a list of
    10**8 jobs, so no option can make the plan exhaust memory."""

    def __init__(self, prompts: Sequence[PromptSpec], rounds: int) -> None:
        self._prompts, self._rounds = prompts, rounds

    def __len__(self) -> int:
        return len(self._prompts) * self._rounds

    @overload
    def __getitem__(self, index: int) -> Job: ...
    @overload
    def __getitem__(self, index: slice) -> list[Job]: ...
    def __getitem__(self, index: int | slice) -> Job | list[Job]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        round_index, prompt_index = divmod(index, len(self._prompts))
        return self._prompts[prompt_index], round_index + 1


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
        yield Phase(True, Rounds(self.prompts, s.warmup_rounds), 1)
        yield Phase(False, Rounds(self.prompts, s.rounds), s.concurrency)

    def extra_record(self) -> dict[str, Any] | None:
        """What the plan adds to ``results.json`` (a sweep's grid and calibration), live."""
        return None
