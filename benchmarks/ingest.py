"""Live ingest benchmark: MQTT and OPC UA into the SQLite historian, bounded in time.

    .venv/bin/python benchmarks/ingest.py --messages 20000 --seconds 10

MQTT: a throwaway mosquitto (tests/mosquitto_server.py); one publisher thread sends
``--messages`` JSON payloads (QoS 0) round-robin over the demo plant's 63 topics as fast as
paho allows; the rate is messages written per second from the first publish until the last
point is in the historian. OPC UA: the demo server rewrites every signal each ``--period``
seconds for ``--seconds``; the rate is points written per second, and the lag is the time
between a point's source timestamp and its commit (the newest point, sampled every 0.5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from assistant.plant.historian_sqlite import SqliteHistorian  # noqa: E402
from assistant.plant.ingest import source_signals  # noqa: E402
from assistant.plant.ingest_mqtt import MqttIngest  # noqa: E402
from assistant.plant.ingest_opcua import OpcUaIngest  # noqa: E402
from assistant.plant.model import AssetModel, load_model  # noqa: E402
from assistant.plant.opcua_server import DemoOpcUaServer  # noqa: E402
from mosquitto_server import free_port, mosquitto_server  # noqa: E402


def _publish(port: int, topics: list[str], count: int) -> None:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-publisher")
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    start = dt.datetime.now(dt.timezone.utc)
    for i in range(count):
        time_ = (start + dt.timedelta(milliseconds=i)).isoformat()
        client.publish(topics[i % len(topics)], json.dumps({"value": i * 0.001, "time": time_}))
    client.disconnect()
    client.loop_stop()


async def bench_mqtt(model: AssetModel, messages: int, timeout_s: float) -> dict[str, Any]:
    with mosquitto_server() as broker, tempfile.TemporaryDirectory() as tmp:
        historian = SqliteHistorian(Path(tmp) / "h.sqlite")
        ingest = MqttIngest(model, historian, port=broker.port, batch_size=2000, flush_s=0.2)
        task = asyncio.create_task(ingest.run())
        await asyncio.wait_for(ingest.subscribed.wait(), 10)
        topics = [s.mqtt for s in source_signals(model)]
        start = time.perf_counter()
        threading.Thread(target=_publish, args=(broker.port, topics, messages), daemon=True).start()
        deadline = start + timeout_s
        while ingest.stats.written < messages and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - start
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        historian.close()
    written = min(ingest.stats.written, messages)
    return {"messages": messages, "received": ingest.stats.received, "written": written,
            "seconds": round(elapsed, 2), "per_s": round(written / elapsed)}


async def bench_opcua(model: AssetModel, seconds: float, period_s: float) -> dict[str, Any]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        historian = SqliteHistorian(Path(tmp) / "h.sqlite")
        server = DemoOpcUaServer(model, port=port, period_s=period_s)
        await server.start()
        ingest = OpcUaIngest(server.url, model, historian, publish_ms=period_s * 1000, flush_s=0.2)
        task = asyncio.create_task(ingest.run())
        await asyncio.wait_for(ingest.subscribed.wait(), 10)
        await asyncio.sleep(1.0)
        first, lags = ingest.stats.written, []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            await asyncio.sleep(0.5)
            latest = historian.latest("P-102.bearing_temperature")
            if latest is not None:
                lags.append(latest.age_s)
        elapsed = time.perf_counter() - start
        written = ingest.stats.written - first
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.stop()
        historian.close()
    return {"signals": len(source_signals(model)), "period_s": period_s, "seconds": round(elapsed, 1),
            "per_s": round(written / elapsed), "offered_per_s": round(len(source_signals(model)) / period_s),
            "lag_median_s": round(statistics.median(lags), 3), "lag_max_s": round(max(lags), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--period", type=float, default=0.05, help="OPC UA server update period")
    args = parser.parse_args()
    model = load_model(ROOT / "plant" / "demo_plant.yaml")
    print("mqtt ", asyncio.run(bench_mqtt(model, args.messages, timeout_s=60)), flush=True)
    print("opcua", asyncio.run(bench_opcua(model, args.seconds, args.period)), flush=True)


if __name__ == "__main__":
    main()
