"""The Quality page: keyboard scoring that is on disk after every key press, resuming, blind
mode, side by side, corrupt files, several annotators, and the table models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from contexts import make_context
from foundry_bench.core.quality.annotations import ANNOTATIONS_FILE
from foundry_bench.core.quality.files import load_annotations, new_annotations
from foundry_bench.core.quality.shared_file import save_annotations
from foundry_bench.core.results.records import Run
from foundry_bench.core.results.store import write_results
from foundry_bench.ui.quality.page import QualityPage
from test_annotations import make_run

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def run_dir(tmp_path: Path) -> tuple[Run, Path]:
    run = make_run()
    folder = tmp_path / run.run_id
    write_results(folder, run)
    return run, folder


# Every page's save queue: a test reads the disk only after what was saved has landed.
_QUEUES: list = []


def _page(qtbot, root: Path) -> QualityPage:
    page = QualityPage(make_context(root))
    _QUEUES.append(page.ctx.saves)
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    return page


@pytest.fixture
def open_now(qtbot):
    """Open a run on a page and wait until its files are read (they are, in a worker)."""

    def open_run(page: QualityPage, run: Run, folder: Path) -> None:
        with qtbot.waitSignal(page.session.opened, timeout=10000):
            page.open_run(run, folder)

    return open_run


@pytest.fixture
def make_page(qtbot, tmp_path: Path):
    pages: list[QualityPage] = []

    def make() -> QualityPage:
        page = _page(qtbot, tmp_path / f"home{len(pages)}")
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.runner.shutdown(5.0)
        assert page.ctx.saves.flush(5.0)
    _QUEUES.clear()


def press(widget, *keys: Qt.Key, text: str = "") -> None:
    for key in keys:
        QApplication.sendEvent(
            widget, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text)
        )


def on_disk(folder: Path) -> dict:
    for queue in _QUEUES:
        assert queue.flush(5.0), "a save did not finish"
    return json.loads((folder / ANNOTATIONS_FILE).read_text(encoding="utf-8"))


def disk_scores(folder: Path) -> dict[tuple[str, str], int]:
    return {(s["sample_key"], s["criterion"]): s["score"] for s in on_disk(folder)["scores"]}


def test_every_key_press_is_on_disk_at_once(open_now, make_page, run_dir) -> None:
    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    view, session = page.scoring, page.session
    assert not (folder / ANNOTATIONS_FILE).exists()  # nothing written before a change
    expected: dict[tuple[str, str], int] = {}
    first_key = session.current_sample().key
    for value in (4, 2, 5, 3, 1, 4):
        sample, crit = session.current_sample(), session.focused_criterion()
        press(view, getattr(Qt.Key, f"Key_{value}"))
        expected[(sample.key, crit.id)] = value
        # "Kill the app" now: what is on disk must already hold this score.
        assert disk_scores(folder) == expected
    # The first answer's criteria were scored in order, then the focus moved to the next one.
    crits = [c.id for c in session.criteria(session.samples[first_key])]
    assert [c for (k, c) in expected if k == first_key] == crits
    assert session.current_sample().key != first_key
    done, total, _given, _wanted = session.progress()
    assert (done, total) == (1, 18)
    assert page.progress_label.text() == "1 of 18 scored"
    press(view, Qt.Key.Key_Left, Qt.Key.Key_0)  # back, and clear a score: on disk at once too
    del expected[(first_key, crits[0])]
    assert disk_scores(folder) == expected


def test_arrows_and_tab_move_and_reopening_resumes_there(open_now, make_page, run_dir) -> None:
    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    view, s = page.scoring, page.session
    press(view, Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Right)
    assert s.index == 3
    press(view, Qt.Key.Key_Left)
    assert s.index == 2
    press(view, Qt.Key.Key_Tab, Qt.Key.Key_Tab, Qt.Key.Key_Down)
    assert s.crit_index == 3
    press(view, Qt.Key.Key_Up)
    assert s.crit_index == 2
    press(view, Qt.Key.Key_Backtab)
    assert s.crit_index == 1
    where = (s.current_sample().key, s.focused_criterion().id)
    assert on_disk(folder)["position"]["sample_key"] == where[0]  # written on the move
    # A new page (the app restarted) resumes at the same answer and criterion.
    again = make_page()
    open_now(again, run, folder)
    assert (again.session.current_sample().key, again.session.focused_criterion().id) == where
    assert again.scoring.position_label.text().startswith("Answer 3 of 18")


def test_blind_hides_model_names_and_both_annotators_see_one_order(
    open_now, make_page, run_dir, tmp_path
):
    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    seen = []
    for _ in range(len(page.session.order)):
        assert page.session.current_sample().model not in page.scoring.model_label.text()
        seen.append(page.session.current_sample().key)
        press(page.scoring, Qt.Key.Key_Right)
    # A colleague scoring a copy of the run elsewhere gets the same order.
    other_folder = tmp_path / "elsewhere"
    write_results(other_folder, run)
    other = make_page()
    other.session.annotator_name = "ben"
    open_now(other, run, other_folder)
    assert other.session.order == seen == page.session.order
    assert seen != [s.key for s in run.samples if not s.warmup and s.status == "ok"]
    page.blind_box.setChecked(False)
    assert page.session.current_sample().model in page.scoring.model_label.text()
    assert on_disk(folder)["blind"] is False


def test_unscored_only_skips_scored_answers(open_now, make_page, run_dir) -> None:
    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    s = page.session
    second = s.order[1]
    for crit in s.criteria(s.samples[second]):
        s.ann.set_score(second, crit.id, 3)
    page.unscored_box.setChecked(True)
    press(page.scoring, Qt.Key.Key_Right)
    assert s.current_sample().key == s.order[2]
    assert on_disk(folder)["position"]["unscored_only"] is True


def test_notes_are_saved(open_now, make_page, run_dir, qtbot) -> None:
    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    key = page.session.current_sample().key
    page.scoring.note.setText("made-up date")
    page.scoring.note.editingFinished.emit()
    assert on_disk(folder)["notes"] == [
        {
            "sample_key": key,
            "note": "made-up date",
            "updated_at": on_disk(folder)["notes"][0]["updated_at"],
        }
    ]


def test_side_by_side_scores_both_and_records_a_preference(open_now, make_page, run_dir) -> None:
    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    page.pairs_button.click()
    s, view = page.session, page.pairs
    assert view.isVisible() and page.progress_label.text().endswith("pairs judged")
    left, right = s.pair_samples()
    assert left.model not in view.columns[0].model_label.text()  # blind
    n = len(s.pair_criteria())
    press(view, Qt.Key.Key_5)  # left answer, first criterion
    for _ in range(n - 1):
        press(view, Qt.Key.Key_Tab)
    press(view, Qt.Key.Key_2)  # first criterion of the right answer
    crit = s.pair_criteria()[0].id
    assert disk_scores(folder)[(left.key, crit)] == 5
    assert disk_scores(folder)[(right.key, crit)] == 2
    pair = s.current_pair()
    press(view, Qt.Key.Key_A)  # the left answer is better
    prefs = on_disk(folder)["preferences"]
    assert prefs[0]["winner"] == left.model
    assert {prefs[0]["sample_a"], prefs[0]["sample_b"]} == {left.key, right.key}
    assert s.current_pair() != pair  # moved on to the next pair
    press(view, Qt.Key.Key_T)
    assert on_disk(folder)["preferences"][1]["winner"] == "tie"


def test_a_corrupt_file_is_left_untouched_until_the_user_chooses(
    open_now, make_page, run_dir, qtbot
) -> None:
    run, folder = run_dir
    raw = b'{"schema_version": 1, "run_id": "run-1", "annotator": "ana", "scores": [{"sam'
    (folder / ANNOTATIONS_FILE).write_bytes(raw)
    page = make_page()
    open_now(page, run, folder)
    message = page.problem_label.text()
    assert (
        str(folder / ANNOTATIONS_FILE) in message and "line 1, column 74: invalid JSON" in message
    )
    assert "left exactly as it is" in message
    assert page.stack.currentIndex() == 1 and page.notifier.last_error
    press(page.scoring, Qt.Key.Key_4, Qt.Key.Key_Right, Qt.Key.Key_5)
    page.blind_box.setChecked(False)
    assert (folder / ANNOTATIONS_FILE).read_bytes() == raw
    with qtbot.waitSignal(page.session.opened, timeout=10000):
        page.new_file_button.click()
    backups = list(folder.glob("annotations.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == raw
    assert on_disk(folder)["scores"] == [] and page.stack.currentIndex() == 2
    press(page.scoring, Qt.Key.Key_4)
    assert len(on_disk(folder)["scores"]) == 1


def test_other_annotators_agreement_and_disagreements(
    open_now, make_page, run_dir, qtbot, tmp_path
):
    run, folder = run_dir
    ben = new_annotations(run, "ben")
    page = make_page()
    open_now(page, run, folder)
    s = page.session
    keys = s.order[:4]
    for key, (mine, theirs) in zip(keys, [(1, 1), (2, 2), (5, 4), (4, 1)], strict=True):
        s.ann.set_score(key, "correctness", mine)
        ben.set_score(key, "correctness", theirs)
    save_annotations(folder / "annotations-ben.json", ben)
    foreign = new_annotations(make_run("run-9"), "zed")
    save_annotations(tmp_path / "zed.json", foreign)
    page.add_annotator_files([folder / "annotations-ben.json", tmp_path / "zed.json"])
    qtbot.waitUntil(lambda: len(page.others) == 1, timeout=5000)
    assert "run 'run-9', not the open run 'run-1'" in page.notifier.last_error
    qtbot.waitUntil(lambda: page.agreement_model.rowCount() > 0 and page.stats.n_people == 2)
    rows = {r["criterion"]: r for r in page.agreement_model.rows()}
    assert rows["correctness"]["n_items"] == 4 and rows["correctness"]["kappa"] is not None
    top = page.disagreement_model.rows()[0]
    assert top["sample_key"] == keys[3] and top["spread"] == 3
    assert top["answer"] == "Answer 4"  # blind: no key, no model name
    index = page.disagreement_view.model().index(0, 0)
    page.disagreement_view.doubleClicked.emit(index)
    assert page.tabs.currentIndex() == 0 and s.current_sample().key == keys[3]
    assert s.focused_criterion().id == "correctness"
    names = [r["name"] for r in page.annotator_model.rows()]
    assert names[0] == s.ann.annotator and "ben" in names


def test_results_tab_shows_means_with_ci_and_the_front(open_now, make_page, run_dir, qtbot) -> None:
    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    s = page.session
    for key in s.order:
        sample = s.samples[key]
        value = {"fast-model": 2, "good-model": 5, "slow-model": 3}[sample.model]
        s.ann.set_score(key, "correctness", value)
    s.annotations_changed.emit()
    qtbot.waitUntil(lambda: len(page.scatter.data) == 3, timeout=5000)
    front = {p["label"]: p["front"] for p in page.scatter.data}
    labels = {r["model"]: r["label"] for r in page.summary_model.rows()}
    assert set(labels.values()) == {"Model A", "Model B", "Model C"}  # blind
    assert front[labels["slow-model"]] is False  # slower and worse than good-model
    assert front[labels["fast-model"]] and front[labels["good-model"]]
    good = next(r for r in page.summary_model.rows() if r["model"] == "good-model")
    mean_col = [c.header for c in page.summary_model.columns].index("Mean score (95% CI)")
    row = page.summary_model.rows().index(good)
    assert page.summary_model.index(row, mean_col).data() == "5.00 (5.00–5.00)"
    page.blind_box.setChecked(False)
    qtbot.waitUntil(lambda: {r["label"] for r in page.summary_model.rows()} == set(labels))


def test_every_table_model_passes_qtmodeltester(open_now, make_page, run_dir, qtbot, qtmodeltester):
    run, folder = run_dir
    ben = new_annotations(run, "ben")
    page = make_page()
    open_now(page, run, folder)
    for i, key in enumerate(page.session.order[:6]):
        page.session.ann.set_score(key, "clarity", 1 + i % 5)
        ben.set_score(key, "clarity", 5 - i % 5)
    save_annotations(folder / "annotations-ben.json", ben)
    page.add_annotator_files([folder / "annotations-ben.json"])
    qtbot.waitUntil(lambda: page.disagreement_model.rowCount() > 0, timeout=5000)
    for model in (
        page.summary_model,
        page.agreement_model,
        page.disagreement_model,
        page.annotator_model,
    ):
        assert model.rowCount() > 0
        qtmodeltester.check(model, force_py=True)


def test_the_page_follows_the_windows_current_run(qtbot, run_dir) -> None:
    from foundry_bench.core.paths import app_paths
    from foundry_bench.core.settings import AppSettings
    from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
    from foundry_bench.ui.main_window import MainWindow

    run, folder = run_dir
    store = UiSettings(DictBackend({"quality/annotator": "carla"}))
    window = MainWindow(store, AppSettings(), app_paths().ensure())
    qtbot.addWidget(window)
    try:
        window.show()
        window.show_page("Models")
        window.open_run(run, folder)
        page = window.pages.widget(2)
        assert isinstance(page, QualityPage)
        assert page.session.run is None  # a hidden page waits until it is shown
        quality = window.pages.widget(2)
        assert isinstance(quality, QualityPage)
        with qtbot.waitSignal(quality.session.opened, timeout=10000):
            window.show_page("Quality")
        assert quality.session.run is run and quality.stack.currentIndex() == 2
        press(quality.scoring, Qt.Key.Key_3)
        assert window.ctx.saves.flush(5.0)  # the key press's save has landed
        assert load_annotations(folder / ANNOTATIONS_FILE).annotator == "carla"
    finally:
        window.close()


def test_a_save_that_fails_says_so(open_now, make_page, run_dir, qtbot) -> None:
    import shutil

    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    shutil.rmtree(folder)
    folder.write_text("a file where the run folder was", encoding="utf-8")
    press(page.scoring, Qt.Key.Key_4)
    assert page.ctx.saves.flush(5.0)
    qtbot.waitUntil(
        lambda: any("Could not save scores" in e for e in page.ctx.errors), timeout=5000
    )


def test_a_new_file_for_a_run_left_behind_never_lands_on_the_next_one(
    open_now, make_page, qtbot, tmp_path, monkeypatch
) -> None:
    import time

    from foundry_bench.ui.quality import session as qsession

    real = qsession.replace_unreadable_file

    def slow(*args, **kwargs):  # the backup of a big corrupt file takes a while
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(qsession, "replace_unreadable_file", slow)
    run_a, run_b = make_run("run-a"), make_run("run-b")
    folder_a, folder_b = tmp_path / "a", tmp_path / "b"
    write_results(folder_a, run_a)
    write_results(folder_b, run_b)
    (folder_a / ANNOTATIONS_FILE).write_bytes(b'{"schema_version": 1, "scores": [{"sam')
    page = make_page()
    open_now(page, run_a, folder_a)
    assert page.session.problem is not None
    page.new_file_button.click()  # A's new file is being made in a worker...
    open_now(page, run_b, folder_b)  # ...when the user opens run B
    press(page.scoring, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: not page.runner.is_running(qsession.NEW_FILE_JOB), timeout=5000)
    on_b = on_disk(folder_b)
    assert on_b["run_id"] == "run-b" and len(on_b["scores"]) == 1
    assert page.session.run is run_b and page.session.ann is not None
    assert page.session.ann.run_id == "run-b"


def test_the_page_reads_and_writes_its_files_off_the_gui_thread(
    open_now, make_page, run_dir, monkeypatch
) -> None:
    import threading

    from foundry_bench.core.quality import shared_file
    from foundry_bench.ui.quality import session as qsession

    threads: list[str] = []
    real_read, real_write = qsession.read_scoring_files, shared_file.atomic_write_text

    def read(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real_read(*args, **kwargs)

    def write(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(qsession, "read_scoring_files", read)
    monkeypatch.setattr(shared_file, "atomic_write_text", write)
    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    press(page.scoring, Qt.Key.Key_4, Qt.Key.Key_Right)
    assert disk_scores(folder)  # saved...
    main = threading.main_thread().name
    assert len(threads) >= 2 and main not in threads  # ...and read, neither on the GUI thread


def test_two_windows_on_one_run_keep_each_others_scores(open_now, make_page, run_dir, qtbot):
    """The reported case: the second window silently overwrote 16 of the first's 22 scores."""
    run, folder = run_dir
    one, two = make_page(), make_page()
    open_now(one, run, folder)
    open_now(two, run, folder)
    two.session.go_to(two.session.order[9])
    for _ in range(11):
        press(one.scoring, Qt.Key.Key_4)
        assert one.ctx.saves.flush(5.0)
        press(two.scoring, Qt.Key.Key_2)
        assert two.ctx.saves.flush(5.0)
    scores = disk_scores(folder)
    assert len(scores) == 22 and sorted(scores.values()) == [2] * 11 + [4] * 11
    # Window two took in window one's scores and says so; window one learns at its next save.
    qtbot.waitUntil(lambda: len(two.session.ann.scores) == 22, timeout=5000)
    assert any("changed elsewhere" in m for m in two.ctx.infos)


