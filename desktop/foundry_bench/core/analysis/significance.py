"""Two-sample tests for run-versus-run changes: Mann-Whitney U and bootstrap CIs of a percentile
difference.

The bootstrap draws only the two order statistics a linear percentile needs (the Beta trick
explained in ``core.analysis.stats``), so a run of 100,000 samples compares in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from foundry_bench.core.analysis.columns import FloatArray


def rank_average(values: FloatArray) -> FloatArray:
    """Ranks 1..n with ties given their average rank (as ``scipy.stats.rankdata``)."""
    order = np.argsort(values, kind="mergesort")
    sorted_v = values[order]
    # Start of each run of equal values, and the average rank of the run.
    starts = np.flatnonzero(np.concatenate(([True], sorted_v[1:] != sorted_v[:-1])))
    ends = np.concatenate((starts[1:], [values.size]))
    avg = (starts + ends + 1) / 2.0  # ranks are 1-based: mean of starts+1 .. ends
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(avg, ends - starts)
    return ranks


def mann_whitney_u(
    a: Sequence[float] | FloatArray, b: Sequence[float] | FloatArray
) -> tuple[float, float]:
    """``(U_b, p)``: U of sample ``b`` and the two-sided p-value by the normal approximation
    with tie correction and a continuity correction of 0.5."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    n1, n2 = x.size, y.size
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need at least one value")
    ranks = rank_average(np.concatenate((x, y)))
    u_b = float(ranks[n1:].sum() - n2 * (n2 + 1) / 2.0)
    n = n1 + n2
    _, counts = np.unique(np.concatenate((x, y)), return_counts=True)
    tie_term = float((counts**3 - counts).sum()) / (n * (n - 1)) if n > 1 else 0.0
    variance = n1 * n2 / 12.0 * ((n + 1) - tie_term)
    if variance <= 0.0:
        return u_b, 1.0  # every value equal: no evidence of any shift
    mu = n1 * n2 / 2.0
    diff = u_b - mu
    z = (abs(diff) - 0.5) / math.sqrt(variance) if abs(diff) >= 0.5 else 0.0
    return u_b, min(1.0, math.erfc(z / math.sqrt(2.0)))


def percentile_replicates(
    sorted_x: FloatArray, q: float, n_boot: int, rng: np.random.Generator
) -> FloatArray:
    """``n_boot`` bootstrap replicates of the linear ``q``-th percentile of sorted data.

    Same distribution as ``np.percentile(x[rng.integers(0, n, (n_boot, n))], q, axis=1)``,
    drawing only the two order statistics involved (see ``core.analysis.stats``).
    """
    n = sorted_x.size
    h = (n - 1) * q / 100.0
    lo = math.floor(h)
    frac = h - lo
    k = lo + 1
    u1 = rng.beta(k, n - k + 1, size=n_boot)
    y = sorted_x[np.minimum((u1 * n).astype(np.intp), n - 1)]
    if frac > 0.0 and k < n:
        u2 = u1 + (1.0 - u1) * rng.beta(1, n - k, size=n_boot)
        y = y + frac * (sorted_x[np.minimum((u2 * n).astype(np.intp), n - 1)] - y)
    result: FloatArray = y
    return result


def bootstrap_diff_ci(
    a: FloatArray, b: FloatArray, q: float, *, n_boot: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile-bootstrap 95% CI of ``percentile(b, q) - percentile(a, q)``."""
    diff = percentile_replicates(np.sort(b), q, n_boot, rng) - percentile_replicates(
        np.sort(a), q, n_boot, rng
    )
    lo, hi = np.percentile(diff, [2.5, 97.5], method="linear")
    return float(lo), float(hi)
