"""Self-test steps of the Quality page (issue 6); run after the base steps."""

from __future__ import annotations

from foundry_bench.ui.self_test import Step

STEPS: list[tuple[str, Step]] = []
