"""Live values from an MQTT broker into the historian (paho-mqtt 2.x).

    ingest = MqttIngest(model, historian, host="127.0.0.1", port=1883)
    await ingest.run()            # until cancelled; ingest.stats counts what happened

Each signal has a topic (``plant/<asset>/<signal>`` unless the asset model names another)
carrying one JSON object per message:

    {"value": 71.5, "unit": "°C", "time": "2026-11-29T12:00:00.250Z", "quality": "good"}

``value`` (a finite number) and ``time`` (ISO 8601 with its UTC offset, or seconds since the
epoch) are required; ``unit``, when given, must be the model's unit; ``quality`` defaults to
good. A message on an unknown topic, bad JSON or a value that fails these checks is counted in
``stats.rejected`` by reason and logged in one line; it never stops the ingest.

paho runs its network loop in its own thread (reconnecting by itself); messages cross into
the event loop with ``call_soon_threadsafe`` and are written in batches by a BatchWriter.
When the broker connection drops, every signal seen is marked bad (see ``ingest.py``).

Each ingest connects with a client id of its own (host, process and a random part), so two
ingests on one broker never knock each other off. A broker that wants a user name and
password, or TLS, gets them from ``MqttLogin`` (``plant.mqtt_username``, ``mqtt_password``,
``mqtt_tls_ca`` in the config).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import math
import os
import secrets
import socket
from dataclasses import dataclass
from typing import Any

from ..errors import BackendError, ConfigError
from .historian import Historian, Point
from .ingest import BatchWriter, IngestStats, SourceSignal, source_signals
from .model import QUALITIES, AssetModel

__all__ = ["MqttIngest", "MqttLogin", "Rejected", "client_id", "parse_message", "subscriptions"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rejected:
    """Why a message was not written: a short reason (counted) and its detail (logged)."""

    reason: str  # unknown topic | bad JSON | bad value | bad time | unit mismatch | bad quality
    detail: str


def subscriptions(topics: list[str]) -> list[str]:
    """``plant/#`` (so unknown topics there are seen and counted) and every topic outside it."""
    return ["plant/#", *sorted(t for t in topics if not t.startswith("plant/"))]


def parse_message(topic: str, payload: bytes, by_topic: dict[str, SourceSignal]) -> Point | Rejected:
    """One message as a Point, or why it was rejected; never raises."""
    signal = by_topic.get(topic)
    if signal is None:
        return Rejected("unknown topic", f"no signal of the asset model has topic {topic!r}")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Rejected("bad JSON", f"{exc}; send one JSON object")
    if not isinstance(data, dict):
        return Rejected("bad JSON", "payload is not a JSON object; send {\"value\": ..., \"time\": ...}")
    return _checked(signal, data)


def _checked(signal: SourceSignal, data: dict[str, Any]) -> Point | Rejected:
    value = data.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return Rejected("bad value", f"value {value!r} is not a finite number")
    unit = data.get("unit")
    if unit is not None and unit != signal.unit:
        return Rejected("unit mismatch", f"unit {unit!r} is not the model's {signal.unit!r} for {signal.name}")
    quality = data.get("quality", "good")
    if quality not in QUALITIES:
        return Rejected("bad quality", f"quality {quality!r} is not one of {', '.join(QUALITIES)}")
    time = _time(data.get("time"))
    if isinstance(time, Rejected):
        return time
    return Point(signal.name, time, float(value), quality)


def _time(raw: Any) -> dt.datetime | Rejected:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw):
        return dt.datetime.fromtimestamp(raw, dt.timezone.utc)
    if not isinstance(raw, str):
        return Rejected("bad time", f"time {raw!r} is missing or not ISO 8601 / epoch seconds")
    try:
        time = dt.datetime.fromisoformat(raw)
    except ValueError:
        return Rejected("bad time", f"time {raw!r} is not ISO 8601")
    if time.tzinfo is None:
        return Rejected("bad time", f"time {raw!r} has no UTC offset")
    return time


