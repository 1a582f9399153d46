#!/usr/bin/env python3
"""Dictation benchmark: spoken shift notes and maintenance reports through the dictation recognizer.

Every note of ``benchmarks/dictation_notes.yml`` (40 notes of 8-45 words, 3 reports
of 60-120 words) is spoken with espeak-ng in several voices and speeds (``--voice``
also takes the neural voices hibari:heart and piper:joe), clean and with white noise
at 20 dB and 10 dB SNR, and recognized with
``create_recognizer(config.asr, vocabulary, "dictation")`` (faster-whisper tiny.en
unless the config or ``--model`` says otherwise), the vocabulary being the one the assistant builds
from the intents and the asset model (it makes the dictation prompt,
``asr.dictation_prompt``; ``--prompt`` sets that for one run). It reports

- word error rate (word-level Levenshtein over normalised words, summed edits over
  summed reference words) per condition, per voice and per voice x condition;
  numbers compare by value ("85" = "eighty five", "P-102" = "P one oh two",
  "3:15" = "three fifteen"), with ``assistant.nlu.normalize`` doing the number words;
- dictation speed: real-time factor = recognition seconds / audio seconds;
- latency on the long reports: seconds from having the whole report's audio to
  having its text (the recognizer gets the audio in one piece);
- the sentences recognized worst, with what was recognized.

Audio: espeak-ng -> sox (16 kHz mono, 0.4 s padding) -> white noise added over the
whole recording. The clean condition gets a low noise floor (about -50 dBFS) rather
than digital silence; noisy conditions get noise at the SNR over the speech samples.
One untimed recognition warms the model up first.

Default grid: 5 voices x 3 conditions = 15 recordings of each of the 43 notes, 645
recognitions of about 2 hours of audio; 8-10 minutes on 2 shared cores (tiny.en
decodes at 0.07-0.09 x real time there, synthesis adds little). Each extra voice or
condition adds a fifth or a third of that.

    .venv/bin/python benchmarks/dictation.py
    .venv/bin/python benchmarks/dictation.py --limit 5 --json /tmp/dictation.json
    .venv/bin/python benchmarks/dictation.py --voice en-us:170 --snr 20
    .venv/bin/python benchmarks/dictation.py --notes benchmarks/dictation_dev_notes.yml --prompt ""
    .venv/bin/python benchmarks/dictation.py --model base --voice hibari:heart --voice piper:joe --voice en-us
    .venv/bin/python benchmarks/dictation.py --self-test
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.nlu.normalize import normalize  # noqa: E402

NOTES = Path(__file__).resolve().parent / "dictation_notes.yml"
RATE = 16000
PAD_S = 0.4
FLOOR = 0.003  # noise floor of the "clean" condition, fraction of full scale (~ -50 dBFS)
# voice, words per minute: American and British male, a female variant, a Scottish accent, a fast speaker
VOICES = (("en-us", 170), ("en-gb", 160), ("en-us+f3", 185), ("en-gb-scotland", 150), ("en-us+m7", 190))
SNRS = (None, 20.0, 10.0)  # None = clean

# ---------------------------------------------------------------- word error rate

_SPELLING = {  # British and American spellings are the same word
    "metre": "meter", "metres": "meters", "litre": "liter", "litres": "liters",
    "economiser": "economizer", "ok": "okay",
}
_UNITS = (  # symbols after a number, written as the words that are said
    (r"\s*°\s*c\b", " degrees"),
    (r"\s*°", " degrees"),
    (r"\s*mm/s\b", " millimeters per second"),
    (r"\s*mm\b", " millimeters"),
    (r"\s*cm\b", " centimeters"),
    (r"\s*mw\b", " megawatts"),
    (r"\s*mv\b", " millivolts"),
    (r"\s*kv\b", " kilovolts"),
)


def words(text: str) -> list[str]:
    """Lowercase words, no punctuation, numbers as digits: what the word error rate compares.

    ``"Feed pump 2 rose to 85°C at 3:15."`` and ``"feed pump two rose to eighty five
    degrees at three fifteen"`` give the same words.
    """
    text = text.lower().replace("’", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,500 -> 1500
    text = re.sub(r"\b(\d{1,2}):00\b", r"\1", text)  # 4:00 -> 4 ("four")
    text = re.sub(r"\b(\d{1,2}):(\d{2})\b", r"\1\2", text)  # 3:15 -> 315, as "three fifteen" below
    text = text.replace("%", " percent ")
    for symbol, spoken in _UNITS:
        text = re.sub(r"(?<=\d)" + symbol, spoken, text)
    # numbers do not run on across punctuation: "permit four one seven, thirty ..." is 417 and 30
    chunks = re.split(r"[,;:!?]|\.(?!\d)", text)
    tokens = [_SPELLING.get(w, w) for chunk in chunks for w in normalize(chunk).split()]
    tokens = [re.sub(r"(?<=[a-z])(metre|litre)(s?)$", lambda m: m.group(1)[:-2] + "er" + m.group(2), w)
              for w in tokens]  # millimetres -> millimeters
    tokens = _join_times(_join_digits(tokens))
    # spelled-out letters of a tag ("L T two oh four") are one word, as "LT204" is
    merged: list[str] = []
    run: list[str] = []
    for w in tokens + [""]:
        if len(w) == 1 and w.isalpha():
            run.append(w)
            continue
        merged.extend(["".join(run)] if len(run) > 1 else run)
        run = []
        if w:
            merged.append(w)
    return merged


def _join_digits(tokens: list[str]) -> list[str]:
    """A tag written digit by digit, "P-1-O-2" or "P 1 0 2", is one number, as "P one oh two" is."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        j = i
        if len(tokens[i]) == 1 and tokens[i].isdigit():
            j = i + 1
            while j < len(tokens) and ((len(tokens[j]) == 1 and tokens[j].isdigit()) or tokens[j] in ("o", "oh")):
                j += 1
        if j - i >= 2:
            out.append("".join("0" if t in ("o", "oh") else t for t in tokens[i:j]))
            i = j
        else:
            out.append(tokens[i])
            i += 1
    return out


