"""`foundry-bench report` and `foundry-bench compare`: formats, options, exit codes, and runs
that only have their samples.jsonl (results.json lost with a killed run)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from foundry_bench.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_REGRESSION, main
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.store import RESULTS_FILE, SampleWriter, write_results
from test_compare import synthetic_run

ROOT = Path(__file__).resolve().parent.parent


def save(run: Run, folder: Path, *, samples_only: bool = False) -> Path:
    """A run folder as the runner leaves it; ``samples_only`` as a killed run leaves it."""
    write_results(folder, run)
    with SampleWriter(folder / "samples.jsonl") as writer:
        for sample in run.samples:
            writer.append(sample)
    if samples_only:
        (folder / RESULTS_FILE).unlink()
    return folder


@pytest.fixture()
def runs(tmp_path: Path) -> dict[str, Path]:
    base = synthetic_run("base", {"alpha": 1.0, "beta": 1.0}, seed=1, n=60)
    slower = synthetic_run("slower", {"alpha": 1.3, "beta": 1.0}, seed=2, n=60)
    wobble = synthetic_run("wobble", {"alpha": 1.01, "beta": 0.99}, seed=3, n=60)
    return {
        "base": save(base, tmp_path / "base"),
        "slower": save(slower, tmp_path / "slower"),
        "wobble": save(wobble, tmp_path / "wobble"),
        "killed": save(slower, tmp_path / "killed", samples_only=True),
    }


def cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- compare ---------------------------------------------------------------------------------


def test_compare_fails_on_a_real_regression(runs, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys, "compare", runs["base"], runs["slower"], "--fail-on-regression", "10"
    )
    assert code == EXIT_REGRESSION
    assert out.startswith("# Run comparison: base → slower")
    assert "regression: alpha: p50 latency +" in err and "beta" not in err
    row = next(line for line in out.splitlines() if line.startswith("| alpha | p50 latency"))
    assert row.endswith("| slower |")
    assert "- alpha: p50 latency +" in out


def test_compare_passes_a_wobble_and_without_threshold(runs, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        capsys, "compare", runs["base"], runs["wobble"], "--fail-on-regression", "10"
    )
    assert (code, err) == (EXIT_OK, "")
    assert "## Regressions (worse by more than 10% and significant)\n\nNone." in out
    code, _, _ = cli(capsys, "compare", runs["base"], runs["slower"])
    assert code == EXIT_OK  # slower, but nobody asked to fail
    code, _, _ = cli(capsys, "compare", runs["base"], runs["slower"], "--fail-on-regression", "80")
    assert code == EXIT_OK  # slower by ~30%, not by more than 80%


def test_compare_from_samples_jsonl_alone(runs, capsys) -> None:  # type: ignore[no-untyped-def]
    assert not (runs["killed"] / RESULTS_FILE).exists()
    code, out, _ = cli(
        capsys, "compare", runs["base"], runs["killed"], "--fail-on-regression", "10"
    )
    assert code == EXIT_REGRESSION and "→ killed" in out  # the folder name is its run id


def test_compare_formats_and_out_file(runs, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out_html = tmp_path / "cmp.html"
    code, out, err = cli(
        capsys, "compare", runs["base"], runs["slower"], "--format", "html", "--out", out_html
    )
    assert code == EXIT_OK and out == "" and f"wrote {out_html}" in err
    html = out_html.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "<script" not in html
    code, out, _ = cli(
        capsys, "compare", runs["base"], runs["slower"], "--format", "json",
        "--fail-on-regression", "10",
    )  # fmt: skip
    data = json.loads(out)
    assert code == EXIT_REGRESSION and data["run_a"] == "base"
    assert {r["model"] for r in data["regressions"]} == {"alpha"}


def test_compare_exit_code_of_the_real_process(runs) -> None:  # type: ignore[no-untyped-def]
    command = [sys.executable, "-m", "foundry_bench", "compare", str(runs["base"])]
    slower = subprocess.run(
        [*command, str(runs["slower"]), "--fail-on-regression", "10"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert slower.returncode == 1, slower.stderr
    wobble = subprocess.run(
        [*command, str(runs["wobble"]), "--fail-on-regression", "10"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert wobble.returncode == 0, wobble.stderr
    assert "Traceback" not in slower.stderr + wobble.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "{tmp}/nowhere", "{base}"], "no results.json or samples.jsonl"),
        (
            ["compare", "{base}", "{base}", "--fail-on-regression", "-5"],
            "must be a finite percentage >= 0",
        ),
        (["report", "{base}", "--max-p95-ms", "nan"], "--max-p95-ms must be a finite number >= 0"),
        (["report", "{base}", "--min-quality", "-1"], "--min-quality must be a finite number >= 0"),
    ],
)
def test_bad_input_exits_2(runs, capsys, tmp_path, argv, message) -> None:  # type: ignore[no-untyped-def]
    args = [a.format(tmp=tmp_path, base=runs["base"]) for a in argv]
    code, out, err = cli(capsys, *args)
    assert code == EXIT_BAD_INPUT and out == ""
    assert err.startswith("error: ") and message in err and "Traceback" not in err


# --- report ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "csv", "summary-csv", "html", "json"])
def test_report_every_format_from_samples_jsonl_alone(runs, capsys, fmt: str) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, "report", runs["killed"], "--format", fmt)
    assert code == EXIT_OK and out
    if fmt == "md":
        assert "# Benchmark report: killed" in out and "| alpha | ok | 60 | 0 |" in out
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert len(rows) == 1 + 120 and rows[0][0] == "key"
    elif fmt == "summary-csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert [r[0] for r in rows[1:]] == ["alpha", "beta"]
    elif fmt == "html":
        assert out.count("<svg ") == 4 and "<script" not in out
    else:
        data = json.loads(out)
        assert len(data["summary"]) == 2 and data["summary"][0]["n_ok"] == 60


def test_report_csv_on_stdout_keeps_crlf(runs, capsysbinary) -> None:  # type: ignore[no-untyped-def]
    assert main(["report", str(runs["base"]), "--format", "csv"]) == EXIT_OK
    raw = capsysbinary.readouterr().out
    assert raw.count(b"\r\n") == 121 and b"\r\r\n" not in raw


def test_report_constraints_make_the_recommendation(runs, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, "report", runs["slower"], "--max-p95-ms", "600")
    assert code == EXIT_OK
    assert "**Constraints:** p95 latency ≤ 600 ms" in out
    assert "**Recommended:** beta." in out
    code, out, _ = cli(
        capsys, "report", runs["slower"], "--format", "json", "--max-memory-mb", "100"
    )
    rec = json.loads(out)["recommendation"]
    assert rec["best"] is None and "memory not measured" in rec["why"]


def _scores(folder: Path, annotator: str, values: dict[str, int], run_id: str = "base") -> Path:
    """An annotations.json of docs/design.md's format with these correctness scores."""
    path = folder / f"annotations-{annotator}.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "run_id": run_id,
                "annotator": annotator,
                "blind": True,
                "criteria": [{"id": "correctness", "label": "Correctness"}],
                "scores": [
                    {"sample_key": key, "criterion": "correctness", "score": score,
                     "note": "", "updated_at": "2025-01-01T00:00:00Z"}
                    for key, score in values.items()
                ],
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    return path


