"""annotations.json under stress: any text in any field, two writers (windows, processes) of
one file, leftovers of a crash, a file that turns unreadable while a window scores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_bench.core.config.rubric import Criterion
from foundry_bench.core.quality.annotations import (
    ANNOTATIONS_FILE,
    AnnotationFileError,
    AnnotationSet,
    Preference,
    Score,
    clean_text,
)
from foundry_bench.core.quality.file_text import annotations_text
from foundry_bench.core.quality.files import new_annotations, parse_annotations
from foundry_bench.core.quality.session import ScoringSession
from foundry_bench.core.quality.session_state import PAIRS
from foundry_bench.core.quality.shared_file import AnnotationsFile, absorb, save_annotations
from foundry_bench.core.results.store import write_results
from test_annotations import make_run

HOSTILE = ['ends like a list item"}, {"', '}, {"sample_key": "x"', "=1+1", "ä\u200b😀\n\t\x00"]


def test_a_note_or_label_ending_in_a_list_separator_keeps_the_file_valid(tmp_path: Path) -> None:
    """The old writer split the encoded list on ``}, {"``: a note closing with it broke the
    file, and from then on nothing was saved."""
    run = make_run()
    ann = new_annotations(run, "ana")
    ann.criteria.append(Criterion("x", 'label }, {"', 'desc"}, {"'))
    key = run.samples[1].key
    for note in HOSTILE:
        ann.set_note(key, note)
        ann.set_score(key, "correctness", 3)
        path = tmp_path / ANNOTATIONS_FILE
        save_annotations(path, ann)
        back = parse_annotations(path.read_bytes(), path)
        assert back.note(key) == note.strip() and back.criteria[-1].label == 'label }, {"'


# Every code point, lone surrogates and NUL included (an empty string has its own meaning in
# some fields: a label defaults to the id, an empty note is no note).
_text = st.text(min_size=1, max_size=20)


@settings(max_examples=300, deadline=None)
@given(
    strings=st.lists(_text, min_size=18, max_size=18),
    score=st.integers(1, 5),
    rounds=st.integers(0, 10**6),
)
def test_any_text_in_every_string_field_round_trips(
    strings: list[str], score: int, rounds: int
) -> None:
    """Whatever the strings, the file is valid UTF-8 JSON and reads back as the same set, with
    each lone surrogate as U+FFFD (a UTF-8 file cannot hold one), everywhere alike."""
    s = iter(strings)
    ann = AnnotationSet(
        run_id=next(s),
        annotator=next(s),
        criteria=[Criterion(next(s), next(s), next(s))],
        created_at=next(s),
        updated_at=next(s),
        judge={"model": next(s), next(s): [next(s)]},
        position={"sample_key": next(s)},
    )
    key, crit, a, b = next(s), next(s), next(s), next(s)
    ann.scores[(key, crit)] = Score(key, crit, score, next(s), next(s))
    ann.notes[key] = (next(s), "t")
    ann.preferences[(a, b)] = Preference("p", rounds, a, b, "m1", "m2", "tie", "t")
    ann.cleared[("note", a)] = "t"
    text = annotations_text(ann)
    raw = text.encode("utf-8")  # raises if a lone surrogate got through
    # The oracle: the whole encoded text with each surrogate replaced.
    expected = json.loads(clean_text(json.dumps(ann.to_dict(), ensure_ascii=False)))
    assert json.loads(raw) == expected
    back = parse_annotations(raw, Path("a.json"))
    assert back.to_dict() == expected
    assert annotations_text(back) == text  # cleaning is done once: a second pass changes nothing


def _session(folder: Path, name: str) -> ScoringSession:
    s = ScoringSession(name)
    s.load(make_run(), folder)
    return s


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_results(tmp_path, make_run())
    return tmp_path


def _disk(folder: Path) -> AnnotationSet:
    path = folder / ANNOTATIONS_FILE
    return parse_annotations(path.read_bytes(), path)


def test_two_windows_scoring_one_run_keep_each_others_scores(folder: Path) -> None:
    """The reported case: the second window's saves dropped most of the first's scores."""
    one, two = _session(folder, "ana"), _session(folder, "ana")
    two.go_to(two.order[9])
    for _ in range(11):  # alternate key presses, each window on its own answers
        one.score(4)
        two.score(2)
    on_disk = _disk(folder).scores
    assert len(on_disk) == 22
    assert {k for k, s in on_disk.items() if s.score == 4} == set(one.ann.scores) - {
        k for k, s in on_disk.items() if s.score == 2
    }
    # Each window also sees the other's scores now (taken in at its own saves).
    assert set(two.ann.scores) == set(on_disk)


def test_a_score_cleared_in_one_window_stays_cleared_when_the_other_saves(folder: Path) -> None:
    one = _session(folder, "ana")
    one.score(4)
    key = one.order[0]
    two = _session(folder, "ana")  # reads the file with that score in it
    assert two.ann.score(key, "correctness") == 4
    one.go_to(key, "correctness")
    one.score(None)  # cleared (and written) after window two read it
    two.go_to(two.order[5])
    two.score(5)  # window two still holds the old score in memory
    assert _disk(folder).score(key, "correctness") is None
    assert two.ann.score(key, "correctness") is None  # and it learned of the clearing
    assert _disk(folder).score(two.order[5], "correctness") == 5


def test_the_newest_change_of_one_score_wins_whichever_window_saves_last(folder: Path) -> None:
    one, two = _session(folder, "ana"), _session(folder, "ana")
    key = one.order[0]
    two.set_score_at(key, "correctness", 1)
    one.set_score_at(key, "correctness", 5)  # later
    two.set_score_at(one.order[1], "correctness", 2)  # two saves again, holding its older 1
    assert _disk(folder).score(key, "correctness") == 5


def test_preferences_and_notes_merge_too(folder: Path) -> None:
    one, two = _session(folder, "ana"), _session(folder, "ana")
    one.set_mode(PAIRS)
    pair = one.current_pair()
    one.prefer("tie")
    two.set_note("a note from window two")
    disk = _disk(folder)
    assert disk.preference(pair) == "tie"
    assert disk.note(two.current_sample().key) == "a note from window two"


_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from foundry_bench.core.quality.files import new_annotations
    from foundry_bench.core.quality.shared_file import AnnotationsFile
    from test_annotations import make_run

    path, name, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    file = AnnotationsFile(path)
    ann = new_annotations(make_run(), "ana")
    print("ready", flush=True)
    sys.stdin.readline()  # both start together
    for i in range(n):
        ann.set_score(f"{name}|{i}", "correctness", 1 + i % 5)
        saved = file.save(ann)
        if saved.theirs is not None:
            from foundry_bench.core.quality.shared_file import absorb
            absorb(ann, saved.theirs)
    """
)


