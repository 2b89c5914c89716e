"""``foundry-bench run`` and ``foundry-bench demo``: benchmark, write the run folder, report.

Progress goes to the terminal as the runner's events arrive; Ctrl-C stops within the request
in flight and everything finished so far stays in the run folder.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path
from typing import TextIO

from foundry_bench.cli._common import EXIT_CANCELLED, EXIT_OK, BadInput, checked
from foundry_bench.core.config.loading import ConfigError
from foundry_bench.core.config.models import ModelSpec, load_models
from foundry_bench.core.config.prompts import PromptSpec, load_prompts
from foundry_bench.core.fileio import FileWriteError, write_error
from foundry_bench.core.paths import app_paths, examples_dir
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import RESULTS_FILE, SAMPLES_FILE, count_lines
from foundry_bench.core.run.providers import (
    ModelProvider,
    PrepareError,
    ProviderFactory,
    provider_factory,
    resolve_endpoint,
)
from foundry_bench.core.run.runner import (
    Log,
    ModelDone,
    ModelStarted,
    RunDone,
    RunPlan,
    RunStarted,
    SampleDone,
    new_run_id,
    run_benchmark,
)
from foundry_bench.core.settings import AppSettings, SettingsError, load_settings, runs_dir_for
from foundry_bench.core.units import fmt_seconds


def cmd_run(args: argparse.Namespace) -> int:
    models, prompts = load_plan_inputs(args.models, args.prompts)
    app_settings = read_app_settings()
    settings = checked(
        RunSettings(
            rounds=args.rounds,
            warmup_rounds=args.warmup,
            max_tokens=args.max_tokens,
            temperature=args.temperature,
            seed=args.seed,
            stream=not args.no_stream,
            timeout_s=args.timeout,
            label=label_of(args, app_settings),
            deadline_s=args.deadline,
            concurrency=args.concurrency,
        )
    )
    plan = RunPlan(models=models, prompts=prompts, settings=settings, run_id=new_run_id())
    return execute(plan, provider_for(args.endpoint, app_settings), args.out, app_settings)


def cmd_demo(args: argparse.Namespace) -> int:
    app_settings = read_app_settings()
    settings = checked(
        RunSettings(
            rounds=args.rounds,
            warmup_rounds=args.warmup,
            max_tokens=128,
            timeout_s=60.0,
            label=label_of(args, app_settings),
        )
    )
    try:
        models = load_models(examples_dir() / "models.json").items
        prompts = load_prompts(examples_dir() / "prompts.json").items
    except ConfigError as exc:  # the bundled files are broken: a packaging bug
        raise BadInput(str(exc)) from exc
    provider = make_provider(provider_factory(None, ensure_demo=True))  # starts the runtime
    from foundry_bench.core.run.runtime import DEMO_MODEL_ID, FoundryRuntime

    entry = FoundryRuntime.get().find(DEMO_MODEL_ID)
    if entry is not None:
        print(f"demo model {entry.id} ({entry.disk_mb or 0:.1f} MB) from {entry.path}")
    plan = RunPlan(models=models, prompts=prompts, settings=settings, run_id=new_run_id())
    return execute(plan, provider, args.out, app_settings)


def label_of(args: argparse.Namespace, app_settings: AppSettings) -> str:
    """``--label``, else the label saved in the settings (empty: the host name at run time)."""
    return str(args.label) if args.label is not None else app_settings.defaults.label


def load_plan_inputs(
    models_path: Path, prompts_path: Path
) -> tuple[list[ModelSpec], list[PromptSpec]]:
    try:
        models = load_models(models_path)
        prompts = load_prompts(prompts_path)
    except ConfigError as exc:
        raise BadInput(str(exc)) from exc
    for warning in [*models.warnings, *prompts.warnings]:
        print(f"warning: {warning}", file=sys.stderr)
    return models.items, prompts.items


def read_app_settings() -> AppSettings:
    """The settings file the app writes (endpoint, runs folder); defaults when it is broken."""
    try:
        return load_settings(app_paths().settings_file)
    except SettingsError as exc:
        print(f"warning: {exc}; using defaults", file=sys.stderr)
        return AppSettings()


def provider_for(endpoint_option: str | None, app: AppSettings) -> ModelProvider:
    """The provider of ``--endpoint`` (or the environment or settings), else the runtime."""
    try:
        endpoint = resolve_endpoint(endpoint_option, app.endpoint)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    return make_provider(provider_factory(endpoint, ensure_demo=True))


def make_provider(factory: ProviderFactory) -> ModelProvider:
    try:
        return factory()
    except PrepareError as exc:
        raise BadInput(str(exc)) from exc


def execute(plan: RunPlan, provider: ModelProvider, out: Path | None, settings: AppSettings) -> int:
    """Run ``plan`` into ``out`` (default: a new folder in the runs folder), write its reports
    and print where they are; Ctrl-C cancels with everything so far saved."""
    runs_dir = runs_dir_for(settings, app_paths())
    out_dir = out or runs_dir / str(plan.run_id)
    for name in ("results.json", "samples.jsonl"):
        if (out_dir / name).exists():
            raise BadInput(f"--out {out_dir}: already holds a run ({name}); choose a new folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"--out: {write_error(out_dir, exc)}; cannot create the run folder") from exc
    from foundry_bench.core.reports.formats import write_reports

    cancel = threading.Event()
    progress = Progress(sys.stdout)
    events = run_benchmark(plan, provider, out_dir, cancel=cancel)
    finished = None
    try:
        for event in events:
            progress.on_event(event)
            if isinstance(event, RunDone):
                finished = event.run
    except KeyboardInterrupt:
        events.close()
        progress.finish()
        print(f"cancelled; finished samples are saved in {out_dir}", file=sys.stderr)
        return EXIT_CANCELLED
    except FileWriteError as exc:  # a full disk, a read-only folder
        progress.finish()
        raise BadInput(f"{exc}; the run stopped. {_kept(out_dir)}") from exc
    progress.finish()
    assert finished is not None
    try:
        paths = write_reports(finished, out_dir, html=True)
    except FileWriteError as exc:
        raise BadInput(f"{exc}; the run finished but its reports were not written") from exc
    print_summary(finished, sys.stdout)
    print(f"run folder: {out_dir}")
    # The run's own files first (written as it went), then the reports made from them.
    for name in (RESULTS_FILE, SAMPLES_FILE, *(path.name for path in paths)):
        print(f"  {name}")
    where = (
        "Benchmark > History"
        if out_dir.resolve().parent == runs_dir.resolve()
        else "Reports > Open run folder..."
    )
    print(f"open it in the app: `foundry-bench`, then {where}")
    return EXIT_OK


def _kept(out_dir: Path) -> str:
    """What a stopped run left behind, in words."""
    lines = count_lines(out_dir / SAMPLES_FILE)
    if not lines:
        return "No sample was written."
    return (
        f"The {lines} sample(s) written so far are kept in {out_dir} "
        f"(`foundry-bench report {out_dir}` reads them)."
    )


class Progress:
    """A one-line progress bar on a terminal; plain lines when output is not a TTY."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._last_line = ""

    def on_event(self, event: object) -> None:
        if isinstance(event, RunStarted):
            self._line(
                f"run {event.run.run_id}: {len(event.run.models)} model(s), "
                f"{event.total_requests} requests -> {event.run_dir}"
            )
        elif isinstance(event, ModelStarted):
            self._line(f"[{event.index + 1}/{event.count}] {event.model.id}")
        elif isinstance(event, SampleDone):
            s = event.sample
            lat = fmt_seconds(s.latency_s)
            text = f"  {event.done}/{event.total} {s.key} {s.status} {lat}"
            if self.tty:
                width = 30
                filled = int(width * event.done / max(event.total, 1))
                bar = "#" * filled + "." * (width - filled)
                self._overwrite(f"  [{bar}] {event.done}/{event.total} {s.key} {s.status} {lat}")
            else:
                self._line(text)
        elif isinstance(event, ModelDone):
            m = event.model
            detail = f" ({m.error})" if m.error else ""
            self._line(f"  {m.id}: {m.status}{detail}")
        elif isinstance(event, Log) and event.level >= logging.WARNING:
            self._line(f"  ! {event.message}")

    def _overwrite(self, text: str) -> None:
        pad = max(len(self._last_line) - len(text), 0)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._last_line = text

    def _line(self, text: str) -> None:
        if self.tty and self._last_line:
            self.stream.write("\n")
            self._last_line = ""
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self._last_line:
            self.stream.write("\n")
            self._last_line = ""


