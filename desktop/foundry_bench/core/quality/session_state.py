"""What a scoring session knows and shows: the run, the annotator's set, the order of the
answers and where the user is (a single answer and criterion, or a side-by-side pair).

The actions are in :mod:`~foundry_bench.core.quality.session` (single answers) and
:mod:`~foundry_bench.core.quality.side_by_side`; they change this state, then call the two
hooks :meth:`SessionState._write` (through ``_save``) and :meth:`SessionState._notify`.
"""

from __future__ import annotations

import getpass
from collections import Counter
from pathlib import Path
from typing import Any

from foundry_bench.core.config.prompts import PromptSpec
from foundry_bench.core.config.rubric import Criterion
from foundry_bench.core.quality.annotations import AnnotationSet
from foundry_bench.core.quality.groups import Groups
from foundry_bench.core.quality.order import Pair, side_by_side_pairs
from foundry_bench.core.quality.shared_file import AnnotationsFile, absorb
from foundry_bench.core.results.records import Run, Sample

SINGLE, PAIRS = "single", "pairs"
# What _notify says changed.
OPENED, ANNOTATIONS_CHANGED, POSITION_CHANGED = "opened", "annotations", "position"


def default_annotator() -> str:
    try:
        return getpass.getuser() or "me"
    except (OSError, KeyError):  # no user name in this environment
        return "me"


class SessionState:
    """The state and the read-only questions of a scoring session."""

    def __init__(self, annotator: str | None = None) -> None:
        self.annotator_name = annotator or default_annotator()
        self.run: Run | None = None
        self.run_dir: Path | None = None
        self.path: Path | None = None
        self.file: AnnotationsFile | None = None  # the writer of ``path``
        self.ann: AnnotationSet | None = None
        self.problem: str | None = None
        self.other_files: tuple[Path, ...] = ()
        self.mode = SINGLE
        self.unscored_only = False
        self.samples: dict[str, Sample] = {}
        self.prompts: dict[str, PromptSpec] = {}
        self._criteria: dict[str, list[Criterion]] = {}
        self.order: list[str] = []
        self.groups: Groups = {}  # key -> every identical answer's key (core.quality.groups)
        self.index = 0
        self.crit_index = 0
        self._pairs: list[Pair] | None = []
        self._pair_seed: int | None = None
        self._prompt_counts: Counter[str] = Counter()
        self._order_set: set[str] = set()
        self._criterion_ids: dict[str, set[str]] = {}
        self.pair_index = 0
        self.pair_side = 0  # 0 = the left answer, 1 = the right one

    def _save(self) -> None:
        """The annotations changed: write them, unless the file could not be read (it is
        never written over then)."""
        if self.ann is not None and self.file is not None and self.problem is None:
            self._write(self.file, self.ann)

    def sync(self) -> None:
        """Save now, taking in what another writer (an import, another window) saved."""
        self._save()

    def _write(self, file: AnnotationsFile, ann: AnnotationSet) -> None:
        """Put ``ann`` in ``file`` (synchronously here; the app's subclass in the background),
        taking in what another writer saved there meanwhile."""
        saved = file.save(ann)
        if saved.theirs is not None:
            self._absorb(file, saved.theirs)

    def _absorb(self, file: AnnotationsFile, theirs: AnnotationSet) -> int:
        """Show changes another writer saved in ``file``; how many were new here."""
        if self.ann is None or file is not self.file:
            return 0  # another run is open by now
        taken = absorb(self.ann, theirs)
        if taken:
            self._notify(ANNOTATIONS_CHANGED)
        return taken

    def _notify(self, what: str) -> None:
        """``what`` changed (OPENED, ANNOTATIONS_CHANGED or POSITION_CHANGED)."""

    def _moved(self) -> None:
        self._remember_position()
        self._save()
        self._notify(POSITION_CHANGED)

    def _remember_position(self) -> None:
        if self.ann is None:
            return
        sample, crit, pair = self.current_sample(), self.focused_criterion(), self.current_pair()
        position: dict[str, Any] = {
            "mode": self.mode,
            "sample_key": sample.key if sample else None,
            "criterion": crit.id if crit else None,
            "criterion_index": self.crit_index,
            "pair": [pair.sample_a, pair.sample_b] if pair else None,
            "side": self.pair_side,
            "unscored_only": self.unscored_only,
        }
        self.ann.position = position

    def group_of(self, key: str) -> tuple[str, ...]:
        """The keys of every answer identical to ``key``'s (itself first if it leads)."""
        return self.groups.get(key, (key,))

    def _set_group_score(self, key: str, criterion: str, value: int | None) -> None:
        if self.ann is not None:
            for member in self.group_of(key):
                self.ann.set_score(member, criterion, value)

    @property
    def ready(self) -> bool:
        return self.ann is not None and self.run is not None

    @property
    def blind(self) -> bool:
        return self.ann.blind if self.ann is not None else True

    def criteria(self, sample: Sample | None) -> list[Criterion]:
        if sample is None:
            return []
        return self._criteria.get(sample.prompt_id) or self._criteria.get("", [])

    def current_sample(self) -> Sample | None:
        if not self.order:
            return None
        return self.samples.get(self.order[min(self.index, len(self.order) - 1)])

    def focused_criterion(self) -> Criterion | None:
        crits = self.criteria(self.current_sample())
        return crits[self.crit_index] if 0 <= self.crit_index < len(crits) else None

    def scores_of(self, sample: Sample | None) -> list[int | None]:
        if sample is None or self.ann is None:
            return []
        return [self.ann.score(sample.key, c.id) for c in self.criteria(sample)]

    def is_scored(self, key: str) -> bool:
        sample = self.samples.get(key)
        return sample is not None and all(v is not None for v in self.scores_of(sample))

    @property
    def pairs(self) -> list[Pair]:
        if self._pairs is None:
            self._pairs = side_by_side_pairs(self.run, self._pair_seed) if self.run else []
        return self._pairs

    def current_pair(self) -> Pair | None:
        if not self.pairs:
            return None
        return self.pairs[min(self.pair_index, len(self.pairs) - 1)]

    def pair_samples(self) -> tuple[Sample, Sample] | None:
        """The pair's two answers as shown, left then right (blind mode may swap them)."""
        pair = self.current_pair()
        if pair is None:
            return None
        a, b = self.samples[pair.sample_a], self.samples[pair.sample_b]
        if self.blind and self.ann is not None and pair.swapped(self.ann.shuffle_seed):
            return b, a
        return a, b

    def pair_criteria(self) -> list[Criterion]:
        shown = self.pair_samples()
        return self.criteria(shown[0]) if shown else []
