#!/usr/bin/env python3
"""Voice-loop benchmark: every spoken sample through recognition, understanding and answer.

For each recognizer backend it runs every WAV of ``audio_samples/manifest.jsonl``
through ``Pipeline.understand`` (recognition + intent, rejection applied) and
``Pipeline.respond`` (dialogue + plant data -> answer text), and reports

- word error rate (Levenshtein over normalised words; digits and number words
  are normalised alike, so "P-101" and "P one oh one" are the same words),
- intent accuracy (all samples, and in-scope samples only),
- entity accuracy: asset and measurement, exact match against the manifest,
- rejection of out-of-scope speech and false rejection of real requests,
- recognition speed: seconds of audio per second of recognizer processing,
- latency from end of speech to answer text, p50 and p95: the time from having
  the whole request's audio to having the answer (transcribe + parse + respond).

Each backend runs with a fresh temporary data directory; every sample starts
from a fresh dialogue state, so it is scored as a first turn. One untimed
request warms each pipeline up before measuring.

    .venv/bin/python benchmarks/voice_loop.py
    .venv/bin/python benchmarks/voice_loop.py --backend faster-whisper --backend pocketsphinx --json out/voice_loop.json
    .venv/bin/python benchmarks/voice_loop.py --vosk-model /path/to/vosk-model-small-en-us
    .venv/bin/python benchmarks/voice_loop.py --self-test
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import sys
import tempfile
import time
import traceback
import wave
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "audio_samples"
OUT_OF_SCOPE = "out_of_scope"
SCORED_ENTITIES = ("asset", "measurement")
SNR_ROWS = (20, 10, 5)  # conditions shown in the table (rows with no samples print "-")

# ---------------------------------------------------------------- word error rate

_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_DIGIT_WORDS = {w for w, v in _ONES.items() if v < 10}


def _tokens(text: str) -> list[str]:
    text = text.lower().replace("%", " percent ").replace("°", " degrees ")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # 1,000 -> 1000
    text = re.sub(r"[-/_]", " ", text)
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)  # p101 -> p 101
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", "", text)  # keep only decimal points
    text = re.sub(r"[^a-z0-9. ]", "", text)  # what's -> whats
    words = text.split()
    # spelled-out letters ("c h p", from "C.H.P." or "C-H-P") count as one word
    merged: list[str] = []
    run: list[str] = []
    for w in words + [""]:
        if len(w) == 1 and w.isalpha():
            run.append(w)
            continue
        merged.extend(["".join(run)] if len(run) > 1 else run)
        run = []
        if w:
            merged.append(w)
    return merged


def _is_number_word(words: list[str], i: int) -> bool:
    w = words[i]
    if w in _ONES or w in _TENS or w in _SCALES:
        return True
    if w == "oh":  # "one oh one"
        return i > 0 and words[i - 1] in _DIGIT_WORDS | {"oh"}
    if w == "and":  # "one hundred and five"
        return (i > 0 and words[i - 1] in _SCALES and i + 1 < len(words)
                and (words[i + 1] in _ONES or words[i + 1] in _TENS))
    if w == "point":  # "one point five"
        return (i > 0 and (words[i - 1] in _ONES or words[i - 1] in _TENS)
                and i + 1 < len(words) and words[i + 1] in _ONES)
    return False


def _cardinals(run: list[str]) -> list[str]:
    """Number words -> digit strings; a run may hold several numbers."""
    if len(run) > 1 and all(w in _DIGIT_WORDS or w == "oh" for w in run):
        return ["".join("0" if w == "oh" else str(_ONES[w]) for w in run)]  # read digit by digit
    out: list[str] = []
    total = current = 0
    last = ""  # kind of the previous word: ones | teen | tens | scale
    started = False
    decimal: str | None = None

    def flush() -> None:
        nonlocal total, current, started, decimal
        if started:
            out.append(str(total + current) + (f".{decimal}" if decimal else ""))
        total = current = 0
        started = False
        decimal = None

    i = 0
    while i < len(run):
        w = run[i]
        if w == "and":
            i += 1
            continue
        if w == "point":
            digits = []
            i += 1
            while i < len(run) and run[i] in _DIGIT_WORDS:
                digits.append(str(_ONES[run[i]]))
                i += 1
            decimal = "".join(digits)
            flush()
            last = ""
            continue
        if w in _TENS:
            if started and last in ("ones", "teen", "tens"):
                flush()
            current += _TENS[w]
            kind = "tens"
        elif w in _ONES:
            value = _ONES[w]
            if started and last in ("ones", "teen") or (started and last == "tens" and value >= 10):
                flush()
            current += value
            kind = "ones" if value < 10 else "teen"
        else:  # scale
            scale = _SCALES[w]
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
            kind = "scale"
        started = True
        last = kind
        i += 1
    flush()
    return out


def normalise(text: str) -> list[str]:
    """Lowercase words without punctuation; number words become digits."""
    words = _tokens(text)
    out: list[str] = []
    i = 0
    while i < len(words):
        if _is_number_word(words, i) and words[i] not in ("and", "point", "oh"):
            j = i
            while j < len(words) and _is_number_word(words, j):
                j += 1
            out.extend(_cardinals(words[i:j]))
            i = j
        else:
            out.append(words[i])
            i += 1
    return out


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance over words (substitutions, insertions, deletions)."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1]


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return float(bool(hyp))
    return edit_distance(ref, hyp) / len(ref)


# ---------------------------------------------------------------- scoring


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def entity_matches(expected: dict[str, Any], predicted: dict[str, list[str]]) -> dict[str, bool]:
    """Exact match of each scored entity the manifest names.

    A single expected asset must be the first asset found; a list of assets
    (compare) must equal the set of assets found.
    """
    result = {}
    for kind in SCORED_ENTITIES:
        if kind not in expected:
            continue
        want = expected[kind]
        got = predicted.get(kind, [])
        if isinstance(want, list):
            result[kind] = sorted(want) == sorted(set(got))
        else:
            result[kind] = bool(got) and got[0] == want
    return result


def understood(record: dict[str, Any]) -> bool:
    """The request's goal: intent right and the asset right (or out-of-scope speech rejected)."""
    return bool(record["intent_ok"] and record["entity_match"].get("asset", True))


