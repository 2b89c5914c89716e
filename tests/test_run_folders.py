"""One run-folder API for every reader: the same status, label and order everywhere."""

from __future__ import annotations

import json
import os
from pathlib import Path

from foundry_bench.core.results.folders import list_run_folders, open_run_folder, run_folder
from foundry_bench.core.results.records import ModelRecord, Run, Sample
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.results.store import write_results


def _run(run_id: str, started: str) -> Run:
    samples = [
        Sample(
            key=f"m|p1|{r}",
            model="m",
            prompt_id="p1",
            round=r,
            warmup=False,
            status="ok",
            error=None,
            started_at=started,
            latency_s=0.1,
        )
        for r in (1, 2)
    ]
    return Run(
        run_id=run_id,
        started_at=started,
        settings=RunSettings(rounds=2),
        models=[ModelRecord(id="m", status="ok")],
        prompts=[{"id": "p1", "text": "hi"}],
        samples=samples,
        status="completed",
    )


def _save(run: Run, folder: Path, *, killed: bool = False) -> Path:
    folder.mkdir(parents=True)
    lines = "".join(json.dumps(s.to_dict()) + "\n" for s in run.samples)
    (folder / "samples.jsonl").write_text(lines, encoding="utf-8")
    if not killed:
        write_results(folder, run)
    return folder


def test_a_killed_run_has_the_status_the_loader_gives_it(tmp_path: Path) -> None:
    folder = _save(_run("r1", "2026-01-02T00:00:00.000Z"), tmp_path / "r1", killed=True)
    listed = run_folder(folder)
    assert listed is not None and listed.rebuilt
    assert listed.status == open_run_folder(folder).run.status == "interrupted"
    assert listed.started_at == "2026-01-02T00:00:00.000Z"  # from its first sample
    assert listed.label == "r1  ·  2026-01-02 00:00  ·  interrupted"


def test_runs_are_listed_by_their_start_not_by_folder_time(tmp_path: Path) -> None:
    old = _save(_run("old", "2026-01-01T00:00:00.000Z"), tmp_path / "old")
    new = _save(_run("new", "2026-03-01T00:00:00.000Z"), tmp_path / "new")
    killed = _save(_run("mid", "2026-02-01T00:00:00.000Z"), tmp_path / "mid", killed=True)
    os.utime(old, (2_000_000_000, 2_000_000_000))  # touched last: must not jump to the top
    os.utime(new, (1_000_000_000, 1_000_000_000))
    (tmp_path / "not-a-run").mkdir()
    (tmp_path / ".hidden").mkdir()
    listed = list_run_folders(tmp_path)
    assert [f.path for f in listed] == [new, killed, old]


def test_an_unreadable_results_file_is_listed_as_such(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "results.json").write_text("[" * 100_000, encoding="utf-8")
    listed = run_folder(folder)
    assert listed is not None and listed.status == "unreadable"


def test_every_reader_of_run_settings_refuses_the_same_values(tmp_path: Path) -> None:
    """settings.json, a setup file and results.json go through one validator."""
    import pytest

    from foundry_bench.core.results.store import RunFileError, load_run
    from foundry_bench.core.settings import SettingsError, load_settings
    from foundry_bench.ui.benchmark.setup_file import SetupError, parse_setup

    bad = {"temperature": float("inf")}  # written as 1e999: valid JSON, an infinite number
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(_inf_as_number(json.dumps({"defaults": bad})), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\$\.defaults\.temperature must be a finite number"):
        load_settings(settings_file)
    setup = {"kind": "foundry-bench-setup", "schema_version": 1, "settings": bad}
    with pytest.raises(SetupError, match=r"\$\.settings\.temperature must be a finite number"):
        parse_setup(setup, tmp_path / "setup.json")
    run = _run("r", "2026-01-01T00:00:00.000Z").to_dict()
    run["settings"] = bad
    (tmp_path / "results.json").write_text(_inf_as_number(json.dumps(run)), encoding="utf-8")
    with pytest.raises(RunFileError, match=r"settings\.temperature must be a finite number"):
        load_run(tmp_path / "results.json")
    settings_file.write_text(json.dumps({"defaults": {"rounds": 10**9}}), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\$\.defaults\.rounds must be at most 100,000"):
        load_settings(settings_file)


def _inf_as_number(text: str) -> str:
    return text.replace("Infinity", "1e999")


def test_one_provider_factory_for_every_caller(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from foundry_bench.core import redaction
    from foundry_bench.core.run import providers

    monkeypatch.setenv(redaction.API_KEY_ENV, "sk-from-env")
    external = providers.provider_factory("http://127.0.0.1:9/v1")()
    assert isinstance(external, providers.ExternalProvider)
    assert external.api_key == "sk-from-env" and external.base_url == "http://127.0.0.1:9/v1"
    given = providers.provider_factory("http://127.0.0.1:9", api_key="sk-given")()
    assert given.api_key == "sk-given"
    started: list[bool] = []

    class Runtime:
        def ensure_demo_model(self) -> None:
            started.append(True)

    monkeypatch.setattr(providers.FoundryRuntime, "get", classmethod(lambda cls: Runtime()))
    embedded = providers.provider_factory(None)()
    assert isinstance(embedded, providers.EmbeddedProvider) and started == []
    providers.provider_factory(None, ensure_demo=True)()
    assert started == [True]
