"""Reopening a run of 100,000 samples: how long until every chart of the Benchmark page is drawn?

A synthetic run (3 models x 4 prompts, lognormal latencies with a few slow outliers, warm-ups
and some failures) is written as a run folder. The real window (offscreen) reopens it from the
run history, as a user does: a worker loads ``results.json`` and computes the summary and the
chart data (``history_tasks.reopen_run``), then the page hands the data to the charts and
each chart is drawn (``grab()`` forces the paint a screen would do).

Figures:
- drawing all 8 charts once the data are there (setData + paint of each): < 1 s;
- loading ``results.json`` and computing summary and chart data (the worker's part);
- the longest the worker's reopen keeps another thread waiting for the GIL (no Qt: a thread
  that sleeps 2 ms in a loop and notes how late it wakes), the window's share of any stall;
- the whole reopen, click to last chart drawn, file loading included, and the longest
  GUI-thread stall meanwhile, in two parts: from the click until the run is shown (the workers
  load it; other pages react to the new current run), then while each chart is drawn with the
  event loop running between charts, as tab switches draw them (drawing all eight in one go
  would itself be a stall of the benchmark's making); and while another 100,000-sample run is
  opened in its place (the one shown is freed meanwhile).

``python -m benchmarks.render_100k [--quick]``
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.table import row as _row

N_SAMPLES = 100_000
MODELS = ("phi-4-mini", "qwen2.5-0.5b", "qwen2.5-1.5b")
PROMPTS = ("summarize", "action-items", "explain", "email")


def write_synthetic_run(folder: Path, n: int = N_SAMPLES, seed: int = 7) -> Path:
    """A run folder with ``n`` samples, written the way the runner writes one."""
    import numpy as np

    from foundry_bench.core.analysis.stats import summarize
    from foundry_bench.core.results.records import ModelRecord, Run, Sample, sample_key
    from foundry_bench.core.results.run_settings import RunSettings
    from foundry_bench.core.results.store import write_results

    rng = np.random.default_rng(seed)
    base = np.array([0.030, 0.012, 0.020])
    t0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
    samples = []
    clock = t0
    for m, model in enumerate(MODELS):
        per_model = n // len(MODELS) + (1 if m < n % len(MODELS) else 0)
        latencies = base[m] * rng.lognormal(0.0, 0.25, per_model)
        latencies[rng.random(per_model) < 0.002] *= 8  # a few stalls
        failed = rng.random(per_model) < 0.003
        for i in range(per_model):
            prompt = PROMPTS[i % len(PROMPTS)]
            warmup = i < len(PROMPTS)
            round_no = i // len(PROMPTS) + (1 if warmup else 0)
            lat = float(latencies[i])
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(clock))
            stamp += f".{int(clock * 1000) % 1000:03d}Z"
            clock += lat + 0.001
            ok = not failed[i]
            ttft = lat * 0.3
            tokens = 40
            samples.append(
                Sample(
                    key=sample_key(model, prompt, round_no, warmup),
                    model=model,
                    prompt_id=prompt,
                    round=round_no,
                    warmup=warmup,
                    status="ok" if ok else "error",
                    error=None if ok else "HTTP 500 from server",
                    started_at=stamp,
                    ttft_s=ttft if ok else None,
                    latency_s=lat if ok else None,
                    decode_s=lat - ttft if ok else None,
                    tpot_s=(lat - ttft) / (tokens - 1) if ok else None,
                    prompt_tokens=60,
                    completion_tokens=tokens if ok else None,
                    tokens_source="usage",
                    output_tps=tokens / lat if ok else None,
                    decode_tps=(tokens - 1) / (lat - ttft) if ok else None,
                    finish_reason="stop" if ok else None,
                    response="A short answer." if ok else "",
                )
            )
    run = Run(
        run_id=folder.name,
        started_at="2026-01-01T00:00:00.000Z",
        finished_at=samples[-1].started_at,
        status="completed",
        settings=RunSettings(rounds=n // len(MODELS) // len(PROMPTS), warmup_rounds=1),
        models=[ModelRecord(id=m, status="ok") for m in MODELS],
        prompts=[{"id": p, "text": f"The {p} prompt."} for p in PROMPTS],
        samples=samples,
    )
    run.summary = summarize(run)
    folder.mkdir(parents=True, exist_ok=True)
    write_results(folder, run)
    with (folder / "samples.jsonl").open("w", encoding="utf-8") as fh:
        for s in samples:
            fh.write(json.dumps(s.to_dict()) + "\n")
    return folder


def longest_gil_wait_ms(work: Any) -> float:
    """How late, at worst, a thread that sleeps 2 ms at a time wakes while ``work()`` runs:
    the longest time ``work`` held the GIL in one go. Collection off, as in the app."""
    import gc
    import threading

    worst = 0.0
    done = threading.Event()

    def beat() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.002)
            now = time.perf_counter()
            worst = max(worst, now - last - 0.002)
            last = now

    enabled = gc.isenabled()
    gc.disable()
    beater = threading.Thread(target=beat)
    beater.start()
    try:
        kept = work()
    finally:
        done.set()
        beater.join()
        if enabled:
            gc.enable()
    del kept  # freed after the measure: the app keeps what it opened
    return worst * 1000


def run(quick: bool = False) -> list[dict[str, Any]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("FOUNDRY_BENCH_OFFLINE", "1")
    from foundry_bench.core.settings import AppSettings
    from foundry_bench.ui.app import create_application
    from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
    from foundry_bench.ui.main_window import MainWindow
    from foundry_bench.ui.selftest.context import Heartbeat, SelfTestContext

    home = Path(tempfile.mkdtemp(prefix="foundry-bench-100k-"))
    folder = write_synthetic_run(home / "runs" / "synthetic-100k")
    other = write_synthetic_run(home / "runs" / "synthetic-100k-b", seed=11)
    app = create_application()
    from foundry_bench.core.paths import app_paths

    settings = AppSettings(runs_dir=str(home / "runs"))
    window = MainWindow(UiSettings(DictBackend()), settings, app_paths().ensure())
    window.resize(1280, 800)
    window.show()
    ctx = SelfTestContext(app, window, sys.stdout)
    page = window.show_page("Benchmark")
    ctx.wait_until(lambda: page.history.model.row_of(folder) is not None, "the run history")
    from foundry_bench.ui.base.gui_gc import building_long_lived
    from foundry_bench.ui.benchmark.history_tasks import reopen_run

    gil_wait = min(
        longest_gil_wait_ms(lambda: reopen_run(folder)) for _ in range(1 if quick else 3)
    )
    best_draw = best_total = best_load = float("inf")
    worst_open_stall = worst_draw_stall = worst_switch_stall = 0.0

    def draw_all() -> None:
        for name in page.charts.shown():
            chart = page.charts.show_chart(name)
            if chart.plot.grab().isNull():
                raise RuntimeError(f"chart {name} did not render")

    try:
        for _ in range(1 if quick else 3):
            # The GUI part alone: data loaded and computed (as the worker does), then drawn.
            started = time.perf_counter()
            with building_long_lived():  # as the app's worker does
                loaded = reopen_run(folder)
            best_load = min(best_load, time.perf_counter() - started)
            page.charts.show_chart("latency_box")
            app.processEvents()
            started = time.perf_counter()
            page.show_run_data(loaded)  # the page's part (other pages react to open_run)
            draw_all()
            best_draw = min(best_draw, time.perf_counter() - started)
            if loaded.charts.points["timeline"] != N_SAMPLES:
                raise RuntimeError("the timeline does not hold every request")
            # The whole reopen as a user does it: from the history, through its worker.
            page.charts.show_chart("latency_box")
            shown: list[object] = []
            page.run_shown.connect(lambda *args, box=shown: box.append(args))
            heartbeat = Heartbeat()
            heartbeat.start()
            started = time.perf_counter()
            page.history.open_run(folder)
            ctx.wait_until(lambda box=shown: bool(box), "the reopened run", 60)
            heartbeat.stop()
            worst_open_stall = max(worst_open_stall, heartbeat.max_stall_ms)
            heartbeat = Heartbeat()
            heartbeat.start()
            for name in page.charts.shown():
                if page.charts.show_chart(name).plot.grab().isNull():
                    raise RuntimeError(f"chart {name} did not render")
                app.processEvents()
            heartbeat.stop()
            worst_draw_stall = max(worst_draw_stall, heartbeat.max_stall_ms)
            best_total = min(best_total, time.perf_counter() - started)
            page.run_shown.disconnect()
            # Another run of 100,000: the one shown is let go (freed) as the new one comes.
            for target in (other, folder):
                shown = []
                page.run_shown.connect(lambda *args, box=shown: box.append(args))
                heartbeat = Heartbeat()
                heartbeat.start()
                page.history.open_run(target)
                ctx.wait_until(lambda box=shown: bool(box), "the other run", 60)
                quiet = time.monotonic() + 0.5  # the old run is freed around now
                ctx.wait_until(lambda q=quiet: time.monotonic() > q, "a quiet moment", 5)
                heartbeat.stop()
                worst_switch_stall = max(worst_switch_stall, heartbeat.max_stall_ms)
                page.run_shown.disconnect()
    finally:
        window.close()
    return [
        _row("100k-sample run: draw all 8 charts", best_draw * 1000, "ms", "< 1000", best_draw < 1),
        _row("100k-sample run: load + compute (worker)", best_load * 1000, "ms", "(info)", True),
        _row("100k-sample run: worker's longest GIL hold", gil_wait, "ms", "< 100", gil_wait < 100),
        _row("100k-sample run: reopen, click to last chart", best_total * 1e3, "ms", "(info)", 1),
        _row(
            "100k-sample run: GUI stall, click to run shown",
            worst_open_stall,
            "ms",
            "< 100",
            worst_open_stall < 100,
        ),
        _row(
            "100k-sample run: GUI stall, drawing chart by chart",
            worst_draw_stall,
            "ms",
            "< 100",
            worst_draw_stall < 100,
        ),
        _row(
            "100k-sample run: GUI stall, switching to another",
            worst_switch_stall,
            "ms",
            "< 100",
            worst_switch_stall < 100,
        ),
    ]


if __name__ == "__main__":
    from benchmarks.table import print_table

    print_table(run(quick="--quick" in sys.argv[1:]))
