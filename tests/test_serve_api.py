"""The console's REST API against a real server (uvicorn on 127.0.0.1, the real Pipeline), spoken to with httpx.

One server for the module: the demo plant with a day of history, Anna Becker's token (operator) and
``max_waiting = 1``, so a test can fill the queue.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.config import load_config
from assistant.plant import load_model
from assistant.plant.historians import create_historian
from serve_server import Server, running, token_of

ROOT = Path(__file__).resolve().parent.parent
ANNA = {"Authorization": f"Bearer {token_of('desk1')}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("api"), tokens={"desk1": ("anna", None)}, serve="max_waiting = 1") as s:
        yield s


def call(server: Server, method: str, path: str, station: str = "web", token: bool = True,
         headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    headers = {**(ANNA if token else {}), "X-Station": station, **(headers or {})}
    return httpx.request(method, server.url + path, headers=headers, timeout=300, **kw)


def alarm_id(server: Server, asset: str) -> int:
    alarms = call(server, "GET", "/api/alarms").json()["alarms"]
    return next(a["id"] for a in alarms if a["asset"] == asset)


def acknowledged(server: Server, asset: str) -> dict[str, Any]:
    alarms = call(server, "GET", "/api/alarms", params={"all": "true"}).json()["alarms"]
    return next(a for a in alarms if a["asset"] == asset and a["active"])


def test_ask_answers_with_the_values_it_used(server: Server) -> None:
    got = call(server, "POST", "/api/ask", json={"text": "what is the bearing temperature of feed pump two"})
    assert got.status_code == 200
    body = got.json()
    assert body["intent"]["name"] == "sensor_reading" and body["awaiting"] is None
    data = body["data"]
    assert (data["asset"], data["measurement"], data["source"]) == ("P-102", "bearing_temperature",
                                                                    "historian:P-102.bearing_temperature")
    assert body["values"] == [{"tag": "P-102.bearing_temperature", "value": data["value"], "unit": "°C",
                               "time": data["time"], "quality": data["quality"]}]
    assert "P one oh two" in body["answer"] and "degrees Celsius" in body["answer"]
    latest = call(server, "GET", "/api/assets/P-102/latest", params={"measurement": "bearing_temperature"}).json()
    assert latest["asset"] == "P-102" and latest["readings"][0]["unit"] == "°C"


def test_parse_has_rasas_keys(server: Server) -> None:
    body = call(server, "POST", "/model/parse", json={"text": "show me the active alarms"}).json()
    assert set(body) == {"text", "intent", "entities", "intent_ranking"}
    assert body["intent"]["name"] == "alarm_list" and body["intent_ranking"][0]["name"] == "alarm_list"


def test_understand_a_spoken_request(server: Server) -> None:
    wav = (ROOT / "audio_samples" / "018_alarm_list_en-gb-scotland.wav").read_bytes()
    got = call(server, "POST", "/api/understand", files={"file": ("request.wav", wav, "audio/wav")})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["intent"]["name"] == "alarm_list" and "alarm" in body["transcript"].lower()
    assert body["data"]["count"] == len(body["data"]["alarms"]) and body["answer"]


def test_bad_input_is_one_error_line(server: Server) -> None:
    for got in (call(server, "POST", "/api/ask", json={"txt": "hello"}),
                call(server, "POST", "/api/ask", content=b"{not json", headers={"content-type": "application/json"}),
                call(server, "POST", "/api/ask", json={"text": "   "}),
                call(server, "POST", "/api/understand", files={"file": ("x.wav", b"RIFF0000", "audio/wav")})):
        assert got.status_code == 400 and list(got.json()) == ["error"], got.text
        assert "\n" not in got.json()["error"]
    assert call(server, "POST", "/api/ask", json={"txt": "x"}).json()["error"] == \
        "body -> text: Field required; see /openapi.json for what is expected"
    missing = call(server, "GET", "/api/assets/P-999/latest")
    assert missing.status_code == 404 and missing.json()["error"].startswith("no asset 'P-999'; use one of")
    assert call(server, "GET", "/api/nothing").json() == {"error": "Not Found"}


def test_alarms_list_the_active_ones(server: Server) -> None:
    body = call(server, "GET", "/api/alarms").json()
    assert body["count"] == len(body["alarms"]) >= 2 and all(a["active"] for a in body["alarms"])
    assert {"P-102", "T1"} <= {a["asset"] for a in body["alarms"]}  # others come and go with the simulated day
    plant = call(server, "GET", "/api/plant").json()
    counts = {a["id"]: a["active_alarms"] for a in plant["assets"]}
    assert counts["P-102"] >= 1 and sum(counts.values()) == body["count"]


def test_acknowledge_is_read_back_and_carried_out_on_yes(server: Server) -> None:
    alarm = alarm_id(server, "P-102")
    asked = call(server, "POST", f"/api/alarms/{alarm}/acknowledge", station="desk-a").json()
    assert asked["awaiting"] == "confirm" and asked["data"]["alarms"][0]["id"] == alarm
    assert acknowledged(server, "P-102")["acknowledged"] is None  # nothing written before the yes
    done = call(server, "POST", "/api/confirm", station="desk-a", json={"yes": True}).json()
    assert done["awaiting"] is None and [a["id"] for a in done["data"]["acknowledged"]] == [alarm]
    assert acknowledged(server, "P-102")["acknowledged_by"] == "Anna Becker"
    rows = call(server, "GET", "/api/audit", params={"user": "anna"}).json()["entries"]
    writes = [r for r in rows if r["kind"] == "write" and r["write"] == "alarm_acknowledge"]
    assert any(json.loads(json.dumps(r["target"])).get("alarm") == alarm for r in writes), writes


def test_no_and_cancel_drop_the_acknowledgement(server: Server) -> None:
    asked = call(server, "POST", "/api/ask", station="desk-a",
                 json={"text": "acknowledge the alarm on the main transformer"}).json()
    assert asked["awaiting"] == "confirm" and asked["data"]["alarms"][0]["asset"] == "T1"
    dropped = call(server, "POST", "/api/confirm", station="desk-a", json={"yes": False}).json()
    assert dropped["awaiting"] is None
    call(server, "POST", "/api/ask", station="desk-a", json={"text": "acknowledge the alarm on the main transformer"})
    cancelled = call(server, "POST", "/api/ask", station="desk-a", json={"text": "cancel"}).json()
    assert cancelled["intent"]["name"] == "cancel" and cancelled["awaiting"] is None
    again = call(server, "POST", "/api/confirm", station="desk-a", json={"yes": True}).json()
    assert again["answer"] == "There is nothing to confirm."
    assert acknowledged(server, "T1")["acknowledged"] is None


def test_a_yes_in_one_station_never_confirms_another(server: Server) -> None:
    alarm = alarm_id(server, "T1")
    asked = call(server, "POST", f"/api/alarms/{alarm}/acknowledge", station="desk-a").json()
    assert asked["awaiting"] == "confirm"
    other = call(server, "POST", "/api/confirm", station="desk-b", json={"yes": True}).json()
    assert other["answer"] == "There is nothing to confirm."
    spoken = call(server, "POST", "/api/ask", station="desk-b", json={"text": "yes"}).json()
    assert "acknowledged" not in spoken["data"]
    assert acknowledged(server, "T1")["acknowledged"] is None
    call(server, "POST", "/api/confirm", station="desk-a", json={"yes": False})
    assert acknowledged(server, "T1")["acknowledged"] is None


def test_trend_points_come_from_the_plant_history(server: Server) -> None:
    body = call(server, "GET", "/api/assets/P-102/trend", params={"measurement": "bearing_temperature",
                                                                 "hours": 2}).json()
    assert (body["asset"], body["measurement"], body["unit"]) == ("P-102", "bearing_temperature", "°C")
    points = body["points"]
    assert len(points) > 10
    from datetime import datetime, timedelta

    config = load_config(server.config_path, env={})
    historian = create_historian(config.plant, config.data_path)
    try:
        stored = historian.samples("P-102.bearing_temperature", datetime.fromisoformat(points[0][0]),
                                   datetime.fromisoformat(points[-1][0]) + timedelta(seconds=1))
    finally:
        historian.close()
    assert [p[1] for p in points] == [s.value for s in stored][:len(points)] and len(stored) >= len(points)
    bad = call(server, "GET", "/api/assets/P-102/trend", params={"measurement": "bearing_temperature", "hours": -1})
    assert bad.status_code == 400 and bad.json()["error"].startswith("query -> hours:")
    first = call(server, "GET", "/api/assets/T1/trend").json()  # no measurement named: the asset's first
    assert first["measurement"] == load_model(load_config(server.config_path, env={}).plant.asset_model) \
        .asset("T1").measurements[0] and first["points"]


def test_notes_taken_are_found_and_the_handover_is_a_pdf(server: Server) -> None:
    said = call(server, "POST", "/api/ask", station="notes",
                json={"text": "take a note: the seal of feed pump two is leaking"}).json()
    if said["awaiting"] == "confirm":
        said = call(server, "POST", "/api/confirm", station="notes", json={"yes": True}).json()
    notes = call(server, "GET", "/api/notes").json()
    assert notes["count"] >= 1 and any("seal" in n["text"] for n in notes["notes"]), said
    found = call(server, "GET", "/api/notes/search", params={"q": "leaking seal"}).json()
    assert found["query"] == "leaking seal" and "seal" in found["results"][0]["note"]["text"]
    exported = call(server, "GET", "/api/notes/export", params={"format": "jsonl"})
    assert exported.status_code == 200 and "seal" in json.loads(exported.text.splitlines()[0])["text"]
    shift = notes["notes"][0]["shift"]
    pdf = call(server, "GET", "/api/report/handover", params={"shift": shift, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    bad = call(server, "GET", "/api/report/handover", params={"shift": "lunch"})
    assert bad.status_code == 400 and "lunch" in bad.json()["error"]


def test_faults_highest_first(server: Server) -> None:
    risks = call(server, "GET", "/api/faults").json()["risks"]
    chances = [r["probability"] for r in risks]
    assert chances == sorted(chances, reverse=True)


def test_busy_gives_503_but_a_confirmation_is_carried_out(server: Server) -> None:
    left = [a for a in call(server, "GET", "/api/alarms").json()["alarms"] if a["acknowledged"] is None]
    alarm, asset = left[-1]["id"], left[-1]["asset"]  # T1's is still left: earlier tests only said no to it
    assert call(server, "POST", f"/api/alarms/{alarm}/acknowledge", station="busy").json()["awaiting"] == "confirm"
    worker, gate = server.console.worker, threading.Event()
    worker.jobs.put((lambda pipeline: gate.wait(120), lambda result, error: None))  # the recognizer held busy

    def until(condition: Any) -> None:
        deadline = time.monotonic() + 30
        while not condition():
            assert time.monotonic() < deadline
            time.sleep(0.02)

    with ThreadPoolExecutor(2) as pool:
        try:
            until(lambda: worker.running)
            waiting = pool.submit(call, server, "POST", "/api/ask", json={"text": "show the active alarms"})
            until(lambda: worker.jobs.qsize() == 1)  # max_waiting = 1: the queue is full now
            full = call(server, "POST", "/api/ask", json={"text": "show the active alarms"})
            assert full.status_code == 503
            assert full.json() == {"error": "the server is busy: the queue for the recognizer is full "
                                  "([serve] max_waiting = 1); try again in a moment"}
            confirmed = pool.submit(call, server, "POST", "/api/confirm", station="busy", json={"yes": True})
            until(lambda: worker.jobs.qsize() == 2)
        finally:
            gate.set()
        assert waiting.result().status_code == 200
        done = confirmed.result().json()
    assert [a["id"] for a in done["data"]["acknowledged"]] == [alarm]
    assert acknowledged(server, asset)["acknowledged_by"] == "Anna Becker"
