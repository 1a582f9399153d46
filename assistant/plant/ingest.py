"""What the live ingests share: the signals' source addresses, counters and the batch writer.

    sources = source_signals(model)            # one SourceSignal per signal, with its addresses
    writer = BatchWriter(historian)             # bounded queue -> historian.write in batches
    writer.put(point)                           # from the event loop; False (counted) when full
    writer.start()                              # writes off the event loop (asyncio.to_thread)
    await writer.close()                        # writes what is left, then stops

When a source goes away, ``mark_bad`` writes one point per signal with the last value seen
and quality "bad" at the time the loss was noticed (there is no source time for it): `latest`
then reports the signal as not current at once, and it turns stale by age as no new points
arrive until the source is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from .historian import Historian, Point, utc_now
from .model import AssetModel

__all__ = ["BatchWriter", "IngestStats", "LastValues", "SourceSignal", "signal_name", "source_signals"]

log = logging.getLogger(__name__)


def signal_name(asset: str, key: str) -> str:
    """The historian's name of a signal: ``P-102.bearing_temperature``."""
    return f"{asset}.{key}"


@dataclass(frozen=True, slots=True)
class SourceSignal:
    """A signal of the asset model with its historian name, unit and source addresses."""

    asset: str
    key: str
    unit: str
    opcua: str
    mqtt: str

    @property
    def name(self) -> str:
        return signal_name(self.asset, self.key)


def source_signals(model: AssetModel) -> list[SourceSignal]:
    return [SourceSignal(a.id, s.key, s.unit, s.opcua, s.mqtt) for a in model.assets for s in a.signals]


@dataclass
class IngestStats:
    """Counters of one ingest; ``rejected`` counts by reason ("bad JSON", "unit mismatch", ...)."""

    received: int = 0
    written: int = 0
    dropped: int = 0  # queue full or the historian refused a batch
    rejected: Counter[str] = field(default_factory=Counter)
    connects: int = 0  # successful connections, the first one included
    marked_bad: int = 0  # points written with quality "bad" because the source went away
    connected: bool = False

    def reject(self, source: str, reason: str, detail: str) -> None:
        self.rejected[reason] += 1
        log.warning("%s: rejected (%s): %s", source, reason, detail)


class LastValues:
    """The last value written per signal, to mark them bad when their source goes away."""

    def __init__(self) -> None:
        self._values: dict[str, float] = {}

    def note(self, point: Point) -> None:
        self._values[point.signal] = point.value

    def get(self, signal: str) -> float | None:
        return self._values.get(signal)

    def bad_points(self, time: dt.datetime | None = None) -> list[Point]:
        now = time or utc_now()
        return [Point(signal, now, value, "bad") for signal, value in self._values.items()]


class BatchWriter:
    """Points from the event loop into the historian, in batches of up to ``batch_size`` or
    every ``flush_s`` seconds, whichever comes first; the writes run in a worker thread."""

    def __init__(self, historian: Historian, stats: IngestStats | None = None, batch_size: int = 500,
                 flush_s: float = 0.25, queue_size: int = 20_000) -> None:
        self.historian = historian
        self.stats = stats or IngestStats()
        self.batch_size = batch_size
        self.flush_s = flush_s
        self.last = LastValues()
        self._queue: asyncio.Queue[Point] = asyncio.Queue(queue_size)
        self._batch: list[Point] = []
        self._task: asyncio.Task[None] | None = None
        self._inflight: asyncio.Future[None] | None = None

    def put(self, point: Point) -> bool:
        try:
            self._queue.put_nowait(point)
        except asyncio.QueueFull:
            self.stats.dropped += 1
            return False
        self.last.note(point)
        return True

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="historian batch writer")

    async def close(self) -> None:
        """Stop, then write the batch being filled and whatever is still queued."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._inflight is not None:
            await asyncio.gather(self._inflight, return_exceptions=True)
        await self._drain()

    async def _run(self) -> None:
        while True:
            self._batch = [await self._queue.get()]
            await self._fill(self._batch)
            batch, self._batch = self._batch, []
            self._inflight = asyncio.ensure_future(self._write(batch))
            await asyncio.shield(self._inflight)  # a cancel never loses a batch half-written

    async def _fill(self, batch: list[Point]) -> None:
        deadline = asyncio.get_running_loop().time() + self.flush_s
        while len(batch) < self.batch_size:
            if self._queue.empty():
                wait = deadline - asyncio.get_running_loop().time()
                if wait <= 0:
                    return
                with contextlib.suppress(TimeoutError):
                    batch.append(await asyncio.wait_for(self._queue.get(), wait))
                continue
            batch.append(self._queue.get_nowait())

    async def _write(self, batch: list[Point]) -> None:
        try:
            self.stats.written += await asyncio.to_thread(self.historian.write, batch)
        except Exception as exc:  # a refused batch is counted and logged; the ingest goes on
            self.stats.dropped += len(batch)
            log.error("historian refused %d points (%s); they are lost", len(batch), exc)

    async def _drain(self) -> None:
        """Write the batch being filled and the queue (once stopped)."""
        batch, self._batch = self._batch, []
        while not self._queue.empty():
            batch.append(self._queue.get_nowait())
        if batch:
            await self._write(batch)

    def mark_bad(self) -> int:
        """Queue a "bad" point for every signal seen so far (its source went away)."""
        points = self.last.bad_points()
        for point in points:
            self.put(point)
        self.stats.marked_bad += len(points)
        return len(points)
