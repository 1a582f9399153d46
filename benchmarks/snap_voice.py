#!/usr/bin/env python3
"""Near-miss snapping and the second hearing, measured from speech on the plant (intent + asset + measurement).

For every sample of a spoken set (``benchmarks/dev/speak.py`` for the development set,
``benchmarks/speak_paraphrases.py`` for the held-out paraphrases), clean and with white
noise (``--noise``), one pass measures each step as ``Pipeline.understand`` runs it:

- ``first``: the command recognizer, understood with snapping off (the domain's lists and the plant's);
- ``snap``: the same transcript understood with snapping on;
- ``rehear:<bias>``: where the intent lacks an entity its examples always carry, a second
  decode with that bias, kept when it parses in scope with nothing missing.

A sample is right when intent, asset and measurement are right (out-of-scope speech: rejected).
Latency from the end of speech to the intent is reported per step (p50 / p95), the second
hearing's cost over all samples and over those it ran on.

    .venv/bin/python benchmarks/snap_voice.py /tmp/devspeech --noise 10 --bias both --bias prompt
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from voice_loop import load_manifest, noisy_variants, read_wav  # noqa: E402

from assistant import asr, nlu  # noqa: E402
from assistant.events import OUT_OF_SCOPE, Intent  # noqa: E402


def right(intent: Intent, row: dict[str, Any]) -> bool:
    """Intent, asset and measurement as the manifest says (out of scope: rejected)."""
    if row["intent"] == OUT_OF_SCOPE:
        return intent.name == OUT_OF_SCOPE
    if intent.name != row["intent"]:
        return False
    for kind, want in row.get("entities", {}).items():
        wanted = want if isinstance(want, list) else [want]
        got = [e.value for e in intent.entities if e.entity == kind]
        if not set(wanted) <= set(got):
            return False
    return True


def pipeline() -> Any:
    from assistant.config import load_config
    from assistant.pipeline import Pipeline

    data_dir = tempfile.mkdtemp(prefix="plantvoice-snap-")
    os.environ["PLANTVOICE_DATA_DIR"] = data_dir
    config = dataclasses.replace(load_config(), data_dir=data_dir)
    return Pipeline.from_config(config)


def measure(p: Any, samples: Any, row: dict[str, Any], rehearers: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    extractor = p.understander.extractor
    began = time.perf_counter()
    clean = p.denoiser.process(samples)
    transcript = p.recognizer.transcribe(clean)
    heard_s = time.perf_counter() - began
    if asr.is_no_request(transcript, p.config.asr):
        none = Intent("", OUT_OF_SCOPE, 0.0)
        return {step: (right(none, row), heard_s) for step in ("first", "snap", *rehearers)} | {"ran": False}
    snappers = (extractor.snapper, extractor.list_snapper)
    cutoffs = [s.cutoff for s in snappers]
    for snapper in snappers:
        snapper.cutoff = -1.0
    t0 = time.perf_counter()
    first = p.parse(transcript.text)
    out["first"] = (right(first, row), heard_s + time.perf_counter() - t0)
    for snapper, cutoff in zip(snappers, cutoffs):
        snapper.cutoff = cutoff
    t0 = time.perf_counter()
    intent = p.parse(transcript.text)
    snap_s = heard_s + time.perf_counter() - t0
    out["snap"] = (right(intent, row), snap_s)
    out["miss"] = "" if out["snap"][0] else (f"{row['transcript']!r} heard {transcript.text!r}: {intent.name} "
                                              f"{[(e.entity, e.value, e.text) for e in intent.entities]}")
    out["ran"] = bool(nlu.missing_slots(intent, p.required))
    for bias, recognizer in rehearers.items():
        t0 = time.perf_counter()
        p.lang.__dict__["rehearing"] = recognizer
        _, again = p._hear_again(clean, transcript, intent)
        out[bias] = (right(again, row), snap_s + time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("samples", type=Path)
    ap.add_argument("--noise", type=float, action="append", default=[])
    ap.add_argument("--bias", action="append", default=[], help="second-hearing bias to try (repeatable)")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--verbose", "-v", action="store_true", help="print each sample the snap step gets wrong")
    args = ap.parse_args()
    manifest = load_manifest(args.samples)[: args.limit]
    if args.noise:
        manifest += noisy_variants(manifest, args.samples, args.noise, Path(tempfile.mkdtemp(prefix="snap-noisy-")))
    p = pipeline()
    rehearers = {f"rehear:{b}": asr.create_recognizer(dataclasses.replace(p.config.asr, bias_mode=b), p.vocabulary)
                 for b in (args.bias or ["hotwords"])}
    p.understand(read_wav(args.samples / manifest[0]["file"]))  # warm-up
    results: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for row in manifest:
        p.state = type(p.state)()
        results.append((row, measure(p, read_wav(args.samples / row["file"]), row, rehearers)))
    steps = ["first", "snap", *rehearers]
    for row, r in results:
        if args.verbose and r.get("miss"):
            print(f"miss [{row['intent']} {row.get('entities')} {row.get('snr_db')}] {r['miss']}")
    print(f"{args.samples}: {len(manifest)} samples; second hearing ran on "
          f"{sum(r['ran'] for _, r in results)}")
    print("step            " + "  ".join(f"{'clean' if s is None else f'{s:g} dB':>8}" for s in
                                        [None, *args.noise]) + "   p50 s   p95 s")
    for step in steps:
        cells = []
        for snr in [None, *args.noise]:
            rows = [r for row, r in results if row.get("snr_db") == snr]
            cells.append(f"{sum(r[step][0] for r in rows) / len(rows):8.1%}")
        times = sorted(r[step][1] for _, r in results)
        print(f"{step:15} " + "  ".join(cells) + f"   {statistics.median(times):5.2f}   "
              f"{times[int(0.95 * (len(times) - 1))]:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
