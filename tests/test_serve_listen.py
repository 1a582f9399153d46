"""``WS /api/listen`` against a real server (uvicorn on 127.0.0.1, the real Pipeline and voice), spoken to with the
``websockets`` client: recorded requests streamed in 30 ms frames, with push-to-talk and without (voice
activity), barge-in, typed requests, the confirmation buttons, busy."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import websockets

from assistant.audio import load_wav
from serve_server import Server, running, token_of

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "audio_samples"
FRAME = 480  # samples: 30 ms at 16 kHz
Message = dict[str, Any] | bytes


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("listen"), tokens={"desk1": ("anna", None)}, serve="max_waiting = 1") as s:
        yield s


def pcm(name: str, silence_s: float = 0.0) -> bytes:
    samples = load_wav(SAMPLES / name)
    return np.concatenate([samples, np.zeros(int(silence_s * 16000), dtype=np.int16)]).tobytes()


async def stream(ws: Any, audio: bytes, real_time: bool = True) -> None:
    for start in range(0, len(audio), 2 * FRAME):
        await ws.send(audio[start:start + 2 * FRAME])
        await asyncio.sleep(0.03 if real_time else 0)


async def receive(ws: Any, until: Any, timeout: float = 240) -> list[Message]:
    """Messages (JSON as dicts, audio as bytes) until ``until(message)`` holds for one."""
    got: list[Message] = []
    async with asyncio.timeout(timeout):
        while True:
            raw = await ws.recv()
            got.append(raw if isinstance(raw, bytes) else json.loads(raw))
            if until(got[-1]):
                return got


async def drain(ws: Any, seconds: float) -> list[Message]:
    """Every message that comes within ``seconds``."""
    got: list[Message] = []
    try:
        await receive(ws, lambda m: got.append(m) and False, timeout=seconds)
    except TimeoutError:
        pass
    return got


def last_audio(m: Message) -> bool:
    return isinstance(m, dict) and m.get("type") == "audio" and m["last"]


def kinds(messages: list[Message]) -> list[str]:
    return ["pcm" if isinstance(m, bytes) else m["type"] for m in messages]


def of(messages: list[Message], kind: str) -> dict[str, Any]:
    return next(m for m in messages if isinstance(m, dict) and m["type"] == kind)


async def connect(server: Server, station: str, token: bool = False) -> Any:
    query = f"?station={station}" + (f"&token={token_of('desk1')}" if token else "")
    ws = await websockets.connect(f"{server.ws}/api/listen{query}", max_size=None)
    ready = json.loads(await ws.recv())
    assert ready["type"] == "ready" and ready["station"] == station
    return ws


def test_push_to_talk_request_is_answered_and_spoken(server: Server) -> None:
    async def talk() -> tuple[list[Message], float]:
        async with await connect(server, "ptt") as ws:
            await ws.send(json.dumps({"type": "press"}))
            await stream(ws, pcm("001_sensor_reading_en-us.wav"))
            await ws.send(json.dumps({"type": "release"}))
            released = time.perf_counter()
            got = await receive(ws, lambda m: isinstance(m, dict) and m["type"] == "audio")
            first_audio = time.perf_counter() - released
            got += await receive(ws, lambda m: isinstance(m, bytes))
            if not last_audio(of(got, "audio")):
                got += await receive(ws, last_audio)
                got += await receive(ws, lambda m: isinstance(m, bytes))
            return got, first_audio

    got, first_audio = asyncio.run(talk())
    print(f"release to first audio frame: {first_audio:.2f} s (understanding {of(got, 'final')['latency_s']:.2f} s, "
          f"{kinds(got).count('partial')} partials)")
    order = [k for k in kinds(got) if k != "partial"]
    assert order[:3] == ["speech", "final", "answer"] and order[-1] == "pcm", order
    final, answer = of(got, "final"), of(got, "answer")
    assert final["intent"]["name"] == "sensor_reading"
    assert {"entity": "asset", "value": "P-102"}.items() <= final["entities"][-1].items() or \
        any(e["value"] == "P-102" for e in final["entities"])
    assert answer["data"]["asset"] == "P-102" and answer["values"][0]["tag"] == "P-102.bearing_temperature"
    assert answer["values"][0]["value"] == answer["data"]["value"] and "P one oh two" in answer["text"]
    headers = [m for m in got if isinstance(m, dict) and m["type"] == "audio"]
    audio = [m for m in got if isinstance(m, bytes)]
    assert [h["seq"] for h in headers] == list(range(len(headers))) and headers[-1]["last"]
    assert len(audio) == len(headers) and all(len(a) > 1000 and len(a) % 2 == 0 for a in audio)
    assert np.abs(np.frombuffer(audio[0], dtype="<i2")).max() > 1000  # speech, not silence


def test_voice_activity_cuts_a_request_without_press(server: Server) -> None:
    async def talk() -> list[Message]:
        async with await connect(server, "vad") as ws:
            await stream(ws, pcm("018_alarm_list_en-gb-scotland.wav", silence_s=1.5), real_time=False)
            return await receive(ws, lambda m: isinstance(m, dict) and m["type"] == "answer")

    got = asyncio.run(talk())
    assert kinds(got)[0] == "speech"
    assert of(got, "final")["intent"]["name"] == "alarm_list" and of(got, "answer")["data"]["count"] >= 1


def test_a_press_while_the_answer_is_spoken_stops_it(server: Server) -> None:
    async def talk() -> tuple[list[Message], list[Message]]:
        async with await connect(server, "barge") as ws:
            await ws.send(json.dumps({"type": "text", "text": "show the active alarms"}))
            got = await receive(ws, lambda m: isinstance(m, bytes))  # the first piece of a long answer
            await ws.send(json.dumps({"type": "press"}))
            after = await receive(ws, lambda m: isinstance(m, dict) and m["type"] == "stopped")
            return got, after + await drain(ws, 4)

    got, after = asyncio.run(talk())
    assert not of(got, "audio")["last"]  # more was to come
    stopped = kinds(after).index("stopped")
    assert "audio" not in kinds(after)[stopped:] and "pcm" not in kinds(after)[stopped:], kinds(after)
    assert kinds(after)[stopped + 1:] == ["speech"]


def test_typed_text_and_the_confirmation_buttons(server: Server) -> None:
    async def talk() -> list[list[Message]]:
        async with await connect(server, "typed", token=True) as ws:
            answers = []
            for message in ({"type": "text", "text": "what is the bearing temperature of feed pump two"},
                            {"type": "text", "text": "acknowledge the alarm on the main transformer"},
                            {"type": "confirm", "yes": False}, {"type": "oops"}):
                await ws.send(json.dumps(message))
                answers.append(await receive(ws, lambda m: isinstance(m, dict) and m["type"] in ("answer", "error")))
            return answers

    reading, asked, dropped, bad = asyncio.run(talk())
    assert of(reading, "final")["transcript"] == "what is the bearing temperature of feed pump two"
    assert of(reading, "answer")["values"][0]["tag"] == "P-102.bearing_temperature"
    assert of(asked, "answer")["awaiting"] == "confirm" and of(asked, "answer")["data"]["alarms"][0]["asset"] == "T1"
    assert of(dropped, "final")["intent"]["name"] == "deny" and of(dropped, "answer")["awaiting"] is None
    assert of(bad, "error")["error"].startswith("message '{\"type\": \"oops\"}' is not understood; send")


def acknowledge_by_rest(server: Server, station: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token_of('desk1')}", "X-Station": station}
    alarms = httpx.get(f"{server.url}/api/alarms", headers=headers, timeout=120).json()["alarms"]
    alarm = next(a for a in alarms if not a["acknowledged"])
    return httpx.post(f"{server.url}/api/alarms/{alarm['id']}/acknowledge", headers=headers, timeout=120).json()


def test_other_screens_of_the_station_see_the_read_back_and_its_yes(server: Server) -> None:
    """A read back asked for at one screen is confirmed at another (or through the REST API); every screen of the
    station sees both answers (``elsewhere``), so none still offers Yes for a write already carried out."""
    alarm = "acknowledge the alarm on the main transformer"

    async def talk() -> tuple[list[Message], list[Message], list[Message], list[Message], dict[str, Any]]:
        async with await connect(server, "pair", token=True) as one, await connect(server, "pair", token=True) as two, \
                await connect(server, "pair-other", token=True) as other:
            await one.send(json.dumps({"type": "text", "text": alarm}))
            asked = await receive(two, lambda m: isinstance(m, dict) and m["type"] == "answer")
            await receive(one, last_audio)  # the read back spoken where it was asked (max_waiting = 1 here)
            await two.send(json.dumps({"type": "confirm", "yes": True}))
            await receive(two, last_audio)
            done = await receive(one, lambda m: isinstance(m, dict) and m["type"] == "answer" and m.get("elsewhere"))
            rest = await asyncio.to_thread(acknowledge_by_rest, server, "pair")
            by_rest = await receive(two, lambda m: isinstance(m, dict) and m["type"] == "answer")
            await one.send(json.dumps({"type": "confirm", "yes": False}))
            return asked, done, by_rest, await drain(other, 2.0), rest

    asked, done, seen, elsewhere, rest = asyncio.run(talk())
    assert of(asked, "answer")["elsewhere"] and of(asked, "answer")["awaiting"] == "confirm"
    assert "pcm" not in kinds(asked)  # shown at the other screen, not spoken there
    assert of(done, "answer")["text"].startswith("Acknowledged") and of(done, "answer")["awaiting"] is None
    assert rest["awaiting"] == "confirm" and of(seen, "answer")["elsewhere"] and of(seen, "answer")["awaiting"] == "confirm"
    assert "answer" not in kinds(elsewhere)  # another station of the same caller sees none of it


def test_busy(server: Server) -> None:
    worker, gate = server.console.worker, threading.Event()
    worker.jobs.put((lambda pipeline: gate.wait(120), lambda result, error: None))
    worker.jobs.put((lambda pipeline: None, lambda result, error: None))  # one waits: max_waiting = 1

    async def talk() -> list[Message]:
        async with await connect(server, "busy") as ws:
            await ws.send(json.dumps({"type": "text", "text": "show the active alarms"}))
            return await receive(ws, lambda m: isinstance(m, dict) and m["type"] == "busy", timeout=30)

    try:
        got = asyncio.run(talk())
    finally:
        gate.set()
    assert got[-1] == {"type": "busy", "error": "the server is busy: the queue for the recognizer is full "
                                                "([serve] max_waiting = 1); try again in a moment"}
