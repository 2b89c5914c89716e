"""How long a save after a key press takes with 10,000 scores in the file.

The annotations file is written by the standard JSON encoder (compact, so the C encoder runs)
under a lock, after a look at what is on disk (``core.quality.shared_file``). One key press
costs the GUI thread the score and a snapshot of the set; the save queue's thread then reads
the file on disk (to see whether another writer changed it), encodes and writes it atomically
(fsync included). Both are timed on a run of 2,500 answers x 4 criteria already scored, and
the figure is the median of many key presses; a second figure is the save that finds another
writer's version on disk and merges it.

Figures:
- key press + save, 10,000 scores: median <= 20 ms;
- the same when another window saved in between (read, merge, write): for information.

``python -m benchmarks.annotations_save [--quick]``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.table import print_table
from benchmarks.table import row as _row

N_ANSWERS, N_CRITERIA = 2500, 4
TARGET_MS = 20.0


def _run(quick: bool) -> tuple[float, float, int]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import factories
    from foundry_bench.core.fileio import atomic_write_text
    from foundry_bench.core.quality.annotations import ANNOTATIONS_FILE
    from foundry_bench.core.quality.file_text import annotations_text
    from foundry_bench.core.quality.files import new_annotations
    from foundry_bench.core.quality.shared_file import AnnotationsFile

    samples = [
        factories.make_sample("model", f"p{i % 20}", i + 1, response=f"answer {i}")
        for i in range(N_ANSWERS)
    ]
    run = factories.make_run(samples=samples)
    ann = new_annotations(run, "ana")
    crits = [c.id for c in ann.criteria][:N_CRITERIA]
    for s in samples:
        for c in crits:
            ann.set_score(s.key, c, 3)
    ann.set_note(samples[0].key, "a note")
    with tempfile.TemporaryDirectory(prefix="foundry-bench-save-") as tmp:
        path = Path(tmp) / ANNOTATIONS_FILE
        mine, other = AnnotationsFile(path), AnnotationsFile(path)
        mine.save(ann)
        presses = 20 if quick else 100
        plain: list[float] = []
        merged: list[float] = []
        gui: list[float] = []
        for i in range(presses):
            t0 = time.perf_counter()
            ann.set_score(samples[i].key, crits[0], 1 + i % 5)  # the key press
            snapshot = ann.copy()  # what the GUI thread hands the save queue
            gui.append((time.perf_counter() - t0) * 1000)
            mine.save(snapshot)  # the save queue's work
            plain.append((time.perf_counter() - t0) * 1000)
            if i % 5 == 0:  # another window saves; the next save must read and merge it
                theirs = ann.copy()
                theirs.set_score(samples[-1 - i].key, crits[1], 5)
                other.save(theirs)
                t0 = time.perf_counter()
                ann.set_score(samples[i].key, crits[1], 2)
                saved = mine.save(ann.copy())
                merged.append((time.perf_counter() - t0) * 1000)
                assert saved.theirs is not None
                ann = saved.ann
        n_scores = len(ann.scores)
        write = []
        text = annotations_text(ann)
        for _ in range(presses // 4):
            t0 = time.perf_counter()
            atomic_write_text(path, text)
            write.append((time.perf_counter() - t0) * 1000)
    med = statistics.median
    return med(plain), med(merged), med(gui), med(write), n_scores


def run(quick: bool = False) -> list[dict[str, Any]]:
    plain, merged, gui, write, n = _run(quick)
    return [
        _row(f"key press + save, {n:,} scores (median)", plain, "ms", f"<= {TARGET_MS:g}",
             plain <= TARGET_MS),
        _row("  of which on the GUI thread (score + snapshot)", gui, "ms", "info", True),
        _row("  of which the atomic write alone (fsync)", write, "ms", "info", True),
        _row(f"the same, merging another window's save, {n:,} scores", merged, "ms", "info",
             True),
    ]  # fmt: skip


if __name__ == "__main__":
    rows = run(quick="--quick" in sys.argv)
    print_table(rows, decimals=2)
    sys.exit(0 if all(r["ok"] for r in rows) else 1)
