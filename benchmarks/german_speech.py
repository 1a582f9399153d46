#!/usr/bin/env python3
"""German speech benchmark: spoken German requests and dictated notes through whisper and the German understander.

Requests: every request of ``benchmarks/german_requests.yml`` (74 over the 24 German intents, each
labelled with its intent and asset ids, and 16 out-of-scope remarks) is spoken in one voice, the
voices taking turns (``--every-voice``: in each voice), clean and with white noise at 10 dB SNR
(``assistant.speech_bench.mix``), recognized by faster-whisper
(int8, 2 threads, language forced to German, beam 5, temperature 0, the token cap of command mode)
prompted with the German "sentences" bias (``build_sentence_prompt`` over the vocabulary the
assistant builds from intents/de and the plant's German names), and understood by the German
understander (intents/de, encoder use-multilingual; trained once, then cached in models/).
Reported per model, voice and condition:

- intent + asset: the intent is right and every labelled asset was found (a request naming two
  assets needs both); intent alone beside it;
- out-of-scope rejected: out-of-scope remarks understood as out_of_scope;
- recognition latency p50 / p95: seconds from the whole audio to the transcript.

Dictation: every note of ``benchmarks/german_dictation_notes.yml`` (22 notes of 15-25 words) in
one voice (voices taking turns, or each voice), clean and at 20 dB, recognized as the assistant's
dictation mode does (no prompt, as ``[languages.de] dictation_prompt = "none"``; ``--names-prompt``: the
assets' German names; conditioned on previous text, word
timestamps); word error rate with numbers
compared by value (``assistant.lang.de.numbers.normalize``: "85" = "fünfundachtzig"), and latency.

Voices: espeak-ng de (150 words per minute), de+m3 (175), de+f2 (130); SVOX Pico de-DE (its own
pace; installed by scripts/voice-pico.sh, left out where pico2wave is missing); MBROLA de6 through
espeak-ng (mb-de6) where it is installed. Audio: the voice -> 16 kHz mono -> 0.3 s of a low noise
floor (-50 dBFS) before and after; the noise is seeded, so runs compare.

Models: the bundled whisper models by name (``assistant.asr.models.bundled``); one that is not
bundled or cannot be assembled is reported as such and skipped.

    nice .venv/bin/python benchmarks/german_speech.py --json /tmp/german.json
    .venv/bin/python benchmarks/german_speech.py --limit 6 --voice de --voice pico --no-dictation
    nice .venv/bin/python benchmarks/german_speech.py --voice pico --every-voice --no-dictation
    nice .venv/bin/python benchmarks/german_speech.py --no-prompt --clean-only --no-dictation
    .venv/bin/python benchmarks/german_speech.py --write-samples audio_samples/de
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import nlu  # noqa: E402  (before assistant.lang.de, which it imports)
from assistant.asr import Vocabulary  # noqa: E402
from assistant.asr.models import bundled  # noqa: E402
from assistant.asr.whisper import (END_S, LONG_AUDIO_S, MIN_TOKENS, TOKENS_PER_S,  # noqa: E402
                                   build_dictation_prompt, build_sentence_prompt)
from assistant.audio import load_wav  # noqa: E402
from assistant.config import NluConfig, TtsConfig  # noqa: E402
from assistant.errors import PlantvoiceError  # noqa: E402
from assistant.events import OUT_OF_SCOPE  # noqa: E402
from assistant.lang.de.numbers import normalize as normalize_de  # noqa: E402
from assistant.plant import load_model  # noqa: E402
from assistant.speech_bench import mix  # noqa: E402
from assistant.tts import EspeakSynthesizer, PicoSynthesizer  # noqa: E402

GERMAN = ROOT / "intents" / "de"
REQUESTS = Path(__file__).resolve().parent / "german_requests.yml"
NOTES = Path(__file__).resolve().parent / "german_dictation_notes.yml"
RATE = 16000
PAD_S = 0.3
FLOOR = 0.003  # the clean condition's noise floor, fraction of full scale (about -50 dBFS)
VOICES = {"de": 150, "de+m3": 175, "de+f2": 130, "pico": 150, "mb-de6": 150}  # voice: words per minute
MODELS = ("base", "small")
REQUEST_SNR, DICTATION_SNR = 10.0, 20.0
BEAM = 5


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Request:
    text: str
    intent: str
    assets: tuple[str, ...] = ()


def load_requests(path: Path = REQUESTS) -> list[Request]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for row in data["requests"]:
        asset = row.get("asset") or ()
        out.append(Request(row["text"], row["intent"], tuple([asset] if isinstance(asset, str) else asset)))
    return out + [Request(text, OUT_OF_SCOPE) for text in data["out_of_scope"]]


def load_notes(path: Path = NOTES) -> list[dict[str, str]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["notes"])


# ---------------------------------------------------------------- voices


def available(voice: str) -> bool:
    """Pico where pico2wave is; MBROLA de6 where espeak-ng can speak with it; espeak-ng's own voices always."""
    if voice == "pico":
        return shutil.which("pico2wave") is not None
    if voice.startswith("mb-"):
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(["espeak-ng", "-v", voice, "-w", f"{tmp}/t.wav", "Test"], capture_output=True)
            return done.returncode == 0 and Path(f"{tmp}/t.wav").stat().st_size > 1000
    return True


