"""What the runtime hosts measured, in the Benchmark page: the results table and the run setup."""

from __future__ import annotations

from PySide6.QtCore import Qt

from factories import make_measured_sample, make_model_record, make_run
from foundry_bench.core.analysis.stats import summarize
from foundry_bench.ui.benchmark.results_columns import Col
from foundry_bench.ui.benchmark.results_table import ResultsTableModel


def test_cpu_cold_start_and_device_of_each_model(qapp):
    samples = [make_measured_sample(m, "p1", 1, latency_s=0.2, ttft_s=0.05) for m in "ab"]
    hosted = make_model_record(
        "a", cpu_percent=187.5, cold_ttft_s=0.3, device="GPU", execution_provider="CUDA"
    )
    run = make_run(samples, models=[hosted, make_model_record("b")])
    model = ResultsTableModel()
    model.set_summary(summarize(run), run.models)
    assert model.headerData(Col.CPU, Qt.Orientation.Horizontal) == "CPU (%)"
    assert model.headerData(Col.COLD_TTFT, Qt.Orientation.Horizontal) == "Cold TTFT (ms)"
    assert model.index(0, Col.CPU).data() == "188"
    assert model.index(0, Col.COLD_TTFT).data() == "300"
    assert model.index(1, Col.CPU).data() == "" and model.index(1, Col.COLD_TTFT).data() == ""
    tip = model.index(0, Col.MODEL).data(Qt.ItemDataRole.ToolTipRole)
    assert "a (on GPU, CUDA): ok" in tip
    assert "one core" in model.headerData(
        Col.CPU, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )


def test_the_run_setup_shows_an_alias_and_its_device(qtmodeltester):
    from foundry_bench.core.config.models import ModelSpec
    from foundry_bench.ui.benchmark.setup_models import ModelPickModel

    model = ModelPickModel()
    model.add_specs([ModelSpec("phi", device="gpu"), ModelSpec("phi-generic-cpu:1")])
    qtmodeltester.check(model)
    assert [model.index(i).data() for i in range(2)] == ["phi (GPU)", "phi-generic-cpu:1"]
    assert "its GPU variant" in model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert [s.device for s in model.checked_specs()] == ["gpu", None]
