"""The plant layer: asset model loading, spoken lookups, the simulator and its SQLite store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.config import ROOT, PlantConfig
from assistant.errors import ConfigError, DataError, InputError
from assistant.plant import Plant, create_plant, load_model, plants
from assistant.plant.historian import Point
from assistant.plant.historians import create_historian
from assistant.plant.model import QUALITIES, FaultScenario, Reading
from assistant.plant.simulator import SimulatedPlant
from assistant.plant.store import PlantStore

DEMO = ROOT / "plant" / "demo_plant.yaml"
KNOWLEDGE = ROOT / "plant" / "knowledge.yaml"
NOW = dt.datetime(2025, 3, 12, 13, 30, tzinfo=dt.timezone.utc)

FEED_PUMP = {"bearing_temperature", "vibration", "discharge_pressure", "flow", "motor_current", "speed"}
CATALOGUE = {
    "GT1": {"exhaust_temperature", "power", "speed", "vibration", "bearing_temperature"},
    "ST1": {"power", "steam_pressure", "steam_temperature", "vibration", "bearing_temperature"},
    "G1": {"power", "winding_temperature", "voltage", "current"},
    "HRSG1": {"drum_level", "steam_pressure", "steam_temperature"},
    "P-101": FEED_PUMP, "P-102": FEED_PUMP, "P-201": FEED_PUMP, "P-202": FEED_PUMP,
    "V-301": {"position", "demand"},
    "CT1": {"water_temperature", "fan_speed"},
    "T1": {"oil_temperature", "winding_temperature", "load"},
    "BESS1": {"state_of_charge", "power", "cell_temperature", "voltage", "cell_voltage_spread"},
    "CHP1": {"power", "methane_content", "exhaust_temperature"},
    "F1": {"current", "voltage", "load"}, "F2": {"current", "voltage", "load"}, "F3": {"current", "voltage", "load"},
}


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory (historian and plant store) filled once at NOW, copied into each test's directory."""
    directory = tmp_path_factory.mktemp("plant")
    plant = create_plant(PlantConfig(), directory, clock=Clock(NOW))
    plant.alarms()
    plant.close()  # type: ignore[attr-defined]
    return directory


@pytest.fixture
def plant(template: Path, tmp_path: Path) -> Plant:
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    return create_plant(PlantConfig(), tmp_path, clock=Clock(NOW))


