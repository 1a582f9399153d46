"""Fault detection: metrics against hand-worked cases, detectors on synthetic faults, SKAB end to end.

The SKAB data is expected beside the checkout (../shared/datasets/skab, as in CI). Without it the
tests that read it skip with the reason; PLANTVOICE_REQUIRE_SHARED=1 (set by .ci/run) makes that a failure.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ConfigError, InputError
from assistant.faults.anomaly import detect, detectors, smooth
from assistant.faults.metrics import PROFILES, confusion, nab_score, nab_tally, onsets, sigma
from assistant.faults.skab import TRAIN_ROWS, load_file, run, skab_dir, steady_columns
from tests.conftest import shared

STD = PROFILES["standard"]


@pytest.fixture(scope="module")
def skab() -> Path:
    return shared("datasets", "skab", "valve1").parent


def test_point_metrics_by_hand() -> None:
    c = confusion(np.array([1, 1, 0, 0, 1], bool), np.array([1, 0, 1, 0, 1], bool))
    assert (c.tp, c.fp, c.fn, c.tn) == (2, 1, 1, 1)
    assert c.f1 == pytest.approx(4 / 6) and c.far == 0.5 and c.mar == pytest.approx(1 / 3)


def test_always_anomaly_has_no_missed_alarms() -> None:
    c = confusion(np.ones(10, bool), np.arange(10) >= 3)
    assert (c.far, c.mar) == (1.0, 0.0) and c.f1 == pytest.approx(14 / 17)


def test_sigma_and_onsets() -> None:
    assert sigma(0.0) == 0.0
    assert sigma(-1.0) == pytest.approx(0.986614, abs=1e-6)
    assert sigma(10.0) == pytest.approx(-1.0)
    assert list(onsets(np.array([0, 1, 1, 0, 1], bool))) == [1, 4]
    assert list(onsets(np.array([1, 1, 0], bool))) == [0]


def _tiny(on: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    times = np.arange(20.0)
    alarms = np.zeros(20, bool)
    alarms[on] = True
    return times, alarms, times == 5.0  # one changepoint at 5 s, window [5 s, 10 s]


def test_nab_on_a_tiny_series_by_hand() -> None:
    # onsets at 2 s (before any window: -0.11), 7 s (y = (7-10)/5 = -0.6: 2/(1+e^-3)-1 = 0.905148),
    # 8 s (same window, not the first: ignored), 15 s (y = (15-10)/5 = 1: 0.11 * (2/(1+e^5)-1) = -0.108528)
    tally = nab_tally(*_tiny([2, 7, 8, 15]), window=5.0, profile=STD)
    assert tally.score == pytest.approx(-0.11 + 0.905148 - 0.108528, abs=1e-6)
    assert (tally.null, tally.missed, tally.false_positives) == (-1.0, 0, 2)
    assert tally.perfect == pytest.approx(0.986614, abs=1e-6)
    assert tally.normalized == pytest.approx(100 * (0.686620 + 1) / (0.986614 + 1), abs=1e-3)


def test_nab_null_perfect_and_profiles() -> None:
    assert nab_tally(*_tiny([]), window=5.0, profile=STD).normalized == 0.0
    assert nab_tally(*_tiny([5]), window=5.0, profile=STD).normalized == pytest.approx(100.0)
    missed = nab_tally(*_tiny([15]), window=5.0, profile=PROFILES["low_fn"])
    assert (missed.score, missed.null, missed.missed) == (pytest.approx(-2.0 - 0.108528, abs=1e-6), -2.0, 1)
    assert nab_score([nab_tally(*_tiny([5]), window=5.0, profile=STD)] * 2) == pytest.approx(100.0)


def _plant(rows: int, seed: int) -> np.ndarray:
    """Three signals driven by one load, with measurement noise."""
    rng = np.random.default_rng(seed)
    load = rng.normal(size=rows)
    return np.column_stack([load, 2 * load, -load]) + rng.normal(size=(rows, 3)) * 0.1


@pytest.mark.parametrize("name", detectors.names())
def test_detector_finds_an_injected_excursion(name: str) -> None:
    X = _plant(1000, seed=1)
    X[700:] *= 5.0  # the load swings five times wider than ever in training
    alarms = detect(detectors.create(name), X[:400], X[400:])
    assert alarms[300:].mean() > 0.9
    assert alarms[:300].mean() < 0.05


def test_pca_q_finds_a_broken_correlation() -> None:
    X = _plant(1000, seed=1)
    X[700:, 1] += 1.0  # a sensor offset inside the normal range: only the residual (Q) shows it
    alarms = detect(detectors.create("pca-t2q"), X[:400], X[400:])
    assert alarms[300:].mean() > 0.9 and alarms[:300].mean() < 0.05


@pytest.mark.parametrize("name", detectors.names())
@pytest.mark.parametrize("seed", [2, 3])
def test_detector_is_quiet_on_normal_data(name: str, seed: int) -> None:
    X = _plant(1000, seed=seed)
    assert detect(detectors.create(name), X[:400], X[400:]).mean() < 0.05


def test_smooth_is_a_causal_moving_mean() -> None:
    assert list(smooth(np.array([0.0, 3.0, 6.0, 3.0]), 3)) == [0.0, 1.5, 3.0, 4.0]


def test_unknown_detector_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match="knn"):
        detectors.create("nope")


def test_missing_dataset_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="SKAB data not found"):
        skab_dir(tmp_path)


def test_one_skab_file_end_to_end(skab: Path) -> None:
    f = load_file(skab / "valve1" / "1.csv", skab)
    cols = [0, 1, 2, 3, 6, 7]  # without the two temperatures, as the benchmark decides
    alarms = detect(detectors.create("knn"), f.X[:TRAIN_ROWS, cols], f.X[TRAIN_ROWS:, cols])
    c = confusion(alarms, f.anomaly[TRAIN_ROWS:])
    assert c.f1 > 0.8 and c.far < 0.2 and c.mar < 0.3
    tally = nab_tally(f.times[TRAIN_ROWS:], alarms, f.changepoint[TRAIN_ROWS:], 60.0, STD)
    assert tally.null == -4.0 and 0.0 < tally.normalized <= 100.0


def test_benchmark_meets_its_goals(skab: Path) -> None:
    r = run(skab, "knn")
    assert (r.files, r.scored_rows, r.changepoints) == (34, 23801, 127)
    assert "Temperature" not in r.columns and "Thermocouple" not in r.columns
    assert r.f1 >= 0.80 and r.far <= 0.13 and r.mar <= 0.28
    assert math.isfinite(r.nab_standard) and r.nab_standard > 32.42


def test_steady_columns_drop_a_trend() -> None:
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=400), np.linspace(0, 1, 400) + rng.normal(size=400) * 0.05])
    assert steady_columns([X], horizon=700) == [0]
