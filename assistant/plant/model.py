"""The asset model: site -> units -> assets -> signals, plus the plant's value types.

Loaded from a YAML file (``plant/demo_plant.yaml``) and its fault knowledge
(``plant/knowledge.yaml``) into frozen dataclasses. Bad data raises DataError
naming the file, line, asset and signal, and how to fix it.

Value types shared by every plant backend live here too: ``Reading`` (a value
with unit, quality and source time), ``Alarm`` and ``MaintenanceRecord``.
Fault predictions are the fault engine's (``assistant.faults``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..errors import DataError
from ..numbers import ONES, integer_words

__all__ = [
    "AlarmLimit",
    "Measurement",
    "Signal",
    "Asset",
    "PlantUnit",
    "Site",
    "FaultEffect",
    "FaultScenario",
    "StaleSource",
    "QualityOverride",
    "Simulation",
    "MaintenanceRecord",
    "FaultSignal",
    "FaultMode",
    "AssetModel",
    "Reading",
    "Alarm",
    "load_model",
    "QUALITIES",
    "PRIORITIES",
    "LIMIT_KINDS",
    "read_yaml",
]

QUALITIES = ("good", "uncertain", "bad")
PRIORITIES = ("high", "medium", "low")
LIMIT_KINDS = ("high_high", "high", "low", "low_low")


# ----------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class Reading:
    """One value of one signal as the source reported it."""

    asset: str
    measurement: str
    value: float
    unit: str
    quality: str  # good | uncertain | bad, as the source reported it
    time: dt.datetime  # source timestamp, in the site's time zone
    source: str  # where the value came from, e.g. "simulator:P-102.bearing_temperature"
    stale: bool = False  # the source has not updated for longer than stale_after_s

    @property
    def current(self) -> bool:
        """Fresh and of good quality: may be spoken as the value now."""
        return self.quality == "good" and not self.stale


@dataclass(frozen=True)
class Alarm:
    id: int
    asset: str
    measurement: str
    kind: str  # high_high | high | low | low_low
    priority: str  # high | medium | low
    limit: float
    value: float  # latest value while active; the value when it cleared afterwards
    unit: str
    raised: dt.datetime
    active: bool = True  # the condition is still present
    cleared: dt.datetime | None = None
    acknowledged: dt.datetime | None = None
    acknowledged_by: str | None = None


@dataclass(frozen=True)
class MaintenanceRecord:
    asset: str
    date: str  # ISO date
    kind: str
    by: str
    text: str


# ----------------------------------------------------------------------------- model types


@dataclass(frozen=True)
class AlarmLimit:
    kind: str  # high_high | high | low | low_low
    value: float
    priority: str

    @property
    def high(self) -> bool:
        return self.kind.startswith("high")

    def exceeded(self, value: float) -> bool:
        return value > self.value if self.high else value < self.value


@dataclass(frozen=True)
class Measurement:
    key: str
    name: str
    synonyms: tuple[str, ...]
    unit: str
    synonyms_de: tuple[str, ...] = ()  # German names, understood beside the English ones
    name_de: str = ""  # the German name said in answers; by default the first of synonyms_de

    def name_in(self, language: str) -> str:
        """The name said in answers in ``language`` ("de": name_de, else the first German synonym)."""
        return _named(self.name, self.name_de, self.synonyms_de, language)


@dataclass(frozen=True)
class Signal:
    key: str  # measurement key
    name: str
    unit: str
    normal: tuple[float, float]
    operating: tuple[float, float]  # value at lowest load, at full load
    noise: float
    limits: tuple[AlarmLimit, ...] = ()
    opcua: str = ""  # OPC UA node id, by default ns=2;s=<asset>.<signal>
    mqtt: str = ""  # MQTT topic, by default plant/<asset>/<signal>

    def deviation(self, value: float) -> float:
        """How far ``value`` lies outside the normal range (signed, 0 inside it)."""
        low, high = self.normal
        if value > high:
            return value - high
        if value < low:
            return value - low
        return 0.0


@dataclass(frozen=True)
class Asset:
    id: str
    name: str
    aliases: tuple[str, ...]
    type: str
    criticality: str
    unit: str  # id of the plant unit it belongs to
    signals: tuple[Signal, ...]
    aliases_de: tuple[str, ...] = ()  # German names, understood beside the English ones
    name_de: str = ""  # the German name said in answers; by default the first of aliases_de

    def name_in(self, language: str) -> str:
        """The name said in answers in ``language`` ("de": name_de, else the first German alias)."""
        return _named(self.name, self.name_de, self.aliases_de, language)

    def signal(self, key: str) -> Signal | None:
        return next((s for s in self.signals if s.key == key), None)

    @property
    def measurements(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.signals)


@dataclass(frozen=True)
class PlantUnit:
    id: str
    name: str
    assets: tuple[str, ...]


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    timezone: str
    output: tuple[tuple[str, str], ...]  # (asset, measurement) summed for the plant output
    name_de: str = ""  # the German name said in answers

    def name_in(self, language: str) -> str:
        """The name said in answers in ``language`` (the English one where there is none in it)."""
        return _named(self.name, self.name_de, (), language)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class FaultEffect:
    measurement: str
    rate: float  # units per hour; negative: the signal falls
    max: float  # largest offset (its size)
    hold_min: float = 0.0  # > 0: the value sticks, moving only every hold_min minutes (a sticking actuator)


@dataclass(frozen=True)
class FaultScenario:
    asset: str
    fault_mode: str
    onset_h: float  # hours before the simulation started
    effects: tuple[FaultEffect, ...]


@dataclass(frozen=True)
class StaleSource:
    asset: str
    measurement: str
    stopped_min: float  # minutes before the simulation started


@dataclass(frozen=True)
class QualityOverride:
    asset: str
    measurement: str
    quality: str


@dataclass(frozen=True)
class Simulation:
    faults: tuple[FaultScenario, ...] = ()
    stale: tuple[StaleSource, ...] = ()
    quality: tuple[QualityOverride, ...] = ()


@dataclass(frozen=True)
class FaultSignal:
    measurement: str
    direction: str  # high | low
    failure: float


@dataclass(frozen=True)
class FaultMode:
    id: str
    name: str
    asset_types: tuple[str, ...]
    signals: tuple[FaultSignal, ...]
    horizon_days: float
    trend_window_h: float
    checks: tuple[str, ...]
    actions: tuple[str, ...]
    references: tuple[str, ...] = ()  # standards and guides the checks and actions rest on
    name_de: str = ""  # the German name said in answers

    def name_in(self, language: str) -> str:
        """The name said in answers in ``language`` (the English one where there is none in it)."""
        return _named(self.name, self.name_de, (), language)


def _named(name: str, name_de: str, aliases_de: tuple[str, ...], language: str) -> str:
    if language == "de":
        return name_de or next(iter(aliases_de), name)
    return name


@dataclass(frozen=True)
class AssetModel:
    path: str
    site: Site
    units: tuple[PlantUnit, ...]
    assets: tuple[Asset, ...]
    measurements: tuple[Measurement, ...]
    fault_modes: tuple[FaultMode, ...]
    simulation: Simulation
    maintenance: tuple[MaintenanceRecord, ...]
    _assets: dict[str, Asset] = field(init=False, repr=False, compare=False)
    _measurements: dict[str, Measurement] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_assets", {a.id: a for a in self.assets})
        object.__setattr__(self, "_measurements", {m.key: m for m in self.measurements})

    def asset(self, asset_id: str) -> Asset | None:
        return self._assets.get(asset_id)

    def measurement(self, key: str) -> Measurement | None:
        return self._measurements.get(key)

    def signal(self, asset_id: str, key: str) -> Signal | None:
        asset = self.asset(asset_id)
        return asset.signal(key) if asset else None

    def fault_modes_for(self, asset_id: str) -> tuple[FaultMode, ...]:
        asset = self.asset(asset_id)
        if asset is None:
            return ()
        return tuple(m for m in self.fault_modes if asset.type in m.asset_types)

    def lookups(self) -> PlantLookups:
        """Spoken forms (lowercase, words) per asset id and per measurement key, in English;
        ``.translated["de"]`` holds the German names (``aliases_de``, ``synonyms_de``) with the tags."""
        assets = {a.id: spoken_asset_forms(a) for a in self.assets}
        measurements = {
            m.key: _unique([_words(m.name), _words(m.key.replace("_", " ")), *(_words(s) for s in m.synonyms)])
            for m in self.measurements
        }
        german = {
            "asset": {a.id: _unique([*(_words(n) for n in a.aliases_de), *(f for f in assets[a.id] if _is_tag(f))])
                      for a in self.assets},
            "measurement": {m.key: _unique([*(_words(s) for s in m.synonyms_de), _words(m.key.replace("_", " "))])
                            for m in self.measurements},
        }
        return PlantLookups({"asset": assets, "measurement": measurements}, translated={"de": german})


class PlantLookups(dict[str, dict[str, tuple[str, ...]]]):
    """The plant's lists (entity -> value -> spoken forms) in English, and the same lists in
    other languages under ``translated`` (``"de"``); an intents directory named after one of
    those languages is understood with its lists (``nlu.data.own_lookups``)."""

    def __init__(self, lists: dict[str, dict[str, tuple[str, ...]]],
                 translated: dict[str, dict[str, dict[str, tuple[str, ...]]]] | None = None) -> None:
        super().__init__(lists)
        self.translated = translated or {}


def _is_tag(form: str) -> bool:
    """A form made of the tag's letters and digits ("p 102", "gt 1"), the same in any language."""
    return any(w.isdigit() for w in form.split()) and all(w.isdigit() or len(w) <= 4 for w in form.split())


