"""The one thread the shared Pipeline runs on: it is not thread-safe, and its models load once.

    worker = Worker(build_pipeline, max_waiting=4)
    worker.start()                                   # builds the Pipeline on the thread, waits for it
    answer = await worker.call(lambda p: p.ask("..."))          # Busy when more than max_waiting wait
    answer = await worker.call(confirm_it, urgent=True)         # always queued: a confirmed write is never dropped

Jobs run one at a time, in order; a job whose caller gave up still runs, its result is dropped.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from ..pipeline import Pipeline

__all__ = ["Busy", "Worker"]

T = TypeVar("T")


class Busy(Exception):
    """Too many requests wait already; try again (HTTP 503, WebSocket ``busy``)."""


class Worker:
    def __init__(self, build: Callable[[], Pipeline], max_waiting: int) -> None:
        self.build = build
        self.max_waiting = max_waiting
        self.jobs: queue.Queue[tuple[Callable[[Pipeline], Any], Callable[[Any, BaseException | None], None]] | None]
        self.jobs = queue.Queue()
        self.running = False
        self.pipeline: Pipeline | None = None
        self._thread = threading.Thread(target=self._run, name="pipeline", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> Pipeline:
        """Build the Pipeline on the worker thread; its errors are raised here."""
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self.pipeline is not None
        return self.pipeline

    def stop(self) -> None:
        self.jobs.put(None)
        self._thread.join(timeout=30)

    @property
    def idle(self) -> bool:
        return not self.running and self.jobs.empty()

    async def call(self, job: Callable[[Pipeline], T], urgent: bool = False) -> T:
        """``job(pipeline)`` on the worker thread; Busy when more than ``max_waiting`` jobs are ahead of it,
        unless ``urgent`` (a confirmation, the next piece of an answer being spoken)."""
        if not urgent and self.jobs.qsize() + self.running > self.max_waiting:
            raise Busy("the server is busy: the queue for the recognizer is full ([serve] max_waiting = "
                       f"{self.max_waiting}); try again in a moment")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def done(result: Any, error: BaseException | None) -> None:
            loop.call_soon_threadsafe(_settle, future, result, error)

        self.jobs.put((job, done))
        return await future

    def _run(self) -> None:
        try:
            self.pipeline = self.build()
        except BaseException as exc:  # noqa: BLE001 - raised again by start()
            self._error = exc
        self._ready.set()
        while self.pipeline is not None and (item := self.jobs.get()) is not None:
            job, done = item
            self.running = True
            try:
                result, error = job(self.pipeline), None
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                result, error = None, exc
            finally:
                self.running = False
            done(result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller gave up (a client gone, a barge-in)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
