"""The fault-prediction engine of a plant: one detector per asset, one file, ``predict(asset, now)``.

    path = train(plant, data_dir / "faults", progress=text_progress())  # faults/faults-<version>.npz
    engine = FaultEngine.load(path, plant)                               # well under a second
    engine.predict("P-102", now)                                         # FaultPrediction
    engine = ready(plant, data_dir / "faults")     # the stored engine for this plant, trained if missing

The version is a hash of the asset model, the settings and the training window, so a
changed asset model or another simulation is trained afresh and an unchanged one loads.

Training data is normal operation only: with the simulator, the ``train_days`` before
the earliest injected fault starts (``SimulatedPlant.fault_onsets``); with another plant,
the ``train_days`` before ``until`` (default now), which the caller vouches for as normal.
Series are sampled every ``step_s`` seconds from ``plant.history`` (last value at or
before each step, no older than two steps); for training, from ``plant.series`` when the
plant can compute them (the simulator, whose normal period may lie before its stored
history). Predictions always read the history, as they would on a real plant.

Per asset (prediction.py) a detector on the residuals against the operating point, the
symptoms of its signals, a naive Bayes diagnosis over the fault modes of its type
(diagnosis.py), the remaining life to the alarm limit from the trend of the leading
fault signal (trend.py) and the checks and actions from ``knowledge.yaml``.

The file holds data only (``files.write_arrays``: numpy arrays plus JSON, never
pickle): every detector's fitted arrays and numbers, and a hash of the asset model
and ``knowledge.yaml`` it was trained for; both are read from the plant on load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from ..errors import ConfigError, DataError, InputError, PlantvoiceError
from ..files import read_arrays, write_arrays
from ..plant import Plant
from ..plant.model import Asset, AssetModel, FaultMode
from .anomaly import Detector, smooth
from .anomaly import detectors as anomaly_detectors
from .diagnosis import diagnose
from .knowledge import Knowledge, knowledge_path, load_knowledge
from .prediction import AssetDetector, Contribution, FaultPrediction, Recommendation
from .trend import Rul, rul_to_limit

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["EngineConfig", "FaultEngine", "train", "train_command", "latest", "ready", "text_progress", "FORMAT"]

FORMAT = "plantvoice-faults-2"
Array = NDArray[np.float64]
Progress = Callable[[int, int, str], None]  # (assets done, assets in all, asset id)


@dataclass(frozen=True)
class EngineConfig:
    train_days: float = 7.0
    step_s: int = 300
    detector: str = "knn"
    margin: float = 1.0  # symptom limit = margin x largest moving-mean |z| in training


@runtime_checkable
class SeriesSource(Protocol):
    """A plant that can compute any signal at any time (the simulator)."""

    def series(self, asset: str, measurement: str, times: NDArray[np.int64]) -> Array: ...


def _grid(end: int, hours: float, step: int) -> NDArray[np.int64]:
    n = int(hours * 3600 // step) + 1
    return end - step * np.arange(n - 1, -1, -1, dtype=np.int64)


def _from_history(plant: Plant, asset: str, key: str, times: NDArray[np.int64], step: int) -> Array:
    start = dt.datetime.fromtimestamp(int(times[0]) - 2 * step, dt.timezone.utc)
    end = dt.datetime.fromtimestamp(int(times[-1]), dt.timezone.utc)
    rows = [r for r in plant.history(asset, key, start, end) if r.quality != "bad"]
    if not rows:
        return np.full(len(times), np.nan)
    t = np.array([r.time.timestamp() for r in rows])
    v = np.array([r.value for r in rows])
    idx = np.searchsorted(t, times, side="right") - 1
    ok = (idx >= 0) & (times - t[np.maximum(idx, 0)] <= 2 * step)
    return np.where(ok, v[np.maximum(idx, 0)], np.nan)


def frame(plant: Plant, asset: Asset, times: NDArray[np.int64], step: int, computed: bool = False) -> Array:
    """Rows = times, columns = the asset's signals; NaN where there is no usable value.
    ``computed``: from ``plant.series`` instead of the history, when the plant can compute them."""
    if computed and isinstance(plant, SeriesSource):
        cols = [plant.series(asset.id, s.key, times) for s in asset.signals]
    else:
        cols = [_from_history(plant, asset.id, s.key, times, step) for s in asset.signals]
    return np.column_stack(cols).astype(float)


def training_end(plant: Plant, until: dt.datetime | None = None) -> int:
    """End of the normal period: the earliest injected fault onset, else ``until`` or now."""
    onsets = getattr(plant, "fault_onsets", None)
    if callable(onsets) and onsets():
        return int(min(onsets().values()).timestamp()) - 3600
    return int((until or dt.datetime.now(dt.timezone.utc)).timestamp())


def _limit(asset: Asset, key: str, direction: str) -> float | None:
    signal = asset.signal(key)
    limits = [lim.value for lim in signal.limits if lim.high == (direction == "high")] if signal else []
    if not limits:
        return None
    return min(limits) if direction == "high" else max(limits)


class FaultEngine:
    def __init__(self, model: AssetModel, knowledge: Knowledge, config: EngineConfig,
                 detectors: dict[str, AssetDetector], full_load: dict[str, Array], version: str,
                 trained: dict[str, str]) -> None:
        self.model, self.knowledge, self.config = model, knowledge, config
        self.detectors, self.full_load = detectors, full_load
        self.version, self.trained = version, trained
        self.plant: Plant | None = None

    # ------------------------------------------------------------------ persistence

    def save(self, models_dir: Path) -> Path:
        path = Path(models_dir) / f"{self.version}.npz"
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Array] = {}
        assets = []
        for i, (asset, det) in enumerate(self.detectors.items()):
            arrays[f"{i}.full_load"] = self.full_load[asset]
            assets.append({"asset": asset, **_detector_state(det, f"{i}.", arrays)})
        meta = {"format": FORMAT, "version": self.version, "trained": self.trained, "config": asdict(self.config),
                "model": _fingerprint(self.model), "assets": assets}
        return write_arrays(path, meta, arrays)

    @staticmethod
    def load(path: Path, plant: Plant) -> FaultEngine:
        """The engine saved at ``path``, for ``plant`` (the asset model it was trained for);
        DataError for any other file, a damaged one or one of another asset model."""
        fix = "run `plantvoice faults train`"
        try:
            meta, arrays = read_arrays(path)
        except ValueError as e:
            raise DataError(f"{path}: cannot read a fault engine ({e}); {fix}") from None
        if meta.get("format") != FORMAT:
            raise DataError(f"{path}: not a fault engine of format {FORMAT}; {fix}")
        if meta.get("model") != _fingerprint(plant.model):
            raise DataError(f"{path}: trained for another asset model or knowledge.yaml than "
                            f"{plant.model.path}; {fix}")
        knowledge = load_knowledge(plant.model)
        try:
            dets, full_load = {}, {}
            for i, state in enumerate(meta["assets"]):
                dets[str(state["asset"])] = _detector_from(state, f"{i}.", arrays)
                full_load[str(state["asset"])] = arrays[f"{i}.full_load"]
            engine = FaultEngine(plant.model, knowledge, EngineConfig(**meta["config"]), dets, full_load,
                                 str(meta["version"]), dict(meta["trained"]))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, ConfigError) as e:
            raise DataError(f"{path}: a damaged fault engine ({type(e).__name__}: {e}); {fix}") from None
        engine.plant = plant
        return engine

    # ------------------------------------------------------------------ prediction

    def predict(self, asset_id: str, now: dt.datetime) -> FaultPrediction:
        asset = self.model.asset(asset_id)
        if asset is None or asset_id not in self.detectors:
            raise InputError(f"unknown asset {asset_id!r}; use an asset id of the asset model")
        if self.plant is None:
            raise InputError("FaultEngine.predict: no plant attached; use FaultEngine.load(path, plant)")
        modes = self.model.fault_modes_for(asset_id)
        window = max(m.trend_window_h for m in modes)
        times = _grid(int(now.timestamp()), window, self.config.step_s)
        X = frame(self.plant, asset, times, self.config.step_s)
        return self._predict(asset, modes, times, X)

    def _predict(self, asset: Asset, modes: tuple[FaultMode, ...], times: NDArray[np.int64],
                 X: Array) -> FaultPrediction:
        det = self.detectors[asset.id]
        score, threshold, alarm, zbar, rbar, states = det.assess(X)
        diag = diagnose(self.knowledge, modes, dict(zip(det.signals, states)), alarm)
        mode_id, probability = diag.top_fault
        mode = next(m for m in modes if m.id == mode_id)
        rul = self._rul(asset, mode, det, times, X) if probability >= 0.5 else None
        seen = np.flatnonzero(np.isfinite(X).any(1))
        data_time = int(times[seen[-1]]) if len(seen) else int(times[-1])
        return FaultPrediction(
            asset=asset.id, fault_mode=mode.id, name=mode.name, probability=round(probability, 3),
            horizon_days=mode.horizon_days, rul=rul, contributions=self._contributions(asset, zbar, rbar, states),
            recommendation=Recommendation(mode.id, mode.checks, mode.actions, self.knowledge.reference(mode.id),
                                          mode.references),
            model_version=self.version, data_time=dt.datetime.fromtimestamp(data_time, self.model.site.tz),
            alarm=alarm, score=round(score, 3), threshold=round(threshold, 3),
            posterior=tuple((h, round(p, 3)) for h, p in diag.posterior),
            missing=tuple(s for s, st in zip(det.signals, states) if st is None),
        )

    def _contributions(self, asset: Asset, zbar: Array, rbar: Array, states: list[str | None]
                       ) -> tuple[Contribution, ...]:
        units = {s.key: s.unit for s in asset.signals}
        keys = [s.key for s in asset.signals]
        order = sorted((i for i in range(len(keys)) if np.isfinite(zbar[i])), key=lambda i: -abs(zbar[i]))
        return tuple(Contribution(keys[i], round(float(rbar[i]), 2), units[keys[i]], round(float(zbar[i]), 1),
                                  states[i]) for i in order)

    def _rul(self, asset: Asset, mode: FaultMode, det: AssetDetector, times: NDArray[np.int64],
             X: Array) -> Rul | None:
        """From the mode's first signal (knowledge.yaml) that the asset has and that has an alarm limit."""
        for fs in mode.signals:
            limit = _limit(asset, fs.measurement, fs.direction)
            if fs.measurement not in det.signals or limit is None:
                continue
            j = det.signals.index(fs.measurement)
            sign = 1.0 if fs.direction == "high" else -1.0
            recent = times >= times[-1] - mode.trend_window_h * 3600
            residual = sign * (X[recent, j] - det.expected(X[recent])[:, j])
            since = _since_normal(residual, det, j)
            margin = sign * (limit - self.full_load[asset.id][j])
            hours = (times[recent][since:] - times[-1]) / 3600.0
            residual = residual[since:]
            return rul_to_limit(hours, residual, margin, signal=fs.measurement, limit=limit,
                                unit=asset.signal(fs.measurement).unit,  # type: ignore[union-attr]
                                window_h=mode.trend_window_h)
        return None


