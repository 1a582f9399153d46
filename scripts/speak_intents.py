#!/usr/bin/env python3
"""Speak the intents' training sentences and keep what the recognizer heard as training data.

Each intent's examples, with entity values filled in (a bounded, deterministic
selection: ``--per-intent``, ``--short-per-intent`` for yes / no / cancel ...),
are spoken twice, by an espeak-ng voice and by the neural voice ``hibari:heart-gb``
(``tests/speech.py``), in voices and speeds that ``audio_samples/`` does not use, some
with white noise, and transcribed by the configured command recognizer
(``Pipeline.transcribe``). espeak-ng is the hard case (whisper mishears it the way a
poor line would); the neural voice gives the slips a recognizer makes on human-like speech.

The voice split: training hears espeak-ng voices and ``hibari:heart-gb`` only; the other
neural voices, ``hibari:heart`` and ``piper:joe``, are held out for ``audio_samples/`` and
the spoken benchmark sets (``benchmarks/speak_set.py``), so those measure speech the
classifier never trained on. The transcripts are written as Rasa NLU YAML to
``intents/en/heard.yml`` (plain examples), and every spoken sentence with its
transcript, voice, speed and noise to ``intents/en/heard.jsonl``.

Deterministic: same data, same voices, same recognizer -> same file.

    .venv/bin/python scripts/speak_intents.py               # about 12 minutes on 2 cores
    .venv/bin/python scripts/speak_intents.py --per-intent 4 --out /tmp/heard.yml
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["SOX_OPTS"] = (os.environ.get("SOX_OPTS", "") + " -R").strip()  # repeatable dither

import numpy as np  # noqa: E402

from assistant import asr  # noqa: E402
from assistant.config import load_config  # noqa: E402
from assistant.nlu import load_intent_tests, load_intents  # noqa: E402
from assistant.nlu.heard import HEARD_FILE, Spoken, keep_heard, speakable, write_nlu  # noqa: E402
from assistant.pipeline import Pipeline  # noqa: E402
from tests.speech import say  # noqa: E402

# Not the voices or speeds of audio_samples/ (en-us, en-gb, en-us+f3, en-gb+m3, en-us+m7,
# en-gb-scotland at 130..190 wpm), so that measure stays held out.
VOICES = ("en-029", "en-gb-x-rp", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-us+m2", "en-gb+f2",
          "en-us+klatt", "en-029+f4", "en-gb-x-rp+m5")
SPEEDS = (138, 152, 168, 182, 198)
NOISE = (None, None, 25.0, 10.0, 15.0)  # every fifth at 25, 15 and 10 dB SNR
# Neural training voice; "hibari:heart" and "piper:joe" are held out (audio_samples/, benchmarks).
NEURAL = ("hibari:heart-gb",)
HELD_OUT = ("hibari:heart", "piper:joe")
assert not set(NEURAL) & set(HELD_OUT), "a held-out voice must not speak training data"


def read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-intent", type=int, default=14, help="sentences spoken per intent")
    ap.add_argument("--short-per-intent", type=int, default=24, help="for intents of short answers")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--from-jsonl", type=Path, metavar="FILE",
                    help="rebuild the YAML from transcripts recorded earlier (heard.jsonl) without speaking")
    ap.add_argument("--out", type=Path, help=f"YAML to write (default: <intents dir>/{HEARD_FILE})")
    args = ap.parse_args(argv)

    config = load_config()
    intents_dir = Path(config.nlu.intents_dir)
    out = args.out or intents_dir / HEARD_FILE
    if args.from_jsonl:
        rows = [json.loads(line) for line in args.from_jsonl.read_text(encoding="utf-8").splitlines() if line]
        spoken = [Spoken(r["intent"], r["text"], r["heard"], r["voice"], r["speed"], r["snr_db"]) for r in rows]
        write(out, spoken, [bool(r.get("no_request")) for r in rows], intents_dir, 0.0)
        return 0
    pipeline = Pipeline.from_config(config)
    lookups = pipeline.plant.model.lookups()
    intents = load_intents(intents_dir)
    plan = speakable(intents, lookups, args.per_intent, args.short_per_intent, args.seed,
                     exclude=[intents_dir / HEARD_FILE, out])
    print(f"{len(plan)} sentences to speak", flush=True)
    spoken: list[Spoken] = []
    dropped: list[bool] = []  # the recognizer's own evidence called it no request
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="plantvoice-speak-") as tmp:
        for i, s in enumerate(plan):
            for voice, speed, noise in readings(i):
                wav = say(s.text, Path(tmp) / f"{i}.wav", voice=voice, speed=speed, pad_s=0.3, noise_db=noise)
                transcript = pipeline.transcribe(read(wav))
                heard = transcript.text.strip()
                spoken.append(Spoken(s.intent, s.text, heard, voice, speed, noise))
                dropped.append(asr.is_no_request(transcript, config.asr))
                wav.unlink()
            if i % 25 == 0:
                print(f"  {i:4d} {time.perf_counter() - started:6.1f}s  {s.text!r} -> {heard!r}", flush=True)
    write(out, spoken, dropped, intents_dir, time.perf_counter() - started)
    return 0


def readings(i: int) -> list[tuple[str, int, float | None]]:
    """Voice, speed and noise of each reading of sentence ``i``: one espeak-ng, one neural (other speed, noise)."""
    espeak = (VOICES[i % len(VOICES)], SPEEDS[i % len(SPEEDS)], NOISE[(i // 2) % len(NOISE)])
    neural = (NEURAL[i % len(NEURAL)], SPEEDS[(i + 2) % len(SPEEDS)], NOISE[(i // 2 + 1) % len(NOISE)])
    return [espeak, neural]


def write(out: Path, spoken: list[Spoken], dropped: list[bool], intents_dir: Path, seconds: float) -> None:
    written = load_intents(intents_dir)
    tests = load_intent_tests(intents_dir, written)  # a test sentence never becomes training data
    written = type(written)(tuple(e for e in written.examples if not e.source.startswith(str(out))) + tests)
    kept = keep_heard(spoken, written)
    header = [
        "Generated by scripts/speak_intents.py - do not edit by hand; re-run the script instead.",
        "What the command recognizer heard when the intents' sentences were spoken by espeak-ng and a neural voice",
        f"({len(spoken)} readings, voices {', '.join(VOICES + NEURAL)};",
        f"speeds {', '.join(map(str, SPEEDS))} wpm; held out for samples and benchmarks: {', '.join(HELD_OUT)};",
        "some with white noise at 25, 15 or 10 dB SNR). Empty transcripts, ones that sound little like the",
        "sentence, written examples and sentences heard for two intents are left out.",
        "Sentences and transcripts: heard.jsonl beside this file.",
    ]
    write_nlu(out, kept, header)
    with out.with_suffix(".jsonl").open("w", encoding="utf-8") as f:
        for s, no_request in zip(spoken, dropped):
            f.write(json.dumps({"intent": s.intent, "text": s.text, "heard": s.heard, "voice": s.voice,
                                "speed": s.speed, "snr_db": s.snr_db, "no_request": no_request}) + "\n")
    total = sum(len(v) for v in kept.values())
    print(f"wrote {out} ({total} examples of {len(kept)} intents) in {seconds:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