def speak(text: str, voice: str, rate: int, work: Path) -> np.ndarray:
    """``text`` in ``voice`` as 16 kHz int16 samples with PAD_S of the noise floor before and after."""
    path = work / f"{zlib.crc32(f'{voice}|{rate}|{text}'.encode()):08x}.wav"
    if not path.exists():
        if voice == "pico":
            PicoSynthesizer(TtsConfig(backend="pico", voice="de-DE", rate=rate)).synthesize(text, path)
        else:
            EspeakSynthesizer(TtsConfig(backend="espeak-ng", voice=voice, rate=rate)).synthesize(text, path)
    speech = load_wav(path, RATE)
    pad = np.zeros(int(PAD_S * RATE), dtype=np.int16)
    samples = np.concatenate([pad, speech, pad]).astype(np.float64)
    rng = np.random.default_rng(zlib.crc32(path.name.encode()))
    samples += rng.standard_normal(len(samples)) * FLOOR * 32767
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16)


# ---------------------------------------------------------------- recognition and understanding


class German:
    """The German vocabulary, understander and prompts, as the assistant builds them from intents/de."""

    def __init__(self) -> None:
        intents = nlu.load_intents(GERMAN)
        lookups = nlu.data.own_lookups(intents, load_model(ROOT / "plant" / "demo_plant.yaml").lookups())
        config = NluConfig(intents_dir=str(GERMAN), encoder="use-multilingual")
        started = time.perf_counter()
        self.understander = nlu.create_understander(config, lookups, GERMAN)
        self.nlu_load_s = time.perf_counter() - started
        domain = nlu.domain_lookups(intents, lookups)
        phrases, sentences = nlu.vocabulary(intents, domain)
        self.vocabulary = Vocabulary(phrases, sentences, nlu.typical_requests(intents), nlu.prompt_names(domain))


class Whisper:
    """A bundled whisper model deciding as the assistant's command and dictation modes do, in German."""

    def __init__(self, name: str, german: German, threads: int = 2, prompt: bool = True,
                 names_prompt: bool = False) -> None:
        from faster_whisper import WhisperModel

        path = bundled(name)
        if path is None:
            raise PlantvoiceError(f"{name} is not a bundled whisper model")
        self.name = name
        self.model = WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads)
        self.command_prompt = build_sentence_prompt(german.vocabulary, self._count) if prompt else ""
        # German dictation has no prompt ([languages.de] dictation_prompt = "none"); --names-prompt: the assets' names
        self.dictation_prompt = build_dictation_prompt(german.vocabulary, self._count) if names_prompt else ""
        self.command(np.zeros(RATE, dtype=np.int16))  # warm up, untimed

    def _count(self, text: str) -> int:
        return len(self.model.hf_tokenizer.encode(" " + text, add_special_tokens=False).ids)

    def command(self, samples: np.ndarray) -> tuple[str, float]:
        began = time.perf_counter()
        duration = samples.size / RATE
        segments, _ = self.model.transcribe(
            samples.astype(np.float32) / 32768.0, beam_size=BEAM, language="de", temperature=0.0,
            condition_on_previous_text=False, initial_prompt=self.command_prompt or None,
            max_new_tokens=int(MIN_TOKENS + TOKENS_PER_S * duration))
        text = " ".join(s.text.strip() for s in segments).strip()
        return text, time.perf_counter() - began

    def dictation(self, samples: np.ndarray) -> tuple[str, float]:
        began = time.perf_counter()
        duration = samples.size / RATE
        segments, _ = self.model.transcribe(
            samples.astype(np.float32) / 32768.0, beam_size=BEAM, language="de", word_timestamps=True,
            condition_on_previous_text=True, vad_filter=duration > LONG_AUDIO_S,
            initial_prompt=self.dictation_prompt or None)
        texts = []
        for segment in segments:
            texts.append(segment.text.strip())
            if duration - segment.end < END_S:
                break  # the post-roll only echoes the prompt
        return " ".join(texts).strip(), time.perf_counter() - began


