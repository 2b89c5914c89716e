"""The largest prompt a model really accepts, found by probing (advertised vs effective).

A runtime may advertise a context it does not serve (Foundry Local issues 969 and 1067): it
refuses a long prompt, fails on it, or cuts it silently. Each probe is an untimed request of
``max_tokens=1``; a prompt is accepted when the answer is ``ok`` and the server counted at
least ``1 - TRUNCATED`` of what was sent. The search starts at the advertised context (or
the given upper bound), then bisects between the largest accepted and the smallest refused
size until they are within ``RESOLUTION`` of each other.
"""

from __future__ import annotations

from typing import Any

from foundry_bench.core.run.plan import Probe
from foundry_bench.core.sweep.synthetic import Calibration

TRUNCATED = 0.1
RESOLUTION = 0.05
MAX_PROBES = 12


def probe_context(
    cal: Calibration, probe: Probe, advertised: int | None, upper: int, accepted: int = 0
) -> dict[str, Any]:
    """``{"advertised", "upper", "effective", "refused_at", "at_least", "probes": [...]}``.

    ``accepted`` is a prompt size already known to work (the sweep's largest point), where
    the bisection starts from below. ``effective`` is the largest prompt the server counted
    and answered; ``at_least`` is true when even ``upper`` was accepted.
    """
    top = advertised if advertised else upper
    lo, hi = accepted, None
    effective: int | None = accepted or None
    probes: list[dict[str, Any]] = []
    target = top
    while len(probes) < MAX_PROBES:
        shape = cal.shape_for(target, 0)
        m = probe(shape.as_messages(0), 1)
        if m.status == "cancelled":
            break  # the run was cancelled: what was found so far stands
        counted = m.prompt_tokens if m.tokens_source == "usage" else None
        ok = m.status == "ok" and counted is not None and counted >= target * (1 - TRUNCATED)
        probes.append(
            {
                "target": target,
                "prompt_tokens": counted,
                "status": m.status,
                "accepted": ok,
                "error": m.error if not ok else None,
            }
        )
        if ok:
            lo = target
            effective = max(effective or 0, counted or target)
            if target >= top:
                break
        else:
            hi = target
        if hi is None or hi - lo <= max(hi * RESOLUTION, 1):
            break
        target = (lo + hi) // 2
    return {
        "advertised": advertised,
        "upper": top,
        "effective": effective,
        "refused_at": hi,
        "at_least": hi is None,
        "probes": probes,
    }
