"""The ``plantvoice plant`` commands over the configured historian: live ingest, CSV import, latest values.

    run = ingest(config, "opcua", seconds=10)          # IngestRun: until Ctrl-C, SIGTERM or 10 s
    summary(run)                                        # its counters in one line
    for result in import_files(config, ["a.csv"]):      # ImportResult per file, in order; a bad
        ...                                             # file raises DataError, earlier ones stay
    readings = latest(config, "P-102")                  # one SignalLatest per signal of the asset
    latest_line(readings[0])                            # "P-102.bearing_temperature 71.5 °C good ..."

Sources and historian come from the config (``plant.opcua_endpoint``, ``plant.mqtt_host`` and
``plant.mqtt_port``, ``plant.historian``); the asset model names the signals, their units and
their source addresses. Formatting is pure: a function of the values only.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import functools
import signal
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..config import Config, PlantConfig
from ..errors import DataError, InputError
from .historian import Historian, Latest
from .historians import create_historian
from .ingest import IngestStats, signal_name
from .ingest_csv import ImportResult, import_csv
from .model import AssetModel, load_model

__all__ = [
    "IngestRun",
    "SignalLatest",
    "import_files",
    "import_json",
    "import_line",
    "ingest",
    "latest",
    "latest_json",
    "latest_line",
    "summary",
    "summary_json",
]

SOURCES = ("opcua", "mqtt")


@dataclass(frozen=True, slots=True)
class IngestRun:
    """What one ingest did: its source, how long it ran and its counters."""

    source: str  # opcua | mqtt
    address: str  # the endpoint URL or host:port
    seconds: float
    stats: IngestStats


@dataclass(frozen=True, slots=True)
class SignalLatest:
    """A signal of an asset and its newest historian value (None: nothing stored yet)."""

    asset: str
    measurement: str
    unit: str
    latest: Latest | None


# -- ingest ---------------------------------------------------------------------------------
def ingest(config: Config, source: str, endpoint: str | None = None, host: str | None = None,
           port: int | None = None, seconds: float | None = None,
           started: Callable[[str], None] | None = None) -> IngestRun:
    """Every signal of the asset model from ``source`` into the historian, until Ctrl-C, SIGTERM
    or ``seconds``; a source that cannot be reached is retried all the while. ``started`` is
    called with the source's address once Ctrl-C and SIGTERM stop the ingest cleanly."""
    if seconds is not None and not seconds > 0:
        raise InputError(f"--seconds {seconds:g}: give a positive number of seconds, "
                         "or leave it out to run until Ctrl-C")
    port = config.plant.mqtt_port if port is None else port
    if not 0 < port < 65536:
        raise InputError(f"MQTT port {port} is not a TCP port; give one between 1 and 65535")
    model = load_model(config.plant.asset_model)
    historian = create_historian(config.plant, config.data_path)
    try:
        runner, address = _runner(source, model, historian, endpoint or config.plant.opcua_endpoint,
                                  host or config.plant.mqtt_host, port, config.plant)
        began = time.monotonic()
        asyncio.run(_until_stopped(runner.run(), seconds, functools.partial(started, address) if started else None))
        return IngestRun(source, address, time.monotonic() - began, runner.stats)
    finally:
        historian.close()


def _runner(source: str, model: AssetModel, historian: Historian, endpoint: str, host: str,
            port: int, plant: PlantConfig) -> tuple[Any, str]:
    if source == "opcua":
        from .ingest_opcua import OpcUaIngest

        return OpcUaIngest(endpoint, model, historian), endpoint
    if source == "mqtt":
        from .ingest_mqtt import MqttIngest, MqttLogin

        login = MqttLogin(plant.mqtt_username, plant.mqtt_password, plant.mqtt_tls_ca)
        return MqttIngest(model, historian, host=host, port=port, login=login), f"{host}:{port}"
    raise InputError(f"unknown ingest source {source!r}; choose one of: {', '.join(SOURCES)}")


