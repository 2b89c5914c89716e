"""The worker pattern: a task in a worker thread, results as signals, cooperative cancel."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import SIGNAL

from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.workers import JobContext, JobRunner, running_threads

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def runner(qtbot):
    notifier = Notifier()
    runner = JobRunner(notifier)
    yield runner
    assert runner.shutdown(3.0)


def test_generator_yields_then_finishes(qtbot, runner):
    def task(ctx: JobContext):
        yield from range(3)
        return "done"

    seen: list[object] = []
    job = runner.start("count", task, on_yield=seen.append)
    with qtbot.waitSignal(job.finished, timeout=5000) as blocker:
        pass
    assert seen == [0, 1, 2]
    assert blocker.args == ["done"]
    assert not runner.is_running("count")
    qtbot.waitUntil(lambda: not running_threads(), timeout=3000)


def test_plain_function_result_and_report(qtbot, runner):
    def task(ctx: JobContext) -> int:
        ctx.report("halfway")
        return 42

    seen: list[object] = []
    job = runner.start("plain", task, on_yield=seen.append)
    with qtbot.waitSignal(job.finished, timeout=5000) as blocker:
        pass
    assert blocker.args == [42]
    assert seen == ["halfway"]


def test_error_goes_to_notifier_and_errored(qtbot, runner):
    def task(ctx: JobContext) -> None:
        raise ValueError("the disk is full")

    messages: list[tuple[str, str]] = []
    runner._notifier.message_posted.connect(lambda text, level: messages.append((text, level)))
    job = runner.start("boom", task, label="Save")
    with qtbot.waitSignal(job.errored, timeout=5000) as blocker:
        pass
    assert blocker.args == ["ValueError: the disk is full"]
    assert messages == [("Save: ValueError: the disk is full", "error")]
    assert not runner.is_running("boom")


def test_cancel_stops_generator_and_nothing_is_emitted_after(qtbot, runner):
    started = threading.Event()
    closed = threading.Event()

    def task(ctx: JobContext):
        try:
            i = 0
            while True:
                started.set()
                yield i
                i += 1
                ctx.cancel.wait(0.001)
        finally:
            closed.set()

    seen: list[object] = []
    done: list[object] = []
    job = runner.start("stream", task, on_yield=seen.append, on_finish=done.append)
    qtbot.waitUntil(lambda: len(seen) >= 3, timeout=5000)
    assert runner.cancel("stream")
    count = len(seen)
    assert job.wait(3.0)
    assert closed.is_set()
    # Values the worker queued before it saw the flag must not arrive now.
    qtbot.wait(1)  # flush posted events once (not a timing sleep)
    assert len(seen) == count
    assert done == []
    assert running_threads() == []


def test_new_job_of_a_kind_cancels_and_disconnects_the_old(qtbot, runner):
    release = threading.Event()

    def slow(ctx: JobContext) -> str:
        release.wait(5)
        return "old"

    old_results: list[object] = []
    old = runner.start("refresh", slow, on_finish=old_results.append)
    new = runner.start("refresh", lambda ctx: "new")
    assert old.cancelled
    for signature in ("yielded(PyObject)", "finished(PyObject)", "errored(QString)"):
        assert old.receivers(SIGNAL(signature)) == 0, signature
    with qtbot.waitSignal(new.finished, timeout=5000) as blocker:
        pass
    assert blocker.args == ["new"]
    release.set()
    assert old.wait(3.0)
    qtbot.wait(1)
    assert old_results == []


def test_cancel_event_reaches_blocking_calls(qtbot, runner):
    def task(ctx: JobContext) -> str:
        # The SDK's download takes the event and returns when it is set.
        ctx.cancel.wait(10)
        return "stopped"

    job = runner.start("download", task)
    runner.cancel("download")
    assert job.wait(2.0)


def test_shutdown_cancels_everything(qtbot):
    runner = JobRunner()
    jobs = [runner.start(f"k{i}", lambda ctx: ctx.cancel.wait(10)) for i in range(3)]
    assert len(running_threads()) == 3
    assert runner.shutdown(3.0)
    assert all(j.cancelled for j in jobs)
    assert running_threads() == []


def test_shutdown_reports_a_task_that_ignores_cancel(qtbot):
    runner = JobRunner()
    release = threading.Event()
    runner.start("stubborn", lambda ctx: release.wait(10))
    assert runner.shutdown(0.05) is False
    release.set()
    qtbot.waitUntil(lambda: not running_threads(), timeout=3000)


def test_the_app_collects_garbage_on_the_gui_thread_only(qapp) -> None:  # type: ignore[no-untyped-def]
    import gc

    from PySide6.QtCore import QObject

    from foundry_bench.ui.base.gui_gc import GuiThreadCollector

    was_enabled = gc.isenabled()
    gc.enable()
    parent = QObject()
    try:
        collector = GuiThreadCollector(parent, interval_ms=10_000)
        assert not gc.isenabled()  # no collection can start on a worker thread
        cycles = []
        for _ in range(gc.get_threshold()[0] + 10):
            a: list[object] = []
            a.append(a)
            cycles.append(a)
        del a, cycles
        assert collector.collect_if_due() > 0  # due: the timer's call frees the cycles
        assert collector.collect_if_due() == 0  # counts reset: nothing is due now
    finally:
        parent.deleteLater()
        if was_enabled:
            gc.enable()


def test_long_lived_data_is_built_without_collections_then_frozen(qapp) -> None:  # type: ignore[no-untyped-def]
    """A reopened run's objects are made while no collection runs, and are never scanned
    afterwards: frozen (the GUI-thread collection of 200,000 fresh objects took 110-150 ms)."""
    import gc

    from PySide6.QtCore import QObject

    from foundry_bench.ui.base.gui_gc import GuiThreadCollector, building_long_lived

    parent = QObject()
    built: list[list[object]] = []
    try:
        collector = GuiThreadCollector(parent, interval_ms=10_000)
        frozen_before = gc.get_freeze_count()
        with building_long_lived():
            for _ in range(gc.get_threshold()[0] + 10):
                a: list[object] = []
                a.append(a)
                built.append(a)
            assert collector.collect_if_due() == 0  # due, but a worker is building
        assert gc.get_freeze_count() >= frozen_before + len(built)
        tracked = {id(o) for o in gc.get_objects()}  # the generations a collection scans
        assert not any(id(a) in tracked for a in built)
        assert collector.collect_if_due() == 0  # nothing young is left to collect
    finally:
        parent.deleteLater()
        gc.unfreeze()
