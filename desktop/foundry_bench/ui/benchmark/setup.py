"""The run setup: models to benchmark, prompts, settings; saved and loaded as one JSON file.

Every edit is checked at once (:func:`benchmark_setup_file.problems`) and the problems are
shown under the form, so a run never starts from a setup that cannot work. Files are read and
written by workers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QListView,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from foundry_bench.core.config.models import load_models
from foundry_bench.core.config.prompts import load_prompts
from foundry_bench.core.paths import examples_dir
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.ui.base.plain_text import plain_label
from foundry_bench.ui.base.workers import JobContext, JobRunner
from foundry_bench.ui.benchmark.prompts_editor import PromptsEditor
from foundry_bench.ui.benchmark.settings_form import RunSettingsForm
from foundry_bench.ui.benchmark.setup_file import (
    Setup,
    problems,
    prompts_json,
    read_setup,
    setup_json,
    write_text,
)
from foundry_bench.ui.benchmark.setup_models import ModelPickModel

JSON_FILTER = "JSON files (*.json);;All files (*)"
AskOpen = Callable[[str], Path | None]
AskSave = Callable[[str, str], Path | None]


def _ask_open(parent: QWidget) -> AskOpen:
    def ask(title: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(parent, title, "", JSON_FILTER)
        return Path(path) if path else None

    return ask


def _ask_save(parent: QWidget) -> AskSave:
    def ask(title: str, name: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(parent, title, name, JSON_FILTER)
        return Path(path) if path else None

    return ask


class SetupPanel(QWidget):
    """Signals:
    changed(): the setup was edited (models ticked, prompts or settings changed).
    setup_saved(object), setup_loaded(object): the ``Path`` of a setup file.
    """

    changed = Signal()
    setup_saved = Signal(object)
    setup_loaded = Signal(object)

    def __init__(
        self, runner: JobRunner, defaults: RunSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self.ask_open: AskOpen = _ask_open(self)
        self.ask_save: AskSave = _ask_save(self)
        self.models = ModelPickModel(self)
        self.models_list = QListView()
        self.models_list.setModel(self.models)
        self.models_list.setMinimumHeight(60)
        self.models_list.setMaximumHeight(100)
        self.models_file_button = QPushButton("Add from models.json…")
        self.prompts = PromptsEditor()
        self.form = RunSettingsForm(defaults)
        self.problems_label = plain_label()
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.PlainText)
        self.save_button = QPushButton("Save setup…")
        self.load_button = QPushButton("Load setup…")
        self._problems: list[str] = []
        self._layout()
        self._connect()
        self.revalidate()

    def _layout(self) -> None:
        models_box = QGroupBox("Models")
        models_layout = QVBoxLayout(models_box)
        hint = plain_label("Tick the models to benchmark.")
        hint.setEnabled(False)
        models_layout.addWidget(hint)
        models_layout.addWidget(self.models_list)
        models_layout.addWidget(self.models_file_button)
        prompts_box = QGroupBox("Prompts")
        QVBoxLayout(prompts_box).addWidget(self.prompts)
        settings_box = QGroupBox("Settings")
        QVBoxLayout(settings_box).addWidget(self.form)
        files = QHBoxLayout()
        files.addWidget(self.load_button)
        files.addWidget(self.save_button)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(models_box)
        layout.addWidget(prompts_box, 1)
        layout.addWidget(settings_box)
        layout.addWidget(self.problems_label)
        layout.addLayout(files)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _connect(self) -> None:
        for signal in (
            self.models.dataChanged,
            self.models.rowsInserted,
            self.models.rowsRemoved,
            self.prompts.model.dataChanged,
            self.prompts.model.rowsInserted,
            self.prompts.model.rowsRemoved,
            self.prompts.model.rowsMoved,
            self.prompts.model.modelReset,
            self.form.changed,
        ):
            signal.connect(self.revalidate)
        self.models_file_button.clicked.connect(self.choose_models_file)
        self.prompts.import_requested.connect(self.choose_prompts_file)
        self.prompts.export_requested.connect(self.choose_prompts_export)
        self.save_button.clicked.connect(self.choose_save_setup)
        self.load_button.clicked.connect(self.choose_load_setup)

    # -- the setup ----------------------------------------------------------------------------

    def setup(self) -> Setup:
        return Setup(
            self.models.checked_specs(), self.prompts.model.prompts(), self.form.settings()
        )

    def apply_setup(self, setup: Setup) -> None:
        if setup.models:
            self.models.add_specs(setup.models)
            self.models.check_only([m.id for m in setup.models])
        self.prompts.model.set_prompts(setup.prompts)
        self.form.set_settings(setup.settings)
        self.revalidate()

    def problems(self) -> list[str]:
        return list(self._problems)

    def revalidate(self, *_args: object) -> None:
        s = self.setup()
        self._problems = problems(s.models, s.prompts, s.settings)
        if self._problems:
            self.problems_label.setStyleSheet("color: #d9534f;")
            self.problems_label.setText("\n".join(f"• {p}" for p in self._problems))
        else:
            per_model = len(s.prompts) * (s.settings.rounds + s.settings.warmup_rounds)
            total = per_model * len(s.models)
            self.problems_label.setStyleSheet("color: #3c9a5f;")
            self.problems_label.setText(
                f"✓ Ready: {len(s.models)} model(s) × {len(s.prompts)} prompt(s) × "
                f"{s.settings.warmup_rounds} warm-up + {s.settings.rounds} round(s) "
                f"= {total} requests"
            )
        self.changed.emit()

    def set_enabled_for_run(self, running: bool) -> None:
        """A running benchmark keeps its setup: editing is off until it ends."""
        for widget in (
            self.models_list,
            self.models_file_button,
            self.prompts,
            self.form,
            self.load_button,
        ):
            widget.setEnabled(not running)

    # -- files (read and written by workers) --------------------------------------------------

    def load_example_prompts(self) -> None:
        def read(ctx: JobContext) -> Setup:
            return Setup(prompts=load_prompts(examples_dir() / "prompts.json").items)

        self._runner.start(
            "benchmark-setup-io",
            read,
            label="Read the example prompts",
            on_finish=self._example_prompts_read,
        )

    def _example_prompts_read(self, setup: Setup) -> None:
        # Prompts typed or imported in the meantime win over the examples.
        if not self.prompts.model.rowCount():
            self.prompts.model.set_prompts(setup.prompts)

    def choose_models_file(self) -> None:
        path = self.ask_open("Add models from a models.json")
        if path is not None:
            self._runner.start(
                "benchmark-setup-io",
                lambda ctx: load_models(path).items,
                label=f"Read {path.name}",
                on_finish=self.models.add_specs,
            )

    def choose_prompts_file(self) -> None:
        path = self.ask_open("Import prompts from a prompts.json")
        if path is not None:
            self._runner.start(
                "benchmark-setup-io",
                lambda ctx: load_prompts(path).items,
                label=f"Read {path.name}",
                on_finish=self.prompts.model.set_prompts,
            )

    def choose_prompts_export(self) -> None:
        path = self.ask_save("Export prompts", "prompts.json")
        if path is not None:
            text = prompts_json(self.prompts.model.prompts())
            self._runner.start(
                "benchmark-setup-io",
                lambda ctx: write_text(path, text),
                label=f"Write {path.name}",
            )

    def choose_save_setup(self) -> None:
        path = self.ask_save("Save benchmark setup", "benchmark-setup.json")
        if path is not None:
            self.save_setup(path)

    def save_setup(self, path: Path) -> None:
        text = setup_json(self.setup())
        self._runner.start(
            "benchmark-setup-io",
            lambda ctx: write_text(path, text),
            label=f"Save setup {path.name}",
            on_finish=self.setup_saved.emit,
        )

    def choose_load_setup(self) -> None:
        path = self.ask_open("Load benchmark setup")
        if path is not None:
            self.load_setup(path)

    def load_setup(self, path: Path) -> None:
        def loaded(setup: Setup) -> None:
            self.apply_setup(setup)
            self.setup_loaded.emit(path)

        self._runner.start(
            "benchmark-setup-io",
            lambda ctx: read_setup(path),
            label=f"Load setup {path.name}",
            on_finish=loaded,
        )
