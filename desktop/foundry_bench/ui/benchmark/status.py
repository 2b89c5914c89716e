"""The run strip above the charts: Start / Cancel, progress with ETA, what runs now, and a
status badge per model (ok, failed with its reason, skipped)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.units import fmt_seconds
from foundry_bench.ui.base.plain_text import plain_label, plain_tooltip, rich_label
from foundry_bench.ui.benchmark.results_table import STATUS_COLORS
from foundry_bench.ui.benchmark.run import Progress

REASON_CHARS = 60
IDLE_TEXT = "Set up a run on the left, then press Start."


def format_duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 10:
        return fmt_seconds(seconds)  # "840 ms", "2.41 s": never "took 0 s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"


class RunStrip(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style = self.style()
        self.start_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Start"
        )
        self.start_button.setToolTip("Run the benchmark set up on the left")
        self.cancel_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaStop), "Cancel"
        )
        self.cancel_button.setToolTip(
            "Stop within the request in flight; everything finished so far is kept"
        )
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("no run yet")
        self.progress.setMinimumWidth(200)
        self.eta_label = plain_label()
        self.eta_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("0" * 36))
        self.current_label = plain_label(IDLE_TEXT)
        # Text that changes at every batch must never resize the layout (and with it every
        # chart below): a long model id is cut, not allowed to widen the page.
        self.current_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.badges_policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.current_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badges = rich_label()
        self.badges.setWordWrap(True)
        self.badges.setSizePolicy(self.badges_policy)
        # Two lines reserved: a badge that changes must not resize the charts below it
        # (a resize redraws every plot).
        self.badges.setMinimumHeight(2 * self.fontMetrics().lineSpacing() + 4)
        self._statuses: dict[str, tuple[str, str]] = {}
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.start_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.progress, 1)
        top.addWidget(self.eta_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.current_label)
        layout.addWidget(self.badges)

    # -- state --------------------------------------------------------------------------------

    def set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.cancel_button.setText("Cancel")

    def set_cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.current_label.setText("Cancelling: finishing the request in flight…")

    def set_progress(self, value: int, maximum: int, text: str = "%v / %m requests") -> None:
        # QProgressBar.setValue repaints at once (synchronously); with updates off it only
        # marks itself dirty and is painted with the rest of the window.
        self.progress.setUpdatesEnabled(False)
        self.progress.setFormat(text)
        self.progress.setRange(0, max(maximum, 1))
        self.progress.setValue(value)
        self.progress.setUpdatesEnabled(True)
        self.progress.update()

    def show_progress(self, p: Progress) -> None:
        self.set_progress(p.done, p.total)
        self.eta_label.setText(
            f"{format_duration(p.elapsed_s)} elapsed"
            + (f" · about {format_duration(p.eta_s)} left" if p.eta_s is not None else "")
        )
        if p.model:
            where = f"Model {p.model_index + 1}/{p.model_count}: {p.model}"
            self.current_label.setText(where + (f" · prompt {p.prompt}" if p.prompt else ""))

    def show_finished(self, done: int, total: int, elapsed_s: float, status: str) -> None:
        if status == "completed":
            # Requests of a failed model are never sent: the run is complete all the same.
            unsent = total - done
            text = f"{done} requests" + (f" ({unsent} not sent: model failed)" if unsent else "")
            self.set_progress(total, total, text)
        else:
            self.set_progress(done, total, f"%v / %m requests ({status})")
        self.eta_label.setText(f"took {format_duration(elapsed_s)}")

    def show_message(self, text: str) -> None:
        self.current_label.setText(text)

    def reset_models(self, model_ids: list[str]) -> None:
        self._statuses = {m: ("pending", "") for m in model_ids}
        self._render()

    def set_model_status(self, model_id: str, status: str, error: str = "") -> None:
        self._statuses[model_id] = (status, error)
        self._render()

    def status_of(self, model_id: str) -> tuple[str, str] | None:
        return self._statuses.get(model_id)

    def _render(self) -> None:
        parts = []
        tips = []
        for model, (status, error) in self._statuses.items():
            color = STATUS_COLORS.get(status, "#8a8d93")
            reason = f" — {html.escape(_short(error))}" if error else ""
            parts.append(
                f'<span style="color:{color}">●</span> {html.escape(model)}: '
                f'<b style="color:{color}">{status}</b>{reason}'
            )
            tips.append(f"{model}: {status}" + (f": {error}" if error else ""))
        self.badges.setText("&nbsp;&nbsp;&nbsp; ".join(parts))
        self.badges.setToolTip(plain_tooltip("\n".join(tips)))
