"""Stations speaking to one `plantvoice serve` at once, on loopback, bounded in count and time.

    .venv/bin/python benchmarks/serve_load.py                 # 1 station, then 8
    .venv/bin/python benchmarks/serve_load.py --stations 1 4 8 --requests 3

Each station is a WebSocket client on ``/api/listen`` that streams recorded requests from
``audio_samples/`` in real time (30 ms frames, push-to-talk press and release, as the page does) and
measures from the release (the end of speech) to the transcript, the answer text and the first frame of
the spoken answer. Then every station asks, typed, to acknowledge an alarm and confirms with the button
message; every confirmed acknowledgement must be carried out (the server's alarm list and audit say so) and
no alarm may be acknowledged without one. Busy answers (503 / ``busy``) are counted, not retried.

The server runs as its own process (``plantvoice serve``) with a fresh data directory; its queue limit is
``[serve] max_waiting`` (``--max-waiting``). Results are printed as JSON and as the rows of RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import hashlib
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "audio_samples"
sys.path.insert(0, str(ROOT / "tests"))

from serve_server import serving  # noqa: E402
FRAME_S = 0.03
TIMEOUT_S = 120.0  # one request, end to end; the whole run is bounded by stations x requests x this


def spoken_requests() -> list[dict[str, Any]]:
    """Recorded read-only requests about one asset (no writes: those are the typed phase)."""
    items = [json.loads(line) for line in (SAMPLES / "manifest.jsonl").read_text().splitlines() if line.strip()]
    reads = {"sensor_reading", "asset_status", "fault_prediction", "remaining_life", "trend"}
    return [i for i in items if i.get("intent") in reads and (i.get("entities") or {}).get("asset")]


def pcm(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        return w.readframes(w.getnframes())


def server_config(workdir: Path, stations: int, max_waiting: int) -> tuple[str, list[str]]:
    """The config of a server with one operator token per station, and the tokens."""
    tokens = [secrets.token_urlsafe(24) for _ in range(stations)]
    lines = [f'data_dir = "{workdir / "data"}"', "[serve]", f"max_waiting = {max_waiting}"]
    for n, token in enumerate(tokens):
        lines += [f"[serve.tokens.desk{n}]", f'sha256 = "{hashlib.sha256(token.encode()).hexdigest()}"',
                  'role = "operator"']
    return "\n".join(lines) + "\n", tokens


async def messages_until(ws: Any, wanted: str, got: dict[str, float], start: float) -> dict[str, Any]:
    """Read server frames, noting when each kind first came, until a ``wanted`` message (or busy/error)."""
    last: dict[str, Any] = {}
    while True:
        frame = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        if isinstance(frame, bytes):
            got.setdefault("audio_bytes", time.perf_counter() - start)
            continue
        message = json.loads(frame)
        kind = message.get("type", "")
        got.setdefault(kind, time.perf_counter() - start)
        if kind in ("final", "answer"):
            last[kind] = message
        if kind in (wanted, "busy", "error"):
            last["end"] = message
            return last


async def station(base: str, token: str, name: str, items: list[dict[str, Any]], start_gate: asyncio.Event,
                  rows: list[dict[str, Any]]) -> None:
    url = base.replace("http", "ws") + f"/api/listen?token={token}&station={name}"
    async with connect(url, max_size=None) as ws:
        await asyncio.wait_for(ws.recv(), TIMEOUT_S)  # ready
        await start_gate.wait()
        for item in items:
            audio = pcm(SAMPLES / item["file"])
            step = int(16000 * FRAME_S) * 2
            await ws.send(json.dumps({"type": "press"}))
            t0 = time.perf_counter()
            for n, offset in enumerate(range(0, len(audio), step)):
                await ws.send(audio[offset:offset + step])
                await asyncio.sleep(max(0.0, t0 + (n + 1) * FRAME_S - time.perf_counter()))
            await ws.send(json.dumps({"type": "release"}))
            released = time.perf_counter()
            got: dict[str, float] = {}
            try:
                last = await messages_until(ws, "audio", got, released)
                if last["end"].get("type") == "audio":  # the first audio header; wait for the last piece
                    while not last["end"].get("last"):
                        last.update(await messages_until(ws, "audio", got, released))
                    await asyncio.wait_for(ws.recv(), TIMEOUT_S)  # the last piece's PCM
            except asyncio.TimeoutError:
                last = {"end": {"type": "timeout"}}
            answer = last.get("answer", {})
            rows.append({"station": name, "file": item["file"], "end": last["end"].get("type"),
                         "final_s": got.get("final"), "answer_s": got.get("answer"),
                         "first_audio_s": got.get("audio_bytes"),
                         "asset": (answer.get("data") or {}).get("asset"), "expected": item["entities"]["asset"],
                         "right_asset": (answer.get("data") or {}).get("asset") == item["entities"]["asset"],
                         "work_s": (last.get("final") or {}).get("latency_s")})  # understanding on the worker


async def writes(base: str, token: str, name: str) -> dict[str, Any]:
    """Typed acknowledge request, then the Yes button: was it carried out?"""
    url = base.replace("http", "ws") + f"/api/listen?token={token}&station={name}"
    async with connect(url, max_size=None) as ws:
        await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        async def reply() -> dict[str, Any]:
            while True:
                frame = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
                if isinstance(frame, str) and json.loads(frame).get("type") in ("answer", "busy", "error"):
                    return json.loads(frame)
        await ws.send(json.dumps({"type": "text", "text": "acknowledge the alarms"}))
        asked = await reply()
        if asked.get("type") != "answer" or asked.get("awaiting") != "confirm":
            return {"station": name, "asked": asked.get("type"), "awaiting": asked.get("awaiting"), "done": False}
        await ws.send(json.dumps({"type": "confirm", "yes": True}))
        done = await reply()
        return {"station": name, "asked": "answer", "awaiting": "confirm", "confirm": done.get("type"),
                "done": done.get("type") == "answer", "answer": done.get("text")}


def pct(values: list[float], q: float) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))], 3)


async def run(stations: int, requests: int, max_waiting: int) -> dict[str, Any]:
    items = spoken_requests()
    with tempfile.TemporaryDirectory(prefix="plantvoice-load-") as tmp:
        config, tokens = server_config(Path(tmp), stations, max_waiting)
        with serving(Path(tmp), config) as (base, _):
            rows: list[dict[str, Any]] = []
            gate = asyncio.Event()
            plans = [[items[(s * requests + k) % len(items)] for k in range(requests)] for s in range(stations)]
            tasks = [asyncio.create_task(station(base, tokens[s], f"desk{s}", plans[s], gate, rows))
                     for s in range(stations)]
            await asyncio.sleep(1.0)
            started = time.perf_counter()
            gate.set()
            await asyncio.gather(*tasks)
            spoken_s = time.perf_counter() - started
            before = httpx.get(f"{base}/api/alarms", headers={"Authorization": f"Bearer {tokens[0]}"},
                               timeout=30).json()
            acks = await asyncio.gather(*(writes(base, tokens[s], f"desk{s}") for s in range(stations)))
            audit = httpx.get(f"{base}/api/audit", headers={"Authorization": f"Bearer {tokens[0]}"},
                              timeout=30).json()
    answered = [r for r in rows if r["end"] == "audio"]
    return {
        "stations": stations, "requests": len(rows), "answered": len(answered),
        "busy": sum(r["end"] == "busy" for r in rows), "errors": sum(r["end"] in ("error", "timeout") for r in rows),
        "right_asset": sum(r["right_asset"] for r in answered),
        "wrong_asset": sum(r["asset"] not in (None, r["expected"]) for r in answered),  # another asset answered for
        "final_p50": pct([r["final_s"] for r in answered], 0.5), "final_p95": pct([r["final_s"] for r in answered], 0.95),
        "first_audio_p50": pct([r["first_audio_s"] for r in answered], 0.5),
        "first_audio_p95": pct([r["first_audio_s"] for r in answered], 0.95),
        "work_p50": pct([r["work_s"] for r in answered], 0.5), "work_p95": pct([r["work_s"] for r in answered], 0.95),
        "waited_p95": pct([r["final_s"] - r["work_s"] for r in answered if r["work_s"] is not None], 0.95),
        "wall_s": round(spoken_s, 1),
        "writes": acks, "active_alarms_before": len(before.get("alarms", before) if isinstance(before, dict) else before),
        "audit_entries": audit.get("count") if isinstance(audit, dict) else None,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--requests", type=int, default=3, help="spoken requests per station (default 3)")
    parser.add_argument("--max-waiting", type=int, default=4)
    parser.add_argument("--out", type=Path, help="write the JSON here too")
    args = parser.parse_args(argv)
    results = [asyncio.run(run(n, args.requests, args.max_waiting)) for n in args.stations]
    text = json.dumps(results, indent=1)
    if args.out:
        args.out.write_text(text)
    print(text)
    print("| stations | requests | answered | busy (503) | right asset / another asset | transcript p50 / p95 s | first audio p50 / p95 s |"
          " understanding p50 / p95 s | waited for the worker p95 s | acknowledged after yes |")
    for r in results:
        done = sum(w["done"] for w in r["writes"])
        print(f"| {r['stations']} | {r['requests']} | {r['answered']} | {r['busy']} | {r['right_asset']} / {r['wrong_asset']} | "
              f"{r['final_p50']} / {r['final_p95']} | {r['first_audio_p50']} / {r['first_audio_p95']} | "
              f"{r['work_p50']} / {r['work_p95']} | {r['waited_p95']} | {done} of {len(r['writes'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
