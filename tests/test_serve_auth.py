"""Who may call the console: tokens by their sha256, the anonymous viewer, ``anonymous = "refuse"``; and the
roles of the dialogue over HTTP. A real server (uvicorn on 127.0.0.1, the real Pipeline)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from serve_server import Server, running, token_of

PLANTVOICE = str(Path(sys.executable).parent / "plantvoice")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("auth"), tokens={"desk1": ("anna", None), "board": (None, "viewer")}) as s:
        yield s


def call(server: Server, method: str, path: str, token: str | None = None, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, server.url + path, headers=headers, timeout=300, **kw)


def unacknowledged(server: Server, asset: str) -> bool:
    alarms = call(server, "GET", "/api/alarms").json()["alarms"]
    return next(a for a in alarms if a["asset"] == asset)["acknowledged"] is None


def test_without_a_token_a_viewer_reads_but_may_not_acknowledge(server: Server) -> None:
    me = call(server, "GET", "/api/me").json()
    assert me == {"caller": "anonymous", "station": "web", "user": None, "role": "viewer", "language": "en"}
    alarms = call(server, "GET", "/api/alarms").json()["alarms"]
    alarm = next(a for a in alarms if a["asset"] == "T1")
    direct = call(server, "POST", f"/api/alarms/{alarm['id']}/acknowledge")
    refusal = "Acknowledging alarms needs the operator role; you are signed on as viewer."
    assert direct.status_code == 403 and direct.json() == {"error": refusal}
    asked = call(server, "POST", "/api/ask", json={"text": "acknowledge the alarm on the main transformer"})
    assert asked.status_code == 200 and asked.json()["answer"] == refusal and asked.json()["awaiting"] is None
    yes = call(server, "POST", "/api/confirm", json={"yes": True}).json()
    assert yes["answer"] == "There is nothing to confirm."
    assert unacknowledged(server, "T1")
    hidden = call(server, "GET", "/api/audit")
    assert hidden.status_code == 403 and "needs a token" in hidden.json()["error"]
    rows = call(server, "GET", "/api/audit", token=token_of("board")).json()["entries"]
    assert not [r for r in rows if r["kind"] == "write"]
    assert [a["outcome"] for r in rows for a in r.get("actions") or []] == ["refused", "refused"]


def test_a_viewer_cannot_sign_on_as_an_operator_by_saying_a_name(server: Server) -> None:
    said = call(server, "POST", "/api/ask", json={"text": "this is Anna on the night shift"}).json()
    assert said["data"] == {"refused": "sign_on"}
    call(server, "POST", "/api/confirm", json={"yes": True})
    assert call(server, "GET", "/api/me").json()["role"] == "viewer"


def test_a_wrong_token_is_401_never_a_viewer(server: Server) -> None:
    for token in ("not-a-token", token_of("desk1") + "x"):
        got = call(server, "GET", "/api/alarms", token=token)
        assert got.status_code == 401 and got.json()["error"].startswith("wrong token;")
    malformed = httpx.get(server.url + "/api/alarms", headers={"Authorization": "Basic abc"})
    assert malformed.status_code == 401
    assert call(server, "GET", "/api/health", token="not-a-token").json() == {"status": "ok"}

    async def listen() -> int:
        try:
            async with websockets.connect(f"{server.ws}/api/listen?token=wrong"):
                return 101
        except websockets.InvalidStatus as exc:
            return exc.response.status_code
    assert asyncio.run(listen()) == 401


def test_an_operator_token_acknowledges_after_yes(server: Server) -> None:
    anna = token_of("desk1")
    me = call(server, "GET", "/api/me", token=anna).json()
    assert (me["caller"], me["user"], me["role"]) == ("desk1", "anna", "operator")
    board = call(server, "GET", "/api/me", token=token_of("board")).json()
    assert (board["user"], board["role"]) == (None, "viewer")
    asked = call(server, "POST", "/api/ask", token=anna, json={"text": "acknowledge the alarm on the main transformer"})
    assert asked.json()["awaiting"] == "confirm" and unacknowledged(server, "T1")
    done = call(server, "POST", "/api/confirm", token=anna, json={"yes": True}).json()
    assert done["data"]["acknowledged"][0]["asset"] == "T1" and not unacknowledged(server, "T1")
    rows = call(server, "GET", "/api/audit", token=anna, params={"user": "anna"}).json()["entries"]
    assert [r["kind"] for r in rows] == ["turn", "write", "turn"] and rows[1]["station"] == "web"


def test_tokens_are_not_stored_in_clear(server: Server) -> None:
    text = server.config_path.read_text()
    assert token_of("desk1") not in text and "sha256 = " in text
    made = subprocess.run([PLANTVOICE, "--config", str(server.config_path), "serve", "token", "desk2"],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    token = made.stdout.split("it is not stored): ")[1].split()[0]
    import hashlib

    assert f'[serve.tokens.desk2]\nsha256 = "{hashlib.sha256(token.encode()).hexdigest()}"' in made.stdout
    bad = subprocess.run([PLANTVOICE, "--config", str(server.config_path), "serve", "token", "a b"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("plantvoice: error: serve token needs a NAME")


def test_anonymous_refuse_is_401(tmp_path: Path) -> None:
    with running(tmp_path, tokens={"desk1": ("anna", None)}, serve='anonymous = "refuse"') as refusing:
        got = httpx.get(refusing.url + "/api/alarms", timeout=60)
        assert got.status_code == 401 and got.json()["error"].startswith("no token;")
        ok = httpx.get(refusing.url + "/api/me", headers={"Authorization": f"Bearer {token_of('desk1')}"}, timeout=60)
        assert ok.json()["role"] == "operator"
        assert json.loads(httpx.get(refusing.url + "/api/health", timeout=60).text) == {"status": "ok"}


def test_plantvoice_serve_listens_on_loopback_and_refuses_a_bad_port(server: Server) -> None:
    bad = subprocess.run([PLANTVOICE, "--config", str(server.config_path), "serve", "--port", "0"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr == "plantvoice: error: --port 0 is not a port; use 1 to 65535\n"
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([PLANTVOICE, "--config", str(server.config_path), "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None and time.monotonic() < deadline, process.stderr and process.stderr.read()
            try:
                me = httpx.get(f"http://127.0.0.1:{port}/api/me", timeout=5, headers={"X-Station": "cli"})
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert me.json()["station"] == "cli" and me.json()["role"] == "viewer"
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200 and "<html" in page.text.lower()
        listening = subprocess.run(["ss", "-ltn", f"sport = :{port}"], capture_output=True, text=True).stdout
        assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening
    finally:
        process.terminate()
        process.wait(timeout=60)
