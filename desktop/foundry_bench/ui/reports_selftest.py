"""Self-test steps of the Reports page (issue 7); run after the base steps."""

from __future__ import annotations

from foundry_bench.ui.self_test import Step

STEPS: list[tuple[str, Step]] = []
