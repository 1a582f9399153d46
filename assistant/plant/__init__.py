"""The plant layer: asset model, live readings, alarms, condition and maintenance.

    plant = create_plant(config.plant, config.data_path)
    plant.reading("P-102", "bearing_temperature")   # Reading | None
    plant.alarms()                                   # active alarms

Backends are picked by name from ``plants`` (``plant.backend`` in the config):

    historian   the plant as the historian (``plant.historian``) records it, fed by
                ``plantvoice plant ingest`` (OPC UA, MQTT) or ``plant import`` (CSV)
    simulator   the same, fed by a deterministic demo plant (seed + time)

Both keep alarms and their acknowledgements in data_dir/plant.sqlite.

Fault predictions come from the fault engine (``assistant.faults``), not from the plant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..config import PlantConfig
from ..registry import Registry
from .model import (
    Alarm,
    AlarmLimit,
    Asset,
    AssetModel,
    FaultMode,
    MaintenanceRecord,
    Measurement,
    Reading,
    Signal,
    load_model,
)

__all__ = [
    "Plant",
    "plants",
    "create_plant",
    "load_model",
    "Alarm",
    "AlarmLimit",
    "Asset",
    "AssetModel",
    "FaultMode",
    "MaintenanceRecord",
    "Measurement",
    "Reading",
    "Signal",
]


@runtime_checkable
class Plant(Protocol):
    """What the assistant may ask of a plant. Unknown asset or signal: None or an empty list."""

    @property
    def model(self) -> AssetModel: ...

    def reading(self, asset: str, measurement: str) -> Reading | None: ...

    def readings(self, asset: str) -> list[Reading]: ...

    def history(self, asset: str, measurement: str, start: dt.datetime, end: dt.datetime) -> list[Reading]: ...

    def alarms(self, active_only: bool = True) -> list[Alarm]: ...

    def acknowledge(self, alarm_id: int, by: str) -> Alarm: ...

    def maintenance(self, asset: str) -> list[MaintenanceRecord]: ...


plants: Registry[Plant] = Registry("plant backend", "plant -> backend")


@plants.register("historian")
def _historian(model: AssetModel, config: PlantConfig, data_dir: Path,
               clock: Callable[[], dt.datetime] | None = None) -> Plant:
    from .historians import create_historian
    from .live import HistorianPlant
    from .store import PlantStore

    return HistorianPlant(model, create_historian(config, data_dir, clock=clock),
                          PlantStore(Path(data_dir) / "plant.sqlite"), stale_after_s=config.stale_after_s, clock=clock)


@plants.register("simulator")
def _simulator(model: AssetModel, config: PlantConfig, data_dir: Path,
               clock: Callable[[], dt.datetime] | None = None) -> Plant:
    from .historians import create_historian
    from .simulator import SimulatedPlant
    from .store import PlantStore

    return SimulatedPlant(model, create_historian(config, data_dir, clock=clock), PlantStore(Path(data_dir) / "plant.sqlite"),
                          seed=config.seed, stale_after_s=config.stale_after_s, history_days=config.history_days,
                          clock=clock)


def create_plant(config: PlantConfig, data_dir: Path, clock: Callable[[], dt.datetime] | None = None) -> Plant:
    """The configured plant backend over ``config.asset_model``; ``clock`` fixes time (tests, replays)."""
    model = load_model(config.asset_model)
    return plants.create(config.backend, model=model, config=config, data_dir=Path(data_dir), clock=clock)
