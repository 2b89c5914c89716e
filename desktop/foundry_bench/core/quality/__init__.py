"""People's 1-5 scores of answers: annotation files, the scoring session, agreement, summaries."""
