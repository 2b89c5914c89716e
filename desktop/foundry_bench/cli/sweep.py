"""``foundry-bench sweep``: a workload sweep (prompt sizes, output lengths, context depths,
concurrency) run as one run folder, with a Sweep section in its reports (docs/design.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from foundry_bench.cli._common import BadInput, add_label_option, checked
from foundry_bench.core.results.run_settings import MAX_CONCURRENCY, RunSettings
from foundry_bench.core.sweep.grid import (
    MAX_OUTPUT_TOKENS,
    MAX_PROMPT_TOKENS,
    GridError,
    SweepGrid,
    parse_sizes,
)


def add_sweep_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sweep",
        help="TTFT vs prompt size, decode rate vs output length and context, and concurrency",
    )
    p.add_argument("--models", required=True, type=Path, help="models.json")
    p.add_argument("--endpoint", help="OpenAI-compatible base URL (default: embedded runtime)")
    p.add_argument("--prompt-tokens", default="128,512,2048", metavar="N,N,...")
    p.add_argument("--output-tokens", default="64,256", metavar="N,N,...")
    p.add_argument(
        "--context-depth", default="0", metavar="N,N,...", help="earlier context, in tokens"
    )
    p.add_argument("--concurrency", default="1", metavar="N,N,...", help="requests in flight")
    p.add_argument("--rounds", type=int, default=3, help="timed requests per point")
    p.add_argument("--warmup", type=int, default=1, help="warm-up requests per point")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--timeout", type=float, default=120.0, help="seconds without a byte")
    p.add_argument(
        "--no-context-probe",
        action="store_true",
        help="do not probe the largest prompt each model accepts",
    )
    p.add_argument(
        "--probe-max-tokens",
        type=int,
        metavar="N",
        help="largest prompt to probe (default: the advertised context, else 32768)",
    )
    p.add_argument("--out", type=Path, help="run folder (default: the app's runs folder)")
    add_label_option(p)


def cmd_sweep(args: argparse.Namespace) -> int:
    # Here, not at the top: the parser is built for every command, and only this one runs.
    from foundry_bench.cli.run import execute, label_of, provider_for, read_app_settings
    from foundry_bench.core.config.loading import ConfigError
    from foundry_bench.core.config.models import load_models
    from foundry_bench.core.run.runner import new_run_id
    from foundry_bench.core.sweep.plan import SweepPlan

    try:
        grid = SweepGrid(
            prompt_tokens=parse_sizes(args.prompt_tokens, "--prompt-tokens", 1, MAX_PROMPT_TOKENS),
            output_tokens=parse_sizes(args.output_tokens, "--output-tokens", 1, MAX_OUTPUT_TOKENS),
            context_depth=parse_sizes(args.context_depth, "--context-depth", 0, MAX_PROMPT_TOKENS),
            concurrency=parse_sizes(args.concurrency, "--concurrency", 1, MAX_CONCURRENCY),
        )
    except GridError as exc:
        raise BadInput(str(exc)) from exc
    probe_max = args.probe_max_tokens
    if probe_max is not None and not 1 <= probe_max <= MAX_PROMPT_TOKENS:
        raise BadInput(f"--probe-max-tokens must be in 1..{MAX_PROMPT_TOKENS:,} (got {probe_max})")
    app = read_app_settings()
    settings = checked(
        RunSettings(
            rounds=args.rounds,
            warmup_rounds=args.warmup,
            max_tokens=max(grid.output_tokens),
            temperature=0.0,
            seed=args.seed,
            timeout_s=args.timeout,
            concurrency=max(grid.concurrency),
            label=label_of(args, app),
        )
    )
    try:
        loaded = load_models(args.models)
    except ConfigError as exc:
        raise BadInput(str(exc)) from exc
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    plan = SweepPlan(
        models=loaded.items,
        prompts=[],
        settings=settings,
        run_id=new_run_id(),
        grid=grid,
        probe_context=not args.no_context_probe,
        probe_upper=probe_max,
    )
    return execute(plan, provider_for(args.endpoint, app), args.out, app)
