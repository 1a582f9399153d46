"""Fault detection on plant signals.

    anomaly.py   detectors behind ``fit(X) / score(X) / threshold``, chosen by name
    metrics.py   point-wise F1, false and missed alarm rates, NAB changepoint scores
    skab.py      the SKAB benchmark protocol: ``run(data_dir, detector) -> SkabResult``
    rul.py       remaining useful life with a 90 % interval: ``RulModel.fit / predict / save / load``
    cmapss.py    the NASA C-MAPSS FD001 protocol: ``run(data_dir) -> CmapssResult``
"""

from __future__ import annotations

from .anomaly import Detector, detect, detectors

__all__ = ["Detector", "detect", "detectors"]
