"""The engine: pure Python, no Qt (an import-linter contract enforces it)."""
