"""The "Try it" box: send one prompt to the selected model and watch the reply stream in.

The reply is read with the ``openai`` client in a worker; text is handed to the GUI in small
batches (every ~30 ms), because a local model can stream thousands of tokens a second and a
signal per token would keep the GUI thread busy painting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core import keychain
from foundry_bench.core.redaction import split_query
from foundry_bench.core.run.host_pool import HostPool
from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.core.units import fmt_seconds
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.workers import JobContext, JobRunner, Task
from foundry_bench.ui.models.table_model import ModelRow

JOB_KIND = "try-it"
FLUSH_S = 0.03
MAX_TOKENS = 200
REQUEST_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Reply:
    model: str
    text: str
    chunks: int
    ttft_s: float | None
    elapsed_s: float


def stream_reply(
    base_url: Callable[[], str],
    model: str,
    prompt: str,
    api_key: str | None = None,
    max_tokens: int = MAX_TOKENS,
) -> Task:
    """A task that yields text batches and returns a :class:`Reply`.

    ``base_url`` is called in the worker: for the embedded runtime it may start the web
    service first. ``api_key`` ``None``: the environment's or the keychain's, read there too.
    """

    def task(ctx: JobContext) -> Generator[str, None, Reply | None]:
        from openai import OpenAI

        base, query = split_query(base_url())
        client = OpenAI(
            base_url=base,
            api_key=api_key or keychain.api_key() or "not-needed",
            default_query=query or None,
            max_retries=0,
            timeout=REQUEST_TIMEOUT_S,
        )
        try:
            started = time.perf_counter()
            stream = client.chat.completions.create(
                model=model,
                messages=[{"role": "user", "content": prompt}],
                max_tokens=max_tokens,
                stream=True,
            )
            text: list[str] = []
            pending: list[str] = []
            first: float | None = None
            flushed = started
            try:
                for chunk in stream:
                    if ctx.cancelled:
                        return None
                    delta = chunk.choices[0].delta.content if chunk.choices else None
                    if not delta:
                        continue
                    now = time.perf_counter()
                    first = first if first is not None else now - started
                    text.append(delta)
                    pending.append(delta)
                    if now - flushed >= FLUSH_S:
                        yield "".join(pending)
                        pending.clear()
                        flushed = now
            finally:
                stream.close()
            if pending:
                yield "".join(pending)
            return Reply(model, "".join(text), len(text), first, time.perf_counter() - started)
        finally:
            client.close()

    return task


class TryItPanel(QGroupBox):
    """Prompt line, Send/Stop, and the streamed reply.

    Signals:
        reply_started(str): the model id a prompt was sent to.
        reply_finished(object): the :class:`Reply` once the stream ended.
        reply_failed(str): why the request failed.
    """

    reply_started = Signal(str)
    reply_finished = Signal(object)
    reply_failed = Signal(str)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__("Try it", parent)
        self._runner = runner
        self._target: str | None = None
        self._base_url: Callable[[], str] | None = None
        self._api_key: str | None = None

        self.target_label = plain_label()
        self.target_label.setTextFormat(Qt.TextFormat.PlainText)
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText("Ask the selected model something, then press Enter")
        self.prompt.setClearButtonEnabled(True)
        self.send_button = QPushButton("Send")
        self.send_button.setDefault(False)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The reply streams here.")
        self.stats = plain_label()
        self.stats.setTextFormat(Qt.TextFormat.PlainText)
        self.stats.setEnabled(False)  # drawn in the muted colour

        row = QHBoxLayout()
        row.addWidget(self.prompt, 1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.target_label)
        layout.addLayout(row)
        layout.addWidget(self.output, 1)
        layout.addWidget(self.stats)

        self.prompt.returnPressed.connect(self.send)
        self.prompt.textChanged.connect(self._update_controls)
        self.send_button.clicked.connect(self._send_or_stop)
        self.set_target(None, None, "Select a model above.")

    @property
    def streaming(self) -> bool:
        return self._runner.is_running(JOB_KIND)

    def set_target(
        self,
        model_id: str | None,
        base_url: Callable[[], str] | None,
        hint: str = "",
        api_key: str | None = None,
    ) -> None:
        """The model replies come from; ``base_url`` None means it cannot answer (``hint``)."""
        self._target = model_id
        self._base_url = base_url
        self._api_key = api_key
        if model_id and base_url:
            self.target_label.setText(f"Model: {model_id}")
        else:
            self.target_label.setText(hint)
        self._update_controls()

    def send(self) -> None:
        prompt = self.prompt.text().strip()
        if not (prompt and self._target and self._base_url) or self.streaming:
            return
        self.output.clear()
        self.stats.setText("Waiting for the first token…")
        model = self._target
        self._runner.start(
            JOB_KIND,
            stream_reply(self._base_url, model, prompt, self._api_key),
            label=f"Try it ({model})",
            on_yield=self._append,
            on_finish=self._finished,
            on_error=self._failed,
        )
        self.reply_started.emit(model)
        self._update_controls()

    def stop(self) -> None:
        if self._runner.cancel(JOB_KIND):
            self.stats.setText("Stopped.")
        self._update_controls()

    def _send_or_stop(self) -> None:
        if self.streaming:
            self.stop()
        else:
            self.send()

    def _append(self, text: object) -> None:
        cursor = self.output.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(str(text))
        self.output.setTextCursor(cursor)
        self.output.ensureCursorVisible()

    def _finished(self, reply: object) -> None:
        self._update_controls()
        if not isinstance(reply, Reply):
            return
        if not reply.text:
            self.stats.setText("The model returned no text.")
        else:
            first = f"first text after {fmt_seconds(reply.ttft_s)} · " if reply.ttft_s else ""
            self.stats.setText(
                f"{first}{reply.chunks} chunks in {reply.elapsed_s:.2f} s from {reply.model}"
            )
        self.reply_finished.emit(reply)

    def _failed(self, message: str) -> None:
        self.stats.setText(f"Failed: {message}")
        self._update_controls()
        self.reply_failed.emit(message)

    def _update_controls(self) -> None:
        streaming = self.streaming
        ready = bool(self._target and self._base_url)
        self.send_button.setText("Stop" if streaming else "Send")
        self.send_button.setEnabled(streaming or (ready and bool(self.prompt.text().strip())))
        self.prompt.setEnabled(ready or streaming)

    def follow(
        self, row: ModelRow | None, endpoint: str | None, runtime: Callable[[], FoundryRuntime]
    ) -> None:
        """Point at the Models page's selected row: an external server's model, or a model the
        embedded runtime has loaded; otherwise say what to do first."""
        if row is None:
            self.set_target(None, None, "Select a model above to try it.")
            return
        model_id = row.id
        if endpoint is not None:
            self.set_target(model_id, lambda: endpoint)
        elif row.entry.loaded and row.busy is None:
            # The model's runtime host (Load on this page started it), as a run would use it.
            self.set_target(model_id, lambda: HostPool.shared().base_url(model_id))
        else:
            self.set_target(None, None, f"Load {row.entry.alias} (toolbar above) to try it.")
