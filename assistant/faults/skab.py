"""The SKAB benchmark (Skoltech Anomaly Benchmark, v0.9) run on one detector.

Protocol, as the SKAB leaderboard: every file of ``valve1``, ``valve2`` and ``other``
is one experiment; a detector is fitted on its first 400 rows and flags the rest,
which is scored. Point-wise F1, FAR and MAR are pooled over all scored rows; NAB
scores use 60 s windows to the right of each labelled changepoint (``metrics.py``).
``anomaly-free`` holds no labels to score and is not used by ``run``.

Columns that drift are left out, decided from training parts only: a column whose
straight-line trend over each file's first 400 rows, carried over the scored
length, moves it by more than ``DRIFT_LIMIT`` training deviations (median over the
files) would raise alarms however normal the plant; in SKAB these are the two
temperatures. No label is read before scoring.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..config import ROOT
from ..errors import DataError, InputError
from .anomaly import detect, detectors
from .metrics import PROFILES, Confusion, NabTally, confusion, nab_tally

__all__ = ["DATASETS", "TRAIN_ROWS", "WINDOW_S", "SkabFile", "SkabResult", "load_file", "skab_files",
           "steady_columns", "run"]

DATASETS = ROOT.parent / "shared" / "datasets"
TRAIN_ROWS = 400
WINDOW_S = 60.0
DRIFT_LIMIT = 2.0
FOLDERS = ("valve1", "valve2", "other")
SIGNALS = ("Accelerometer1RMS", "Accelerometer2RMS", "Current", "Pressure", "Temperature",
           "Thermocouple", "Voltage", "Volume Flow RateRMS")


@dataclass(frozen=True)
class SkabFile:
    name: str
    times: NDArray[np.float64]
    X: NDArray[np.float64]
    anomaly: NDArray[np.bool_]
    changepoint: NDArray[np.bool_]


@dataclass(frozen=True)
class SkabResult:
    detector: str
    files: int
    scored_rows: int
    columns: tuple[str, ...]
    f1: float
    far: float
    mar: float
    nab_standard: float
    nab_low_fp: float
    nab_low_fn: float
    changepoints: int
    missed_changepoints: int
    false_positives: int
    runtime_s: float


def load_file(path: Path, root: Path | None = None) -> SkabFile:
    """One SKAB CSV (``;``-separated, ``datetime`` first, labels last)."""
    with path.open(newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    header, body = rows[0], [r for r in rows[1:] if r]
    try:
        cols = [header.index(c) for c in (*SIGNALS, "anomaly", "changepoint")]
        data = np.array([[float(r[i]) for i in cols] for r in body])
        times = np.array([datetime.fromisoformat(r[0]).timestamp() for r in body])
    except (ValueError, IndexError) as e:
        raise DataError(f"{path}: not a SKAB data file with labels ({e})") from None
    name = str(path.relative_to(root)) if root else path.name
    return SkabFile(name, times, data[:, :8], data[:, 8] > 0, data[:, 9] > 0)


def skab_dir(data_dir: Path) -> Path:
    """``data_dir`` itself or its ``skab`` folder; a clear error when missing."""
    for d in (data_dir / "skab", data_dir):
        if all((d / f).is_dir() for f in FOLDERS):
            return d
    raise InputError(f"SKAB data not found in {data_dir}: expected folders {', '.join(FOLDERS)} "
                     f"(set the data directory, default {DATASETS})")


def skab_files(data_dir: Path) -> list[SkabFile]:
    root = skab_dir(data_dir)
    paths = sorted(p for f in FOLDERS for p in (root / f).glob("*.csv"))
    return [load_file(p, root) for p in paths]


def steady_columns(train_parts: list[NDArray[np.float64]], horizon: float) -> list[int]:
    """Columns whose median extrapolated training trend stays within DRIFT_LIMIT deviations."""
    drift = []
    for X in train_parts:
        slope = np.polyfit(np.arange(len(X)), X, 1)[0]
        drift.append(np.abs(slope) * horizon / (X.std(0) + 1e-9))
    return [int(i) for i in np.flatnonzero(np.median(drift, axis=0) <= DRIFT_LIMIT)]


def _score_file(f: SkabFile, name: str, cols: list[int],
                params: Mapping[str, float] | None = None) -> tuple[Confusion, dict[str, NabTally]]:
    """Confusion and NAB tallies of one file; ``params`` go to the detector (its defaults when None)."""
    train, test = f.X[:TRAIN_ROWS, cols], f.X[TRAIN_ROWS:, cols]
    alarms = detect(detectors.create(name, **(params or {})), train, test)
    t, cp = f.times[TRAIN_ROWS:], f.changepoint[TRAIN_ROWS:]
    nab = {p: nab_tally(t, alarms, cp, WINDOW_S, prof) for p, prof in PROFILES.items()}
    return confusion(alarms, f.anomaly[TRAIN_ROWS:]), nab


def run(data_dir: Path = DATASETS, detector: str = "knn") -> SkabResult:
    """Fit and score ``detector`` on every SKAB file; metrics pooled over files."""
    start = time.perf_counter()
    files = skab_files(data_dir)
    detectors.create(detector)  # unknown names fail before any work
    horizon = float(np.median([len(f.X) - TRAIN_ROWS for f in files]))
    cols = steady_columns([f.X[:TRAIN_ROWS] for f in files], horizon)
    total, nab = Confusion(0, 0, 0, 0), {p: NabTally(0.0, 0.0, 0.0, 0, 0) for p in PROFILES}
    for f in files:
        c, tallies = _score_file(f, detector, cols)
        total = total + c
        nab = {p: nab[p] + tallies[p] for p in PROFILES}
    std = nab["standard"]
    return SkabResult(
        detector, len(files), total.tp + total.fp + total.fn + total.tn, tuple(SIGNALS[i] for i in cols),
        total.f1, total.far, total.mar, std.normalized, nab["low_fp"].normalized, nab["low_fn"].normalized,
        int(sum(f.changepoint[TRAIN_ROWS:].sum() for f in files)), std.missed, std.false_positives,
        time.perf_counter() - start,
    )
