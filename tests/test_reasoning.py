"""Reasoning models against the scripted server's truth: N thinking chunks, then M answer
chunks at known times, the thinking in a delta field or in <think> tags inside content."""

from __future__ import annotations

import statistics
from dataclasses import replace
from pathlib import Path

import pytest

from endpoint_fixtures import chat, endpoint_fixtures
from foundry_bench.core.analysis.stats import summarize
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.reports.formats import render
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import load_run
from foundry_bench.core.run.endpoint.client import ChatEndpoint
from foundry_bench.core.run.endpoint.reasoning import Thinking, split_tagged
from foundry_bench.core.run.providers import ExternalProvider
from foundry_bench.core.run.runner import RunPlan, run_benchmark
from scripted_server import Scenario, ScriptedServer

TTFT_S, GAP_S, THOUGHTS, ANSWER = 0.02, 0.004, 10, 6
TOLERANCE_S = 0.005  # as test_endpoint: a loaded 2-core box


PLAIN = Scenario(ttft_s=TTFT_S, gap_s=GAP_S, tokens=ANSWER)


def _reasoner(field: str, usage: str | None = "openai") -> Scenario:
    return replace(PLAIN, reasoning=THOUGHTS, reasoning_field=field, reasoning_usage=usage)


MODELS = {
    "rc_openai": _reasoner("reasoning_content"),
    "rc_foundry": _reasoner("reasoning_content", "foundry"),
    "reasoning_uncounted": _reasoner("reasoning", None),
    "think_tags": _reasoner("think", None),
    "plain": PLAIN,
}
server, ep = endpoint_fixtures(MODELS)

THOUGHT_TEXT = "".join(f"r{i} " for i in range(THOUGHTS))
ANSWER_TEXT = "".join(f"{i}tok " for i in range(ANSWER))


@pytest.mark.parametrize(
    ("model", "source"),
    [
        ("rc_openai", "usage"),
        ("rc_foundry", "usage"),
        ("reasoning_uncounted", "estimated"),
        ("think_tags", "estimated"),
    ],
)
def test_a_reasoning_stream_against_server_truth(
    ep: ChatEndpoint, server: ScriptedServer, model: str, source: str
) -> None:
    # As in test_endpoint: a batch is judged by its medians; a load spike from outside may
    # spoil one batch, a real bias spoils every one.
    for _ in range(3):
        ttft_err, ttfa_err, phase_err = [], [], []
        for _ in range(5):
            m = chat(ep, model)
            rec = server.last_request()
            assert m.status == "ok", m.error
            assert rec.ttft_s is not None and rec.ttfa_s is not None
            assert m.ttft_s is not None and m.ttfa_s is not None and m.reasoning_s is not None
            ttft_err.append(abs(m.ttft_s - rec.ttft_s))
            ttfa_err.append(abs(m.ttfa_s - rec.ttfa_s))
            # The thinking phase as the server wrote it (~THOUGHTS gaps): TTFT no longer
            # swallows it, and the client's own start-up (in both errors above) cancels out.
            phase_err.append(abs((m.ttfa_s - m.ttft_s) - (rec.ttfa_s - rec.ttft_s)))
            assert m.reasoning_s == pytest.approx(m.ttfa_s - m.ttft_s)
        medians = [statistics.median(e) for e in (ttft_err, ttfa_err, phase_err)]
        if max(medians) < TOLERANCE_S:
            break
    else:
        pytest.fail(f"median TTFT/TTFA/thinking errors {medians} s above {TOLERANCE_S} s")
    assert (rec.reasoning_sent, rec.content_sent) == (THOUGHTS, ANSWER)
    assert m.response == ANSWER_TEXT
    assert m.reasoning == THOUGHT_TEXT
    assert (m.reasoning_tokens, m.reasoning_tokens_source) == (THOUGHTS, source)
    # Every output token is in the count, the gaps and so in TPOT.
    assert m.completion_tokens == THOUGHTS + ANSWER
    assert len(m.itl_s) == THOUGHTS + ANSWER - 1
    assert m.latency_s is not None
    tpot = (m.latency_s - m.ttft_s) / (THOUGHTS + ANSWER - 1)
    assert tpot == pytest.approx(GAP_S, rel=0.3)


def test_a_plain_model_has_ttfa_equal_to_ttft_and_no_reasoning(ep: ChatEndpoint) -> None:
    m = chat(ep, "plain")
    assert m.status == "ok" and m.ttft_s is not None
    assert m.ttfa_s == m.ttft_s
    assert (m.reasoning_tokens, m.reasoning_s, m.reasoning) == (None, None, "")


def test_max_tokens_counts_thinking_too(ep: ChatEndpoint) -> None:
    m = chat(ep, "rc_openai", max_tokens=4)  # all four go to thinking: no answer at all
    assert m.status == "ok" and m.finish_reason == "length"
    assert (m.reasoning_tokens, m.completion_tokens) == (4, 4)
    assert m.response == "" and m.reasoning == "r0 r1 r2 r3 "
    assert m.ttfa_s is None and m.reasoning_s is not None


@pytest.mark.parametrize("model", ["rc_openai", "think_tags"])
def test_unstreamed_answers_are_split_too(ep: ChatEndpoint, model: str) -> None:
    m = chat(ep, model, stream=False)
    assert m.status == "ok", m.error
    assert (m.response, m.reasoning) == (ANSWER_TEXT, THOUGHT_TEXT)
    assert m.ttft_s is None and m.ttfa_s is None
    expected = THOUGHTS if model == "rc_openai" else None  # no usage count, no chunks to count
    assert m.reasoning_tokens == expected