@dataclass(frozen=True)
class MqttLogin:
    """How to log in to the broker: a user name and password, and TLS when a CA file is named."""

    username: str = ""
    password: str = ""
    tls_ca: str = ""  # a PEM file of the CA that signed the broker's certificate; empty: no TLS


def client_id() -> str:
    """An MQTT client id no other ingest has: host, process id and a random part."""
    return f"plantvoice-ingest-{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}"


class MqttIngest:
    """Subscribes to the model's topics and writes accepted messages to the historian."""

    def __init__(self, model: AssetModel, historian: Historian, host: str = "127.0.0.1", port: int = 1883,
                 batch_size: int = 500, flush_s: float = 0.25, login: MqttLogin = MqttLogin()) -> None:
        self.host, self.port, self.login, self.client_id = host, port, login, client_id()
        self.by_topic = {s.mqtt: s for s in source_signals(model)}
        self.stats = IngestStats()
        self._writer_args = (historian, batch_size, flush_s)
        self.subscribed = asyncio.Event()

    async def run(self) -> None:
        historian, batch_size, flush_s = self._writer_args
        writer = BatchWriter(historian, self.stats, batch_size=batch_size, flush_s=flush_s)
        loop = asyncio.get_running_loop()
        client = self._client(loop, writer)
        writer.start()
        try:
            client.connect_async(self.host, self.port, keepalive=10)
            client.loop_start()
            await asyncio.Future()  # until cancelled
        finally:
            await asyncio.to_thread(_stop, client)
            await writer.close()

    def _client(self, loop: asyncio.AbstractEventLoop, writer: BatchWriter) -> Any:
        try:
            import paho.mqtt.client as mqtt
        except ImportError as exc:
            raise BackendError(f"MQTT ingest: paho-mqtt is not installed ({exc}); run scripts/setup.sh") from None
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, clean_session=True)
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        if self.login.username:
            client.username_pw_set(self.login.username, self.login.password or None)
        if self.login.tls_ca:
            if not os.path.isfile(self.login.tls_ca):
                raise ConfigError(f"plant -> mqtt_tls_ca: no file {self.login.tls_ca}; name the PEM file of the "
                                  "CA that signed the broker's certificate, or leave it empty for no TLS")
            client.tls_set(ca_certs=self.login.tls_ca)

        def on_connect(c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
            if reason.is_failure:
                log.warning("MQTT %s:%d refused the connection: %s", self.host, self.port, reason)
                return
            c.subscribe([(t, 1) for t in subscriptions(list(self.by_topic))])
            loop.call_soon_threadsafe(self._connected, True, writer)

        def on_subscribe(*_: Any) -> None:
            loop.call_soon_threadsafe(self.subscribed.set)

        def on_disconnect(*_: Any) -> None:
            loop.call_soon_threadsafe(self._connected, False, writer)

        def on_message(_c: Any, _u: Any, msg: Any) -> None:
            loop.call_soon_threadsafe(self._message, msg.topic, msg.payload, writer)

        client.on_connect, client.on_subscribe = on_connect, on_subscribe
        client.on_disconnect, client.on_message = on_disconnect, on_message
        return client

    def _connected(self, up: bool, writer: BatchWriter) -> None:
        was, self.stats.connected = self.stats.connected, up
        if up:
            self.stats.connects += 1
            log.info("MQTT %s:%d connected", self.host, self.port)
        elif was:
            self.subscribed.clear()
            log.warning("MQTT %s:%d lost; signals marked bad until it is back", self.host, self.port)
            writer.mark_bad()

    def _message(self, topic: str, payload: bytes, writer: BatchWriter) -> None:
        self.stats.received += 1
        result = parse_message(topic, payload, self.by_topic)
        if isinstance(result, Rejected):
            self.stats.reject(f"MQTT {topic}", result.reason, result.detail)
        else:
            writer.put(result)


def _stop(client: Any) -> None:
    client.disconnect()
    client.loop_stop()
