"""The ``historian`` plant backend: the plant as its historian records it.

    plant = HistorianPlant(model, historian, PlantStore(data_dir / "plant.sqlite"))
    plant.reading("P-102", "bearing_temperature")    # the latest sample, stale or bad flagged
    plant.alarms()                                    # raised from the samples against the limits

Samples arrive from any source: the OPC UA or MQTT ingest (``plantvoice plant ingest``), a
CSV import, or the simulator (``simulator.py``, which is this plant plus a source). Alarms
are evaluated from the samples written since the last evaluation against each signal's
limits of the asset model, with a small deadband, bad samples left out; they and their
acknowledgements are kept in the plant store (SQLite, written durably).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import InputError
from .historian import Historian, Point
from .ingest import signal_name
from .model import Alarm, Asset, AssetModel, MaintenanceRecord, Reading, Signal
from .store import AlarmRow, PlantStore

__all__ = ["HistorianPlant"]

FIRST_ALARM_WINDOW_S = 86400  # a new plant store evaluates alarms over this much of the past


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class HistorianPlant:
    """Readings, history and alarms of ``model`` from ``historian``; alarms kept in ``store``."""

    def __init__(self, model: AssetModel, historian: Historian, store: PlantStore, stale_after_s: float = 60.0,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self._model = model
        self.historian = historian
        self.store = store
        self.stale_after_s = float(stale_after_s)
        self.clock = clock or _utc_now
        self.tz = model.site.tz
        self._lock = threading.RLock()

    @property
    def model(self) -> AssetModel:
        return self._model

    def _now(self) -> int:
        return int(self.clock().timestamp())

    def _time(self, t: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(t, self.tz)

    def _advance(self) -> int:
        """Bring the plant up to now: evaluate the alarms on what was written since the last time."""
        now = self._now()
        with self._lock:
            since = int(self.store.meta().get("alarms_until", now - self._first_alarm_window_s()))
            if now > since:
                self._update_alarms(since, now)
        return now

    def _first_alarm_window_s(self) -> int:
        return FIRST_ALARM_WINDOW_S

    def _update_alarms(self, since: int, now: int) -> None:
        with self.store.transaction() as db:
            open_alarms = self.store.open_alarms(db)
            for asset in self._model.assets:
                for signal in asset.signals:
                    if not signal.limits:
                        continue
                    points = [p for p in self.historian.samples(signal_name(asset.id, signal.key), self._time(since + 1),
                                                                self._time(now + 1)) if p.quality != "bad"]
                    if points:
                        times = np.array([int(p.time.timestamp()) for p in points], dtype=np.int64)
                        values = np.array([p.value for p in points])
                        self._evaluate_alarms(db, open_alarms, asset, signal, times, values)
            self.store.set_meta(db, alarms_until=now)

    def _evaluate_alarms(self, db: object, open_alarms: dict[tuple[str, str, str], int], asset: Asset,
                         signal: Signal, times: np.ndarray, values: np.ndarray) -> None:
        """Raise an alarm where a limit is crossed, clear it where the value is back beyond the deadband."""
        deadband = 0.02 * (signal.normal[1] - signal.normal[0])
        for limit in signal.limits:
            key = (asset.id, signal.key, limit.kind)
            over = values > limit.value if limit.high else values < limit.value
            back = values < limit.value - deadband if limit.high else values > limit.value + deadband
            change = np.where(over, 1, np.where(back, -1, 0))  # hysteresis: the latest decisive sample rules
            decided = np.flatnonzero(change)
            state = np.zeros(len(values), dtype=bool)
            if decided.size:
                idx = np.maximum.accumulate(np.where(change != 0, np.arange(len(values)), -1))
                state = np.where(idx >= 0, change[np.maximum(idx, 0)] > 0, key in open_alarms)
            else:
                state[:] = key in open_alarms
            before = np.concatenate([[key in open_alarms], state[:-1]])
            for i in np.flatnonzero(state != before):
                if state[i]:
                    open_alarms[key] = self.store.raise_alarm(db, asset.id, signal.key, limit.kind,  # type: ignore[arg-type]
                                                              limit.priority, limit.value, float(values[i]),
                                                              signal.unit, int(times[i]))
                else:
                    self.store.clear_alarm(db, open_alarms.pop(key), float(values[i]), int(times[i]))  # type: ignore[arg-type]
            if key in open_alarms:
                self.store.update_alarm(db, open_alarms[key], float(values[-1]))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ readings

    def _reading(self, asset: str, signal: Signal, point: Point, now: int, live: bool) -> Reading:
        t = point.time.timestamp()
        return Reading(asset=asset, measurement=signal.key, value=point.value, unit=signal.unit, quality=point.quality,
                       time=point.time.astimezone(self.tz), source=f"historian:{point.signal}",
                       stale=live and now - t > self.stale_after_s)

    def reading(self, asset: str, measurement: str) -> Reading | None:
        """The latest value of one signal; None when the asset has no such signal."""
        signal = self._model.signal(asset, measurement)
        if signal is None:
            return None
        now = self._advance()
        latest = self.historian.latest(signal_name(asset, measurement), at=self._time(now))
        if latest is None:
            return None
        point = Point(latest.signal, latest.time, latest.value, latest.quality)
        return self._reading(asset, signal, point, now, live=True)

    def readings(self, asset: str) -> list[Reading]:
        found = self._model.asset(asset)
        if found is None:
            return []
        return [r for r in (self.reading(asset, s.key) for s in found.signals) if r is not None]

    def history(self, asset: str, measurement: str, start: dt.datetime, end: dt.datetime) -> list[Reading]:
        """Every sample in [start, end], oldest first."""
        signal = self._model.signal(asset, measurement)
        if signal is None:
            return []
        now = self._advance()
        until = self._time(min(int(end.timestamp()), now) + 1)
        points = self.historian.samples(signal_name(asset, measurement), start, until)
        return [self._reading(asset, signal, p, now, live=False) for p in points]

    # ------------------------------------------------------------------ alarms

    def _alarm(self, row: AlarmRow, now: int) -> Alarm:
        cleared = row["cleared"] if row["cleared"] is not None and row["cleared"] <= now else None
        acknowledged = row["acknowledged"] if row["acknowledged"] is not None and row["acknowledged"] <= now else None
        return Alarm(
            id=int(row["id"]), asset=row["asset"], measurement=row["measurement"], kind=row["kind"],
            priority=row["priority"], limit=float(row["limit_value"]), value=float(row["value"]), unit=row["unit"],
            raised=self._time(int(row["raised"])), active=cleared is None,
            cleared=self._time(int(cleared)) if cleared is not None else None,
            acknowledged=self._time(int(acknowledged)) if acknowledged is not None else None,
            acknowledged_by=row["acknowledged_by"] if acknowledged is not None else None,
        )

    def alarms(self, active_only: bool = True) -> list[Alarm]:
        """Alarms raised so far, oldest first; only those whose condition is present by default."""
        now = self._advance()
        return [self._alarm(row, now) for row in self.store.alarms(active_only, now)]

    def acknowledge(self, alarm_id: int, by: str) -> Alarm:
        """Mark an alarm acknowledged (durably); an already acknowledged alarm is returned unchanged."""
        now = self._advance()
        if self.store.alarm(int(alarm_id)) is None:
            raise InputError(f"alarm {alarm_id} does not exist; acknowledge an id from the alarm list")
        row = self.store.acknowledge(int(alarm_id), by, now)
        assert row is not None
        return self._alarm(row, now)

    # ------------------------------------------------------------------ maintenance

    def maintenance(self, asset: str) -> list[MaintenanceRecord]:
        """Maintenance records of ``asset``, newest first."""
        return sorted((m for m in self._model.maintenance if m.asset == asset), key=lambda m: m.date, reverse=True)

    def close(self) -> None:
        self.store.close()
        self.historian.close()

    @property
    def path(self) -> Path:
        return self.store.path
