"""Fault detection on plant signals.

    anomaly.py   detectors behind ``fit(X) / score(X) / threshold``, chosen by name
    metrics.py   point-wise F1, false and missed alarm rates, NAB changepoint scores
    skab.py      the SKAB benchmark protocol: ``run(data_dir, detector) -> SkabResult``
    rul.py       remaining useful life with a 90 % interval: ``RulModel.fit / predict / save / load``
    cmapss.py    the NASA C-MAPSS FD001 protocol: ``run(data_dir) -> CmapssResult``

Fault prediction for the plant (``engine.train / FaultEngine.load / predict -> FaultPrediction``):

    engine.py      train every asset on normal operation; one file data_dir/faults/faults-<version>.npz
                   (arrays and JSON, never pickle)
    prediction.py  ``FaultPrediction`` and the per-asset detector on operating-point residuals
    diagnosis.py   naive Bayes over the fault modes of an asset type from signal symptoms
    trend.py       remaining life: the residual's linear trend to the alarm limit, with an interval
    knowledge.py   operating drivers, symptom likelihoods and line references from knowledge.yaml
"""

from __future__ import annotations

from .anomaly import Detector, detect, detectors

__all__ = ["Detector", "detect", "detectors"]
