"""The HTML report: one self-contained page with inline SVG charts, safe with hostile output,
and what a real browser (headless Chromium) makes of it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from functools import partial
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from factories import make_measured_sample, make_model_record, make_run
from foundry_bench.core.analysis.recommend import Constraints
from foundry_bench.core.reports import svg as svg_charts
from foundry_bench.core.reports import svg_canvas
from foundry_bench.core.reports.formats import to_html
from foundry_bench.core.reports.html import CSP
from foundry_bench.core.reports.markdown import to_markdown
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import load_run, write_results

MODELS = ("phi-3.5-mini-instruct", "qwen2.5-0.5b-instruct", "llama-3.2-1b-instruct")
HOSTILE_MODEL = '<img src=x onerror=alert(1)>|"quoted"'
HOSTILE_ANSWERS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://evil.example","x")',
    "| pipe | row |\nnew line",
    "日本語の回答 · العربية · ελληνικά",
    "y" * 3000,
]
QUALITY = [
    {"model": MODELS[0], "mean": 4.3, "ci": [4.0, 4.6], "n": 30,
     "criteria": {"correctness": 4.4, "clarity": 4.2}},
    {"model": MODELS[1], "mean": 3.4, "ci": [3.1, 3.7], "n": 30,
     "criteria": {"correctness": 3.2, "clarity": 3.6}},
    {"model": MODELS[2], "mean": 4.1, "ci": [3.8, 4.4], "n": 30,
     "criteria": {"correctness": 4.0, "clarity": 4.2}},
    {"model": HOSTILE_MODEL, "mean": 2.0, "ci": None, "n": 1,
     "criteria": {"<b>crit</b>": 2.0}},
]  # fmt: skip
CONSTRAINTS = Constraints(max_p95_ms=1200, max_memory_mb=1600, min_quality=3.5)


# Every answer here: 20 prompt tokens and 64 completion tokens, counted by the server.
answer = partial(
    make_measured_sample,
    prompt_tokens=20,
    completion_tokens=64,
    tokens_source="usage",
    finish_reason="stop",
)


def build_run() -> Run:
    """Three models with seeded latency noise, and one with a hostile id and answers."""
    rng = np.random.default_rng(3)
    samples = []
    for model, lat, ttft in zip(MODELS, (0.9, 0.35, 0.6), (0.12, 0.05, 0.08), strict=True):
        for prompt in ("p1", "p2", "p3"):
            for r in range(1, 21):
                samples.append(
                    answer(
                        model,
                        prompt,
                        r,
                        latency_s=lat * rng.lognormal(0, 0.15),
                        ttft_s=ttft * rng.lognormal(0, 0.2),
                        response="A fine answer.",
                    )
                )
    for i, text in enumerate(HOSTILE_ANSWERS, start=1):  # one prompt each: all are shown
        samples.append(
            answer(HOSTILE_MODEL, f"h{i}", 1, latency_s=0.5 + i / 100, ttft_s=0.05, response=text)
        )
    records = [
        make_model_record(m, load_time_s=2.5, memory_delta_mb=900.0 + i * 300, size_mb=1200.0)
        for i, m in enumerate(MODELS)
    ]
    records.append(make_model_record(HOSTILE_MODEL, license="=cmd|' /C calc'!A0"))
    return make_run(
        samples,
        run_id="20250101-000000-demo",
        finished_at="2025-01-01T00:05:00.000Z",
        settings=RunSettings(rounds=20, warmup_rounds=1, max_tokens=64, seed=42),
        environment={
            "app": "foundry-bench 0.1.0",
            "python": "3.11.9",
            "os": "Linux-6.1.0-x86_64-with-glibc2.36",
            "machine": "x86_64",
            "cpu": "AMD EPYC 7B13",
            "cpu_count": 8,
            "memory_gb": 31.4,
            "versions": {"foundry-local-sdk": "0.5.1", "onnxruntime": "1.22.0"},
            "endpoint": {"kind": "embedded", "url": "http://127.0.0.1:5273/v1", "api_key": "sk-x"},
        },
        models=records,
        prompts=[
            {"id": "p1", "text": "Say hi <script>alert(2)</script>"},
            {"id": "p2", "text": "Explain TCP in two sentences."},
            {"id": "p3", "text": "Write a haiku about the sea."},
        ],
    )


@pytest.fixture()
def run(tmp_path: Path) -> Run:
    write_results(tmp_path, build_run())
    return load_run(tmp_path / "results.json")  # from a fixed results.json, as users do


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector


SAFE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "b",
    "section", "div", "span", "table", "tr", "th", "td", "ul", "li", "figure", "footer",
    "wbr",  # a line-break opportunity inside a model id (no attributes, no content)
    # SVG
    "svg", "desc", "rect", "line", "text", "tspan", "circle", "path", "g",
}  # fmt: skip


def test_html_has_only_safe_markup(run: Run) -> None:
    html = to_html(run, QUALITY, CONSTRAINTS)
    doc = parse(html)
    assert {tag for tag, _ in doc.tags} <= SAFE_TAGS
    for tag, attrs in doc.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in ("href", "src", "xlink:href", "action"), (tag, name)
            assert "javascript:" not in (value or "").lower()
    assert ("meta", {"http-equiv": "Content-Security-Policy", "content": CSP}) in doc.tags
    assert CSP.startswith("default-src 'none'") and "script" not in CSP
    # nothing to fetch: no URL but the run's own endpoint (as text) and the SVG namespace
    urls = set(re.findall(r"https?://[^\s\"'<>&]+", html))
    assert urls == {"http://www.w3.org/2000/svg", "http://127.0.0.1:5273/v1", "http://evil.example"}


def test_html_escapes_hostile_text_everywhere(run: Run) -> None:
    html = to_html(run, QUALITY, CONSTRAINTS)
    assert "<script" not in html and "<img" not in html and "<b>crit" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;|&#34;quoted&#34;" in html  # tables
    assert "&lt;img src=x onerror=alert(1)&gt;|&quot;quoted&quot;" in html  # SVG labels
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;crit&lt;/b&gt;" in html
    text = "".join(parse(html).text)
    assert "日本語の回答 · العربية · ελληνικά" in text
    assert '=HYPERLINK("http://evil.example","x")' in text  # shown as text, never a link
    assert "y" * 3000 not in text and "y" * 400 in text  # long answers are cut
    assert "sk-x" not in html and "api_key" not in html


def _table_rows(html: str, section: str) -> list[list[str]]:
    body = html.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        rows.append([parse(c).text and "".join(parse(c).text) for c in re.findall(
            r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)])  # fmt: skip
    return rows


def test_html_tables_match_the_markdown(run: Run) -> None:
    html = to_html(run, QUALITY, CONSTRAINTS)
    md = to_markdown(run, QUALITY, CONSTRAINTS)
    rows = _table_rows(html, "summary")
    assert rows[0][0] == "Model" and rows[0][-1] == "Quality (1-5, 95% CI)"
    phi = [r for r in rows if r[0] == MODELS[0]][:2]
    md_rows = [line for line in md.splitlines() if line.startswith(f"| {MODELS[0]} |")][:2]
    # the key figures and the detail, in both formats alike
    assert phi == [[c.strip() for c in line.strip("|").split("|")] for line in md_rows]
    assert phi[0][2:4] == ["60", "0"] and phi[0][-1] == "4.30 (4.00–4.60)"

    rec = _table_rows(html, "recommendation")
    assert [r[:2] for r in rec[1:]] == [
        [MODELS[0], "yes"],
        [MODELS[1], "no"],
        [MODELS[2], "yes"],
        [HOSTILE_MODEL, "no"],
    ]
    assert "Recommended: llama-3.2-1b-instruct" in html
    env = dict((r[0], r[1]) for r in _table_rows(html, "environment"))
    assert env["CPU"] == "AMD EPYC 7B13" and env["Memory (GB)"] == "31.4"
    assert env["Versions"] == "foundry-local-sdk 0.5.1, onnxruntime 1.22.0"
    assert env["Endpoint"] == "kind embedded, url http://127.0.0.1:5273/v1"
    assert env["Rounds"] == "20" and env["Max tokens"] == "64" and env["Seed"] == "42"
    # A few criteria: a row per model, a column per criterion by its readable name.
    quality = _table_rows(html, "quality")
    assert quality[0] == [
        "Model", "Scores", "Quality (1-5, 95% CI)", "Correctness", "Clarity", "<b>crit</b>",
    ]  # fmt: skip
    assert quality[1] == [MODELS[0], "30", "4.30 (4.00–4.60)", "4.40", "4.20", "–"]
    assert [r[0] for r in quality[1:]] == [*MODELS, HOSTILE_MODEL]


def test_html_charts(run: Run) -> None:
    html = to_html(run, QUALITY, CONSTRAINTS)
    titles = re.findall(r'<svg [^>]*aria-label="([^"]+)"', html)
    assert titles == [
        "End-to-end latency",
        "Latency, cumulative share of requests",
        "Time to first token",
        "Median output tokens/s (95% CI)",
        "Mean quality score (95% CI)",
    ]
    no_quality = to_html(run)
    assert len(re.findall(r"<svg ", no_quality)) == 4
    assert len(html.encode()) < 200_000  # small enough to mail around


def test_empty_run_renders() -> None:
    empty = make_run(run_id="empty", status="running")
    html = to_html(empty)
    assert html.count("no data") >= 2 and "No model qualifies" in html


# --- the SVG writer ------------------------------------------------------------------------


def test_nice_ticks() -> None:
    assert svg_canvas.nice_ticks(0, 1000) == [0, 200, 400, 600, 800, 1000]
    assert svg_canvas.nice_ticks(0, 7.3) == [0, 2, 4, 6, 8]
    assert svg_canvas.nice_ticks(3, 3) == [3, 4, 5, 6]
    assert svg_canvas.nice_ticks(float("nan"), 1) == [0.0, 1.0]


def test_box_plot_geometry() -> None:
    svg = svg_charts.box_plot([("m", [1, 2, 3, 4, 5, 100])], title="t", unit="ms")
    # quartiles 2.25 / 3.5 / 4.75; 100 is beyond 1.5 IQR: drawn as an outlier dot
    assert "median 3.5 · p25 2.25 · p75 4.75" in svg
    assert svg.count("<circle") == 1
    assert "no successful requests" in svg_charts.box_plot(
        [("a", [1.0, 2.0]), ("b", [])], title="t", unit="ms"
    )


def test_ecdf_and_box_plot_stay_small_for_huge_runs() -> None:
    values = np.random.default_rng(0).lognormal(0, 1, 100_000)
    assert len(svg_charts.ecdf_chart([("m", values)], title="t", unit="ms")) < 40_000
    assert len(svg_charts.box_plot([("m", values)], title="t", unit="ms")) < 30_000


def test_svg_text_is_escaped() -> None:
    evil = "</text><script>alert(1)</script>"
    for svg in (
        svg_charts.box_plot([(evil, [1, 2, 3])], title=evil, unit=evil),
        svg_charts.bar_chart([(evil, 1.0, (0.5, 1.5))], title="t", unit="u"),
        svg_charts.ecdf_chart([(evil, [1, 2])], title="t", unit="u"),
        svg_charts.change_chart([(evil, 5.0, (1.0, 9.0), True)], title="t"),
    ):
        assert "<script" not in svg and "&lt;/text&gt;&lt;script&gt;" in svg


# --- a real browser --------------------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)


def run_chromium(*args: str) -> subprocess.CompletedProcess[str]:
    """One headless Chromium run with its own throw-away profile."""
    binary = _chromium()
    with tempfile.TemporaryDirectory(prefix="fb-chromium-") as profile:
        env = {**os.environ, "HOME": profile}
        return subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def _colour_pixels(png: Path, qapp) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """How many pixels are (nearly) each of the first chart colours."""
    from PySide6.QtGui import QImage

    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB888)
    assert not image.isNull(), png
    width, height = image.width(), image.height()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    pixels = raw.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3)
    counts = {}
    for colour in svg_canvas.PALETTE[:3]:
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        counts[colour] = int((np.abs(pixels.astype(int) - rgb).max(axis=2) <= 12).sum())
    return counts


@pytest.mark.slow
def test_chromium_detects_console_errors(tmp_path: Path) -> None:
    """The control for the test below: a page that breaks its CSP is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        f'<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="{CSP}">'
        "<script>console.log(1)</script><p>x</p>",
        encoding="utf-8",
    )
    result = run_chromium(f"--screenshot={tmp_path / 'bad.png'}", bad.as_uri())
    assert any("Content Security Policy" in line for line in console_lines(result.stderr))


