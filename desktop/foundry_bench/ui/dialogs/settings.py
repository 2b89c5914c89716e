"""File > Settings: where models are served from, where runs go, default benchmark settings.

The values are the CLI's own (``core.settings``): the dialog edits an ``AppSettings`` and the
window saves it in a worker. An API key typed here goes to the OS keychain
(``core.keychain``), never into ``settings.json``; a URL that carries one is refused, so the file
and the status bar never hold credentials. Keychain calls run in workers (they can block).
"""

from __future__ import annotations

import os
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core import keychain
from foundry_bench.core.paths import AppPaths
from foundry_bench.core.redaction import API_KEY_ENV, has_credentials, redact_url
from foundry_bench.core.results.run_settings import (
    MAX_LABEL_CHARS,
    RunSettings,
    host_label,
    label_problem,
)
from foundry_bench.core.run.providers import ENDPOINT_ENV, normalize_base_url
from foundry_bench.core.settings import AppSettings
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.workers import JobContext, JobRunner, Task
from foundry_bench.ui.benchmark.settings_form import RunSettingsForm

TEST_TIMEOUT_S = 5.0


def list_server_models(base_url: str, api_key: str | None) -> Task:
    """``GET /models`` with ``api_key`` (``None``: the environment's or the keychain's)."""

    def task(ctx: JobContext) -> list[str]:
        from foundry_bench.core.run.endpoint.client import ChatEndpoint

        key = api_key if api_key is not None else keychain.api_key()
        with ChatEndpoint(base_url, api_key=key, timeout_s=TEST_TIMEOUT_S) as endpoint:
            return endpoint.list_models()

    return task


