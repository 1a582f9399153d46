"""A real ``plantvoice serve`` for tests and benchmarks, on 127.0.0.1 on a free port, its config and data directory
in a temporary directory: ``running`` is uvicorn in a thread of this process (so a test can hold the Pipeline's
worker busy), ``serving`` the ``plantvoice serve`` command as its own process (as a site runs it).

    with running(tmp_path, tokens={"desk1": ("anna", None)}) as server:
        httpx.get(server.url + "/api/health")
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from assistant.config import load_config
from assistant.serve import create_app

# chromium flags for a page whose microphone plays a file (add --use-file-for-fake-audio-capture=WAV%noloop)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
                 "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required")
USERS = '[users.anna]\nname = "Anna Becker"\nrole = "operator"\n'


def token_of(name: str) -> str:
    return f"token-of-{name}-for-tests"


@dataclass
class Server:
    url: str
    app: FastAPI
    config_path: Path

    @property
    def ws(self) -> str:
        return self.url.replace("http://", "ws://")

    @property
    def console(self):  # type: ignore[no-untyped-def]
        return self.app.state.console


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(root: Path, tokens: dict[str, tuple[str | None, str | None]] | None = None,
            serve: str = "") -> Iterator[Server]:
    """The server for a config of the demo plant with one day of history; ``tokens``: name -> (user, role),
    each token being ``token_of(name)``; ``serve``: more [serve] lines."""
    lines = [f'data_dir = "{root / "data"}"', "[plant]", "history_days = 1", USERS, "[serve]", serve]
    for name, (user, role) in (tokens or {}).items():
        digest = hashlib.sha256(token_of(name).encode()).hexdigest()
        lines += [f"[serve.tokens.{name}]", f'sha256 = "{digest}"',
                  f'user = "{user}"' if user else f'role = "{role}"']
    path = root / "plantvoice.toml"
    path.write_text("\n".join(lines) + "\n")
    app = create_app(load_config(path, env={}))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 300
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
    try:
        yield Server(f"http://127.0.0.1:{port}", app, path)
    finally:
        server.should_exit = True
        thread.join(timeout=60)


@contextmanager
def serving(root: Path, config: str, start_s: float = 300, command: tuple[str, ...] = ("serve",),
            health: str = "/api/health", port: int | None = None) -> Iterator[tuple[str, Path]]:
    """``plantvoice serve`` (or another serving ``command``, such as ``rasa actions``) as its own process with
    ``config`` (TOML text) on ``port`` (a free one) of 127.0.0.1, once ``health`` answers: (its URL, its log
    file); terminated after."""
    name = "-".join(command)
    path, log, port = root / "plantvoice.toml", root / f"{name}.log", port or free_port()
    path.write_text(config)
    with log.open("wb") as out:
        proc = subprocess.Popen([str(Path(sys.executable).with_name("plantvoice")), "--config", str(path), *command,
                                 "--host", "127.0.0.1", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"plantvoice {name} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url + health, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"plantvoice {name} did not answer {health} in {start_s:g} s:\n"
                                   f"{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
