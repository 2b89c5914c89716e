"""Screenshots of the Benchmark page after a real run of the demo model, light and dark.

Run it under Xvfb so Qt renders through the real xcb platform, as a user sees it:

    xvfb-run -a -s "-screen 0 1600x1000x24" python tools/screenshot_benchmark.py docs/screenshots

It uses a throw-away FOUNDRY_BENCH_HOME and offline mode, benchmarks the bundled demo model on
the embedded runtime through the page (example prompts, 1 warm-up + ``--rounds`` rounds) and
saves ``benchmark-light.png`` and ``benchmark-dark.png``.
"""

from __future__ import annotations

import sys

import shots


def main(argv: list[str] | None = None) -> int:
    parser = shots.parser(__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--tab", default="latency_box", help="a chart on the tab to show")
    parser.add_argument(
        "--every-tab", action="store_true", help="also save each chart tab (for review)"
    )
    args = parser.parse_args(argv)
    app, window, ctx = shots.open_window(args)

    from foundry_bench.core.run.runtime import DEMO_MODEL_ID
    from foundry_bench.ui.benchmark.page import BenchmarkPage

    page = window.show_page("Benchmark")
    assert isinstance(page, BenchmarkPage)
    setup = page.setup
    ctx.wait_until(lambda: setup.prompts.model.rowCount() > 0, "the example prompts")
    ctx.wait_until(lambda: any(r.id == DEMO_MODEL_ID for r in setup.models.rows()), "the model")
    setup.models.check_only([DEMO_MODEL_ID])
    setup.form.rounds.setValue(args.rounds)
    setup.form.warmup.setValue(1)
    if args.every_tab:
        for _ in range(10):
            app.processEvents()
        window.grab().save(str(args.out / "review-empty.png"), "PNG")
    finished: list[object] = []
    page.run_finished.connect(lambda *a: finished.append(a))
    if not page.start_run():
        print(f"cannot start: {setup.problems()}", file=sys.stderr)
        return 1
    ctx.wait_until(lambda: bool(finished), "the run", 300)
    page.charts.show_chart(args.tab)
    setup.prompts.select(0)

    def settle() -> None:
        for _ in range(10):
            app.processEvents()

    for palette in ("light", "dark"):
        window.set_palette(palette)
        settle()
        path = args.out / f"benchmark-{palette}.png"
        window.grab().save(str(path), "PNG")
        print(f"{path}  {path.stat().st_size // 1024} KB")
        if args.every_tab:
            for name in ("latency_ecdf", "ttft", "throughput", "timeline"):
                page.charts.show_chart(name)
                settle()
                page.charts.grab().save(str(args.out / f"review-{name}-{palette}.png"), "PNG")
            page.charts.show_chart(args.tab)
            page.show_samples_of(DEMO_MODEL_ID)
            page.samples.table.selectRow(5)
            page.side_tabs.setCurrentWidget(page.history)
            ctx.wait_until(lambda: page.history.model.rowCount() > 0, "the history")
            settle()
            window.grab().save(str(args.out / f"review-samples-{palette}.png"), "PNG")
            page.bottom_tabs.setCurrentWidget(page.results)
            page.side_tabs.setCurrentWidget(page.setup)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
