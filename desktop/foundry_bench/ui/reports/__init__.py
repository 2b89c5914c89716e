"""The Reports page: exports, the recommendation, and run-versus-run comparison."""
