"""The Models page's Hardware section: the machine, its execution providers, registering one.

Discovery returns nothing on these machines (checked first, with the real SDK); the
registration plumbing runs against the SDK's own EpInfo/EpDownloadResult types."""

from __future__ import annotations

from typing import Any

import pytest

from factories import fake_native_eps
from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.workers import JobRunner, running_threads
from foundry_bench.ui.models.hardware import NONE_HERE, HardwarePanel

pytestmark = pytest.mark.runtime


@pytest.fixture
def panel(qtbot: Any) -> HardwarePanel:
    notifier = Notifier()
    runner = JobRunner(notifier)
    panel = HardwarePanel(runner, notifier, FoundryRuntime.get)
    qtbot.addWidget(panel)
    yield panel
    runner.shutdown(5.0)


def _probe(qtbot: Any, panel: HardwarePanel) -> None:
    panel.refresh()
    qtbot.waitUntil(lambda: panel.providers.count() > 0, timeout=10000)


def test_this_machine_has_no_accelerator_to_register(qtbot: Any, panel: HardwarePanel) -> None:
    _probe(qtbot, panel)
    assert "CPU:" in panel.summary.text() and "RAM:" in panel.summary.text()
    assert [panel.providers.item(i).text() for i in range(panel.providers.count())] == [NONE_HERE]
    panel.providers.setCurrentRow(0)
    assert not panel.register_button.isEnabled()


def test_register_an_execution_provider_with_progress(
    qtbot: Any, panel: HardwarePanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_native_eps(FoundryRuntime.get(), monkeypatch)
    _probe(qtbot, panel)
    assert panel.providers.item(0).text() == "CUDAExecutionProvider: not registered"
    panel.providers.setCurrentRow(0)
    assert panel.register_button.isEnabled()
    with qtbot.waitSignal(panel.registered, timeout=10000) as done:
        panel.register_button.click()
    assert done.args[0] == ["CUDAExecutionProvider"] and panel.progress.value() == 100
    qtbot.waitUntil(lambda: panel.providers.item(0).text().endswith(": registered"))
    assert fake.calls == [["CUDAExecutionProvider"]]


def test_cancel_a_registration(
    qtbot: Any, panel: HardwarePanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_native_eps(FoundryRuntime.get(), monkeypatch)
    fake.steps = 10**6  # a download that would take long
    _probe(qtbot, panel)
    panel.providers.setCurrentRow(1)
    panel.register_button.click()
    assert panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=10000)
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not running_threads(), timeout=10000)  # the download stopped
    assert not fake.eps["QNNExecutionProvider"]
    assert not panel.cancel_button.isEnabled()


def test_a_failed_registration_says_so_and_changes_nothing(
    qtbot: Any, panel: HardwarePanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_native_eps(FoundryRuntime.get(), monkeypatch)
    fake.fail = "CUDAExecutionProvider"
    _probe(qtbot, panel)
    panel.providers.setCurrentRow(0)
    panel.register_button.click()
    qtbot.waitUntil(lambda: panel._notifier.last_error is not None, timeout=10000)
    assert "cannot register CUDAExecutionProvider (Failed: no driver)" in panel._notifier.last_error
    assert panel.progress.value() == 0
    assert not fake.eps["CUDAExecutionProvider"]
