"""Where the app reads its resources and writes its data.

The app writes only to per-user folders (platformdirs conventions), never next to its own
code, so a frozen app in a read-only install folder works. ``FOUNDRY_BENCH_HOME`` puts every
folder under one directory instead: tests use it, and so do portable installs.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_DIR_NAME = "FoundryLocalBench"
HOME_ENV = "FOUNDRY_BENCH_HOME"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    model_cache_dir: Path
    logs_dir: Path
    runs_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def imported_models_dir(self) -> Path:
        """Where ``models import`` puts the folders it converts (one per model id)."""
        return self.model_cache_dir / "imported"

    def ensure(self) -> AppPaths:
        for folder in (
            self.data_dir,
            self.config_dir,
            self.model_cache_dir,
            self.logs_dir,
            self.runs_dir,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def app_paths() -> AppPaths:
    home = os.environ.get(HOME_ENV)
    if home:
        root = Path(home).expanduser().resolve()
        return AppPaths(
            data_dir=root,
            config_dir=root / "config",
            model_cache_dir=root / "models",
            logs_dir=root / "logs",
            runs_dir=root / "runs",
        )
    data = Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))
    return AppPaths(
        data_dir=data,
        config_dir=Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)),
        model_cache_dir=data / "models",
        logs_dir=Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False)),
        runs_dir=Path(platformdirs.user_documents_dir()) / APP_DIR_NAME / "runs",
    )


def resources_dir() -> Path:
    """The read-only resources: inside a PyInstaller bundle, a wheel, or the source tree."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen_root:
        candidates.append(Path(frozen_root) / "foundry_bench" / "resources")
    package_dir = Path(__file__).resolve().parent.parent
    candidates.append(package_dir / "resources")  # installed wheel (force-included)
    candidates.append(package_dir.parent.parent / "resources")  # source checkout
    for candidate in candidates:
        if (candidate / "examples").is_dir():
            return candidate
    raise FileNotFoundError(
        "the app's resources folder is missing (looked in: "
        + ", ".join(str(c) for c in candidates)
        + ")"
    )


def demo_model_dir() -> Path:
    return resources_dir() / "demo_model"


def examples_dir() -> Path:
    return resources_dir() / "examples"