def _detector_state(det: AssetDetector, prefix: str, arrays: dict[str, Array]) -> dict[str, object]:
    """The fitted state of ``det`` as JSON data; its arrays go into ``arrays`` under ``prefix``."""
    fitted = {"mean": det.mean, "std": det.std, "rstd": det.rstd} | ({} if det.coef is None else {"coef": det.coef})
    arrays.update({prefix + k: v for k, v in fitted.items()})
    views = {}
    for name, (detector, limits) in det.views.items():
        arrays[f"{prefix}{name}.limits"] = limits
        values = vars(detector)
        arrays.update({f"{prefix}{name}.{k}": v for k, v in values.items() if isinstance(v, np.ndarray)})
        views[name] = {k: v for k, v in values.items() if not isinstance(v, np.ndarray)}
    return {"signals": list(det.signals), "drivers": det.drivers, "detector": det.detector_name,
            "margin": det.margin, "views": views}


def _detector_from(state: dict[str, object], prefix: str, arrays: dict[str, Array]) -> AssetDetector:
    """The detector ``_detector_state`` wrote: built by its registered name, then given its fitted values."""
    signals = tuple(str(s) for s in state["signals"])  # type: ignore[attr-defined]
    name = str(state["detector"])
    det = AssetDetector(signals, tuple(signals[i] for i in state["drivers"]), name,  # type: ignore[attr-defined]
                        float(state["margin"]))  # type: ignore[arg-type]
    det.mean, det.std, det.rstd = arrays[prefix + "mean"], arrays[prefix + "std"], arrays[prefix + "rstd"]
    det.coef = arrays.get(prefix + "coef")
    for view, values in state["views"].items():  # type: ignore[attr-defined]
        detector: Detector = anomaly_detectors.create(name)
        view_prefix = f"{prefix}{view}."
        fitted = {k[len(view_prefix):]: v for k, v in arrays.items() if k.startswith(view_prefix)}
        limits = fitted.pop("limits")
        for key, value in {**values, **fitted}.items():
            if key.startswith("__"):
                raise ValueError(f"attribute {key!r}")
            setattr(detector, key, tuple(value) if isinstance(value, list) else value)
        det.views[view] = (detector, limits)
    det.assess(np.zeros((2, len(signals))))  # a value missing or of the wrong shape fails here, on load
    for view, (detector, _) in det.views.items():
        detector.score(np.zeros((1, len(signals) if view == "driven" else len(det._others))))
    return det


