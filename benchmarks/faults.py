"""Fault prediction on the demo plant: training and load time, lead time before the alarm limit, false alarms.

    .venv/bin/python benchmarks/faults.py

The simulator's injected faults are scanned from their onset every ``STEP_MIN`` minutes; a fault
is detected at the first prediction that names the injected fault mode with probability >= 0.5.
Its alarm time is the first minute any of its signals crosses its nearest alarm limit in the
direction the fault moves it (a high limit for a rising signal, a low one for a falling). Healthy
assets (no injected fault) are scanned from the end of training to the simulation start; every
flagged prediction there is a false alarm. Results go to benchmarks/RESULTS.md by hand.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import PlantConfig  # noqa: E402
from assistant.faults.engine import FaultEngine, train  # noqa: E402
from assistant.plant import create_plant  # noqa: E402

NOW = dt.datetime(2025, 3, 12, 13, 30, tzinfo=dt.timezone.utc)
STEP_MIN = 10
AHEAD_S = 7 * 86400  # alarm limits may be reached after the simulation start: the scenario goes on


def alarm_time(plant, fault) -> int | None:  # type: ignore[no-untyped-def]
    start = int(plant.started.timestamp())
    times = np.arange(int(start - fault.onset_h * 3600), start + AHEAD_S + 1, 60, dtype=np.int64)
    hits = []
    for effect in fault.effects:
        limit = nearest_limit(plant, fault, effect)
        if limit is not None:
            values = plant.series(fault.asset, effect.measurement, times)
            over = np.flatnonzero(values > limit if effect.rate > 0 else values < limit)
            hits += [int(times[over[0]])] if len(over) else []
    return min(hits) if hits else None


def nearest_limit(plant, fault, effect) -> float | None:  # type: ignore[no-untyped-def]
    signal = plant.model.signal(fault.asset, effect.measurement)
    limits = [lim.value for lim in signal.limits if lim.high == (effect.rate > 0)]
    return (min(limits) if effect.rate > 0 else max(limits)) if limits else None


class Clock:
    """The plant's clock: moved on when a prediction looks past the simulation start."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def predict(engine, plant, asset: str, t: int):  # type: ignore[no-untyped-def]
    when = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    plant.clock.now = max(plant.clock.now, when)  # the simulator writes up to there
    return engine.predict(asset, when)


def detection(engine, plant, fault):  # type: ignore[no-untyped-def]
    start = int(plant.started.timestamp())
    for t in range(int(start - fault.onset_h * 3600), start + AHEAD_S + 1, STEP_MIN * 60):
        p = predict(engine, plant, fault.asset, t)
        if p.flagged and p.fault_mode == fault.fault_mode:
            return t, p
    return None, None


def rul_check(engine, plant, fault) -> None:  # type: ignore[no-untyped-def]
    """RUL against the time the first effect at full load reaches its alarm limit (from the scenario)."""
    start = int(plant.started.timestamp())
    onset = start - fault.onset_h * 3600
    effect = fault.effects[0]
    signal = plant.model.signal(fault.asset, effect.measurement)
    limit = nearest_limit(plant, fault, effect)
    if limit is None:
        return
    need = limit - max(signal.operating) if effect.rate > 0 else min(signal.operating) - limit
    if need > effect.max:
        return
    reach = onset + need / abs(effect.rate) * 3600
    rows, inside = [], 0
    for frac in (0.1, 0.25, 0.5, 0.75, 0.9):
        t = int(onset + frac * (reach - onset))
        rul = predict(engine, plant, fault.asset, t).rul
        true = (reach - t) / 86400
        if rul is not None:
            inside += rul.low <= true <= (rul.high if rul.high is not None else float("inf"))
        rows.append(f"{true:.2f}->" + (f"{rul.days} [{rul.low}, {rul.high}]" if rul else "none"))
    print(f"{fault.asset} RUL at 10/25/50/75/90 % of the way (true days -> estimate [90 %]): "
          f"{'; '.join(rows)}; true inside {inside}/5")


def main() -> None:
    directory = Path(tempfile.mkdtemp())
    plant = create_plant(PlantConfig(), directory, clock=Clock(NOW))
    began = time.perf_counter()
    path = train(plant, directory / "models")
    print(f"training: {time.perf_counter() - began:.2f} s, {len(plant.model.assets)} assets, "
          f"file {path.stat().st_size / 1e6:.2f} MB")
    loads = []
    for _ in range(5):
        began = time.perf_counter()
        engine = FaultEngine.load(path, plant)
        loads.append(time.perf_counter() - began)
    print(f"load: median {statistics.median(loads) * 1000:.1f} ms of 5")
    began = time.perf_counter()
    for asset in plant.model.assets:
        engine.predict(asset.id, NOW)
    print(f"predict: {(time.perf_counter() - began) / len(plant.model.assets) * 1000:.1f} ms per asset")
    for fault in plant.model.simulation.faults:
        rul_check(engine, plant, fault)
    for fault in plant.model.simulation.faults:
        alarm = alarm_time(plant, fault)
        t, p = detection(engine, plant, fault)
        onset = int(plant.started.timestamp() - fault.onset_h * 3600)
        lead = (alarm - t) / 3600 if alarm and t else float("nan")
        rul = p.rul if p else None
        print(f"{fault.asset} {fault.fault_mode}: detected {((t or 0) - onset) / 3600:.1f} h after onset "
              f"(p={p.probability if p else None}, top {p.top.signal if p else None}), alarm limit "
              f"{(alarm - onset) / 3600 if alarm else float('nan'):.1f} h after onset, lead {lead:.1f} h; "
              f"RUL then {rul.days if rul else None} d [{rul.low if rul else None}, {rul.high if rul else None}]")
    faulty = {f.asset for f in plant.model.simulation.faults}
    end = int(plant.started.timestamp())
    begin = min(int(end - f.onset_h * 3600) for f in plant.model.simulation.faults)
    flagged = total = 0
    for asset in (a.id for a in plant.model.assets if a.id not in faulty):
        for t in range(begin, end + 1, 30 * 60):
            total += 1
            p = engine.predict(asset, dt.datetime.fromtimestamp(t, dt.timezone.utc))
            flagged += p.flagged
            if p.flagged:
                print(f"  false alarm: {asset} {p.fault_mode} p={p.probability} at {p.data_time:%Y-%m-%d %H:%M}")
    print(f"healthy assets: {flagged} flagged of {total} predictions ({total // (len(plant.model.assets) - len(faulty))}"
          f" per asset, every 30 min over {(end - begin) / 86400:.1f} days)")
    for fault in plant.model.simulation.faults:  # the faulty assets before their onset
        onset = int(end - fault.onset_h * 3600)
        before = [engine.predict(fault.asset, dt.datetime.fromtimestamp(t, dt.timezone.utc)).flagged
                  for t in range(begin - 2 * 86400, onset, 30 * 60)]
        print(f"{fault.asset} before onset: {sum(before)} flagged of {len(before)}")


if __name__ == "__main__":
    main()
