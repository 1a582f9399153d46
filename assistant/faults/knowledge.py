"""What fault prediction reads from ``knowledge.yaml`` beyond the asset model's fault modes.

    knowledge = load_knowledge(model)      # next to the asset model, or site.knowledge
    knowledge.drivers("pump")              # ("flow",)
    knowledge.likelihood(mode, "vibration", "up")
    knowledge.reference("bearing_wear")    # "plant/knowledge.yaml:12 fault_modes.bearing_wear"

Bad values raise DataError naming the file, line and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError
from ..plant.model import AssetModel, FaultMode

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
    root = yaml.safe_load(asset_model.read_text(encoding="utf-8")) or {}
    name = (root.get("site") or {}).get("knowledge") or "knowledge.yaml"
    return asset_model.parent / name


def _row(node: Any, keys: tuple[str, ...], where: str) -> Row:
    if not isinstance(node, dict) or set(node) != set(keys):
        raise DataError(f"{where}: must be a mapping of {', '.join(keys)}; write e.g. {{{keys[0]}: 0.8, ...}}")
    row = {k: float(node[k]) for k in keys}
    if any(not 0.0 < v < 1.0 for v in row.values()):
        raise DataError(f"{where}: probabilities must lie strictly between 0 and 1, got {row}")
    if len(keys) == 3 and abs(sum(row.values()) - 1.0) > 1e-6:
        raise DataError(f"{where}: the probabilities of {', '.join(keys)} must add up to 1, got {row}")
    return row


def _lines(text: str) -> dict[str, int]:
    root = yaml.compose(text)
    modes = next((v for k, v in getattr(root, "value", []) if k.value == "fault_modes"), None)
    return {k.value: k.start_mark.line + 1 for k, _ in getattr(modes, "value", [])}


def load_knowledge(model: AssetModel, path: Path | None = None) -> Knowledge:
    """The prediction sections of the model's knowledge file (``path`` overrides where it is)."""
    path = path or knowledge_path(model)
    text = path.read_text(encoding="utf-8")
    root = yaml.safe_load(text) or {}
    diag = root.get("diagnosis")
    if not isinstance(diag, dict):
        raise DataError(f"{path}: no 'diagnosis' section; add the symptom model (see plant/knowledge.yaml)")
    where = f"{path}: diagnosis"
    drivers = {str(k): tuple(v or ()) for k, v in (root.get("operating_drivers") or {}).items()}
    overrides = {mid: {s: _row(r, STATES, f"{path}: fault_modes.{mid}.symptoms.{s}") for s, r in
                       (node.get("symptoms") or {}).items()} for mid, node in (root.get("fault_modes") or {}).items()}
    return Knowledge(
        path=_display(path), operating_drivers=drivers, prior_fault=float(diag.get("prior_fault", 0.1)),
        listed=_row(diag.get("listed"), ("toward", "normal", "away"), f"{where}.listed"),
        unlisted=_row(diag.get("unlisted"), STATES, f"{where}.unlisted"),
        healthy=_row(diag.get("healthy"), STATES, f"{where}.healthy"),
        detector=_row(diag.get("detector"), ("fault", "healthy"), f"{where}.detector"),
        overrides={k: v for k, v in overrides.items() if v}, lines=_lines(text),
    )


def _display(path: Path) -> str:
    """The path relative to the checkout when it lies inside it (stable in references)."""
    try:
        return str(path.resolve().relative_to(Path(__file__).resolve().parents[2]))
    except ValueError:
        return str(path)
