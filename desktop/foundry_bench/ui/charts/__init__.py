"""The pyqtgraph charts of the Benchmark and Quality pages."""
