"""The fault-prediction engine on the demo plant's injected faults (the simulator's scenario).

The simulator injects five developing faults: bearing wear (P-102), cavitation (P-201),
a sticking valve (V-301), transformer cooling degradation (T1, oil overheating) and
battery cell imbalance (BESS1). The engine is trained on normal operation only and
reads its predictions from the historian the simulator writes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from pathlib import Path

import pytest

from assistant.config import Config, PlantConfig
from assistant.errors import DataError, InputError
from assistant.faults.diagnosis import HEALTHY, diagnose
from assistant.faults.engine import FaultEngine, latest, train, train_command
from assistant.faults.knowledge import load_knowledge
from assistant.plant import Plant, create_plant, load_model
from assistant.plant.model import FaultScenario

NOW = dt.datetime(2025, 3, 12, 13, 30, tzinfo=dt.timezone.utc)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Plant:
    return create_plant(PlantConfig(), tmp_path_factory.mktemp("plant"), clock=lambda: NOW)


@pytest.fixture(scope="module")
def trained(plant: Plant, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train(plant, tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def engine(trained: Path, plant: Plant) -> FaultEngine:
    return FaultEngine.load(trained, plant)


FAULTS = {f.asset: f for f in load_model(PlantConfig().asset_model).simulation.faults}


def _at(plant: Plant, fault: FaultScenario, hours_after_onset: float) -> dt.datetime:
    started = plant.started  # type: ignore[attr-defined]
    return started - dt.timedelta(hours=fault.onset_h - hours_after_onset)


@pytest.mark.parametrize("asset", sorted(FAULTS))
def test_flags_the_faulty_asset_with_its_fault_mode_and_signal(engine: FaultEngine, asset: str) -> None:
    fault = FAULTS[asset]
    p = engine.predict(asset, NOW)
    assert p.fault_mode == fault.fault_mode and p.flagged and p.alarm
    assert p.posterior[0][0] == fault.fault_mode
    rising = fault.effects[0].rate > 0
    assert p.top is not None and p.top.signal == fault.effects[0].measurement
    assert p.top.state == ("up" if rising else "down") and (p.top.deviation > 0) == rising


@pytest.mark.parametrize("asset", sorted(FAULTS))
def test_detects_the_fault_hours_before_its_alarm_limit(engine: FaultEngine, plant: Plant, asset: str) -> None:
    fault = FAULTS[asset]
    before = engine.predict(asset, _at(plant, fault, -1.0))
    assert not before.flagged
    early = engine.predict(asset, _at(plant, fault, 12.0))  # alarm limits are reached after 18 h or more
    assert early.flagged and early.fault_mode == fault.fault_mode
    signal = plant.model.signal(asset, fault.effects[0].measurement)
    assert signal is not None
    value = plant.series(asset, signal.key, [int(_at(plant, fault, 12.0).timestamp())])[0]  # type: ignore[attr-defined]
    assert all(value < lim.value if lim.high else value > lim.value for lim in signal.limits)


def test_healthy_assets_stay_low(engine: FaultEngine, plant: Plant) -> None:
    healthy = [a.id for a in plant.model.assets if a.id not in FAULTS]
    for hours in range(0, 48, 6):
        when = NOW - dt.timedelta(hours=hours)
        for asset in healthy:
            p = engine.predict(asset, when)
            assert p.probability < 0.5 and p.posterior[0][0] == HEALTHY, (asset, when, p.posterior)


def test_stale_and_bad_signals_are_missing_not_faults(engine: FaultEngine) -> None:
    ct1, p202 = engine.predict("CT1", NOW), engine.predict("P-202", NOW)
    assert ct1.missing == ("fan_speed",) and not ct1.flagged
    assert p202.missing == ("flow",) and not p202.flagged


def test_recommendation_comes_from_knowledge(engine: FaultEngine, plant: Plant) -> None:
    p = engine.predict("P-102", NOW)
    mode = next(m for m in plant.model.fault_modes if m.id == "bearing_wear")
    assert p.recommendation.actions == mode.actions and p.recommendation.checks == mode.checks
    path, rest = p.recommendation.reference.split(":", 1)
    line = int(rest.split()[0])
    assert path == "plant/knowledge.yaml"
    assert (ROOT / path).read_text(encoding="utf-8").splitlines()[line - 1].strip() == "bearing_wear:"


def test_remaining_life_to_the_alarm_limit_with_an_interval(engine: FaultEngine, plant: Plant) -> None:
    fault = FAULTS["P-102"]
    p = engine.predict("P-102", _at(plant, fault, 80.0))
    assert p.rul is not None and p.rul.signal == "bearing_temperature" and p.rul.limit == 85.0
    # the scenario: +0.13 °C/h from the onset, full-load bearing temperature 64 °C, alarm at 85 °C
    true_days = ((85.0 - 64.0) / 0.13 - 80.0) / 24.0
    assert p.rul.low <= true_days <= (p.rul.high or 1e9)
    assert p.rul.low <= p.rul.days <= (p.rul.high or 1e9)
    assert engine.predict("P-101", NOW).rul is None


def test_every_spoken_number_is_in_the_data(engine: FaultEngine) -> None:
    p = engine.predict("P-102", dt.datetime(2025, 3, 8, tzinfo=dt.timezone.utc))
    data = json.loads(json.dumps(p.data()))
    assert data["probability"] == p.probability and data["horizon_days"] == p.horizon_days
    assert data["rul"]["days"] == p.rul.days and data["rul"]["low"] == p.rul.low  # type: ignore[union-attr]
    top = data["contributions"][0]
    assert (top["signal"], top["deviation"], top["unit"]) == (p.top.signal, p.top.deviation, "°C")  # type: ignore[union-attr]
    assert data["model_version"] == engine.version and data["data_time"].startswith("2025-03-08T01:00")
    assert data["recommendation"]["reference"].startswith("plant/knowledge.yaml:")


def test_loads_fast_and_predicts_the_same(trained: Path, plant: Plant, engine: FaultEngine) -> None:
    began = time.perf_counter()
    again = FaultEngine.load(trained, plant)
    assert time.perf_counter() - began < 5.0  # sanity bound; timings are in benchmarks/RESULTS.md
    assert again.predict("T1", NOW) == engine.predict("T1", NOW)
    assert trained.name == f"{engine.version}.npz" and latest(trained.parent) == trained


def test_errors(engine: FaultEngine, tmp_path: Path, plant: Plant) -> None:
    with pytest.raises(InputError, match="unknown asset 'NOPE'"):
        engine.predict("NOPE", NOW)
    (tmp_path / "faults-x.pkl").write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="faults train"):
        FaultEngine.load(tmp_path / "faults-x.pkl", plant)


def test_diagnosis_tells_cavitation_from_bearing_wear(plant: Plant) -> None:
    knowledge = load_knowledge(plant.model)
    modes = plant.model.fault_modes_for("P-101")
    normal = {"flow": "normal", "motor_current": "normal", "speed": "normal"}
    cavitation = diagnose(knowledge, modes, {**normal, "discharge_pressure": "down", "vibration": "up",
                                             "bearing_temperature": "normal"}, alarm=True)
    wear = diagnose(knowledge, modes, {**normal, "discharge_pressure": "normal", "vibration": "up",
                                       "bearing_temperature": "up"}, alarm=True)
    quiet = diagnose(knowledge, modes, {**normal, "vibration": "normal", "bearing_temperature": None}, alarm=False)
    assert cavitation.top_fault[0] == "cavitation" and cavitation.top_fault[1] > 0.9
    assert wear.top_fault[0] == "bearing_wear" and wear.top_fault[1] > 0.9
    assert quiet.posterior[0][0] == HEALTHY and quiet.probability(HEALTHY) > 0.99
    assert abs(sum(p for _, p in wear.posterior) - 1.0) < 1e-9


def test_bad_symptom_table_names_file_and_key(plant: Plant, tmp_path: Path) -> None:
    text = (ROOT / "plant" / "knowledge.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "knowledge.yaml"
    bad.write_text(text.replace("healthy: {up: 0.01, normal: 0.98, down: 0.01}",
                                "healthy: {up: 0.5, normal: 0.98, down: 0.01}"), encoding="utf-8")
    with pytest.raises(DataError, match=r"knowledge.yaml: diagnosis.healthy: .* add up to 1"):
        load_knowledge(plant.model, bad)


def test_train_command_shows_progress_and_saves(tmp_path: Path) -> None:
    config = Config(data_dir=str(tmp_path / "data"))
    out = io.StringIO()
    assert train_command(config, out) == 0
    assert "16/16" in out.getvalue() and "saved" in out.getvalue()
    assert latest(tmp_path / "data" / "faults") is not None
