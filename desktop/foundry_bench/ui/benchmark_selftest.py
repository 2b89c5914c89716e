"""Self-test steps of the Benchmark page (issue 5); run after the base steps."""

from __future__ import annotations

from foundry_bench.ui.self_test import Step

STEPS: list[tuple[str, Step]] = []
