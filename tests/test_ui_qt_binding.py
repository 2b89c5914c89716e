"""Guards against Qt binding bugs that would take the whole app down."""

from __future__ import annotations

import sys

import pytest
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    happened = Signal(object)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True is immortal from Python 3.12")
def test_signal_emit_keeps_the_reference_count_of_true(qapp):
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for i in range(50):
        emitter.happened.emit(i)
    lost = before - sys.getrefcount(True)
    assert lost < 10, (
        f"PySide6 {pyside_version} drops a reference to True on every Signal.emit(); on "
        "Python 3.11 the interpreter aborts ('bool_dealloc') after a few hundred emits. "
        "PySide6 6.12.0 has this bug; 6.11.3 does not."
    )
