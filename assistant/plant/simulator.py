"""The ``simulator`` plant backend: a deterministic demo plant written into the historian.

Values are a pure function of the seed, the asset model and the time:

    value(t) = healthy(t) + fault offset(t) + noise(seed, signal, t)
    healthy(t) = operating point interpolated by the daily load pattern (site local time)

The simulator is a source like the OPC UA or MQTT ingest: on first use it writes
``history_days`` of history into the historian (every 5 minutes, the last two days
every minute), and each later call writes the minutes that passed and a live sample
at the current second. Faults develop from ``onset_h`` hours before that first use
(``simulation.faults`` in the asset model). Alarms are raised and cleared from the
samples against each signal's limits (with a small deadband) and kept in the plant
store with their acknowledgements. A signal listed under ``simulation.stale`` stops
updating before the simulation started, so its reading is stale; quality overrides
make a source report "uncertain" or "bad".

Readings, history and alarms are read back from the historian and the store, so the
assistant sees the demo plant exactly as it would see a plant fed over OPC UA.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import InputError
from .historian import Historian, Point
from .ingest import signal_name
from .model import Alarm, Asset, AssetModel, FaultEffect, MaintenanceRecord, Reading, Signal
from .store import AlarmRow, PlantStore

__all__ = ["SimulatedPlant", "STEP_S", "COARSE_STEP_S", "FINE_H"]

STEP_S = 60  # history resolution of the last FINE_H hours and of everything written later
COARSE_STEP_S = 300  # resolution of the older history written on first use
FINE_H = 48.0
_MASK = (1 << 64) - 1


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _uniform(seed: int, key: int, t: np.ndarray, k: int) -> np.ndarray:
    """Deterministic uniform numbers in [0, 1) from (seed, key, t, k): splitmix64."""
    salt = np.uint64((seed * 0x100000001B3 + key * 0x9E3779B1 + k * 0x632BE5AB) & _MASK)
    with np.errstate(over="ignore"):
        x = t.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ salt
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _gauss(seed: int, key: int, t: np.ndarray) -> np.ndarray:
    """Approximately standard normal: sum of four uniforms, centred and scaled."""
    return (sum(_uniform(seed, key, t, k) for k in range(4)) - 2.0) * math.sqrt(3.0)


class SimulatedPlant:
    """A plant whose values come from a seeded simulation, written to ``historian``."""

    def __init__(self, model: AssetModel, historian: Historian, store: PlantStore, seed: int = 7,
                 stale_after_s: float = 60.0, history_days: float = 30.0,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self._model = model
        self.historian = historian
        self.store = store
        self.seed = int(seed)
        self.stale_after_s = float(stale_after_s)
        self.history_s = int(history_days * 86400)
        self.clock = clock or _utc_now
        self.tz = model.site.tz
        self._lock = threading.RLock()
        self._fingerprint = self._make_fingerprint()
        self._start: int | None = None

    @property
    def model(self) -> AssetModel:
        return self._model

    # ------------------------------------------------------------------ time and simulation

    def _now(self) -> int:
        return int(self.clock().timestamp())

    def _time(self, t: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(t, self.tz)

    def _make_fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(repr((self.seed, STEP_S, COARSE_STEP_S, self.history_s, self._model.site, self._model.assets,
                            self._model.simulation)).encode())
        return digest.hexdigest()[:16]

    def _load(self, times: np.ndarray) -> np.ndarray:
        """Daily load pattern in 0..1: lowest around 04:00, highest around 16:00 site time."""
        hours = times // 3600
        offsets = {int(h): self._time(int(h) * 3600).utcoffset() for h in np.unique(hours)}
        local = times + np.array([offsets[int(h)].total_seconds() if offsets[int(h)] else 0 for h in hours])
        hour_of_day = (local % 86400) / 3600.0
        daily = 0.5 - 0.5 * np.cos(2 * np.pi * (hour_of_day - 4.0) / 24.0)
        drift = 0.06 * np.sin(2 * np.pi * times / (86400 * 2.7) + self.seed)
        return np.clip(daily + drift, 0.0, 1.0)

    def _healthy(self, signal: Signal, times: np.ndarray) -> np.ndarray:
        low, high = signal.operating
        return low + (high - low) * self._load(times)

    def _effects(self, asset: str, key: str, start: int) -> list[tuple[float, FaultEffect]]:
        """(onset time, effect) of the injected faults acting on one signal."""
        return [(start - fault.onset_h * 3600.0, effect) for fault in self._model.simulation.faults
                if fault.asset == asset for effect in fault.effects if effect.measurement == key]

    def _values(self, asset: str, signal: Signal, times: np.ndarray, start: int) -> np.ndarray:
        effects = self._effects(asset, signal.key, start)
        for onset, effect in effects:  # a sticking actuator: the value moves only every hold_min minutes
            if effect.hold_min > 0:
                hold = int(effect.hold_min * 60)
                times = np.where(times > onset, onset + (times - onset) // hold * hold, times).astype(np.int64)
        key = zlib.crc32(f"{asset}.{signal.key}".encode())
        values = self._healthy(signal, times) + (signal.noise * _gauss(self.seed, key, times) if signal.noise else 0.0)
        for onset, effect in effects:
            values = values + np.sign(effect.rate) * np.clip(abs(effect.rate) * (times - onset) / 3600.0, 0.0,
                                                             effect.max)
        return np.round(values, 4)

    def _stop_time(self, asset: str, key: str, start: int) -> int | None:
        for stale in self._model.simulation.stale:
            if stale.asset == asset and stale.measurement == key:
                return int(start - stale.stopped_min * 60)
        return None

    def _quality(self, asset: str, key: str) -> str:
        for override in self._model.simulation.quality:
            if override.asset == asset and override.measurement == key:
                return override.quality
        return "good"

    def _grid(self, first: int, now: int) -> np.ndarray:
        """Sample times in [first, now]: coarse before the last FINE_H hours, fine after, and ``now`` itself."""
        fine_from = max(first, now - int(FINE_H * 3600))
        coarse = np.arange(-(-first // COARSE_STEP_S) * COARSE_STEP_S, fine_from, COARSE_STEP_S, dtype=np.int64)
        fine = np.arange(-(-fine_from // STEP_S) * STEP_S, now + 1, STEP_S, dtype=np.int64)
        times = np.concatenate([coarse, fine])
        return times if times.size and times[-1] == now else np.append(times, np.int64(now))

    def _advance(self) -> int:
        """Bring the historian up to now: the history on first use, then what passed since."""
        now = self._now()
        with self._lock:
            meta = self.store.meta()
            if meta.get("fingerprint") != self._fingerprint:
                with self.store.transaction() as db:
                    self.store.clear(db)
                    self.store.set_meta(db, fingerprint=self._fingerprint, start=now, seed=self.seed,
                                        last=now - self.history_s - 1)
                meta = self.store.meta()
            start, last = int(meta["start"]), int(meta["last"])
            self._start = start
            if now <= last:
                return now
            times = self._grid(max(last + 1, now - self.history_s), now)
            with self.store.transaction() as db:  # the samples first: a crash in between writes them again
                open_alarms = self.store.open_alarms(db)
                for asset in self._model.assets:
                    for signal in asset.signals:
                        stop = self._stop_time(asset.id, signal.key, start)
                        ts = times if stop is None else times[times <= stop]
                        if not ts.size:
                            continue
                        values = self._values(asset.id, signal, ts, start)
                        quality = self._quality(asset.id, signal.key)
                        name = signal_name(asset.id, signal.key)
                        self.historian.write(Point(name, self._time(int(t)), v, quality)
                                             for t, v in zip(ts.tolist(), values.tolist()))
                        if signal.limits and quality != "bad":
                            self._evaluate_alarms(db, open_alarms, asset, signal, ts, values)
                self.store.set_meta(db, last=now)
        return now

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

    # ------------------------------------------------------------------ pure series (not stored)

    @property
    def started(self) -> dt.datetime:
        """When the simulation started (its first use); fault onsets count back from it."""
        self._advance()
        assert self._start is not None
        return self._time(self._start)

    def fault_onsets(self) -> dict[str, dt.datetime]:
        """Asset -> when its injected fault starts to develop (the earliest, if several)."""
        start = int(self.started.timestamp())
        onsets: dict[str, dt.datetime] = {}
        for fault in sorted(self._model.simulation.faults, key=lambda f: -f.onset_h):
            onsets.setdefault(fault.asset, self._time(int(start - fault.onset_h * 3600)))
        return onsets

    def series(self, asset: str, measurement: str, times: np.ndarray) -> np.ndarray:
        """Values at ``times`` (epoch seconds) as the source reports them, computed, not read back:
        NaN where the source had stopped or reports bad quality, or for an unknown signal."""
        signal = self._model.signal(asset, measurement)
        times = np.asarray(times, dtype=np.int64)
        if signal is None or self._quality(asset, measurement) == "bad":
            return np.full(len(times), np.nan)
        start = int(self.started.timestamp())
        values = self._values(asset, signal, times, start)
        stop = self._stop_time(asset, measurement, start)
        return values if stop is None else np.where(times <= stop, values, np.nan)

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
