"""Light and dark palettes (Fusion), or whatever the platform gives ("system")."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from foundry_bench.core.paths import resources_dir
from foundry_bench.ui.base.settings_store import Palette

_DARK = {
    QPalette.ColorRole.Window: "#2b2d31",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1f2023",
    QPalette.ColorRole.AlternateBase: "#26282c",
    QPalette.ColorRole.ToolTipBase: "#3a3d42",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#8a8d93",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#34363b",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: "#6cb4ff",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Light: "#45484e",
    QPalette.ColorRole.Midlight: "#3a3d42",
    QPalette.ColorRole.Mid: "#2f3136",
    QPalette.ColorRole.Dark: "#1b1c1f",
    QPalette.ColorRole.Shadow: "#111214",
}
_DARK_DISABLED = {
    QPalette.ColorRole.WindowText: "#8a8d93",
    QPalette.ColorRole.Text: "#8a8d93",
    QPalette.ColorRole.ButtonText: "#7a7d83",
    QPalette.ColorRole.Highlight: "#4a4d52",
}

_LIGHT = {
    QPalette.ColorRole.Window: "#f3f3f3",
    QPalette.ColorRole.WindowText: "#1d1d1f",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f6f7f9",
    QPalette.ColorRole.Text: "#1d1d1f",
    QPalette.ColorRole.Button: "#f0f0f0",
    QPalette.ColorRole.ButtonText: "#1d1d1f",
    QPalette.ColorRole.Highlight: "#2f6fd1",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#8a8d93",
    QPalette.ColorRole.Link: "#1f5fbf",
}
_LIGHT_DISABLED = {
    QPalette.ColorRole.WindowText: "#8e8e93",
    QPalette.ColorRole.Text: "#8e8e93",
    QPalette.ColorRole.ButtonText: "#9a9a9f",
}

# Fusion draws a check box's outline as the window colour darkened by 40%, which on this dark
# window is the colour of the box itself: the boxes vanished. Draw them ourselves in dark.
_DARK_SHEET = """
QCheckBox::indicator, QAbstractItemView::indicator, QGroupBox::indicator {
    width: 13px; height: 13px; border: 1px solid #9a9da3; border-radius: 2px;
    background: #1f2023;
}
QCheckBox::indicator:checked, QAbstractItemView::indicator:checked,
QGroupBox::indicator:checked {
    background: #3d7bd9; border-color: #3d7bd9; image: url(CHECK);
}
QCheckBox::indicator:disabled, QAbstractItemView::indicator:disabled {
    border-color: #5a5d63;
}
"""

_system_style: str | None = None
_system_palette: QPalette | None = None


def apply_palette(app: QApplication, name: Palette, window: QWidget | None = None) -> None:
    """Switch the app to ``name``; widgets of ``window`` with style sheets of their own are
    repolished so they take the new colours."""
    global _system_style, _system_palette
    if _system_style is None:
        _system_style = app.style().name()
        _system_palette = QPalette(app.palette())
    if name == "system":
        app.setStyle(QStyleFactory.create(_system_style))
        app.setStyleSheet("")
        if _system_palette is not None:
            app.setPalette(_system_palette)
        _repolish_styled(window)
        return
    app.setStyle(QStyleFactory.create("Fusion"))
    active, disabled = (_DARK, _DARK_DISABLED) if name == "dark" else (_LIGHT, _LIGHT_DISABLED)
    palette = app.style().standardPalette()
    for role, color in active.items():
        palette.setColor(role, QColor(color))
    for role, color in disabled.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))
    app.setPalette(palette)
    app.setStyleSheet(_dark_sheet() if name == "dark" else "")
    _repolish_styled(window)


def _dark_sheet() -> str:
    check = resources_dir() / "icons" / "check-light.svg"
    return _DARK_SHEET.replace("CHECK", check.as_posix())


def _repolish_styled(window: QWidget | None) -> None:
    # A widget with its own style sheet keeps the palette it was polished with; setting the
    # sheet again makes it take the new colours (banners, badges, the status bar). Only the
    # window's own widgets: app.allWidgets() also returns widgets other code is deleting,
    # and touching one of those crashed the interpreter.
    if window is None:
        return
    for widget in [window, *window.findChildren(QWidget)]:
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet("")
            widget.setStyleSheet(sheet)


def tinted_icon(icon: QIcon, color: QColor, size: int = 32) -> QIcon:
    """``icon``'s shape in ``color``: the style's black glyphs (play, stop, seek, lists)
    vanish on a dark palette; tinted with its text colour they read in both."""
    pixmap = icon.pixmap(size, size)
    painter = QPainter(pixmap)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(pixmap.rect(), color)
    painter.end()
    return QIcon(pixmap)