def test_a_file_that_turns_unreadable_is_refused_and_the_window_says_so(
    open_now, make_page, run_dir, qtbot
):
    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    press(page.scoring, Qt.Key.Key_4)
    path = folder / ANNOTATIONS_FILE
    on_disk(folder)
    path.write_bytes(b"\xff\xfe not an annotations file")
    press(page.scoring, Qt.Key.Key_3)
    assert page.ctx.saves.flush(5.0)
    qtbot.waitUntil(lambda: any("not UTF-8" in e for e in page.ctx.errors), timeout=5000)
    assert path.read_bytes() == b"\xff\xfe not an annotations file"


def test_the_results_tab_ranks_models_by_their_side_by_side_votes(
    open_now, make_page, run_dir, qtbot, qtmodeltester
):
    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    s = page.session
    s.set_mode("pairs")
    for pair in s.pairs:  # good-model wins every pair it is in; the others tie
        winner = "good-model" if "good-model" in (pair.model_a, pair.model_b) else "tie"
        s.ann.set_preference(pair, winner)
    s.annotations_changed.emit()
    arena = page.results_tab.arena
    qtbot.waitUntil(lambda: arena.model.rowCount() == 3, timeout=5000)
    qtmodeltester.check(arena.model)
    rows = arena.model.rows()
    assert rows[0]["model"] == "good-model" and rows[0]["label"].startswith("Model ")  # blind
    assert rows[0]["wins"] == 12 and rows[1]["ties"] == 6  # 6 prompt-rounds x 2 pairs
    assert rows[0]["ci_low"] <= rows[0]["rating"] <= rows[0]["ci_high"]
    assert len(arena.chart.dots.data) == 3


