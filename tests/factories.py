"""Result records for tests, built in one place (``tests/`` is on ``sys.path``).

Each factory takes keyword arguments with defaults, so a test names only what it is about::

    make_run([make_measured_sample("a", latency_s=0.2, completion_tokens=10)])

``make_sample`` keeps every field as given (nothing is derived: a test can build a sample no
runner would make); ``make_measured_sample`` goes through ``Sample.from_measurement`` as the
runner does, so decode time, TPOT and throughput follow the design's definitions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foundry_local_sdk import FoundryLocalException
from foundry_local_sdk.ep_types import EpDownloadResult, EpInfo

from foundry_bench.core.results.records import (
    Measurement,
    ModelRecord,
    Run,
    Sample,
    SampleStatus,
    sample_key,
)
from foundry_bench.core.results.run_settings import RunSettings
from foundry_bench.core.run.model_entry import ModelEntry
from foundry_bench.core.run.runtime_errors import ModelFolderError

T0 = "2025-01-01T00:00:00.000Z"  # the default start of every record built here


def make_sample(
    model: str = "m",
    prompt_id: str = "p1",
    round_no: int = 1,
    *,
    warmup: bool = False,
    status: SampleStatus = "ok",
    error: str | None = None,
    started_at: str = T0,
    **fields: Any,
) -> Sample:
    """A sample with exactly these fields (``ttft_s``, ``tpot_s``, ``response``, ...)."""
    return Sample(
        key=sample_key(model, prompt_id, round_no, warmup),
        model=model,
        prompt_id=prompt_id,
        round=round_no,
        warmup=warmup,
        status=status,
        error=error,
        started_at=started_at,
        **fields,
    )


def make_measured_sample(
    model: str = "m",
    prompt_id: str = "p1",
    round_no: int = 1,
    *,
    warmup: bool = False,
    status: SampleStatus = "ok",
    started_at: str = T0,
    **measured: Any,
) -> Sample:
    """A sample derived from a ``Measurement`` of these fields (``latency_s``, ``ttft_s``,
    ``completion_tokens``, ...), as the runner records one."""
    m = Measurement(status=status, started_at=started_at, **measured)
    return Sample.from_measurement(
        m, model=model, prompt_id=prompt_id, round_no=round_no, warmup=warmup
    )


def make_model_record(id: str = "m", *, status: Any = "ok", **fields: Any) -> ModelRecord:
    """A model of a run; ``ok`` unless told (a record's own default, pending, is mid-run)."""
    return ModelRecord(id=id, status=status, **fields)


def make_run(
    samples: Iterable[Sample] = (),
    *,
    models: Iterable[str | ModelRecord] | None = None,
    prompts: Iterable[str | Mapping[str, Any]] | None = None,
    run_id: str = "run-1",
    started_at: str = T0,
    status: Any = "completed",
    settings: RunSettings | None = None,
    **fields: Any,
) -> Run:
    """A finished run of ``samples``.

    ``models`` are ids (each an ``ok`` record) or records, ``prompts`` are ids (the text is
    the id) or prompt dicts; by default both are those the samples name, in order.
    """
    sample_list = list(samples)
    if models is None:
        models = dict.fromkeys(s.model for s in sample_list)
    if prompts is None:
        prompts = dict.fromkeys(s.prompt_id for s in sample_list)
    return Run(
        run_id=run_id,
        started_at=started_at,
        settings=RunSettings() if settings is None else settings,
        models=[m if isinstance(m, ModelRecord) else make_model_record(m) for m in models],
        prompts=[{"id": p, "text": p} if isinstance(p, str) else dict(p) for p in prompts],
        samples=sample_list,
        status=status,
        **fields,
    )


def drop_path(widget: Any, path: Path) -> None:
    """Drop ``path`` on ``widget`` as a file manager would (a local-file URL)."""
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(event)


@dataclass
class FakeRegistrar:
    """Records registrations; ``fail`` makes register raise as the runtime does."""

    known: dict[str, ModelEntry] = field(default_factory=dict)
    fail: bool = False

    def find(self, name: str) -> ModelEntry | None:
        return self.known.get(name)

    def register(self, folder: Path, model_id: str) -> ModelEntry:
        if self.fail:
            raise ModelFolderError(f"{folder}: registered but the runtime cannot load it")
        entry = ModelEntry(id=model_id, alias=model_id, source="local", path=str(folder))
        self.known[model_id] = entry
        return entry


class FakeNativeEps:
    """``discover_eps`` and ``download_and_register_eps`` of a machine with a GPU."""

    def __init__(self, steps: int = 4, fail: str | None = None) -> None:
        self.eps = {"CUDAExecutionProvider": False, "QNNExecutionProvider": False}
        self.steps, self.fail = steps, fail
        self.calls: list[list[str]] = []

    def discover_eps(self) -> list[EpInfo]:
        return [EpInfo(name=n, is_registered=r) for n, r in self.eps.items()]

    def download_and_register_eps(
        self, names: list[str], progress_callback: Callable[[str, float], None]
    ) -> EpDownloadResult:
        self.calls.append(names)
        for name in names:
            for i in range(1, self.steps + 1):
                try:
                    progress_callback(name, 100.0 * i / self.steps)
                except Exception:  # the SDK's trampoline returns 1: the native side stops
                    raise FoundryLocalException("EP download cancelled by callback") from None
            if name == self.fail:
                return EpDownloadResult(False, "Failed: no driver", [], [name])
            self.eps[name] = True
        return EpDownloadResult(True, "Completed", list(names), [])


def fake_native_eps(runtime: Any, monkeypatch: Any) -> FakeNativeEps:
    """Give ``runtime``'s SDK manager the execution providers of a machine with a GPU."""
    fake = FakeNativeEps()
    monkeypatch.setattr(runtime.manager, "discover_eps", fake.discover_eps)
    monkeypatch.setattr(
        runtime.manager, "download_and_register_eps", fake.download_and_register_eps
    )
    return fake