def _join_times(tokens: list[str]) -> list[str]:
    """A clock time said as hour and minutes, "three fifteen" (3 15), is one number, as "3:15" and "315" are."""
    out: list[str] = []
    for w in tokens:
        if out and re.fullmatch(r"[1-5]\d", w) and re.fullmatch(r"[1-9]|1[0-2]", out[-1]):
            out[-1] += w
        else:
            out.append(w)
    return out


def join_compounds(words_: list[str], other: list[str]) -> list[str]:
    """Two neighbouring words written as one word on the other side are that word ("stand by" = "standby").

    Only the space differs, so neither side is charged for it; applied to reference
    and transcript alike.
    """
    vocabulary = set(other)
    out: list[str] = []
    i = 0
    while i < len(words_):
        if i + 1 < len(words_) and words_[i] + words_[i + 1] in vocabulary and words_[i] not in vocabulary:
            out.append(words_[i] + words_[i + 1])
            i += 2
        else:
            out.append(words_[i])
            i += 1
    return out


def compare(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) of a transcript against its reference."""
    ref, hyp = words(reference), words(hypothesis)
    n = len(ref)  # the reference's own word count, however the transcript splits words
    ref, hyp = join_compounds(ref, hyp), join_compounds(hyp, ref)
    return edit_distance(ref, hyp), n


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Word-level Levenshtein distance: substitutions, insertions and deletions cost 1."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1]


def wer(reference: str, hypothesis: str) -> float:
    edits, n = compare(reference, hypothesis)
    return edits / n if n else float(bool(words(hypothesis)))


# ---------------------------------------------------------------- speech


def load_notes(path: Path = NOTES) -> list[dict[str, Any]]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ([{"id": n["id"], "kind": "note", "text": " ".join(n["text"].split())} for n in data["notes"]]
            + [{"id": n["id"], "kind": "long", "text": " ".join(n["text"].split())} for n in data["long"]])


def speak(text: str, voice: str, wpm: int, folder: Path) -> np.ndarray:
    """Speech at 16 kHz mono with ``PAD_S`` before and after, float in -1..1: an espeak-ng voice, or a
    neural one of ``tests/speech.py`` ("hibari:heart", "piper:joe") at ``wpm`` / 160 of its pace."""
    raw, out = folder / "espeak.wav", folder / "speech.wav"
    if ":" in voice:
        from tests.speech import NORMAL_WPM, _neural

        _neural(text, raw, voice, wpm / NORMAL_WPM)
    else:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text], check=True)
    subprocess.run(["sox", "-V1", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
                    "pad", str(PAD_S), str(PAD_S)], check=True)
    with wave.open(str(out)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64) / 32768.0
    return x


def add_noise(x: np.ndarray, snr_db: float | None, seed: int) -> np.ndarray:
    """White noise over the whole recording: at ``snr_db`` over the speech, or the low floor."""
    if snr_db is None:
        sigma = FLOOR
    else:
        speech = x[np.abs(x) > 0.02]
        power = float(np.mean(speech ** 2)) if speech.size else 1e-4
        sigma = float(np.sqrt(power / 10 ** (snr_db / 10)))
    noise = np.random.default_rng(seed).normal(0.0, sigma, x.size)
    return (np.clip(x + noise, -1.0, 1.0) * 32767).astype(np.int16)


def condition_name(snr: float | None) -> str:
    return "clean" if snr is None else f"{snr:g} dB"


# ---------------------------------------------------------------- run


def vocabulary() -> Any:
    """The vocabulary the assistant builds from the intents and the asset model (a scratch data directory)."""
    from assistant.config import load_config
    from assistant.pipeline import Pipeline

    with tempfile.TemporaryDirectory(prefix="plantvoice-dictation-data-") as data:
        return Pipeline.from_config(load_config(env={**os.environ, "PLANTVOICE_DATA_DIR": data})).vocabulary


def run(notes: list[dict[str, Any]], voices: list[tuple[str, int]], snrs: list[float | None],
        verbose: bool = False, prompt: str | None = None, model: str | None = None) -> dict[str, Any]:
    from assistant.asr import create_recognizer
    from assistant.config import load_config

    config = load_config()
    if prompt is not None:
        config = dataclasses.replace(config, asr=dataclasses.replace(config.asr, dictation_prompt=prompt))
    if model is not None:
        config = dataclasses.replace(config, asr=dataclasses.replace(config.asr, dictation_model=model))
    vocab = vocabulary()
    began = time.perf_counter()
    recognizer = create_recognizer(config.asr, vocab, "dictation")
    records: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="plantvoice-dictation-") as tmp:
        folder = Path(tmp)
        warm = add_noise(speak("The pump was started at nine and runs normally.", "en-us", 170, folder), None, 0)
        recognizer.transcribe(warm)  # warm-up, not measured
        load_s = time.perf_counter() - began
        total = len(notes) * len(voices) * len(snrs)
        for n, note in enumerate(notes):
            for v, (voice, wpm) in enumerate(voices):
                speech = speak(note["text"], voice, wpm, folder)
                for snr in snrs:
                    samples = add_noise(speech, snr, seed=1000 * n + 10 * v + int(snr or 0))
                    t0 = time.perf_counter()
                    transcript = recognizer.transcribe(samples)
                    seconds = time.perf_counter() - t0
                    edits, ref_words = compare(note["text"], transcript.text)
                    record = {
                        "id": note["id"], "kind": note["kind"], "voice": voice, "wpm": wpm,
                        "condition": condition_name(snr), "reference": note["text"],
                        "recognized": transcript.text, "ref_words": ref_words,
                        "edits": edits, "audio_s": round(samples.size / RATE, 3),
                        "seconds": round(seconds, 3), "confidence": transcript.confidence,
                    }
                    records.append(record)
                    if verbose:
                        print(f"[{len(records)}/{total}] {note['id']} {voice} {record['condition']}: "
                              f"{record['edits']}/{record['ref_words']} in {seconds:.2f} s | {transcript.text}",
                              flush=True)
    return {
        "recognizer": {"backend": config.asr.dictation_backend,
                       "model": config.asr.dictation_model or config.asr.model or "tiny.en (bundled)",
                       "compute_type": config.asr.compute_type, "beam_size": config.asr.beam_size,
                       "threads": config.asr.threads, "dictation_prompt": config.asr.dictation_prompt,
                       "prompt": getattr(recognizer, "prompt", "")},
        "load_s": round(load_s, 2),
        "records": records,
    }


def _wer(group: list[dict[str, Any]]) -> float | None:
    ref = sum(r["ref_words"] for r in group)
    return sum(r["edits"] for r in group) / ref if ref else None


def _rtf(group: list[dict[str, Any]]) -> float | None:
    audio = sum(r["audio_s"] for r in group)
    return sum(r["seconds"] for r in group) / audio if audio else None


def score(records: list[dict[str, Any]], voices: list[tuple[str, int]], snrs: list[float | None],
          worst: int = 5) -> dict[str, Any]:
    conditions = [condition_name(s) for s in snrs]
    names = [v for v, _ in voices]
    by_condition = {c: [r for r in records if r["condition"] == c] for c in conditions}
    by_voice = {v: [r for r in records if r["voice"] == v] for v in names}
    out: dict[str, Any] = {
        "recordings": len(records),
        "audio_s": round(sum(r["audio_s"] for r in records), 1),
        "recognition_s": round(sum(r["seconds"] for r in records), 1),
        "wer": _wer(records),
        "rtf": _rtf(records),
        "wer_by_condition": {c: _wer(g) for c, g in by_condition.items()},
        "wer_by_voice": {v: _wer(g) for v, g in by_voice.items()},
        "wer_voice_condition": {v: {c: _wer([r for r in by_voice[v] if r["condition"] == c]) for c in conditions}
                                for v in names},
        "wer_by_kind": {k: {c: _wer([r for r in by_condition[c] if r["kind"] == k]) for c in conditions}
                        for k in ("note", "long")},
        "rtf_by_condition": {c: _rtf(g) for c, g in by_condition.items()},
        "rtf_by_kind": {k: _rtf([r for r in records if r["kind"] == k]) for k in ("note", "long")},
        "exact_by_condition": {c: (sum(r["edits"] == 0 for r in g) / len(g) if g else None)
                               for c, g in by_condition.items()},
    }
    longs = [r for r in records if r["kind"] == "long"]
    out["long_latency"] = {
        c: {"n": len(g), "audio_s_median": statistics.median(r["audio_s"] for r in g),
            "latency_s_median": statistics.median(r["seconds"] for r in g),
            "latency_s_max": max(r["seconds"] for r in g)}
        for c in conditions if (g := [r for r in longs if r["condition"] == c])
    }
    ids = list(dict.fromkeys(r["id"] for r in records))
    per_note = []
    for i in ids:
        group = [r for r in records if r["id"] == i]
        clean = [r for r in group if r["condition"] == "clean"] or group
        bad = max(clean, key=lambda r: (r["edits"] / max(r["ref_words"], 1), r["voice"]))
        per_note.append({
            "id": i, "wer": _wer(group), "reference": group[0]["reference"],
            "wer_by_condition": {c: _wer([r for r in group if r["condition"] == c]) for c in conditions},
            "worst_clean": {"voice": bad["voice"], "condition": bad["condition"], "recognized": bad["recognized"],
                            "wer": bad["edits"] / max(bad["ref_words"], 1)},
            "first_clean": {"voice": clean[0]["voice"], "condition": clean[0]["condition"],
                            "recognized": clean[0]["recognized"],
                            "wer": clean[0]["edits"] / max(clean[0]["ref_words"], 1)},
        })
    per_note.sort(key=lambda p: -(p["wer"] or 0.0))
    out["worst_sentences"] = per_note[:worst]
    out["per_note"] = per_note
    return out


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f} %"


def report(s: dict[str, Any], voices: list[tuple[str, int]], snrs: list[float | None]) -> str:
    conditions = [condition_name(c) for c in snrs]
    lines = [
        f"{s['recordings']} recordings, {s['audio_s'] / 60:.1f} min of audio, recognized in "
        f"{s['recognition_s'] / 60:.1f} min",
        "",
        "| word error rate | " + " | ".join(conditions) + " | all |",
        "|---|" + "---|" * (len(conditions) + 1),
    ]
    for name, wpm in voices:
        row = s["wer_voice_condition"][name]
        lines.append(f"| {name}, {wpm} wpm | " + " | ".join(_pct(row[c]) for c in conditions)
                     + f" | {_pct(s['wer_by_voice'][name])} |")
    lines.append("| **all voices** | " + " | ".join(f"**{_pct(s['wer_by_condition'][c])}**" for c in conditions)
                 + f" | **{_pct(s['wer'])}** |")
    lines.append("| short notes (8-45 words) | " + " | ".join(_pct(s["wer_by_kind"]["note"][c]) for c in conditions)
                 + " | |")
    lines.append("| long reports (60-120 words) | "
                 + " | ".join(_pct(s["wer_by_kind"]["long"][c]) for c in conditions) + " | |")
    lines.append("| notes recognized without an error | "
                 + " | ".join(_pct(s["exact_by_condition"][c]) for c in conditions) + " | |")
    lines += [
        "",
        "| speed | " + " | ".join(conditions) + " | all |",
        "|---|" + "---|" * (len(conditions) + 1),
        "| real-time factor (recognition s / audio s) | "
        + " | ".join(f"{s['rtf_by_condition'][c]:.3f}" for c in conditions) + f" | {s['rtf']:.3f} |",
    ]
    if s["long_latency"]:
        lines.append("| long reports: latency median (max), audio median | " + " | ".join(
            f"{v['latency_s_median']:.1f} s ({v['latency_s_max']:.1f} s), {v['audio_s_median']:.0f} s"
            if (v := s["long_latency"].get(c)) else "-" for c in conditions) + " | |")
    lines += ["", "Worst sentences (WER over all their recordings; the worst clean recognition and the first voice's):", ""]
    for p in s["worst_sentences"]:
        w = p["worst_clean"]
        lines.append(f"- {p['id']} {_pct(p['wer'])} (" + ", ".join(
            f"{c} {_pct(v)}" for c, v in p["wer_by_condition"].items()) + ")")
        lines.append(f"  said:  {p['reference']}")
        for w in (p["worst_clean"], p["first_clean"]) if p["first_clean"]["voice"] != w["voice"] else (w,):
            lines.append(f"  heard: {w['recognized']}  [{w['voice']}, {w['condition']}, {_pct(w['wer'])}]")
    return "\n".join(lines)


# ---------------------------------------------------------------- checks


def self_test() -> None:
    def same(a: str, b: str) -> None:
        assert words(a) == words(b), (words(a), words(b))

    same("Feed pump 2 rose to 85°C at 3:15.", "feed pump two rose to eighty five degrees at three fifteen")
    same("P-102 vibration 7.2 mm/s", "P one oh two vibration seven point two millimetres per second")
    same("LT204 reads 5 centimeters higher", "L T two oh four reads five centimetres higher")
    same("permit 417, 30% at 4:20", "permit four one seven, thirty percent at four twenty")
    same("P-1-O-2 and P 2 0 1", "P one oh two and P two oh one")
    same("110 MW", "one hundred and ten megawatts")
    same("oxygen 20.9%", "oxygen twenty point nine percent")
    same("fuel 1,500 litres", "fuel one thousand five hundred liters")
    same("Unit one ran at four.", "unit 1 ran at 4:00")
    same("tripped at 240, restarted at 2:55", "tripped at two forty, restarted at two fifty five")
    assert wer("the handover to the standby crew", "the hand over to the stand by crew") == 0.0
    assert wer("a hand over", "a handover") == 0.0
    assert edit_distance("a b c d".split(), "a x c".split()) == 2
    assert edit_distance([], "a b".split()) == 2
    assert abs(wer("the pump tripped at nine", "the pump tripped at 9 again") - 0.2) < 1e-9
    assert wer("", "") == 0.0
    notes = load_notes()
    short = [n for n in notes if n["kind"] == "note"]
    longs = [n for n in notes if n["kind"] == "long"]
    assert len(short) == 40 and len(longs) == 3, (len(short), len(longs))
    assert all(8 <= len(n["text"].split()) <= 45 for n in short)
    assert all(60 <= len(n["text"].split()) <= 120 for n in longs)
    assert len({n["id"] for n in notes}) == len(notes)
    x = np.sin(np.linspace(0, 2000, RATE)) * 0.5
    noisy = add_noise(x, 10.0, 1).astype(np.float64) / 32767 - x
    snr = 10 * np.log10(np.mean(x[np.abs(x) > 0.02] ** 2) / np.mean(noisy ** 2))
    assert abs(snr - 10.0) < 0.3, snr
    print("self-test ok")


def _voice(text: str) -> tuple[str, int]:
    """VOICE[:WPM]: "en-us:170", "en-gb", "piper:joe:160"; neural voices default to their own pace (160)."""
    name, _, wpm = text.rpartition(":")
    if not name or not wpm.isdigit():
        name, wpm = text, ""
    return name, int(wpm or (160 if ":" in name else 170))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=Path, default=NOTES, metavar="FILE",
                    help="notes to speak (default: benchmarks/dictation_notes.yml; the development set is "
                         "benchmarks/dictation_dev_notes.yml)")
    ap.add_argument("--prompt", metavar="TEXT",
                    help='asr.dictation_prompt for this run: "auto" (from the vocabulary), "" (none) or a literal text '
                         "(default: the config's)")
    ap.add_argument("--model", metavar="NAME",
                    help="asr.dictation_model for this run: tiny.en, base (bundled) or a model directory")
    ap.add_argument("--limit", type=int, metavar="N", help="only the first N short notes and the first N long reports")
    ap.add_argument("--voice", action="append", type=_voice, metavar="VOICE[:WPM]",
                    help="espeak-ng or neural (hibari:heart, piper:joe) voice and speed; repeat (default: " + ", ".join(f"{v}:{s}" for v, s in VOICES) + ")")
    ap.add_argument("--snr", action="append", type=float, metavar="DB",
                    help="noisy condition at this SNR in dB; repeat (default: 20 and 10, plus clean)")
    ap.add_argument("--no-clean", action="store_true", help="leave out the clean condition")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write metrics and every recognition here")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every recognition")
    ap.add_argument("--self-test", action="store_true", help="check the scoring code and the notes, and exit")
    args = ap.parse_args(argv)
    if args.self_test:
        self_test()
        return 0

    notes = load_notes(args.notes)
    if args.limit is not None:
        notes = ([n for n in notes if n["kind"] == "note"][:args.limit]
                 + [n for n in notes if n["kind"] == "long"][:args.limit])
    voices = args.voice or list(VOICES)
    snrs: list[float | None] = ([] if args.no_clean else [None]) + (
        sorted(args.snr, reverse=True) if args.snr else [s for s in SNRS if s is not None])

    began = time.perf_counter()
    result = run(notes, voices, snrs, verbose=args.verbose, prompt=args.prompt, model=args.model)
    runtime = time.perf_counter() - began
    summary = score(result["records"], voices, snrs)
    rec = result["recognizer"]
    print(f"dictation recognizer: {rec['backend']} {rec['model']}, {rec['compute_type']}, beam {rec['beam_size']}, "
          f"{rec['threads']} threads; load + warm-up {result['load_s']:.1f} s")
    print(f"dictation prompt ({rec['dictation_prompt']!r}): {rec['prompt']!r}")
    print(f"{len(notes)} notes x {len(voices)} voices x {len(snrs)} conditions; runtime {runtime:.0f} s")
    print(report(summary, voices, snrs))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "notes": str(args.notes), "recognizer": rec, "load_s": result["load_s"], "runtime_s": round(runtime, 1),
            "voices": [{"voice": v, "wpm": s} for v, s in voices],
            "conditions": [condition_name(s) for s in snrs],
            "summary": {k: v for k, v in summary.items() if k != "per_note"},
            "per_note": summary["per_note"], "records": result["records"],
        }, indent=2), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
