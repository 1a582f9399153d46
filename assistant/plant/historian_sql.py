"""What the SQL historians share: the queries, written once for SQLite and PostgreSQL.

    signals  id <-> name ("P-102.bearing_temperature"), so samples carry a small integer
    points   (signal, t) -> value, quality; t in microseconds since the epoch, quality 0 good,
             1 uncertain, 2 bad; the primary key orders each signal's samples by time
    alarms   id -> asset, signal, priority, state, raised, changed, message
    events   asset, kind, t, text

Queries are written with ``?`` placeholders; a backend swaps them for its own. A backend
supplies the connection (``_query``, ``_execute``, ``_transaction``), the bulk insert of
points and the "last value per bucket" query, the only one the dialects disagree on.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from ..errors import DataError
from .historian import (
    ALARM_STATES,
    Aggregate,
    AlarmRecord,
    Event,
    Exceedance,
    Latest,
    Point,
    from_us,
    to_us,
    utc_now,
)
from .model import PRIORITIES, QUALITIES

__all__ = ["SqlHistorian", "PointRow", "quality_code"]

PointRow = tuple[int, int, float, int]  # signal id, t (us), value, quality code
_CODES = {name: code for code, name in enumerate(QUALITIES)}

_LATEST = "SELECT t, value, quality FROM points WHERE signal = ? AND t <= ? ORDER BY t DESC LIMIT 1"
_SAMPLES = "SELECT t, value, quality FROM points WHERE signal = ? AND t >= ? AND t < ? ORDER BY t"
# Usable samples (good, uncertain): x is seconds since the window start, for the least-squares slope.
_STATS = """
SELECT {b} count(*), min(value), max(value), avg(value), sum(x), sum(x * x), sum(x * value)
FROM (SELECT t, value, CAST(t - ? AS DOUBLE PRECISION) * 0.000001 AS x
      FROM points WHERE signal = ? AND t >= ? AND t < ? AND quality < 2) s {group}
"""
_NOT_GOOD = "SELECT {b} count(*) FROM points WHERE signal = ? AND t >= ? AND t < ? AND quality > 0 {group}"
_LAST = "SELECT t, value FROM points WHERE signal = ? AND t >= ? AND t < ? AND quality < 2 ORDER BY t DESC LIMIT 1"
_SEEKS = 64  # up to this many non-empty buckets, the last values are found by index seeks
_EXCEEDANCES = """
WITH s AS (SELECT t, value, CASE WHEN value {op} ? THEN 1 ELSE 0 END AS x, LEAD(t) OVER (ORDER BY t) AS next_t
           FROM points WHERE signal = ? AND t >= ? AND t < ? AND quality < 2),
     g AS (SELECT t, value, x, next_t,
                  ROW_NUMBER() OVER (ORDER BY t) - ROW_NUMBER() OVER (PARTITION BY x ORDER BY t) AS grp FROM s)
