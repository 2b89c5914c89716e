"""The ``foundry-bench`` command: the parser, and the dispatch to one module per subcommand.

No Qt is imported unless the GUI is asked for, and each subcommand imports only what it needs
(``foundry-bench report`` never loads the runtime). Exit codes: ``cli._common``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from foundry_bench import __version__
from foundry_bench.cli._common import (
    EXIT_BAD_INPUT,
    EXIT_CANCELLED,
    EXIT_OK,
    EXIT_REGRESSION,
    BadInput,
    add_label_option,
)
from foundry_bench.cli.terminal import guarded_output
from foundry_bench.core.redaction import install_log_redaction
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.run.runtime_host import HOST_FLAG, SOURCE_FLAG

__all__ = ["EXIT_BAD_INPUT", "EXIT_CANCELLED", "EXIT_OK", "EXIT_REGRESSION", "main"]


def build_parser() -> argparse.ArgumentParser:
    # Imported here, not at the top: they pull in numpy, which a runtime host never needs.
    from foundry_bench.cli.fleet import add_fleet_parser
    from foundry_bench.cli.report import add_annotation_options, add_constraint_options
    from foundry_bench.cli.scores import add_scores_parser
    from foundry_bench.cli.sweep import add_sweep_parser

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

    add_sweep_parser(sub)

    report = sub.add_parser("report", help="write a report from a run folder or results.json")
    report.add_argument("run", type=Path, help="run folder or results.json")
    add_annotation_options(report)
    report.add_argument(
        "--format",
        choices=("md", "csv", "summary-csv", "html", "json"),
        default="md",
    )
    report.add_argument("--out", type=Path, help="file to write (default: stdout)")
    add_constraint_options(report)

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
    add_annotation_options(compare, "--annotations-a", "--annotations-b")
    compare.add_argument("--seed", type=int, default=0, help="bootstrap seed (reproducible)")

    add_fleet_parser(sub)

    add_scores_parser(sub)

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
    eps = msub.add_parser("eps", help="execution providers found here (GPU/NPU), registered or not")
    eps.add_argument(
        "--register",
        action="append",
        default=[],
        metavar="NAME",
        help="download and register this execution provider (repeatable; Ctrl-C cancels)",
    )
    register = msub.add_parser("register", help="register a local ONNX Runtime GenAI folder")
    register.add_argument("path", type=Path)
    register.add_argument("--id", required=True, dest="model_id", help="NAME:VERSION")
    imp = msub.add_parser(
        "import",
        help="convert a Hugging Face folder or a GGUF file and register it (needs [convert])",
    )
    imp.add_argument("source", type=Path, help="HF model folder, .gguf file, or wheel/zip of one")
    imp.add_argument("--id", required=True, dest="model_id", help="NAME:VERSION")
    imp.add_argument("--precision", choices=("int4", "fp16", "fp32"), default="int4")

    demo = sub.add_parser("demo", help="offline end-to-end run with the bundled demo model")
    demo.add_argument("--out", type=Path, help="run folder (default: the app's runs folder)")
    demo.add_argument("--rounds", type=int, default=2)
    demo.add_argument("--warmup", type=int, default=1)
    add_label_option(demo)
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
    p.add_argument(
        "--deadline",
        type=float,
        default=RunSettings.deadline_s,
        help="seconds one request may take in all (default %(default)g)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="timed requests in flight at once, each timed on its own (warm-ups: one at a time)",
    )
    p.add_argument("--out", type=Path, help="run folder (default: the app's runs folder)")
    add_label_option(p)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if len(words) == 4 and words[0] == HOST_FLAG and words[2] == SOURCE_FLAG:
        # `--runtime-host MODEL_ID --runtime-host-source SOURCE`: the hidden command a parent
        # starts for one model (core.run.host_process), before the parser imports numpy.
        from foundry_bench.core.run.runtime_host import serve

        return serve(words[1], words[3])
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    install_log_redaction()
    # Everything printed from here on is scrubbed of keys (and escaped on a terminal).
    with guarded_output():
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
    if command in ("run", "demo"):
        from foundry_bench.cli.run import cmd_demo, cmd_run

        return cmd_run(args) if command == "run" else cmd_demo(args)
    if command == "sweep":
        from foundry_bench.cli.sweep import cmd_sweep

        return cmd_sweep(args)
    if command in ("report", "compare"):
        from foundry_bench.cli.report import cmd_compare, cmd_report

        return cmd_report(args) if command == "report" else cmd_compare(args)
    if command == "fleet":
        from foundry_bench.cli.fleet import cmd_fleet

        return cmd_fleet(args)
    if command == "scores":
        from foundry_bench.cli.scores import cmd_scores

        return cmd_scores(args)
    if command == "models":
        from foundry_bench.cli.models import cmd_models

        return cmd_models(args)
    raise BadInput(f"unknown command {command!r}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