# ----------------------------------------------------------------------------- spoken tag forms

_ORDINALS = {
    "one": "first", "two": "second", "three": "third", "four": "fourth", "five": "fifth",
    "six": "sixth", "seven": "seventh", "eight": "eighth", "nine": "ninth", "ten": "tenth",
}
# words people use for an asset type in front of a tag number ("pump one oh two")
_TYPE_WORDS = {
    "pump": ("pump",),
    "valve": ("valve",),
    "feeder": ("feeder",),
    "transformer": ("transformer",),
    "gas_turbine": ("gas turbine",),
    "steam_turbine": ("steam turbine",),
    "generator": ("generator",),
    "boiler": ("boiler",),
    "battery": ("battery",),
    "gas_engine": ("engine",),
    "cooling_tower": ("cooling tower",),
}


def _digit_forms(digits: str) -> list[str]:
    """How people say the number in a tag: '102' -> 'one oh two', 'one zero two', ..."""
    n = int(digits)
    forms: list[str] = []
    if len(digits) == 3:
        head, tail = digits[0], digits[1:]
        if tail[0] == "0":
            forms.append(f"{ONES[int(head)]} oh {ONES[int(tail[1])]}")
        else:
            forms.append(f"{ONES[int(head)]} {integer_words(int(tail), hyphen=False)}")
        forms.append(" ".join(ONES[int(d)] for d in digits))
        forms.append(integer_words(n, hyphen=False))
        if n % 100:
            forms.append(f"{ONES[int(head)]} hundred and {integer_words(n % 100, hyphen=False)}")
    else:
        forms.append(integer_words(n, hyphen=False))
        if len(digits) > 1:
            forms.append(" ".join(ONES[int(d)] for d in digits))
    forms.append(digits)
    return forms


