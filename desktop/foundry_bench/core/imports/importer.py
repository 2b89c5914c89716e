"""``models import``: a SOURCE in, a registered Foundry Local model out, or nothing at all.

Order: check the id, the source, the tools, disk and memory (all before anything is written);
convert into a hidden staging folder ``.partial-<pid>-<random>`` beside the final one; check
the result as any model folder is checked; write its provenance and model card; rename it into
place; register it (the runtime loads it once). Any failure or a cancel removes the staging
folder, or the final folder if registration failed, so no half-made model is left and nothing
is registered. Staging folders of a process that died (kill -9, power loss) are removed by the
next import.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from foundry_bench.core.imports.conversion import CHILD_COMMAND, ConversionCost, run_conversion
from foundry_bench.core.imports.errors import ImportCancelled, ImportFailure
from foundry_bench.core.imports.protocol import ConversionEvent, ConversionJob, Precision
from foundry_bench.core.imports.requirements import (
    Needs,
    available_memory_mb,
    estimate,
    require_room,
    require_tools,
)
from foundry_bench.core.imports.sources import ImportSource, detect_source
from foundry_bench.core.run.model_entry import ModelEntry
from foundry_bench.core.run.model_folders import validate_model_folder, validate_model_id
from foundry_bench.core.run.provenance import Provenance, read_provenance, write_provenance
from foundry_bench.core.run.runtime_errors import RuntimeFailure

PARTIAL_PREFIX = ".partial-"
_PARTIAL_RE = re.compile(r"^\.partial-(\d+)-[0-9a-f]+$")


class Registrar(Protocol):
    """What the import needs of the runtime (``FoundryRuntime`` is one)."""

    def find(self, name: str) -> ModelEntry | None: ...

    def register(self, folder: Path, model_id: str) -> ModelEntry: ...


@dataclass(frozen=True)
class ImportResult:
    entry: ModelEntry
    folder: Path
    source: ImportSource
    needs: Needs
    cost: ConversionCost


@dataclass(frozen=True)
class Prepared:
    """A request that passed every check; nothing has been written yet."""

    source: ImportSource
    model_id: str
    precision: Precision
    destination: Path
    needs: Needs


def folder_name(model_id: str) -> str:
    """The model folder for an id: ``smollm2:1`` -> ``smollm2-v1`` (no ':' on Windows)."""
    name, _sep, version = model_id.partition(":")
    return f"{name}-v{version}"


def prepare(
    source_path: Path,
    model_id: str,
    precision: Precision,
    registrar: Registrar,
    models_dir: Path,
    *,
    check_tools: bool = True,
    memory_mb: Callable[[], float | None] = available_memory_mb,
) -> Prepared:
    """Every check, cheapest first; ``ImportFailure`` says which failed and why."""
    try:
        validate_model_id(model_id)
    except RuntimeFailure as exc:
        raise ImportFailure(str(exc)) from exc
    source = detect_source(source_path)
    existing = registrar.find(model_id)
    if existing is not None:
        raise ImportFailure(
            f"model id {model_id} is already registered (from {existing.path or 'elsewhere'}); "
            "choose another NAME:VERSION, or remove it first (foundry-bench models remove)"
        )
    destination = models_dir / folder_name(model_id)
    # A folder an earlier import made for this id, since unregistered ("Remove" keeps files),
    # is replaced once the new conversion has succeeded; anything else there is not ours.
    if destination.exists() and read_provenance(destination) is None:
        raise ImportFailure(
            f"{destination} already exists (an earlier import of {model_id}?); "
            "delete it or choose another NAME:VERSION"
        )
    if check_tools:
        require_tools(source.kind)
    needs = estimate(source, precision)
    require_room(needs, models_dir, memory_mb())
    return Prepared(source, model_id, precision, destination, needs)


def run_import(
    prepared: Prepared,
    registrar: Registrar,
    cancel: threading.Event,
    on_event: Callable[[ConversionEvent], None],
    *,
    command: Sequence[str] = CHILD_COMMAND,
) -> ImportResult:
    """Convert, move into place, register; on any failure leave nothing behind."""
    models_dir = prepared.destination.parent
    models_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(models_dir)
    staging = models_dir / f"{PARTIAL_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
    source = prepared.source
    job = ConversionJob(
        kind=source.kind,
        source=str(source.path),
        out=str(staging / "model"),
        work=str(staging / "work"),
        precision=prepared.precision,
        member=source.archive_member,
        num_layers=source.num_layers,
    )
    try:
        cost = run_conversion(job, cancel, on_event, command=command)
        out = Path(job.out)
        try:
            validate_model_folder(out)
        except RuntimeFailure as exc:
            raise ImportFailure(f"the conversion produced an unusable model: {exc}") from exc
        _describe(out, prepared)
        if prepared.destination.exists():
            shutil.rmtree(prepared.destination)
        os.replace(out, prepared.destination)
    except OSError as exc:
        problem = exc.strerror or str(exc)
        raise ImportFailure(f"cannot write the model to {models_dir}: {problem}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    try:
        # A cancel that came after the conversion finished still means "keep nothing".
        if cancel.is_set():
            raise ImportCancelled("import cancelled; its partial output was removed")
        on_event(ConversionEvent("step", "register", f"registering {prepared.model_id}", 100.0))
        entry = registrar.register(prepared.destination, prepared.model_id)
    except BaseException:
        shutil.rmtree(prepared.destination, ignore_errors=True)
        raise
    return ImportResult(entry, prepared.destination, source, prepared.needs, cost)


def _describe(folder: Path, prepared: Prepared) -> None:
    source = prepared.source
    provenance = Provenance(
        source=source.label,
        source_kind=source.kind,
        license=source.license,
        parameters=source.parameters,
        quantization=prepared.precision,
        source_quantization=source.quantization,
        architecture=source.architecture,
        imported_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    write_provenance(folder, provenance)
    # The runtime's registration reads the licence from a model card (model_folders).
    card = (
        f"---\nlicense: {_card_value(source.license) or 'unknown'}\n---\n\n"
        f"Converted by Foundry Local Bench: {provenance.describe()}.\n"
    )
    (folder / "MODEL_CARD.md").write_text(card, encoding="utf-8")


def _card_value(text: str | None) -> str | None:
    # One word, as licence ids are: a header value cannot smuggle lines into the card.
    if text is None:
        return None
    match = re.match(r"[\w.+-]+", text.strip())
    return match.group(0) if match else None


def remove_stale_partials(models_dir: Path) -> list[Path]:
    """Staging folders whose import process is gone; another running import's are kept."""
    import psutil

    removed = []
    with contextlib.suppress(OSError):
        for child in models_dir.iterdir():
            match = _PARTIAL_RE.match(child.name)
            if match and child.is_dir() and not psutil.pid_exists(int(match.group(1))):
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
    return removed
