"""The Benchmark page: setup, the live run, results, samples and the run history."""