def test_report_with_annotations(runs, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _scores(tmp_path, "a", {"alpha|p1|1": 4, "alpha|p1|2": 5})
    b = _scores(tmp_path, "b", {"alpha|p1|1": 3})
    code, out, _ = cli(
        capsys, "report", runs["base"], "--annotations", a, "--annotations", b,
        "--min-quality", "3.5",
    )  # fmt: skip
    assert code == EXIT_OK
    quality = out.split("## Quality\n", 1)[1].split("\n## ", 1)[0]
    assert "| alpha | 3 | 4.00" in quality  # every file, every score
    assert "**Recommended:** alpha." in out and "no quality scores" in out  # beta: unscored
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    code, out, err = cli(capsys, "report", runs["base"], "--annotations", bad)
    assert code == EXIT_BAD_INPUT and str(bad) in err


def test_report_with_real_annotation_files(runs, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The annotations.json format of docs/design.md, read by core.annotations."""

    def scores(annotator: str, values: dict[str, int]) -> Path:
        return _scores(tmp_path, annotator, values)

    ann = scores("ann", {"alpha|p1|1": 5, "alpha|p1|2": 3, "beta|p1|1": 2})
    bob = scores("bob", {"alpha|p1|1": 4})
    code, out, err = cli(capsys, "report", runs["base"], "--annotations", ann, "--annotations", bob)
    assert code == EXIT_OK, err
    quality = out.split("## Quality\n", 1)[1].split("\n## ", 1)[0]
    assert "| alpha | 3 | 4.00" in quality and "| beta | 1 | 2.00" in quality
    other = scores("eve", {"alpha|p1|1": 5})
    other.write_text(other.read_text().replace('"run_id": "base"', '"run_id": "other"'))
    code, _, err = cli(capsys, "report", runs["base"], "--annotations", other)
    assert code == EXIT_BAD_INPUT and "'other'" in err


def test_the_run_folders_own_scores_count_in_report_and_compare(runs, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The reported case: "Quality: not scored" for a run whose folder holds scores."""
    folder = runs["base"]
    ann = _scores(folder, "ann", {"alpha|p1|1": 5, "alpha|p1|2": 3, "beta|p1|1": 2})
    ann.rename(folder / "annotations.json")
    _scores(folder, "bob", {"alpha|p1|1": 4, "beta|p1|2": 1, "gone|p1|1": 5})
    judge = _scores(folder, "judge-x", {"alpha|p1|1": 1})
    judge.write_text(judge.read_text().replace('"annotator": "judge-x"', '"annotator": "judge:x"'))
    elsewhere = _scores(tmp_path, "eve", {"beta|p1|1": 5})
    # By hand, over the folder's files: people's scores of answers the run has (the judge and
    # the unknown answer "gone" left out).
    by_hand = {"alpha": (5 + 3 + 4) / 3, "beta": (2 + 1) / 2}
    code, out, err = cli(capsys, "report", folder, "--format", "json")
    assert code == EXIT_OK, err
    got = {q["model"]: (q["mean"], q["n"]) for q in json.loads(out)["quality"]}
    assert got == {"alpha": (pytest.approx(by_hand["alpha"]), 3), "beta": (by_hand["beta"], 2)}
    code, out, _ = cli(capsys, "report", folder, "--format", "json", "--annotations", elsewhere)
    got = {q["model"]: q["mean"] for q in json.loads(out)["quality"]}
    assert got["beta"] == pytest.approx((2 + 1 + 5) / 3)
    code, out, _ = cli(capsys, "report", folder, "--no-annotations")
    assert code == EXIT_OK and "## Quality" not in out
    code, out, _ = cli(capsys, "compare", folder, folder, "--format", "json")
    rows = {m["model"]: m for m in json.loads(out)["models"]}
    assert code == EXIT_OK and rows["alpha"]["quality"]["a"] == pytest.approx(by_hand["alpha"])
    (folder / "annotations-broken.json").write_text("{")
    code, _, err = cli(capsys, "report", folder)
    assert code == EXIT_BAD_INPUT and "annotations-broken.json" in err and "--no-annotations" in err
