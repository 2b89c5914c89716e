"""Test harness shared by every test.

- Qt runs offscreen (set before anything imports Qt).
- Every test process gets its own FOUNDRY_BENCH_HOME and offline mode, and the Foundry
  Local catalog URL points at a loopback tripwire that counts connections: the public catalog
  is never reached, and `catalog_tripwire` lets a test assert it was not even tried.
- A test that leaves a thread running fails (napari's `_dangling_qthreads` idea, for
  Python threads and QThreads alike).
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from waiting import wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["FOUNDRY_BENCH_OFFLINE"] = "1"
os.environ.pop("FOUNDRY_LOCAL_ENDPOINT", None)
os.environ.pop("OPENAI_API_KEY", None)


class Tripwire:
    """A loopback listener that only counts who connects to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="catalog-tripwire", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/asset-gallery/v1.0/models"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


_TRIPWIRE = Tripwire()
os.environ["FOUNDRY_BENCH_CATALOG_URL"] = _TRIPWIRE.url
_HOME = tempfile.mkdtemp(prefix="foundry-bench-test-home-")
os.environ["FOUNDRY_BENCH_HOME"] = _HOME
# Never the developer's real keychain (child processes inherit this too); tests that need one
# install an in-memory keyring.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"


@pytest.fixture(scope="session", autouse=True)
def _garbage_collected_on_the_main_thread() -> Iterator[None]:
    """As the app does (``ui.base.gui_gc``): no automatic collection, which could free a test's
    leftover widgets on a worker thread and deadlock it with the main thread; each test's
    garbage is collected on the main thread when it ends (``_no_dangling_threads``)."""
    import gc

    gc.disable()
    yield
    gc.enable()


@pytest.fixture(scope="session")
def catalog_tripwire() -> Tripwire:
    return _TRIPWIRE


@pytest.fixture(scope="session")
def bench_home() -> Path:
    return Path(_HOME)


# Threads that may outlive a test by design: the tripwire, and threads the SDK's native
# runtime or Python's own machinery start once per process.
_ALLOWED_THREAD_PREFIXES = ("catalog-tripwire", "MainThread", "foundry-catalog")


def _live_threads() -> set[threading.Thread]:
    return {
        t
        for t in threading.enumerate()
        if t.is_alive() and not t.name.startswith(_ALLOWED_THREAD_PREFIXES)
    }


@pytest.fixture(autouse=True)
def _no_dangling_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    import gc

    before = _live_threads()
    yield
    # The test's garbage dies here, on the main thread. With automatic collection off, all
    # the test allocated is still in the youngest generation: collecting that one is enough,
    # and costs a fraction of a full collection.
    # A reopened run freezes what is alive (``gui_gc.building_long_lived``): a test's frozen
    # garbage goes back to be collected.
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    else:
        gc.collect(0)
    try:  # threads that are ending get 3 s to do so
        wait_until(lambda: not _live_threads() - before, timeout_s=3.0, what="threads to end")
    except AssertionError:
        leaked = _live_threads() - before
        if leaked:
            names = ", ".join(sorted(t.name for t in leaked))
            pytest.fail(f"{request.node.nodeid} left threads running: {names}", pytrace=False)
    _check_qthreads(request)


@pytest.fixture(autouse=True)
def _no_models_left_in_hosts() -> Iterator[None]:
    """A model loaded by hand (the Models page's Load) lives in a runtime host process until
    the window closes; a test that keeps its window open must not leave that process behind."""
    import sys

    yield
    pool = sys.modules.get("foundry_bench.core.run.host_pool")
    if pool is not None:
        pool.HostPool.shared().close()


def _check_qthreads(request: pytest.FixtureRequest) -> None:
    """Fail a test that leaves a worker QThread running (the UI keeps a registry of them)."""
    import sys

    workers = sys.modules.get("foundry_bench.ui.base.workers")
    if workers is None:
        return
    running = workers.running_threads()
    if running:
        pytest.fail(f"{request.node.nodeid} left {len(running)} QThread(s) running", pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import shutil

    _TRIPWIRE.close()
    shutil.rmtree(_HOME, ignore_errors=True)
