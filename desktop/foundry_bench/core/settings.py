"""The user's settings file (``settings.json`` in the per-user config folder).

Shared by the CLI and the GUI. It never holds an API key: keys come from ``OPENAI_API_KEY``
or the OS keychain. A broken file is reported (file and problem) and the defaults are used;
it is not overwritten until the user saves new settings.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from foundry_bench.core.fileio import atomic_write_text
from foundry_bench.core.jsonfile import JsonFileError, read_json_file
from foundry_bench.core.paths import AppPaths
from foundry_bench.core.redaction import has_credentials, redact_url
from foundry_bench.core.results.run_settings import (
    RunSettings,
    parse_run_settings,
    run_settings_problems,
)

SETTINGS_SCHEMA_VERSION = 1


class SettingsError(ValueError):
    pass


@dataclass
class AppSettings:
    endpoint: str | None = None
    runs_dir: str | None = None
    defaults: RunSettings = field(default_factory=RunSettings)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["schema_version"] = SETTINGS_SCHEMA_VERSION
        return data


def load_settings(path: Path) -> AppSettings:
    """Read settings; a missing file gives defaults, a broken one raises ``SettingsError``."""
    if not path.exists():
        return AppSettings()
    try:
        data = read_json_file(path, "settings (a JSON object)")
    except JsonFileError as exc:
        raise SettingsError(f"cannot read the settings: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a JSON object")
    endpoint = data.get("endpoint")
    runs_dir = data.get("runs_dir")
    defaults = data.get("defaults") or {}
    if endpoint is not None and not isinstance(endpoint, str):
        raise SettingsError(f"{path}: $.endpoint must be a string or null")
    if runs_dir is not None and not isinstance(runs_dir, str):
        raise SettingsError(f"{path}: $.runs_dir must be a string or null")
    if not isinstance(defaults, dict):
        raise SettingsError(f"{path}: $.defaults must be an object")
    try:
        run_defaults = parse_run_settings(defaults, "$.defaults")
    except ValueError as exc:
        raise SettingsError(f"{path}: {exc}") from None
    problems = run_settings_problems(run_defaults)
    if problems:
        name, problem = problems[0]
        raise SettingsError(f"{path}: $.defaults.{name} {problem}")
    return AppSettings(endpoint=endpoint, runs_dir=runs_dir, defaults=run_defaults)


def runs_dir_for(settings: AppSettings, paths: AppPaths) -> Path:
    """Where runs go: the folder the user chose, else the per-user default."""
    return Path(settings.runs_dir).expanduser() if settings.runs_dir else paths.runs_dir


def save_settings(path: Path, settings: AppSettings) -> None:
    """Write ``settings``; an endpoint that carries a key is refused (the file never holds one)."""
    if settings.endpoint and has_credentials(settings.endpoint):
        raise SettingsError(
            f"{path}: the endpoint {redact_url(settings.endpoint)} carries a key; keys are "
            "kept in the OS keychain or OPENAI_API_KEY, never in settings.json"
        )
    atomic_write_text(path, json.dumps(settings.to_dict(), indent=2) + "\n")
