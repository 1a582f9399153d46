"""OPC UA ingest against a real asyncua server on a free port of 127.0.0.1: values, quality and
source time arrive; the data goes bad and stale while the server is away; the client reconnects."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.plant.historian import Latest, utc_now
from assistant.plant.historian_sqlite import SqliteHistorian
from assistant.plant.ingest_opcua import OpcUaIngest, quality_of
from assistant.plant.model import AssetModel, load_model
from assistant.plant.opcua_server import DemoOpcUaServer, demo_value
from mosquitto_server import free_port

ROOT = Path(__file__).resolve().parent.parent
BEARING = "P-102.bearing_temperature"


@pytest.fixture(scope="module")
def model() -> AssetModel:
    return load_model(ROOT / "plant" / "demo_plant.yaml")


async def _until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(0.05)


def test_status_codes_map_to_qualities() -> None:
    from asyncua import ua

    codes = (ua.StatusCodes.Good, ua.StatusCodes.UncertainLastUsableValue, ua.StatusCodes.BadNotConnected)
    assert [quality_of(ua.StatusCode(c)) for c in codes] == ["good", "uncertain", "bad"]


def test_values_arrive_go_stale_while_the_server_is_away_and_come_back(model: AssetModel, tmp_path: Path) -> None:
    historian = SqliteHistorian(tmp_path / "h.sqlite", stale_after_s=2.0)
    port = free_port()
    ingest = OpcUaIngest(f"opc.tcp://127.0.0.1:{port}/plantvoice/", model, historian, publish_ms=100,
                         flush_s=0.05, backoff_s=0.2, max_backoff_s=1.0, timeout_s=2.0)

    def latest(signal: str = BEARING) -> Latest | None:
        return historian.latest(signal)

    async def scenario() -> None:
        server = DemoOpcUaServer(model, port=port, period_s=0.2)
        await server.start()
        task = asyncio.create_task(ingest.run())
        try:
            await asyncio.wait_for(ingest.subscribed.wait(), 10)
            await _check_live(server, model, latest)
            assert ingest.stats.rejected["bad without value"] >= 1  # P-202.flow: Bad, never a value
            assert latest("P-202.flow") is None

            await server.stop()  # the server goes away
            await _until(lambda: (x := latest()) is not None and x.quality == "bad", 10, "the value marked bad")
            gone = latest()
            assert gone is not None and not gone.current and not ingest.stats.connected
            later = historian.latest(BEARING, at=gone.time + dt.timedelta(seconds=3))
            assert later is not None and later.stale and later.quality == "bad"

            server = DemoOpcUaServer(model, port=port, period_s=0.2)  # back, on the same port
            await server.start()
            await _until(lambda: ingest.stats.connects == 2, 15, "the client to reconnect")
            await _until(lambda: (x := latest()) is not None and x.current and x.time > gone.time, 10,
                         "fresh values after the reconnect")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await server.stop()

    try:
        asyncio.run(asyncio.wait_for(scenario(), 50))
    finally:
        historian.close()


async def _check_live(server: DemoOpcUaServer, model: AssetModel,
                      latest: Callable[[str], Latest | None]) -> None:
    signal = model.signal("P-102", "bearing_temperature")
    assert signal is not None
    await _until(lambda: (x := latest(BEARING)) is not None and x.time > utc_now() - dt.timedelta(seconds=1), 10,
                 "a fresh value")
    value = latest(BEARING)
    assert value is not None and value.quality == "good" and value.current
    assert value.value == pytest.approx(demo_value("P-102", signal, value.time), abs=1e-6)  # value at its source time
    await _until(lambda: latest("F3.voltage") is not None, 5, "F3.voltage")
    voltage = latest("F3.voltage")
    assert voltage is not None and voltage.quality == "uncertain"  # Uncertain status -> uncertain
