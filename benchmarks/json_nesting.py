"""What the nesting check (core.jsonfile) adds to opening a large run.

Every JSON file is checked for nesting deeper than 64 levels before it is parsed, at C speed
(bytes.replace/translate and numpy over the quotes and brackets only). Timed on a
``results.json`` of N samples (itl_s lists, responses full of quotes, brackets and escapes)
and on the matching ``samples.jsonl``, against ``json.loads`` of the same bytes, medians of
a few repeats.

Figures:
- check / parse of results.json: <= 1 (the check costs less than the parse it protects;
  about 0.5 measured here);
- check of samples.jsonl (each line on its own): for information;
- the hostile file ``[`` x 100,000 refused: for information (ms).

``python -m benchmarks.json_nesting [--quick]``
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.table import print_table
from benchmarks.table import row as _row

TARGET_RATIO = 1.0


def _sample(i: int) -> dict[str, Any]:
    return {
        "key": f"model|p{i % 20}|{i}",
        "status": "ok",
        "itl_s": [0.0123] * 60,
        "response": 'code: print("a[0]") {x} \\ \\" [[[ ' * 12,
    }


def _median_s(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(quick: bool = False) -> list[dict[str, Any]]:
    from foundry_bench.core.jsonfile import JsonFileError, check_nesting

    n = 5_000 if quick else 50_000
    samples = [_sample(i) for i in range(n)]
    doc = json.dumps({"schema_version": 1, "samples": samples}, indent=2).encode()
    lines = b"".join(json.dumps(s).encode() + b"\n" for s in samples)
    repeats = 3
    path = Path("results.json")
    check = _median_s(lambda: check_nesting(doc, path), repeats)
    parse = _median_s(lambda: json.loads(doc), repeats)
    check_lines = _median_s(lambda: check_nesting(lines, path, lines=True), repeats)

    def refuse() -> None:
        try:
            check_nesting(b"[" * 100_000, path)
        except JsonFileError:
            return
        raise AssertionError("the hostile file was not refused")

    hostile = _median_s(refuse, repeats)
    ratio = check / parse
    mb = len(doc) / 1e6
    return [
        _row(f"nesting check / json.loads, results.json {n:,} samples ({mb:.0f} MB)", ratio,
             "ratio", f"<= {TARGET_RATIO:g}", ratio <= TARGET_RATIO),
        _row(f"  nesting check of results.json ({mb:.0f} MB)", check * 1000, "ms", "info", True),
        _row(f"  json.loads of results.json ({mb:.0f} MB)", parse * 1000, "ms", "info", True),
        _row(f"nesting check of samples.jsonl, {n:,} lines", check_lines * 1000, "ms", "info",
             True),
        _row("'[' x 100,000 refused", hostile * 1000, "ms", "info", True),
    ]  # fmt: skip


if __name__ == "__main__":
    rows = run(quick="--quick" in sys.argv)
    print_table(rows, decimals=2)
    sys.exit(0 if all(r["ok"] for r in rows) else 1)