# ---------------------------------------------------------------- scoring

_UNITS = ((r"\s*°\s*C\b", " Grad"), (r"\s*°", " Grad"), (r"\s*mm/s\b", " Millimeter pro Sekunde"),
          (r"\s*mm\b", " Millimeter"), (r"\s*mV\b", " Millivolt"), (r"\s*mbar\b", " Millibar"),
          (r"\s*%", " Prozent"))


def words(text: str) -> list[str]:
    """Lowercase words without punctuation, numbers as digits: "85 °C" and "fünfundachtzig Grad" are the same."""
    for symbol, spoken in _UNITS:
        text = re.sub(r"(?<=\d)" + symbol, spoken, text)
    text = re.sub(r"\b([A-Za-z])-?(?=\d)", r"\1 ", text.replace("ß", "ss"))  # "P102", "P-102": "P eins null zwei"
    chunks = re.split(r"[;:!?]|,(?!\d)|(?<!\d),|\.(?!\d)", text)  # numbers do not run on across punctuation
    return [w for chunk in chunks for w in normalize_de(chunk).split()]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)


def understood(german: German, request: Request, text: str) -> dict[str, Any]:
    intent = german.understander.parse(text)
    found = sorted({e.value for e in intent.entities if e.entity == "asset"})
    right_intent = intent.name == request.intent
    return {"intent": intent.name, "confidence": round(intent.confidence, 3), "assets": found,
            "intent_ok": right_intent, "ok": right_intent and set(request.assets) <= set(found)}


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    commands = [r for r in rows if r["expected"] != OUT_OF_SCOPE]
    others = [r for r in rows if r["expected"] == OUT_OF_SCOPE]
    share = (lambda hits, n: round(hits / n, 3) if n else None)
    return {"n": len(rows), "commands": len(commands), "intent_asset": share(sum(r["ok"] for r in commands), len(commands)),
            "intent": share(sum(r["intent_ok"] for r in commands), len(commands)), "oos": len(others),
            "oos_rejected": share(sum(r["intent"] == OUT_OF_SCOPE for r in others), len(others)),
            "p50_s": pct([r["asr_s"] for r in rows], 50), "p95_s": pct([r["asr_s"] for r in rows], 95)}


# ---------------------------------------------------------------- runs


def spoken_by(items: list[Any], voices: list[str], every_voice: bool) -> list[tuple[str, Any]]:
    """(voice, item) pairs: each item in every voice, or in one voice each, the voices taking turns."""
    if every_voice:
        return [(voice, item) for voice in voices for item in items]
    return [(voices[i % len(voices)], item) for i, item in enumerate(items)]


def run_requests(whisper: Whisper, german: German, requests: list[Request], voices: list[str],
                 work: Path, verbose: bool, every_voice: bool, clean_only: bool = False) -> list[dict[str, Any]]:
    rows = []
    for voice, request in spoken_by(requests, voices, every_voice):
        clean = speak(request.text, voice, VOICES[voice], work)
        for condition, snr in (("clean", None), (f"{REQUEST_SNR:g} dB", REQUEST_SNR))[:1 if clean_only else 2]:
            seed = zlib.crc32(f"{voice}|{request.text}|{condition}".encode())
            samples = clean if snr is None else mix(clean, snr, seed=seed)
            text, asr_s = whisper.command(samples)
            row = {"model": whisper.name, "voice": voice, "condition": condition, "text": request.text,
                   "expected": request.intent, "expected_assets": list(request.assets), "heard": text,
                   "asr_s": round(asr_s, 3), "audio_s": round(samples.size / RATE, 2),
                   **understood(german, request, text)}
            rows.append(row)
            if verbose and not (row["ok"] if request.intent != OUT_OF_SCOPE else row["intent"] == OUT_OF_SCOPE):
                print(f"  miss [{whisper.name} {voice} {condition}] {request.text!r} -> heard {text!r} -> "
                      f"{row['intent']} {row['assets']}", flush=True)
    return rows


