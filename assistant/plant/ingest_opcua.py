"""Live values from an OPC UA server into the historian (asyncua client).

    ingest = OpcUaIngest("opc.tcp://127.0.0.1:4840/plantvoice/", model, historian)
    await ingest.run()            # until cancelled; ingest.stats counts what happened

One subscription covers every signal's node id (``ns=2;s=<asset>.<signal>`` unless the asset
model names another). Each data change becomes a Point: the value, the status mapped to a
quality (Good -> good, Uncertain -> uncertain, Bad -> bad) and the source timestamp (the
server timestamp, then the arrival time, when the server sends none). A Bad value often
comes without a value: the last value is written again with quality bad; before any value
is known it is counted in ``stats.rejected`` ("bad without value").

When the server goes away, every signal seen is marked bad (``ingest.py``: the last value,
quality bad, at the time the loss was noticed), so `latest` reports it not current at once
and stale by age later. The client reconnects with exponential backoff (``backoff_s`` up to
``max_backoff_s``) and subscribes again; the server sends the current values afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any

from ..errors import BackendError
from .historian import Historian, Point, utc_now
from .ingest import BatchWriter, IngestStats, SourceSignal, source_signals
from .model import AssetModel

__all__ = ["OpcUaIngest", "quality_of"]

log = logging.getLogger(__name__)


def quality_of(status: Any) -> str:
    """An OPC UA StatusCode as the historian's quality."""
    if status.is_good():
        return "good"
    return "uncertain" if status.is_uncertain() else "bad"


class OpcUaIngest:
    """Subscribes to the model's node ids and writes the data changes to the historian."""

    def __init__(self, url: str, model: AssetModel, historian: Historian, publish_ms: float = 100,
                 batch_size: int = 500, flush_s: float = 0.25, backoff_s: float = 0.5,
                 max_backoff_s: float = 10.0, timeout_s: float = 4.0) -> None:
        self.url = url
        self.signals = source_signals(model)
        self.publish_ms, self.timeout_s = publish_ms, timeout_s
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.stats = IngestStats()
        self.subscribed = asyncio.Event()  # set while a subscription is live
        self._writer = BatchWriter(historian, self.stats, batch_size=batch_size, flush_s=flush_s)
        self._by_node: dict[Any, SourceSignal] = {}

    async def run(self) -> None:
        try:
            from asyncua import ua
        except ImportError as exc:
            raise BackendError(f"OPC UA ingest: asyncua is not installed ({exc}); run scripts/setup.sh") from None
        self._by_node = {ua.NodeId.from_string(s.opcua): s for s in self.signals}
        self._writer.start()
        try:
            await self._keep_connected()
        finally:
            await self._writer.close()

    async def _keep_connected(self) -> None:
        delay = self.backoff_s
        while True:
            lost = asyncio.Event()
            try:
                await self._session(lost)
                delay = self.backoff_s  # it was up: start the backoff afresh
            except (OSError, TimeoutError, ConnectionError) as exc:
                log.info("OPC UA %s: no connection (%s); retrying in %.1f s", self.url, exc or type(exc).__name__,
                         delay)
            except Exception as exc:  # asyncua's UaError and friends: log, back off, retry
                log.warning("OPC UA %s: %s: %s; retrying in %.1f s", self.url, type(exc).__name__, exc, delay)
            self._went_away()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff_s)

    async def _session(self, lost: asyncio.Event) -> None:
        from asyncua import Client

        client = Client(self.url, timeout=self.timeout_s, watchdog_intervall=1.0)

        async def on_lost(exc: Exception) -> None:
            log.warning("OPC UA %s: connection lost (%s)", self.url, exc)
            lost.set()

        client.connection_lost_callback = on_lost
        await asyncio.wait_for(client.connect(auto_reconnect=False), self.timeout_s * 2)
        try:
            await self._subscribe(client)
            await lost.wait()
        finally:
            self.subscribed.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 2.0)

    async def _subscribe(self, client: Any) -> None:
        subscription = await client.create_subscription(self.publish_ms, self)
        nodes = [client.get_node(node_id) for node_id in self._by_node]
        results = await subscription.subscribe_data_change(nodes, queuesize=10)
        for node, result in zip(nodes, results):
            if not isinstance(result, int):
                log.warning("OPC UA %s: cannot subscribe to %s (%s)", self.url, node.nodeid.to_string(), result)
        self.stats.connects += 1
        self.stats.connected = True
        self.subscribed.set()
        log.info("OPC UA %s: subscribed to %d signals", self.url, len(nodes))

    def _went_away(self) -> None:
        if self.stats.connected:
            self.stats.connected = False
            marked = self._writer.mark_bad()
            log.warning("OPC UA %s: %d signals marked bad until the server is back", self.url, marked)

    # -- asyncua's subscription handler

    def datachange_notification(self, node: Any, value: Any, data: Any) -> None:
        self.stats.received += 1
        signal = self._by_node.get(node.nodeid)
        if signal is None:
            self.stats.reject(f"OPC UA {node.nodeid.to_string()}", "unknown node", "not a signal of the model")
            return
        point = self._point(signal, data.monitored_item.Value)
        if point is not None:
            self._writer.put(point)

    def _point(self, signal: SourceSignal, data_value: Any) -> Point | None:
        quality = quality_of(data_value.StatusCode)
        value = data_value.Value.Value if data_value.Value is not None else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            value = self._writer.last.get(signal.name) if quality == "bad" else None
        if value is None:
            reason = "bad without value" if quality == "bad" else "not a number"
            self.stats.reject(f"OPC UA {signal.opcua}", reason, f"{signal.name}: {data_value.Value!r}")
            return None
        return Point(signal.name, _source_time(data_value), float(value), quality)

    def status_change_notification(self, status: Any) -> None:
        log.info("OPC UA %s: subscription status %s", self.url, status)


def _source_time(data_value: Any) -> dt.datetime:
    time = data_value.SourceTimestamp or data_value.ServerTimestamp or utc_now()
    return time if time.tzinfo else time.replace(tzinfo=dt.timezone.utc)