def _since_normal(residual: Array, det: AssetDetector, j: int, min_rows: int = 12) -> int:
    """First row after the residual last lay inside its healthy band: the trend is fitted from there."""
    detector, limits = det.views["driven"]
    z = smooth(np.nan_to_num(residual / det.rstd[j]), detector.persistence)
    inside = np.flatnonzero(z <= limits[j])
    first = int(inside[-1]) + 1 if len(inside) else 0
    return max(0, min(first, len(residual) - min_rows))


# ---------------------------------------------------------------------- training


def _fingerprint(model: AssetModel) -> str:
    """A hash of the asset model and its knowledge.yaml: what a saved engine must be loaded with."""
    digest = hashlib.sha256(Path(model.path).read_bytes())
    digest.update(knowledge_path(model).read_bytes())
    return digest.hexdigest()


def _version(model: AssetModel, config: EngineConfig, start: int, end: int, plant: Plant) -> str:
    digest = hashlib.sha256()
    digest.update(repr((FORMAT, asdict(config), start, end, getattr(plant, "seed", None))).encode())
    digest.update(Path(model.path).read_bytes())
    digest.update(knowledge_path(model).read_bytes())
    return f"faults-{digest.hexdigest()[:12]}"


def _fit_asset(plant: Plant, asset: Asset, knowledge: Knowledge, config: EngineConfig,
               times: NDArray[np.int64]) -> tuple[AssetDetector, Array]:
    X = frame(plant, asset, times, config.step_s, computed=True)
    keep = ~np.isnan(X).all(0)  # a signal with no healthy data at all is left to its fallback
    if not keep.any():
        raise InputError(f"{asset.id}: no history between {_iso(times[0], plant.model)} and "
                         f"{_iso(times[-1], plant.model)} to learn its normal operation from; let the ingest run "
                         f"for {config.train_days:g} days or import history with `plantvoice plant import`")
    X[:, ~keep] = 0.0
    det = AssetDetector(tuple(s.key for s in asset.signals), knowledge.drivers(asset.type),
                        config.detector, config.margin).fit(X)
    ok = np.isfinite(X).all(1)
    full = np.nanmax(det.expected(X[ok]), 0), np.nanmin(det.expected(X[ok]), 0)
    hi = {s.key: any(lim.high for lim in s.limits) for s in asset.signals}
    return det, np.array([full[0][i] if hi[k] else full[1][i] for i, k in enumerate(det.signals)])