def run_dictation(whisper: Whisper, notes: list[dict[str, str]], voices: list[str], work: Path,
                  every_voice: bool) -> list[dict[str, Any]]:
    rows = []
    for voice, note in spoken_by(notes, voices, every_voice):
        clean = speak(note["text"], voice, VOICES[voice], work)
        for condition, snr in (("clean", None), (f"{DICTATION_SNR:g} dB", DICTATION_SNR)):
            seed = zlib.crc32(f"{voice}|{note['id']}|{condition}".encode())
            samples = clean if snr is None else mix(clean, snr, seed=seed)
            text, asr_s = whisper.dictation(samples)
            edits, n = word_errors(note["text"], text)
            rows.append({"model": whisper.name, "voice": voice, "condition": condition, "id": note["id"],
                         "heard": text, "edits": edits, "words": n, "asr_s": round(asr_s, 3),
                         "audio_s": round(samples.size / RATE, 2)})
    return rows


def wer(rows: list[dict[str, Any]]) -> float | None:
    n = sum(r["words"] for r in rows)
    return round(sum(r["edits"] for r in rows) / n, 3) if n else None


def machine() -> dict[str, str]:
    def out(*command: str) -> str:
        return subprocess.run(command, capture_output=True, text=True).stdout.strip()
    return {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "nproc": out("nproc"),
            "lscpu": "\n".join(out("lscpu").splitlines()[:20]), "uptime": out("uptime")}


def print_requests(rows: list[dict[str, Any]], models: list[str], voices: list[str]) -> None:
    print(f"\n{'model':<6} {'voice':<7} {'condition':<9} {'n':>4} {'int+asset':>9} {'intent':>7} "
          f"{'oos rej':>7} {'p50 s':>6} {'p95 s':>6}")
    for model in models:
        for voice in [*voices, "all"]:
            for condition in ("clean", f"{REQUEST_SNR:g} dB", "both"):
                these = [r for r in rows if r["model"] == model and voice in (r["voice"], "all")
                         and condition in (r["condition"], "both")]
                if these:
                    s = summary(these)
                    print(f"{model:<6} {voice:<7} {condition:<9} {s['n']:>4} {s['intent_asset']!s:>9} "
                          f"{s['intent']!s:>7} {s['oos_rejected']!s:>7} {s['p50_s']!s:>6} {s['p95_s']!s:>6}")


def print_dictation(rows: list[dict[str, Any]], models: list[str], voices: list[str]) -> None:
    print(f"\n{'model':<6} {'voice':<7} {'condition':<9} {'notes':>5} {'WER':>6} {'p50 s':>6} {'p95 s':>6} {'RTF':>5}")
    for model in models:
        for voice in [*voices, "all"]:
            for condition in ("clean", f"{DICTATION_SNR:g} dB"):
                these = [r for r in rows if r["model"] == model and voice in (r["voice"], "all")
                         and r["condition"] == condition]
                if these:
                    rtf = sum(r["asr_s"] for r in these) / sum(r["audio_s"] for r in these)
                    print(f"{model:<6} {voice:<7} {condition:<9} {len(these):>5} {wer(these)!s:>6} "
                          f"{pct([r['asr_s'] for r in these], 50)!s:>6} {pct([r['asr_s'] for r in these], 95)!s:>6} "
                          f"{rtf:>5.2f}")


