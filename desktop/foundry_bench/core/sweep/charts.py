"""The sweep's charts as data, for the Benchmark page (pyqtgraph) and the HTML report (SVG).

Four charts, each a list of series of ``(x, y)`` points: TTFT (p50) vs prompt tokens with the
fitted line; decode tok/s vs output length, one series per context depth; aggregate
throughput and p95 TTFT vs requests in flight. Times are in milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from foundry_bench.core.sweep.analysis import ModelSweep


@dataclass(frozen=True)
class XYSeries:
    label: str
    points: tuple[tuple[float, float], ...]
    fit: tuple[float, float] | None = None  # (intercept, slope): a line over the x range
    model_index: int = 0  # the model's place in the run: its colour
    variant: int = 0  # a second series of the same model (another context depth): its marker


@dataclass(frozen=True)
class XYChart:
    name: str
    title: str
    x_unit: str
    y_unit: str
    series: tuple[XYSeries, ...]

    @property
    def n_points(self) -> int:
        return sum(len(s.points) for s in self.series)


def _pts(
    pairs: Sequence[tuple[float | None, float | None]], scale: float = 1.0
) -> tuple[tuple[float, float], ...]:
    return tuple((float(x), float(y) * scale) for x, y in pairs if x is not None and y is not None)


def sweep_charts(results: Sequence[ModelSweep]) -> list[XYChart]:
    ttft, decode, rate, p95 = [], [], [], []
    for index, r in enumerate(results):
        fit = None
        if r.prefill is not None:
            fit = (r.prefill.intercept_s * 1000.0, r.prefill.slope_s_per_token * 1000.0)
        prefill = [(p.achieved_prompt_tokens, p.ttft_p50_s) for p in r.series("prefill")]
        ttft.append(XYSeries(r.model, _pts(prefill, 1000.0), fit, index))
        depths = sorted({p.context_depth for p in r.series("decode")})
        for variant, depth in enumerate(depths):
            points = [
                (p.output_tokens, p.decode_tps)
                for p in r.series("decode")
                if p.context_depth == depth
            ]
            # The depth first: a legend shortens long model ids from the end.
            label = r.model if len(depths) == 1 else f"context {depth} · {r.model}"
            decode.append(XYSeries(label, _pts(points), None, index, variant))
        conc = r.series("concurrency")
        rate.append(
            XYSeries(r.model, _pts([(p.concurrency, p.throughput_tps) for p in conc]), None, index)
        )
        p95.append(
            XYSeries(
                r.model, _pts([(p.concurrency, p.ttft_p95_s) for p in conc], 1000.0), None, index
            )
        )
    return [
        XYChart(
            "sweep_ttft",
            "TTFT vs prompt tokens (p50; dashed: fitted line)",
            "prompt tokens",
            "ms",
            tuple(ttft),
        ),
        XYChart(
            "sweep_decode",
            "Decode rate vs output length",
            "max output tokens",
            "tok/s",
            tuple(decode),
        ),
        XYChart(
            "sweep_throughput",
            "Aggregate throughput vs requests in flight",
            "requests in flight",
            "tok/s",
            tuple(rate),
        ),
        XYChart(
            "sweep_p95", "p95 TTFT vs requests in flight", "requests in flight", "ms", tuple(p95)
        ),
    ]
