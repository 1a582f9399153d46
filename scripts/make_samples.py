#!/usr/bin/env python3
"""Write the spoken control-room requests in ``audio_samples/``.

Each request is spoken by espeak-ng (through ``tests/speech.py``) in one of
several voices and speeds; some get white noise at 20 or 10 dB SNR. The first
request of every intent is spoken once more by a held-out neural voice,
``hibari:heart`` or ``piper:joe`` in turn, which whisper hears about as well as
a person (espeak-ng stays as the hard case). No training data is spoken in these
voices: ``scripts/speak_intents.py`` uses other espeak-ng voices and ``hibari:heart-gb``. The result
is a set of 16 kHz mono 16-bit WAVs and ``audio_samples/manifest.jsonl`` with
one line per file: the exact text spoken, the intent and entities a correct
understanding yields, and how the audio was made.

Deterministic: the same list gives the same files, so re-running changes
nothing in git (sox dithers repeatably, hibari is seeded from the text, Piper
runs without noise: ``tests/speech.py``).

    .venv/bin/python scripts/make_samples.py            # write everything
    .venv/bin/python scripts/make_samples.py --list     # print the plan only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# sox dithers with a fresh random seed each run unless told to be repeatable.
os.environ["SOX_OPTS"] = (os.environ.get("SOX_OPTS", "") + " -R").strip()

from tests.speech import say  # noqa: E402

OUT = ROOT / "audio_samples"

VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb+m3", "en-us+m7", "en-gb-scotland")
SPEEDS = (130, 145, 160, 175, 190)
PAD_S = 0.3

# (transcript, intent, entities). Entities use asset ids and measurement keys;
# "asset" is a list when a request names several assets.
REQUESTS: list[tuple[str, str, dict]] = [
    # sensor readings
    ("what is the bearing temperature of feed pump two", "sensor_reading",
     {"asset": "P-102", "measurement": "bearing_temperature"}),
    ("what's the exhaust temperature on gas turbine one", "sensor_reading",
     {"asset": "GT1", "measurement": "exhaust_temperature"}),
    ("give me the drum level of the boiler", "sensor_reading",
     {"asset": "HRSG1", "measurement": "drum_level"}),
    ("how much power is steam turbine one making", "sensor_reading",
     {"asset": "ST1", "measurement": "power"}),
    ("what is the oil temperature of the main transformer", "sensor_reading",
     {"asset": "T1", "measurement": "oil_temperature"}),
    ("what is the state of charge of the battery", "sensor_reading",
     {"asset": "BESS1", "measurement": "state_of_charge"}),
    ("discharge pressure on P one oh one", "sensor_reading",
     {"asset": "P-101", "measurement": "discharge_pressure"}),
    ("what's the methane content of the biogas engine", "sensor_reading",
     {"asset": "CHP1", "measurement": "methane_content"}),
    ("read me the current on feeder three", "sensor_reading",
     {"asset": "F3", "measurement": "current"}),
    ("what position is the cooling water valve at", "sensor_reading",
     {"asset": "V-301", "measurement": "position"}),
    ("tell me the winding temperature of generator one", "sensor_reading",
     {"asset": "G1", "measurement": "winding_temperature"}),
    ("what's the flow through cooling water pump one", "sensor_reading",
     {"asset": "P-201", "measurement": "flow"}),
    # asset status
    ("how is gas turbine one doing", "asset_status", {"asset": "GT1"}),
    ("status of cooling water pump two", "asset_status", {"asset": "P-202"}),
    ("is the cooling tower running okay", "asset_status", {"asset": "CT1"}),
    ("give me the status of generator one", "asset_status", {"asset": "G1"}),
    ("how is the CHP running", "asset_status", {"asset": "CHP1"}),
    # alarms
    ("show me the active alarms", "alarm_list", {}),
    ("are there any high priority alarms", "alarm_list", {"priority": "high"}),
    ("what alarms are on the steam turbine", "alarm_list", {"asset": "ST1"}),
    ("any alarms on feeder two", "alarm_list", {"asset": "F2"}),
    ("acknowledge the alarm on the transformer", "alarm_acknowledge", {"asset": "T1"}),
    ("acknowledge the feed pump one alarm", "alarm_acknowledge", {"asset": "P-101"}),
    # predictions
    ("any predicted faults on gas turbine one", "fault_prediction", {"asset": "GT1"}),
    ("is cooling water pump one likely to fail", "fault_prediction", {"asset": "P-201"}),
    ("do you expect any problems with the transformer", "fault_prediction", {"asset": "T1"}),
    ("predict faults for the battery storage", "fault_prediction", {"asset": "BESS1"}),
    ("how long until the generator needs maintenance", "remaining_life", {"asset": "G1"}),
    ("what is the remaining useful life of feed pump two", "remaining_life", {"asset": "P-102"}),
    # trends, explanations, advice, history
    ("show me the steam pressure trend of the boiler over the last hour", "trend",
     {"asset": "HRSG1", "measurement": "steam_pressure", "time_range": "last hour"}),
    ("how has the vibration of steam turbine one changed today", "trend",
     {"asset": "ST1", "measurement": "vibration", "time_range": "today"}),
    ("why is the bearing temperature of feed pump one high", "explain",
     {"asset": "P-101", "measurement": "bearing_temperature"}),
    ("explain the alarm on the cooling tower", "explain", {"asset": "CT1"}),
    ("what should I do about the vibration on gas turbine one", "recommend_action",
     {"asset": "GT1", "measurement": "vibration"}),
    ("what do you recommend for cooling water pump two", "recommend_action", {"asset": "P-202"}),
    ("when was feed pump one last serviced", "maintenance_history", {"asset": "P-101"}),
    # notes and reports
    ("take a note the cooling water valve is leaking slightly", "note_add",
     {"note_text": "the cooling water valve is leaking slightly"}),
    ("make a note feed pump two sounds noisy", "note_add",
     {"note_text": "feed pump two sounds noisy"}),
    ("read me today's notes", "note_read", {"time_range": "today"}),
    ("start the shift report", "report_start", {}),
    # comparison and overview
    ("compare the vibration of feed pump one and feed pump two", "compare",
     {"asset": ["P-101", "P-102"], "measurement": "vibration"}),
    ("compare the load on transformer one and feeder one", "compare",
     {"asset": ["T1", "F1"], "measurement": "load"}),
    ("give me an overview of the plant", "plant_overview", {}),
    ("how is the plant doing", "plant_overview", {}),
    # dialogue control
    ("what can you do", "help", {}),
    ("cancel", "cancel", {}),
    ("yes", "confirm", {}),
    ("no", "deny", {}),
    ("say that again", "repeat", {}),
    # speech not meant for the assistant
    ("did you see the match last night", "out_of_scope", {}),
    ("can you pass me the coffee", "out_of_scope", {}),
    ("I'll be back after lunch", "out_of_scope", {}),
    ("my car is making a strange noise again", "out_of_scope", {}),
    ("hey Mike is the canteen open yet", "out_of_scope", {}),
    # longer notes, corrections (added last, so the files above keep their numbers and voices)
    ("start dictation", "dictation_start", {}),
    ("correct note three to the pump was restarted at six", "note_correct", {"number": "3"}),
    ("withdraw note number two", "note_withdraw", {"number": "2"}),
]

# Indices of requests that get noise, and at what SNR (dB).
NOISY = {3: 20, 9: 10, 14: 20, 19: 10, 24: 20, 31: 10, 41: 20, 49: 10}

# Held out from all training data (scripts/speak_intents.py); they speak the first request of each intent.
NEURAL_VOICES = ("hibari:heart", "piper:joe")
NEURAL_NOISY = {4: 20, 9: 10, 15: 20, 20: 10}  # indices into the neural samples


def plan() -> list[dict]:
    """The espeak-ng samples in REQUESTS order, then the neural ones (numbers and voices never shift)."""
    rows = []
    for i, (text, intent, entities) in enumerate(REQUESTS):
        voice = VOICES[i % len(VOICES)]
        speed = SPEEDS[(i * 2 + i // len(VOICES)) % len(SPEEDS)]
        rows.append(_row(len(rows), text, intent, entities, voice, speed, NOISY.get(i)))
    firsts = list({intent: (text, intent, entities) for text, intent, entities in reversed(REQUESTS)}.values())
    for j, (text, intent, entities) in enumerate(sorted(firsts, key=REQUESTS.index)):
        voice = NEURAL_VOICES[j % len(NEURAL_VOICES)]
        rows.append(_row(len(rows), text, intent, entities, voice, SPEEDS[j % len(SPEEDS)], NEURAL_NOISY.get(j)))
    return rows


def _row(i: int, text: str, intent: str, entities: dict, voice: str, speed: int, snr_db: int | None) -> dict:
    tag = voice.replace("+", "-").replace(":", "-")
    return {"file": f"{i + 1:03d}_{intent}_{tag}.wav", "transcript": text, "intent": intent, "entities": entities,
            "voice": voice, "speed": speed, "snr_db": snr_db}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--list", action="store_true", help="print the plan and write nothing")
    args = ap.parse_args(argv)

    rows = plan()
    if args.list:
        for r in rows:
            print(f"{r['file']:44s} {r['speed']:3d} {str(r['snr_db']):>4s}  {r['transcript']}")
        return 0

    args.out.mkdir(parents=True, exist_ok=True)
    keep = {r["file"] for r in rows}
    for old in args.out.glob("*.wav"):
        if old.name not in keep:
            old.unlink()
    total = 0.0
    for r in rows:
        path = args.out / r["file"]
        say(r["transcript"], path, voice=r["voice"], speed=r["speed"], pad_s=PAD_S,
            noise_db=r["snr_db"])
        with wave.open(str(path)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2), path
            r["duration_s"] = round(w.getnframes() / w.getframerate(), 3)
        total += r["duration_s"]
    with open(args.out / "manifest.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    intents = {r["intent"] for r in rows}
    print(f"{len(rows)} samples, {total:.1f} s of audio, {len(intents)} intents -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
