"""Performance scripts that print figures (not pass/fail tests); see docs/design.md."""