def _model_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = DEMO.read_text(encoding="utf-8")
    assert old in text, old
    (tmp_path / "demo_plant.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    shutil.copy(KNOWLEDGE, tmp_path / "knowledge.yaml")
    shutil.copy(KNOWLEDGE.parent / "maintenance.yaml", tmp_path / "maintenance.yaml")
    return tmp_path / "demo_plant.yaml"


# ----------------------------------------------------------------------------- model


def test_demo_model_has_the_catalogue_assets_and_signals() -> None:
    model = load_model(DEMO)
    assert {a.id: set(a.measurements) for a in model.assets} == CATALOGUE
    for asset in model.assets:
        assert asset.criticality in ("high", "medium", "low")
        for signal in asset.signals:
            assert signal.unit, (asset.id, signal.key)
            assert signal.normal[0] < signal.normal[1]
            for limit in signal.limits:
                assert not limit.exceeded(signal.normal[1] if limit.high else signal.normal[0])
    assert model.signal("G1", "voltage").unit == "kV"  # per-signal unit overrides the catalogue's
    assert model.signal("F1", "voltage").unit == "V"
    assert model.signal("P-102", "flow").unit == "m³/h"
    assert model.fault_modes_for("P-102")[0].id == "bearing_wear"
    assert model.fault_modes_for("NOPE") == ()


def test_lookups_hold_spoken_tag_forms() -> None:
    lookups = load_model(DEMO).lookups()
    assert set(lookups) == {"asset", "measurement"}
    p102 = lookups["asset"]["P-102"]
    for form in ("p one oh two", "pump one oh two", "feed pump two", "feed water pump two",
                 "the second feed pump", "p 102"):
        assert form in p102, form
    assert {"gas turbine one", "g t one"} <= set(lookups["asset"]["GT1"])
    assert "bess one" in lookups["asset"]["BESS1"] and "the battery" in lookups["asset"]["BESS1"]
    assert "transformer one" in lookups["asset"]["T1"]
    assert "bearing temp" in lookups["measurement"]["bearing_temperature"]
    assert "state of charge" in lookups["measurement"]["state_of_charge"]
    owner: dict[str, str] = {}
    for kind in ("asset", "measurement"):
        for key, forms in lookups[kind].items():
            for form in forms:
                assert re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", form), form
                assert owner.setdefault(f"{kind}:{form}", key) == key, f"{form!r} names two {kind}s"


ST1_POWER = "power: {normal: [30, 90], operating: [45, 82], noise: 0.5}"


@pytest.mark.parametrize(("old", "new", "expect"), [
    ("bearing_temperature:\n    normal: [40, 75]", "bearing_temperatur:\n    normal: [40, 75]",
     r"asset P-101 signal bearing_temperatur: measurement 'bearing_temperatur' is not in the measurements"),
    ("demand: {normal: [20, 90]", "demand: {normal: [90, 20]", r"asset V-301 signal demand: 'normal' low 90"),
    ("{kind: high, value: 34, priority: medium}", "{kind: high, value: 30, priority: medium}",
     r"asset CT1 signal water_temperature: high limit 30 lies inside the normal range"),
    ("{kind: high, value: 34, priority: medium}", "{kind: high, value: 34, priority: urgent}",
     r"asset CT1 signal water_temperature: priority 'urgent'"),
    ("- {asset: CT1, measurement: fan_speed, stopped_min: 40}", "- {asset: CT2, measurement: fan_speed, stopped_min: 40}",
     r"simulation stale source: unknown asset 'CT2'"),
    ("type: valve", "type: sluice", r"no fault mode for asset type 'sluice' \(asset V-301"),
    ("timezone: Europe/Berlin", "timezone: Mars/Olympus", r"unknown timezone 'Mars/Olympus'"),
    (ST1_POWER, ST1_POWER[:-1] + ", opcua: 'ns=x;s=y'}",
     r"asset ST1 signal power: opcua address 'ns=x;s=y' is not valid"),
    (ST1_POWER, ST1_POWER[:-1] + ", mqtt: plant/+/power}", r"asset ST1 signal power: mqtt address 'plant/\+/power'"),
    (ST1_POWER, ST1_POWER[:-1] + ", mqtt: plant/GT1/power}",
     r"asset ST1 signal power: mqtt address 'plant/GT1/power' is already used by asset GT1 signal power"),
    (ST1_POWER, ST1_POWER[:-1] + ", opcua: 7}", r"asset ST1 signal power: 'opcua' = 7 is not a str"),
])
def test_bad_model_data_names_file_line_and_signal(tmp_path: Path, old: str, new: str, expect: str) -> None:
    path = _model_copy(tmp_path, old, new)
    with pytest.raises(DataError, match=expect) as error:
        load_model(path)
    message = str(error.value)
    assert str(path) in message or str(tmp_path / "knowledge.yaml") in message
    if "fault mode" not in message:
        assert re.search(r"\.yaml:\d+: ", message), message  # file:line
    assert ";" in message  # and how to fix it


def test_signals_have_source_addresses_by_default_or_from_the_yaml(tmp_path: Path) -> None:
    signal = load_model(DEMO).signal("P-102", "bearing_temperature")
    assert signal is not None
    assert (signal.opcua, signal.mqtt) == ("ns=2;s=P-102.bearing_temperature", "plant/P-102/bearing_temperature")
    path = _model_copy(tmp_path, ST1_POWER, ST1_POWER[:-1] + ", opcua: 'ns=3;i=1001', mqtt: site/st1/mw}")
    power = load_model(path).signal("ST1", "power")
    assert power is not None and (power.opcua, power.mqtt) == ("ns=3;i=1001", "site/st1/mw")


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    path = _model_copy(tmp_path, "site:\n  id: demo", "site:\n  id: [demo")
    with pytest.raises(DataError, match=r"demo_plant.yaml:\d+: not valid YAML"):
        load_model(path)
    with pytest.raises(DataError, match="file not found"):
        load_model(tmp_path / "nope.yaml")


def test_unknown_backend_lists_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="choose one of: historian, simulator"):
        create_plant(PlantConfig(backend="opc"), tmp_path)
    assert "simulator" in plants.names()