async def _until_stopped(run: Coroutine[Any, Any, None], seconds: float | None,
                         started: Callable[[], None] | None = None) -> None:
    """Run ``run`` until SIGINT, SIGTERM or ``seconds``, then cancel it (it flushes what it has);
    an error that ended it early is raised."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = [s for s in (signal.SIGINT, signal.SIGTERM) if _on_signal(loop, s, stop.set)]
    if started is not None:
        started()
    task = asyncio.create_task(run)
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopped}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for s in signals:  # a second Ctrl-C while the last points are written interrupts at once
            loop.remove_signal_handler(s)
        for t in (task, stopped):
            t.cancel()
        await asyncio.gather(task, stopped, return_exceptions=True)
    if not task.cancelled() and (error := task.exception()) is not None:
        raise error


def _on_signal(loop: asyncio.AbstractEventLoop, sig: signal.Signals, callback: Any) -> bool:
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
        loop.add_signal_handler(sig, callback)
        return True
    return False


def summary(run: IngestRun) -> str:
    s = run.stats
    reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(s.rejected.items()))
    return (f"{run.source} {run.address}, {run.seconds:.1f} s: {s.written} points written, "
            f"{sum(s.rejected.values())} rejected{f' ({reasons})' if reasons else ''}, {s.dropped} dropped, "
            f"{s.marked_bad} marked bad, {s.received} received, {_plural(s.connects, 'connection')}, "
            f"{_plural(max(s.connects - 1, 0), 'reconnect')}")


def summary_json(run: IngestRun) -> dict[str, Any]:
    s = run.stats
    return {"source": run.source, "address": run.address, "seconds": round(run.seconds, 3),
            "written": s.written, "rejected": sum(s.rejected.values()), "rejected_by_reason": dict(s.rejected),
            "dropped": s.dropped, "marked_bad": s.marked_bad, "received": s.received, "connects": s.connects,
            "reconnects": max(s.connects - 1, 0)}


# -- import ---------------------------------------------------------------------------------
def import_files(config: Config, paths: Iterable[str]) -> Iterator[ImportResult]:
    """Each CSV file in its own transaction, in order; a bad file raises a one-line DataError and
    the files before it stay imported."""
    model = load_model(config.plant.asset_model)
    historian = create_historian(config.plant, config.data_path)
    try:
        for path in paths:
            yield _import(path, historian, model)
    finally:
        historian.close()


def _import(path: str, historian: Historian, model: AssetModel) -> ImportResult:
    try:
        return import_csv(path, historian, model)
    except DataError as exc:
        head, *rows = str(exc).splitlines()
        raise DataError(f"{rows[0]} — {head.rstrip(':')}" if rows else head) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: byte {exc.start} is not UTF-8 ({exc.reason}), nothing imported; "
                        "save the file as UTF-8 CSV and import it again") from None
    except csv.Error as exc:
        raise DataError(f"{path}: not readable as CSV ({exc}), nothing imported; "
                        "fix the file and import it again") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror}); check the path and its permissions") from None


def import_line(result: ImportResult) -> str:
    if not result.rows:
        return f"{result.path}: 0 points (the file has no rows)"
    span = f"{_time(result.start)} to {_time(result.end)}" if result.start and result.end else ""
    return f"{result.path}: {_plural(result.rows, 'point')} of {_plural(len(result.signals), 'signal')}, {span}"


def import_json(result: ImportResult) -> dict[str, Any]:
    return {"file": result.path, "points": result.rows, "signals": list(result.signals),
            "start": result.start.isoformat() if result.start else None,
            "end": result.end.isoformat() if result.end else None}


# -- latest ---------------------------------------------------------------------------------
def latest(config: Config, asset: str, measurement: str | None = None) -> list[SignalLatest]:
    """The newest value of each signal of ``asset`` (or of the one ``measurement``), stale ones flagged."""
    model = load_model(config.plant.asset_model)
    found = model.asset(asset)
    if found is None:
        raise InputError(f"unknown asset {asset!r}; use an asset id of {model.path}: "
                         f"{', '.join(a.id for a in model.assets)}")
    signals = found.signals
    if measurement is not None:
        signals = tuple(s for s in signals if s.key == measurement)
        if not signals:
            raise InputError(f"asset {asset} has no measurement {measurement!r}; use one of "
                             f"{', '.join(found.measurements)}, or leave it out for all")
    historian = create_historian(config.plant, config.data_path)
    try:
        return [SignalLatest(asset, s.key, s.unit, historian.latest(signal_name(asset, s.key))) for s in signals]
    finally:
        historian.close()


def latest_line(reading: SignalLatest) -> str:
    """``P-102.bearing_temperature 71.5 °C good at 2026-11-29 12:00:00Z, 3 s old``; a stale value
    starts with STALE and a value not good says so: neither is to be read as the value now."""
    name = signal_name(reading.asset, reading.measurement)
    x = reading.latest
    if x is None:
        return f"{name} no data"
    stale = "STALE " if x.stale else ""
    return (f"{name} {stale}{_number(x.value)} {reading.unit} {x.quality} at {_time(x.time)}, "
            f"{_age(x.age_s)} old{'' if x.current else ', not current'}")


def latest_json(asset: str, readings: list[SignalLatest]) -> dict[str, Any]:
    return {"asset": asset, "readings": [_reading_json(r) for r in readings]}


def _reading_json(reading: SignalLatest) -> dict[str, Any]:
    x = reading.latest
    out: dict[str, Any] = {"signal": signal_name(reading.asset, reading.measurement),
                           "measurement": reading.measurement, "unit": reading.unit}
    if x is None:
        return {**out, "value": None, "quality": None, "time": None, "age_s": None, "stale": None, "current": False}
    return {**out, "value": x.value, "quality": x.quality, "time": x.time.isoformat(), "age_s": round(x.age_s, 3),
            "stale": x.stale, "current": x.current}


# -- wording --------------------------------------------------------------------------------
def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _number(value: float) -> str:
    """Three decimals at most, two significant digits below 0.01: 412.283, 1483.75, 1250000, 0.0004."""
    text = f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) >= 0.01 or value == 0 else f"{value:.2g}"
    return "0" if text == "-0" else text


def _time(time: dt.datetime) -> str:
    return time.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S") + "Z"


def _age(seconds: float) -> str:
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if abs(seconds) >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"
