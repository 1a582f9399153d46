"""MQTT ingest against a real broker: Debian's mosquitto on a free port of 127.0.0.1.

No mosquitto on the machine is a failure: scripts/setup.sh installs it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from assistant.plant.historian import Point
from assistant.plant.historian_sqlite import SqliteHistorian
from assistant.plant.ingest import source_signals
from assistant.errors import ConfigError
from assistant.plant.ingest_mqtt import MqttIngest, MqttLogin, Rejected, parse_message, subscriptions
from assistant.plant.model import AssetModel, load_model
from mosquitto_server import MosquittoServer, mosquitto_server

ROOT = Path(__file__).resolve().parent.parent
T0 = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(seconds=5)
BEARING = "plant/P-102/bearing_temperature"


@pytest.fixture(scope="module")
def model() -> AssetModel:
    return load_model(ROOT / "plant" / "demo_plant.yaml")


@pytest.fixture(scope="module")
def broker() -> Iterator[MosquittoServer]:
    try:
        with mosquitto_server() as server:
            yield server
    except RuntimeError as exc:
        pytest.fail(f"mosquitto test broker: {exc}", pytrace=False)


def _payload(value: Any, seconds: float = 0.0, **extra: Any) -> bytes:
    return json.dumps({"value": value, "time": (T0 + dt.timedelta(seconds=seconds)).isoformat(), **extra}).encode()


@pytest.mark.parametrize(("topic", "payload", "reason"), [
    ("plant/P-999/vibration", _payload(1.0), "unknown topic"),
    (BEARING, b"{not json", "bad JSON"),
    (BEARING, b"[1, 2]", "bad JSON"),
    (BEARING, _payload("hot"), "bad value"),
    (BEARING, _payload(True), "bad value"),
    (BEARING, _payload(70.0, unit="°F"), "unit mismatch"),
    (BEARING, _payload(70.0, quality="fine"), "bad quality"),
    (BEARING, json.dumps({"value": 70.0, "time": "2026-11-29T12:00:00"}).encode(), "bad time"),
    (BEARING, json.dumps({"value": 70.0}).encode(), "bad time"),
])
def test_bad_messages_are_values_with_a_reason(model: AssetModel, topic: str, payload: bytes, reason: str) -> None:
    result = parse_message(topic, payload, {s.mqtt: s for s in source_signals(model)})
    assert isinstance(result, Rejected) and result.reason == reason and result.detail


def test_a_good_message_keeps_value_quality_and_source_time(model: AssetModel) -> None:
    by_topic = {s.mqtt: s for s in source_signals(model)}
    point = parse_message(BEARING, _payload(71, 1.5, unit="°C", quality="uncertain"), by_topic)
    assert point == Point("P-102.bearing_temperature", T0 + dt.timedelta(seconds=1.5), 71.0, "uncertain")
    epoch = parse_message(BEARING, json.dumps({"value": 1.0, "time": T0.timestamp()}).encode(), by_topic)
    assert isinstance(epoch, Point) and epoch.time == T0
    assert subscriptions([BEARING, "site/st1/mw"]) == ["plant/#", "site/st1/mw"]


async def _until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(0.02)


def _publisher(port: int) -> Any:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-publisher")
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


GOOD = [(BEARING, _payload(71.0, 0, unit="°C", quality="good")),
        (BEARING, _payload(71.5, 1)),
        (BEARING, _payload(72.0, 2, quality="good")),
        ("plant/F3/voltage", _payload(401.0, 2, unit="V", quality="uncertain"))]
BAD = [("plant/P-999/vibration", _payload(1.0)), (BEARING, b"{oops"), (BEARING, _payload(70.0, 3, unit="°F")),
       ("plant/F3/voltage", _payload(None, 3))]


def test_values_published_to_the_broker_land_in_the_historian(broker: MosquittoServer, model: AssetModel,
                                                              tmp_path: Path) -> None:
    historian = SqliteHistorian(tmp_path / "h.sqlite", stale_after_s=60)
    ingest = MqttIngest(model, historian, port=broker.port, batch_size=100, flush_s=0.05)

    async def scenario() -> None:
        task = asyncio.create_task(ingest.run())
        await asyncio.wait_for(ingest.subscribed.wait(), 10)
        publisher = _publisher(broker.port)
        try:
            for topic, payload in GOOD + BAD:
                publisher.publish(topic, payload, qos=1).wait_for_publish(5)
            await _until(lambda: ingest.stats.received == 8 and ingest.stats.written == 4, 10, "8 messages")
        finally:
            publisher.disconnect()
            publisher.loop_stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    try:
        asyncio.run(asyncio.wait_for(scenario(), 30))
        assert ingest.stats.connects == 1
        assert dict(ingest.stats.rejected) == {"unknown topic": 1, "bad JSON": 1, "unit mismatch": 1, "bad value": 1}
        latest = historian.latest("P-102.bearing_temperature", at=T0 + dt.timedelta(seconds=2))
        assert latest is not None
        assert (latest.value, latest.quality, latest.time) == (72.0, "good", T0 + dt.timedelta(seconds=2))
        [agg] = historian.aggregate("P-102.bearing_temperature", T0, T0 + dt.timedelta(seconds=3))
        assert (agg.count, agg.min, agg.max) == (3, 71.0, 72.0)
        voltage = historian.latest("F3.voltage", at=T0 + dt.timedelta(seconds=2))
        assert voltage is not None and (voltage.value, voltage.quality) == (401.0, "uncertain")
    finally:
        historian.close()


def test_two_ingests_on_one_broker_keep_their_connections(broker: MosquittoServer, model: AssetModel,
                                                          tmp_path: Path) -> None:
    historians = [SqliteHistorian(tmp_path / f"h{i}.sqlite", stale_after_s=60) for i in range(2)]
    ingests = [MqttIngest(model, h, port=broker.port, flush_s=0.05) for h in historians]
    seen: list[tuple[int, bool]] = []

    async def scenario() -> None:
        tasks = [asyncio.create_task(i.run()) for i in ingests]
        try:
            for ingest in ingests:
                await asyncio.wait_for(ingest.subscribed.wait(), 10)
            await asyncio.sleep(4)  # a broker drops the older of two clients with one id at once
            seen.extend((i.stats.connects, i.stats.connected) for i in ingests)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    try:
        asyncio.run(asyncio.wait_for(scenario(), 30))
        assert seen == [(1, True), (1, True)]
        assert ingests[0].client_id != ingests[1].client_id
    finally:
        for h in historians:
            h.close()


def _run_for(ingest: MqttIngest, seconds: float, publish: Callable[[], None] | None = None) -> None:
    async def scenario() -> None:
        task = asyncio.create_task(ingest.run())
        try:
            if publish is not None:
                await asyncio.wait_for(ingest.subscribed.wait(), 10)
                publish()
            await asyncio.sleep(seconds)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_a_broker_with_passwords_and_tls_takes_the_configured_login(model: AssetModel, tmp_path: Path) -> None:
    try:
        server = mosquitto_server(users={"ingest": "s3cret", "feeder": "other"}, tls=True)
        broker = server.__enter__()
    except RuntimeError as exc:
        pytest.fail(f"mosquitto test broker: {exc}", pytrace=False)
    historian = SqliteHistorian(tmp_path / "h.sqlite", stale_after_s=60)
    try:
        assert broker.ca is not None
        login = MqttLogin("ingest", "s3cret", str(broker.ca))

        def publish() -> None:
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-publisher")
            client.username_pw_set("feeder", "other")
            client.tls_set(ca_certs=str(broker.ca))
            client.connect("127.0.0.1", broker.port)
            client.loop_start()
            client.publish(BEARING, _payload(73.5, 4), qos=1).wait_for_publish(5)
            client.disconnect()
            client.loop_stop()

        ingest = MqttIngest(model, historian, port=broker.port, flush_s=0.05, login=login)
        _run_for(ingest, 1.0, publish)
        latest = historian.latest("P-102.bearing_temperature", at=T0 + dt.timedelta(seconds=4))
        assert ingest.stats.connects == 1 and latest is not None and latest.value == 73.5

        refused = [MqttIngest(model, historian, port=broker.port, login=MqttLogin("ingest", "wrong", str(broker.ca))),
                   MqttIngest(model, historian, port=broker.port, login=MqttLogin("ingest", "s3cret"))]  # no TLS
        for ingest in refused:
            _run_for(ingest, 1.5)
            assert ingest.stats.connects == 0
        with pytest.raises(ConfigError, match="mqtt_tls_ca"):
            asyncio.run(MqttIngest(model, historian, port=broker.port,
                                   login=MqttLogin(tls_ca=str(tmp_path / "no.pem"))).run())
    finally:
        historian.close()
        server.__exit__(None, None, None)
