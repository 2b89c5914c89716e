"""What the Foundry Local runtime wrapper raises: one message a user can act on."""

from __future__ import annotations


class RuntimeFailure(Exception):
    """A runtime operation that failed; the message says what and why, for a person."""


class ModelFolderError(RuntimeFailure):
    """A folder that cannot be registered as a model (named in the message)."""
