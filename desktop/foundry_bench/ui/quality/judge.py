"""The optional automatic judge: a local model scores the answers on the same rubric.

It is labelled as automatic everywhere: its scores go to their own file
(``annotations-judge-<model>.json``, annotator ``judge:<model>``), never into the people's
means, and the Agreement tab compares it with the people. The requests run in a worker; the
worker owns the judge's file while it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.config.models import ModelSpec
from foundry_bench.core.config.rubric import Criterion
from foundry_bench.core.quality.files import load_annotations
from foundry_bench.core.quality.judge import (
    JudgeProgress,
    judge_file_name,
    new_judge_set,
    run_judge,
)
from foundry_bench.core.results.records import Run
from foundry_bench.core.run.endpoint.client import ChatEndpoint
from foundry_bench.core.run.providers import ProviderFactory
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.workers import JobContext, JobRunner
from foundry_bench.ui.quality.widgets import muted

JUDGE_JOB = "quality-judge"
JUDGE_TIMEOUT_S = 60.0


def judge_task(
    run: Run,
    run_dir: Path,
    model: str,
    criteria: list[Criterion],
    provider_factory: ProviderFactory,
) -> Callable[[JobContext], Generator[JudgeProgress, None, Path]]:
    """A worker task that scores every answer with ``model``; returns the judge file's path."""

    def task(ctx: JobContext) -> Generator[JudgeProgress, None, Path]:
        path = run_dir / judge_file_name(model)
        provider = provider_factory()
        spec = ModelSpec(id=model)
        prepared = provider.prepare(spec)  # loads the model if needed (outside any timing)
        try:
            if path.exists():
                judge_set = load_annotations(path)
            else:
                judge_set = new_judge_set(run, model, criteria, prepared.base_url)
            with ChatEndpoint(prepared.base_url, provider.api_key, JUDGE_TIMEOUT_S) as endpoint:
                yield from run_judge(
                    run, judge_set, path, endpoint, prepared.request_model, cancel=ctx.cancel
                )
        finally:
            provider.release(spec, prepared)
        return path  # a generator's return value becomes the job's `finished`

    return task


class JudgePanel(QGroupBox):
    """Signals:
    judge_finished(object): the judge's file (``Path``) was written (also after Stop, when
        the scores so far are on disk: a stopped judge is still an annotator).
    """

    judge_finished = Signal(object)

    def __init__(
        self,
        runner: JobRunner,
        providers: Callable[[], ProviderFactory],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Automatic judge — a model's scores, not a person's", parent)
        self.runner = runner
        self.providers = providers  # asked at each start: the endpoint may have changed
        self.run: Run | None = None
        self.run_dir: Path | None = None
        self.criteria: list[Criterion] = []
        self._judge_file: Path | None = None  # the file of the judge running now
        self.model_box = QComboBox()
        self.model_box.setEditable(True)
        self.model_box.setMinimumContentsLength(24)
        self.start_button = QPushButton("Score with this model")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.status = muted(plain_label("Optional. Kept apart from people's scores."))
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(plain_label("Judge model:"))
        row.addWidget(self.model_box, 1)
        row.addWidget(self.start_button)
        row.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.setEnabled(False)

    def set_run(self, run: Run | None, run_dir: Path | None, criteria: list[Criterion]) -> None:
        if self.runner.is_running(JUDGE_JOB):
            self.stop()
        self.run, self.run_dir, self.criteria = run, run_dir, criteria
        self.model_box.clear()
        if run is not None:
            self.model_box.addItems([m.id for m in run.models])
        self.setEnabled(run is not None)

    def start(self) -> None:
        model = self.model_box.currentText().strip()
        if not model or self.run is None or self.run_dir is None:
            return
        task = judge_task(self.run, self.run_dir, model, self.criteria, self.providers())
        self._judge_file = self.run_dir / judge_file_name(model)
        self.status.setText(f"Asking {model} to score the answers…")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.runner.start(
            JUDGE_JOB,
            task,
            label=f"Judge with {model}",
            on_yield=self._progress,
            on_finish=self._finished,
            on_error=self._failed,
        )

    def stop(self) -> None:
        self.runner.cancel(JUDGE_JOB)
        self.status.setText("Stopped; the scores so far are kept. Start again to resume.")
        self._idle()
        path, self._judge_file = self._judge_file, None
        if path is not None:  # the file exists once the judge scored something
            self.runner.start(
                f"{JUDGE_JOB}-kept",
                lambda _ctx: path if path.is_file() else None,
                label="Judge's scores so far",
                on_finish=self._kept,
            )

    def _kept(self, path: Path | None) -> None:
        if path is not None:
            self.judge_finished.emit(path)

    def _progress(self, p: JudgeProgress) -> None:
        text = f"{p.done} of {p.total} asked · {p.scored} scored"
        if p.unparsed:
            text += f" · {p.unparsed} replies without a 1–5 score"
        if p.last_error:
            text += f" · last error: {p.last_error}"
        self.status.setText(text)

    def _finished(self, path: object) -> None:
        self._idle()
        self.status.setText(f"Done: {self.status.text()}")
        self.judge_finished.emit(path)

    def _failed(self, message: str) -> None:
        self._idle()
        self.status.setText(f"The judge stopped: {message}")

    def _idle(self) -> None:
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