def write_samples(out: Path, voices: list[str]) -> None:
    """Twelve German requests over several intents and voices, two with 10 dB noise, and their manifest."""
    picks: dict[str, Request] = {}
    for request in load_requests():  # the first request of 11 intents that name an asset, and chatter
        if (request.assets and len(picks) < 11) or (request.intent == OUT_OF_SCOPE and len(picks) == 11):
            picks.setdefault(request.intent, request)
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, request in enumerate(picks.values(), 1):
            voice = voices[n % len(voices)]
            samples = speak(request.text, voice, VOICES[voice], Path(tmp))
            snr = REQUEST_SNR if n in (4, 10) else None
            if snr is not None:
                samples = mix(samples, snr, seed=n)
            name = f"{n:03d}_{request.intent}_{voice.replace('+', '-')}.wav"
            with wave.open(str(out / name), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(RATE)
                w.writeframes(samples.tobytes())
            entities: dict[str, Any] = {}
            if request.assets:
                entities["asset"] = request.assets[0] if len(request.assets) == 1 else list(request.assets)
            lines.append(json.dumps({"file": name, "transcript": request.text, "intent": request.intent,
                                     "entities": entities, "voice": "pico:de-DE" if voice == "pico" else voice,
                                     "speed": VOICES[voice], "snr_db": snr,
                                     "duration_s": round(samples.size / RATE, 3)}, ensure_ascii=False))
    (out / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} samples and manifest.jsonl to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", help=f"bundled whisper model (default: {', '.join(MODELS)})")
    parser.add_argument("--voice", action="append", help=f"voice (default: those available of {', '.join(VOICES)})")
    parser.add_argument("--every-voice", action="store_true",
                        help="speak each request and note in every voice (default: the voices take turns)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N requests and notes")
    parser.add_argument("--no-dictation", action="store_true")
    parser.add_argument("--no-requests", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-prompt", action="store_true", help="requests without the sentences prompt")
    parser.add_argument("--names-prompt", action="store_true",
                        help="dictation prompted with the assets' German names (the default has no prompt)")
    parser.add_argument("--clean-only", action="store_true", help="requests clean only, without the 10 dB noise")
    parser.add_argument("--json", type=Path, help="write every result and the machine here")
    parser.add_argument("--write-samples", type=Path, metavar="DIR", help="write the German audio samples and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every request not understood")
    args = parser.parse_args()

    voices = [v for v in (args.voice or list(VOICES)) if v in VOICES and available(v)]
    skipped = sorted(set(args.voice or VOICES) - set(voices))
    if skipped:
        print(f"voices not available here, left out: {', '.join(skipped)}")
    if args.write_samples:
        write_samples(args.write_samples, voices)
        return
    requests, notes = load_requests(), load_notes()
    if args.limit:
        requests = requests[:args.limit] + [r for r in requests if r.intent == OUT_OF_SCOPE][:max(1, args.limit // 4)]
        notes = notes[:args.limit]
    info = machine()
    print(f"{info['date']}  nproc {info['nproc']}  {info['uptime']}")
    german = German()
    print(f"German understander ready in {german.nlu_load_s:.1f} s")
    result: dict[str, Any] = {"machine": info, "voices": {v: VOICES[v] for v in voices}, "models": {},
                              "requests": [], "dictation": []}
    models = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.model or MODELS:
            try:
                started = time.perf_counter()
                whisper = Whisper(name, german, args.threads, prompt=not args.no_prompt, names_prompt=args.names_prompt)
            except Exception as exc:  # a model that is not bundled, or whose packages are incomplete
                print(f"model {name}: not available ({exc}); skipped", flush=True)
                result["models"][name] = {"error": str(exc)}
                continue
            models.append(name)
            result["models"][name] = {"load_s": round(time.perf_counter() - started, 1),
                                      "command_prompt": whisper.command_prompt,
                                      "dictation_prompt": whisper.dictation_prompt}
            print(f"model {name}: loaded in {result['models'][name]['load_s']} s", flush=True)
            if not args.no_requests:
                result["requests"] += run_requests(whisper, german, requests, voices, Path(tmp), args.verbose,
                                                  args.every_voice, args.clean_only)
            if not args.no_dictation:
                result["dictation"] += run_dictation(whisper, notes, voices, Path(tmp), args.every_voice)
    result["machine"]["uptime_after"] = machine()["uptime"]
    if result["requests"]:
        print_requests(result["requests"], models, voices)
    if result["dictation"]:
        print_dictation(result["dictation"], models, voices)
    print(f"\nload after: {result['machine']['uptime_after']}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
