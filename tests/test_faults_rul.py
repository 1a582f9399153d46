"""Remaining useful life: protocol metrics, the model on synthetic wear, save/load, one real FD001 run."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import DataError, InputError
from assistant.faults.cmapss import coverage, load_split, phm08_score, rmse, run
from assistant.faults.rul import RulConfig, RulModel, features, targets
from tests.conftest import shared

FAST = RulConfig(epochs=4, boosting={"max_iter": 80, "learning_rate": 0.1, "max_leaf_nodes": 15, "min_samples_leaf": 20})


def test_rmse_by_hand() -> None:
    assert rmse(np.array([10.0, 20.0]), np.array([13.0, 16.0])) == pytest.approx(math.sqrt((9 + 16) / 2))


def test_phm08_score_by_hand() -> None:
    # d = -13 (early): e^1 - 1; d = +10 (late): e^1 - 1; d = 0: 0; d = +20: e^2 - 1
    pred, true = np.array([37.0, 60.0, 5.0, 40.0]), np.array([50.0, 50.0, 5.0, 20.0])
    expected = 2 * (math.e - 1) + (math.e**2 - 1)
    assert phm08_score(pred, true) == pytest.approx(expected)


def test_phm08_punishes_late_more_than_early() -> None:
    assert phm08_score(np.array([60.0]), np.array([50.0])) > phm08_score(np.array([40.0]), np.array([50.0]))


def test_coverage_by_hand() -> None:
    low, high = np.array([0.0, 10.0, 20.0, 30.0]), np.array([10.0, 20.0, 30.0, 40.0])
    assert coverage(low, high, np.array([10.0, 25.0, 20.0, 41.0])) == pytest.approx(0.5)


def test_targets_are_piecewise_linear() -> None:
    assert targets(5, cap=3).tolist() == [3, 3, 2, 1, 0]


def test_features_use_only_the_past() -> None:
    z = np.random.default_rng(0).normal(size=(80, 3))
    full, cut = features(z), features(z[:50])
    np.testing.assert_allclose(full[:50], cut)


def _wear(rng: np.random.Generator, life: int) -> np.ndarray:
    """Four noisy signals that drift more and more as the end nears, two constant ones."""
    t = np.arange(life, dtype=float)
    health = np.exp((t - life) / 40.0)
    gains = np.array([1.0, -0.8, 0.6, 0.0])
    noisy = 0.5 + health[:, None] * gains + rng.normal(0, 0.05, (life, 4))
    return np.hstack([noisy, np.full((life, 2), [100.0, 7.0])])


@pytest.fixture(scope="module")
def synthetic() -> tuple[RulModel, list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(1)
    model = RulModel(FAST).fit([_wear(rng, int(rng.integers(120, 220))) for _ in range(40)])
    tests, true = [], []
    for _ in range(60):
        life = int(rng.integers(120, 220))
        cut = int(rng.integers(40, life - 1))
        tests.append(_wear(rng, life)[:cut])
        true.append(life - cut)
    return model, tests, np.array(true, dtype=float)


def test_synthetic_rul_is_sensible(synthetic: tuple[RulModel, list[np.ndarray], np.ndarray]) -> None:
    model, tests, true = synthetic
    est = model.predict(tests)
    near = true <= 60  # within reach of the capped target and clearly degraded
    assert rmse(est.rul[near], true[near]) < 12
    assert np.all(est.low <= est.rul) and np.all(est.rul <= est.high) and np.all(est.low >= 0)


def test_synthetic_intervals_cover(synthetic: tuple[RulModel, list[np.ndarray], np.ndarray]) -> None:
    model, tests, true = synthetic
    est = model.predict(tests)
    assert coverage(est.low, est.high, true) >= 0.8
    assert float(np.mean(est.high - est.low)) < 150


def test_constant_signals_are_dropped(synthetic: tuple[RulModel, list[np.ndarray], np.ndarray]) -> None:
    model = synthetic[0]
    assert model.keep is not None and model.keep.tolist() == [True, True, True, True, False, False]


def test_save_load_round_trip(synthetic: tuple[RulModel, list[np.ndarray], np.ndarray], tmp_path: Path) -> None:
    model, tests, _ = synthetic
    path = model.save(tmp_path / "models" / "rul-test.pkl")
    start = time.perf_counter()
    again = RulModel.load(path)
    assert time.perf_counter() - start < 1.0
    a, b = model.predict(tests), again.predict(tests)
    np.testing.assert_array_equal(a.rul, b.rul)
    np.testing.assert_array_equal(a.low, b.low)
    np.testing.assert_array_equal(a.high, b.high)


def test_load_rejects_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "x.pkl"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="x.pkl"):
        RulModel.load(bad)


def test_bad_input_is_an_error() -> None:
    with pytest.raises(InputError, match="not fitted"):
        RulModel().predict([np.zeros((3, 2))])
    with pytest.raises(InputError, match="no training"):
        RulModel().fit([])


def test_missing_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="train_FD001.txt"):
        run(tmp_path)


def test_fd001_subset_run() -> None:
    data = shared("datasets", "cmapss", "train_FD001.txt").parent.parent  # skipped or failed when absent
    train, test, true = load_split(data)
    assert (len(train), len(test), len(true)) == (100, 100, 100)
    result = run(data, config=FAST, units=40)  # ~5 s when idle; timed in benchmarks/cmapss.py
    assert result.n_engines == 100 and result.n_train == 40
    assert 8.0 < result.rmse < 25.0
    assert result.coverage >= 0.7
    assert 0 < result.width < 150
