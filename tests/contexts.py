"""An ``AppContext`` for testing one page alone: dict-backed settings, its own runner."""

from __future__ import annotations

from pathlib import Path

from foundry_bench.core.paths import AppPaths
from foundry_bench.core.settings import AppSettings
from foundry_bench.ui.base.notifier import ERROR, Notifier
from foundry_bench.ui.base.settings_store import DictBackend, UiSettings
from foundry_bench.ui.base.workers import JobRunner
from foundry_bench.ui.context import AppContext
from foundry_bench.ui.models.table_model import ModelsTableModel


def make_context(
    root: Path,
    *,
    endpoint: str | None = None,
    ui_values: dict[str, object] | None = None,
    app_settings: AppSettings | None = None,
) -> AppContext:
    """A context whose folders are under ``root``; ``ctx.errors`` collects error messages,
    ``ctx.infos`` the others.

    Shut its runner down at the end of the test (``ctx.runner.shutdown(...)``).
    """
    paths = AppPaths(
        data_dir=root,
        config_dir=root / "config",
        model_cache_dir=root / "models",
        logs_dir=root / "logs",
        runs_dir=root / "runs",
    )
    notifier = Notifier()
    ctx = AppContext(
        runner=JobRunner(notifier),
        notifier=notifier,
        paths=paths,
        ui_settings=UiSettings(DictBackend(dict(ui_values or {}))),
        app_settings=app_settings or AppSettings(),
        models=ModelsTableModel(),
        endpoint=endpoint,
    )
    errors: list[str] = []
    infos: list[str] = []
    notifier.message_posted.connect(
        lambda text, level: (errors if level == ERROR else infos).append(text)
    )
    ctx.errors = errors  # type: ignore[attr-defined]
    ctx.infos = infos  # type: ignore[attr-defined]
    return ctx
