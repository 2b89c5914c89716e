"""N requests in flight at once, each timed on its own: the scheduler of a run's requests.

The generator thread dispatches jobs to ``concurrency`` worker threads and yields each result
as it ends. A new job is dispatched only once the consumer has taken a result (when the
generator resumes after its ``yield``), so at most ``concurrency`` requests are ever started
but not yet recorded, and with ``concurrency=1`` the order and pacing are exactly those of a
plain loop. Each request gets a cancel event that is set by the run's cancel, by closing the
generator, or when the run stops for good; ``halt`` only stops dispatching, so the requests
already in flight finish and are recorded.

The client measures TTFT and latency inside each request (its own ``t0``); ``start_s`` and
``end_s`` here are when the request was handed to the client and when its answer came back,
which is what the wall time of a phase (and so aggregate throughput) is made of.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from foundry_bench.core.results.records import Measurement

J = TypeVar("J")

# How often the generator thread wakes while it waits for a result: a blocked queue read
# would not see Ctrl-C on every platform.
_WAKE_S = 0.1


class AnyEvent(threading.Event):
    """Set when it is set itself or any of ``parents`` is (a cancel covering one part of a
    run, or joining the user's Cancel and a job's). Readers only call ``is_set``."""

    def __init__(self, *parents: threading.Event) -> None:
        super().__init__()
        self._parents = parents

    def is_set(self) -> bool:
        return super().is_set() or any(p.is_set() for p in self._parents)


@dataclass(frozen=True)
class Finished(Generic[J]):
    job: J
    measurement: Measurement
    start_s: float  # time.perf_counter() as the job was handed to ``send``
    end_s: float  # time.perf_counter() as ``send`` returned


@dataclass(frozen=True)
class _Raised:
    error: BaseException


Send = Callable[[J, threading.Event], Measurement]


class InFlight(Generic[J]):
    """Run ``send(job, cancel)`` for each job with up to ``concurrency`` at once; iterate once.

    ``send`` must be thread-safe; if it raises, iteration re-raises the error after the other
    requests were cancelled.
    """

    def __init__(
        self,
        jobs: Sequence[J],
        send: Send[J],
        concurrency: int,
        cancel: threading.Event,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be 1 or more, got {concurrency}")
        self._jobs = jobs  # indexed as they are sent: a plan's jobs are made on demand
        self._next = 0
        self._send = send
        self._concurrency = concurrency
        self._cancel = cancel
        self._stop = AnyEvent(cancel)  # cancels the requests in flight
        self._halted = False
        self._work: queue.SimpleQueue[J | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[Finished[J] | _Raised] = queue.SimpleQueue()

    def halt(self) -> None:
        """Dispatch no more jobs; the ones in flight finish and are still yielded."""
        self._halted = True

    def __iter__(self) -> Generator[Finished[J], None, None]:
        n_workers = min(self._concurrency, len(self._jobs))
        workers = [
            threading.Thread(target=self._worker, name=f"request-{i + 1}", daemon=True)
            for i in range(n_workers)
        ]
        for t in workers:
            t.start()
        pending = 0
        try:
            for _ in workers:
                pending += self._dispatch()
            while pending:
                item = self._take()
                pending -= 1
                if isinstance(item, _Raised):
                    raise item.error
                yield item
                pending += self._dispatch()
        finally:
            self._stop.set()
            for _ in workers:
                self._work.put(None)
            for t in workers:
                t.join()

    def _dispatch(self) -> int:
        if self._halted or self._cancel.is_set() or self._next >= len(self._jobs):
            return 0
        self._work.put(self._jobs[self._next])
        self._next += 1
        return 1

    def _take(self) -> Finished[J] | _Raised:
        while True:
            try:
                return self._results.get(timeout=_WAKE_S)
            except queue.Empty:
                continue

    def _worker(self) -> None:
        while (job := self._work.get()) is not None:
            start = time.perf_counter()
            try:
                measurement = self._send(job, self._stop)
            except BaseException as exc:  # handed to the generator thread, which re-raises
                self._results.put(_Raised(exc))
                continue
            self._results.put(Finished(job, measurement, start, time.perf_counter()))
