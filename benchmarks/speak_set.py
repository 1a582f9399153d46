#!/usr/bin/env python3
"""Speak a labelled set of requests (Rasa NLU YAML) into WAVs and a manifest for speech benchmarks.

Every example of the set is spoken in every ``--voice`` and every condition (clean and each
``--noise`` SNR in dB) by ``tests/speech.py``, and ``<out>/manifest.jsonl`` gets one line a file:

    {"audio": "/abs/path/0003_sensor_reading_piper-joe_clean.wav", "intent": "sensor_reading",
     "slots": {"asset": "P-102", "measurement": "bearing_temperature"},
     "transcript": "what is the bearing temperature of feed pump two", "voice": "piper:joe",
     "speed": 160, "snr_db": null}

``slots``: each annotated entity's value (its words when it has none, as ``time_range``); a
name given twice (two assets to compare) holds a list. ``audio`` is absolute, so the manifest
works from any directory. Read by ``plantvoice bench speech --intents DIR --manifest FILE``.

Voices: by default the held-out neural voices ``hibari:heart`` and ``piper:joe``, which no
training data is spoken in (``scripts/speak_intents.py`` uses espeak-ng voices and
``hibari:heart-gb``); add espeak-ng voices (``--voice en-us``) for the hard case. Output goes
outside the repository (a /tmp or data directory). Deterministic: same set, same files.

    .venv/bin/python benchmarks/speak_set.py benchmarks/paraphrases/en.yml /tmp/paraphrases-speech
    .venv/bin/python benchmarks/speak_set.py benchmarks/dev/en.yml /tmp/dev-speech --voice piper:joe \\
        --voice en-us --noise 10 --limit 40
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["SOX_OPTS"] = (os.environ.get("SOX_OPTS", "") + " -R").strip()  # repeatable dither

from assistant.errors import InputError, PlantvoiceError  # noqa: E402
from assistant.nlu import load_intents  # noqa: E402
from assistant.nlu.data import Example  # noqa: E402
from tests.speech import NORMAL_WPM, say  # noqa: E402

VOICES = ("hibari:heart", "piper:joe")  # held out: never speak training data
TRAINING_VOICES = ("hibari:heart-gb",)  # scripts/speak_intents.py speaks heard.yml with it


def load_set(path: Path) -> tuple[Example, ...]:
    """The examples of one Rasa NLU YAML file (other files beside it, such as notes.yml, are not read)."""
    if not path.is_file():
        raise InputError(f"{path}: set not found; pass a Rasa NLU YAML file such as benchmarks/paraphrases/en.yml")
    with tempfile.TemporaryDirectory(prefix="plantvoice-set-") as tmp:
        (Path(tmp) / path.name).symlink_to(path.resolve())
        return load_intents(tmp).examples


def slots(example: Example) -> dict[str, Any]:
    """Entity name -> value (the annotated words when the value is not given); a repeated name -> a list."""
    out: dict[str, Any] = {}
    for a in example.entities:
        value = a.value if a.value else a.text
        if a.entity in out:
            out[a.entity] = (out[a.entity] if isinstance(out[a.entity], list) else [out[a.entity]]) + [value]
        else:
            out[a.entity] = value
    return out


def file_name(i: int, example: Example, voice: str, snr_db: float | None) -> str:
    tag = voice.replace(":", "-").replace("+", "-")
    return f"{i:04d}_{example.intent}_{tag}_{'clean' if snr_db is None else f'{snr_db:g}db'}.wav"


def speak_set(examples: tuple[Example, ...], out: Path, voices: list[str], noises: list[float | None],
              speed: int = NORMAL_WPM) -> list[dict[str, Any]]:
    """Speak every example in every voice and condition into ``out``; return the manifest rows."""
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, example in enumerate(examples):
        for voice in voices:
            for snr_db in noises:
                path = say(example.text, out / file_name(i, example, voice, snr_db), voice=voice, speed=speed,
                           pad_s=0.3, noise_db=snr_db)
                rows.append({"audio": str(path.resolve()), "intent": example.intent, "slots": slots(example),
                             "transcript": example.text, "voice": voice, "speed": speed, "snr_db": snr_db})
    manifest = out / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("set", type=Path, help="Rasa NLU YAML of labelled requests (benchmarks/paraphrases/en.yml)")
    ap.add_argument("out", type=Path, help="directory for the WAVs and manifest.jsonl (outside the repository)")
    ap.add_argument("--voice", action="append", metavar="VOICE",
                    help=f"espeak-ng or neural voice; repeat (default: {', '.join(VOICES)})")
    ap.add_argument("--noise", action="append", type=float, metavar="DB", help="also at this SNR in dB; repeat")
    ap.add_argument("--no-clean", action="store_true", help="leave out the clean condition")
    ap.add_argument("--speed", type=int, default=NORMAL_WPM, help="words per minute (160 = each voice's own pace)")
    ap.add_argument("--limit", type=int, metavar="N", help="only the first N examples")
    args = ap.parse_args(argv)
    voices = args.voice or list(VOICES)
    if used := sorted(set(voices) & set(TRAINING_VOICES)):
        print(f"note: {', '.join(used)} also speaks the training data (heard.yml); it does not measure held-out "
              "speech", file=sys.stderr)
    noises: list[float | None] = ([] if args.no_clean else [None]) + list(args.noise or [])
    try:
        examples = load_set(args.set)[: args.limit]
    except PlantvoiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = speak_set(examples, args.out, voices, noises, args.speed)
    print(f"{len(rows)} recordings of {len(examples)} requests ({', '.join(voices)}) -> {args.out / 'manifest.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