# ----------------------------------------------------------------------------- simulator


def test_simulator_is_deterministic_for_seed_and_time(tmp_path: Path) -> None:
    a = create_plant(PlantConfig(seed=11), tmp_path / "a", clock=Clock(NOW))
    b = create_plant(PlantConfig(seed=11), tmp_path / "b", clock=Clock(NOW))
    c = create_plant(PlantConfig(seed=12), tmp_path / "c", clock=Clock(NOW))
    assert (tmp_path / "a" / "plant.sqlite").is_file()
    for asset in ("P-102", "GT1", "BESS1"):
        assert a.readings(asset) == b.readings(asset)
        assert [r.value for r in a.readings(asset)] != [r.value for r in c.readings(asset)]
    start, end = NOW - dt.timedelta(hours=3), NOW
    assert a.history("T1", "oil_temperature", start, end) == b.history("T1", "oil_temperature", start, end)
    assert [x.id for x in a.alarms()] == [x.id for x in b.alarms()]


def test_readings_carry_unit_quality_and_source_time(plant: Plant) -> None:
    model = plant.model
    for asset in model.assets:
        readings = plant.readings(asset.id)
        assert [r.measurement for r in readings] == list(asset.measurements)
        for reading in readings:
            assert reading.unit == asset.signal(reading.measurement).unit
            assert reading.quality in QUALITIES
            assert reading.time.tzinfo is not None and reading.time <= NOW
            assert reading.source.endswith(f"{asset.id}.{reading.measurement}")
    assert plant.reading("P-102", "oil_temperature") is None
    assert plant.reading("NOPE", "flow") is None and plant.readings("NOPE") == []
    assert plant.reading("F3", "voltage").quality == "uncertain"
    assert plant.reading("P-202", "flow").quality == "bad"


def test_healthy_signals_stay_near_their_normal_range(plant: Plant) -> None:
    faulty = {(e.measurement, f.asset) for f in plant.model.simulation.faults for e in f.effects}
    for asset in plant.model.assets:
        for reading in plant.readings(asset.id):
            if (reading.measurement, asset.id) in faulty:
                continue
            signal = asset.signal(reading.measurement)
            slack = 4 * signal.noise
            assert signal.normal[0] - slack <= reading.value <= signal.normal[1] + slack, reading


def _steps(history: list[Reading]) -> set[float]:
    return {(b.time - a.time).total_seconds() for a, b in zip(history, history[1:])}


def test_history_covers_thirty_days_finer_in_the_last_two(plant: Plant) -> None:
    day = plant.history("P-101", "flow", NOW - dt.timedelta(hours=24), NOW)
    assert 1439 <= len(day) <= 1441 and _steps(day) == {60.0}
    assert day[-1].time == NOW and all(not r.stale for r in day)
    month = plant.history("P-101", "flow", NOW - dt.timedelta(days=40), NOW - dt.timedelta(hours=49))
    assert _steps(month) == {300.0} and NOW - dt.timedelta(days=30) <= month[0].time < NOW - dt.timedelta(days=29.99)
    assert month[-1].time <= NOW - dt.timedelta(hours=49)


