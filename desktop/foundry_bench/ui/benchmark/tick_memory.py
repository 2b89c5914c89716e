"""The models ticked for a benchmark, kept from one launch to the next.

A relaunch ticks again what was ticked (as each model appears on the Models page, which
lists them in a worker); a first launch with one usable model ticks it, so the first run is
one click away. What the user ticks or unticks is saved at once.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, Qt

from foundry_bench.ui.base.settings_store import UiSettings
from foundry_bench.ui.benchmark.setup_models import ModelPickModel


class TickMemory(QObject):
    def __init__(self, models: ModelPickModel, settings: UiSettings) -> None:
        super().__init__(models)
        self._models = models
        self._settings = settings
        models.rowsInserted.connect(self._restore)
        models.dataChanged.connect(self._save)

    def _restore(self, *_args: object) -> None:
        rows = self._models.rows()
        saved = self._settings.ticked_models
        if saved is None:
            if len(rows) == 1 and not rows[0].checked:
                self._models.set_checked(rows[0].id)
            return
        for row in rows:
            if row.id in saved and not row.checked:
                self._models.set_checked(row.id)

    def _save(
        self, _first: QModelIndex, _last: QModelIndex, roles: list[int] | None = None
    ) -> None:
        if roles and Qt.ItemDataRole.CheckStateRole not in roles:
            return
        rows = self._models.rows()
        listed = {r.id for r in rows}
        # Models not listed yet (the Models page is still reading them) stay remembered.
        waiting = [m for m in self._settings.ticked_models or [] if m not in listed]
        self._settings.ticked_models = [r.id for r in rows if r.checked] + waiting