def test_export_and_import_sheet_from_the_page(open_now, make_page, run_dir, qtbot, tmp_path):
    import csv

    run, folder = run_dir
    page = make_page()
    open_now(page, run, folder)
    assert page.controls.export_button.isVisible() and page.controls.import_button.isVisible()
    press(page.scoring, Qt.Key.Key_4)  # one score from the window, before the export
    sheet = tmp_path / "sheet.csv"
    page.sheet.export_to(sheet)
    qtbot.waitUntil(sheet.exists, timeout=10000)
    with sheet.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["model"] for r in rows} == {""}  # the page is blind, so is the sheet
    assert sum(r["correctness"] == "4" for r in rows) == 1
    for row in rows:
        row["clarity"] = "2"
    rows[0]["note"] = 'a "quoted" note }, {'
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    page.sheet.import_from(sheet)
    # The window's own file: its live scores take the sheet's in (and keep its own 4).
    qtbot.waitUntil(
        lambda: sum(s.criterion == "clarity" for s in page.session.ann.scores.values()) == 18,
        timeout=10000,
    )
    scores = disk_scores(folder)
    assert sum(v == 4 for (k, c), v in scores.items() if c == "correctness") == 1
    assert any(page.session.ann.note(k) == 'a "quoted" note }, {' for k in page.session.order)


def test_the_results_table_shows_each_models_checks_pass_rate(open_now, make_page, tmp_path, qtbot):
    run = make_run()
    for sample in run.samples:
        if sample.status == "ok" and not sample.warmup:
            passed = sample.model == "good-model" or sample.round == 1
            sample.checks = [{"check": "contains", "passed": passed}]
    folder = tmp_path / "checked"
    write_results(folder, run)
    page = make_page()
    open_now(page, run, folder)
    page.blind_box.setChecked(False)
    s = page.session
    for key in s.order:
        s.ann.set_score(key, "correctness", 3)
    s.annotations_changed.emit()
    qtbot.waitUntil(lambda: len(page.summary_model.rows()) == 3, timeout=5000)
    col = [c.header for c in page.summary_model.columns].index("Checks passed")
    shown = {
        page.summary_model.index(i, 0).data(): page.summary_model.index(i, col).data()
        for i in range(page.summary_model.rowCount())
    }
    assert shown == {"fast-model": "50%", "good-model": "100%", "slow-model": "50%"}
