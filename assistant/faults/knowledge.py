"""What fault prediction reads from ``knowledge.yaml`` beyond the asset model's fault modes.

    knowledge = load_knowledge(model)      # next to the asset model, or site.knowledge
    knowledge.drivers("pump")              # ("flow",)
    knowledge.likelihood(mode, "vibration", "up")
    knowledge.reference("bearing_wear")    # "plant/knowledge.yaml:12 fault_modes.bearing_wear"

Every value is checked (types, probabilities, duplicate keys); a bad one raises DataError
naming the file and the key (``plant/knowledge.yaml: diagnosis.listed.toward: 'abc' is not a number``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError
from ..plant.model import AssetModel, FaultMode, read_yaml

__all__ = ["Knowledge", "load_knowledge", "STATES"]

STATES = ("up", "normal", "down")
Row = dict[str, float]


@dataclass(frozen=True)
class Knowledge:
    path: str
    operating_drivers: dict[str, tuple[str, ...]]
    prior_fault: float
    listed: Row  # toward / normal / away
    unlisted: Row  # up / normal / down
    healthy: Row
    detector: Row  # fault / healthy: P(detector alarm | hypothesis)
    overrides: dict[str, dict[str, Row]] = field(default_factory=dict)  # mode -> signal -> row
    lines: dict[str, int] = field(default_factory=dict)  # mode -> line in the file

    def drivers(self, asset_type: str) -> tuple[str, ...]:
        return self.operating_drivers.get(asset_type, ())

    def likelihood(self, mode: FaultMode, signal: str, state: str) -> float:
        """P(signal is in ``state`` | the asset has fault ``mode``)."""
        if signal in self.overrides.get(mode.id, {}):
            return self.overrides[mode.id][signal][state]
        listed = next((s for s in mode.signals if s.measurement == signal), None)
        if listed is None:
            return self.unlisted[state]
        toward = "up" if listed.direction == "high" else "down"
        return self.listed["normal" if state == "normal" else "toward" if state == toward else "away"]

    def reference(self, mode_id: str) -> str:
        line = self.lines.get(mode_id)
        return f"{self.path}:{line} fault_modes.{mode_id}" if line else f"{self.path} fault_modes.{mode_id}"


def knowledge_path(model: AssetModel) -> Path:
    """The knowledge file the asset model names (site.knowledge), beside it."""
    asset_model = Path(model.path)
    root = read_yaml(asset_model)
    site = root.get("site") if isinstance(root, dict) else None
    name = site.get("knowledge") if isinstance(site, dict) else None
    if name is not None and not isinstance(name, str):
        raise DataError(f"{asset_model}: site.knowledge: {name!r} is not a file name; write knowledge: knowledge.yaml")
    return asset_model.parent / (name or "knowledge.yaml")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataError(f"{where}: {value!r} is not a number; write a probability such as 0.8")
    return float(value)


def _row(node: Any, keys: tuple[str, ...], where: str) -> Row:
    if not isinstance(node, dict) or set(node) != set(keys):
        raise DataError(f"{where}: must be a mapping of {', '.join(keys)}; write e.g. {{{keys[0]}: 0.8, ...}}")
    row = {k: _number(node[k], f"{where}.{k}") for k in keys}
    if any(not 0.0 < v < 1.0 for v in row.values()):
        raise DataError(f"{where}: probabilities must lie strictly between 0 and 1, got {row}")
    if len(keys) == 3 and abs(sum(row.values()) - 1.0) > 1e-6:
        raise DataError(f"{where}: the probabilities of {', '.join(keys)} must add up to 1, got {row}")
    return row


def _mapping(node: Any, where: str, example: str) -> dict[str, Any]:
    """``node`` if it is a mapping with text keys (an absent section is an empty one)."""
    if node is None:
        return {}
    if not isinstance(node, dict) or not all(isinstance(k, str) for k in node):
        raise DataError(f"{where}: must be a mapping of names; write e.g. {example}")
    return node


def _drivers(node: Any, path: Path) -> dict[str, tuple[str, ...]]:
    out = {}
    for asset_type, signals in _mapping(node, f"{path}: operating_drivers", "{pump: [flow]}").items():
        signals = signals or []
        if not isinstance(signals, list) or not all(isinstance(s, str) for s in signals):
            raise DataError(f"{path}: operating_drivers.{asset_type}: {signals!r} is not a list of signal names; "
                            f"write e.g. {asset_type}: [flow]")
        out[asset_type] = tuple(signals)
    return out


def _overrides(node: Any, path: Path) -> dict[str, dict[str, Row]]:
    out = {}
    for mode_id, mode in _mapping(node, f"{path}: fault_modes", "{bearing_wear: {name: ...}}").items():
        where = f"{path}: fault_modes.{mode_id}"
        symptoms = _mapping(mode, where, "{name: ..., signals: ...}").get("symptoms")
        rows = _mapping(symptoms, f"{where}.symptoms", "{vibration: {up: 0.8, normal: 0.15, down: 0.05}}")
        if rows:
            out[mode_id] = {signal: _row(row, STATES, f"{where}.symptoms.{signal}") for signal, row in rows.items()}
    return out


def _lines(text: str) -> dict[str, int]:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    modes = next((v for k, v in getattr(root, "value", []) if getattr(k, "value", None) == "fault_modes"), None)
    return {k.value: k.start_mark.line + 1 for k, _ in getattr(modes, "value", []) if isinstance(k, yaml.ScalarNode)}


def load_knowledge(model: AssetModel, path: Path | None = None) -> Knowledge:
    """The prediction sections of the model's knowledge file (``path`` overrides where it is)."""
    path = path or knowledge_path(model)
    root = read_yaml(path)
    if not isinstance(root, dict):
        raise DataError(f"{path}: the file is not a mapping; write the sections fault_modes, operating_drivers "
                        "and diagnosis (see plant/knowledge.yaml)")
    diag = root.get("diagnosis")
    if not isinstance(diag, dict):
        raise DataError(f"{path}: no 'diagnosis' section; add the symptom model (see plant/knowledge.yaml)")
    where = f"{path}: diagnosis"
    prior = _number(diag.get("prior_fault", 0.1), f"{where}.prior_fault")
    if not 0.0 < prior < 1.0:
        raise DataError(f"{where}.prior_fault: {prior} must lie strictly between 0 and 1; write e.g. prior_fault: 0.1")
    return Knowledge(
        path=_display(path), operating_drivers=_drivers(root.get("operating_drivers"), path), prior_fault=prior,
        listed=_row(diag.get("listed"), ("toward", "normal", "away"), f"{where}.listed"),
        unlisted=_row(diag.get("unlisted"), STATES, f"{where}.unlisted"),
        healthy=_row(diag.get("healthy"), STATES, f"{where}.healthy"),
        detector=_row(diag.get("detector"), ("fault", "healthy"), f"{where}.detector"),
        overrides=_overrides(root.get("fault_modes"), path), lines=_lines(path.read_text(encoding="utf-8")),
    )


def _display(path: Path) -> str:
    """The path relative to the checkout when it lies inside it (stable in references)."""
    try:
        return str(path.resolve().relative_to(Path(__file__).resolve().parents[2]))
    except ValueError:
        return str(path)