class SettingsDialog(QDialog):
    """Signals:
    connection_tested(object): the model ids the server listed.
    connection_failed(str): why the test failed.
    key_state_shown(str): where the key comes from, once read in a worker.
    """

    connection_tested = Signal(object)
    connection_failed = Signal(str)
    key_state_shown = Signal(str)

    def __init__(
        self,
        settings: AppSettings,
        paths: AppPaths,
        runner: JobRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._runner = runner
        self._paths = paths
        self._original = settings
        self.result_settings: AppSettings | None = None

        layout = QVBoxLayout(self)
        layout.addWidget(self._endpoint_group(settings))
        layout.addWidget(self._folders_group(settings, paths))
        layout.addWidget(self._defaults_group(settings.defaults))
        self.error_label = plain_label()
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet("color: #d9534f;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update_endpoint_controls()
        self.resize(560, self.sizeHint().height())
        self._runner.start(
            "settings-key-source",
            lambda ctx: keychain.key_source(),
            label="Read the API key's source",
            on_finish=self._show_key_state,
        )

    # -- groups -------------------------------------------------------------------------------

    def _endpoint_group(self, settings: AppSettings) -> QGroupBox:
        group = QGroupBox("Models are served by")
        self.embedded_radio = QRadioButton("The embedded Foundry Local runtime (default, offline)")
        self.url_radio = QRadioButton("An OpenAI-compatible server at:")
        choice = QButtonGroup(group)
        choice.addButton(self.embedded_radio)
        choice.addButton(self.url_radio)
        self.url_edit = QLineEdit(redact_url(settings.endpoint or ""))
        self.url_edit.setPlaceholderText("http://127.0.0.1:11434/v1 (Ollama, llama.cpp, vLLM, …)")
        self.test_button = QPushButton("Test connection")
        self.test_status = plain_label()
        self.test_status.setTextFormat(Qt.TextFormat.PlainText)
        self.test_status.setWordWrap(True)
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("API key, if the server needs one")
        self.forget_key_box = QCheckBox("Forget the stored key")
        self.key_state = plain_label("API key: …")
        self.key_state.setTextFormat(Qt.TextFormat.PlainText)
        self.key_state.setEnabled(False)
        self.server_models = QListWidget()
        self.server_models.setMaximumHeight(96)
        self.server_models.hide()
        (self.url_radio if settings.endpoint else self.embedded_radio).setChecked(True)

        url_row = QHBoxLayout()
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(self.test_button)
        box = QVBoxLayout(group)
        box.addWidget(self.embedded_radio)
        box.addWidget(self.url_radio)
        box.addLayout(url_row)
        key_row = QHBoxLayout()
        key_row.addWidget(plain_label("API key:"))
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.forget_key_box)
        box.addLayout(key_row)
        box.addWidget(self.key_state)
        box.addWidget(self.test_status)
        box.addWidget(self.server_models)
        notes = []
        if os.environ.get(ENDPOINT_ENV):
            notes.append(f"{ENDPOINT_ENV} is set and takes precedence over this choice.")
        notes.append(
            f"A key typed here is kept in the OS keychain; {API_KEY_ENV}, when set, takes "
            "precedence. Keys are never written to a file."
        )
        note = plain_label(" ".join(notes))
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        note.setEnabled(False)
        box.addWidget(note)

        self.embedded_radio.toggled.connect(self._update_endpoint_controls)
        self.url_edit.textChanged.connect(self._update_endpoint_controls)
        self.test_button.clicked.connect(self.test_connection)
        return group

    def _folders_group(self, settings: AppSettings, paths: AppPaths) -> QGroupBox:
        group = QGroupBox("Folders")
        form = QFormLayout(group)
        self.runs_edit = QLineEdit(settings.runs_dir or "")
        self.runs_edit.setPlaceholderText(str(paths.runs_dir))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_runs)
        runs_row = QHBoxLayout()
        runs_row.addWidget(self.runs_edit, 1)
        runs_row.addWidget(browse)
        form.addRow("Benchmark runs:", runs_row)
        for label, folder in (
            ("Model cache:", paths.model_cache_dir),
            ("Logs:", paths.logs_dir),
            ("Settings file:", paths.settings_file),
        ):
            value = plain_label(str(folder))
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value)
        return group

    def _defaults_group(self, defaults: RunSettings) -> QGroupBox:
        group = QGroupBox("Default benchmark settings")
        form = QFormLayout(group)
        # The Benchmark page's own form, so every run setting (the request deadline too) has
        # a default here, with the same ranges and checks.
        self.run_form = RunSettingsForm(defaults)
        self.label_edit = QLineEdit(defaults.label)
        self.label_edit.setMaxLength(MAX_LABEL_CHARS)
        self.label_edit.setPlaceholderText(host_label())
        self.label_edit.setToolTip(
            "names this device in results.json (environment.label) and in the fleet table "
            "that merges runs of many machines; empty: the host name"
        )
        form.addRow(self.run_form)
        form.addRow("Device label", self.label_edit)
        return group

    # -- behaviour ----------------------------------------------------------------------------

    def test_connection(self) -> None:
        try:
            base_url = normalize_base_url(self.url_edit.text())
        except ValueError as exc:
            self._connection_failed(str(exc))
            return
        self.test_status.setText(f"Connecting to {redact_url(base_url)}…")
        self.server_models.clear()
        self.server_models.hide()
        self.test_button.setEnabled(False)
        self._runner.start(
            "settings-test-connection",
            list_server_models(base_url, self.key_edit.text().strip() or None),
            label="Test connection",
            on_finish=self._connection_ok,
            on_error=self._connection_failed,
        )

    def accept(self) -> None:
        endpoint = None
        if self.url_radio.isChecked():
            try:
                endpoint = normalize_base_url(self.url_edit.text())
            except ValueError as exc:
                self._refuse(f"Server URL: {exc}")
                return
            if has_credentials(endpoint):
                self._refuse(
                    "Server URL: it carries a key (user:password@ or a key parameter). Remove "
                    "it and type the key in the API key field: it is kept in the OS keychain, "
                    "never in settings.json."
                )
                return
        label = self.label_edit.text().strip()
        problem = label_problem(label)
        if problem:
            self.error_label.setText(f"Device label {problem}")
            self.error_label.show()
            return
        defaults = replace(self.run_form.settings(), label=label)
        settings = AppSettings(
            endpoint=endpoint,
            runs_dir=self.runs_edit.text().strip() or None,
            defaults=defaults,
        )
        key, forget = self.key_edit.text().strip(), self.forget_key_box.isChecked()
        if not key and not forget:
            self._accept_with(settings)
            return
        self.setEnabled(False)
        self._runner.start(
            "settings-store-key",
            lambda ctx: keychain.store_key(key) if key else keychain.forget_key(),
            label="Store the API key in the keychain",
            on_finish=lambda _none: self._accept_with(settings),
            on_error=self._key_not_stored,
        )

    def _accept_with(self, settings: AppSettings) -> None:
        self.result_settings = settings
        super().accept()

    def _key_not_stored(self, message: str) -> None:
        self.setEnabled(True)
        self._refuse(f"API key not saved: {message}")

    def _refuse(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def _show_key_state(self, source: str) -> None:
        self.key_state.setText(f"API key: {source}.")
        self.key_state_shown.emit(source)

    def done(self, result: int) -> None:
        # A test still running must not report into a closed dialog.
        for job in ("settings-test-connection", "settings-key-source"):
            self._runner.cancel(job)
        super().done(result)

    def _connection_ok(self, ids: list[str]) -> None:
        self.test_button.setEnabled(True)
        self.test_status.setText(f"Connected: the server lists {len(ids)} model(s).")
        self.server_models.clear()
        self.server_models.addItems(ids)
        self.server_models.setVisible(bool(ids))
        self.connection_tested.emit(ids)

    def _connection_failed(self, message: str) -> None:
        self.test_button.setEnabled(True)
        self.test_status.setText(f"Connection failed: {message}")
        self.connection_failed.emit(message)

    def _update_endpoint_controls(self, *_args: object) -> None:
        use_url = self.url_radio.isChecked()
        self.url_edit.setEnabled(use_url)
        self.test_button.setEnabled(use_url and bool(self.url_edit.text().strip()))

    def _browse_runs(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder for benchmark runs", self.runs_edit.text() or str(self._paths.runs_dir)
        )
        if folder:
            self.runs_edit.setText(folder)
