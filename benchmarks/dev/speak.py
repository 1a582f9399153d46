#!/usr/bin/env python3
"""Spoken development set: the intent test sentences in voices neither the samples nor heard.yml use.

    .venv/bin/python benchmarks/dev/speak.py /tmp/devspeech
    .venv/bin/python benchmarks/voice_loop.py --samples /tmp/devspeech --noise 10

Writes WAVs and a ``manifest.jsonl`` in the shape of ``audio_samples/``; settings such as
``audio.denoise`` are chosen on it, never on ``audio_samples/``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.nlu import load_intent_tests  # noqa: E402
from tests.speech import say  # noqa: E402

VOICES = ("en-029", "en-gb-x-rp", "en-us-nyc", "en-gb-x-gbclan", "en-us+m2", "en-gb+f2")
SPEEDS = (140, 155, 170, 185)


def expected_entities(case) -> dict:
    out: dict = {}
    for a in case.entities:
        if a.entity not in ("asset", "measurement") or not a.value:
            continue
        if a.entity == "asset" and "asset" in out:
            out["asset"] = (out["asset"] if isinstance(out["asset"], list) else [out["asset"]]) + [a.value]
        else:
            out.setdefault(a.entity, a.value)
    return out


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, case in enumerate(load_intent_tests(ROOT / "intents" / "en")):
        name = f"{i:03d}_{case.intent}.wav"
        voice, speed = VOICES[i % len(VOICES)], SPEEDS[i % len(SPEEDS)]
        say(case.text, out / name, voice=voice, speed=speed)
        rows.append({"file": name, "transcript": case.text, "intent": case.intent,
                     "entities": expected_entities(case), "voice": voice, "speed": speed, "snr_db": None})
    (out / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} samples to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/devspeech")))
