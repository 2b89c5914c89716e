"""Scoring a run's answers: which answer is shown, where the user is, what they scored.

Qt-free, so it is tested headless and could drive any front end. Every action changes the
:class:`AnnotationSet` and the position, then saves (``_save``, which never writes over a file
it could not read, hands the set to ``_write``) and says what changed (``_notify``). Headless,
``_write`` is synchronous; the app's subclass writes in the background and turns notifications
into Qt signals.

Opening reads files (the rubric, ``annotations.json``), so it is split in two:
:func:`read_scoring_files` does the I/O (in a worker), :meth:`ScoringSession.apply` takes its
result. A file that cannot be read is never written: the session holds no annotations until
the user chooses to back it up and start a new one (:func:`replace_unreadable_file`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from foundry_bench.core.config.loading import ConfigError
from foundry_bench.core.quality.annotations import (
    ANNOTATIONS_FILE,
    AnnotationFileError,
    AnnotationSet,
)
from foundry_bench.core.quality.files import (
    backup_corrupt,
    new_annotations,
    open_annotations,
    rubric_for_run,
)
from foundry_bench.core.quality.groups import answer_groups, group_heads
from foundry_bench.core.quality.order import (
    blind_order,
    criteria_by_prompt,
    run_order,
    run_prompts,
    scorable_samples,
)
from foundry_bench.core.quality.rows import find_annotation_files
from foundry_bench.core.quality.session_state import (
    ANNOTATIONS_CHANGED,
    OPENED,
    PAIRS,
    SINGLE,
)
from foundry_bench.core.quality.shared_file import AnnotationsFile
from foundry_bench.core.quality.side_by_side import SideBySide
from foundry_bench.core.results.records import Run


@dataclass(frozen=True)
class ScoringFiles:
    """What opening a run's scoring read from its folder (see :func:`read_scoring_files`)."""

    run: Run
    run_dir: Path
    ann: AnnotationSet | None
    problem: str | None  # the annotations file cannot be used: why, for the user
    warnings: tuple[str, ...] = ()
    others: tuple[Path, ...] = ()  # other annotators' files in the folder


def read_scoring_files(run: Run, run_dir: Path, annotator: str) -> ScoringFiles:
    """Read the run folder's rubric and ``annotations.json`` (a new set if there is none)."""
    warnings: list[str] = []
    try:
        AnnotationsFile(run_dir / ANNOTATIONS_FILE).clean()
    except (OSError, AnnotationFileError) as exc:  # a read-only folder: scoring shows why later
        warnings.append(f"could not tidy {run_dir}: {exc}")
    try:
        rubric = rubric_for_run(run_dir)
    except ConfigError as exc:
        warnings.append(f"{exc}; scoring on the default criteria")
        rubric = None
    try:
        ann, _new = open_annotations(
            run_dir / ANNOTATIONS_FILE, run, annotator=annotator, rubric=rubric
        )
    except AnnotationFileError as exc:
        problem = (
            f"{exc}. The file was left exactly as it is; nothing will be saved until you "
            "choose to keep a backup copy and start a new file."
        )
        return ScoringFiles(run, run_dir, None, problem, tuple(warnings), _others(run_dir))
    return ScoringFiles(run, run_dir, ann, None, tuple(warnings), _others(run_dir))


def _others(run_dir: Path) -> tuple[Path, ...]:
    return tuple(p for p in find_annotation_files(run_dir) if p.name != ANNOTATIONS_FILE)


def replace_unreadable_file(
    run: Run, run_dir: Path, annotator: str
) -> tuple[ScoringFiles, Path | None]:
    """Keep a copy of the unreadable ``annotations.json`` and start a new, empty set.

    Returns the new set (not yet written) and the copy's path; ``OSError`` if no copy could
    be made (then nothing changed).
    """
    path = run_dir / ANNOTATIONS_FILE
    # Moved, not copied: the new set's first save must not find the unreadable file (it
    # refuses to write over one).
    backup = backup_corrupt(path, move=True) if path.exists() else None
    try:
        rubric = rubric_for_run(run_dir)
    except ConfigError:
        rubric = None
    ann = new_annotations(run, annotator, rubric=rubric)
    return ScoringFiles(run, run_dir, ann, None), backup


