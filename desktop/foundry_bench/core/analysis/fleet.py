"""Runs of many devices merged into one device x model table (``foundry-bench fleet``).

Each cell is that run's own statistic, read from its summary (``core.analysis.stats``) exactly
as the run's own report shows it, with the run's bootstrap 95% CI where it has one. Nothing is
pooled across devices: their samples come from different machines, so a pooled percentile
would describe none of them. For each device the recommendation (``core.analysis.recommend``)
names the best model under the constraints; every model that misses one is listed with the
reason, per device.

Two runs with the same device label are either reduced to the newest one (by start time, then
run id) or both kept with the run id added to the device name; the fleet says which in its
notes. Runs written by different app versions merge (they share the results.json schema; an
unknown schema is refused when the run is read) and the notes name the versions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from foundry_bench.core.analysis.recommend import Constraints, recommend
from foundry_bench.core.analysis.stats import ensure_summary
from foundry_bench.core.config.checks import stored_tally
from foundry_bench.core.quality.rows import (
    QualityRow,
    find_annotation_files,
    quality_by_model,
    quality_for,
)
from foundry_bench.core.results.folders import open_run_folders
from foundry_bench.core.results.records import Run

SameLabel = Literal["newest", "all"]
SAME_LABEL_CHOICES: tuple[SameLabel, ...] = ("newest", "all")
FLEET_SCHEMA_VERSION = 1
CI = tuple[float, float]


@dataclass(frozen=True)
class FleetMetric:
    """One statistic of a cell: its column name, heading, decimals and which way is better."""

    key: str
    title: str
    digits: int
    higher_is_better: bool


#: The cell statistics in CSV column order (``device, model`` come first).
FLEET_METRICS = (
    FleetMetric("n_ok", "OK", 0, True),
    FleetMetric("p50_latency_ms", "p50 latency (ms)", 1, False),
    FleetMetric("p95_latency_ms", "p95 latency (ms)", 1, False),
    FleetMetric("p50_ttft_ms", "p50 TTFT (ms)", 1, False),
    FleetMetric("output_tps", "Mean output tok/s", 1, True),
    FleetMetric("peak_rss_mb", "Peak RSS (MB)", 0, False),
    FleetMetric("quality", "Quality (1-5)", 2, True),
)
METRIC_BY_KEY = {m.key: m for m in FLEET_METRICS}

# Cell statistic -> (summary metric, statistic, CI key, scale): the run's own numbers.
_FROM_SUMMARY: dict[str, tuple[str, str, str | None, float]] = {
    "p50_latency_ms": ("latency_s", "p50", "p50_ci", 1000.0),
    "p95_latency_ms": ("latency_s", "p95", "p95_ci", 1000.0),
    "p50_ttft_ms": ("ttft_s", "p50", "p50_ci", 1000.0),
    "output_tps": ("output_tps", "mean", None, 1.0),
}


@dataclass(frozen=True)
class FleetInput:
    """One run to merge, with the quality rows from the annotation files next to it."""

    run: Run
    run_dir: Path
    quality: Sequence[QualityRow] | None = None


@dataclass(frozen=True)
class FleetCell:
    device: str
    model: str
    values: Mapping[str, float | None]
    cis: Mapping[str, CI]
    checks: tuple[int, int] | None  # (passed, total) where the run's summary has checks
    qualifies: bool
    reasons: tuple[str, ...]

    def value(self, key: str) -> float | None:
        return self.values.get(key)


@dataclass(frozen=True)
class FleetDevice:
    name: str  # the label, with the run id added when several runs of one label are kept
    label: str
    run_id: str
    run_dir: Path
    started_at: str
    app: str
    best: str | None
    why: str


@dataclass(frozen=True)
class Miss:
    """A model that does not qualify on a device, and why."""

    model: str
    device: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Fleet:
    devices: tuple[FleetDevice, ...]
    models: tuple[str, ...]
    cells: Mapping[tuple[str, str], FleetCell]
    constraints: Constraints
    misses: tuple[Miss, ...] = ()
    notes: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default=())  # inputs that could not be read, and why

    def cell(self, device: str, model: str) -> FleetCell | None:
        return self.cells.get((device, model))

    def ordered_cells(self) -> list[FleetCell]:
        """Cells device by device, models in table order (the CSV's row order)."""
        return [
            cell
            for device in self.devices
            for model in self.models
            if (cell := self.cells.get((device.name, model))) is not None
        ]


def device_label(run: Run, run_dir: Path) -> str:
    """The run's ``environment.label``; a run without one (older, or rebuilt from its samples)
    is named by its folder."""
    label = run.environment.get("label")
    if isinstance(label, str) and label.strip():
        return label.strip()
    return run_dir.name


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _ci(value: object, scale: float) -> CI | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    lo, hi = _number(value[0]), _number(value[1])
    return None if lo is None or hi is None else (lo * scale, hi * scale)


def _cell(
    device: str,
    run: Run,
    entry: Mapping[str, Any],
    quality: QualityRow | None,
    reasons: Sequence[str],
) -> FleetCell:
    model = str(entry.get("model"))
    n_ok = entry.get("n_ok")
    values: dict[str, float | None] = {"n_ok": n_ok if isinstance(n_ok, int) else None}
    cis: dict[str, CI] = {}
    for key, (metric, stat, ci_key, scale) in _FROM_SUMMARY.items():
        stats = entry.get(metric)
        stats = stats if isinstance(stats, Mapping) else {}
        number = _number(stats.get(stat))
        values[key] = None if number is None else number * scale
        if ci_key and (ci := _ci(stats.get(ci_key), scale)) is not None:
            cis[key] = ci
    record = run.model(model)
    # peak_rss_mb is measured by the runtime host process where a run has one; older runs
    # and other servers have none, and the cell says so (null) rather than guess.
    values["peak_rss_mb"] = _number(record.peak_rss_mb) if record else None
    values["quality"] = _number(quality.get("mean")) if quality else None
    if quality and (q_ci := _ci(quality.get("ci"), 1.0)) is not None:
        cis["quality"] = q_ci
    return FleetCell(
        device=device,
        model=model,
        values=values,
        cis=cis,
        checks=stored_tally(entry.get("checks")),
        qualifies=not reasons,
        reasons=tuple(reasons),
    )


def _newest_key(item: FleetInput) -> tuple[str, str]:
    return (item.run.started_at, item.run.run_id)


def _choose(
    inputs: Sequence[FleetInput], same_label: SameLabel
) -> tuple[list[tuple[str, FleetInput]], list[str]]:
    """``(device name, input)`` pairs after the same-label rule, and the notes saying what
    the rule did."""
    by_label: dict[str, list[FleetInput]] = {}
    for item in inputs:
        by_label.setdefault(device_label(item.run, item.run_dir), []).append(item)
    chosen: list[tuple[str, FleetInput]] = []
    notes: list[str] = []
    for label in sorted(by_label, key=lambda text: (text.casefold(), text)):
        group = sorted(by_label[label], key=_newest_key, reverse=True)
        if len(group) == 1:
            chosen.append((label, group[0]))
        elif same_label == "newest":
            chosen.append((label, group[0]))
            older = ", ".join(g.run.run_id for g in group[1:])
            notes.append(
                f"{label}: {len(group)} runs; the newest ({group[0].run.run_id}) is shown, "
                f"older left out: {older}"
            )
        else:
            names = [f"{label} ({g.run.run_id})" for g in group]
            if len(set(names)) < len(names):  # copies of one run: their folders tell them apart
                names = [f"{label} ({g.run_dir.name})" for g in group]
            chosen += list(zip(names, group, strict=True))
            notes.append(f"{label}: {len(group)} runs, all shown: {'; '.join(names)}")
    return chosen, notes


def build_fleet(
    inputs: Sequence[FleetInput],
    constraints: Constraints | None = None,
    *,
    same_label: SameLabel = "newest",
    skipped: Sequence[str] = (),
) -> Fleet:
    """Merge ``inputs`` (one run per device) into a :class:`Fleet`; ``skipped`` are the
    messages of inputs that could not be read, kept so every output can state them."""
    if same_label not in SAME_LABEL_CHOICES:
        raise ValueError(f"same_label must be one of {', '.join(SAME_LABEL_CHOICES)}")
    constraints = constraints or Constraints()
    chosen, notes = _choose(inputs, same_label)
    devices: list[FleetDevice] = []
    cells: dict[tuple[str, str], FleetCell] = {}
    misses: list[Miss] = []
    models: set[str] = set()
    for name, item in chosen:
        run = item.run
        summary = ensure_summary(run)
        rec = recommend(run, item.quality, constraints)
        by_model = quality_by_model(item.quality)
        for entry in summary:
            model = str(entry.get("model"))
            candidate = rec.candidate(model)
            reasons = candidate.reasons if candidate else ()
            cells[(name, model)] = _cell(name, run, entry, by_model.get(model), reasons)
            models.add(model)
            if reasons:
                misses.append(Miss(model, name, reasons))
        app = run.environment.get("app")
        devices.append(
            FleetDevice(
                name=name,
                label=device_label(run, item.run_dir),
                run_id=run.run_id,
                run_dir=item.run_dir,
                started_at=run.started_at,
                app=app if isinstance(app, str) else "",
                best=rec.best,
                why=rec.why,
            )
        )
    by_app: dict[str, list[str]] = {}
    for device in devices:
        by_app.setdefault(device.app or "unknown version", []).append(device.name)
    if len(by_app) > 1:
        versions = "; ".join(f"{app}: {', '.join(names)}" for app, names in sorted(by_app.items()))
        notes.append(
            f"runs come from different app versions ({versions}); merged, since every run "
            "that could be read has results.json schema_version 1"
        )
    return Fleet(
        devices=tuple(devices),
        models=tuple(sorted(models, key=lambda text: (text.casefold(), text))),
        cells=cells,
        constraints=constraints,
        misses=tuple(sorted(misses, key=lambda m: (m.model.casefold(), m.device.casefold()))),
        notes=tuple(notes),
        skipped=tuple(skipped),
    )


def load_fleet(
    paths: Sequence[Path],
    constraints: Constraints | None = None,
    *,
    same_label: SameLabel = "newest",
) -> Fleet:
    """Open every run ``paths`` name (``core.results.folders.open_run_folders``: a folder of
    run folders gives each one), read the annotation files next to each, and merge them.
    Inputs that cannot be read are in ``Fleet.skipped``; the fleet has no devices when none
    could."""
    opened = open_run_folders(paths)
    inputs, notes = [], []
    for item in opened.runs:
        quality = quality_for(item.run, item.run_dir)
        if quality.rows is None and find_annotation_files(item.run_dir):
            notes.append(f"{item.run_dir.name}: {quality.note}")
        inputs.append(FleetInput(item.run, item.run_dir, quality.rows))
    fleet = build_fleet(inputs, constraints, same_label=same_label, skipped=opened.problems)
    return replace(fleet, notes=(*fleet.notes, *notes))


def misses_by_model(fleet: Fleet) -> dict[str, list[Miss]]:
    """Per model, the devices where it misses a constraint (models in table order)."""
    out: dict[str, list[Miss]] = {}
    for miss in fleet.misses:
        out.setdefault(miss.model, []).append(miss)
    return {m: out[m] for m in fleet.models if m in out}


def heat_matrix(fleet: Fleet, key: str) -> list[list[float | None]]:
    """Rows = devices, columns = models: the statistic ``key`` (None where not measured)."""
    return [
        [
            cell.value(key) if (cell := fleet.cell(device.name, model)) else None
            for model in fleet.models
        ]
        for device in fleet.devices
    ]
