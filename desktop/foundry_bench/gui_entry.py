"""Start the GUI (imported only when the GUI is asked for, so the CLI never loads Qt)."""

from __future__ import annotations


def run_gui(*, self_test: bool = False) -> int:
    from foundry_bench.ui.app import main as app_main

    return app_main(self_test=self_test)
