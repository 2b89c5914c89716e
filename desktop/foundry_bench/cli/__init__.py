"""The ``foundry-bench`` command. No Qt is imported unless the GUI is asked for.

Exit codes (docs/design.md, "The CLI contract"): 0 the command did its job; 1 a regression
found by ``compare --fail-on-regression``; 2 bad input (a message, never a traceback);
130 cancelled with Ctrl-C, everything so far saved.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from foundry_bench import __version__

EXIT_OK, EXIT_REGRESSION, EXIT_BAD_INPUT, EXIT_CANCELLED = 0, 1, 2, 130


class BadInput(Exception):
    """Input the user must fix; printed as ``error: <message>`` with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="foundry-bench",
        description="Benchmark local language models (Foundry Local or any OpenAI-compatible "
        "server). With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"foundry-bench {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="drive the app offscreen through its main path and exit (packaging smoke test)",
    )
    sub = parser.add_subparsers(dest="command")

    sub.add_parser("gui", help="open the app (the default)")

    run = sub.add_parser("run", help="benchmark models x prompts x rounds; writes a run folder")
    run.add_argument("--models", required=True, type=Path, help="models.json")
    run.add_argument("--prompts", required=True, type=Path, help="prompts.json")
    _add_run_options(run)

    report = sub.add_parser("report", help="write a report from a run folder or results.json")
    report.add_argument("run", type=Path, help="run folder or results.json")
    report.add_argument(
        "--annotations",
        type=Path,
        action="append",
        default=[],
        metavar="A.json",
        help="annotation file with quality scores (repeat for several annotators)",
    )
    report.add_argument(
        "--format",
        choices=("md", "csv", "summary-csv", "html", "json"),
        default="md",
    )
    report.add_argument("--out", type=Path, help="file to write (default: stdout)")
    _add_constraint_options(report)

    compare = sub.add_parser("compare", help="per-model changes between two runs")
    compare.add_argument("run_a", type=Path, help="the baseline run (folder or results.json)")
    compare.add_argument("run_b", type=Path, help="the run to judge against it")
    compare.add_argument(
        "--fail-on-regression",
        type=float,
        metavar="PCT",
        help="exit 1 if p50/p95 latency or TTFT got worse by more than PCT%% (significant)",
    )
    compare.add_argument("--format", choices=("md", "html", "json"), default="md")
    compare.add_argument("--out", type=Path, help="file to write (default: stdout)")
    for side in ("a", "b"):
        compare.add_argument(
            f"--annotations-{side}",
            type=Path,
            action="append",
            default=[],
            metavar="A.json",
            help=f"annotation file of run {side.upper()} (repeatable), to compare quality",
        )
    compare.add_argument("--seed", type=int, default=0, help="bootstrap seed (reproducible)")

    models = sub.add_parser("models", help="manage models of the embedded Foundry Local runtime")
    msub = models.add_subparsers(dest="models_command", required=True)
    mlist = msub.add_parser("list", help="registered and cached models (and the catalog)")
    mlist.add_argument("--catalog", action="store_true", help="also fetch the public catalog")
    for name, text in (
        ("download", "download a catalog model (progress; Ctrl-C cancels)"),
        ("load", "load a model and print the load time"),
        ("unload", "unload a model"),
        ("remove", "remove a model from the cache, or unregister a local one"),
    ):
        msub.add_parser(name, help=text).add_argument("name", help="model id or alias")
    register = msub.add_parser("register", help="register a local ONNX Runtime GenAI folder")
    register.add_argument("path", type=Path)
    register.add_argument("--id", required=True, dest="model_id", help="NAME:VERSION")

    demo = sub.add_parser("demo", help="offline end-to-end run with the bundled demo model")
    demo.add_argument("--out", type=Path, help="run folder (default: the app's runs folder)")
    demo.add_argument("--rounds", type=int, default=2)
    demo.add_argument("--warmup", type=int, default=1)
    return parser


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", help="OpenAI-compatible base URL (default: embedded runtime)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--no-stream", action="store_true")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds without a byte")
    p.add_argument("--out", type=Path, help="run folder (default: the app's runs folder)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return _dispatch(args)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return EXIT_CANCELLED


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command or "gui"
    if args.self_test or command == "gui":
        from foundry_bench.ui.app import main as run_app  # Qt only when the GUI is asked for

        return run_app(self_test=args.self_test)
    if command == "run":
        return cmd_run(args)
    if command == "report":
        return cmd_report(args)
    if command == "compare":
        return cmd_compare(args)
    if command == "models":
        from foundry_bench.cli.models import cmd_models

        return cmd_models(args)
    if command == "demo":
        return cmd_demo(args)
    raise BadInput(f"unknown command {command!r}")


# -- run ----------------------------------------------------------------------------------


def _load_plan_inputs(models_path: Path, prompts_path: Path) -> tuple[list, list]:  # type: ignore[type-arg]
    from foundry_bench.core.config.files import ConfigError, load_models, load_prompts

    try:
        models = load_models(models_path)
        prompts = load_prompts(prompts_path)
    except ConfigError as exc:
        raise BadInput(str(exc)) from exc
    for warning in [*models.warnings, *prompts.warnings]:
        print(f"warning: {warning}", file=sys.stderr)
    return models.items, prompts.items


def _check_positive(name: str, value: float, allow_zero: bool = False) -> None:
    if value < 0 or (value == 0 and not allow_zero):
        raise BadInput(f"{name} must be {'>= 0' if allow_zero else '> 0'} (got {value})")


def cmd_run(args: argparse.Namespace) -> int:
    from foundry_bench.core.results.records import RunSettings

    models, prompts = _load_plan_inputs(args.models, args.prompts)
    _check_positive("--rounds", args.rounds)
    _check_positive("--warmup", args.warmup, allow_zero=True)
    _check_positive("--max-tokens", args.max_tokens)
    _check_positive("--timeout", args.timeout)
    _check_positive("--temperature", args.temperature, allow_zero=True)
    settings = RunSettings(
        rounds=args.rounds,
        warmup_rounds=args.warmup,
        max_tokens=args.max_tokens,
        temperature=args.temperature,
        seed=args.seed,
        stream=not args.no_stream,
        timeout_s=args.timeout,
    )
    provider = _provider(args.endpoint)
    return _execute(models, prompts, settings, provider, args.out)


def _provider(endpoint_arg: str | None):  # type: ignore[no-untyped-def]
    import os

    from foundry_bench.core.paths import app_paths
    from foundry_bench.core.run.providers import (
        API_KEY_ENV,
        EmbeddedProvider,
        ExternalProvider,
        resolve_endpoint,
    )
    from foundry_bench.core.settings import SettingsError, load_settings

    settings_endpoint = None
    try:
        settings_endpoint = load_settings(app_paths().settings_file).endpoint
    except SettingsError as exc:
        print(f"warning: {exc}; using defaults", file=sys.stderr)
    try:
        endpoint = resolve_endpoint(endpoint_arg, settings_endpoint)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    if endpoint is not None:
        return ExternalProvider(endpoint, os.environ.get(API_KEY_ENV))
    from foundry_bench.core.run.runtime import FoundryRuntime, RuntimeFailure

    try:
        runtime = FoundryRuntime.get()
        runtime.ensure_demo_model()
    except RuntimeFailure as exc:
        raise BadInput(str(exc)) from exc
    return EmbeddedProvider(runtime)


def _execute(models, prompts, settings, provider, out: Path | None) -> int:  # type: ignore[no-untyped-def]
    from foundry_bench.core.paths import app_paths
    from foundry_bench.core.reports.markdown import write_reports
    from foundry_bench.core.run.runner import RunDone, RunPlan, new_run_id, run_benchmark

    plan = RunPlan(models=models, prompts=prompts, settings=settings, run_id=new_run_id())
    out_dir = out or app_paths().runs_dir / str(plan.run_id)
    for name in ("results.json", "samples.jsonl"):
        if (out_dir / name).exists():
            raise BadInput(f"--out {out_dir}: already holds a run ({name}); choose a new folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"--out {out_dir}: cannot create the run folder ({exc})") from exc
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
    progress.finish()
    assert finished is not None
    paths = write_reports(finished, out_dir, html=True)
    _print_summary(finished, sys.stdout)
    print(f"run folder: {out_dir}")
    for path in paths:
        print(f"  {path.name}")
    where = (
        "Benchmark > History"
        if out_dir.resolve().parent == app_paths().runs_dir.resolve()
        else "Reports > Open run folder..."
    )
    print(f"open it in the app: `foundry-bench`, then {where}")
    return EXIT_OK


class Progress:
    """A one-line progress bar on a terminal; plain lines when output is not a TTY."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._last_line = ""

    def on_event(self, event: object) -> None:
        from foundry_bench.core.run.runner import (
            Log,
            ModelDone,
            ModelStarted,
            RunStarted,
            SampleDone,
        )

        if isinstance(event, RunStarted):
            self._line(
                f"run {event.run.run_id}: {len(event.run.models)} model(s), "
                f"{event.total_requests} requests -> {event.run_dir}"
            )
        elif isinstance(event, ModelStarted):
            self._line(f"[{event.index + 1}/{event.count}] {event.model.id}")
        elif isinstance(event, SampleDone):
            s = event.sample
            lat = f"{s.latency_s * 1000:.0f} ms" if s.latency_s is not None else "-"
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


def _print_summary(run, stream: TextIO) -> None:  # type: ignore[no-untyped-def]
    from foundry_bench.core.analysis.stats import ensure_summary

    def ms(stats: dict, key: str) -> str:  # type: ignore[type-arg]
        value = stats.get(key) if stats else None
        return f"{value * 1000:.1f}" if isinstance(value, int | float) else "-"

    stream.write(
        f"{'model':40} {'status':8} {'ok':>4} {'p50 ms':>9} {'p95 ms':>9} "
        f"{'ttft p50':>9} {'tok/s':>8}\n"
    )
    records = {m.id: m for m in run.models}
    for row in ensure_summary(run):
        tps = (row.get("output_tps") or {}).get("mean")
        latency = row.get("latency_s") or {}
        status = records[row["model"]].status if row["model"] in records else "?"
        stream.write(
            f"{row['model'][:40]:40} {status:8} {row['n_ok']:>4} "
            f"{ms(latency, 'p50'):>9} {ms(latency, 'p95'):>9} "
            f"{ms(row.get('ttft_s') or {}, 'p50'):>9} "
            f"{(f'{tps:.1f}' if isinstance(tps, int | float) else '-'):>8}\n"
        )


# -- report / compare ---------------------------------------------------------------------


def _load_run(path: Path):  # type: ignore[no-untyped-def]
    from foundry_bench.core.results.records import RunFileError, load_run

    try:
        return load_run(path)
    except RunFileError as exc:
        raise BadInput(str(exc)) from exc


def _add_constraint_options(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("recommendation constraints (optional)")
    group.add_argument("--max-p95-ms", type=float, metavar="X", help="p95 latency <= X ms")
    group.add_argument(
        "--max-memory-mb", type=float, metavar="Y", help="memory growth at load <= Y MB"
    )
    group.add_argument("--min-quality", type=float, metavar="Z", help="mean quality >= Z (1-5)")


def _quality(run, paths: list[Path]):  # type: ignore[no-untyped-def]
    """Quality rows from annotation files, or None when none were given."""
    if not paths:
        return None
    from foundry_bench.core.quality.rows import QualityInputError, QualityUnavailable, load_quality

    try:
        return load_quality(run, paths)
    except (QualityUnavailable, QualityInputError) as exc:
        raise BadInput(f"--annotations: {exc}") from exc


def _write_output(text: str, out: Path | None) -> None:
    if out:
        from foundry_bench.core.results.records import atomic_write_text

        try:
            atomic_write_text(out, text)
        except OSError as exc:
            raise BadInput(f"{out}: cannot write ({exc.strerror or exc})") from exc
        print(f"wrote {out}", file=sys.stderr)
    else:
        # Bytes, so Windows does not turn the CSV's CRLF line ends into CR CR LF.
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()


def cmd_report(args: argparse.Namespace) -> int:
    from foundry_bench.core.analysis.recommend import Constraints
    from foundry_bench.core.analysis.stats import ensure_summary
    from foundry_bench.core.reports import markdown as report

    for name in ("max_p95_ms", "max_memory_mb", "min_quality"):
        value = getattr(args, name)
        if value is not None and not value >= 0:  # also rejects NaN
            raise BadInput(f"--{name.replace('_', '-')} must be >= 0 (got {value})")
    run = _load_run(args.run)
    ensure_summary(run)
    quality = _quality(run, args.annotations)
    constraints = Constraints(args.max_p95_ms, args.max_memory_mb, args.min_quality)
    _write_output(report.render(run, args.format, quality, constraints), args.out)
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from foundry_bench.core.analysis.compare import compare_runs, regressions
    from foundry_bench.core.reports import compare as compare_report

    pct = args.fail_on_regression
    if pct is not None and not pct >= 0:
        raise BadInput(f"--fail-on-regression must be a percentage >= 0 (got {pct})")
    run_a, run_b = _load_run(args.run_a), _load_run(args.run_b)
    result = compare_runs(
        run_a,
        run_b,
        quality_a=_quality(run_a, args.annotations_a),
        quality_b=_quality(run_b, args.annotations_b),
        seed=args.seed,
    )
    _write_output(compare_report.render(result, args.format, pct), args.out)
    if pct is None:
        return EXIT_OK
    found = regressions(result, pct)
    for change in found:
        print(
            f"regression: {change.model}: {change.label} {change.pct:+.1f}% "
            f"(more than {pct:g}%, significant)",
            file=sys.stderr,
        )
    return EXIT_REGRESSION if found else EXIT_OK


# -- demo ---------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from foundry_bench.core.config.files import ConfigError, load_models, load_prompts
    from foundry_bench.core.paths import examples_dir
    from foundry_bench.core.results.records import RunSettings
    from foundry_bench.core.run.providers import EmbeddedProvider
    from foundry_bench.core.run.runtime import FoundryRuntime, RuntimeFailure

    _check_positive("--rounds", args.rounds)
    _check_positive("--warmup", args.warmup, allow_zero=True)
    try:
        models = load_models(examples_dir() / "models.json").items
        prompts = load_prompts(examples_dir() / "prompts.json").items
    except ConfigError as exc:  # the bundled files are broken: a packaging bug
        raise BadInput(str(exc)) from exc
    try:
        runtime = FoundryRuntime.get()
        entry = runtime.ensure_demo_model()
    except RuntimeFailure as exc:
        raise BadInput(str(exc)) from exc
    print(f"demo model {entry.id} ({entry.disk_mb or 0:.1f} MB) from {entry.path}")
    settings = RunSettings(
        rounds=args.rounds, warmup_rounds=args.warmup, max_tokens=128, timeout_s=60.0
    )
    return _execute(models, prompts, settings, EmbeddedProvider(runtime), args.out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
