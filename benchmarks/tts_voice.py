#!/usr/bin/env python3
"""Speech output speed of each voice: ~30 real answers spoken by hibari, espeak-ng and pyttsx3.

Per answer and backend: synthesis time of the whole answer into its WAV (the speaking path
plays the file once it is written, so this is the time to first audio), audio duration,
real-time factor (synthesis time / audio duration) and the time to speak only the first
sentence (the time to first audio if answers were spoken sentence by sentence). Per backend:
load time (making the synthesizer and speaking a first short answer, as the first answer of
a session would) and peak RSS of this process and of its children (pyttsx3's worker, the
espeak-ng program). Each backend runs in a fresh process; each answer is spoken ``--repeat``
times and the median kept, as a busy machine makes single timings noisy.

The answers are ``plantvoice ask`` answers on the demo plant and, for turns of a dialogue,
texts of ``intents/en/responses.yml`` filled in the same way (numbers, units and tags spoken
out as the dialogue writes them).

    .venv/bin/python benchmarks/tts_voice.py                 # all backends, a Markdown report
    .venv/bin/python benchmarks/tts_voice.py --backend hibari --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BACKENDS = ("hibari", "espeak-ng", "pyttsx3")

ANSWERS = (
    "The demo energy site is producing one hundred eighty-seven point one megawatts. There are two active alarms, "
    "two unacknowledged. Highest fault risk: V three oh one, actuator sticking, one hundred percent probable.",
    "The bearing temperature of P one oh two is eighty-nine degrees Celsius, at nine oh six this morning.",
    "Two active alarms: high priority P one oh two high bearing temperature, eighty-eight point seven degrees "
    "Celsius, since yesterday at eight twenty-four in the morning and medium priority T one high oil temperature, "
    "eighty-nine point eight degrees Celsius, since yesterday at twelve fifty-six in the afternoon.",
    "G T one, the gas turbine one: No active alarms. All five readings are in their normal range. Highest fault "
    "risk: G T one, hot gas path degradation, zero percent probable.",
    "Over the last eight hours, the vibration of G T one went from two point two millimetres per second to two "
    "point four millimetres per second. Minimum one point eight millimetres per second, maximum two point five "
    "millimetres per second, mean two point one millimetres per second. It is rising by zero point zero two "
    "millimetres per second per hour.",
    "The drum level of H R S G one is zero millimetres, at nine oh eight this morning.",
    "P one oh two: bearing wear is developing, ninety-nine percent probable. At full load, the bearing temperature "
    "of P one oh two is at or beyond its alarm limit of eighty-five degrees Celsius. Act now.",
    "The state of charge of BESS one is sixty-four percent, at nine oh nine this morning.",
    "P one oh one: bearing temperature fifty-nine point seven degrees Celsius. P one oh two: bearing temperature "
    "eighty-nine point three degrees Celsius. P one oh one is twenty-nine point six degrees Celsius lower.",
    "You can ask for the plant overview, the status or readings of an asset, for example the bearing temperature "
    "of gas turbine one, a trend over time, the active alarms, fault risk, remaining life and why, what to do, the "
    "maintenance history, and notes. To acknowledge alarms or save notes, I read them back first and act only "
    "when you say confirm.",
    "The discharge pressure of P one oh one is one hundred fifty-eight bar, at nine oh nine this morning.",
    "The oil temperature of T one is ninety point one degrees Celsius, at ten past nine this morning.",
    "The vibration of P one oh two is five point two millimetres per second, at ten past nine this morning.",
    "T one, the main transformer: one active alarm: medium priority T one high oil temperature, eighty-nine point "
    "five degrees Celsius, since yesterday at twelve fifty-nine in the afternoon. Outside the normal range: oil "
    "temperature eighty-nine point five degrees Celsius, above normal. Highest fault risk: T one, cooling "
    "degradation, ninety-four percent probable.",
    "For bearing wear on P one oh two: switch to the standby pump and plan a bearing replacement within the week. "
    "First listen to the bearing and compare the drive end with the non drive end and check lubrication oil level "
    "and oil condition.",
    "Which asset do you mean?",
    "There are no active alarms.",
    "Changed.",
    "The bearing temperature of P one oh two is seventy-two point five degrees Celsius, at eight fifteen this "
    "morning.",
    "The bearing temperature of P one oh two is stale. The last value, eighty-one point two degrees Celsius, is "
    "from forty minutes ago, at seven thirty-five this morning. It is not a current value.",
    "The exhaust temperature of G T one is five hundred forty-two degrees Celsius, at nine twelve this morning.",
    "The power output of G T one is sixty-one point four megawatts, at nine twelve this morning.",
    "Acknowledge high priority P one oh two high bearing temperature? Say confirm or cancel.",
    "Acknowledged high priority P one oh two high bearing temperature, logged for Anna Becker.",
    "Over the last twenty-four hours, the level of the battery storage was steady, from sixty-three percent to "
    "sixty-four percent. Minimum sixty-one percent, maximum sixty-six percent, mean sixty-four percent.",
    "I don't know pump nine. Did you mean P one oh one or P one oh two?",
    "Which measurement of G T one? For example power output, exhaust temperature or vibration.",
    "There is no history of the drum level of H R S G one since midnight.",
    "The flow of C W P one is one thousand two hundred forty cubic metres per hour, at nine fourteen this morning.",
    "I will save this note for the late shift: cooling tower fan two makes a rattling noise. Say confirm or cancel.",
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text, maxsplit=1)[0]


def seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def timed(synth: Any, text: str, path: Path) -> float:
    start = time.perf_counter()
    synth.synthesize(text, path)
    return time.perf_counter() - start


def run_backend(backend: str, repeat: int) -> dict[str, Any]:
    """Everything measured for one backend, in this process."""
    from assistant.config import TtsConfig
    from assistant.tts import synthesizers

    with tempfile.TemporaryDirectory(prefix="plantvoice-tts-") as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        synth = synthesizers.create(backend, TtsConfig())
        synth.synthesize("Ready.", out / "ready.wav")
        load_s = time.perf_counter() - start
        rows = []
        for i, text in enumerate(ANSWERS):
            path = out / f"{i}.wav"
            whole = statistics.median(timed(synth, text, path) for _ in range(repeat))
            audio_s = seconds(path)
            first = first_sentence(text)
            first_s = whole if first == text else statistics.median(
                timed(synth, first, out / f"{i}-first.wav") for _ in range(repeat))
            rows.append({"chars": len(text), "sentences": len(_SENTENCE_END.split(text)), "synth_s": whole,
                         "audio_s": audio_s, "rtf": whole / audio_s, "first_sentence_s": first_s})
        close = getattr(synth, "close", None)
        if close:
            close()
    kib = 1024  # ru_maxrss is in KiB on Linux
    return {"backend": backend, "load_s": load_s, "rows": rows,
            "rss_self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kib,
            "rss_children_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / kib}


def median(result: dict[str, Any], key: str) -> float:
    return statistics.median(r[key] for r in result["rows"])


def report(results: list[dict[str, Any]]) -> str:
    lines = ["| backend | load (s) | synthesis = first audio, median (ms) | first sentence only, median (ms) | "
             "audio, median (s) | real-time factor, median | speed (x real time) | peak RSS self / children (MiB) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        rtf = median(r, "rtf")
        lines.append(f"| {r['backend']} | {r['load_s']:.2f} | {median(r, 'synth_s') * 1e3:.0f} | "
                     f"{median(r, 'first_sentence_s') * 1e3:.0f} | {median(r, 'audio_s'):.2f} | {rtf:.3f} | "
                     f"{1 / rtf:.0f} | {r['rss_self_mib']:.0f} / {r['rss_children_mib']:.0f} |")
    names = [r["backend"] for r in results]
    lines += ["", "Per answer: synthesis of the whole answer in ms (= time to first audio) / first sentence only in "
              "ms / audio in s, median of the repeats.", "",
              "| # | chars | sentences | " + " | ".join(names) + " |", "|---|---|---|" + "---|" * len(names)]
    for i in range(len(ANSWERS)):
        cells = [f"{r['rows'][i]['synth_s'] * 1e3:.0f} / {r['rows'][i]['first_sentence_s'] * 1e3:.0f} / "
                 f"{r['rows'][i]['audio_s']:.1f}" for r in results]
        row = results[0]["rows"][i]
        lines.append(f"| {i + 1} | {row['chars']} | {row['sentences']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def backend_main(argv: list[str] | None, doc: str, script: str, run: Callable[[str, int], dict[str, Any]],
                 report: Callable[[list[dict[str, Any]]], str],
                 environment: Callable[[], AbstractContextManager[dict[str, str]]] = lambda: nullcontext({})) -> int:
    """The command line of the TTS benchmarks: ``--backend`` (repeated; default all), ``--repeat`` and
    ``--json``. Each backend is measured by ``run(backend, repeat)`` in a fresh process of ``script``,
    so load time and peak memory are its own; ``environment`` gives variables those processes run
    with (and ends what it started once all are done); the results go to ``report``."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--backend", action="append", choices=BACKENDS, help="only this backend; repeat (default: all)")
    ap.add_argument("--repeat", type=int, default=3, help="speak each answer this many times; the median is kept")
    ap.add_argument("--json", action="store_true", help="one JSON object per backend instead of the report")
    ap.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)  # one backend, this process
    args = ap.parse_args(argv)
    backends = args.backend or list(BACKENDS)
    if args.in_process:
        print(json.dumps(run(backends[0], args.repeat)))
        return 0
    results = []
    with environment() as env:
        for backend in backends:  # a fresh process each
            done = subprocess.run([sys.executable, script, "--in-process", "--backend", backend,
                                   "--repeat", str(args.repeat)], capture_output=True, text=True, check=True,
                                  env={**os.environ, **env})
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print("\n".join(json.dumps(r) for r in results) if args.json else report(results))
    return 0


def main(argv: list[str] | None = None) -> int:
    return backend_main(argv, __doc__ or "", __file__, run_backend, report)


if __name__ == "__main__":
    sys.exit(main())