@pytest.mark.slow
def test_chromium_renders_the_charts_without_console_errors(run: Run, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "report.html"
    page.write_text(to_html(run, QUALITY, CONSTRAINTS), encoding="utf-8")
    shot = tmp_path / "report.png"
    result = run_chromium("--window-size=1280,2000", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 10_000, result.stderr[-2000:]
    assert console_lines(result.stderr) == []
    # The charts are painted: each of the first three model colours covers real area.
    counts = _colour_pixels(shot, qapp)
    assert all(n > 150 for n in counts.values()), counts

    dom = run_chromium("--dump-dom", page.as_uri())
    assert console_lines(dom.stderr) == []
    assert dom.stdout.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 5
    assert "<script" not in dom.stdout and "<img" not in dom.stdout
    assert "Recommended: llama-3.2-1b-instruct" in dom.stdout


@pytest.mark.parametrize(("latency_s", "unit"), [(0.0004, "µs"), (0.02, "ms"), (12.5, "s")])
def test_report_time_charts_take_the_unit_their_values_suit(latency_s: float, unit: str) -> None:
    """The box plots and the ECDF were drawn in ms whatever the values (12.5 s as 12,500 ms)."""
    from foundry_bench.core.analysis.stats import ensure_summary
    from foundry_bench.core.reports.run_charts import charts

    samples = [
        make_measured_sample(
            "m", "p1", i, latency_s=latency_s * (1 + i / 100), ttft_s=latency_s / 3
        )
        for i in range(1, 21)
    ]
    run = make_run(samples, models=[make_model_record("m")])
    latency_box, ecdf, ttft_box = charts(run, ensure_summary(run), None)[:3]
    for svg in (latency_box, ecdf, ttft_box):
        assert f" of {unit} per model" in svg
        ticks = [float(t) for t in re.findall(r">(-?[\d.]+)</text>", svg)]
        assert ticks and max(ticks) < 1000  # 12.5 s is not drawn as 12,500
