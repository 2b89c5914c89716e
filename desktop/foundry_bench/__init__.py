"""Foundry Local Bench: choose a local language model by measuring it."""

__version__ = "0.1.0"
