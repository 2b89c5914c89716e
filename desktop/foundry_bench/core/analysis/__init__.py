"""Numbers made from a run: statistics, chart data, run versus run, the recommendation."""
