"""An OPC UA server (asyncua) serving the asset model's signals: for tests and demos.

    server = DemoOpcUaServer(model, port=4840)
    await server.start()          # opc.tcp://127.0.0.1:4840/plantvoice/
    ...
    await server.stop()

    python -m assistant.plant.opcua_server --port 4840      # run it until Ctrl-C

Each signal is a Double variable at its node id (``ns=2;s=<asset>.<signal>`` by default),
under one folder per asset. Every ``period_s`` each value is rewritten with a source
timestamp: ``demo_value`` is a deterministic wave around the signal's operating point (a
pure function of the signal and the time), and the status is the model's quality override
(``simulation.quality``: Uncertain or Bad) or Good.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import math
import zlib
from collections.abc import Callable
from typing import Any

from .historian import utc_now
from .model import AssetModel, Signal, load_model

__all__ = ["DemoOpcUaServer", "demo_value", "main"]

log = logging.getLogger(__name__)
NAMESPACE = "urn:plantvoice:demo-plant"


def demo_value(asset: str, signal: Signal, time: dt.datetime) -> float:
    """A slow wave around the middle of the operating range, a different phase per signal."""
    phase = zlib.crc32(f"{asset}.{signal.key}".encode()) / 2**32 * 2 * math.pi
    low, high = signal.operating
    middle, swing = (low + high) / 2, max((high - low) / 2, signal.noise, 0.01)
    return round(middle + swing * math.sin(time.timestamp() / 30.0 + phase), 6)


class DemoOpcUaServer:
    """Serves every signal of ``model`` on 127.0.0.1 (or ``host``) and keeps the values moving."""

    def __init__(self, model: AssetModel, host: str = "127.0.0.1", port: int = 4840, period_s: float = 0.2,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.model = model
        self.url = f"opc.tcp://{host}:{port}/plantvoice/"
        self.period_s = period_s
        self.clock = clock or utc_now
        self._server: Any = None
        self._task: asyncio.Task[None] | None = None
        self._nodes: list[tuple[Any, str, Signal, Any]] = []  # node id, asset, signal, status

    @property
    def signal_count(self) -> int:
        return len(self._nodes)

    async def start(self) -> None:
        from asyncua import Server, ua

        server = Server()
        await server.init()
        server.set_endpoint(self.url)
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        server.set_server_name("plantvoice demo plant")
        await self._add_nodes(server)
        await server.start()
        self._server = server
        await self._update()
        self._task = asyncio.create_task(self._keep_updating(), name="opcua demo values")
        log.info("OPC UA demo server at %s with %d signals", self.url, len(self._nodes))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._server is not None:
            await self._server.stop()
            self._server = None

    async def _add_nodes(self, server: Any) -> None:
        from asyncua import ua

        quality = {(q.asset, q.measurement): q.quality for q in self.model.simulation.quality}
        status = {"good": ua.StatusCodes.Good, "uncertain": ua.StatusCodes.Uncertain, "bad": ua.StatusCodes.Bad}
        await server.register_namespace(NAMESPACE)
        for asset in self.model.assets:
            folder = await server.nodes.objects.add_folder(f"ns=2;s={asset.id}", asset.id)
            for signal in asset.signals:
                node_id = ua.NodeId.from_string(signal.opcua)
                while node_id.NamespaceIndex >= len(await server.get_namespace_array()):
                    await server.register_namespace(f"{NAMESPACE}:{len(await server.get_namespace_array())}")
                node = await folder.add_variable(node_id, signal.key, 0.0, ua.VariantType.Double)
                code = ua.StatusCode(status[quality.get((asset.id, signal.key), "good")])
                self._nodes.append((node.nodeid, asset.id, signal, code))

    async def _keep_updating(self) -> None:
        while True:
            await asyncio.sleep(self.period_s)
            await self._update()

    async def _update(self) -> None:
        from asyncua import ua

        now = self.clock()
        for node_id, asset, signal, code in self._nodes:
            value = ua.DataValue(ua.Variant(demo_value(asset, signal, now), ua.VariantType.Double), code,
                                 SourceTimestamp=now, ServerTimestamp=now)
            await self._server.write_attribute_value(node_id, value)


async def _serve(model_path: str, host: str, port: int, period_s: float) -> None:
    server = DemoOpcUaServer(load_model(model_path), host, port, period_s)
    await server.start()
    print(f"serving {server.signal_count} signals at {server.url}; Ctrl-C stops", flush=True)
    try:
        await asyncio.Future()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="OPC UA server with the demo plant's signals")
    parser.add_argument("--model", default="plant/demo_plant.yaml", help="asset model YAML")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4840)
    parser.add_argument("--period", type=float, default=1.0, help="seconds between value updates")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(_serve(args.model, args.host, args.port, args.period))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
