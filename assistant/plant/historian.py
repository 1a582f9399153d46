"""The historian: time series with quality and source time, alarms and events.

    historian = create_historian(config.plant, config.data_path)   # historians.py
    historian.write([Point("P-102.bearing_temperature", time, 71.5, "good")])
    historian.latest("P-102.bearing_temperature")            # Latest | None (stale flagged)
    historian.samples(signal, start, end)                    # the raw Points, oldest first
    historian.aggregate(signal, start, end, bucket_s=3600)   # min/max/mean/last/slope per bucket
    historian.exceedances(signal, start, end, limit=80.0)    # intervals above (or below) a limit
    historian.alarms(asset="P-102", states=("active",))      # AlarmRecord list
    historian.events("P-102")                                # trips, starts, notes

Every value travels with its quality (good | uncertain | bad) and its source time, like
an OPC UA DataValue. Aggregates and exceedances use good and uncertain samples only; a
bucket with uncertain or bad samples is reported "uncertain", one with none usable "bad".
Times are timezone-aware; naive datetimes are taken as UTC; results come back in UTC.

This module is the protocol and its types only; the backends (``historian_sqlite.py``,
``historian_postgres.py``) implement it, and ``historians.py`` picks one by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .model import QUALITIES

__all__ = [
    "ALARM_STATES",
    "QUALITIES",
    "AlarmRecord",
    "Aggregate",
    "Event",
    "Exceedance",
    "Historian",
    "Latest",
    "Point",
    "from_us",
    "to_us",
]

ALARM_STATES = ("active", "acknowledged", "cleared")
Clock = Callable[[], dt.datetime]


def to_us(time: dt.datetime) -> int:
    """Microseconds since the epoch; a naive time is taken as UTC."""
    if time.tzinfo is None:
        time = time.replace(tzinfo=dt.timezone.utc)
    return (time - _EPOCH) // _US


def from_us(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=us)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_US = dt.timedelta(microseconds=1)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True, slots=True)
class Point:
    """One sample as the source reported it."""

    signal: str  # e.g. "P-102.bearing_temperature"
    time: dt.datetime  # source time
    value: float
    quality: str = "good"  # good | uncertain | bad


@dataclass(frozen=True, slots=True)
class Latest:
    """The newest sample of a signal, and how old it is."""

    signal: str
    value: float
    quality: str
    time: dt.datetime  # source time
    age_s: float  # seconds between the source time and now
    stale: bool  # older than the age limit: never to be presented as the value now

    @property
    def current(self) -> bool:
        return self.quality == "good" and not self.stale


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Summary of one signal over [start, end); count 0 means no usable sample (values None)."""

    signal: str
    start: dt.datetime
    end: dt.datetime
    count: int  # usable samples (good or uncertain)
    min: float | None
    max: float | None
    mean: float | None
    last: float | None
    last_time: dt.datetime | None
    slope: float | None  # least-squares trend, signal units per second
    quality: str  # good: all samples good; uncertain: some uncertain or bad; bad: none usable


@dataclass(frozen=True, slots=True)
class Exceedance:
    """An interval in which a signal stayed above (or below) a limit."""

    signal: str
    above: bool
    limit: float
    start: dt.datetime  # first sample beyond the limit
    end: dt.datetime | None  # first sample back within it; None: still beyond at the window's end
    peak: float  # highest (above) or lowest (below) value in the interval

    @property
    def duration_s(self) -> float | None:
        return None if self.end is None else (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class AlarmRecord:
    """One alarm and its state; a later write with the same id replaces an older one."""

    id: str
    asset: str
    signal: str
    priority: str  # high | medium | low
    state: str  # active | acknowledged | cleared
    raised: dt.datetime
    changed: dt.datetime  # time of the latest state change
    message: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened on an asset: a trip, a start, a stop, an operator's note."""

    asset: str
    kind: str  # trip | start | stop | note | ...
    time: dt.datetime
    text: str = ""


@runtime_checkable
class Historian(Protocol):
    """Writes and queries; unknown signals and empty windows give None or empty lists."""

    def write(self, points: Iterable[Point]) -> int: ...

    def write_alarms(self, alarms: Iterable[AlarmRecord]) -> None: ...

    def write_events(self, events: Iterable[Event]) -> None: ...

    def latest(self, signal: str, max_age_s: float | None = None, at: dt.datetime | None = None) -> Latest | None: ...

    def samples(self, signal: str, start: dt.datetime, end: dt.datetime) -> list[Point]: ...

    def aggregate(self, signal: str, start: dt.datetime, end: dt.datetime,
                  bucket_s: float | None = None) -> list[Aggregate]: ...

    def exceedances(self, signal: str, start: dt.datetime, end: dt.datetime, limit: float,
                    above: bool = True) -> list[Exceedance]: ...

    def alarms(self, asset: str | None = None, states: Sequence[str] | None = None,
               start: dt.datetime | None = None, end: dt.datetime | None = None) -> list[AlarmRecord]: ...

    def events(self, asset: str, start: dt.datetime | None = None, end: dt.datetime | None = None,
               kinds: Sequence[str] | None = None) -> list[Event]: ...

    def close(self) -> None: ...
