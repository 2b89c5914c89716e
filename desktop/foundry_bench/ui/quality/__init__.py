"""The Quality page: scoring, side by side, agreement, results and the automatic judge."""
