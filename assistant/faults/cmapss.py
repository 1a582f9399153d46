"""NASA C-MAPSS FD001 protocol for remaining useful life: ``run(data_dir) -> CmapssResult``.

Train on the 100 run-to-failure engines of ``train_FD001.txt`` (target capped at 125),
predict after the last cycle of each engine of ``test_FD001.txt``, score against
``RUL_FD001.txt``: RMSE, the PHM08 score (late predictions cost more) and the share
of engines whose true RUL lies inside the 90 % interval. Nothing is tuned on the test
labels; the interval is calibrated on held-out training engines.

    data_dir/cmapss/{train,test,RUL}_FD001.txt    (data_dir defaults to ../shared/datasets)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..config import ROOT
from ..errors import DataError
from .rul import RulConfig, RulEstimate, RulModel

__all__ = [
    "CmapssResult",
    "DATA_DIR",
    "SIGNALS",
    "coverage",
    "load_histories",
    "load_split",
    "phm08_score",
    "rmse",
    "run",
]

Array = NDArray[np.float64]
DATA_DIR = ROOT.parent / "shared" / "datasets"
SIGNALS = slice(5, 26)  # sensor1..21; unit, cycle and the three settings are left out
# (FD001 has one operating condition: the settings are noise around it)


@dataclass(frozen=True)
class CmapssResult:
    rmse: float
    score: float  # PHM08, summed over engines
    coverage: float  # share of engines with the true RUL inside the interval
    width: float  # mean interval width, cycles
    runtime_s: float  # load, fit (with calibration) and predict
    n_engines: int
    n_train: int
    subset: str = "FD001"


def rmse(pred: Array, true: Array) -> float:
    return float(np.sqrt(np.mean((np.asarray(pred) - np.asarray(true)) ** 2)))


def phm08_score(pred: Array, true: Array) -> float:
    """sum exp(-d/13)-1 for early (d<0), exp(d/10)-1 for late predictions; d = pred - true."""
    d = np.asarray(pred, dtype=float) - np.asarray(true, dtype=float)
    return float(np.sum(np.where(d < 0, np.expm1(-d / 13.0), np.expm1(d / 10.0))))


def coverage(low: Array, high: Array, true: Array) -> float:
    t = np.asarray(true)
    return float(np.mean((np.asarray(low) <= t) & (t <= np.asarray(high))))


def _read(path: Path) -> Array:
    if not path.is_file():
        raise DataError(
            f"{path}: C-MAPSS file missing; put train_FD001.txt, test_FD001.txt and RUL_FD001.txt "
            f"in {path.parent} or pass another data directory"
        )
    try:
        return np.loadtxt(path, ndmin=2)
    except ValueError as e:
        raise DataError(f"{path}: not a C-MAPSS table of numbers ({e})") from e


def load_histories(path: Path) -> list[Array]:
    """One array (cycles, 21 sensors) per engine, in unit order."""
    table = _read(path)
    if table.shape[1] < SIGNALS.stop:
        raise DataError(f"{path}: {table.shape[1]} columns, C-MAPSS has 26 (unit, cycle, 3 settings, 21 sensors)")
    units = table[:, 0].astype(int)
    return [table[units == u][np.argsort(table[units == u][:, 1]), SIGNALS] for u in np.unique(units)]


def load_split(data_dir: Path, subset: str = "FD001") -> tuple[list[Array], list[Array], Array]:
    """Training histories, test histories and the test engines' true RUL."""
    base = _folder(data_dir)
    train = load_histories(base / f"train_{subset}.txt")
    test = load_histories(base / f"test_{subset}.txt")
    true = _read(base / f"RUL_{subset}.txt")[:, 0]
    if len(true) != len(test):
        raise DataError(f"{base}: {len(test)} test engines but {len(true)} lines in RUL_{subset}.txt")
    return train, test, true


def _folder(data_dir: Path) -> Path:
    return data_dir / "cmapss" if (data_dir / "cmapss").is_dir() else data_dir


def run(
    data_dir: Path = DATA_DIR,
    config: RulConfig | None = None,
    units: int | None = None,
    model_path: Path | None = None,
) -> CmapssResult:
    """Fit on FD001 training engines (the first ``units`` of them if given), score on all test engines."""
    start = time.perf_counter()
    train, test, true = load_split(data_dir)
    train = train[:units] if units else train
    model = RulModel(config).fit(train)
    est = model.predict(test)
    runtime = time.perf_counter() - start
    if model_path is not None:
        model.save(model_path)
    return _result(est, true, runtime, len(train))


def _result(est: RulEstimate, true: Array, runtime: float, n_train: int) -> CmapssResult:
    return CmapssResult(
        rmse=rmse(est.rul, true),
        score=phm08_score(est.rul, true),
        coverage=coverage(est.low, est.high, true),
        width=float(np.mean(est.high - est.low)),
        runtime_s=runtime,
        n_engines=len(true),
        n_train=n_train,
    )
