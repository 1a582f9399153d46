"""A real ``plantvoice serve`` app for tests: uvicorn on 127.0.0.1 on a free port, in a thread of this process
(so a test can hold the Pipeline's worker busy), with its config and data directory in a temporary directory.

    with running(tmp_path, tokens={"desk1": ("anna", None)}) as server:
        httpx.get(server.url + "/api/health")
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from assistant.config import load_config
from assistant.serve import create_app

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


def _free_port() -> int:
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
    port = _free_port()
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