def _training_times(plant: Plant, config: EngineConfig, until: dt.datetime | None) -> NDArray[np.int64]:
    return _grid(training_end(plant, until), config.train_days * 24, config.step_s)


def train(plant: Plant, models_dir: Path, progress: Progress | None = None, config: EngineConfig | None = None,
          until: dt.datetime | None = None) -> Path:
    """Fit every asset on normal operation and save the engine; returns the file."""
    config = config or EngineConfig()
    model = plant.model
    knowledge = load_knowledge(model)
    times = _training_times(plant, config, until)
    detectors, full_load = {}, {}
    for i, asset in enumerate(model.assets):
        detectors[asset.id], full_load[asset.id] = _fit_asset(plant, asset, knowledge, config, times)
        if progress:
            progress(i + 1, len(model.assets), asset.id)
    window = {"start": _iso(times[0], model), "end": _iso(times[-1], model)}
    engine = FaultEngine(model, knowledge, config, detectors, full_load,
                         _version(model, config, int(times[0]), int(times[-1]), plant), window)
    return engine.save(Path(models_dir))


def _iso(t: np.int64, model: AssetModel) -> str:
    return dt.datetime.fromtimestamp(int(t), model.site.tz).isoformat()


def ready(plant: Plant, models_dir: Path, progress: Progress | None = None,
          config: EngineConfig | None = None) -> FaultEngine:
    """The engine for ``plant`` as it is now: loaded when stored under its version, else trained and stored."""
    config = config or EngineConfig()
    times = _training_times(plant, config, None)
    path = Path(models_dir) / f"{_version(plant.model, config, int(times[0]), int(times[-1]), plant)}.npz"
    if not path.is_file():
        path = train(plant, models_dir, progress, config)
    return FaultEngine.load(path, plant)


def latest(models_dir: Path) -> Path | None:
    """The newest saved engine in ``models_dir``, or None."""
    found = sorted(Path(models_dir).glob("faults-*.npz"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def faults_dir(config: Config) -> Path:
    """Where the fault engines of the configured plant are stored: beside its data."""
    return config.data_path / "faults"


def text_progress(stream: TextIO | None = None, width: int = 30) -> Progress:
    """A one-line text progress bar: ``[#########.........]  6/17 P-102``."""
    out = stream or sys.stderr

    def show(done: int, total: int, asset: str) -> None:
        filled = width * done // max(total, 1)
        out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:>3}/{total} {asset:<8}")
        if done == total:
            out.write("\n")
        out.flush()

    return show


def train_command(config: Config, stream: TextIO | None = None) -> int:
    """``plantvoice faults train``: fit on the configured plant into data_dir/faults; exit code."""
    from ..plant import create_plant

    out = stream or sys.stderr
    try:
        plant = create_plant(config.plant, config.data_path)
        began = time.perf_counter()
        path = train(plant, faults_dir(config), progress=text_progress(out))
    except PlantvoiceError as e:
        out.write(f"error: {e}\n")
        return 2
    out.write(f"saved {path} ({len(plant.model.assets)} assets, {time.perf_counter() - began:.1f} s)\n")
    return 0
