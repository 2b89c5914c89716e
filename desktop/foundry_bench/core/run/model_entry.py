"""What the app knows of a runtime model: its entry in a list, what a load cost, the catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from foundry_bench.core.run.provenance import Provenance

Source = Literal["local", "catalog"]


@dataclass(frozen=True)
class ModelEntry:
    """One model variant as the views and the CLI show it."""

    id: str
    alias: str
    source: Source
    task: str | None = None
    device: str | None = None
    execution_provider: str | None = None
    size_mb: float | None = None
    disk_mb: float | None = None
    license: str | None = None
    tool_calling: bool | None = None
    cached: bool = False
    loaded: bool = False
    path: str | None = None
    context_length: int | None = None
    # Set for models made by `foundry-bench models import` (read from their folder).
    provenance: Provenance | None = None


@dataclass(frozen=True)
class CatalogState:
    """The public catalog as far as it could be fetched."""

    available: bool
    models: list[ModelEntry] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class LoadResult:
    model_id: str
    load_time_s: float
    memory_delta_mb: float | None
