"""Execution providers: discovery returns nothing on these machines, so registration is
tested with the SDK's own ``EpInfo``/``EpDownloadResult`` types and a stand-in for the
native download that calls the progress callback as the SDK's trampoline does (an exception
in the callback is the SDK's signal to stop)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from foundry_local_sdk import FoundryLocalException
from foundry_local_sdk.ep_types import EpDownloadResult

from factories import FakeNativeEps, fake_native_eps
from foundry_bench.core.run.model_entry import CatalogState
from foundry_bench.core.run.runtime import FoundryRuntime
from foundry_bench.core.run.runtime_eps import (
    ExecutionProvider,
    execution_providers,
    register_execution_providers,
)
from foundry_bench.core.run.runtime_errors import RuntimeFailure

pytestmark = pytest.mark.runtime


@pytest.fixture
def native(monkeypatch: pytest.MonkeyPatch) -> tuple[FoundryRuntime, FakeNativeEps]:
    runtime = FoundryRuntime.get()
    fake = fake_native_eps(runtime, monkeypatch)
    monkeypatch.setattr(runtime, "_catalog_state", CatalogState(False, error="before"))
    return runtime, fake


def test_discovery_is_empty_on_this_machine() -> None:
    assert execution_providers(FoundryRuntime.get()) == []


def test_register_reports_progress_and_reads_the_catalog_again(native: Any) -> None:
    runtime, _fake = native
    seen: list[tuple[str, float]] = []
    registered = register_execution_providers(
        runtime, ["CUDAExecutionProvider"], lambda n, p: seen.append((n, p)), threading.Event()
    )
    assert registered == ["CUDAExecutionProvider"]
    assert seen == [("CUDAExecutionProvider", p) for p in (25.0, 50.0, 75.0, 100.0)]
    assert ExecutionProvider("CUDAExecutionProvider", True) in execution_providers(runtime)
    assert runtime._catalog_state is None  # the next look fetches the new variants


def test_cancel_stops_a_registration_and_changes_nothing(native: Any) -> None:
    runtime, fake = native
    fake.steps = 1000
    cancel = threading.Event()
    seen: list[float] = []

    def progress(name: str, pct: float) -> None:
        seen.append(pct)
        if len(seen) == 3:
            cancel.set()

    with pytest.raises(RuntimeFailure, match="registration of CUDAExecutionProvider cancelled"):
        register_execution_providers(runtime, ["CUDAExecutionProvider"], progress, cancel)
    assert len(seen) == 3
    assert not fake.eps["CUDAExecutionProvider"]
    assert runtime._catalog_state == CatalogState(False, error="before")


def test_a_failed_registration_says_which_and_keeps_the_catalog(native: Any) -> None:
    runtime, fake = native
    fake.fail = "QNNExecutionProvider"
    with pytest.raises(
        RuntimeFailure, match=r"cannot register QNNExecutionProvider \(Failed: no driver\)"
    ):
        register_execution_providers(runtime, ["QNNExecutionProvider"])
    assert runtime._catalog_state == CatalogState(False, error="before")


def test_an_offline_registration_gives_the_runtime_message(
    native: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, _fake = native

    def offline(names: list[str], progress_callback: object) -> EpDownloadResult:
        raise FoundryLocalException("Failed to download EP: network unreachable")

    monkeypatch.setattr(runtime.manager, "download_and_register_eps", offline)
    with pytest.raises(
        RuntimeFailure, match=r"cannot register CUDAExecutionProvider: .*unreachable"
    ):
        register_execution_providers(runtime, ["CUDAExecutionProvider"])


@pytest.mark.parametrize("names", [[], ["CUDA\x1b[2J"], ["CUDAExecutionProvider", "Nope"]])
def test_names_that_are_not_discoverable_are_refused_before_anything_starts(
    native: Any, names: list[str]
) -> None:
    runtime, fake = native
    with pytest.raises(RuntimeFailure):
        register_execution_providers(runtime, names)
    assert fake.calls == []
