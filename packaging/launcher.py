"""The frozen app's entry point: ``foundry-bench`` with no command opens the window.

PyInstaller runs this file as ``__main__``. It is the same as ``python -m foundry_bench``
except for one thing a frozen Windows GUI program needs: a windowed .exe has no console, so
``sys.stdout`` and ``sys.stderr`` are None and the first log line or warning would raise.
Sending them to the null device keeps a double-clicked app alive; the console build
(``foundry-bench-cli.exe``) keeps real streams for the CLI and the self-test.
"""

from __future__ import annotations

import os
import sys


def _give_windowed_app_streams() -> None:
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


if __name__ == "__main__":
    _give_windowed_app_streams()
    from foundry_bench.cli import main

    sys.exit(main())
