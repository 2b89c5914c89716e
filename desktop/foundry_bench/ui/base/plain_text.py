"""Untrusted text (model ids, prompts, answers, names, server messages) shown as plain text.

Qt guesses: a ``QLabel``, a tooltip or a message box whose text looks like HTML (a model id
``<h1>big</h1>``, an answer with ``<a href=...>``) renders it as rich text, links included, and
pyqtgraph's legends and axis labels always render HTML. So labels are made here, with the
format fixed to plain text (``tests/test_architecture.py`` refuses a bare ``QLabel(`` outside
this module), tooltips of table models pass through :func:`plain_tooltip`, and chart labels
through :func:`html_escaped`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows ``text`` (and whatever is set later) exactly as written."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def rich_label(html_text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label for the app's own markup; anything untrusted inside goes through ``html_escaped``."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setText(html_text)
    return label


def html_escaped(text: object) -> str:
    """``text`` for a place that renders HTML (pyqtgraph legends and titles, rich labels)."""
    return html.escape(str(text), quote=False)


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` as written: escaped inside markup Qt cannot mistake."""
    return f"<p style='white-space:pre-wrap'>{html.escape(text, quote=False)}</p>"
