"""A run's samples as parallel numpy arrays, and grouping rows by model or prompt.

The charts (``core.analysis.chart_data``) and the statistics (``core.analysis.stats``) both
work on integer codes of models and prompts, grouped by :func:`group_rows`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from foundry_bench.core.results.records import Run, Sample

FloatArray = npt.NDArray[np.float64]


IntArray = npt.NDArray[np.intp]


BoolArray = npt.NDArray[np.bool_]


def empty_floats() -> FloatArray:
    return np.zeros(0, dtype=np.float64)


def parse_stamp(stamp: str | None) -> float:
    """Seconds since the epoch of an ISO 8601 stamp; NaN when missing or unreadable."""
    if not stamp:
        return math.nan
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return math.nan


@dataclass(frozen=True)
class Columns:
    """The samples of a run as parallel arrays (one element per sample, warm-ups included)."""

    model: IntArray
    prompt: IntArray
    warmup: BoolArray
    ok: BoolArray
    start_s: FloatArray  # seconds since the run started (NaN when unknown)
    latency_ms: FloatArray  # NaN when the sample has none
    ttft_ms: FloatArray
    ttfa_ms: FloatArray  # the first answer token (after any thinking)
    tpot_ms: FloatArray
    output_tps: FloatArray
    reasoned: BoolArray  # the model showed thinking in this answer

    def __len__(self) -> int:
        return int(self.model.size)

    @property
    def timed_ok(self) -> BoolArray:
        """The samples statistics are made of: timed (not warm-up) and ``ok``."""
        mask: BoolArray = self.ok & ~self.warmup
        return mask


def _ms(value: float | None) -> float:
    return math.nan if value is None else value * 1000.0


def _num(value: float | None) -> float:
    return math.nan if value is None else float(value)


class SampleColumns:
    """Samples appended as a run goes, kept as one list per field; ``columns()`` gives arrays.

    Models and prompts get integer codes in the order given to :meth:`set_order` (the run's
    order), then in order of first appearance, so colours and positions stay put as the run
    goes and when it is reopened.
    """

    def __init__(self, run_started_at: str | None = None) -> None:
        self.models: list[str] = []
        self.prompts: list[str] = []
        self._model_codes: dict[str, int] = {}
        self._prompt_codes: dict[str, int] = {}
        self._t0 = parse_stamp(run_started_at)
        self._lists: dict[str, list[Any]] = {name: [] for name in _FIELDS}
        self._cache: Columns | None = None

    @classmethod
    def from_run(cls, run: Run) -> SampleColumns:
        cols = cls(run.started_at)
        prompt_ids = [p.get("id") for p in run.prompts if isinstance(p, dict)]
        cols.set_order([m.id for m in run.models], [p for p in prompt_ids if isinstance(p, str)])
        cols.extend(run.samples)
        return cols

    def set_order(self, models: Iterable[str], prompts: Iterable[str]) -> None:
        for model in models:
            self._code(self._model_codes, self.models, model)
        for prompt in prompts:
            self._code(self._prompt_codes, self.prompts, prompt)

    def __len__(self) -> int:
        return len(self._lists["model"])

    def extend(self, samples: Iterable[Sample]) -> None:
        lists = self._lists
        for s in samples:
            start = parse_stamp(s.started_at)
            if math.isnan(self._t0):
                # No run start known (a run rebuilt from samples): the first sample is t=0.
                self._t0 = start
            lists["model"].append(self._code(self._model_codes, self.models, s.model))
            lists["prompt"].append(self._code(self._prompt_codes, self.prompts, s.prompt_id))
            lists["warmup"].append(s.warmup)
            lists["ok"].append(s.status == "ok")
            lists["start_s"].append(start - self._t0)
            lists["latency_ms"].append(_ms(s.latency_s))
            lists["ttft_ms"].append(_ms(s.ttft_s))
            lists["ttfa_ms"].append(_ms(s.ttfa_s))
            lists["tpot_ms"].append(_ms(s.tpot_s))
            lists["output_tps"].append(_num(s.output_tps))
            lists["reasoned"].append(s.reasoned)
        self._cache = None

    def columns(self) -> Columns:
        if self._cache is None:
            lists = self._lists
            self._cache = Columns(
                model=np.asarray(lists["model"], dtype=np.intp),
                prompt=np.asarray(lists["prompt"], dtype=np.intp),
                warmup=np.asarray(lists["warmup"], dtype=np.bool_),
                ok=np.asarray(lists["ok"], dtype=np.bool_),
                start_s=np.asarray(lists["start_s"], dtype=np.float64),
                latency_ms=np.asarray(lists["latency_ms"], dtype=np.float64),
                ttft_ms=np.asarray(lists["ttft_ms"], dtype=np.float64),
                ttfa_ms=np.asarray(lists["ttfa_ms"], dtype=np.float64),
                tpot_ms=np.asarray(lists["tpot_ms"], dtype=np.float64),
                output_tps=np.asarray(lists["output_tps"], dtype=np.float64),
                reasoned=np.asarray(lists["reasoned"], dtype=np.bool_),
            )
        return self._cache

    @staticmethod
    def _code(codes: dict[str, int], names: list[str], name: str) -> int:
        code = codes.get(name)
        if code is None:
            code = codes[name] = len(names)
            names.append(name)
        return code


_FIELDS = (
    "model",
    "prompt",
    "warmup",
    "ok",
    "start_s",
    "latency_ms",
    "ttft_ms",
    "ttfa_ms",
    "tpot_ms",
    "output_tps",
    "reasoned",
)


def group_rows(codes: IntArray, n_groups: int) -> list[IntArray]:
    """Row indices of each code 0..n_groups-1, in O(n log n)."""
    idx = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[idx], np.arange(n_groups + 1))
    return [idx[bounds[g] : bounds[g + 1]] for g in range(n_groups)]
