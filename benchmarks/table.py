"""The figure rows every benchmark returns, and the table that prints them."""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]


def row(figure: str, value: float, unit: str, target: str, ok: bool) -> Row:
    return {"figure": figure, "value": value, "unit": unit, "target": target, "ok": ok}


def print_table(rows: list[Row], decimals: int = 3) -> None:
    width = max(len(r["figure"]) for r in rows)
    for r in rows:
        mark = "ok" if r["ok"] else "MISS"
        print(
            f"{r['figure']:<{width}}  {r['value']:>10.{decimals}f} {r['unit']:<8} "
            f"target {r['target']:<8} {mark}"
        )
