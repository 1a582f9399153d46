"""Anomaly detectors for multivariate plant signals, trained on normal data only.

Every detector standardizes with the training mean and deviation, scores each row
(higher is stranger) and sets ``threshold`` from its own training scores: the
``quantile`` of the training scores after the same causal moving mean that
``detect`` applies (``persistence`` rows), so a single noisy row does not raise an
alarm. Nothing about faults is seen while fitting.

    pca-t2    Hotelling's T² in the principal subspace (90 % of the variance)
    pca-t2q   T² plus Q (squared prediction error), each divided by its training median
    knn       mean distance to the k nearest training rows (k = 20)
    mset      residual of an MSET-like similarity estimate from a memory of training states
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import cdist

from ..errors import InputError
from ..registry import Registry

__all__ = ["Detector", "detectors", "detect", "smooth", "Knn", "PcaT2", "PcaT2Q", "Mset"]

Array = NDArray[np.float64]


@runtime_checkable
class Detector(Protocol):
    threshold: float
    persistence: int

    def fit(self, X: Array) -> Detector: ...

    def score(self, X: Array) -> Array: ...


detectors: Registry[Detector] = Registry("anomaly detector", "faults -> detector")


def smooth(scores: Array, window: int) -> Array:
    """Causal moving mean over ``window`` rows (shorter at the start)."""
    if window <= 1:
        return scores.astype(float)
    total = np.cumsum(np.insert(scores.astype(float), 0, 0.0))
    idx = np.arange(1, len(scores) + 1)
    lo = np.maximum(idx - window, 0)
    return (total[idx] - total[lo]) / (idx - lo)


def detect(detector: Detector, train: Array, X: Array) -> NDArray[np.bool_]:
    """Fit on ``train`` and flag the rows of ``X`` (which follows it in time) as alarms."""
    detector.fit(train)
    w = detector.persistence
    context = detector.score(train[-(w - 1):]) if w > 1 else np.empty(0)
    smoothed = smooth(np.concatenate([context, detector.score(X)]), w)
    return smoothed[len(context):] > detector.threshold


class _Standardized:
    """Training-set scaling and the threshold rule shared by all detectors."""

    def __init__(self, quantile: float = 1.0, persistence: int = 5) -> None:
        self.quantile = quantile
        self.persistence = persistence
        self.threshold = float("inf")
        self._mean = np.zeros(0)
        self._std = np.ones(0)

    def fit(self, X: Array) -> Detector:
        if X.ndim != 2 or len(X) < 10:
            raise InputError(f"training data must be rows x columns with 10+ rows, got shape {X.shape}")
        self._mean, self._std = X.mean(0), X.std(0) + 1e-9
        self._fit(self._z(X))
        train = smooth(self._train_scores(self._z(X)), self.persistence)
        self.threshold = float(np.quantile(train[self.persistence:], self.quantile))
        return self  # type: ignore[return-value]

    def score(self, X: Array) -> Array:
        return self._score(self._z(X))

    def _z(self, X: Array) -> Array:
        return (np.asarray(X, dtype=float) - self._mean) / self._std

    def _fit(self, Z: Array) -> None:
        raise NotImplementedError

    def _score(self, Z: Array) -> Array:
        raise NotImplementedError

    def _train_scores(self, Z: Array) -> Array:
        return self._score(Z)


class PcaT2(_Standardized):
    def __init__(self, variance: float = 0.9, **kw: float) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.variance = variance

    def _fit(self, Z: Array) -> None:
        _, s, vt = np.linalg.svd(Z, full_matrices=False)
        lam = s**2 / (len(Z) - 1)
        k = int(np.searchsorted(np.cumsum(lam) / lam.sum(), self.variance)) + 1
        self._P, self._lam = vt[:k].T, lam[:k]

    def _parts(self, Z: Array) -> tuple[Array, Array]:
        T = Z @ self._P
        return (T**2 / self._lam).sum(1), ((Z - T @ self._P.T) ** 2).sum(1)

    def _score(self, Z: Array) -> Array:
        return self._parts(Z)[0]


class PcaT2Q(PcaT2):
    def _fit(self, Z: Array) -> None:
        super()._fit(Z)
        t2, q = self._parts(Z)
        self._scale = (np.median(t2) + 1e-9, np.median(q) + 1e-9)

    def _score(self, Z: Array) -> Array:
        t2, q = self._parts(Z)
        return t2 / self._scale[0] + q / self._scale[1]


class Knn(_Standardized):
    def __init__(self, k: int = 20, **kw: float) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.k = k

    def _fit(self, Z: Array) -> None:
        self._memory = Z

    def _score(self, Z: Array) -> Array:
        d = np.sort(cdist(Z, self._memory), axis=1)
        return d[:, : self.k].mean(1)

    def _train_scores(self, Z: Array) -> Array:
        d = np.sort(cdist(Z, self._memory), axis=1)  # column 0 is each row itself
        return d[:, 1 : self.k + 1].mean(1)


class Mset(_Standardized):
    """Memory of ``states`` training rows; estimate = similarity-weighted memory."""

    def __init__(self, states: int = 100, ridge: float = 1e-3, **kw: float) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.states, self.ridge = states, ridge

    def _sim(self, A: Array, B: Array) -> Array:
        return np.exp(-cdist(A, B, "sqeuclidean") / (2.0 * A.shape[1]))

    def _fit(self, Z: Array) -> None:
        idx = np.linspace(0, len(Z) - 1, min(self.states, len(Z))).astype(int)
        self._D = Z[idx]
        G = self._sim(self._D, self._D) + self.ridge * np.eye(len(idx))
        self._Ginv = np.linalg.inv(G)

    def _score(self, Z: Array) -> Array:
        W = self._sim(Z, self._D) @ self._Ginv
        W /= np.maximum(W.sum(1, keepdims=True), 1e-9)
        return np.linalg.norm(Z - W @ self._D, axis=1)


detectors.register("pca-t2")(PcaT2)
detectors.register("pca-t2q")(PcaT2Q)
detectors.register("knn")(Knn)
detectors.register("mset")(Mset)
