"""An imported model's provenance reaches the run's record and the reports, escaped."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from factories import make_measured_sample, make_model_record, make_run
from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.imports.importer import prepare, run_import
from foundry_bench.core.reports.html import render_html
from foundry_bench.core.reports.markdown import to_markdown
from foundry_bench.core.results.records import ModelRecord
from foundry_bench.core.run.providers import EmbeddedProvider
from foundry_bench.core.run.runtime import FoundryRuntime
from import_sources import write_gguf

FAKE = (sys.executable, str(Path(__file__).with_name("fake_converter.py")))
DETAILS = "135M parameters, int4 (from GGUF Q4_1), imported from <b>m</b>.whl"


def test_reports_list_imported_models_with_their_details_escaped() -> None:
    record = make_model_record("smol:1", license="apache-2.0", details=DETAILS)
    run = make_run([make_measured_sample(model="smol:1")], models=[record])
    markdown = to_markdown(run)
    assert "## Imported models" in markdown
    assert "apache-2.0" in markdown and "<b>" not in markdown
    html = render_html(run)
    assert 'id="imported-models"' in html and "&lt;b&gt;m&lt;/b&gt;.whl" in html


def test_reports_without_imported_models_have_no_such_section() -> None:
    run = make_run([make_measured_sample(model="m")])
    assert "Imported models" not in to_markdown(run)
    assert "imported-models" not in render_html(run)


def test_details_round_trip_through_results_json_and_reject_non_text() -> None:
    record = make_model_record("smol:1", details=DETAILS)
    data = {"id": "smol:1", "status": "ok", "details": DETAILS}
    assert ModelRecord.from_dict(data) == record
    with pytest.raises(ValueError, match="'details' must be a string or null"):
        ModelRecord.from_dict({**data, "details": {"x": 1}})


@pytest.mark.runtime
def test_an_imported_model_prepared_for_a_run_carries_its_details(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CONVERTER", "ok")
    runtime = FoundryRuntime.get()
    source = write_gguf(tmp_path / "tiny.Q4_1.gguf")
    prepared = prepare(
        source, "report-tiny:1", "int4", runtime, tmp_path / "imported", check_tools=False
    )
    run_import(prepared, runtime, threading.Event(), lambda _e: None, command=FAKE)
    provider = EmbeddedProvider(runtime)
    spec = ModelSpec(id="report-tiny:1")
    model = provider.prepare(spec)
    try:
        assert model.license == "apache-2.0"
        assert model.details == "8K parameters, int4 (from GGUF Q4_1), imported from tiny.Q4_1.gguf"
    finally:
        provider.release(spec, model)
        runtime.remove("report-tiny:1")
