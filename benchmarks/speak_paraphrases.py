#!/usr/bin/env python3
"""The held-out paraphrases spoken in voices no training data uses (report only, never tune on it).

    .venv/bin/python benchmarks/speak_paraphrases.py /tmp/paraspeech [--every 2]
    .venv/bin/python benchmarks/snap_voice.py /tmp/paraspeech --noise 10

Voices rotate: the neural ``piper:joe`` and ``hibari:heart`` (held out from ``intents/en/heard.yml``,
see scripts/speak_intents.py) and espeak-ng voices of ``audio_samples/`` that training never hears.
Writes WAVs and a ``manifest.jsonl`` in the shape of ``audio_samples/``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "dev"))

from speak import expected_entities  # noqa: E402

from assistant.nlu import load_intent_tests, load_intents  # noqa: E402
from tests.speech import say  # noqa: E402

VOICES = ("piper:joe", "hibari:heart", "en-us+m7", "piper:joe", "hibari:heart", "en-gb-scotland")
SPEEDS = (150, 165, 180)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--every", type=int, default=1, help="only every Nth sentence")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    folder = ROOT / "benchmarks" / "paraphrases"
    cases = load_intent_tests(folder, load_intents(ROOT / "intents" / "en"))[:: args.every]
    rows = []
    for i, case in enumerate(cases):
        name = f"{i:03d}_{case.intent}.wav"
        voice, speed = VOICES[i % len(VOICES)], SPEEDS[i % len(SPEEDS)]
        if not (args.out / name).exists():
            say(case.text, args.out / name, voice=voice, speed=speed)
        rows.append({"file": name, "transcript": case.text, "intent": case.intent,
                     "entities": expected_entities(case), "voice": voice, "speed": speed, "snr_db": None})
    (args.out / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} samples to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
