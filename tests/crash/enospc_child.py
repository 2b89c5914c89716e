"""`foundry-bench ARGS...` with a disk that fills after BYTES bytes: ``python enospc_child.py
BYTES ARGS...``. For machines where the test cannot mount a small tmpfs: every file of the
app is written through ``os.write`` (core.fileio.write_all), so failing it with ENOSPC once
the budget is spent is what a full disk does to the app (a write may take part of its bytes).
"""

from __future__ import annotations

import errno
import os
import sys

from foundry_bench.cli import main

_budget = int(sys.argv[1])
_real_write = os.write


def _write(fd: int, data: bytes | memoryview) -> int:
    global _budget
    if fd <= 2:  # the terminal is not the disk
        return _real_write(fd, data)
    if _budget <= 0:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    written = _real_write(fd, bytes(data[:_budget]))
    _budget -= written
    return written


os.write = _write
sys.exit(main(sys.argv[2:]))