def test_two_processes_saving_one_file_at_the_same_time_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / ANNOTATIONS_FILE
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*sys.path, str(Path(__file__).parent)])}
    n = 60
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), name, str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("first", "second")
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            assert p.wait(timeout=120) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            for stream in (p.stdin, p.stdout):
                if stream is not None:
                    stream.close()
    keys = {k for k, _c in _disk(tmp_path).scores}
    assert keys == {f"{name}|{i}" for name in ("first", "second") for i in range(n)}
    assert not list(tmp_path.glob(".*.tmp"))


def test_temp_files_left_by_a_crash_are_removed_when_the_run_is_opened(folder: Path) -> None:
    stray = folder / f".{ANNOTATIONS_FILE}.k3j4_x.tmp"
    stray.write_text('{"half a fi')
    other = folder / ".results.json.abc.tmp"  # not ours to remove
    other.write_text("x")
    _session(folder, "ana")
    assert not stray.exists() and other.exists()


def test_a_file_that_turns_unreadable_is_never_written_over(folder: Path) -> None:
    s = _session(folder, "ana")
    s.score(4)
    path = folder / ANNOTATIONS_FILE
    path.write_bytes(b'{"schema_version": 1, "annotator": "bob", "scores": [')  # another tool
    raw = path.read_bytes()
    with pytest.raises(AnnotationFileError, match="invalid JSON"):
        s.score(3)
    assert path.read_bytes() == raw


def test_a_file_of_another_run_dropped_in_its_place_is_refused(folder: Path) -> None:
    s = _session(folder, "ana")
    s.score(4)
    save_annotations(folder / "elsewhere.json", new_annotations(make_run("run-9"), "bob"))
    os.replace(folder / "elsewhere.json", folder / ANNOTATIONS_FILE)
    with pytest.raises(AnnotationFileError, match="run-9"):
        s.score(3)


def test_absorbing_the_same_version_twice_takes_nothing() -> None:
    run = make_run()
    ann = new_annotations(run, "ana")
    ann.set_score(run.samples[1].key, "correctness", 3)
    other = ann.copy()
    assert absorb(ann, other) == 0
    other.set_score(run.samples[2].key, "correctness", 5)
    assert absorb(ann, other) == 1 and absorb(ann, other) == 0


def test_a_save_from_a_snapshot_older_than_the_last_merge_keeps_what_was_merged(
    tmp_path: Path,
) -> None:
    """The app hands the writer snapshots; the one after a merge (the position moving on after
    a score) was taken before the window took the other's scores in, and dropped them."""
    run = make_run()
    path = tmp_path / ANNOTATIONS_FILE
    k1, k2, k3 = (s.key for s in run.samples[1:4])
    mine, theirs = new_annotations(run, "ana"), new_annotations(run, "ana")
    window_one, window_two = AnnotationsFile(path), AnnotationsFile(path)
    mine.set_score(k1, "correctness", 1)
    window_one.save(mine)
    theirs.set_score(k2, "correctness", 2)
    window_two.save(theirs)
    mine.set_score(k3, "correctness", 3)
    assert window_one.save(mine.copy()).absorbed == 1
    mine.position = {"sample_key": k3}  # not yet told of k2
    window_one.save(mine.copy())
    assert {k for k, _c in _disk(tmp_path).scores} == {k1, k2, k3}
