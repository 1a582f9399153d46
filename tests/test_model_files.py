"""Model files hold data only: a planted pickle never runs, saved models predict the same after loading,
a damaged file is trained again (intent model) or refused with one clear DataError (fault engine, RUL
model), and every model file is private (0600) and written without following a planted symlink."""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from assistant.config import NluConfig, PlantConfig
from assistant.errors import DataError
from assistant.faults import engine as faults
from assistant.faults.anomaly import detectors
from assistant.faults.engine import EngineConfig, FaultEngine
from assistant.faults.prediction import AssetDetector
from assistant.faults.rul import RulConfig, RulModel, _Trees
from assistant.nlu import create_understander, load_intents
from assistant.nlu.classifier import model_key
from assistant.plant import Plant, create_plant

NOW = dt.datetime(2025, 3, 12, 13, 30, tzinfo=dt.timezone.utc)
FAST_RUL = RulConfig(folds=2, epochs=2, hidden=(8, 4),
                     boosting={"max_iter": 15, "learning_rate": 0.2, "max_leaf_nodes": 7, "min_samples_leaf": 10})


class _Payload:
    """Unpickling this creates ``marker``: the proof that a loader ran code from a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _plant(path: Path, marker: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(_Payload(marker)))


def _damaged(path: Path) -> list[bytes]:
    """A truncated, a garbled and an empty copy of the model file at ``path``."""
    data = path.read_bytes()
    garbled = bytearray(data)
    garbled[len(data) // 3: len(data) // 3 + 64] = b"\xff" * 64
    return [data[: len(data) // 2], bytes(garbled), b""]


# ---------------------------------------------------------------------- fault engine


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Plant:
    return create_plant(PlantConfig(), tmp_path_factory.mktemp("plant"), clock=lambda: NOW)


@pytest.fixture(scope="module")
def trained(plant: Plant, tmp_path_factory: pytest.TempPathFactory) -> tuple[FaultEngine, Path]:
    """The engine as fitted (kept when it is saved) and its file."""
    fitted: list[FaultEngine] = []
    save = FaultEngine.save
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(FaultEngine, "save", lambda self, d: (fitted.append(self), save(self, d))[1])
        path = faults.train(plant, tmp_path_factory.mktemp("faults"))
    fitted[0].plant = plant
    return fitted[0], path


@pytest.fixture(scope="module")
def engine_file(trained: tuple[FaultEngine, Path]) -> Path:
    return trained[1]


def _expected_engine(plant: Plant, directory: Path) -> Path:
    config = EngineConfig()
    times = faults._training_times(plant, config, None)
    return directory / faults._version(plant.model, config, int(times[0]), int(times[-1]), plant)


def test_a_planted_pickle_never_runs_as_a_fault_engine(plant: Plant, tmp_path: Path) -> None:
    marker, directory = tmp_path / "ran", tmp_path / "faults"
    stem = _expected_engine(plant, directory)
    for path in (stem.with_suffix(".pkl"), stem.with_suffix(".npz")):  # where it is looked for, then and now
        _plant(path, marker)
    with pytest.raises(DataError) as ready:
        faults.ready(plant, directory)
    with pytest.raises(DataError) as load:
        FaultEngine.load(stem.with_suffix(".pkl"), plant)
    assert not marker.exists()
    assert re.fullmatch(r".*faults-\w+\.npz: cannot read a fault engine \(not a model file \(pickled data, refused\)\); "
                        r"run `plantvoice faults train`", str(ready.value))
    assert "faults train" in str(load.value)


def test_a_fault_engine_predicts_the_same_after_loading(plant: Plant, trained: tuple[FaultEngine, Path]) -> None:
    fitted, path = trained
    loaded = FaultEngine.load(path, plant)
    for asset in plant.model.assets:
        assert loaded.predict(asset.id, NOW) == fitted.predict(asset.id, NOW)
    assert path.suffix == ".npz" and loaded.version == path.stem == fitted.version
    assert faults.ready(plant, path.parent).version == fitted.version  # the file the assistant looks for


@pytest.mark.parametrize("name", detectors.names())
def test_every_detector_predicts_the_same_after_loading(name: str) -> None:
    rng = np.random.default_rng(3)
    flow = rng.uniform(50, 100, 300)
    X = np.column_stack([flow, 2 * flow + rng.normal(0, 1, 300), rng.normal(40, 2, 300)])
    det = AssetDetector(("flow", "pressure", "temperature"), ("flow",), name).fit(X)
    arrays: dict[str, np.ndarray] = {}
    again = faults._detector_from(faults._detector_state(det, "0.", arrays), "0.", arrays)
    probe = X[-40:] + rng.normal(0, 3, (40, 3))
    probe[-5:, 0] = np.nan  # a missing driver: the plain view
    for rows in (probe[:30], probe):
        assert repr(again.assess(rows)) == repr(det.assess(rows))


def test_a_damaged_fault_engine_is_refused_in_one_line(plant: Plant, engine_file: Path, tmp_path: Path) -> None:
    for data in _damaged(engine_file):
        bad = tmp_path / engine_file.name
        bad.write_bytes(data)
        with pytest.raises(DataError, match="faults train") as caught:
            FaultEngine.load(bad, plant)
        assert str(bad) in str(caught.value) and "\n" not in str(caught.value)


def test_a_fault_engine_of_another_asset_model_is_refused(plant: Plant, engine_file: Path, tmp_path: Path) -> None:
    from assistant.files import read_arrays, write_arrays

    meta, arrays = read_arrays(engine_file)
    write_arrays(tmp_path / engine_file.name, {**meta, "model": "0" * 64}, arrays)
    with pytest.raises(DataError, match="another asset model"):
        FaultEngine.load(tmp_path / engine_file.name, plant)
    write_arrays(tmp_path / engine_file.name, meta, {k: v for k, v in arrays.items() if k != "0.driven._memory"})
    with pytest.raises(DataError, match="damaged fault engine"):
        FaultEngine.load(tmp_path / engine_file.name, plant)


def test_a_fault_engine_file_is_private(engine_file: Path) -> None:
    assert engine_file.stat().st_mode & 0o777 == 0o600


# ---------------------------------------------------------------------- RUL model


def _wear(rng: np.random.Generator, life: int) -> np.ndarray:
    t = np.arange(life, dtype=float)
    health = np.exp((t - life) / 30.0)
    return np.column_stack([health + rng.normal(0, 0.05, life), -health + rng.normal(0, 0.05, life),
                            np.full(life, 3.0)])


@pytest.fixture(scope="module")
def rul() -> tuple[RulModel, list[np.ndarray]]:
    rng = np.random.default_rng(2)
    model = RulModel(FAST_RUL).fit([_wear(rng, int(rng.integers(80, 120))) for _ in range(8)])
    return model, [_wear(rng, 100)[:cut] for cut in (20, 50, 90)]


def test_the_kept_trees_predict_as_scikit_learn_does() -> None:
    from sklearn.ensemble import HistGradientBoostingRegressor

    rng = np.random.default_rng(4)
    X = rng.normal(size=(600, 5))
    X[::11, 2] = np.nan
    y = 3 * X[:, 0] + np.sin(X[:, 1]) + rng.normal(0, 0.1, 600)
    boost = HistGradientBoostingRegressor(max_iter=30, max_leaf_nodes=9, random_state=0).fit(X, y)
    probe = rng.normal(size=(200, 5))
    probe[::7, 2] = np.nan
    np.testing.assert_array_equal(_Trees.of(boost).predict(probe), boost.predict(probe))


def test_a_rul_model_predicts_the_same_after_loading(rul: tuple[RulModel, list[np.ndarray]], tmp_path: Path) -> None:
    model, tests = rul
    path = model.save(tmp_path / "models" / "rul.npz")
    again = RulModel.load(path)
    a, b = model.predict(tests), again.predict(tests)
    for x, y in ((a.rul, b.rul), (a.low, b.low), (a.high, b.high)):
        np.testing.assert_array_equal(x, y)
    assert again.config == model.config and path.stat().st_mode & 0o777 == 0o600


def test_a_planted_pickle_never_runs_as_a_rul_model(tmp_path: Path) -> None:
    marker, path = tmp_path / "ran", tmp_path / "models" / "rul.pkl"
    _plant(path, marker)
    with pytest.raises(DataError) as caught:
        RulModel.load(path)
    assert not marker.exists()
    assert "rul.pkl: cannot read an RUL model (not a model file (pickled data, refused))" in str(caught.value)


def test_a_damaged_rul_model_is_refused_in_one_line(rul: tuple[RulModel, list[np.ndarray]], tmp_path: Path) -> None:
    path = rul[0].save(tmp_path / "rul.npz")
    for data in _damaged(path):
        bad = tmp_path / "bad.npz"
        bad.write_bytes(data)
        with pytest.raises(DataError, match="bad.npz: .*save\\(\\) it again") as caught:
            RulModel.load(bad)
        assert "\n" not in str(caught.value)


def test_rul_trees_that_loop_are_refused(rul: tuple[RulModel, list[np.ndarray]], tmp_path: Path) -> None:
    from assistant.files import read_arrays, write_arrays

    meta, arrays = read_arrays(rul[0].save(tmp_path / "rul.npz"))
    arrays["m0.trees.left"] = np.zeros_like(arrays["m0.trees.left"])  # every inner node back to the root
    write_arrays(tmp_path / "loop.npz", meta, arrays)
    with pytest.raises(DataError, match="loop.npz: a damaged RUL model .*out of order"):
        RulModel.load(tmp_path / "loop.npz")


# ---------------------------------------------------------------------- intent model


@pytest.fixture()
def nlu_files(drinks_dir: Path, drink_lookups: dict[str, dict[str, tuple[str, ...]]],
              tmp_path: Path) -> tuple[NluConfig, Path]:
    config = NluConfig(models_dir=str(tmp_path / "models"))
    key = model_key(load_intents(drinks_dir), drink_lookups, config.features)
    return config, tmp_path / "models" / f"nlu-{key}"


def test_a_planted_pickle_never_runs_as_an_intent_model(nlu_files: tuple[NluConfig, Path], drinks_dir: Path,
                                                        drink_lookups: dict[str, dict[str, tuple[str, ...]]],
                                                        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config, stem = nlu_files
    marker = tmp_path / "ran"
    for path in (stem.with_suffix(".pkl"), stem.with_suffix(".npz")):
        _plant(path, marker)
    with caplog.at_level(logging.WARNING):
        nlu = create_understander(config, drink_lookups, drinks_dir)
    assert not marker.exists()
    assert nlu.trained and nlu.parse("is my drink done").name == "check_order"
    assert any("(pickled data, refused); training the intent model again" in r.getMessage() for r in caplog.records)


def test_an_intent_model_predicts_the_same_after_loading(nlu_files: tuple[NluConfig, Path], drinks_dir: Path,
                                                         drink_lookups: dict[str, dict[str, tuple[str, ...]]]) -> None:
    config, stem = nlu_files
    fresh = create_understander(config, drink_lookups, drinks_dir)
    loaded = create_understander(config, drink_lookups, drinks_dir)
    assert fresh.trained and not loaded.trained
    assert stem.with_suffix(".npz").stat().st_mode & 0o777 == 0o600
    for text in ("could I get a venti latte with soya", "is my drink done", "who scored in the football",
                 "a flat white please", "cancel it"):
        delex = fresh.delexicalise(text)
        assert loaded.model.rank(*delex) == fresh.model.rank(*delex)
        assert loaded.model.template(*delex) == fresh.model.template(*delex)
        assert loaded.parse(text) == fresh.parse(text)


def test_a_damaged_intent_model_is_trained_again(nlu_files: tuple[NluConfig, Path], drinks_dir: Path,
                                                 drink_lookups: dict[str, dict[str, tuple[str, ...]]],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    config, stem = nlu_files
    create_understander(config, drink_lookups, drinks_dir)
    path = stem.with_suffix(".npz")
    for data in _damaged(path):
        path.write_bytes(data)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            again = create_understander(config, drink_lookups, drinks_dir)
        assert again.trained and again.parse("is my drink done").name == "check_order"
        assert [r.getMessage() for r in caplog.records if "training the intent model again" in r.getMessage()]
        assert not create_understander(config, drink_lookups, drinks_dir).trained  # stored afresh


def test_no_pickle_in_the_assistant() -> None:
    root = Path(__file__).resolve().parent.parent / "assistant"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in ("import pickle", "pickle.load", "joblib", "cloudpickle", "allow_pickle=True"):
            assert word not in text, f"{path}: {word}"
