"""The HTML report reads well: criteria by name, model ids wrapped between their parts."""

from __future__ import annotations

from factories import make_model_record, make_run
from foundry_bench.core.config.rubric import aspect_id
from foundry_bench.core.reports.html import breakable
from foundry_bench.core.reports.quality_table import criterion_labels
from foundry_bench.core.reports.svg_canvas import label_lines, row_label

ASPECT = "states the decision to ship the beta on 14 March if the crash bugs are fixed"


def test_criteria_are_named_as_the_prompt_wrote_them():
    run = make_run(
        [],
        models=[make_model_record("m")],
        prompts=[{"id": "email", "text": "Write it.", "aspects": [ASPECT]}],
    )
    labels = criterion_labels(run, [aspect_id(ASPECT), "correctness", "tone_of_voice"])
    assert labels == {
        aspect_id(ASPECT): ASPECT,
        "correctness": "Correctness",
        "tone_of_voice": "Tone of voice",
    }


def test_a_model_id_wraps_between_its_parts_never_mid_word():
    html = str(breakable("foundry-bench-demo-generic-cpu:1"))
    assert html == "foundry-<wbr>bench-<wbr>demo-<wbr>generic-<wbr>cpu:<wbr>1"

    assert "<b>" not in str(breakable("<b>x</b>"))


def test_chart_labels_keep_the_whole_model_id_on_two_lines():
    assert label_lines("foundry-bench-demo-generic-cpu:1") == [
        "foundry-bench-demo-",
        "generic-cpu:1",
    ]
    svg = row_label("foundry-bench-demo-generic-cpu:1", 50.0)
    assert svg.count("<tspan") == 2 and "…" not in svg
    assert label_lines("short-id") == ["short-id"]
