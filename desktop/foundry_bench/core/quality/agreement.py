"""Agreement between people: Krippendorff's alpha (ordinal), weighted kappa, disagreements.

Checked against textbook values in the tests; the judge is compared with the people, never
counted among them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from foundry_bench.core.quality.annotations import CATEGORIES
from foundry_bench.core.quality.merge import MergedAnnotations


def krippendorff_alpha_ordinal(
    units: Iterable[Sequence[int]], categories: Sequence[int] = CATEGORIES
) -> float | None:
    """Krippendorff's alpha for ordinal data, any number of raters, missing values allowed.

    ``units`` holds each item's scores (one per rater who scored it). Items with fewer than two
    scores cannot be paired and are left out. From the coincidence matrix ``o`` (each pair of
    scores within an item adds ``1 / (m_u - 1)``), its marginals ``n_c`` and total ``n``, with
    the ordinal distance ``d(c, k) = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2``:
    ``alpha = 1 - (n - 1) * sum(o * d) / sum(n_c * n_k * d)`` (Krippendorff 2011,
    "Computing Krippendorff's Alpha-Reliability"). None when it is undefined: no pairable
    item, or every score the same (no expected disagreement).
    """
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    o = np.zeros((k, k), dtype=np.float64)
    for unit in units:
        values = [index[v] for v in unit if v in index]
        m = len(values)
        if m < 2:
            continue
        counts = np.bincount(values, minlength=k).astype(np.float64)
        # Ordered pairs of different raters within the item: n_c * n_k, minus self-pairs.
        o += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    if n <= 1:
        return None
    cum = np.concatenate(([0.0], np.cumsum(n_c)))
    lo = np.minimum.outer(np.arange(k), np.arange(k))
    hi = np.maximum.outer(np.arange(k), np.arange(k))
    delta = (cum[hi + 1] - cum[lo] - (n_c[lo] + n_c[hi]) / 2.0) ** 2
    observed = float((o * delta).sum())
    expected = float((np.outer(n_c, n_c) * delta).sum())
    if expected <= 0.0:
        return None
    return 1.0 - (n - 1.0) * observed / expected


def weighted_kappa(
    a: Sequence[int], b: Sequence[int], categories: Sequence[int] = CATEGORIES
) -> float | None:
    """Cohen's kappa with quadratic weights for two raters' scores of the same items.

    ``kappa = 1 - sum(w * O) / sum(w * E)`` with ``w[i, j] = (i - j)^2``, ``O`` the observed
    joint proportions and ``E`` the product of the two raters' marginals. None when undefined
    (no items, or no expected disagreement: both raters gave one and the same score).
    """
    if len(a) != len(b):
        raise ValueError("both raters must score the same items")
    index = {c: i for i, c in enumerate(categories)}
    pairs = [(index[x], index[y]) for x, y in zip(a, b, strict=True) if x in index and y in index]
    if not pairs:
        return None
    k = len(categories)
    observed = np.zeros((k, k), dtype=np.float64)
    for i, j in pairs:
        observed[i, j] += 1.0
    observed /= len(pairs)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    grid = np.arange(k, dtype=np.float64)
    weights = (grid[:, None] - grid[None, :]) ** 2
    denominator = float((weights * expected).sum())
    if denominator <= 0.0:
        return None
    return 1.0 - float((weights * observed).sum()) / denominator


def _items_by_criterion(
    merged: MergedAnnotations, raters: Sequence[str]
) -> dict[str, list[tuple[str, dict[str, int]]]]:
    wanted = set(raters)
    out: dict[str, list[tuple[str, dict[str, int]]]] = {}
    for (key, crit), by_rater in merged.ratings.items():
        scores = {r: s for r, s in by_rater.items() if r in wanted}
        if scores:
            out.setdefault(crit, []).append((key, scores))
    return out


def agreement(
    merged: MergedAnnotations, raters: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Per criterion (and ``"*"`` for all criteria pooled): how well the raters agree.

    ``{"criterion", "label", "n_items"`` (items scored by two raters or more), ``"n_raters",
    "alpha"`` (Krippendorff, ordinal), ``"kappa"`` (quadratic-weighted Cohen's kappa, only
    with exactly two raters, else None)}. People only by default: the judge has its own
    comparison (:func:`judge_agreement`).
    """
    chosen = list(raters) if raters is not None else merged.people
    by_crit = _items_by_criterion(merged, chosen)
    labels = {c.id: c.label for c in merged.criteria}
    order = [c.id for c in merged.criteria] + [c for c in by_crit if c not in labels]
    rows: list[dict[str, Any]] = []
    pooled: list[tuple[str, dict[str, int]]] = []
    for crit in order:
        items = by_crit.get(crit, [])
        pooled += items
        rows.append(_agreement_row(crit, labels.get(crit, crit), items, chosen))
    rows.append(_agreement_row("*", "All criteria", pooled, chosen))
    return rows


