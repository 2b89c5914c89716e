"""The Models page's toolbar: what can be done to the selected model, enabled as it allows."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QIcon, QPalette
from PySide6.QtWidgets import QMenu, QStyle, QToolBar, QToolButton, QWidget

from foundry_bench.ui.base.palette import tinted_icon
from foundry_bench.ui.models.table_model import ModelRow
from foundry_bench.ui.models.widgets import GLYPH_ICONS


class ModelsToolbar(QToolBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._glyph_actions: dict[QAction, QStyle.StandardPixmap] = {}
        pix = QStyle.StandardPixmap
        self.refresh_action = self._action("Refresh", pix.SP_BrowserReload)
        self.download_action = self._action("Download", pix.SP_ArrowDown)
        self.cancel_action = self._action("Cancel download", pix.SP_DialogCancelButton)
        self.load_action = self._action("Load", pix.SP_MediaPlay)
        self.unload_action = self._action("Unload", pix.SP_MediaStop)
        self.remove_action = self._action("Remove", pix.SP_TrashIcon)
        self.addSeparator()
        self.add_folder_action = self._action("Add local model folder…", pix.SP_FileDialogNewFolder)
        self.import_action = self._action("Import model…", pix.SP_DialogOpenButton)
        # The same import from a folder: in the import button's menu.
        self.import_folder_action = QAction("Import Hugging Face folder…", self)
        self.import_file_action = QAction("Import GGUF file or wheel…", self)
        self.import_file_action.triggered.connect(self.import_action.trigger)
        menu = QMenu(self)
        menu.addActions([self.import_file_action, self.import_folder_action])
        button = self.widgetForAction(self.import_action)
        if isinstance(button, QToolButton):
            button.setMenu(menu)
            button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.refresh_action.setShortcut("F5")
        self.remove_action.setToolTip(
            "Delete a downloaded model from the cache, or unregister a folder you added "
            "(its files stay where they are)"
        )
        self.add_folder_action.setToolTip(
            "Register an ONNX Runtime GenAI model folder (or drop the folder on this page)"
        )
        self.import_action.setToolTip(
            "Convert a GGUF file (or a wheel holding one) or a Hugging Face model folder to "
            "ONNX Runtime GenAI and register it (or drop it on this page); needs the "
            "[convert] extra"
        )
        self._tint_glyphs()

    def update_for(
        self,
        row: ModelRow | None,
        *,
        manages: bool,
        can_list: bool,
        downloading: bool,
        importing: bool = False,
    ) -> None:
        """Enable what applies to ``row``; ``manages``: the embedded runtime is up (an external
        server's models are only listed); ``downloading``: the row's download is running;
        ``importing``: an import runs (one at a time)."""
        idle = row is not None and row.busy is None and not downloading
        entry = row.entry if row is not None else None
        self.refresh_action.setEnabled(can_list)
        self.add_folder_action.setEnabled(manages)
        for action in (self.import_action, self.import_file_action, self.import_folder_action):
            action.setEnabled(manages and not importing)
        self.download_action.setEnabled(manages and idle and entry is not None and not entry.cached)
        self.cancel_action.setEnabled(manages and downloading)
        self.load_action.setEnabled(
            manages and idle and entry is not None and entry.cached and not entry.loaded
        )
        self.unload_action.setEnabled(manages and idle and entry is not None and entry.loaded)
        self.remove_action.setEnabled(manages and idle and entry is not None and entry.cached)

    def _action(self, text: str, icon: QStyle.StandardPixmap) -> QAction:
        action = QAction(self.style().standardIcon(icon) or QIcon(), text, self)
        self.addAction(action)
        if icon in GLYPH_ICONS:
            self._glyph_actions[action] = icon
        return action

    def _tint_glyphs(self) -> None:
        # The style's play/stop/arrow glyphs are drawn black: invisible on a dark palette.
        color = self.palette().color(QPalette.ColorRole.ButtonText)
        for action, icon in self._glyph_actions.items():
            action.setIcon(tinted_icon(self.style().standardIcon(icon), color))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._tint_glyphs()
