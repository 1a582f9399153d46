"""Remaining life of a developing fault on the demo plant: a linear trend extrapolated to the alarm limit.

The demo plant has no run-to-failure histories, so nothing like the C-MAPSS
``RulModel`` (rul.py, still the benchmark model) can be learned for it. What it has
is a fault signal drifting away from healthy behaviour. This module fits a straight
line to that drift (the residual against what the operating point predicts, over
the fault mode's ``trend_window_h``) and asks when the signal at full load would
reach its first alarm limit:

    residual(t) = a + b t + e,   need: healthy at full load + residual(t) >= limit
    estimate    t* = (margin - a) / b
    interval    first t where the upper / lower 90 % prediction band of the fit
                reaches the margin (ordinary least squares, Student t)

Honest limits: the interval covers the noise and the uncertainty of the fitted line,
not a change of the degradation rate (real faults often accelerate, and the
simulator's offsets stop growing at their maximum). No significant upward trend
(slope below ``min_t`` standard errors) gives no estimate at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

__all__ = ["Rul", "rul_to_limit"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Rul:
    """Days until the signal at full load reaches ``limit`` (``high`` None: no upper bound found)."""

    days: float
    low: float
    high: float | None
    signal: str
    limit: float
    unit: str
    window_h: float
    slope_per_day: float  # of the residual, in the signal's unit per day
    method: str = "linear trend of the residual to the alarm limit, 90 % prediction interval"


@dataclass(frozen=True)
class _Fit:
    a: float
    b: float
    s: float
    n: int
    hbar: float
    sxx: float

    def band(self, t: Array, q: float) -> Array:
        return q * self.s * np.sqrt(1.0 + 1.0 / self.n + (t - self.hbar) ** 2 / self.sxx)


def _fit(hours: Array, y: Array) -> _Fit | None:
    ok = np.isfinite(y)
    h, y = hours[ok], y[ok]
    if len(h) < 10:
        return None
    hbar, sxx = float(h.mean()), float(((h - h.mean()) ** 2).sum())
    if sxx <= 0:
        return None
    b = float(((h - hbar) * (y - y.mean())).sum() / sxx)
    a = float(y.mean() - b * hbar)
    s = float(np.sqrt(((y - a - b * h) ** 2).sum() / (len(h) - 2)))
    return _Fit(a, b, max(s, 1e-9), len(h), hbar, sxx)


def _first(t: Array, reached: NDArray[np.bool_]) -> float | None:
    idx = np.flatnonzero(reached)
    return float(t[idx[0]]) if len(idx) else None


def rul_to_limit(hours: Array, residual: Array, margin: float, *, signal: str, limit: float, unit: str,
                 window_h: float, min_t: float = 3.0) -> Rul | None:
    """``hours`` relative to now (<= 0), ``residual`` signed so that degradation is positive, ``margin``
    the residual at which the full-load value reaches ``limit``. None without a significant trend."""
    hours, residual = np.asarray(hours, float), np.asarray(residual, float)
    fit = _fit(hours, residual)
    if fit is None:
        return None
    make = lambda d, lo, hi: Rul(_r(d), _r(lo), None if hi is None else _r(hi), signal,  # noqa: E731
                                 limit, unit, window_h, round(fit.b * 24.0, 3))
    last_hour = residual[(hours >= hours.max() - 1.0) & np.isfinite(residual)]
    if fit.a >= margin or (len(last_hour) and float(last_hour.mean()) >= margin):
        return make(0.0, 0.0, 0.0)  # at full load the signal would be at its limit now
    if fit.b <= 0 or fit.b < min_t * fit.s / np.sqrt(fit.sxx):
        return None
    q = float(stats.t.ppf(0.95, fit.n - 2))
    point = (margin - fit.a) / fit.b
    t = np.linspace(0.0, 4.0 * point, 4001)
    mean = fit.a + fit.b * t
    low = _first(t, mean + fit.band(t, q) >= margin) or 0.0
    high = _first(t, mean - fit.band(t, q) >= margin)
    return make(point / 24.0, low / 24.0, None if high is None else high / 24.0)


def _r(days: float) -> float:
    return round(float(days), 1)
