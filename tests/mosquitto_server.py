"""A throwaway MQTT broker for tests and benchmarks (Debian package mosquitto).

    with mosquitto_server() as broker:
        broker.port                      # 127.0.0.1, a free port, anonymous, no persistence

/usr/sbin/mosquitto runs with a config of its own in a temporary directory (never the
Debian service's port 1883). A missing mosquitto raises RuntimeError; tests turn that into a
failure, never a skip.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MosquittoServer", "mosquitto_server", "free_port"]

MOSQUITTO = Path("/usr/sbin/mosquitto")


@dataclass(frozen=True)
class MosquittoServer:
    port: int
    root: Path

    @property
    def log(self) -> str:
        path = self.root / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mosquitto exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"mosquitto did not listen on 127.0.0.1:{port} within {timeout_s:g} s")


@contextmanager
def mosquitto_server() -> Iterator[MosquittoServer]:
    if not MOSQUITTO.is_file():
        raise RuntimeError(f"mosquitto is not installed (no {MOSQUITTO}); run scripts/setup.sh, "
                           "which installs the Debian package mosquitto")
    root = Path(tempfile.mkdtemp(prefix="plantvoice-mqtt-"))
    port = free_port()
    config = root / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                      "log_dest stderr\nlog_type error\nlog_type warning\n", encoding="utf-8")
    with (root / "mosquitto.log").open("wb") as log:
        process = subprocess.Popen([str(MOSQUITTO), "-c", str(config)], stdout=log, stderr=log)
    try:
        _wait_listening(port, process)
        yield MosquittoServer(port, root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