@pytest.mark.parametrize(
    ("chunks", "answer_from", "reasoning", "answer"),
    [
        (["<think>", "a b", "</think>", "\n\n", "Hi", " there"], 4, "a b", "Hi there"),
        (["<th", "ink>x", "y</thi", "nk>\n\nAn", "swer"], 3, "xy", "Answer"),
        (["  <think>x</think>Done"], 0, "x", "Done"),
        (["\n", "<div>", "ok"], 1, "", "\n<div>ok"),
        (["<", "b>bold"], 1, "", "<b>bold"),
        (["<think>still thinking"], None, "still thinking", ""),
    ],
)
def test_think_tags_are_split_chunk_by_chunk(
    chunks: list[str], answer_from: int | None, reasoning: str, answer: str
) -> None:
    thinking = Thinking()
    answered = [thinking.take(c, None, float(i)) for i, c in enumerate(chunks)]
    first = answered.index(True) if True in answered else None
    assert first == answer_from
    assert thinking.text("".join(chunks)) == (reasoning, answer)
    assert split_tagged("".join(chunks)) == (reasoning, answer)


def _run(folder: Path, server: ScriptedServer, models: list[str]) -> Run:
    plan = RunPlan(
        models=[ModelSpec(id=m) for m in models],
        prompts=[PromptSpec(id="p1", text="Think.")],
        settings=RunSettings(rounds=2, warmup_rounds=0),
    )
    list(run_benchmark(plan, ExternalProvider(server.base_url), folder))
    return load_run(folder)


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory, server: ScriptedServer) -> Run:
    return _run(tmp_path_factory.mktemp("mixed"), server, ["rc_openai", "plain"])


def test_a_run_records_and_summarizes_reasoning(mixed_run: Run) -> None:
    run = mixed_run
    reasoner = [s for s in run.samples if s.model == "rc_openai"]
    assert all(s.reasoned and s.reasoning == THOUGHT_TEXT for s in reasoner)
    assert all(s.response == ANSWER_TEXT and s.reasoning_tokens == THOUGHTS for s in reasoner)
    assert not any(s.reasoned for s in run.samples if s.model == "plain")
    by_model = {e["model"]: e for e in summarize(run)}
    assert (by_model["rc_openai"]["n_reasoned"], by_model["plain"]["n_reasoned"]) == (2, 0)
    assert by_model["rc_openai"]["ttfa_s"]["n"] == 2
    assert by_model["rc_openai"]["ttfa_s"]["p50"] > by_model["rc_openai"]["ttft_s"]["p50"]


def test_reports_show_ttfa_where_a_model_reasons(
    mixed_run: Run, tmp_path: Path, server: ScriptedServer
) -> None:
    markdown, html = render(mixed_run, "md"), render(mixed_run, "html")
    section = markdown.split("## Reasoning", 1)[1].split("##", 1)[0]
    assert "| rc\\_openai | 2 of 2 |" in section and "plain" not in section
    assert "p50 TTFA (ms)" in section and "usage" in section
    assert "<h3>Reasoning</h3>" in html and "p50 TTFA (ms)" in html
    assert "Time to first answer token" in html  # its box plot
    assert "ttfa_s_p50" in render(mixed_run, "summary-csv")
    assert "reasoning_tokens" in render(mixed_run, "csv").splitlines()[0]
    plain = _run(tmp_path, server, ["plain"])
    assert "## Reasoning" not in render(plain, "md")
    plain_html = render(plain, "html")
    assert "<h3>Reasoning</h3>" not in plain_html
    assert "Time to first answer token" not in plain_html


def test_the_results_table_offers_ttfa_while_a_model_reasons(qtbot, mixed_run: Run) -> None:  # type: ignore[no-untyped-def]
    from foundry_bench.ui.benchmark.results_table import ResultsView

    table = ResultsView()
    qtbot.addWidget(table)
    offered = lambda: [table.metric_box.itemData(i) for i in range(table.metric_box.count())]  # noqa: E731
    assert "ttfa_s" not in offered()
    table.model.set_summary(summarize(mixed_run), mixed_run.models)
    assert offered()[offered().index("ttft_s") + 1] == "ttfa_s"
    table.metric_box.setCurrentIndex(offered().index("ttfa_s"))
    assert table.model.metric == "ttfa_s"
    plain = [e for e in summarize(mixed_run) if e["model"] == "plain"]
    table.model.set_summary(plain, mixed_run.models)
    assert "ttfa_s" not in offered() and table.model.metric != "ttfa_s"


def test_the_charts_draw_ttfa_while_a_model_reasons(qtbot, mixed_run: Run) -> None:  # type: ignore[no-untyped-def]
    """The app had TTFA in its table but in no chart; the HTML report had its box plot."""
    from foundry_bench.core.analysis.chart_data import run_chart_data
    from foundry_bench.ui.base.workers import JobRunner
    from foundry_bench.ui.charts.view import ChartsView

    view = ChartsView(JobRunner())
    qtbot.addWidget(view)
    view.show()
    view.set_data(run_chart_data(mixed_run))
    chart = view.show_chart("ttfa")
    assert chart.isVisible() and view.tabs.tabText(view.tabs.currentIndex()) == "TTFT / TTFA / TPOT"
    reasoner, plain = chart.stats  # both models, the plain one's TTFA is its TTFT
    assert reasoner is not None and plain is not None and reasoner.n == plain.n == 2
    ttft = view.show_chart("ttft").stats[0]
    assert ttft is not None and reasoner.p50 > ttft.p50  # thinking comes before the answer
    plain_only = [s for s in mixed_run.samples if s.model == "plain"]
    view.set_data(run_chart_data(replace(mixed_run, samples=plain_only)))
    assert view.charts["ttfa"].isHidden()
    assert view.tabs.tabText(view.tabs.currentIndex()) == "TTFT / TPOT"