SELECT min(t), {peak}(value), CASE WHEN count(next_t) < count(*) THEN NULL ELSE max(next_t) END
FROM g WHERE x = 1 GROUP BY grp ORDER BY min(t)
"""
_ALARM_UPSERT = """
INSERT INTO alarms (id, asset, signal, priority, state, raised, changed, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET asset = excluded.asset, signal = excluded.signal, priority = excluded.priority,
    state = excluded.state, raised = excluded.raised, changed = excluded.changed, message = excluded.message
WHERE excluded.changed >= alarms.changed
"""
_ALARM_COLUMNS = "id, asset, signal, priority, state, raised, changed, message"


def quality_code(quality: str, where: str) -> int:
    try:
        return _CODES[quality]
    except KeyError:
        raise DataError(f"{where}: quality {quality!r} is not one of {', '.join(QUALITIES)}; "
                        "map the source's status to one of them") from None


class _Where:
    """Conditions joined by AND; a condition whose values are missing (None or none at all) is left out."""

    def __init__(self) -> None:
        self.parts: list[str] = ["1 = 1"]
        self.args: list[Any] = []

    def add(self, condition: str, *values: Any) -> None:
        if values and all(v is not None for v in values):
            self.parts.append(condition)
            self.args.extend(values)

    def __str__(self) -> str:
        return " AND ".join(self.parts)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join('?' for _ in values)})"


class SqlHistorian(ABC):
    """A Historian over SQL; subclasses bring the connection and the dialect's bulk insert."""

    def __init__(self, stale_after_s: float, clock: Callable[[], dt.datetime] | None) -> None:
        self.stale_after_s = stale_after_s
        self.clock = clock or utc_now
        self._lock = threading.RLock()
        self._ids: dict[str, int] = {}

    # -- what a backend supplies

    @abstractmethod
    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def _execute(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[None]: ...

    @abstractmethod
    def _insert_points(self, rows: list[PointRow]) -> None: ...

    @abstractmethod
    def _last_per_bucket(self, signal: int, start: int, end: int, bucket: int) -> dict[int, tuple[int, float]]: ...

    @abstractmethod
    def close(self) -> None: ...

    # -- writes

    def write(self, points: Iterable[Point]) -> int:
        batch = list(points)
        names = {p.signal for p in batch}
        with self._lock, self._transaction():
            ids = self._signal_ids(names, create=True)
            rows = [(ids[p.signal], to_us(p.time), float(p.value), _code(p)) for p in batch]
            self._insert_points(rows)
        return len(rows)

    def write_alarms(self, alarms: Iterable[AlarmRecord]) -> None:
        rows = [_alarm_row(a) for a in alarms]
        with self._lock, self._transaction():
            self._execute(_ALARM_UPSERT, rows)

    def write_events(self, events: Iterable[Event]) -> None:
        rows = [(e.asset, e.kind, to_us(e.time), e.text) for e in events]
        with self._lock, self._transaction():
            self._execute("INSERT INTO events (asset, kind, t, text) VALUES (?, ?, ?, ?)", rows)

    def _signal_ids(self, names: Iterable[str], create: bool) -> dict[str, int]:
        missing = sorted(n for n in names if n not in self._ids)
        if missing and create:
            self._execute("INSERT INTO signals (name) VALUES (?) ON CONFLICT (name) DO NOTHING",
                          [(n,) for n in missing])
        for start in range(0, len(missing), 500):
            part = missing[start:start + 500]
            self._ids.update((n, int(i)) for i, n in self._query(
                f"SELECT id, name FROM signals WHERE {_in('name', part)}", part))
        return self._ids

    def _signal_id(self, name: str) -> int | None:
        with self._lock:
            return self._signal_ids([name], create=False).get(name)

    # -- queries

    def latest(self, signal: str, max_age_s: float | None = None, at: dt.datetime | None = None) -> Latest | None:
        now = at or self.clock()
        sid = self._signal_id(signal)
        rows = [] if sid is None else self._locked_query(_LATEST, (sid, to_us(now)))
        if not rows:
            return None
        t, value, code = rows[0]
        age = (to_us(now) - t) / 1e6
        limit = self.stale_after_s if max_age_s is None else max_age_s
        return Latest(signal, float(value), QUALITIES[code], from_us(t), age, age > limit)

    def samples(self, signal: str, start: dt.datetime, end: dt.datetime) -> list[Point]:
        """Every sample in [start, end), bad ones included, oldest first."""
        sid = self._signal_id(signal)
        rows = [] if sid is None else self._locked_query(_SAMPLES, (sid, to_us(start), to_us(end)))
        return [Point(signal, from_us(t), float(v), QUALITIES[q]) for t, v, q in rows]

    def aggregate(self, signal: str, start: dt.datetime, end: dt.datetime,
                  bucket_s: float | None = None) -> list[Aggregate]:
        s, e = to_us(start), to_us(end)
        if e <= s:
            return []
        bucket = e - s if not bucket_s else max(1, round(bucket_s * 1e6))
        sid = self._signal_id(signal)
        with self._lock:
            stats, not_good, last = ({}, {}, {}) if sid is None else self._bucket_stats(sid, s, e, bucket)
        return [_aggregate(signal, s, bucket, b, min(e, s + (b + 1) * bucket), stats.get(b), not_good.get(b, 0),
                           last.get(b)) for b in range(math.ceil((e - s) / bucket))]

    def _bucket_stats(self, sid: int, s: int, e: int, bucket: int) -> tuple[
            dict[int, tuple[Any, ...]], dict[int, int], dict[int, tuple[int, float]]]:
        grouped = bucket < e - s
        b, group = ("(t - ?) / ? AS b,", "GROUP BY b") if grouped else ("", "")
        head: tuple[int, ...] = (s, bucket) if grouped else ()
        stats = _by_bucket(self._query(_STATS.format(b=b, group=group), head + (s, sid, s, e)), grouped)
        not_good = {k: int(v[0]) for k, v in _by_bucket(
            self._query(_NOT_GOOD.format(b=b, group=group), head + (sid, s, e)), grouped).items()}
        filled = [k for k, v in stats.items() if v[0]]
        if len(filled) > _SEEKS:
            return stats, not_good, self._last_per_bucket(sid, s, e, bucket)
        last = {}
        for k in filled:
            rows = self._query(_LAST, (sid, s + k * bucket, min(e, s + (k + 1) * bucket)))
            last[k] = (int(rows[0][0]), float(rows[0][1]))
        return stats, not_good, last

    def exceedances(self, signal: str, start: dt.datetime, end: dt.datetime, limit: float,
                    above: bool = True) -> list[Exceedance]:
        sid = self._signal_id(signal)
        if sid is None:
            return []
        sql = _EXCEEDANCES.format(op=">" if above else "<", peak="max" if above else "min")
        rows = self._locked_query(sql, (limit, sid, to_us(start), to_us(end)))
        return [Exceedance(signal, above, limit, from_us(t0), None if t1 is None else from_us(t1), float(peak))
                for t0, peak, t1 in rows]

    def alarms(self, asset: str | None = None, states: Sequence[str] | None = None,
               start: dt.datetime | None = None, end: dt.datetime | None = None) -> list[AlarmRecord]:
        where = _Where()
        where.add("asset = ?", asset)
        where.add(_in("state", states or ()), *(states or ()))
        where.add("raised < ?", None if end is None else to_us(end))
        where.add("(state <> 'cleared' OR changed >= ?)", None if start is None else to_us(start))
        args = where.args
        rows = self._locked_query(f"SELECT {_ALARM_COLUMNS} FROM alarms WHERE {where} "
                                  "ORDER BY raised, id", args)
        return [AlarmRecord(i, a, s, p, st, from_us(r), from_us(c), m) for i, a, s, p, st, r, c, m in rows]

    def events(self, asset: str, start: dt.datetime | None = None, end: dt.datetime | None = None,
               kinds: Sequence[str] | None = None) -> list[Event]:
        where = _Where()
        where.add("asset = ?", asset)
        where.add("t >= ?", None if start is None else to_us(start))
        where.add("t < ?", None if end is None else to_us(end))
        where.add(_in("kind", kinds or ()), *(kinds or ()))
        args = where.args
        rows = self._locked_query(f"SELECT asset, kind, t, text FROM events WHERE {where} "
                                  "ORDER BY t, id", args)
        return [Event(a, k, from_us(t), x) for a, k, t, x in rows]

    def _locked_query(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._query(sql, args)


def _code(point: Point) -> int:
    if point.quality == "good":
        return 0
    return quality_code(point.quality, f"point {point.signal} at {point.time.isoformat()}")


def _alarm_row(alarm: AlarmRecord) -> tuple[Any, ...]:
    where = f"alarm {alarm.id} ({alarm.asset})"
    if alarm.state not in ALARM_STATES:
        raise DataError(f"{where}: state {alarm.state!r} is not one of {', '.join(ALARM_STATES)}; fix the state")
    if alarm.priority not in PRIORITIES:
        raise DataError(f"{where}: priority {alarm.priority!r} is not one of {', '.join(PRIORITIES)}; "
                        "fix the priority")
    return (alarm.id, alarm.asset, alarm.signal, alarm.priority, alarm.state, to_us(alarm.raised),
            to_us(alarm.changed), alarm.message)


def _by_bucket(rows: list[tuple[Any, ...]], grouped: bool) -> dict[int, tuple[Any, ...]]:
    return {int(r[0]): r[1:] for r in rows} if grouped else {0: rows[0]} if rows else {}


def _aggregate(signal: str, s: int, bucket: int, b: int, e: int, stats: tuple[Any, ...] | None, not_good: int,
               last: tuple[int, float] | None) -> Aggregate:
    n, lo, hi, mean, sx, sxx, sxy = stats or (0, None, None, None, None, None, None)
    quality = "bad" if not n else "good" if not not_good else "uncertain"
    slope = _slope(int(n), sx, sxx, sxy, mean) if n else None
    return Aggregate(signal, from_us(s + b * bucket), from_us(e), int(n), _f(lo), _f(hi), _f(mean),
                     None if last is None else float(last[1]), None if last is None else from_us(last[0]),
                     slope, quality)


def _slope(n: int, sx: float, sxx: float, sxy: float, mean: float) -> float | None:
    """Least squares over x in seconds: (Σxy − Σx·ȳ) / (Σx² − (Σx)²/n), centred to keep precision."""
    mx = sx / n
    spread = sxx - sx * mx
    if n < 2 or spread <= 1e-9 * max(1.0, sxx):
        return None
    return (sxy - sx * mean) / spread


def _f(value: Any) -> float | None:
    return None if value is None else float(value)