def _words(text: str) -> str:
    """Lowercase words of any script ("Kühlwasserventil" keeps its umlaut), digits apart."""
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


def _unique(forms: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for form in forms:
        if form:
            seen.setdefault(form, None)
    return tuple(seen)


def spoken_asset_forms(asset: Asset) -> tuple[str, ...]:
    """Name, aliases (also without a leading "the") and the ways people say the tag:
    'p one oh two', 'pump one oh two', 'p 102'."""
    forms = [_words(asset.name), *(_words(a) for a in asset.aliases)]
    forms += [f[4:] for f in forms if f.startswith("the ")]
    match = re.fullmatch(r"([A-Za-z]+)[-_ ]?(\d+)", asset.id)
    if match:
        letters, digits = match.group(1).lower(), match.group(2)
        prefixes = [" ".join(letters)]
        if len(letters) > 1:
            prefixes.append(letters)
        prefixes.extend(_TYPE_WORDS.get(asset.type, ()))
        for prefix in prefixes:
            for number in _digit_forms(digits):
                forms.append(f"{prefix} {number}")
    name = _words(asset.name).split()
    if len(name) > 1 and name[-1] in _ORDINALS:  # "feed water pump two" -> "the second feed water pump"
        forms.append(f"the {_ORDINALS[name[-1]]} {' '.join(name[:-1])}")
        if "water" in name[:-1]:
            forms.append(f"the {_ORDINALS[name[-1]]} {' '.join(w for w in name[:-1] if w != 'water')}")
    forms.append(_words(asset.id))
    return _unique(forms)


# ----------------------------------------------------------------------------- loading


class _Map(dict):  # a YAML mapping that remembers its line
    line = 0


class _Loader(yaml.SafeLoader):
    pass


class _Repeated(yaml.constructor.ConstructorError):
    """A key written twice in one mapping."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    first: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            line = first.setdefault(key, key_node.start_mark.line + 1)
        except TypeError:  # a list or mapping as a key
            raise yaml.constructor.ConstructorError(None, None, "a key that is a list or mapping",
                                                    key_node.start_mark) from None
        if line != key_node.start_mark.line + 1:
            raise _Repeated(None, None, f"key {key!r} is repeated (first at line {line})",
                             key_node.start_mark)
    mapping = _Map(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


MAX_FILE_BYTES = 16 * 1024 * 1024


def read_yaml(path: Path) -> Any:
    """A YAML data file, mappings as dicts that know their line; DataError on a missing file, bad
    syntax or a key repeated in a mapping (which YAML would otherwise let the last one win)."""
    if not path.is_file():
        raise DataError(f"{path}: file not found; check plant.asset_model in the config or restore the file")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DataError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB; is it the right file?")
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, _Repeated):
            raise DataError(f"{where}: {problem}; write each key once") from None
        raise DataError(f"{where}: not valid YAML ({problem}); fix the syntax") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    except RecursionError:
        raise DataError(f"{path}: nested too deeply; write the layout of plant/demo_plant.yaml") from None
    except (ValueError, OverflowError) as exc:  # a value YAML reads as a date or number and cannot make
        raise DataError(f"{path}: a value YAML cannot read ({exc}); put it in quotes if it is text") from None


_read_yaml = read_yaml


class _Ctx:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: Any, what: str, fix: str) -> DataError:
        line = getattr(node, "line", 0)
        where = f"{self.path}:{line}" if line else str(self.path)
        return DataError(f"{where}: {what}; {fix}")

    def map(self, node: Any, what: str) -> _Map:
        if not isinstance(node, dict):
            raise self.fail(node, f"{what} must be a mapping", "write it as key: value pairs")
        return node  # type: ignore[return-value]

    def get(self, node: _Map, key: str, what: str, kind: type | tuple[type, ...] = str, default: Any = ...) -> Any:
        if key not in node or node[key] is None:
            if default is not ...:
                return default
            raise self.fail(node, f"{what}: missing '{key}'", f"add {key}")
        value = node[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        finite = not isinstance(value, float) or math.isfinite(value)
        if not isinstance(value, kind) or isinstance(value, bool) or not finite:
            name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(node, f"{what}: '{key}' = {value!r} is not a {name}", f"set {key} to a {name}")
        return value

    def positive(self, node: _Map, key: str, what: str, default: Any = ...) -> float:
        value = self.get(node, key, what, float, default)
        if value <= 0:
            raise self.fail(node, f"{what}: '{key}' = {value:g} is not above zero", f"set {key} to a positive number")
        return value

    def items(self, node: Any, what: str) -> list[tuple[str, Any]]:
        """The entries of a mapping whose keys are names (text)."""
        mapping = self.map(node, what)
        for key in mapping:
            if not isinstance(key, str):
                raise self.fail(mapping, f"{what}: key {key!r} is not a name", "write names as keys")
        return list(mapping.items())

    def pair(self, node: _Map, key: str, what: str, ordered: bool = False) -> tuple[float, float]:
        value = node.get(key)
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)):
            raise self.fail(node, f"{what}: '{key}' = {value!r} is not a pair of numbers", f"write {key}: [low, high]")
        low, high = float(value[0]), float(value[1])
        if ordered and not low < high:
            raise self.fail(node, f"{what}: '{key}' low {low:g} is not below high {high:g}", f"write {key}: [low, high]")
        return low, high

    def strings(self, node: _Map, key: str, what: str) -> tuple[str, ...]:
        value = node.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(node, f"{what}: '{key}' must be a list of strings", f"write {key}: [a, b]")
        return tuple(value)


def load_model(path: str | Path) -> AssetModel:
    """Load an asset model and the fault knowledge it names; DataError on bad data."""
    path = Path(path)
    ctx = _Ctx(path)
    root = ctx.map(_read_yaml(path), "the asset model")

    site_node = ctx.map(root.get("site"), "site")
    timezone = ctx.get(site_node, "timezone", "site", default="UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ctx.fail(site_node, f"site: unknown timezone {timezone!r}", "use an IANA name like Europe/Berlin") from None

    measurements: list[Measurement] = []
    for key, node in ctx.items(root.get("measurements"), "measurements"):
        node = ctx.map(node, f"measurement {key}")
        what = f"measurement {key}"
        measurements.append(Measurement(
            key=key,
            name=ctx.get(node, "name", what),
            synonyms=ctx.strings(node, "synonyms", what),
            unit=ctx.get(node, "unit", what),
            synonyms_de=ctx.strings(node, "synonyms_de", what),
            name_de=ctx.get(node, "name_de", what, default=""),
        ))
    catalogue = {m.key: m for m in measurements}

    units: list[PlantUnit] = []
    assets: list[Asset] = []
    addresses: dict[str, str] = {}  # "opcua:<node id>" or "mqtt:<topic>" -> the signal using it
    unit_nodes = root.get("units")
    if not isinstance(unit_nodes, list) or not unit_nodes:
        raise ctx.fail(root, "'units' must be a non-empty list", "add units with their assets")
    for unit_node in unit_nodes:
        unit_node = ctx.map(unit_node, "unit")
        unit_id = ctx.get(unit_node, "id", "unit")
        asset_nodes = unit_node.get("assets")
        if not isinstance(asset_nodes, list):
            raise ctx.fail(unit_node, f"unit {unit_id}: 'assets' must be a list", "add its assets")
        ids = []
        for asset_node in asset_nodes:
            asset = _load_asset(ctx, ctx.map(asset_node, f"unit {unit_id} asset"), unit_id, catalogue, addresses)
            if any(a.id == asset.id for a in assets):
                raise ctx.fail(asset_node, f"asset {asset.id}: defined twice", "give every asset its own id")
            assets.append(asset)
            ids.append(asset.id)
        units.append(PlantUnit(id=unit_id, name=ctx.get(unit_node, "name", f"unit {unit_id}"), assets=tuple(ids)))
    by_id = {a.id: a for a in assets}

    def check_signal(node: Any, asset_id: str, key: str, what: str) -> None:
        if asset_id not in by_id:
            raise ctx.fail(node, f"{what}: unknown asset {asset_id!r}", f"use one of {', '.join(by_id)}")
        if by_id[asset_id].signal(key) is None:
            raise ctx.fail(node, f"{what}: asset {asset_id} has no signal {key!r}",
                           f"use one of {', '.join(by_id[asset_id].measurements)}")

    output = []
    for node in site_node.get("output") or []:
        node = ctx.map(node, "site output")
        asset_id, key = ctx.get(node, "asset", "site output"), ctx.get(node, "measurement", "site output")
        check_signal(node, asset_id, key, "site output")
        output.append((asset_id, key))
    site = Site(id=ctx.get(site_node, "id", "site"), name=ctx.get(site_node, "name", "site"),
                timezone=timezone, output=tuple(output), name_de=ctx.get(site_node, "name_de", "site", default=""))

    simulation = _load_simulation(ctx, root.get("simulation") or _Map(), check_signal)

    maintenance: list[MaintenanceRecord] = []
    _load_maintenance(ctx, root.get("maintenance"), by_id, maintenance)
    history_file = ctx.get(site_node, "maintenance", "site", default="")
    if history_file:
        history_path = path.parent / history_file
        if not history_path.is_file():
            raise ctx.fail(site_node, f"site: maintenance history {history_path} not found",
                           "create it or fix site.maintenance")
        history_ctx = _Ctx(history_path)
        _load_maintenance(history_ctx, history_ctx.map(_read_yaml(history_path), "the maintenance history")
                          .get("records"), by_id, maintenance)

    knowledge_path = path.parent / ctx.get(site_node, "knowledge", "site", default="knowledge.yaml")
    fault_modes = _load_knowledge(knowledge_path, catalogue)
    for asset in assets:
        if not any(asset.type in m.asset_types for m in fault_modes):
            raise DataError(f"{knowledge_path}: no fault mode for asset type {asset.type!r} (asset {asset.id} in "
                            f"{path}); add {asset.type} to the asset_types of a fault mode")
    for fault in simulation.faults:
        if fault.fault_mode not in {m.id for m in fault_modes}:
            raise ctx.fail(root.get("simulation"), f"simulation fault on {fault.asset}: unknown fault mode "
                           f"{fault.fault_mode!r}", f"use a fault mode from {knowledge_path}")

    return AssetModel(path=str(path), site=site, units=tuple(units), assets=tuple(assets),
                      measurements=tuple(measurements), fault_modes=fault_modes, simulation=simulation,
                      maintenance=tuple(maintenance))


_NODE_ID = re.compile(r"(ns=\d+;)?(i=\d+|s=.+|g=[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}|b=.+)")
_TOPIC = re.compile(r"[^#+/\s\x00][^#+\s\x00]*")
_ADDRESS_FIX = {"opcua": "write a node id such as ns=2;s=P-102.bearing_temperature",
                "mqtt": "write a topic without wildcards (+, #) such as plant/P-102/bearing_temperature"}


def _address(ctx: _Ctx, sig: _Map, key: str, what: str, default: str, seen: dict[str, str]) -> str:
    """A signal's source address (``opcua`` node id or ``mqtt`` topic), checked and unique."""
    value = ctx.get(sig, key, what, default=default)
    pattern = _NODE_ID if key == "opcua" else _TOPIC
    if not pattern.fullmatch(value) or value.endswith("/"):
        raise ctx.fail(sig, f"{what}: {key} address {value!r} is not valid", _ADDRESS_FIX[key])
    other = seen.setdefault(f"{key}:{value}", what)
    if other != what:
        raise ctx.fail(sig, f"{what}: {key} address {value!r} is already used by {other}",
                       f"give every signal its own {key} address")
    return value


def _load_asset(ctx: _Ctx, node: _Map, unit_id: str, catalogue: dict[str, Measurement],
                seen: dict[str, str]) -> Asset:
    asset_id = ctx.get(node, "id", f"unit {unit_id} asset")
    what = f"asset {asset_id}"
    criticality = ctx.get(node, "criticality", what)
    if criticality not in PRIORITIES:
        raise ctx.fail(node, f"{what}: criticality {criticality!r} is not one of {', '.join(PRIORITIES)}",
                       "set criticality to high, medium or low")
    signals = []
    for key, sig in ctx.items(node.get("signals"), f"{what} signals"):
        swhat = f"asset {asset_id} signal {key}"
        sig = ctx.map(sig, swhat)
        if key not in catalogue:
            raise ctx.fail(sig, f"{swhat}: measurement {key!r} is not in the measurements catalogue",
                           "add it under measurements or fix the key")
        normal = ctx.pair(sig, "normal", swhat, ordered=True)
        operating = ctx.pair(sig, "operating", swhat) if "operating" in sig else ((normal[0] + normal[1]) / 2,) * 2
        noise = ctx.get(sig, "noise", swhat, float, default=0.0)
        if noise < 0:
            raise ctx.fail(sig, f"{swhat}: noise {noise} is negative", "set noise to zero or more")
        limits = []
        for lim in sig.get("limits") or []:
            lim = ctx.map(lim, f"{swhat} limit")
            kind = ctx.get(lim, "kind", f"{swhat} limit")
            priority = ctx.get(lim, "priority", f"{swhat} limit")
            value = ctx.get(lim, "value", f"{swhat} limit", float)
            if kind not in LIMIT_KINDS:
                raise ctx.fail(lim, f"{swhat}: limit kind {kind!r} is not one of {', '.join(LIMIT_KINDS)}", "fix kind")
            if priority not in PRIORITIES:
                raise ctx.fail(lim, f"{swhat}: priority {priority!r} is not one of {', '.join(PRIORITIES)}",
                               "fix priority")
            limit = AlarmLimit(kind=kind, value=value, priority=priority)
            inside = normal[1] if limit.high else normal[0]
            if limit.exceeded(inside):
                raise ctx.fail(lim, f"{swhat}: {kind} limit {value:g} lies inside the normal range "
                               f"{normal[0]:g}..{normal[1]:g}", "move the limit outside the normal range")
            limits.append(limit)
        signals.append(Signal(key=key, name=catalogue[key].name, unit=ctx.get(sig, "unit", swhat, default=catalogue[key].unit),
                              normal=normal, operating=operating, noise=noise, limits=tuple(limits),
                              opcua=_address(ctx, sig, "opcua", swhat, f"ns=2;s={asset_id}.{key}", seen),
                              mqtt=_address(ctx, sig, "mqtt", swhat, f"plant/{asset_id}/{key}", seen)))
    if not signals:
        raise ctx.fail(node, f"{what}: no signals", "add at least one signal")
    return Asset(id=asset_id, name=ctx.get(node, "name", what), aliases=ctx.strings(node, "aliases", what),
                 type=ctx.get(node, "type", what), criticality=criticality, unit=unit_id, signals=tuple(signals),
                 aliases_de=ctx.strings(node, "aliases_de", what), name_de=ctx.get(node, "name_de", what, default=""))


def _load_simulation(ctx: _Ctx, node: Any, check_signal: Any) -> Simulation:
    node = ctx.map(node, "simulation")
    faults = []
    for fnode in node.get("faults") or []:
        fnode = ctx.map(fnode, "simulation fault")
        asset_id = ctx.get(fnode, "asset", "simulation fault")
        what = f"simulation fault on {asset_id}"
        effects = []
        for key, enode in ctx.items(fnode.get("effects"), f"{what} effects"):
            enode = ctx.map(enode, f"{what} effect {key}")
            check_signal(enode, asset_id, key, what)
            effects.append(FaultEffect(measurement=key, rate=ctx.get(enode, "rate", f"{what} {key}", float),
                                       max=abs(ctx.get(enode, "max", f"{what} {key}", float)),
                                       hold_min=ctx.get(enode, "hold_min", f"{what} {key}", float, default=0.0)))
        faults.append(FaultScenario(asset=asset_id, fault_mode=ctx.get(fnode, "fault_mode", what),
                                    onset_h=ctx.get(fnode, "onset_h", what, float), effects=tuple(effects)))
    stale = []
    for snode in node.get("stale") or []:
        snode = ctx.map(snode, "simulation stale source")
        asset_id, key = ctx.get(snode, "asset", "stale source"), ctx.get(snode, "measurement", "stale source")
        check_signal(snode, asset_id, key, "simulation stale source")
        stale.append(StaleSource(asset=asset_id, measurement=key,
                                 stopped_min=ctx.get(snode, "stopped_min", "stale source", float)))
    quality = []
    for qnode in node.get("quality") or []:
        qnode = ctx.map(qnode, "simulation quality")
        asset_id, key = ctx.get(qnode, "asset", "quality override"), ctx.get(qnode, "measurement", "quality override")
        check_signal(qnode, asset_id, key, "simulation quality")
        value = ctx.get(qnode, "quality", "quality override")
        if value not in QUALITIES:
            raise ctx.fail(qnode, f"quality override {asset_id}.{key}: {value!r} is not one of {', '.join(QUALITIES)}",
                           "fix quality")
        quality.append(QualityOverride(asset=asset_id, measurement=key, quality=value))
    return Simulation(faults=tuple(faults), stale=tuple(stale), quality=tuple(quality))


def _load_maintenance(ctx: _Ctx, nodes: Any, by_id: dict[str, Any], into: list[MaintenanceRecord]) -> None:
    """Maintenance records (asset, date, kind, by, text: the work done) from a list in ``ctx``'s file."""
    what = "maintenance record"
    for node in nodes or []:
        node = ctx.map(node, what)
        asset_id = ctx.get(node, "asset", what)
        if asset_id not in by_id:
            raise ctx.fail(node, f"{what}: unknown asset {asset_id!r}", f"use one of {', '.join(by_id)}")
        date = node.get("date")
        if isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date)
            except ValueError:
                date = None
        if not isinstance(date, dt.date):
            raise ctx.fail(node, f"{what} of {asset_id}: date {node.get('date')!r} is not a date", "write YYYY-MM-DD")
        into.append(MaintenanceRecord(asset=asset_id, date=date.isoformat(), kind=ctx.get(node, "kind", what),
                                      by=ctx.get(node, "by", what), text=ctx.get(node, "text", what)))


