"""`foundry-bench fleet`: runs of many devices merged into one device x model table.

Every cell must be the run's own statistic (what that run's summary and report say), a
folder of run folders (downloaded CI artifacts) merges, and bad inputs are named and left
out, with exit 2 only when nothing can be merged.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from factories import make_measured_sample, make_model_record, make_run
from foundry_bench.cli import main
from foundry_bench.core.analysis.fleet import heat_matrix, load_fleet
from foundry_bench.core.analysis.recommend import Constraints, recommend
from foundry_bench.core.analysis.stats import ensure_summary
from foundry_bench.core.reports.fleet import CSV_COLUMNS, render_fleet
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.store import SAMPLES_FILE, load_run, write_results

ISSUE_COLUMNS = [
    "device",
    "model",
    "n_ok",
    "p50_latency_ms",
    "p95_latency_ms",
    "p50_ttft_ms",
    "output_tps",
    "peak_rss_mb",
    "quality",
]


def _device_run(label: str, scale: float, *, run_id: str, started: str, app: str = "") -> Run:
    """Two models, five timed rounds each; ``scale`` makes one device slower than another."""
    samples = [
        make_measured_sample(
            model,
            "p1",
            r,
            latency_s=scale * base * (1 + 0.1 * r),
            ttft_s=scale * base * 0.2 * (1 + 0.05 * r),
            completion_tokens=20 + r,
        )
        for model, base in (("phi-mini", 0.5), ("qwen-tiny", 0.3))
        for r in range(1, 6)
    ]
    env: dict[str, object] = {"label": label, "app": app or "foundry-bench 0.1.0"}
    return make_run(
        samples,
        models=[
            make_model_record("phi-mini", memory_delta_mb=900.0),
            make_model_record("qwen-tiny", memory_delta_mb=400.0),
        ],
        run_id=run_id,
        started_at=started,
        environment=env,
    )


def _write(folder: Path, run: Run) -> Path:
    folder.mkdir(parents=True)
    write_results(folder, run)
    return folder


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    """A downloaded-artifacts folder: one run folder per device."""
    root = tmp_path / "fleet-runs"
    _write(
        root / "win",
        _device_run("windows-laptop", 1.0, run_id="r-win", started="2026-12-01T10:00:00Z"),
    )
    _write(
        root / "mac", _device_run("macbook", 0.6, run_id="r-mac", started="2026-12-01T10:01:00Z")
    )
    _write(
        root / "edge", _device_run("edge-box", 2.5, run_id="r-edge", started="2026-12-01T10:02:00Z")
    )
    return root


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cells_equal_each_runs_own_summary(artifacts: Path) -> None:
    fleet = load_fleet([artifacts])
    assert [d.name for d in fleet.devices] == ["edge-box", "macbook", "windows-laptop"]
    assert fleet.models == ("phi-mini", "qwen-tiny")
    for device in fleet.devices:
        summary = {e["model"]: e for e in ensure_summary(load_run(device.run_dir))}
        for model, entry in summary.items():
            cell = fleet.cell(device.name, model)
            assert cell is not None
            assert cell.value("n_ok") == entry["n_ok"]
            assert cell.value("p50_latency_ms") == entry["latency_s"]["p50"] * 1000
            assert cell.value("p95_latency_ms") == entry["latency_s"]["p95"] * 1000
            assert cell.value("p50_ttft_ms") == entry["ttft_s"]["p50"] * 1000
            assert cell.value("output_tps") == entry["output_tps"]["mean"]
            assert cell.cis["p95_latency_ms"] == tuple(
                v * 1000 for v in entry["latency_s"]["p95_ci"]
            )
            assert cell.value("peak_rss_mb") is None  # not measured by these runs
            assert cell.value("quality") is None  # no annotation files


def test_csv_has_the_issue_columns_and_the_runs_numbers(artifacts: Path) -> None:
    fleet = load_fleet([artifacts])
    text = render_fleet(fleet, "csv")
    header = next(csv.reader(io.StringIO(text)))
    assert header[: len(ISSUE_COLUMNS)] == ISSUE_COLUMNS
    assert header == list(CSV_COLUMNS)
    rows = _csv_rows(text)
    assert len(rows) == 6
    for row in rows:
        device = next(d for d in fleet.devices if d.name == row["device"])
        entry = next(
            e for e in ensure_summary(load_run(device.run_dir)) if e["model"] == row["model"]
        )
        assert float(row["p95_latency_ms"]) == entry["latency_s"]["p95"] * 1000
        assert float(row["p50_latency_ms_ci_lo"]) == entry["latency_s"]["p50_ci"][0] * 1000
        assert row["peak_rss_mb"] == "" and row["quality"] == ""


def test_best_model_per_device_is_the_runs_own_recommendation(artifacts: Path) -> None:
    constraints = Constraints(max_p95_ms=1500.0)
    fleet = load_fleet([artifacts], constraints)
    for device in fleet.devices:
        own = recommend(load_run(device.run_dir), None, constraints)
        assert device.best == own.best and device.why == own.why
    edge = next(d for d in fleet.devices if d.name == "edge-box")
    assert edge.best == "qwen-tiny"  # phi-mini is over 1500 ms there
    missed = {(m.model, m.device) for m in fleet.misses}
    assert missed == {("phi-mini", "edge-box")}
    md = render_fleet(fleet, "md")
    assert "**phi-mini:** edge-box (p95 latency" in md


def test_memory_constraint_and_a_missing_measurement(artifacts: Path) -> None:
    fleet = load_fleet([artifacts], Constraints(max_memory_mb=500.0))
    assert {m.model for m in fleet.misses} == {"phi-mini"}
    assert all(d.best == "qwen-tiny" for d in fleet.devices)


def test_peak_rss_is_read_when_a_model_record_has_it(tmp_path: Path) -> None:
    run = _device_run("box", 1.0, run_id="r1", started="2026-12-01T10:00:00Z")
    folder = _write(tmp_path / "r1", run)
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    data["models"][0]["peak_rss_mb"] = 1234.5
    (folder / "results.json").write_text(json.dumps(data), encoding="utf-8")
    fleet = load_fleet([folder])
    cell = fleet.cell("box", "phi-mini")
    other = fleet.cell("box", "qwen-tiny")
    assert cell is not None and other is not None
    assert cell.value("peak_rss_mb") == 1234.5
    assert other.value("peak_rss_mb") is None  # not measured: null, never a guess
    row = next(r for r in _csv_rows(render_fleet(fleet, "csv")) if r["model"] == "phi-mini")
    assert row["peak_rss_mb"] == "1234.5"


def test_same_label_newest_wins_or_all_are_shown(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    _write(root / "old", _device_run("lab-1", 1.0, run_id="r-old", started="2026-11-30T09:00:00Z"))
    _write(root / "new", _device_run("lab-1", 0.5, run_id="r-new", started="2026-12-01T09:00:00Z"))
    newest = load_fleet([root])
    assert [(d.name, d.run_id) for d in newest.devices] == [("lab-1", "r-new")]
    assert any("newest (r-new) is shown" in n and "r-old" in n for n in newest.notes)
    both = load_fleet([root], same_label="all")
    assert [d.name for d in both.devices] == ["lab-1 (r-new)", "lab-1 (r-old)"]
    assert any("all shown" in n for n in both.notes)
    assert "newest (r-new) is shown" in render_fleet(newest, "md")


def test_mixed_app_versions_merge_and_say_so(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    _write(root / "a", _device_run("a", 1.0, run_id="ra", started="1", app="foundry-bench 0.1.0"))
    _write(root / "b", _device_run("b", 1.0, run_id="rb", started="2", app="foundry-bench 0.2.0"))
    fleet = load_fleet([root])
    assert len(fleet.devices) == 2
    note = next(n for n in fleet.notes if "different app versions" in n)
    assert "foundry-bench 0.1.0: a" in note and "foundry-bench 0.2.0: b" in note


def test_unknown_schema_version_is_refused_with_a_message(
    artifacts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    future = artifacts / "future"
    future.mkdir()
    data = _device_run("future-box", 1.0, run_id="rf", started="3").to_dict()
    data["schema_version"] = 2
    (future / "results.json").write_text(json.dumps(data), encoding="utf-8")
    code = main(["fleet", str(artifacts), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    assert "schema_version 2 is not supported" in captured.err
    assert str(future / "results.json") in captured.err
    out = json.loads(captured.out)
    assert [d["device"] for d in out["devices"]] == ["edge-box", "macbook", "windows-laptop"]
    assert any("schema_version 2" in s for s in out["skipped"])


def test_invalid_json_results_is_left_out_naming_the_file(
    artifacts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = artifacts / "torn"
    broken.mkdir()
    (broken / "results.json").write_bytes(b'{"schema_version": 1, "run_id": "x", "samp')
    code = main(["fleet", str(artifacts), "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0
    assert "torn" in captured.err and "results.json" in captured.err
    assert "invalid JSON" in captured.err
    assert len(_csv_rows(captured.out)) == 6


def test_killed_run_is_merged_from_its_samples(tmp_path: Path) -> None:
    """A killed run: results.json holds only its start, samples.jsonl every finished sample."""
    run = _device_run("killed-box", 1.0, run_id="rk", started="2026-12-01T10:00:00Z")
    folder = tmp_path / "rk"
    folder.mkdir()
    started = make_run(
        [],
        models=[m.id for m in run.models],
        run_id="rk",
        started_at=run.started_at,
        status="running",
        environment=dict(run.environment),
    )
    write_results(folder, started)
    with (folder / SAMPLES_FILE).open("w", encoding="utf-8") as fh:
        for sample in run.samples:
            fh.write(json.dumps(sample.to_dict()) + "\n")
    fleet = load_fleet([folder])
    cell = fleet.cell("killed-box", "phi-mini")
    assert cell is not None
    own = next(e for e in ensure_summary(run) if e["model"] == "phi-mini")
    assert cell.value("n_ok") == own["n_ok"] == 5
    assert cell.value("p95_latency_ms") == own["latency_s"]["p95"] * 1000


def test_run_rebuilt_from_samples_alone_is_named_by_its_folder(tmp_path: Path) -> None:
    run = _device_run("lost", 1.0, run_id="rs", started="x")
    folder = tmp_path / "box-7"
    folder.mkdir()
    with (folder / SAMPLES_FILE).open("w", encoding="utf-8") as fh:
        for sample in run.samples:
            fh.write(json.dumps(sample.to_dict()) + "\n")
    fleet = load_fleet([tmp_path])
    assert [d.name for d in fleet.devices] == ["box-7"]
    cell = fleet.cell("box-7", "qwen-tiny")
    assert cell is not None and cell.value("n_ok") == 5


def test_nothing_to_merge_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    (empty / "not-a-run").mkdir(parents=True)
    code = main(["fleet", str(empty), str(tmp_path / "missing")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{empty}: no run folder in it" in err
    assert f"{tmp_path / 'missing'}: not found" in err
    assert "error: nothing to merge" in err
    assert "Traceback" not in err


def test_a_folder_with_no_run_next_to_good_ones_is_named(
    artifacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    out = tmp_path / "fleet.md"
    code = main(["fleet", str(artifacts / "win"), str(empty), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0
    assert f"{empty}: no run folder in it" in err
    text = out.read_text(encoding="utf-8")
    assert "windows-laptop" in text and "nothing-here" in text  # stated under "Left out"


def test_hostile_labels_and_ids_are_escaped_everywhere(tmp_path: Path) -> None:
    label = '=HYPERLINK("http://x")|<script>alert(1)</script>\x1b[31m'
    run = _device_run(label, 1.0, run_id="<b>r</b>", started="1")
    run.samples = [s for s in run.samples]  # same samples, hostile names below
    for sample in run.samples:
        sample.model = "@SUM(1)|<img src=x>" if sample.model == "phi-mini" else sample.model
    run.models[0].id = "@SUM(1)|<img src=x>"
    _write(tmp_path / "r", run)
    fleet = load_fleet([tmp_path / "r"])
    html = render_fleet(fleet, "html")
    assert "<script>" not in html and "<img" not in html and "<b>r</b>" not in html
    assert "&lt;script&gt;" in html
    md = render_fleet(fleet, "md")
    assert "<script>" not in md and "\x1b" not in md and "<img" not in md
    for line in md.splitlines():
        if line.startswith("| ") and "SUM" in line:
            assert r"\|" in line  # the pipe does not open a new cell
    rows = list(csv.reader(io.StringIO(render_fleet(fleet, "csv"))))
    cells = [c for row in rows[1:] for c in row[:2]]
    assert all(not c.startswith(("=", "@", "+", "-")) for c in cells)
    assert "'=HYPERLINK" in cells[0] or "'=HYPERLINK" in cells[2]
    js = render_fleet(fleet, "json")
    assert "\x1b" not in js and json.loads(js)["devices"][0]["label"] == label


def test_heat_matrix_is_devices_by_models(artifacts: Path) -> None:
    fleet = load_fleet([artifacts])
    matrix = heat_matrix(fleet, "p95_latency_ms")
    assert len(matrix) == 3 and all(len(row) == 2 for row in matrix)
    mac = [d.name for d in fleet.devices].index("macbook")
    edge = [d.name for d in fleet.devices].index("edge-box")
    assert matrix[mac][0] is not None and matrix[edge][0] is not None
    assert matrix[mac][0] < matrix[edge][0]


@pytest.mark.parametrize("fmt", ["md", "csv", "html", "json"])
def test_every_format_writes_through_the_cli(artifacts: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"fleet.{fmt}"
    assert main(["fleet", str(artifacts), "--format", fmt, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "macbook" in text and "qwen-tiny" in text


def test_bad_constraint_is_exit_2(artifacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", str(artifacts), "--max-p95-ms", "nan"]) == 2
    assert "--max-p95-ms must be a finite number >= 0" in capsys.readouterr().err


def test_quality_is_the_runs_own_scores_and_a_min_quality_miss(artifacts: Path) -> None:
    from foundry_bench.core.quality.files import new_annotations
    from foundry_bench.core.quality.rows import quality_for
    from foundry_bench.core.quality.shared_file import save_annotations

    folder = artifacts / "mac"
    run = load_run(folder)
    ann = new_annotations(run, "ann")
    for sample in run.timed_samples():
        ann.set_score(sample.key, ann.criteria[0].id, 5 if sample.model == "qwen-tiny" else 2)
    save_annotations(folder / "annotations-ann.json", ann)
    fleet = load_fleet([artifacts], Constraints(min_quality=3.0))
    own = {r["model"]: r for r in quality_for(run, folder).rows or []}
    for model in ("phi-mini", "qwen-tiny"):
        cell = fleet.cell("macbook", model)
        assert cell is not None
        assert cell.value("quality") == own[model]["mean"]
        assert cell.cis.get("quality") == (tuple(own[model]["ci"]) if own[model]["ci"] else None)
    assert fleet.cell("macbook", "qwen-tiny").value("quality") == 5.0  # type: ignore[union-attr]
    misses = {(m.model, m.device): m.reasons for m in fleet.misses}
    assert misses[("phi-mini", "macbook")] == ("quality 2.00 under the 3 minimum",)
    # Devices without annotation files cannot meet a quality minimum: said, not guessed.
    assert misses[("qwen-tiny", "edge-box")] == ("no quality scores",)
    md = render_fleet(fleet, "md")
    assert "**macbook:** qwen-tiny" in md


def test_checks_are_shown_where_a_runs_summary_has_them(tmp_path: Path) -> None:
    """Automatic answer checks land in the summary as ``{"passed", "total"}``; bad ones are
    left out rather than shown wrong."""
    from foundry_bench.core.analysis.fleet import FleetInput, build_fleet

    run = _device_run("box", 1.0, run_id="rc", started="1")
    summary = ensure_summary(run)
    summary[0]["checks"] = {"passed": 4, "total": 5}
    summary[1]["checks"] = {"passed": 9, "total": 5}  # impossible: not shown
    fleet = build_fleet([FleetInput(run, tmp_path / "rc")])
    assert fleet.cell("box", "phi-mini").checks == (4, 5)  # type: ignore[union-attr]
    assert fleet.cell("box", "qwen-tiny").checks is None  # type: ignore[union-attr]
    rows = _csv_rows(render_fleet(fleet, "csv"))
    assert (rows[0]["checks_passed"], rows[0]["checks_total"]) == ("4", "5")
    assert "| 4/5 |" in render_fleet(fleet, "md")


def test_each_run_counts_once_however_it_is_named(artifacts: Path, tmp_path: Path) -> None:
    win = artifacts / "win"
    fleet = load_fleet([artifacts, win, win / "results.json", artifacts / ".." / "fleet-runs"])
    assert [d.name for d in fleet.devices] == ["edge-box", "macbook", "windows-laptop"]
    assert not fleet.notes  # no "2 runs" of one label: the same run was named four ways
    stray = tmp_path / "notes.txt"
    stray.write_text("x", encoding="utf-8")
    assert load_fleet([stray]).skipped == (f"{stray}: not a run folder or a results.json",)


def test_copies_of_one_run_shown_apart_by_their_folders(artifacts: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy-of-win"
    shutil.copytree(artifacts / "win", copy)
    fleet = load_fleet([artifacts / "win", copy], same_label="all")
    names = {d.name for d in fleet.devices}
    assert names == {"windows-laptop (copy-of-win)", "windows-laptop (win)"}
    assert len(fleet.cells) == 4


def test_a_real_runs_checks_reach_the_fleet_and_its_constraint(tmp_path: Path) -> None:
    """Samples that carry automatic check results: the run's own tally is the cell, and
    ``--min-checks-pass`` is a constraint like the others."""
    run = _device_run("box", 1.0, run_id="rc", started="1")
    for i, sample in enumerate(run.samples):
        passed = sample.model == "qwen-tiny" or i % 5 == 0
        sample.checks = [{"check": "contains", "passed": passed}]
    _write(tmp_path / "rc", run)
    own = {e["model"]: e["checks"] for e in ensure_summary(load_run(tmp_path / "rc"))}
    out = tmp_path / "fleet.json"
    assert main(["fleet", str(tmp_path / "rc"), "--min-checks-pass", "0.9", "--format", "json",
                 "--out", str(out)]) == 0  # fmt: skip
    data = json.loads(out.read_text(encoding="utf-8"))
    cells = {c["model"]: c for c in data["cells"]}
    for model in ("phi-mini", "qwen-tiny"):
        assert cells[model]["checks"] == own[model]
    assert own["qwen-tiny"] == {"passed": 5, "total": 5}
    assert not cells["phi-mini"]["meets_constraints"] and cells["qwen-tiny"]["meets_constraints"]
    assert data["constraints"]["min_checks_pass"] == 0.9
