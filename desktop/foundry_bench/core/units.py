"""How numbers are written for people: the unit and the decimals chosen from the values.

One place for every table, chart axis, report and message (the app, the CLI and the reports),
so a p95 of 9.5 ms is never "10 ms" beside a limit of 5 ms, a TPOT of 40 µs never "0.0 ms",
and a chart's axis has the unit of the table next to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DASH = "–"


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fmt_number(value: object, digits: int = 1, scale: float = 1.0) -> str:
    """A number rounded for a table (``scale=1000`` shows seconds as milliseconds)."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
        return DASH  # None, text, NaN
    return f"{value * scale:.{digits}f}"


#: Significant digits of a typical value in a column (21.4 ms, 4,180 tok/s shown as 4180).
SIGNIFICANT = 3


#: Units of a duration, from seconds, smallest first; a column takes the first one in which
#: its typical value is under 1,000.
_TIME_UNITS = (("µs", 1e6), ("ms", 1e3), ("s", 1.0))


@dataclass(frozen=True)
class Scale:
    """How one column of numbers is written: its unit, the factor to it, the decimals.

    Chosen from the column's values (``time_scale``, ``number_scale``), so a TPOT of 40 µs
    is "40.3 µs", not "0.0 ms", and every cell of the column has the same unit and decimals.
    """

    unit: str = ""
    factor: float = 1.0
    digits: int = 1

    def text(self, value: object) -> str:
        return fmt_number(value, self.digits, self.factor)

    def with_unit(self, value: object) -> str:
        """``21.4 ms``; a dash alone when there is no number."""
        text = self.text(value)
        return f"{text} {self.unit}" if self.unit and text != DASH else text

    def label(self, name: str) -> str:
        """A header or axis label: ``p95 latency (ms)``."""
        return f"{name} ({self.unit})" if self.unit else name


def _typical(values: Iterable[object]) -> float | None:
    """The median magnitude of the finite, non-zero numbers among ``values``."""
    numbers = (float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool))
    found = sorted(abs(v) for v in numbers if math.isfinite(v) and v != 0)
    return found[len(found) // 2] if found else None


def _digits(typical: float | None) -> int:
    if typical is None:
        return 1
    typical = float(f"{typical:.{SIGNIFICANT}g}")  # 0.9996 is written 1.00, not 1.000
    if not math.isfinite(typical):  # a finite 1.8e308 s turned into ms, or rounded up
        return 0
    return max(0, min(3, SIGNIFICANT - 1 - math.floor(math.log10(typical))))


def number_scale(values: Iterable[object], unit: str = "") -> Scale:
    """Decimals for a column of plain numbers (tokens/s, MB): three significant digits of
    its typical value."""
    return Scale(unit, 1.0, _digits(_typical(values)))


def time_scale(values_s: Iterable[object]) -> Scale:
    """Unit and decimals for a column of durations given in seconds."""
    typical = _typical(values_s)
    if typical is None:
        return Scale("ms", 1e3, 1)
    unit, factor = next(((u, f) for u, f in _TIME_UNITS if typical * f < 999.5), _TIME_UNITS[-1])
    return Scale(unit, factor, _digits(typical * factor))


def arrays_time_scale(arrays_s: Iterable[Any]) -> Scale:
    """:func:`time_scale` of every value of these arrays of seconds (a chart's 100,000
    latencies), by way of their median magnitude rather than a Python float per value."""
    import numpy as np  # not at the top: the runtime host imports this module, and no numpy

    parts = [np.abs(np.asarray(a, dtype=np.float64).ravel()) for a in arrays_s]
    found = np.concatenate(parts) if parts else np.zeros(0)
    found = found[np.isfinite(found) & (found != 0)]
    if not found.size:
        return time_scale([])
    middle = found.size // 2  # the element time_scale's sorted list has there
    return time_scale([float(np.partition(found, middle)[middle])])


def fmt_seconds(value_s: object) -> str:
    """One duration with the unit that suits it: ``9.5 ms``, ``40.3 µs``, ``2.41 s``."""
    return time_scale([value_s]).with_unit(value_s)
