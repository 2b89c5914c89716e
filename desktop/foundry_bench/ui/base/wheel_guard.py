"""Spin boxes and combo boxes take the mouse wheel only when they have the keyboard focus.

Qt gives the wheel to whatever field is under the pointer, so scrolling a form changed the
settings it passed over (Rounds 3 -> 1, Max tokens 256 -> 254). One application-wide event
filter covers every such field in every page and dialog, including ones created later: an
unfocused field hands the wheel to the scroll area around it, which scrolls instead.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)

_GUARDED = (QAbstractSpinBox, QComboBox)


def _guarded_field(obj: QObject) -> QWidget | None:
    """The spin box or combo box ``obj`` is, or whose line edit it is; else None."""
    if isinstance(obj, _GUARDED):
        return obj
    parent = obj.parent() if isinstance(obj, QWidget) else None
    return parent if isinstance(parent, _GUARDED) else None


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


class WheelGuard(QObject):
    """The filter; ``install_wheel_guard`` puts one on the QApplication."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(obj, _GUARDED):
            # Qt focuses a WheelFocus field as the wheel passes over it, before any filter
            # sees the event; the next notch would then change it. Click or Tab only.
            if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind != QEvent.Type.Wheel:
            return False
        field = _guarded_field(obj)
        if field is None or field.hasFocus():
            return False
        area = _scroll_area_around(field)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        return True


def install_wheel_guard(app: QApplication) -> WheelGuard:
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    return guard
