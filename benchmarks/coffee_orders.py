#!/usr/bin/env python3
"""A foreign domain spoken: coffee orders (tests/fixtures/coffee) through faster-whisper and understanding.

Orders are made from the coffee lists (deterministic), spoken in several voices, and
decoded once per bias form (none, prompt, hotwords, both, sentences; the bias is built
from the coffee intents directory as ``Pipeline`` builds it). Each transcript is
understood with snapping on and off. Reported per bias form:

- slot words kept: expected values found in the transcript's words, snapping off;
- orders fully right (every slot value, nothing extra) with snapping off and on;
- recognition seconds per request and understanding milliseconds per request.

    .venv/bin/python benchmarks/coffee_orders.py --out /tmp/coffee
    .venv/bin/python benchmarks/coffee_orders.py --out /tmp/coffee --voices piper:joe,en-us --orders 10

Transcripts land in ``OUT/transcripts.json`` for ``benchmarks/snap_calibrate.py``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.asr import Vocabulary  # noqa: E402
from assistant.asr.whisper import BIAS_MODES, WhisperRecognizer  # noqa: E402
from assistant.audio import load_wav  # noqa: E402
from assistant.config import AsrConfig, NluConfig  # noqa: E402
from assistant.nlu.snap import CUTOFF  # noqa: E402
from assistant.nlu import (create_understander, domain_lookups, load_intents, prompt_names,  # noqa: E402
                           typical_requests, vocabulary)
from tests.speech import say  # noqa: E402

COFFEE = ROOT / "tests" / "fixtures" / "coffee"
VOICES = "hibari:heart,hibari:heart-gb,piper:joe,en-us,en-gb+m3"
TEMPLATES = (
    "can i have a {size} {drink} with {milk} milk",
    "a {size} {roast} {drink} with {sweetener} please",
    "i'd like a {shots} {drink} with {milk} milk",
    "{size} {drink} with {sweetener}",
    "could i get a {size} {shots} {drink}",
    "one {roast} {drink} with {sweetener} and {milk} milk",
)
SLOTS = ("drink", "size", "milk", "sweetener", "roast", "shots")


def orders(count: int, seed: int = 7) -> list[tuple[str, dict[str, str]]]:
    """``count`` orders: (text, {entity: value}), cycling through the templates."""
    lists = {e: sorted(v) for e, v in domain_lookups(load_intents(COFFEE), {}).items()}
    lists["drink"] = [d for d in lists["drink"] if d != "flat whites"]
    rng = random.Random(seed)
    out = []
    for i in range(count):
        template = TEMPLATES[i % len(TEMPLATES)]
        chosen = {e: rng.choice(lists[e]) for e in SLOTS if "{" + e + "}" in template}
        out.append((template.format(**chosen), chosen))
    return out


def speak(out: Path, voices: list[str], count: int) -> list[dict]:
    rows = []
    for i, (text, slots) in enumerate(orders(count)):
        for voice in voices:
            wav = out / f"{i:03d}_{voice.replace(':', '_').replace('+', '_')}.wav"
            if not wav.exists():
                say(text, wav, voice=voice, speed=150 + 10 * (i % 3))
            rows.append({"file": wav.name, "text": text, "slots": slots, "voice": voice})
    return rows


def bias_vocabulary() -> Vocabulary:
    intents = load_intents(COFFEE)
    domain = domain_lookups(intents, {})
    phrases, sentences = vocabulary(intents, domain)
    return Vocabulary(phrases, sentences, typical_requests(intents), prompt_names(domain))


def score(found: dict[str, str], expected: dict[str, str]) -> bool:
    return {e: v for e, v in found.items() if e in SLOTS} == expected


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/coffee"))
    ap.add_argument("--voices", default=VOICES)
    ap.add_argument("--orders", type=int, default=24)
    ap.add_argument("--modes", default=",".join(BIAS_MODES))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = speak(args.out, args.voices.split(","), args.orders)
    nlu = create_understander(NluConfig(models_dir=str(args.out / "models")), {}, COFFEE)
    vocab = bias_vocabulary()
    transcripts: dict[str, dict[str, str]] = {}
    print(f"{len(rows)} requests ({args.orders} orders x {args.voices}); {platform.processor() or platform.machine()}")
    print("bias       kept  full(off)  full(on)  asr s/req  nlu ms/req")
    for mode in args.modes.split(","):
        recognizer = WhisperRecognizer(AsrConfig(), vocab, "command", bias_mode=mode)
        kept = total = full_off = full_on = 0
        asr_s = nlu_s = 0.0
        for row in rows:
            began = time.perf_counter()
            text = recognizer.transcribe(load_wav(args.out / row["file"])).text
            asr_s += time.perf_counter() - began
            transcripts.setdefault(mode, {})[row["file"]] = text
            words = " " + " ".join(text.lower().replace(",", " ").replace(".", " ").split()) + " "
            kept += sum(f" {v} " in words for v in row["slots"].values())
            total += len(row["slots"])
            nlu.extractor.snapper.cutoff = -1.0
            off = nlu.parse(text)
            nlu.extractor.snapper.cutoff = CUTOFF
            began = time.perf_counter()
            on = nlu.parse(text)
            nlu_s += time.perf_counter() - began
            full_off += score({e.entity: e.value for e in off.entities}, row["slots"])
            full_on += score({e.entity: e.value for e in on.entities}, row["slots"])
        n = len(rows)
        print(f"{mode:9} {kept / total:5.1%}  {full_off / n:8.1%}  {full_on / n:8.1%}  {asr_s / n:8.2f}  "
              f"{1000 * nlu_s / n:9.1f}", flush=True)
        (args.out / "transcripts.json").write_text(json.dumps({"rows": rows, "transcripts": transcripts}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