def score(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate per-sample records into the benchmark's metrics."""

    def ratio(num: float, den: float) -> float | None:
        return num / den if den else None

    ok = [r for r in records if "error" not in r]
    in_scope = [r for r in ok if r["intent"] != OUT_OF_SCOPE]
    oos = [r for r in ok if r["intent"] == OUT_OF_SCOPE]
    ref_words = sum(r["ref_words"] for r in ok)
    slots = [m for r in ok for m in r["entity_match"].values()]
    by_kind = {k: [r["entity_match"][k] for r in ok if k in r["entity_match"]] for k in SCORED_ENTITIES}
    with_entities = [r for r in ok if r["entity_match"]]
    latency = [r["latency_s"] for r in ok]
    audio = sum(r["audio_s"] for r in ok)
    asr = sum(r["asr_s"] for r in ok)

    conditions: dict[str, Any] = {}
    for snr in [None] + sorted({r["snr_db"] for r in ok if r["snr_db"] is not None}, reverse=True):
        group = [r for r in ok if r["snr_db"] == snr]
        conditions["clean" if snr is None else f"snr_{snr:g}db"] = {
            "samples": len(group),
            "wer": ratio(sum(r["edits"] for r in group), sum(r["ref_words"] for r in group)),
            "intent_accuracy": ratio(sum(r["intent_ok"] for r in group), len(group)),
            "understood": ratio(sum(understood(r) for r in group), len(group)),
        }

    return {
        "samples": len(records),
        "failed": len(records) - len(ok),
        "wer": ratio(sum(r["edits"] for r in ok), ref_words),
        "sentence_error_rate": ratio(sum(r["edits"] > 0 for r in ok), len(ok)),
        "intent_accuracy": ratio(sum(r["intent_ok"] for r in ok), len(ok)),
        "understood": ratio(sum(understood(r) for r in ok), len(ok)),
        "intent_accuracy_in_scope": ratio(sum(r["intent_ok"] for r in in_scope), len(in_scope)),
        "entity_accuracy": ratio(sum(slots), len(slots)),
        "entity_accuracy_asset": ratio(sum(by_kind["asset"]), len(by_kind["asset"])),
        "entity_accuracy_measurement": ratio(sum(by_kind["measurement"]), len(by_kind["measurement"])),
        "entity_samples_all_correct": ratio(sum(all(r["entity_match"].values()) for r in with_entities),
                                            len(with_entities)),
        "out_of_scope_rejection": ratio(sum(r["predicted"] == OUT_OF_SCOPE for r in oos), len(oos)),
        "false_rejection": ratio(sum(r["predicted"] == OUT_OF_SCOPE for r in in_scope), len(in_scope)),
        "audio_s": audio,
        "asr_s": asr,
        "speed_x_realtime": ratio(audio, asr),
        "latency_p50_s": percentile(latency, 50),
        "latency_p95_s": percentile(latency, 95),
        "latency_max_s": max(latency) if latency else None,
        "understand_p50_s": percentile([r["understand_s"] for r in ok], 50),
        "respond_p50_s": percentile([r["respond_s"] for r in ok], 50),
        "conditions": conditions,
    }


# ---------------------------------------------------------------- running


def load_manifest(folder: Path) -> list[dict[str, Any]]:
    with open(folder / "manifest.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_wav(path: Path):
    try:
        from assistant.audio import load_wav
    except ImportError:
        load_wav = None
    if load_wav is not None:
        return load_wav(path)
    import numpy as np

    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2), path
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def noisy_variants(manifest: list[dict[str, Any]], folder: Path, snrs: list[float],
                   out: Path) -> list[dict[str, Any]]:
    """Copies of the clean samples with white noise at each SNR (dB, over the speech), as manifest rows."""
    import numpy as np

    rows = []
    for snr in snrs:
        for i, row in enumerate(r for r in manifest if r.get("snr_db") is None):
            clean = read_wav(folder / row["file"]).astype(np.float64)
            speech = clean[np.abs(clean) > 0.02 * 32768]
            power = float(np.mean(speech ** 2)) if speech.size else 1.0
            rng = np.random.default_rng(1000 * int(snr) + i)
            noisy = clean + rng.normal(0.0, np.sqrt(power / 10 ** (snr / 10)), clean.size)
            path = out / f"{Path(row['file']).stem}_snr{snr:g}.wav"
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(16000)
                w.writeframes(np.clip(noisy, -32768, 32767).astype(np.int16).tobytes())
            rows.append(dict(row, file=str(path), snr_db=snr))
    return rows


def run_backend(backend: str, manifest: list[dict[str, Any]], folder: Path, vosk_model: str | None,
                verbose: bool) -> dict[str, Any]:
    from assistant.config import load_config
    from assistant.pipeline import Pipeline

    data_dir = tempfile.mkdtemp(prefix="plantvoice-bench-")
    os.environ["PLANTVOICE_DATA_DIR"] = data_dir
    config = load_config()
    config = dataclasses.replace(config, data_dir=data_dir)
    asr = {"backend": backend}
    if backend == "vosk":
        asr["vosk_model"] = vosk_model or ""
    config = config.replace("asr", **asr)

    began = time.perf_counter()
    pipeline = Pipeline.from_config(config)
    audio = [read_wav(folder / row["file"]) for row in manifest]
    pipeline.understand(audio[0])  # warm-up, not measured
    load_s = time.perf_counter() - began

    state = getattr(pipeline, "state", None)
    fresh_state = type(state) if dataclasses.is_dataclass(state) else None

    records = []
    for row, samples in zip(manifest, audio):
        record: dict[str, Any] = {
            "file": row["file"], "intent": row["intent"], "snr_db": row.get("snr_db"),
            "voice": row.get("voice"), "speed": row.get("speed"),
            "audio_s": len(samples) / 16000, "reference": row["transcript"],
        }
        if fresh_state is not None:
            pipeline.state = fresh_state()  # every sample is a first turn
        try:
            t0 = time.perf_counter()
            transcript, intent = pipeline.understand(samples)
            t1 = time.perf_counter()
            # as in a live turn: audio that held no request gets no answer
            answer = pipeline.respond(intent) if intent.text else None
            t2 = time.perf_counter()
        except Exception as exc:  # one failing sample is reported, not fatal
            record["error"] = f"{type(exc).__name__}: {exc}"
            if verbose:
                traceback.print_exc()
            records.append(record)
            continue
        predicted: dict[str, list[str]] = {}
        for e in intent.entities:
            predicted.setdefault(e.entity, []).append(e.value)
        ref = normalise(row["transcript"])
        edits = edit_distance(ref, normalise(transcript.text))
        record.update({
            "transcript": transcript.text,
            "edits": edits,
            "ref_words": len(ref),
            "predicted": intent.name,
            "confidence": round(float(intent.confidence), 3),
            "intent_ok": intent.name == row["intent"],
            "entities": predicted,
            "entity_match": entity_matches(row.get("entities", {}), predicted),
            "answer": answer.text if answer is not None else None,
            "understand_s": t1 - t0,
            "respond_s": t2 - t1,
            "latency_s": t2 - t0,
            "asr_s": transcript.seconds if transcript.seconds > 0 else t1 - t0,
        })
        records.append(record)
        if verbose:
            mark = "ok " if record["intent_ok"] and all(record["entity_match"].values()) else "BAD"
            print(f"  {mark} {row['file']:42s} {intent.name:20s} {record['latency_s']:5.2f}s "
                  f"| {transcript.text!r}", flush=True)
    metrics = score(records)
    metrics["load_s"] = load_s
    # In a live loop the endpointer waits vad.silence_ms after the last word before the
    # request is complete; that wait comes on top of the latency measured here.
    settings = {"asr": dataclasses.asdict(config.asr), "vad_silence_ms": config.vad.silence_ms,
                "nlu": dataclasses.asdict(config.nlu)}
    return {"metrics": metrics, "config": settings, "records": records}


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "%":
        return f"{100 * value:.1f}%"
    if kind == "x":
        return f"{value:.2f}x"
    if kind == "s":
        return f"{value:.2f} s"
    return str(value)


ROWS = (
    ("samples", "samples", ""),
    ("failed samples", "failed", ""),
    ("word error rate", "wer", "%"),
    ("  clean", ("conditions", "clean", "wer"), "%"),
    *((f"  {db} dB SNR", ("conditions", f"snr_{db}db", "wer"), "%") for db in SNR_ROWS),
    ("sentence error rate", "sentence_error_rate", "%"),
    ("intent accuracy", "intent_accuracy", "%"),
    ("  in-scope only", "intent_accuracy_in_scope", "%"),
    ("  clean", ("conditions", "clean", "intent_accuracy"), "%"),
    *((f"  noisy {db} dB", ("conditions", f"snr_{db}db", "intent_accuracy"), "%") for db in SNR_ROWS),
    ("understood (intent + asset)", "understood", "%"),
    ("  clean", ("conditions", "clean", "understood"), "%"),
    *((f"  noisy {db} dB", ("conditions", f"snr_{db}db", "understood"), "%") for db in SNR_ROWS),
    ("entity accuracy (slots)", "entity_accuracy", "%"),
    ("  asset", "entity_accuracy_asset", "%"),
    ("  measurement", "entity_accuracy_measurement", "%"),
    ("  samples all correct", "entity_samples_all_correct", "%"),
    ("out-of-scope rejected", "out_of_scope_rejection", "%"),
    ("false rejection", "false_rejection", "%"),
    ("recognition speed", "speed_x_realtime", "x"),
    ("latency p50 (speech end -> answer)", "latency_p50_s", "s"),
    ("latency p95", "latency_p95_s", "s"),
    ("latency max", "latency_max_s", "s"),
    ("  understand p50", "understand_p50_s", "s"),
    ("  respond p50", "respond_p50_s", "s"),
    ("load + warm-up", "load_s", "s"),
)


def table(results: dict[str, Any]) -> str:
    names = [n for n in results if "metrics" in results[n]]
    failed = [f"{n}: {results[n]['error']}" for n in results if "error" in results[n]]
    if not names:
        return "\n".join(failed)
    width = max(len(label) for label, _, _ in ROWS) + 2
    lines = ["".ljust(width) + "".join(n.rjust(16) for n in names)]
    for label, key, kind in ROWS:
        cells = []
        for n in names:
            value: Any = results[n]["metrics"]
            for part in key if isinstance(key, tuple) else (key,):
                value = value.get(part) if isinstance(value, dict) else None
            cells.append(_fmt(value, kind))
        lines.append(label.ljust(width) + "".join(c.rjust(16) for c in cells))
    return "\n".join(lines + failed)


# ---------------------------------------------------------------- self-test


def self_test() -> None:
    def same(a: str, b: str) -> None:
        assert normalise(a) == normalise(b), (a, b, normalise(a), normalise(b))

    assert normalise("What's the Bearing-Temperature, of P-101?") == [
        "whats", "the", "bearing", "temperature", "of", "p", "101"]
    same("P-101", "P one oh one")
    same("P101", "p one zero one")
    same("feed pump 2", "feed pump two")
    same("gas turbine 1", "Gas turbine one.")
    same("GT1", "GT one")
    same("in the last 24 hours", "in the last twenty four hours")
    same("145 degrees", "one hundred and forty five degrees")
    same("1,500 kW", "one thousand five hundred kW")
    same("2.5 bar", "two point five bar")
    same("85%", "eighty five percent")
    same("the C.H.P.", "the CHP")
    same("I'll be back", "ill be back")
    assert normalise("oh no") == ["oh", "no"]  # a lone "oh" is a word, not a zero
    assert normalise("one two three") == ["123"]
    assert normalise("twenty one thirty") == ["21", "30"]
    assert normalise("nineteen twenty") == ["19", "20"]

    assert edit_distance([], []) == 0
    assert edit_distance(list("abc"), list("abc")) == 0
    assert edit_distance(list("abc"), list("axc")) == 1
    assert edit_distance(list("abc"), list("ac")) == 1
    assert edit_distance(list("abc"), list("abxc")) == 1
    assert edit_distance(list("kitten"), list("sitting")) == 3
    assert wer("show me the active alarms", "show me the active alarms") == 0.0
    assert abs(wer("show me the active alarms", "show me active alarm") - 2 / 5) < 1e-9
    assert wer("what is the flow on P one oh one", "What is the flow on P-101?") == 0.0
    assert wer("", "") == 0.0 and wer("", "hello") == 1.0

    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 95) == 5
    assert abs(percentile(list(range(1, 101)), 95) - 95.05) < 1e-9
    assert percentile([], 50) is None

    assert entity_matches({"asset": "P-102", "measurement": "flow"},
                          {"asset": ["P-102"], "measurement": ["flow"]}) == {"asset": True, "measurement": True}
    assert entity_matches({"asset": "P-102"}, {"asset": ["P-101"]}) == {"asset": False}
    assert entity_matches({"asset": "P-102"}, {}) == {"asset": False}
    assert entity_matches({"asset": ["P-101", "P-102"]}, {"asset": ["P-102", "P-101"]}) == {"asset": True}
    assert entity_matches({"asset": ["P-101", "P-102"]}, {"asset": ["P-101"]}) == {"asset": False}
    assert entity_matches({"priority": "high"}, {}) == {}

    def rec(intent, predicted, edits, words, snr=None, match=None, latency=1.0):
        return {"intent": intent, "predicted": predicted, "intent_ok": intent == predicted, "edits": edits,
                "ref_words": words, "snr_db": snr, "entity_match": match or {}, "latency_s": latency,
                "understand_s": latency * 0.9, "respond_s": latency * 0.1, "audio_s": 3.0, "asr_s": 1.5}

    m = score([
        rec("sensor_reading", "sensor_reading", 1, 8, match={"asset": True, "measurement": False}, latency=1.0),
        rec("asset_status", OUT_OF_SCOPE, 2, 5, snr=10, match={"asset": False}, latency=2.0),
        rec(OUT_OF_SCOPE, OUT_OF_SCOPE, 0, 6, latency=3.0),
        rec(OUT_OF_SCOPE, "help", 1, 5, snr=20, latency=4.0),
        {"intent": "help", "error": "boom", "snr_db": None},
    ])
    assert m["samples"] == 5 and m["failed"] == 1
    assert abs(m["wer"] - 4 / 24) < 1e-9
    assert m["intent_accuracy"] == 0.5 and m["intent_accuracy_in_scope"] == 0.5
    assert abs(m["entity_accuracy"] - 1 / 3) < 1e-9
    assert m["entity_accuracy_asset"] == 0.5 and m["entity_accuracy_measurement"] == 0.0
    assert m["entity_samples_all_correct"] == 0.0
    assert m["out_of_scope_rejection"] == 0.5 and m["false_rejection"] == 0.5
    assert m["speed_x_realtime"] == 2.0
    assert m["latency_p50_s"] == 2.5 and abs(m["latency_p95_s"] - 3.85) < 1e-9
    assert m["conditions"]["snr_10db"]["wer"] == 0.4 and m["conditions"]["clean"]["samples"] == 2

    # the manifest's own transcripts normalise to non-empty word lists, every intent is there
    manifest = load_manifest(SAMPLES)
    assert all(normalise(r["transcript"]) for r in manifest)
    assert all((SAMPLES / r["file"]).is_file() for r in manifest)
    print(f"self-test passed ({len(manifest)} samples in the manifest)")


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", action="append", choices=("faster-whisper", "pocketsphinx", "vosk"),
                    help="recognizer backend; repeat for several (default: faster-whisper)")
    ap.add_argument("--vosk-model", metavar="DIR", help="Vosk model directory; adds the vosk backend")
    ap.add_argument("--samples", type=Path, default=SAMPLES, help="folder with manifest.jsonl and WAVs")
    ap.add_argument("--limit", type=int, help="only the first N samples")
    ap.add_argument("--noise", type=float, action="append", metavar="DB", default=[],
                    help="also run the clean samples with white noise at this SNR; repeat (e.g. 20, 10, 5)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write metrics and per-sample results here")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every sample's result")
    ap.add_argument("--self-test", action="store_true", help="check the scoring code and exit")
    args = ap.parse_args(argv)

    if args.self_test:
        self_test()
        return 0

    backends = list(dict.fromkeys(args.backend or ["faster-whisper"]))
    if args.vosk_model and "vosk" not in backends:
        backends.append("vosk")
    if "vosk" in backends and not args.vosk_model:
        print("vosk needs --vosk-model DIR; skipping it", file=sys.stderr)
        backends.remove("vosk")

    manifest = load_manifest(args.samples)[: args.limit]
    if args.noise:
        manifest += noisy_variants(manifest, args.samples, args.noise,
                                   Path(tempfile.mkdtemp(prefix="plantvoice-noisy-")))
    print(f"{len(manifest)} samples, {sum(r.get('duration_s', 0) for r in manifest):.0f} s of audio, "
          f"backends: {', '.join(backends)}", flush=True)

    results: dict[str, Any] = {}
    for backend in backends:
        print(f"[{backend}]", flush=True)
        try:
            results[backend] = run_backend(backend, manifest, args.samples, args.vosk_model, args.verbose)
        except Exception as exc:
            traceback.print_exc()
            results[backend] = {"error": f"{type(exc).__name__}: {exc}"}

    print()
    print(table(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {
            "samples": str(args.samples),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "python": platform.python_version()},
            "backends": results,
        }
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0 if all("error" not in r for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
