"""A sweep as a run: a ``RunPlan`` whose phases per model are its grid points.

For each model: calibrate the synthetic prompts (untimed), fit every point's prompt to its
size, optionally probe the largest prompt the model accepts, then run each point: its
warm-ups one at a time and its timed rounds with the point's concurrency in flight. Each
request sends fresh filler (a seed per point, round and warm-up), so no answer is served from
a prefix cache. What the sweep learns per model (calibration, probes, points it had to skip)
goes into ``results.json``'s ``sweep`` object; the samples are ordinary samples whose
``prompt_id`` is the point's id.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.run.plan import Job, OnDemand, Phase, PhaseNote, Probe, RunPlan
from foundry_bench.core.run.providers import PreparedModel
from foundry_bench.core.sweep.context import probe_context
from foundry_bench.core.sweep.grid import Point, SweepGrid
from foundry_bench.core.sweep.synthetic import (
    CalibrationError,
    ProbeCancelled,
    PromptShape,
    calibrate,
    fit_point,
)

SWEEP_SCHEMA = 1
DEFAULT_PROBE_UPPER = 32_768  # when the model advertises no context length


def describe(point: Point) -> str:
    depth = f", {point.context_depth} of them earlier context" if point.context_depth else ""
    return (
        f"synthetic: {point.prompt_tokens} prompt tokens{depth}, up to {point.output_tokens} "
        f"output tokens, {point.concurrency} in flight"
    )


@dataclass
class SweepPlan(RunPlan):
    grid: SweepGrid = field(default_factory=lambda: SweepGrid((128,), (64,)))
    probe_context: bool = True
    probe_upper: int | None = None  # None: the advertised context, else DEFAULT_PROBE_UPPER
    record: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.prompts = [
            PromptSpec(id=p.id, text=describe(p), max_tokens=p.output_tokens)
            for p in self.grid.points
        ]
        self.record = {
            "schema_version": SWEEP_SCHEMA,
            "grid": self.grid.to_dict(),
            "points": [p.to_dict() for p in self.grid.points],
            "models": {},
        }

    def requests_per_model(self) -> int:
        s = self.settings
        return sum(s.warmup_rounds + s.rounds * p.concurrency for p in self.grid.points)

    def extra_record(self) -> dict[str, Any] | None:
        return self.record

    def phases(
        self, model: ModelSpec, prepared: PreparedModel, probe: Probe
    ) -> Iterator[Phase | PhaseNote]:
        info: dict[str, Any] = {"skipped": {}}
        self.record["models"][model.id] = info
        try:
            cal = calibrate(probe)
        except ProbeCancelled:
            return
        except CalibrationError as exc:
            info["error"] = f"calibration failed: {exc}"
            yield PhaseNote(logging.ERROR, info["error"])
            return
        info["calibration"] = cal.to_dict()
        yield PhaseNote(
            logging.INFO,
            f"calibrated: {cal.per_unit:.3f} tokens per word + {cal.overhead:.0f} overhead",
        )
        shapes: dict[str, PromptShape] = {}
        for point in self.grid.points:
            try:
                shapes[point.id] = fit_point(
                    cal, probe, point.id, point.prompt_tokens, point.context_depth
                )
            except ProbeCancelled:
                return
            except CalibrationError as exc:
                info["skipped"][point.id] = str(exc)
                yield PhaseNote(logging.WARNING, f"{point.id} skipped: {exc}")
        info["calibration"] = cal.to_dict()
        if self.probe_context:
            accepted = max((cal.achieved[pid] for pid in shapes), default=0)
            upper = self.probe_upper or prepared.context_length or DEFAULT_PROBE_UPPER
            found = probe_context(cal, probe, prepared.context_length, upper, accepted)
            info["context"] = found
            yield PhaseNote(logging.INFO, _context_note(found))
        for point in self.grid.points:
            shape = shapes.get(point.id)
            if shape is None:
                continue
            spec = next(p for p in self.prompts if p.id == point.id)
            yield Phase(True, self._jobs(spec, shape, self.settings.warmup_rounds, 1), 1)
            # Every slot in flight gets the rounds: N in flight send N x rounds requests, so a
            # phase is long enough for its wall time (and throughput) to mean something.
            timed = self._jobs(spec, shape, self.settings.rounds * point.concurrency, 0)
            yield Phase(False, timed, point.concurrency)

    @staticmethod
    def _jobs(spec: PromptSpec, shape: PromptShape, rounds: int, salt: int) -> OnDemand:
        def job(index: int) -> Job:  # made when sent: a long synthetic text per round
            round_no = index + 1
            seed = zlib.crc32(f"{spec.id}|{salt}|{round_no}".encode())
            system, text = shape.messages(seed)
            return PromptSpec(spec.id, text, system=system, max_tokens=spec.max_tokens), round_no

        return OnDemand(rounds, job)


def _context_note(found: dict[str, Any]) -> str:
    advertised = found["advertised"]
    said = f"advertised {advertised:,}" if advertised else "no advertised context"
    if found["at_least"]:
        return f"context: {said}; accepted a prompt of {found['effective'] or 0:,} tokens"
    return (
        f"context: {said}; largest prompt accepted {found['effective'] or 0:,} tokens, "
        f"refused at {found['refused_at']:,}"
    )