def print_summary(run: Run, stream: TextIO) -> None:
    from foundry_bench.core.analysis.stats import ensure_summary
    from foundry_bench.core.reports.content import table_scales
    from foundry_bench.core.reports.text import stat_of

    summary = ensure_summary(run)
    scales = table_scales(run, summary)
    lat, ttft, tps = scales["latency_s"], scales["ttft_s"], scales["output_tps"]
    stream.write(
        f"{'model':40} {'status':8} {'ok':>4} {'cancel':>6} {lat.label('p50'):>9} "
        f"{lat.label('p95'):>9} {ttft.label('ttft p50'):>14} {'tok/s':>8} {'all tok/s':>9}\n"
    )
    records = {m.id: m for m in run.models}
    for row in summary:
        status = records[row["model"]].status if row["model"] in records else "?"
        stream.write(
            f"{row['model'][:40]:40} {status:8} {row['n_ok']:>4} {row['n_cancelled']:>6} "
            f"{lat.text(stat_of(row, 'latency_s', 'p50')):>9} "
            f"{lat.text(stat_of(row, 'latency_s', 'p95')):>9} "
            f"{ttft.text(stat_of(row, 'ttft_s', 'p50')):>14} "
            f"{tps.text(stat_of(row, 'output_tps', 'mean')):>8} "
            f"{tps.text(row.get('throughput_tps')):>9}\n"
        )
