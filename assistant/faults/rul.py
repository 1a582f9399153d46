"""Remaining useful life with a 90 % interval, learned from run-to-failure histories.

A history is an array (cycles, signals), one row per cycle from the first cycle on;
in training it runs to failure, so the last row has RUL 0. The target is capped
(piecewise linear: flat at ``cap`` early in life, then falling to 0).

    features   per cycle: the cycle number, moving means of the last 5/10/20/30 cycles,
               least-squares slopes over the last 15/30/60, the mean of the whole
               history and the drift of the last 10 cycles from the first 30; signals
               are standardized with training statistics and constant ones dropped
    point      a blend of a small MLP (torch for training, numpy for inference; weight
               ``mlp_weight``) and gradient boosting (HistGradientBoostingRegressor),
               one blend per engine fold; the estimate is the mean of the fold blends
    interval   split conformal by engine: out-of-fold signed residuals of held-out
               training units (every cycle after ``min_history``), grouped in bins of
               the predicted RUL (Mondrian), their alpha/2 and 1-alpha/2 quantiles;
               a single fold blend is calibrated, their mean is used (conservative)

The boosted trees are kept as arrays once fitted (``_Trees``, predicted in numpy
exactly as scikit-learn does), so ``RulModel.save`` / ``RulModel.load`` keep a fitted
model in one file of data only (``files.write_arrays``: numpy arrays plus JSON).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import DataError, InputError
from ..files import read_arrays, write_arrays

__all__ = ["RulConfig", "RulEstimate", "RulModel", "features", "targets", "FORMAT"]

Array = NDArray[np.float64]
FORMAT = "plantvoice-rul-2"
_MEANS = (5, 10, 20, 30)
_SLOPES = (15, 30, 60)


@dataclass(frozen=True)
class RulConfig:
    cap: float = 125.0  # piecewise-linear target ceiling, cycles
    alpha: float = 0.1  # 1 - interval coverage
    folds: int = 5  # engine folds for the conformal residuals
    bins: int = 5  # Mondrian bins of predicted RUL
    min_history: int = 30  # cycles seen before a calibration point counts
    seed: int = 0
    mlp_weight: float = 0.7  # share of the MLP in the blend (0 = boosting only)
    epochs: int = 40
    hidden: tuple[int, int] = (128, 64)
    boosting: dict[str, Any] = field(
        default_factory=lambda: {
            "max_iter": 300,
            "learning_rate": 0.05,
            "max_leaf_nodes": 15,
            "min_samples_leaf": 50,
        }
    )


@dataclass(frozen=True)
class RulEstimate:
    """Point estimate and interval per history, in cycles (low >= 0)."""

    rul: Array
    low: Array
    high: Array


def _rolling_mean(cs: Array, w: int) -> Array:
    n = len(cs) - 1
    end = np.arange(1, n + 1)
    start = np.maximum(0, end - w)
    return (cs[end] - cs[start]) / (end - start)[:, None]


def _rolling_slope(x: Array, w: int) -> Array:
    k = np.arange(len(x), dtype=float)[:, None]
    sums = [np.vstack([np.zeros((1, v.shape[1])), np.cumsum(v, 0)]) for v in (np.ones_like(k), k, k * k)]
    cx = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x, 0)])
    ckx = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(k * x, 0)])
    end = np.arange(1, len(x) + 1)
    start = np.maximum(0, end - w)
    n, sk, skk = (s[end] - s[start] for s in sums)
    sx, skx = cx[end] - cx[start], ckx[end] - ckx[start]
    den = n * skk - sk * sk
    return np.where(den > 0, (n * skx - sk * sx) / np.where(den > 0, den, 1.0), 0.0)


def features(z: Array) -> Array:
    """Features of every cycle of one standardized history (cycles, signals)."""
    cs = np.vstack([np.zeros((1, z.shape[1])), np.cumsum(z, 0)])
    cycle = np.arange(1, len(z) + 1, dtype=float)[:, None]
    parts = [cycle] + [_rolling_mean(cs, w) for w in _MEANS]
    parts += [_rolling_slope(z, w) for w in _SLOPES]
    early = cs[np.minimum(cycle[:, 0].astype(int), 30)] / np.minimum(cycle, 30)
    parts += [cs[1:] / cycle, _rolling_mean(cs, 10) - early]
    return np.hstack(parts)


def targets(length: int, cap: float) -> Array:
    """Capped RUL of each cycle of a run-to-failure history."""
    return np.minimum(cap, np.arange(length - 1, -1, -1, dtype=float))


class RulModel:
    def __init__(self, config: RulConfig | None = None) -> None:
        self.config = config or RulConfig()
        self.mean: Array | None = None
        self.scale: Array | None = None
        self.keep: NDArray[np.bool_] | None = None
        self.members: list[_Blend] = []
        self.edges: Array = np.zeros(0)
        self.offsets: Array = np.zeros((0, 2))

    def fit(self, histories: Sequence[Array]) -> RulModel:
        """Learn from run-to-failure histories (last row = failure)."""
        _check(histories, "training")
        rows = np.vstack(histories)
        self.scale = rows.std(0)
        self.keep = self.scale > 1e-8 * (1 + np.abs(rows.mean(0)))
        self.mean = rows.mean(0)
        X, y, unit, cyc = self._table(histories)
        self._calibrate(X, y, unit, cyc, len(histories))
        return self

    def predict(self, histories: Sequence[Array]) -> RulEstimate:
        """RUL after the last row of each history, with its interval."""
        if not self.members:
            raise InputError("RulModel.predict: the model is not fitted; call fit() or RulModel.load(path)")
        _check(histories, "prediction")
        X = np.vstack([features(self._standardize(h))[-1:] for h in histories])
        mean = np.mean([m.predict(X) for m in self.members], axis=0)
        return self._interval(np.clip(mean, 0.0, None))

    def save(self, path: Path) -> Path:
        """Write the fitted model to ``path`` (numpy arrays plus JSON, private, all at once)."""
        if not self.members:
            raise InputError("RulModel.save: the model is not fitted; call fit() first")
        assert self.mean is not None and self.scale is not None and self.keep is not None
        arrays = {"mean": self.mean, "scale": self.scale, "keep": self.keep, "edges": self.edges,
                  "offsets": self.offsets}
        members = [m.state(f"m{i}.", arrays) for i, m in enumerate(self.members)]
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_arrays(path, {"format": FORMAT, "config": asdict(self.config), "members": members}, arrays)

    @staticmethod
    def load(path: Path) -> RulModel:
        """The model ``save`` wrote; DataError for any other file or a damaged one."""
        fix = "fit one and save() it again"
        try:
            meta, arrays = read_arrays(path)
        except ValueError as e:
            raise DataError(f"{path}: cannot read an RUL model ({e}); {fix}") from None
        if meta.get("format") != FORMAT:
            raise DataError(f"{path}: not an RUL model of format {FORMAT}; {fix}")
        try:
            config = meta["config"]
            model = RulModel(RulConfig(**{**config, "hidden": tuple(config["hidden"])}))
            model.mean, model.scale, model.keep = arrays["mean"], arrays["scale"], arrays["keep"].astype(bool)
            model.edges, model.offsets = arrays["edges"], arrays["offsets"]
            n_features = 1 + (len(_MEANS) + len(_SLOPES) + 2) * int(model.keep.sum())
            model.members = [_Blend.from_state(m, f"m{i}.", arrays, n_features) for i, m in enumerate(meta["members"])]
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
            raise DataError(f"{path}: a damaged RUL model ({type(e).__name__}: {e}); {fix}") from None
        if not model.members:
            raise DataError(f"{path}: an RUL model without members; {fix}")
        return model

    def _standardize(self, h: Array) -> Array:
        assert self.mean is not None and self.scale is not None and self.keep is not None
        if h.shape[1] != len(self.keep):
            raise InputError(f"RulModel: history has {h.shape[1]} signals, the model was fitted on {len(self.keep)}")
        return ((h - self.mean) / np.where(self.keep, self.scale, 1.0))[:, self.keep]

    def _table(self, histories: Sequence[Array]) -> tuple[Array, Array, Array, Array]:
        X = np.vstack([features(self._standardize(h)) for h in histories])
        y = np.concatenate([targets(len(h), self.config.cap) for h in histories])
        unit = np.concatenate([np.full(len(h), i) for i, h in enumerate(histories)])
        cyc = np.concatenate([np.arange(len(h)) for h in histories])
        return X, y, unit, cyc

    def _blend(self, X: Array, y: Array, seed: int) -> _Blend:
        from sklearn.ensemble import HistGradientBoostingRegressor

        cfg = self.config
        boost = HistGradientBoostingRegressor(random_state=seed, **cfg.boosting).fit(X, y)
        mlp = _fit_mlp(X, y, cfg, seed) if cfg.mlp_weight > 0 else None
        return _Blend(_Trees.of(boost), mlp, cfg.mlp_weight)

    def _calibrate(self, X: Array, y: Array, unit: Array, cyc: Array, n_units: int) -> None:
        """Out-of-fold residuals by engine; true RUL (uncapped) minus prediction."""
        cfg = self.config
        fold = np.random.default_rng(cfg.seed).permutation(n_units) % max(2, min(cfg.folds, n_units))
        true = _true_rul(unit)
        pred, resid, self.members = [], [], []
        for k in np.unique(fold):
            held = fold[unit] == k
            points = held & (cyc >= cfg.min_history - 1)
            self.members.append(self._blend(X[~held], y[~held], cfg.seed + int(k)))
            p = np.clip(self.members[-1].predict(X[points]), 0.0, None)
            pred.append(p)
            resid.append(true[points] - p)
        self._set_bins(np.concatenate(pred), np.concatenate(resid))

    def _set_bins(self, pred: Array, resid: Array) -> None:
        cfg = self.config
        qs = np.quantile(pred, np.linspace(0, 1, cfg.bins + 1)[1:-1])
        self.edges = np.unique(qs)
        which = np.searchsorted(self.edges, pred)
        self.offsets = np.array([_band(resid[which == b], cfg.alpha) for b in range(len(self.edges) + 1)])

    def _interval(self, rul: Array) -> RulEstimate:
        off = self.offsets[np.searchsorted(self.edges, rul)]
        return RulEstimate(rul=rul, low=np.clip(rul + off[:, 0], 0.0, None), high=rul + off[:, 1])


@dataclass(frozen=True)
class _Mlp:
    """A fitted two-hidden-layer ReLU network, kept as numpy arrays."""

    mean: Array
    scale: Array
    layers: list[tuple[Array, Array]]
    out_scale: float

    def predict(self, X: Array) -> Array:
        h = (X - self.mean) / self.scale
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            h = np.maximum(h, 0.0) if i < len(self.layers) - 1 else h
        return np.asarray(h[:, 0] * self.out_scale, dtype=float)


_TREE_FIELDS = ("start", "value", "feature", "threshold", "missing_left", "left", "right", "leaf")


@dataclass(frozen=True)
class _Trees:
    """A fitted HistGradientBoostingRegressor (identity link, numeric features), kept as arrays: the
    nodes of all its trees one after the other (``start``: each tree's root), summed in fit order
    onto the baseline, the same arithmetic as scikit-learn's ``predict``."""

    baseline: float
    start: NDArray[np.int64]
    value: Array
    feature: NDArray[np.int64]
    threshold: Array
    missing_left: NDArray[np.bool_]
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    leaf: NDArray[np.bool_]

    @staticmethod
    def of(boost: Any) -> _Trees:
        if type(boost._loss.link).__name__ != "IdentityLink" or boost.n_trees_per_iteration_ != 1:
            raise InputError(f"RulModel: boosting loss {boost.loss!r} cannot be kept; use squared_error")
        trees = [p.nodes for it in boost._predictors for p in it]
        if any(t["is_categorical"].any() for t in trees):
            raise InputError("RulModel: categorical boosting features cannot be kept; use numeric features")
        start = np.cumsum([0] + [len(t) for t in trees[:-1]]).astype(np.int64)
        nodes = np.concatenate(trees)
        offset = np.repeat(start, [len(t) for t in trees])
        return _Trees(float(np.ravel(boost._baseline_prediction)[0]), start, nodes["value"].astype(float),
                      nodes["feature_idx"].astype(np.int64), nodes["num_threshold"].astype(float),
                      nodes["missing_go_to_left"].astype(bool), nodes["left"].astype(np.int64) + offset,
                      nodes["right"].astype(np.int64) + offset, nodes["is_leaf"].astype(bool))

    def predict(self, X: Array) -> Array:
        out = np.zeros(len(X)) + self.baseline
        rows = np.arange(len(X))
        for root in self.start:
            node = np.full(len(X), root)
            inner = ~self.leaf[node]
            while inner.any():
                n = node[inner]
                x = X[rows[inner], self.feature[n]]
                node[inner] = np.where(np.where(np.isnan(x), self.missing_left[n], x <= self.threshold[n]),
                                       self.left[n], self.right[n])
                inner = ~self.leaf[node]
            out += self.value[node]
        return out

    def check(self, n_features: int) -> None:
        """ValueError unless every walk ends at a leaf: roots in range, children after their parent."""
        n = len(self.value)
        inner = np.flatnonzero(~self.leaf)
        if not all(len(a) == n for a in (self.feature, self.threshold, self.missing_left, self.left, self.right,
                                         self.leaf)):
            raise ValueError("tree arrays of different lengths")
        if len(self.start) == 0 or self.start.min() < 0 or self.start.max() >= n:
            raise ValueError("tree roots out of range")
        for child in (self.left[inner], self.right[inner]):
            if np.any(child <= inner) or np.any(child >= n):
                raise ValueError("tree nodes out of order")
        if np.any(self.feature[inner] < 0) or np.any(self.feature[inner] >= n_features):
            raise ValueError("tree features out of range")


@dataclass(frozen=True)
class _Blend:
    boost: _Trees
    mlp: _Mlp | None
    weight: float

    def predict(self, X: Array) -> Array:
        p = self.boost.predict(X)
        return p if self.mlp is None else self.weight * self.mlp.predict(X) + (1 - self.weight) * p

    def state(self, prefix: str, arrays: dict[str, Any]) -> dict[str, Any]:
        """JSON data of this blend; its arrays go into ``arrays`` under ``prefix``."""
        arrays.update({f"{prefix}trees.{k}": getattr(self.boost, k) for k in _TREE_FIELDS})
        if self.mlp is not None:
            arrays.update({f"{prefix}mlp.mean": self.mlp.mean, f"{prefix}mlp.scale": self.mlp.scale})
            for j, (w, b) in enumerate(self.mlp.layers):
                arrays.update({f"{prefix}mlp.w{j}": w, f"{prefix}mlp.b{j}": b})
        mlp = None if self.mlp is None else {"layers": len(self.mlp.layers), "out_scale": self.mlp.out_scale}
        return {"weight": self.weight, "baseline": self.boost.baseline, "mlp": mlp}

    @staticmethod
    def from_state(state: dict[str, Any], prefix: str, arrays: dict[str, Any], n_features: int) -> _Blend:
        kinds = {"missing_left": bool, "leaf": bool, "value": float, "threshold": float}
        fields = {k: arrays[f"{prefix}trees.{k}"].astype(kinds.get(k, np.int64)) for k in _TREE_FIELDS}
        trees = _Trees(float(state["baseline"]), **fields)
        trees.check(n_features)
        mlp = None
        if state["mlp"] is not None:
            layers = [(arrays[f"{prefix}mlp.w{j}"], arrays[f"{prefix}mlp.b{j}"]) for j in range(state["mlp"]["layers"])]
            mlp = _Mlp(arrays[f"{prefix}mlp.mean"], arrays[f"{prefix}mlp.scale"], layers,
                       float(state["mlp"]["out_scale"]))
        return _Blend(trees, mlp, float(state["weight"]))


def _fit_mlp(X: Array, y: Array, cfg: RulConfig, seed: int) -> _Mlp:
    """MSE, AdamW with a one-cycle schedule, batches of 256; targets scaled by the cap."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    mean, scale = X.mean(0), X.std(0) + 1e-6
    a, b = cfg.hidden
    net = nn.Sequential(nn.Linear(X.shape[1], a), nn.ReLU(), nn.Dropout(0.1), nn.Linear(a, b), nn.ReLU(), nn.Linear(b, 1))
    Xt = torch.tensor((X - mean) / scale, dtype=torch.float32)
    yt = torch.tensor(y / cfg.cap, dtype=torch.float32)
    _train(net, Xt, yt, cfg.epochs)
    linear = [m for m in net if isinstance(m, nn.Linear)]
    layers = [(m.weight.detach().numpy().T.astype(float), m.bias.detach().numpy().astype(float)) for m in linear]
    return _Mlp(mean, scale, layers, cfg.cap)


def _train(net: Any, X: Any, y: Any, epochs: int) -> None:
    import torch

    opt = torch.optim.AdamW(net.parameters(), 1e-3, weight_decay=1e-3)
    steps = epochs * ((len(X) + 255) // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)
    net.train()
    for _ in range(epochs):
        perm = torch.randperm(len(X))
        for start in range(0, len(X), 256):
            i = perm[start : start + 256]
            opt.zero_grad()
            loss = ((net(X[i]).squeeze(1) - y[i]) ** 2).mean()
            loss.backward()
            opt.step()
            sched.step()
    net.eval()


def _true_rul(unit: Array) -> Array:
    lengths = np.bincount(unit.astype(int))
    start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    idx = np.arange(len(unit)) - start[unit.astype(int)]
    return (lengths[unit.astype(int)] - 1 - idx).astype(float)


def _band(resid: Array, alpha: float) -> tuple[float, float]:
    """Split-conformal lower and upper offsets with the finite-sample correction."""
    n = len(resid)
    if n == 0:
        return (-math.inf, math.inf)
    level = min(1.0, math.ceil((n + 1) * (1 - alpha / 2)) / n)
    return (float(np.quantile(resid, 1 - level)), float(np.quantile(resid, level)))


def _check(histories: Sequence[Array], what: str) -> None:
    if len(histories) == 0:
        raise InputError(f"RulModel: no {what} histories given")
    widths = {np.shape(h)[1] if np.ndim(h) == 2 else -1 for h in histories}
    if len(widths) != 1 or -1 in widths or any(len(h) == 0 for h in histories):
        raise InputError(f"RulModel: {what} histories must be non-empty 2-D arrays (cycles, signals) of one width")
