"""From the end of a spoken request in the console page to the first sound of its answer, in Debian chromium.

    .venv/bin/python benchmarks/console_latency.py                  # one station, then 7 more talking
    .venv/bin/python benchmarks/console_latency.py --others 0 --repeat 2

Each request is spoken into the page's microphone (chromium's fake capture device plays a WAV made at run
time by the neural voices hibari "heart", hibari "heart-gb" and Piper "joe", and by espeak-ng); the space bar
is held until the page has sent the speech and 0.3 s more. The page itself measures from the release to
the moment the first piece of the answer's audio is scheduled to sound (``window.plantvoice.stats.toSound``,
Web Audio's clock, with its 50 ms scheduling margin). With ``--others N`` that many more stations stream
recorded requests over ``WS /api/listen`` at the same time (``serve_load.py``'s stations: two requests each,
then a 10 s pause, over and over).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from serve_load import server_config, spoken_requests, station  # noqa: E402
from serve_server import CHROMIUM, CHROMIUM_ARGS, serving  # noqa: E402
from speech import say  # noqa: E402

PAUSE_S = 10.0  # the other stations' pause between rounds of requests
VOICES = ("hibari:heart", "hibari:heart-gb", "piper:joe", "en-us")
REQUESTS = (  # (text, asset the answer must be about)
    ("what is the bearing temperature of feed pump two", "P-102"),
    ("what's the exhaust temperature on gas turbine one", "GT1"),
    ("what is the oil temperature of the main transformer", "T1"),
    ("how much power is steam turbine one making", "ST1"),
    ("give me the drum level of the boiler", "HRSG1"),
)

def seconds(wav: Path) -> float:
    with wave.open(str(wav)) as w:
        return w.getnframes() / w.getframerate()


def one(playwright: Any, base: str, token: str, wav: Path, pad_s: float) -> dict[str, Any]:
    """One request spoken into a fresh page (the fake microphone plays its file once per browser)."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, timeout=60_000,
                                         args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wav}%noloop"])
    try:
        page = browser.new_page()
        page.add_init_script(f"localStorage.setItem('plantvoice.token', {json.dumps(token)});"
                             "localStorage.setItem('plantvoice.station', 'measured');")
        page.goto(base + "/")
        page.wait_for_function("window.plantvoice && document.body.dataset.connected === 'true'", timeout=60_000)
        page.locator("h1").click()
        page.keyboard.down("Space")  # the microphone opens, and the file starts playing, at the first press
        spoken = int((seconds(wav) - pad_s + 0.3) * 16000)  # released once 0.3 s after the speech has been sent
        page.wait_for_function(f"window.plantvoice.stats.samplesSent >= {spoken}", polling=20, timeout=60_000)
        page.keyboard.up("Space")
        page.wait_for_function("window.plantvoice.stats.toSound.length >= 1 || "
                               "window.plantvoice.answers.length >= 1 && !window.plantvoice.answers.at(-1).text",
                               timeout=120_000)
        stats = page.evaluate("window.plantvoice.stats")
        answers = page.evaluate("window.plantvoice.answers")
        answer = answers[-1] if answers else {}
        return {"to_sound_s": stats["toSound"][0] / 1000 if stats["toSound"] else None,
                "asset": (answer.get("data") or {}).get("asset"), "answer": answer.get("text")}
    finally:
        browser.close()


def busy_stations(base: str, tokens: list[str], stop: threading.Event) -> threading.Thread:
    """Other stations streaming recorded requests without pause until ``stop``."""
    items = spoken_requests()

    async def talk() -> None:
        rows: list[dict[str, Any]] = []
        gate = asyncio.Event()
        gate.set()
        while not stop.is_set():  # each asks two requests, then a pause: a busy control room, not a flood
            await asyncio.gather(*(station(base, token, f"other{n}", items[n % len(items):][:2], gate, rows)
                                   for n, token in enumerate(tokens)), return_exceptions=True)
            await asyncio.sleep(PAUSE_S)

    thread = threading.Thread(target=lambda: asyncio.run(talk()), daemon=True)
    thread.start()
    return thread


def run(others: int, repeat: int, workdir: Path) -> dict[str, Any]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout, sync_playwright

    pad_s = 0.4
    wavs = [(say(text, workdir / f"r{n}-{v.replace(':', '-')}.wav", voice=v, pad_s=pad_s), asset, v)
            for n, (text, asset) in enumerate(REQUESTS) for v in VOICES]
    config, tokens = server_config(workdir, others + 1, max_waiting=max(4, others + 1))
    stop = threading.Event()
    rows = []
    with serving(workdir, config) as (base, _):
        try:
            background = busy_stations(base, tokens[1:], stop) if others else None
            if background:
                time.sleep(5)  # the others are talking
            with sync_playwright() as playwright:
                for _ in range(repeat):
                    for wav, asset, voice in wavs:
                        try:
                            row = one(playwright, base, tokens[0], wav, pad_s)
                        except PlaywrightTimeout:  # no answer in time (busy, or queued too long): counted
                            row = {"to_sound_s": None, "asset": None, "answer": None}
                        rows.append({**row, "voice": voice, "file": wav.name, "right_asset": row["asset"] == asset})
        finally:
            stop.set()
    heard = sorted(r["to_sound_s"] for r in rows if r["to_sound_s"] is not None)

    def pct(q: float) -> float | None:
        return round(heard[min(len(heard) - 1, int(q * len(heard)))], 3) if heard else None
    return {"others": others, "requests": len(rows), "answered_aloud": len(heard),
            "right_asset": sum(r["right_asset"] for r in rows),
            "wrong_asset": sum(r["asset"] not in (None, a) for r, (_, a, _) in zip(rows, wavs * repeat)), "p50_s": pct(0.5), "p95_s": pct(0.95),
            "max_s": round(heard[-1], 3) if heard else None,
            "mean_s": round(statistics.fmean(heard), 3) if heard else None, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--others", type=int, nargs="+", default=[0, 7], help="other stations talking (default 0 7)")
    parser.add_argument("--repeat", type=int, default=1, help="times each of the 20 requests is spoken (default 1)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    results = []
    for others in args.others:
        with tempfile.TemporaryDirectory(prefix="plantvoice-console-") as tmp:
            results.append(run(others, args.repeat, Path(tmp)))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    print("| stations | requests | answered aloud | right asset / another asset | release to first sound p50 / p95 / max s |")
    for r in results:
        print(f"| {r['others'] + 1} | {r['requests']} | {r['answered_aloud']} | {r['right_asset']} / {r['wrong_asset']} | "
              f"{r['p50_s']} / {r['p95_s']} / {r['max_s']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
