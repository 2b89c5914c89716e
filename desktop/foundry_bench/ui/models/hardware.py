"""The Models page's Hardware section: this machine, and its execution providers.

Foundry Local lists GPU and NPU variants only for registered execution providers; here a
person sees which providers exist (registered or not), registers one (download with
progress, Cancel stops it), and the page reads the catalog again so the new variants appear.
Every probe and registration runs in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.run.hardware import machine_facts
from foundry_bench.core.run.runtime_eps import (
    ExecutionProvider,
    execution_providers,
    register_execution_providers,
)
from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.workers import JobContext, JobRunner, Task
from foundry_bench.ui.models.tasks import RuntimeAccess

PROBE_JOB = "hardware-probe"
REGISTER_JOB = "ep-register"
NONE_HERE = "No GPU or NPU execution providers here: models run on the CPU."


@dataclass(frozen=True)
class Hardware:
    summary: str
    providers: list[ExecutionProvider]


def probe(runtime: RuntimeAccess) -> Task:
    def task(ctx: JobContext) -> Hardware:
        eps = execution_providers(runtime())
        facts = machine_facts([ep.name for ep in eps])
        gpus = ", ".join(facts["gpus"]) or "none found"
        cores = facts.get("cpu_cores") or "?"
        summary = (
            f"CPU: {facts['cpu']} ({cores} cores, {facts['cpu_count']} threads) · "
            f"RAM: {facts['memory_gb']} GB · GPU: {gpus} · NPU: {facts['npu'] or 'none reported'}"
            f" · Power: {facts['power']}"
        )
        return Hardware(summary, eps)

    return task


def register(runtime: RuntimeAccess, name: str) -> Task:
    """Progress percentages arrive as ``yielded``; Cancel stops the download."""

    def task(ctx: JobContext) -> list[str]:
        return register_execution_providers(
            runtime(), [name], lambda _ep, pct: ctx.report(pct), ctx.cancel
        )

    return task


class HardwarePanel(QGroupBox):
    """Signals:
    registered(list): the execution providers just registered (the catalog is stale).
    """

    registered = Signal(list)

    def __init__(
        self,
        runner: JobRunner,
        notifier: Notifier,
        runtime: RuntimeAccess,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Hardware", parent)
        self._runner, self._notifier, self._runtime = runner, notifier, runtime
        self._providers: list[ExecutionProvider] = []
        self.summary = plain_label("Looking at this machine…")
        self.summary.setWordWrap(True)
        self.providers = QListWidget()
        self.register_button = QPushButton("Register")
        self.register_button.setToolTip("Download and register the selected execution provider")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.register_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.providers, 1)
        layout.addLayout(buttons)
        self.providers.currentRowChanged.connect(self._update_controls)
        self.register_button.clicked.connect(self.register_selected)
        self.cancel_button.clicked.connect(self.cancel)
        self._runner.busy_changed.connect(self._update_controls)
        self._update_controls()

    @property
    def registering(self) -> bool:
        return self._runner.is_running(REGISTER_JOB)

    def refresh(self) -> None:
        self._runner.start(
            PROBE_JOB,
            probe(self._runtime),
            label="Look at the hardware",
            on_finish=self._probed,
            on_error=lambda m: self.summary.setText(f"Cannot read the hardware: {m}"),
        )

    def register_selected(self) -> None:
        row = self.providers.currentRow()
        if not 0 <= row < len(self._providers) or self.registering:
            return
        name = self._providers[row].name
        self.progress.setValue(0)
        self._notifier.info(f"Registering {name}…")
        self._runner.start(
            REGISTER_JOB,
            register(self._runtime, name),
            label=f"Register {name}",
            on_yield=lambda pct: self.progress.setValue(int(float(pct))),
            on_finish=self._registered,
            on_error=self._failed,
        )
        self._update_controls()

    def cancel(self) -> None:
        if self._runner.cancel(REGISTER_JOB):
            self.progress.setValue(0)
            self._notifier.info("Registration cancelled; nothing changed.")
        self._update_controls()

    def _probed(self, hardware: Hardware) -> None:
        self.summary.setText(hardware.summary)
        self._providers = hardware.providers
        self.providers.clear()
        for ep in hardware.providers:
            self.providers.addItem(
                f"{ep.name}: {'registered' if ep.registered else 'not registered'}"
            )
        if not hardware.providers:
            self.providers.addItem(NONE_HERE)
        self._update_controls()

    def _registered(self, names: Any) -> None:
        self.progress.setValue(100)
        self._notifier.info(
            f"Registered {', '.join(names) or 'nothing new'}; reading the catalog again."
        )
        self.registered.emit(list(names))
        self.refresh()

    def _failed(self, _message: str) -> None:
        self.progress.setValue(0)  # the runner reports the message, as for every job
        self._update_controls()

    def _update_controls(self, *_args: object) -> None:
        row = self.providers.currentRow()
        selectable = 0 <= row < len(self._providers) and not self._providers[row].registered
        self.register_button.setEnabled(selectable and not self.registering)
        self.cancel_button.setEnabled(self.registering)