def _load_knowledge(path: Path, catalogue: dict[str, Measurement]) -> tuple[FaultMode, ...]:
    ctx = _Ctx(path)
    root = ctx.map(_read_yaml(path), "the fault knowledge")
    modes = []
    for mode_id, node in ctx.items(root.get("fault_modes"), "fault_modes"):
        what = f"fault mode {mode_id}"
        node = ctx.map(node, what)
        signals = []
        for key, snode in ctx.items(node.get("signals"), f"{what} signals"):
            snode = ctx.map(snode, f"{what} signal {key}")
            if key not in catalogue:
                raise ctx.fail(snode, f"{what}: measurement {key!r} is not in the asset model's catalogue",
                               "use a measurement key of the asset model")
            direction = ctx.get(snode, "direction", f"{what} {key}")
            if direction not in ("high", "low"):
                raise ctx.fail(snode, f"{what} {key}: direction {direction!r} is not high or low", "fix direction")
            signals.append(FaultSignal(measurement=key, direction=direction,
                                       failure=ctx.get(snode, "failure", f"{what} {key}", float)))
        if not signals:
            raise ctx.fail(node, f"{what}: no signals", "add the signals that show this fault")
        actions = ctx.strings(node, "actions", what)
        if not actions:
            raise ctx.fail(node, f"{what}: no actions", "add at least one action")
        modes.append(FaultMode(
            id=mode_id, name=ctx.get(node, "name", what), asset_types=ctx.strings(node, "asset_types", what),
            signals=tuple(signals), horizon_days=ctx.positive(node, "horizon_days", what),
            trend_window_h=ctx.positive(node, "trend_window_h", what, default=12.0),
            checks=ctx.strings(node, "checks", what), actions=actions,
            references=ctx.strings(node, "references", what), name_de=ctx.get(node, "name_de", what, default=""),
        ))
    return tuple(modes)
