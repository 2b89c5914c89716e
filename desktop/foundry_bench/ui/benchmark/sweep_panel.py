"""The Sweep tab of the Benchmark page's setup side: the grid of a workload sweep.

The sweep runs the models ticked in the Setup tab with its settings (rounds, warm-up, seed,
timeout), over the prompt sizes, output lengths, context depths and concurrencies given here
(the same values ``foundry-bench sweep`` takes), and saves an ordinary run folder.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.results.run_settings import (
    FIELD_LABELS,
    MAX_CONCURRENCY,
    RunSettings,
    run_settings_problems,
)
from foundry_bench.core.run.runner import new_run_id
from foundry_bench.core.sweep.grid import (
    MAX_OUTPUT_TOKENS,
    MAX_PROMPT_TOKENS,
    GridError,
    SweepGrid,
    parse_sizes,
)
from foundry_bench.core.sweep.plan import SweepPlan
from foundry_bench.ui.base.plain_text import plain_label

ABOUT = (
    "A sweep sends synthetic prompts of each size (calibrated to the server's own token "
    "counts) to the models ticked in Setup, with its rounds and warm-up per point: TTFT vs "
    "prompt size (prefill rate), decode rate vs output length and context, throughput vs "
    "requests in flight, and the largest prompt each model accepts."
)


class SweepPanel(QWidget):
    """Signals:
    changed(): a field was edited.
    start_requested(): the user pressed Start sweep.
    """

    changed = Signal()
    start_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompt_tokens = QLineEdit("128,512,2048")
        self.output_tokens = QLineEdit("64,256")
        self.context_depth = QLineEdit("0")
        self.concurrency = QLineEdit("1,2,4")
        self.probe = QCheckBox("Probe the largest prompt each model accepts")
        self.probe.setChecked(True)
        self.start_button = QPushButton("Start sweep")
        self.problems_label = plain_label()
        self.problems_label.setWordWrap(True)
        about = plain_label(ABOUT)
        about.setWordWrap(True)
        about.setEnabled(False)
        form = QFormLayout()
        form.addRow("Prompt tokens", self.prompt_tokens)
        form.addRow("Output tokens", self.output_tokens)
        form.addRow("Context depth", self.context_depth)
        form.addRow("In flight", self.concurrency)
        for edit in self._edits():
            edit.setPlaceholderText("whole numbers, like 128,512")
            edit.textChanged.connect(self.changed)
        self.probe.toggled.connect(self.changed)
        self.start_button.clicked.connect(self.start_requested)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(self.probe)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.start_button)
        layout.addStretch(1)

    def _edits(self) -> tuple[QLineEdit, ...]:
        return (self.prompt_tokens, self.output_tokens, self.context_depth, self.concurrency)

    def grid(self) -> SweepGrid:
        """The grid as typed; ``GridError`` names the field and the problem."""
        return SweepGrid(
            prompt_tokens=parse_sizes(
                self.prompt_tokens.text(), "Prompt tokens", 1, MAX_PROMPT_TOKENS
            ),
            output_tokens=parse_sizes(
                self.output_tokens.text(), "Output tokens", 1, MAX_OUTPUT_TOKENS
            ),
            context_depth=parse_sizes(
                self.context_depth.text(), "Context depth", 0, MAX_PROMPT_TOKENS
            ),
            concurrency=parse_sizes(self.concurrency.text(), "In flight", 1, MAX_CONCURRENCY),
        )

    def check(self, models: list[ModelSpec], settings: RunSettings) -> SweepGrid | None:
        """The grid when a sweep of ``models`` with ``settings`` can start, else None; either
        way the panel says why not, or how many points it will run."""
        problems = [] if models else ["Tick at least one model in the Setup tab."]
        problems += [f"{FIELD_LABELS[n]} {p}." for n, p in run_settings_problems(settings)]
        grid = None
        try:
            grid = self.grid()
        except GridError as exc:
            problems.append(str(exc))
        ok = not problems
        self.start_button.setEnabled(ok)
        self.problems_label.setStyleSheet("" if ok else "color: #d9534f;")
        points = len(grid.points) if grid is not None else 0
        self.problems_label.setText(
            f"Ready: {points} point(s) per model" if ok else "\n".join(f"• {p}" for p in problems)
        )
        return grid if ok else None

    def plan(self, models: list[ModelSpec], settings: RunSettings) -> SweepPlan | None:
        """The sweep to start (None, with the reason shown, when it cannot): every point's
        rounds and warm-ups are the settings'; max tokens and concurrency the grid's."""
        grid = self.check(models, settings)
        if grid is None:
            return None
        return SweepPlan(
            models=models,
            prompts=[],
            settings=replace(
                settings, max_tokens=max(grid.output_tokens), concurrency=max(grid.concurrency)
            ),
            run_id=new_run_id(),
            grid=grid,
            probe_context=self.probe.isChecked(),
        )

    def set_enabled_for_run(self, running: bool) -> None:
        for widget in (*self._edits(), self.probe, self.start_button):
            widget.setEnabled(not running)
