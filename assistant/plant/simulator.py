"""The ``simulator`` plant backend: a deterministic demo plant kept in SQLite.

Values are a pure function of the seed, the asset model and the time:

    value(t) = healthy(t) + fault offset(t) + noise(seed, signal, t)
    healthy(t) = operating point interpolated by the daily load pattern (site local time)

On first use the store is filled with the last 24 hours at 1-minute steps; later
calls append the minutes that passed and a live sample at the current second.
Alarms are raised and cleared from the samples against each signal's limits
(with a small deadband). A signal listed under ``simulation.stale`` stops
updating before the simulation started, so its reading is stale; quality
overrides make a source report "uncertain" or "bad".

Fault risk compares the recent history with the healthy behaviour (the residual),
fits its trend and projects it to the failure value of the fault mode in
``knowledge.yaml``: remaining life, its band and the probability of failure within
the mode's horizon.
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
from .model import Alarm, Asset, AssetModel, FaultMode, FaultRisk, MaintenanceRecord, Reading, Signal
from .store import AlarmRow, PlantStore

__all__ = ["SimulatedPlant", "HISTORY_H", "STEP_S"]

HISTORY_H = 24.0  # history created on first use
STEP_S = 60  # history resolution
KEEP_H = 48.0  # samples older than this are pruned
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
    """A plant whose values come from a seeded simulation, stored in ``store``."""

    def __init__(self, model: AssetModel, store: PlantStore, seed: int = 7, stale_after_s: float = 60.0,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self._model = model
        self.store = store
        self.seed = int(seed)
        self.stale_after_s = float(stale_after_s)
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
        digest.update(repr((self.seed, STEP_S, self._model.site, self._model.assets, self._model.simulation)).encode())
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

    def _fault_offset(self, asset: str, signal: Signal, times: np.ndarray, start: int) -> np.ndarray:
        offset = np.zeros(len(times))
        for fault in self._model.simulation.faults:
            if fault.asset != asset:
                continue
            onset = start - fault.onset_h * 3600.0
            for effect in fault.effects:
                if effect.measurement == signal.key:
                    offset += np.clip(effect.rate * (times - onset) / 3600.0, 0.0, effect.max)
        return offset

    def _values(self, asset: str, signal: Signal, times: np.ndarray, start: int) -> np.ndarray:
        key = zlib.crc32(f"{asset}.{signal.key}".encode())
        noise = signal.noise * _gauss(self.seed, key, times) if signal.noise else 0.0
        return np.round(self._healthy(signal, times) + self._fault_offset(asset, signal, times, start) + noise, 4)

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

    def _advance(self) -> int:
        """Bring the store up to now: create the history on first use, append what passed since."""
        now = self._now()
        with self._lock:
            meta = self.store.meta()
            if meta.get("fingerprint") != self._fingerprint:
                with self.store.transaction() as db:
                    self.store.clear(db)
                    self.store.set_meta(db, fingerprint=self._fingerprint, start=now, seed=self.seed,
                                        last=int(now - HISTORY_H * 3600) - 1)
                meta = self.store.meta()
            start, last = int(meta["start"]), int(meta["last"])
            self._start = start
            if now <= last:
                return now
            first = max(last + 1, int(now - HISTORY_H * 3600))
            grid = np.arange(-(-first // STEP_S) * STEP_S, now + 1, STEP_S, dtype=np.int64)
            times = grid if grid.size and grid[-1] == now else np.append(grid, np.int64(now))
            with self.store.transaction() as db:
                open_alarms = self.store.open_alarms(db)
                for asset in self._model.assets:
                    for signal in asset.signals:
                        stop = self._stop_time(asset.id, signal.key, start)
                        ts = times if stop is None else times[times <= stop]
                        if not ts.size:
                            continue
                        values = self._values(asset.id, signal, ts, start)
                        quality = self._quality(asset.id, signal.key)
                        self.store.add_samples(db, ((asset.id, signal.key, int(t), float(v), quality)
                                                    for t, v in zip(ts, values)))
                        if signal.limits and quality != "bad":
                            self._evaluate_alarms(db, open_alarms, asset, signal, ts, values)
                self.store.set_meta(db, last=now)
                self.store.prune(db, int(now - KEEP_H * 3600))
        return now

    def _evaluate_alarms(self, db: object, open_alarms: dict[tuple[str, str, str], int], asset: Asset,
                         signal: Signal, times: np.ndarray, values: np.ndarray) -> None:
        deadband = 0.02 * (signal.normal[1] - signal.normal[0])
        for limit in signal.limits:
            key = (asset.id, signal.key, limit.kind)
            exceeded = values > limit.value if limit.high else values < limit.value
            back = values < limit.value - deadband if limit.high else values > limit.value + deadband
            for t, v, over, ok in zip(times, values, exceeded, back):
                if over and key not in open_alarms:
                    open_alarms[key] = self.store.raise_alarm(db, asset.id, signal.key, limit.kind,  # type: ignore[arg-type]
                                                              limit.priority, limit.value, float(v), signal.unit, int(t))
                elif ok and key in open_alarms:
                    self.store.clear_alarm(db, open_alarms.pop(key), float(v), int(t))  # type: ignore[arg-type]
            if key in open_alarms:
                self.store.update_alarm(db, open_alarms[key], float(values[-1]))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ pure series (no store)

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
        """Values at ``times`` (epoch seconds) as the source reports them, computed without the store:
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

    def _reading(self, asset: str, key: str, t: int, value: float, quality: str, now: int, signal: Signal,
                 live: bool) -> Reading:
        return Reading(asset=asset, measurement=key, value=value, unit=signal.unit, quality=quality,
                       time=self._time(t), source=f"simulator:{asset}.{key}",
                       stale=live and now - t > self.stale_after_s)

    def reading(self, asset: str, measurement: str) -> Reading | None:
        """The latest value of one signal; None when the asset has no such signal."""
        signal = self._model.signal(asset, measurement)
        if signal is None:
            return None
        now = self._advance()
        row = self.store.latest(asset, measurement, now)
        if row is None:
            return None
        t, value, quality = row
        return self._reading(asset, measurement, t, value, quality, now, signal, live=True)

    def readings(self, asset: str) -> list[Reading]:
        found = self._model.asset(asset)
        if found is None:
            return []
        return [r for r in (self.reading(asset, s.key) for s in found.signals) if r is not None]

    def history(self, asset: str, measurement: str, start: dt.datetime, end: dt.datetime) -> list[Reading]:
        signal = self._model.signal(asset, measurement)
        if signal is None:
            return []
        now = self._advance()
        rows = self.store.history(asset, measurement, int(start.timestamp()), min(int(end.timestamp()), now))
        return [self._reading(asset, measurement, t, v, q, now, signal, live=False) for t, v, q in rows]

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

    # ------------------------------------------------------------------ condition

    def fault_risk(self, asset: str) -> FaultRisk:
        """The most likely fault of ``asset`` with its probability and remaining life."""
        found = self._model.asset(asset)
        if found is None:
            raise InputError(f"unknown asset {asset!r}; use an asset id of the asset model")
        now = self._advance()
        risks = [self._mode_risk(found, mode, now) for mode in self._model.fault_modes_for(asset)]
        return max(risks, key=lambda r: r.probability)  # first mode wins ties

    def _mode_risk(self, asset: Asset, mode: FaultMode, now: int) -> FaultRisk:
        contributing: list[tuple[str, float, float]] = []
        severity = 0.0
        for fs in mode.signals:
            signal = asset.signal(fs.measurement)
            reading = self.reading(asset.id, fs.measurement) if signal else None
            if signal is None or reading is None or reading.quality == "bad":
                continue
            deviation = signal.deviation(reading.value)
            if (fs.direction == "high" and deviation > 0) or (fs.direction == "low" and deviation < 0):
                edge = signal.normal[1] if fs.direction == "high" else signal.normal[0]
                share = min(1.0, abs(deviation) / max(abs(fs.failure - edge), 1e-9))
                contributing.append((fs.measurement, round(deviation, 2), share))
                severity = max(severity, share)
        contributing.sort(key=lambda c: -c[2])

        rul = low = high = None
        primary = next((fs for fs in mode.signals if asset.signal(fs.measurement)), None)
        if primary is not None:
            trend = self._trend(asset, asset.signal(primary.measurement), primary.direction, primary.failure,  # type: ignore[arg-type]
                                mode.trend_window_h, now)
            if trend is not None:
                rul, low, high = trend
        probability = 0.02 + 0.45 * severity
        if rul is not None:
            probability = max(probability, 1.0 - math.exp(-mode.horizon_days / max(rul, 1e-3)))
        return FaultRisk(
            asset=asset.id, fault_mode=mode.id, name=mode.name, probability=round(min(probability, 0.99), 2),
            horizon_days=mode.horizon_days, rul_days=rul, rul_low=low, rul_high=high,
            contributing=tuple((m, d) for m, d, _ in contributing), recommendation=mode.actions[0],
            checks=mode.checks,
        )

    def _trend(self, asset: Asset, signal: Signal, direction: str, failure: float, window_h: float,
               now: int) -> tuple[float, float, float] | None:
        """Remaining life in days (estimate, low, high) from the residual's trend, or None without one."""
        rows = self.store.history(asset.id, signal.key, int(now - window_h * 3600), now)
        if len(rows) < 30 or rows[-1][2] == "bad":
            return None
        times = np.array([r[0] for r in rows], dtype=np.int64)
        residual = np.array([r[1] for r in rows]) - self._healthy(signal, times)
        sign = 1.0 if direction == "high" else -1.0
        hours = (times - now) / 3600.0
        slope, intercept = np.polyfit(hours, sign * residual, 1)
        fitted = slope * hours + intercept
        spread = float(np.sqrt(np.sum((sign * residual - fitted) ** 2) / max(len(rows) - 2, 1)))
        se = spread / float(np.sqrt(np.sum((hours - hours.mean()) ** 2)) or 1.0)
        if slope <= 0 or slope < 4 * se:
            return None
        worst = max(signal.operating) if direction == "high" else min(signal.operating)
        margin = sign * (failure - worst) - intercept  # distance to failure at full-load operating point
        if margin <= 0:
            return 0.0, 0.0, 0.0
        days = margin / slope / 24.0
        low = margin / (slope + 2 * se) / 24.0 * 0.8
        high = margin / max(slope - 2 * se, slope * 0.5) / 24.0 * 1.25
        return round(days, 1), round(low, 1), round(high, 1)

    def maintenance(self, asset: str) -> list[MaintenanceRecord]:
        """Maintenance records of ``asset``, newest first."""
        return sorted((m for m in self._model.maintenance if m.asset == asset), key=lambda m: m.date, reverse=True)

    def close(self) -> None:
        self.store.close()

    @property
    def path(self) -> Path:
        return self.store.path