def _agreement_row(
    crit: str, label: str, items: list[tuple[str, dict[str, int]]], raters: Sequence[str]
) -> dict[str, Any]:
    paired = [scores for _key, scores in items if len(scores) >= 2]
    kappa = None
    if len(raters) == 2:
        a, b = raters
        both = [s for s in paired if a in s and b in s]
        kappa = weighted_kappa([s[a] for s in both], [s[b] for s in both])
    return {
        "criterion": crit,
        "label": label,
        "n_items": len(paired),
        "n_raters": len({r for s in paired for r in s}),
        "alpha": krippendorff_alpha_ordinal(list(s.values()) for s in paired),
        "kappa": kappa,
    }


def disagreements(
    merged: MergedAnnotations, limit: int = 10, raters: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Where people disagree most: items by score spread (max - min), then by std.

    ``{"sample_key", "criterion", "label", "scores": {rater: score}, "spread", "std"}``;
    only items two raters or more scored and did not score alike.
    """
    chosen = list(raters) if raters is not None else merged.people
    labels = {c.id: c.label for c in merged.criteria}
    rows: list[dict[str, Any]] = []
    for crit, items in _items_by_criterion(merged, chosen).items():
        for key, scores in items:
            values = list(scores.values())
            spread = max(values) - min(values)
            if len(values) < 2 or spread == 0:
                continue
            rows.append(
                {
                    "sample_key": key,
                    "criterion": crit,
                    "label": labels.get(crit, crit),
                    "scores": scores,
                    "spread": spread,
                    "std": float(np.std(values)),
                }
            )
    rows.sort(key=lambda r: (-r["spread"], -r["std"], r["sample_key"], r["criterion"]))
    return rows[:limit]


def judge_agreement(merged: MergedAnnotations, judge: str) -> list[dict[str, Any]]:
    """Per criterion (and ``"*"`` pooled): the judge against each person, weighted kappa.

    ``{"criterion", "label", "n_items", "kappa"}``: ``kappa`` is the mean over the people of
    the judge-vs-person quadratic-weighted kappa on the items both scored (None if undefined).
    """
    people = merged.people
    by_crit = _items_by_criterion(merged, [judge, *people])
    labels = {c.id: c.label for c in merged.criteria}
    rows = []
    pooled: list[tuple[str, dict[str, int]]] = []
    for crit in [c.id for c in merged.criteria]:
        items = by_crit.get(crit, [])
        pooled += items
        rows.append(_judge_row(crit, labels[crit], items, judge, people))
    rows.append(_judge_row("*", "All criteria", pooled, judge, people))
    return rows


def _judge_row(
    crit: str,
    label: str,
    items: list[tuple[str, dict[str, int]]],
    judge: str,
    people: Sequence[str],
) -> dict[str, Any]:
    kappas = []
    n_items = 0
    for person in people:
        both = [s for _k, s in items if judge in s and person in s]
        n_items = max(n_items, len(both))
        kappa = weighted_kappa([s[judge] for s in both], [s[person] for s in both])
        if kappa is not None:
            kappas.append(kappa)
    mean = float(np.mean(kappas)) if kappas else None
    return {"criterion": crit, "label": label, "n_items": n_items, "kappa": mean}
