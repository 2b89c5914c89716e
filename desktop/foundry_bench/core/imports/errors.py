"""What an import raises: one message a person can act on, naming the source and the problem."""

from __future__ import annotations

from foundry_bench.core.run.runtime_errors import RuntimeFailure


class ImportFailure(RuntimeFailure):
    """The import did not happen; nothing was left on disk and nothing was registered."""


class ImportCancelled(ImportFailure):
    """The user cancelled; the partial output was removed."""
