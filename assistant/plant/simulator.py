"""The ``simulator`` plant backend: a deterministic demo plant written into the historian.

Values are a pure function of the seed, the asset model and the time:

    value(t) = healthy(t) + fault offset(t) + noise(seed, signal, t)
    healthy(t) = operating point interpolated by the daily load pattern (site local time)

The simulator is a source like the OPC UA or MQTT ingest: on first use it writes
``history_days`` of history into the historian (every 5 minutes, the last two days
every minute), and each later call writes the minutes that passed and a live sample
at the current second. Faults develop from ``onset_h`` hours before that first use
(``simulation.faults`` in the asset model). A signal listed under ``simulation.stale``
stops updating before the simulation started, so its reading is stale; quality
overrides make a source report "uncertain" or "bad".

Everything else is the ``historian`` backend's (``live.py``): readings, history and
alarms are read back from the historian, so the assistant sees the demo plant exactly
as it sees a plant fed over OPC UA or MQTT.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import zlib
from collections.abc import Callable

import numpy as np

from .historian import Historian, Point
from .ingest import signal_name
from .live import HistorianPlant
from .model import AssetModel, FaultEffect, Signal
from .store import PlantStore

__all__ = ["SimulatedPlant", "STEP_S", "COARSE_STEP_S", "FINE_H"]

STEP_S = 60  # history resolution of the last FINE_H hours and of everything written later
COARSE_STEP_S = 300  # resolution of the older history written on first use
FINE_H = 48.0
_MASK = (1 << 64) - 1


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


class SimulatedPlant(HistorianPlant):
    """A plant whose values come from a seeded simulation, written to ``historian`` as time passes."""

    def __init__(self, model: AssetModel, historian: Historian, store: PlantStore, seed: int = 7,
                 stale_after_s: float = 60.0, history_days: float = 30.0,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        super().__init__(model, historian, store, stale_after_s, clock)
        self.seed = int(seed)
        self.history_s = int(history_days * 86400)
        self._fingerprint = self._make_fingerprint()
        self._start: int | None = None

    # ------------------------------------------------------------------ time and simulation

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
        """Write what passed since the last call (the history on first use), then evaluate the alarms."""
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
            if now > last:
                self._write(self._grid(max(last + 1, now - self.history_s), now), start)
                with self.store.transaction() as db:
                    self.store.set_meta(db, last=now)
        return super()._advance()

    def _first_alarm_window_s(self) -> int:
        return self.history_s + 1  # the whole simulated history

    def _write(self, times: np.ndarray, start: int) -> None:
        for asset in self._model.assets:
            for signal in asset.signals:
                stop = self._stop_time(asset.id, signal.key, start)
                ts = times if stop is None else times[times <= stop]
                if ts.size:
                    values = self._values(asset.id, signal, ts, start)
                    quality = self._quality(asset.id, signal.key)
                    self.historian.write(Point(signal_name(asset.id, signal.key), self._time(int(t)), v, quality)
                                         for t, v in zip(ts.tolist(), values.tolist()))

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

