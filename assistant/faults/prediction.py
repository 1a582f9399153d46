"""Per-asset fault prediction: the value type ``FaultPrediction`` and the detector ``AssetDetector``.

An ``AssetDetector`` is fitted on one asset's signals in normal operation only:

    expected    every signal that is not an operating driver (``knowledge.yaml``
                operating_drivers, e.g. flow for a pump) is predicted from the
                drivers by least squares; a driver, or any signal while a driver
                is missing, is compared with its healthy mean instead
    z           residual / its training deviation, per signal (missing -> NaN)
    detector    one of ``anomaly.detectors`` (knn by default) on the z rows; its
                threshold comes from its own training scores (anomaly.py)
    symptoms    per signal ``up`` / ``down`` when the moving mean of z over the
                detector's persistence lies beyond the largest one seen in training
                (times ``margin``), else ``normal``

The contribution of a signal is its residual in its own unit (the value minus what
the operating point predicts) and in training deviations; the largest |z| leads.
Nothing about faults is seen while fitting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from .anomaly import Detector, detectors, smooth
from .trend import Rul

__all__ = ["Contribution", "Recommendation", "FaultPrediction", "AssetDetector", "Rul"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Contribution:
    signal: str
    deviation: float  # value minus what the operating point predicts, in ``unit``
    unit: str
    sigma: float  # the same in training deviations (moving mean over the persistence rows)
    state: str | None  # up | normal | down; None when the signal is missing


@dataclass(frozen=True)
class Recommendation:
    fault_mode: str
    checks: tuple[str, ...]
    actions: tuple[str, ...]
    reference: str  # where in knowledge.yaml, e.g. "plant/knowledge.yaml:12 fault_modes.bearing_wear"
    references: tuple[str, ...] = ()  # the standards and guides behind them (knowledge.yaml)


@dataclass(frozen=True)
class FaultPrediction:
    """The most probable fault mode of one asset at ``data_time``; every spoken number is a field here."""

    asset: str
    fault_mode: str
    name: str
    probability: float  # posterior that the asset is developing this fault mode (diagnosis.py)
    horizon_days: float  # the fault mode's horizon from knowledge.yaml
    rul: Rul | None  # to the alarm limit; None without a significant degradation trend
    contributions: tuple[Contribution, ...]  # largest |sigma| first
    recommendation: Recommendation
    model_version: str
    data_time: dt.datetime  # source time of the newest data used
    alarm: bool  # the asset's anomaly detector is beyond its training threshold
    score: float
    threshold: float
    posterior: tuple[tuple[str, float], ...]  # every hypothesis, healthy included
    missing: tuple[str, ...] = ()  # signals without usable data (stale, bad quality)

    @property
    def flagged(self) -> bool:
        """Worth telling an operator: the fault mode is more probable than not."""
        return self.probability >= 0.5

    @property
    def top(self) -> Contribution | None:
        return self.contributions[0] if self.contributions else None

    def data(self) -> dict[str, Any]:
        """Plain JSON-ready data for ``Answer.data``."""
        out = asdict(self)
        out["data_time"] = self.data_time.isoformat()
        out["flagged"] = self.flagged
        out["source"] = f"fault prediction {self.model_version}"
        return out


class AssetDetector:
    """Fitted on one asset's healthy rows (time x signals); see the module docstring.

    Two views are fitted: ``driven`` (residuals against the operating drivers) and ``plain``
    (against the healthy mean), the second used while a driver has no value."""

    def __init__(self, signals: tuple[str, ...], drivers: tuple[str, ...], detector: str = "knn",
                 margin: float = 1.0) -> None:
        self.signals = signals
        self.drivers = [signals.index(d) for d in drivers if d in signals]
        self.detector_name = detector
        self.margin = margin
        self.views: dict[str, tuple[Detector, Array]] = {}

    def fit(self, X: Array) -> AssetDetector:
        X = X[np.isfinite(X).all(1)]
        if len(X) < 50:
            raise InputError(f"AssetDetector: {len(X)} complete healthy rows for {', '.join(self.signals)}; "
                             "need 50 or more; train on a longer normal period")
        self.mean, self.std = X.mean(0), X.std(0) + 1e-9
        self.coef = self._fit_drivers(X)
        self.rstd = (X - self._expected(X)).std(0) + 1e-9
        self.views["driven"] = self._fit_view(self.z(X))
        if self.drivers:  # while a driver is missing, the other signals against their healthy means
            self.views["plain"] = self._fit_view(((X - self.mean) / self.std)[:, self._others])
        return self

    @property
    def _others(self) -> list[int]:
        return [i for i in range(len(self.signals)) if i not in self.drivers]

    def _fit_view(self, Z: Array) -> tuple[Detector, Array]:
        detector: Detector = detectors.create(self.detector_name)
        detector.fit(Z)
        w = detector.persistence
        return detector, self.margin * np.array([np.abs(smooth(z, w)[w:]).max() for z in Z.T])

    def _fit_drivers(self, X: Array) -> Array | None:
        if not self.drivers:
            return None
        A = np.column_stack([np.ones(len(X)), X[:, self.drivers]])
        coef, *_ = np.linalg.lstsq(A, X, rcond=None)
        return np.asarray(coef)

    def _driven(self, X: Array) -> NDArray[np.bool_]:
        return np.isfinite(X[:, self.drivers]).all(1) if self.drivers else np.ones(len(X), bool)

    def _expected(self, X: Array) -> Array:
        """What the operating point predicts per row; the healthy mean where it cannot."""
        E = np.broadcast_to(self.mean, X.shape).copy()
        if self.coef is None:
            return E
        ok = self._driven(X)
        E[ok] = np.column_stack([np.ones(ok.sum()), X[ok][:, self.drivers]]) @ self.coef
        E[:, self.drivers] = self.mean[self.drivers]
        return E

    def expected(self, X: Array) -> Array:
        return self._expected(np.asarray(X, float))

    def z(self, X: Array) -> Array:
        """Residual per signal in training deviations (rows without drivers: against the mean)."""
        X = np.asarray(X, float)
        scale = np.where(self._driven(X)[:, None], self.rstd, self.std)
        scale[:, self.drivers] = self.std[self.drivers]
        return (X - self._expected(X)) / scale

    @property
    def threshold(self) -> float:
        return float(self.views["driven"][0].threshold)

    def assess(self, X: Array) -> tuple[float, float, bool, Array, Array, list[str | None]]:
        """Score, its threshold, alarm, mean z and residual over the last persistence rows, signal states."""
        X = np.asarray(X, float)
        view = "driven" if self._driven(X[-1:])[0] else "plain"
        detector, limits = self.views[view]
        cols = list(range(len(self.signals))) if view == "driven" else self._others
        w = detector.persistence
        Z = self.z(X)[-w:]
        score = float(detector.score(np.nan_to_num(Z[:, cols], nan=0.0)).mean())
        R = (X - self._expected(X))[-w:]
        zbar, rbar = _nanmean(Z), _nanmean(R)
        lim = dict(zip(cols, limits))
        states = [None if not np.isfinite(v) or i not in lim else
                  "up" if v > lim[i] else "down" if v < -lim[i] else "normal" for i, v in enumerate(zbar)]
        return score, float(detector.threshold), score > detector.threshold, zbar, rbar, states


def _nanmean(A: Array) -> Array:
    n = np.isfinite(A).sum(0)
    total = np.where(np.isfinite(A), A, 0.0).sum(0)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)
