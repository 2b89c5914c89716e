"""Several annotators' files of one run, merged: who scored what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from foundry_bench.core.config.rubric import Criterion
from foundry_bench.core.quality.annotations import AnnotationSet, MergeError


@dataclass
class MergedAnnotations:
    """Everyone's scores of one run: ``ratings[(sample_key, criterion)][rater] = score``."""

    run_id: str
    raters: list[str]
    judges: list[str]
    criteria: list[Criterion]
    ratings: dict[tuple[str, str], dict[str, int]]

    @property
    def people(self) -> list[str]:
        return [r for r in self.raters if r not in self.judges]


def merge_annotations(sets: Sequence[AnnotationSet]) -> MergedAnnotations:
    """Merge annotators' sets of the same run; :class:`MergeError` for another run's file.

    Two files with the same annotator name stay two raters (the second is called
    ``"name (2)"``): counting one person twice would inflate agreement.
    """
    if not sets:
        raise MergeError("no annotation files to merge")
    first = sets[0]
    raters: list[str] = []
    judges: list[str] = []
    criteria: dict[str, Criterion] = {}
    ratings: dict[tuple[str, str], dict[str, int]] = {}
    for ann in sets:
        if ann.run_id != first.run_id:
            raise MergeError(
                f"{describe_source(ann)} scores run {ann.run_id!r}, but "
                f"{describe_source(first)} scores run {first.run_id!r}: "
                "only files of the same run can be merged"
            )
        name = ann.annotator
        n = 1
        while name in raters:
            n += 1
            name = f"{ann.annotator} ({n})"
        raters.append(name)
        if ann.is_judge:
            judges.append(name)
        for criterion in ann.criteria:
            criteria.setdefault(criterion.id, criterion)
        for (key, crit), score in ann.scores.items():
            ratings.setdefault((key, crit), {})[name] = score.score
    return MergedAnnotations(first.run_id, raters, judges, list(criteria.values()), ratings)


def describe_source(ann: AnnotationSet) -> str:
    where = f" ({ann.source})" if ann.source is not None else ""
    return f"{ann.annotator!r}'s file{where}"
