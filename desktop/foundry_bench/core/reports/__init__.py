"""Reports of a run and of a comparison: Markdown, CSV, JSON and self-contained HTML."""
