"""Metrics of the SKAB benchmark, written from their definitions.

Point-wise (outlier detection), pooled over all scored rows:

    F1  = 2 TP / (2 TP + FP + FN)
    FAR = FP / (FP + TN)      false alarm rate
    MAR = FN / (FN + TP)      missed alarm rate

Changepoint detection, NAB score (Lavin and Ahmad, "Evaluating Real-time Anomaly
Detection Algorithms - the Numenta Anomaly Benchmark", ICMLA 2015):

* detections are the onsets of alarms (a row flagged when the row before was not);
* every labelled changepoint opens a window of ``window`` seconds to its right
  (SKAB uses 60 s, to the right only, since no event can be seen before it happens);
* each window is scored by its earliest detection at relative position
  y = (t - window end) / window length, in [-1, 0], with the scaled sigmoid
  sigma(y) = 2 / (1 + exp(5 y)) - 1 (about +0.987 at the window start, 0 at its end),
  times A_TP; later detections in the window do not count; a window with no
  detection scores -A_FN;
* a detection in no window is a false positive scoring A_FP * sigma(y) with
  y = (t - end of the previous window) / window length (close after a window it
  costs little, far after it nearly -A_FP), or -A_FP when no window came before;
* the sum S over all files is normalized between the null detector (no detection:
  -A_FN per window) and the perfect one (a detection at every window start):
  NAB = 100 (S - S_null) / (S_perfect - S_null).

Profiles (A_TP, A_FP, A_FN): standard (1, 0.11, 1), low FP (1, 0.22, 1), low FN (1, 0.11, 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Confusion", "confusion", "Profile", "PROFILES", "NabTally", "sigma", "onsets", "nab_tally", "nab_score",
]

Bools = NDArray[np.bool_]
Times = NDArray[np.float64]


@dataclass(frozen=True)
class Confusion:
    tp: int
    fp: int
    fn: int
    tn: int

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    @property
    def f1(self) -> float:
        return 2 * self.tp / max(2 * self.tp + self.fp + self.fn, 1)

    @property
    def far(self) -> float:
        return self.fp / max(self.fp + self.tn, 1)

    @property
    def mar(self) -> float:
        return self.fn / max(self.fn + self.tp, 1)


def confusion(predicted: Bools, actual: Bools) -> Confusion:
    p, a = np.asarray(predicted, bool), np.asarray(actual, bool)
    return Confusion(int((p & a).sum()), int((p & ~a).sum()), int((~p & a).sum()), int((~p & ~a).sum()))


@dataclass(frozen=True)
class Profile:
    tp: float
    fp: float
    fn: float


PROFILES = {
    "standard": Profile(1.0, 0.11, 1.0),
    "low_fp": Profile(1.0, 0.22, 1.0),
    "low_fn": Profile(1.0, 0.11, 2.0),
}


def sigma(y: float) -> float:
    """NAB's scaled sigmoid: +1 far before a window's end, 0 at it, -1 far after."""
    return 2.0 / (1.0 + math.exp(min(5.0 * y, 700.0))) - 1.0


def onsets(alarms: Bools) -> NDArray[np.intp]:
    """Indices where an alarm starts."""
    a = np.asarray(alarms, bool)
    return np.flatnonzero(a & ~np.concatenate([[False], a[:-1]]))


@dataclass(frozen=True)
class NabTally:
    """Raw NAB sums of one or more files, for one profile."""

    score: float
    null: float
    perfect: float
    missed: int
    false_positives: int

    def __add__(self, other: NabTally) -> NabTally:
        return NabTally(self.score + other.score, self.null + other.null, self.perfect + other.perfect,
                        self.missed + other.missed, self.false_positives + other.false_positives)

    @property
    def normalized(self) -> float:
        span = self.perfect - self.null
        return 100.0 * (self.score - self.null) / span if span else 0.0


def _window_score(starts: Times, detections: Times, length: float, p: Profile) -> tuple[float, int]:
    total, missed = 0.0, 0
    for start in starts:
        inside = detections[(detections >= start) & (detections <= start + length)]
        if len(inside):
            total += p.tp * sigma((inside.min() - start - length) / length)
        else:
            total, missed = total - p.fn, missed + 1
    return total, missed


def _false_positive_score(starts: Times, detections: Times, length: float, p: Profile) -> tuple[float, int]:
    total, count = 0.0, 0
    for t in detections:
        if np.any((t >= starts) & (t <= starts + length)):
            continue
        ends = starts[starts + length < t] + length
        total += p.fp * sigma((t - ends.max()) / length) if len(ends) else -p.fp
        count += 1
    return total, count


def nab_tally(times: Times, alarms: Bools, changepoints: Bools, window: float, profile: Profile) -> NabTally:
    """Raw NAB sums of one file: ``times`` in seconds, one alarm and changepoint flag per row."""
    t = np.asarray(times, float)
    starts, detections = t[np.asarray(changepoints, bool)], t[onsets(alarms)]
    hit, missed = _window_score(starts, detections, window, profile)
    fp, count = _false_positive_score(starts, detections, window, profile)
    n = len(starts)
    return NabTally(hit + fp, -profile.fn * n, profile.tp * sigma(-1.0) * n, missed, count)


def nab_score(tallies: list[NabTally]) -> float:
    """Normalized NAB score of files scored together (0 = null detector, 100 = perfect)."""
    return sum(tallies, NabTally(0.0, 0.0, 0.0, 0, 0)).normalized
