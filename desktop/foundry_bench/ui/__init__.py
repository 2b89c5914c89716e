"""The desktop app (PySide6 + pyqtgraph): the window, its pages and their widgets."""