class ScoringSession(SideBySide):
    """The scoring state of one run; see the module docstring."""

    def load(self, run: Run, run_dir: Path) -> ScoringFiles:
        """Read the run's files and show it (headless use; the app reads in a worker)."""
        files = read_scoring_files(run, Path(run_dir), self.annotator_name)
        self.apply(files)
        return files

    def apply(self, files: ScoringFiles) -> None:
        """Make the run ``files`` were read for the current one, and resume where it was."""
        run = files.run
        self.run, self.run_dir = run, Path(files.run_dir)
        self.path = self.run_dir / ANNOTATIONS_FILE
        self.file = AnnotationsFile(self.path)
        self.samples = {s.key: s for s in scorable_samples(run)}
        self.prompts = {p.id: p for p in run_prompts(run)}
        self.ann, self.problem = files.ann, files.problem
        self.other_files = files.others
        self._rebuild()
        self._restore_position()
        self._notify(OPENED)

    def replace_file(self, files: ScoringFiles) -> None:
        """Show and save a new set that replaces an unreadable file (see
        :func:`replace_unreadable_file`)."""
        self.ann, self.problem = files.ann, None
        self._rebuild()
        self._save()
        self._notify(OPENED)

    def close_run(self) -> None:
        self.run = self.run_dir = self.path = self.ann = self.file = None
        self.problem = None
        self.other_files = ()
        self.samples, self.order, self._pairs, self.groups = {}, [], [], {}
        self._prompt_counts, self._order_set, self._criterion_ids = Counter(), set(), {}
        self._notify(OPENED)

    def _rebuild(self) -> None:
        run, ann = self.run, self.ann
        if run is None:
            return
        criteria = ann.criteria if ann is not None else []
        self._criteria = criteria_by_prompt(criteria, run)
        blind = ann.blind if ann is not None else True
        seed = ann.shuffle_seed if ann is not None else 0
        everyone = run_order(run)
        self.groups = answer_groups(self.samples[k] for k in everyone)
        keys = group_heads(everyone, self.groups)  # identical answers are scored once
        self.order = blind_order(keys, seed) if blind else keys
        # Counted once here so progress() costs O(scores), not O(answers x criteria): a
        # 100,000-answer run must not freeze the window on every key press.
        self._order_set = set(self.order)
        self._prompt_counts = Counter(self.samples[k].prompt_id for k in self.order)
        self._criterion_ids = {pid: {c.id for c in crits} for pid, crits in self._criteria.items()}
        # Side-by-side pairs are only built when that mode is first used.
        self._pairs, self._pair_seed = None, seed if blind else None

    def progress(self) -> tuple[int, int, int, int]:
        """(answers fully scored, answers, scores given, scores wanted)."""
        fallback = self._criterion_ids.get("", set())
        wanted = sum(
            count * len(self._criterion_ids.get(pid, fallback))
            for pid, count in self._prompt_counts.items()
        )
        per_answer: Counter[str] = Counter()
        if self.ann is not None:
            for (key, criterion), entry in self.ann.scores.items():
                sample = self.samples.get(key)
                if entry.score is None or sample is None or key not in self._order_set:
                    continue
                if criterion in self._criterion_ids.get(sample.prompt_id, fallback):
                    per_answer[key] += 1
        done = sum(
            n == len(self._criterion_ids.get(self.samples[key].prompt_id, fallback))
            for key, n in per_answer.items()
        )
        return done, len(self.order), sum(per_answer.values()), wanted

    def score(self, value: int | None) -> None:
        """Score (1-5) or clear the focused criterion, write the file, then move on."""
        if self.mode == PAIRS:
            self._score_pair(value)
            return
        sample, crit = self.current_sample(), self.focused_criterion()
        if self.ann is None or sample is None or crit is None:
            return
        self._set_group_score(sample.key, crit.id, value)
        self._remember_position()
        self._save()
        self._notify(ANNOTATIONS_CHANGED)
        if value is not None:
            self._advance_after_score(len(self.criteria(sample)))

    def set_score_at(self, key: str, criterion: str, value: int | None) -> None:
        """Score an answer shown anywhere (a click on a criterion's button)."""
        if self.ann is None or key not in self.samples:
            return
        self._set_group_score(key, criterion, value)
        self._save()
        self._notify(ANNOTATIONS_CHANGED)

    def _advance_after_score(self, n_criteria: int) -> None:
        if self.crit_index + 1 < n_criteria:
            self.crit_index += 1
            self._moved()
        else:
            self.move_answer(1)

    def move_criterion(self, delta: int) -> None:
        if self.mode == PAIRS:
            self._move_pair_criterion(delta)
            return
        n = len(self.criteria(self.current_sample()))
        if n:
            self.crit_index = max(0, min(n - 1, self.crit_index + delta))
            self._moved()

    def focus_criterion(self, row: int) -> None:
        self.crit_index = row
        self._moved()

    def move_answer(self, delta: int) -> None:
        """Go to the next (previous) answer; with "unscored only", skip scored ones."""
        if not self.order:
            return
        i = self.index
        while 0 <= i + delta < len(self.order):
            i += delta
            if not self.unscored_only or not self.is_scored(self.order[i]):
                break
        else:
            if self.unscored_only:
                return  # nothing unscored that way: stay
        if i != self.index:
            self.index = i
            self.crit_index = self._first_unscored_criterion()
            self._moved()

    def next_unscored(self) -> bool:
        """Jump to the first unscored answer after this one (wrapping); False if none."""
        n = len(self.order)
        for step in range(1, n + 1):
            i = (self.index + step) % n
            if not self.is_scored(self.order[i]):
                self.index = i
                self.crit_index = self._first_unscored_criterion()
                self._moved()
                return True
        return False

    def go_to(self, key: str, criterion: str | None = None) -> bool:
        key = self.group_of(key)[0]  # an identical answer is shown as its group's first
        if key not in self.order:
            return False
        self.mode = SINGLE
        self.index = self.order.index(key)
        crits = [c.id for c in self.criteria(self.current_sample())]
        self.crit_index = crits.index(criterion) if criterion in crits else 0
        self._moved()
        return True

    def set_note(self, text: str) -> None:
        sample = self.current_sample()
        if self.ann is None or sample is None:
            return
        changed = [self.ann.set_note(key, text) for key in self.group_of(sample.key)]
        if any(changed):
            self._save()
            self._notify(ANNOTATIONS_CHANGED)

    def _first_unscored_criterion(self) -> int:
        values = self.scores_of(self.current_sample())
        return next((i for i, v in enumerate(values) if v is None), 0)

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            self.crit_index = 0
            self._moved()

    def set_unscored_only(self, on: bool) -> None:
        self.unscored_only = on
        if on and self.mode == SINGLE and self.order and self.is_scored(self.order[self.index]):
            self.next_unscored()
        self._moved()

    def set_blind(self, blind: bool) -> None:
        if self.ann is None or blind == self.ann.blind:
            return
        current = self.current_sample()
        key = current.key if current is not None else None
        pair = self.current_pair()
        self.ann.blind = blind
        self.ann.touch()
        self._rebuild()
        if key is not None:
            self.index = self.order.index(key)
        if pair is not None:
            self.pair_index = self.pairs.index(pair)
        self._moved()
        self._notify(ANNOTATIONS_CHANGED)

    def set_annotator(self, name: str) -> None:
        name = name.strip()
        if not name:
            return
        self.annotator_name = name
        if self.ann is not None and name != self.ann.annotator:
            self.ann.annotator = name
            self.ann.touch()
            self._save()
            self._notify(ANNOTATIONS_CHANGED)

    def _restore_position(self) -> None:
        self.index = self.crit_index = self.pair_index = self.pair_side = 0
        self.mode, self.unscored_only = SINGLE, False
        position = self.ann.position if self.ann is not None else {}
        if position.get("mode") in (SINGLE, PAIRS):
            self.mode = position["mode"]
        self.unscored_only = position.get("unscored_only") is True
        key = position.get("sample_key")
        if isinstance(key, str) and key in self.order:
            self.index = self.order.index(key)
        pair_keys = position.get("pair")
        if isinstance(pair_keys, list):  # only then are the pairs worth building now
            for i, pair in enumerate(self.pairs):
                if [pair.sample_a, pair.sample_b] == pair_keys:
                    self.pair_index = i
        side = position.get("side")
        self.pair_side = side if side in (0, 1) else 0
        if self.mode == PAIRS:
            crits = [c.id for c in self.pair_criteria()]
            wanted = position.get("criterion_index")
            self.crit_index = wanted if isinstance(wanted, int) and 0 <= wanted < len(crits) else 0
        else:
            crits = [c.id for c in self.criteria(self.current_sample())]
            crit = position.get("criterion")
            self.crit_index = crits.index(crit) if crit in crits else 0
