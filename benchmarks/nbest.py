#!/usr/bin/env python3
"""Several readings of each request, re-ranked by how well they parse in the domain: measured from speech.

For every recording, clean and with white noise (``--noise``), one pass keeps:

- ``current`` and ``pipeline``: ``Pipeline.understand`` (understanding, the second hearing) with one
  reading of the recognizer (as before) and with ``--n`` readings re-ranked (``nlu.rerank``, now);
- the beam's ``--n`` best readings (``WhisperRecognizer.hypotheses``), each understood, with
  and without timestamp tokens (``--no-timestamps`` adds the second kind);

and scores re-ranking rules over them offline (``nlu.rerank``), so every rule sees the same
transcripts. Two kinds of sets:

- a folder of the plant's spoken requests (``benchmarks/dev/speak.py``,
  ``benchmarks/speak_paraphrases.py``): right = intent, asset and measurement right, out-of-scope
  speech rejected (as ``benchmarks/snap_voice.py``);
- a speech manifest (``plantvoice bench speech``, e.g. the home-assistant domain) with
  ``--intents``: right = intent and every labelled slot right (command acceptance).

    .venv/bin/python benchmarks/nbest.py /tmp/devspeech --noise 10 --json /tmp/nbest-dev.json
    .venv/bin/python benchmarks/nbest.py benchmarks/domains/home-assistant/manifest.jsonl \\
        --intents benchmarks/domains/home-assistant --group synthetic --noise 12
    .venv/bin/python benchmarks/nbest.py --rows /tmp/nbest-dev.json     # the rules again, no decoding
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from snap_voice import right as plant_right  # noqa: E402

from assistant import asr, nlu  # noqa: E402
from assistant.events import OUT_OF_SCOPE, Intent  # noqa: E402


def pipeline(intents: Path | None) -> Any:
    from assistant.config import load_config
    from assistant.pipeline import Pipeline

    data_dir = tempfile.mkdtemp(prefix="plantvoice-nbest-")
    os.environ["PLANTVOICE_DATA_DIR"] = data_dir
    config = dataclasses.replace(load_config(), data_dir=data_dir)
    return Pipeline.from_config(config, intents)


Case = tuple[str, str, Any, Callable[[Intent], bool]]


def cases(source: Path, snrs: list[float], group: str | None) -> list[Case]:
    """(id, condition, int16 samples, right) for every recording and condition."""
    from assistant import speech_bench as bench
    from assistant.audio import load_wav

    out = []
    if source.is_dir():  # the plant's spoken requests
        rows = [json.loads(line) for line in (source / "manifest.jsonl").read_text().splitlines() if line.strip()]
        for row in rows:
            if row.get("snr_db") is not None:
                continue
            clean = load_wav(source / row["file"])
            check = (lambda r: lambda intent: plant_right(intent, r))(row)
            for snr in [None, *snrs]:
                name = "clean" if snr is None else f"{snr:g} dB"
                seed = zlib.crc32(f"{row['file']}|{name}".encode())
                out.append((row["file"], name, clean if snr is None else bench.mix(clean, snr, None, seed), check))
        return out
    for rec in bench.load_manifest(source):
        if group and rec.group != group:
            continue
        clean = load_wav(rec.audio)

        def check(intent: Intent, rec: bench.Recording = rec) -> bool:
            if not rec.command:
                return intent.name == OUT_OF_SCOPE
            return intent.name == rec.intent and all(
                any(e.entity == k and bench._same(e.value, v) for e in intent.entities) for k, v in rec.slots)

        for snr in [None, *snrs]:
            name = "clean" if snr is None else f"{snr:g} dB"
            seed = zlib.crc32(f"{rec.audio.name}|{name}".encode())
            out.append((rec.audio.name, name, clean if snr is None else bench.mix(clean, snr, None, seed), check))
    return out


def reading(p: Any, transcript: Any, check: Callable[[Intent], bool]) -> dict[str, Any]:
    t0 = time.perf_counter()
    intent = p.parse(transcript.text)
    return {"text": transcript.text, "asr": transcript.confidence, "logprob": transcript.avg_logprob,
            "no_speech": transcript.no_speech_prob, "no_request": asr.is_no_request(transcript, p.config.asr),
            "intent": intent.name, "confidence": intent.confidence,
            "entities": [[e.entity, e.value] for e in intent.entities],
            "missing": sorted(nlu.missing_slots(intent, p.required)), "right": check(intent),
            "parse_s": time.perf_counter() - t0}


def measure(p: Any, samples: Any, check: Callable[[Intent], bool], n: int, no_ts: bool,
            readings_only: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # Pipeline.understand with one reading (before) and with n readings re-ranked (now)
    for step, readings in () if readings_only else (("current", 1), ("pipeline", n)):
        p.state = type(p.state)()
        asr.READINGS = readings
        t0 = time.perf_counter()
        transcript, intent = p.understand(samples)
        out[step] = {"text": transcript.text, "intent": intent.name, "right": check(intent),
                     "s": time.perf_counter() - t0}
    t0 = time.perf_counter()
    clean = p.denoiser.process(samples)
    denoise_s = time.perf_counter() - t0
    kinds = [("ts", True)] + ([("nots", False)] if no_ts else [])
    for kind, timestamps in kinds:
        t0 = time.perf_counter()
        hyps = p.recognizer.hypotheses(clean, n=n, timestamps=timestamps)
        decode_s = denoise_s + time.perf_counter() - t0
        out[kind] = {"decode_s": decode_s, "readings": [reading(p, h, check) for h in hyps]}
    return out


def summarise(rows: list[dict[str, Any]], verbose: bool) -> None:
    from assistant.nlu import rerank

    conditions = list(dict.fromkeys(r["condition"] for r in rows))
    kinds = [k for k in ("ts", "nots") if k in rows[0]]
    lines: dict[str, dict[str, float]] = {}

    def add(name: str, pick: Callable[[dict[str, Any]], tuple[bool, float]]) -> None:
        cells: dict[str, float] = {}
        for cond in conditions:
            these = [r for r in rows if r["condition"] == cond]
            cells[cond] = sum(pick(r)[0] for r in these) / len(these)
        times = sorted(pick(r)[1] for r in rows)
        cells["p50"], cells["p95"] = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        lines[name] = cells

    if "current" in rows[0]:
        add("before: Pipeline.understand, one reading", lambda r: (r["current"]["right"], r["current"]["s"]))
    if "pipeline" in rows[0]:
        add("now: Pipeline.understand, readings re-ranked", lambda r: (r["pipeline"]["right"], r["pipeline"]["s"]))
    for kind in kinds:
        def cost(r: dict[str, Any], upto: int, kind: str = kind) -> float:
            return r[kind]["decode_s"] + sum(h["parse_s"] for h in r[kind]["readings"][:upto])

        add(f"{kind}: top reading", lambda r, kind=kind: (r[kind]["readings"][0]["right"], cost(r, 1)))
        for rule in rerank.RULES:
            add(f"{kind}: {rule}", lambda r, kind=kind, rule=rule: (
                _chosen(r[kind]["readings"], rerank.RULES[rule])["right"], cost(r, len(r[kind]["readings"]))))
        add(f"{kind}: oracle (any reading right)", lambda r, kind=kind: (
            any(h["right"] for h in r[kind]["readings"]), cost(r, len(r[kind]["readings"]))))
    print(f"{len(rows)} requests; right per condition; end of speech -> intent p50 / p95 (s)")
    print(f"{'':48}" + "".join(f"{c:>9}" for c in conditions) + f"{'p50':>7}{'p95':>7}")
    for name, cells in lines.items():
        print(f"{name:48}" + "".join(f"{cells[c]:9.1%}" for c in conditions)
              + f"{cells['p50']:7.2f}{cells['p95']:7.2f}")
    if verbose:
        for r in rows:
            for kind in kinds:
                chosen = _chosen(r[kind]["readings"], rerank.choose)
                first = r[kind]["readings"][0]
                if not chosen["right"] or not first["right"]:
                    print(f"[{r['condition']}] {r['id']}: first {first['text']!r} "
                          f"{'ok' if first['right'] else 'WRONG'}; {kind} chose {chosen['text']!r} "
                          f"{'ok' if chosen['right'] else 'WRONG'}; readings "
                          + "; ".join(f"{h['text']!r} {h['intent']} {h['confidence']:.2f} {h['logprob']:.2f}"
                                      f"{' ok' if h['right'] else ''}" for h in r[kind]["readings"]))


def _chosen(readings: list[dict[str, Any]], rule: Callable[..., int]) -> dict[str, Any]:
    from assistant.nlu.rerank import Reading

    return readings[rule([Reading(h["logprob"], h["intent"], h["confidence"], not h["missing"], h["no_request"])
                          for h in readings])]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, nargs="?", help="a folder of spoken requests or a speech manifest")
    ap.add_argument("--intents", type=Path, help="intents directory for a manifest's domain")
    ap.add_argument("--group", help="only this group of a manifest (human, synthetic)")
    ap.add_argument("--noise", type=float, action="append", default=[])
    ap.add_argument("--n", type=int, default=5, help="readings asked of the beam")
    ap.add_argument("--no-timestamps", action="store_true", help="also decode without timestamp tokens")
    ap.add_argument("--readings-only", action="store_true",
                    help="skip Pipeline.understand (before / now): the readings and the rules only, a third "
                         "of the time")
    ap.add_argument("--json", type=Path, help="write every reading here")
    ap.add_argument("--rows", type=Path, action="append", default=[], help="score stored readings instead")
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    for stored in args.rows:
        rows += json.loads(stored.read_text())
    if args.source is not None:
        todo = cases(args.source, args.noise, args.group)
        p = pipeline(args.intents)
        p.understand(todo[0][2])  # warm-up
        p.recognizer.hypotheses(p.denoiser.process(todo[0][2]))
        for name, cond, samples, check in todo:
            got = measure(p, samples, check, args.n, args.no_timestamps, args.readings_only)
            rows.append({"id": name, "condition": cond} | got)
        if args.json:
            args.json.write_text(json.dumps(rows))
    summarise(rows, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