@pytest.mark.parametrize("fault", load_model(DEMO).simulation.faults, ids=lambda f: f"{f.asset}-{f.fault_mode}")
def test_injected_faults_develop_in_the_stored_history(plant: Plant, fault: FaultScenario, tmp_path: Path) -> None:
    """The stored history minus the same plant without faults is exactly each fault's growing offset."""
    model = plant.model
    faultless = SimulatedPlant(dataclasses.replace(model, simulation=dataclasses.replace(model.simulation, faults=())),
                               create_historian(PlantConfig(), tmp_path / "faultless"),
                               PlantStore(tmp_path / "faultless" / "plant.sqlite"), history_days=1, clock=Clock(NOW))
    onset = NOW - dt.timedelta(hours=fault.onset_h)
    for effect in fault.effects:
        rows = plant.history(fault.asset, effect.measurement, onset - dt.timedelta(hours=6), NOW)
        times = np.array([int(r.time.timestamp()) for r in rows])
        hours = (times - onset.timestamp()) / 3600.0
        grown = np.sign(effect.rate) * np.clip(abs(effect.rate) * hours, 0.0, effect.max)
        if effect.hold_min:  # sticking: each value is the one of its hold window's start, offset included
            hold = effect.hold_min * 3600 / 60
            starts = np.where(hours > 0, onset.timestamp() + (times - onset.timestamp()) // (hold) * hold, times)
            grown = np.sign(effect.rate) * np.clip(abs(effect.rate) * (starts - onset.timestamp()) / 3600.0, 0.0,
                                                   effect.max)
            times = starts.astype(np.int64)
        offset = np.array([r.value for r in rows]) - faultless.series(fault.asset, effect.measurement, times)
        assert np.abs(offset - grown).max() < 1e-3, effect
        assert abs(grown[-1]) > 4 * plant.model.signal(fault.asset, effect.measurement).noise  # it shows by now


def test_time_moving_on_appends_live_values(template: Path, tmp_path: Path) -> None:
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    clock = Clock(NOW)
    plant = create_plant(PlantConfig(), tmp_path, clock=clock)
    before = plant.history("GT1", "power", NOW - dt.timedelta(hours=1), NOW)
    clock.now = NOW + dt.timedelta(minutes=2, seconds=30)
    live = plant.reading("GT1", "power")
    assert live.time == clock.now and not live.stale
    after = plant.history("GT1", "power", NOW - dt.timedelta(hours=1), clock.now)
    assert after[: len(before)] == before  # the past does not change
    assert [r.time for r in after[len(before):]] == [NOW + dt.timedelta(minutes=1), NOW + dt.timedelta(minutes=2),
                                                     clock.now]


def test_stopped_source_reads_stale(template: Path, tmp_path: Path) -> None:
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    clock = Clock(NOW)
    plant = create_plant(PlantConfig(), tmp_path, clock=clock)
    reading = plant.reading("CT1", "fan_speed")
    assert reading.stale and not reading.current
    assert reading.time == NOW - dt.timedelta(minutes=40)
    assert not plant.reading("CT1", "water_temperature").stale
    clock.now = NOW + dt.timedelta(hours=1)  # the source stays stopped; other signals keep updating
    assert plant.reading("CT1", "fan_speed").time == NOW - dt.timedelta(minutes=40)
    assert plant.reading("CT1", "water_temperature").time == clock.now
    fresh = create_plant(PlantConfig(stale_after_s=7200), tmp_path, clock=Clock(NOW))
    assert not fresh.reading("CT1", "fan_speed").stale  # stale_after_s decides


def test_alarms_are_consistent_with_readings(plant: Plant) -> None:
    alarms = plant.alarms()
    found = {(a.asset, a.measurement) for a in alarms}
    assert {("P-102", "bearing_temperature"), ("T1", "oil_temperature"), ("BESS1", "cell_voltage_spread")} <= found
    for alarm in alarms:
        reading = plant.reading(alarm.asset, alarm.measurement)
        signal = plant.model.signal(alarm.asset, alarm.measurement)
        limit = next(x for x in signal.limits if x.kind == alarm.kind)
        assert alarm.active and alarm.limit == limit.value and alarm.priority == limit.priority
        assert alarm.value == reading.value and alarm.unit == reading.unit
        deadband = 0.02 * (signal.normal[1] - signal.normal[0])
        assert (reading.value > limit.value - deadband) if limit.high else (reading.value < limit.value + deadband)
        assert alarm.raised <= reading.time
    for asset in plant.model.assets:
        for reading in plant.readings(asset.id):
            if reading.quality == "bad" or reading.stale:
                continue
            for limit in asset.signal(reading.measurement).limits:
                if limit.exceeded(reading.value):
                    assert any(a.asset == asset.id and a.measurement == reading.measurement and a.kind == limit.kind
                               for a in alarms), (asset.id, reading.measurement, limit.kind)
    assert len(plant.alarms(active_only=False)) >= len(alarms)


def test_acknowledge_is_stored_durably(plant: Plant, tmp_path: Path) -> None:
    alarm = next(a for a in plant.alarms() if a.asset == "P-102")
    assert alarm.acknowledged is None
    done = plant.acknowledge(alarm.id, by="shift lead")
    assert done.acknowledged == NOW and done.acknowledged_by == "shift lead" and done.active
    again = create_plant(PlantConfig(), tmp_path, clock=Clock(NOW))  # a new process on the same file
    stored = next(a for a in again.alarms() if a.id == alarm.id)
    assert stored.acknowledged_by == "shift lead"
    assert plant.acknowledge(alarm.id, by="someone else").acknowledged_by == "shift lead"
    with pytest.raises(InputError, match="alarm 9999 does not exist"):
        plant.acknowledge(9999, by="x")


def test_historian_backend_reads_what_an_ingest_wrote(tmp_path: Path) -> None:
    clock, config = Clock(NOW), PlantConfig(backend="historian")
    ingest = create_historian(config, tmp_path)  # another writer, as `plantvoice plant ingest` would be
    sec = dt.timedelta(seconds=1)
    ingest.write([Point("P-102.bearing_temperature", NOW - 120 * sec, 70.0),
                  Point("P-102.bearing_temperature", NOW - 60 * sec, 86.5),
                  Point("P-102.flow", NOW - 600 * sec, 300.0), Point("P-202.flow", NOW - 30 * sec, 0.0, "bad")])
    plant = create_plant(config, tmp_path, clock=clock)
    reading = plant.reading("P-102", "bearing_temperature")
    assert (reading.value, reading.stale, reading.source) == (86.5, False, "historian:P-102.bearing_temperature")
    assert plant.reading("P-102", "flow").stale and plant.reading("P-202", "flow").quality == "bad"
    assert plant.reading("P-101", "flow") is None  # nothing stored: no value, never a made-up one
    [alarm] = plant.alarms()
    assert (alarm.asset, alarm.kind, alarm.value, alarm.raised) == ("P-102", "high", 86.5, NOW - 60 * sec)
    assert plant.acknowledge(alarm.id, by="operator").acknowledged_by == "operator"
    ingest.write([Point("P-102.bearing_temperature", NOW + 30 * sec, 71.0)])
    clock.now = NOW + 60 * sec
    assert plant.alarms() == []
    [cleared] = plant.alarms(active_only=False)
    assert cleared.cleared == NOW + 30 * sec and cleared.acknowledged_by == "operator"


def test_maintenance_history_file_is_checked(tmp_path: Path) -> None:
    path = _model_copy(tmp_path, "maintenance: maintenance.yaml", "maintenance: history.yaml")
    with pytest.raises(DataError, match=r"maintenance history .*history.yaml not found; create it"):
        load_model(path)
    (tmp_path / "history.yaml").write_text("records:\n  - {asset: P-102, date: last tuesday, kind: x, by: y, "
                                           "text: z}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"history.yaml:2: maintenance record of P-102: date 'last tuesday'"):
        load_model(path)


def test_maintenance_history_newest_first(plant: Plant) -> None:
    records = plant.maintenance("P-102")
    assert [r.date for r in records] == ["2025-01-14", "2024-09-03"]
    assert records[0].kind == "inspection" and "bearing" in records[0].text
    assert plant.maintenance("F2") == []


def test_other_seed_rebuilds_the_store(template: Path, tmp_path: Path) -> None:
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    same = create_plant(PlantConfig(), tmp_path, clock=Clock(NOW)).reading("GT1", "power")
    other = create_plant(PlantConfig(seed=99), tmp_path, clock=Clock(NOW)).reading("GT1", "power")
    assert same.time == other.time and same.value != other.value
