"""The Qt-free scoring session and the background save queue, headless."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from foundry_bench.core.quality.annotations import ANNOTATIONS_FILE
from foundry_bench.core.quality.files import load_annotations
from foundry_bench.core.quality.session import (
    ScoringSession,
    read_scoring_files,
    replace_unreadable_file,
)
from foundry_bench.core.quality.session_state import (
    ANNOTATIONS_CHANGED,
    OPENED,
    PAIRS,
    POSITION_CHANGED,
)
from foundry_bench.core.results.store import write_results
from foundry_bench.core.save_queue import SaveQueue
from test_annotations import make_run
from waiting import wait_until


class Recording(ScoringSession):
    """A session that records what it says changed."""

    def __init__(self) -> None:
        super().__init__("ana")
        self.events: list[str] = []

    def _notify(self, what: str) -> None:
        self.events.append(what)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    run = make_run()
    write_results(tmp_path, run)
    return tmp_path


def _scores(folder: Path) -> dict[tuple[str, str], int]:
    data = json.loads((folder / ANNOTATIONS_FILE).read_text(encoding="utf-8"))
    return {(s["sample_key"], s["criterion"]): s["score"] for s in data["scores"]}


def test_scoring_moves_through_criteria_then_answers_and_saves_each_change(folder: Path) -> None:
    run = make_run()
    s = Recording()
    s.load(run, folder)
    assert s.events == [OPENED] and not (folder / ANNOTATIONS_FILE).exists()
    first = s.current_sample()
    assert first is not None
    crits = s.criteria(first)
    for value in range(1, len(crits) + 1):
        s.score(1 + value % 5)
    assert s.current_sample() is not None and s.current_sample() is not first
    assert s.crit_index == 0
    on_disk = _scores(folder)
    assert [on_disk[(first.key, c.id)] for c in crits] == [
        1 + v % 5 for v in range(1, len(crits) + 1)
    ]
    assert ANNOTATIONS_CHANGED in s.events and POSITION_CHANGED in s.events
    assert s.progress()[0] == 1


def test_a_new_session_resumes_where_the_file_says(folder: Path) -> None:
    run = make_run()
    s = Recording()
    s.load(run, folder)
    s.move_answer(1)
    s.move_answer(1)
    s.move_criterion(1)
    where = (s.current_sample(), s.focused_criterion())
    again = Recording()
    again.load(run, folder)
    assert (again.current_sample(), again.focused_criterion()) == where


def test_two_annotators_share_the_blind_order(folder: Path, tmp_path: Path) -> None:
    run = make_run()
    a, b = Recording(), Recording()
    a.load(run, folder)
    other = tmp_path / "copy"
    write_results(other, run)
    b.annotator_name = "ben"
    b.load(run, other)
    assert a.order == b.order != [x.key for x in run.samples if not x.warmup and x.status == "ok"]


def test_side_by_side_records_a_preference(folder: Path) -> None:
    run = make_run()
    s = Recording()
    s.load(run, folder)
    s.set_mode(PAIRS)
    shown = s.pair_samples()
    assert shown is not None
    pair = s.current_pair()
    s.prefer("left")
    ann = load_annotations(folder / ANNOTATIONS_FILE)
    assert pair is not None and ann.preference(pair) == shown[0].model
    assert s.current_pair() != pair


def test_an_unreadable_file_is_never_written_until_replaced(folder: Path) -> None:
    run = make_run()
    raw = b'{"schema_version": 1, "scores": [{"sam'
    (folder / ANNOTATIONS_FILE).write_bytes(raw)
    files = read_scoring_files(run, folder, "ana")
    assert files.ann is None and files.problem and "left exactly as it is" in files.problem
    s = Recording()
    s.apply(files)
    s.score(4)
    s.move_answer(1)
    assert (folder / ANNOTATIONS_FILE).read_bytes() == raw
    new, backup = replace_unreadable_file(run, folder, "ana")
    assert backup is not None and backup.read_bytes() == raw
    s.replace_file(new)
    s.score(4)
    assert len(_scores(folder)) == 1


def test_the_save_queue_writes_the_newest_text_in_order(tmp_path: Path) -> None:
    queue = SaveQueue()
    path = tmp_path / "a.json"
    done: list[object] = []
    gate = threading.Event()
    first_started = threading.Event()

    def slow_first(token: object, error: OSError | None) -> None:
        first_started.set()
        gate.wait(5)
        done.append(token)

    queue.submit(path, "1", 1, slow_first)
    assert first_started.wait(5)  # version 1 is written; its callback holds the writer
    for n in (2, 3, 4):
        queue.submit(path, str(n), n, lambda token, error: done.append(token))
    gate.set()
    assert queue.flush(5)
    assert path.read_text() == "4" and done == [1, 4]  # 2 and 3 were superseded, not lost
    assert queue.idle  # and flush() returned only once the writer had stopped
    wait_until(lambda: not [t for t in threading.enumerate() if t.name == "save-queue"])


def test_a_failed_save_is_reported_and_the_old_file_stays(tmp_path: Path) -> None:
    """The folder is a file: the write fails for real, whoever runs the test."""
    queue = SaveQueue()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    errors: list[OSError | None] = []
    queue.submit(blocker / "a.json", "new", None, lambda token, error: errors.append(error))
    assert queue.flush(5)
    assert len(errors) == 1 and isinstance(errors[0], OSError)


def test_a_callback_that_raises_does_not_stop_later_saves(tmp_path: Path) -> None:
    """A receiver deleted under the queue (a closed page) raises in its callback."""
    queue = SaveQueue()
    path = tmp_path / "a.json"

    def gone(token: object, error: OSError | None) -> None:
        raise RuntimeError("Signal source has been deleted")

    queue.submit(path, "1", None, gone)
    assert queue.flush(5)
    queue.submit(path, "2", None, None)
    assert queue.flush(5) and path.read_text() == "2"


class _PausingLock:
    """The queue's condition, except that the writer thread stops for 0.3 s after it lets go
    of it for the third time: one text written, it has just found nothing more to do."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._releases = 0
        self.paused = threading.Event()

    def __enter__(self) -> bool:
        return self._cond.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._cond.__exit__(*exc)  # type: ignore[arg-type]
        if threading.current_thread().name == "save-queue":
            self._releases += 1
            if self._releases == 3:
                self.paused.set()
                time.sleep(0.3)

    def __getattr__(self, name: str) -> object:
        return getattr(self._cond, name)


def test_a_save_submitted_while_the_writer_stops_is_written(tmp_path: Path) -> None:
    """A key press comes in just as the writer, out of work, is on its way out."""
    queue = SaveQueue()
    lock = _PausingLock()
    queue._lock = lock  # type: ignore[assignment]
    path = tmp_path / "a.json"
    queue.submit(path, "1")
    assert lock.paused.wait(5)
    queue.submit(path, "2")
    assert queue.flush(5), "the second text was left waiting with no writer to write it"
    assert path.read_text() == "2"
