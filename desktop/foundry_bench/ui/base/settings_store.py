"""Window state and UI preferences in one typed object (Picard's ``config`` idea).

Everything the window remembers between sessions goes through :class:`UiSettings`, never
through ad-hoc ``QSettings`` calls. The backend is ``QSettings`` in an INI file under the app's
config folder (so ``FOUNDRY_BENCH_HOME`` isolates it too), or a plain dict in tests.
Benchmark defaults and the endpoint are *not* here: they live in ``core.settings`` because the
CLI reads them as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol, cast

from PySide6.QtCore import QByteArray, QSettings

Palette = Literal["system", "light", "dark"]
PALETTES: tuple[Palette, ...] = ("system", "light", "dark")
MAX_RECENT = 10


class Backend(Protocol):
    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...

    def sync(self) -> None: ...


class DictBackend:
    """In-memory settings for tests."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = dict(data or {})

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def put(self, key: str, value: Any) -> None:
        self.data[key] = value

    def sync(self) -> None:
        return None


class QSettingsBackend:
    def __init__(self, path: Path) -> None:
        self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    def get(self, key: str) -> Any:
        return self._settings.value(key)

    def put(self, key: str, value: Any) -> None:
        self._settings.setValue(key, value)

    def sync(self) -> None:
        self._settings.sync()


class UiSettings:
    """Typed access; a missing or mistyped value reads as its default."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @classmethod
    def at(cls, path: Path) -> UiSettings:
        return cls(QSettingsBackend(path))

    # -- window ---------------------------------------------------------------------------

    @property
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self.backend.put("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self.backend.put("window/state", value)

    @property
    def current_page(self) -> int:
        return self._int("window/page", 0)

    @current_page.setter
    def current_page(self, value: int) -> None:
        self.backend.put("window/page", int(value))

    @property
    def palette(self) -> Palette:
        value = self.backend.get("ui/palette")
        return cast(Palette, value) if value in PALETTES else "system"

    @palette.setter
    def palette(self, value: Palette) -> None:
        if value not in PALETTES:
            raise ValueError(f"unknown palette {value!r}")
        self.backend.put("ui/palette", value)

    @property
    def log_visible(self) -> bool:
        value = self.backend.get("ui/log_visible")
        return value in (True, "true", "1", 1) if value is not None else True

    @log_visible.setter
    def log_visible(self, value: bool) -> None:
        self.backend.put("ui/log_visible", bool(value))

    # -- files ----------------------------------------------------------------------------

    @property
    def last_model_folder(self) -> str:
        value = self.backend.get("files/last_model_folder")
        return value if isinstance(value, str) else ""

    @last_model_folder.setter
    def last_model_folder(self, value: str) -> None:
        self.backend.put("files/last_model_folder", str(value))

    @property
    def recent_files(self) -> list[str]:
        return self._strings(self.backend.get("files/recent"))

    def add_recent_file(self, path: str) -> None:
        files = [path] + [f for f in self.recent_files if f != path]
        self.backend.put("files/recent", files[:MAX_RECENT])

    # -- what the last session left ------------------------------------------------------

    @property
    def first_steps_done(self) -> bool:
        return self.backend.get("ui/first_steps_done") in (True, "true", "1", 1)

    @first_steps_done.setter
    def first_steps_done(self, value: bool) -> None:
        self.backend.put("ui/first_steps_done", bool(value))

    @property
    def ticked_models(self) -> list[str] | None:
        """The models ticked for a benchmark when the app last ran; None if never saved."""
        value = self.backend.get("benchmark/ticked_models")
        if value is None:
            return None
        return self._strings(value)

    @ticked_models.setter
    def ticked_models(self, value: list[str]) -> None:
        # A marker first: QSettings cannot tell an empty list from no value at all.
        self.backend.put("benchmark/ticked_models", ["", *value])

    @property
    def last_run(self) -> str:
        """The folder of the run shown when the app last ran ("" if none)."""
        value = self.backend.get("benchmark/last_run")
        return value if isinstance(value, str) else ""

    @last_run.setter
    def last_run(self, value: str) -> None:
        self.backend.put("benchmark/last_run", str(value))

    @property
    def try_it_prompt(self) -> str:
        value = self.backend.get("models/try_it_prompt")
        return value if isinstance(value, str) else ""

    @try_it_prompt.setter
    def try_it_prompt(self, value: str) -> None:
        self.backend.put("models/try_it_prompt", value)

    def sync(self) -> None:
        self.backend.sync()

    # -- helpers ----------------------------------------------------------------------------

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.backend.get(key)
        if isinstance(value, QByteArray) and not value.isEmpty():
            return value
        if isinstance(value, bytes) and value:
            return QByteArray(value)
        return None

    @staticmethod
    def _strings(value: object) -> list[str]:
        if isinstance(value, str):  # QSettings gives a one-item list back as a string
            return [value] if value else []
        if isinstance(value, list):
            return [v for v in value if isinstance(v, str) and v]
        return []

    def _int(self, key: str, default: int) -> int:
        value = self.backend.get(key)
        try:
            return int(value) if value is not None else default
        except (TypeError, ValueError):
            return default
