#!/usr/bin/env python3
"""Dictation read-back latency: from the end of the spoken "end dictation" to the read-back text.

Ten dictated notes of 2-4 parts in three espeak-ng voices go through ``Pipeline.turn`` as
spoken requests (real speech, faster-whisper, the dialogue and the SQLite note store in a
temporary data directory):

    "start dictation" -> part -> part [-> part -> part] -> "end dictation" -> read-back -> "yes" -> saved

Measured per dictation, with ``time.perf_counter``:

- read-back: from the moment the whole "end dictation" request exists (the SpokenRequest's
  end, as the endpointer hands it over) to the answer text. This is denoising, recognition
  with the dictation recognizer, understanding and the dialogue building the read-back.
  In live use the endpointer first waits ``vad -> silence_ms`` (700 ms) of silence to close
  the request; that wait comes before this and is not included;
- saved: from the end of the spoken "yes" to the answer "Saved as note ...": recognition
  (confirmation recognizer first), the durable write (WAV of the dictated audio fsynced and
  renamed, sentence embeddings, one SQLite transaction with synchronous=FULL) and the audit
  line with fsync. The note store's ``add`` is also timed on its own ("durable write").

Each dictation counts as read back only when the answer waits for confirmation; a spoken end
command that is not recognized as one leaves the dictation going ("Go on, or say end
dictation."): such answers are counted and timed apart. ``--end`` chooses the spoken end
command (repeat it to run the ten dictations once per command). After the timing, each saved
note is read back from the file through a second NoteStore handle and compared with the
read-back text.

Percentiles are nearest-rank: with 10 values the p95 is the largest. One untimed note
(spoken, read back, confirmed) warms up all three recognizers and the store first.

    .venv/bin/python benchmarks/dictation_readback.py
    .venv/bin/python benchmarks/dictation_readback.py --end "end dictation" --end "stop dictation" --json out.json
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/speech.py: espeak-ng speech with a noise floor

VOICES = ("en-us", "en-gb+m3", "en-us+f3")
PART_COUNTS = (2, 3, 4, 3, 4, 2, 4, 2, 3, 3)  # per dictation; each voice gets 2, 3 and 4 parts
PARTS = (
    "the cooling tower fan is noisy", "the oil level is low", "feed pump two runs hot",
    "the drain valve was left open", "we replaced the inlet filter", "the alarm cleared at noon",
    "the seal is weeping a little", "the standby pump was started", "the transformer hums louder than usual",
    "check the vibration at the next round", "the boiler pressure is steady", "the work permit was closed",
)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median_s": round(statistics.median(values), 3),
            "p95_s": round(percentile(values, 95), 3), "min_s": round(min(values), 3),
            "max_s": round(max(values), 3)}


class Speech:
    """Spoken requests made once with espeak-ng (tests/speech.py) and kept in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def request(self, text: str, voice: str) -> Any:
        from assistant.events import SpokenRequest
        from speech import say

        path = self.folder / f"{'-'.join(text.split())}-{voice.replace('+', '-')}.wav"
        if not path.exists():
            say(text, path, voice=voice)
        with wave.open(str(path)) as w:
            audio = w.readframes(w.getnframes())
        return SpokenRequest(audio, started=0.0, stopped=len(audio) / 2 / 16000)


def run(end_phrase: str, pipeline: Any, speech: Speech, check_store: Any, writes: list[float]) -> dict[str, Any]:
    from assistant.dialogue import DialogueState

    rows, at = [], 0
    for i, count in enumerate(PART_COUNTS):
        voice = VOICES[i % len(VOICES)]
        parts = [PARTS[(at + k) % len(PARTS)] for k in range(count)]
        at += count
        pipeline.state = DialogueState()
        row: dict[str, Any] = {"voice": voice, "parts": count, "spoken": " ".join(parts)}
        started = pipeline.turn(speech.request("start dictation", voice))
        if started.answer is None or started.answer.awaiting != "dictation":
            row.update(outcome="not started", heard=started.transcript.text)
            rows.append(row)
            continue
        audio_s = 0.0
        for part in parts:
            request = speech.request(part, voice)
            audio_s += request.seconds
            pipeline.turn(request)
        row["audio_s"] = round(audio_s, 2)

        request = speech.request(end_phrase, voice)
        began = time.perf_counter()  # the whole request exists: the end of its speech
        ended = pipeline.turn(request)
        row["end_s"] = round(time.perf_counter() - began, 3)
        row["end_recognition_s"] = round(ended.transcript.seconds, 3)
        row["heard"] = ended.transcript.text
        row["answer"] = ended.answer.text if ended.answer else None
        if ended.answer is None or ended.answer.awaiting != "confirm":
            row["outcome"] = "not read back" if pipeline.state.awaiting == "dictation" else "dropped"
            rows.append(row)
            continue
        row["readback_s"] = row["end_s"]
        readback_text = ended.answer.data.get("text")

        request = speech.request("yes", voice)
        done = len(writes)
        began = time.perf_counter()
        saved = pipeline.turn(request)
        row["saved_s"] = round(time.perf_counter() - began, 3)
        row["write_s"] = round(writes[done], 3) if len(writes) > done else None
        if saved.answer is None or not saved.answer.text.startswith("Saved as note"):
            row.update(outcome="not saved", yes_heard=saved.transcript.text,
                       yes_answer=saved.answer.text if saved.answer else None)
            rows.append(row)
            continue
        note = check_store.get(saved.answer.data["note"]["id"])  # as another process reads the file
        row["outcome"] = "saved" if note is not None and note.text == readback_text else "saved text differs"
        row["note"] = note.text if note is not None else None
        rows.append(row)
    return {
        "end_phrase": end_phrase,
        "dictations": rows,
        "read_back": sum("readback_s" in r for r in rows),
        "saved": sum(r.get("outcome") == "saved" for r in rows),
        "readback": summary([r["readback_s"] for r in rows if "readback_s" in r]),
        "end_answer_any": summary([r["end_s"] for r in rows if "end_s" in r]),
        "end_recognition": summary([r["end_recognition_s"] for r in rows if "end_recognition_s" in r]),
        "yes_to_saved": summary([r["saved_s"] for r in rows if r.get("outcome") == "saved"]),
        "durable_write": summary([r["write_s"] for r in rows if r.get("write_s") is not None]),
    }


def machine() -> dict[str, str]:
    def sh(command: str) -> str:
        return subprocess.run(command, shell=True, capture_output=True, text=True).stdout.strip()

    return {"date": sh("date"), "nproc": sh("nproc"), "cpu": sh("lscpu | grep 'Model name'").split(":", 1)[-1].strip(),
            "python": platform.python_version()}


def report(result: dict[str, Any]) -> None:
    print(f"\n== spoken end command: {result['end_phrase']!r} ==")
    print(f"{'voice':9} {'parts':>5} {'audio':>6} {'end->answer':>11} {'yes->saved':>10} {'write':>6}  outcome / heard")
    for r in result["dictations"]:
        saved = f"{r['saved_s']:.3f}" if "saved_s" in r else "-"
        write = f"{r['write_s']:.3f}" if r.get("write_s") is not None else "-"
        end = f"{r['end_s']:.3f}" if "end_s" in r else "-"
        print(f"{r['voice']:9} {r['parts']:>5} {r.get('audio_s', 0):>5.1f}s {end:>11} {saved:>10} {write:>6}  "
              f"{r['outcome']}: heard {r.get('heard')!r}")
    n = len(result["dictations"])
    print(f"read back: {result['read_back']}/{n}, saved: {result['saved']}/{n}")
    for key, label in (("readback", "end of speech -> read-back"), ("end_answer_any", "end of speech -> any answer"),
                       ("end_recognition", "  of which recognition"), ("yes_to_saved", "end of 'yes' -> saved"),
                       ("durable_write", "  of which the store's add")):
        s = result[key]
        if s["n"]:
            print(f"{label:30} n={s['n']:2}  median {s['median_s']:.3f} s  p95 {s['p95_s']:.3f} s  "
                  f"(min {s['min_s']:.3f}, max {s['max_s']:.3f})")
        else:
            print(f"{label:30} n= 0")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--end", action="append", help='the spoken end command (default "end dictation"); repeatable')
    parser.add_argument("--json", type=Path, help="write all measurements here")
    args = parser.parse_args(argv)
    ends = args.end or ["end dictation"]

    began = time.perf_counter()
    from assistant.config import Config, NotesConfig
    from assistant.dialogue import DialogueState
    from assistant.notes import NoteStore, ShiftSchedule
    from assistant.pipeline import Pipeline

    with tempfile.TemporaryDirectory(prefix="dictation-readback-") as tmp:
        data, folder = Path(tmp) / "data", Path(tmp) / "speech"
        folder.mkdir()
        pipeline = Pipeline(Config(data_dir=str(data)))
        built = time.perf_counter() - began
        speech = Speech(folder)
        check_store = NoteStore(data / "notes.sqlite", ShiftSchedule.parse(NotesConfig().shifts),
                                pipeline.plant.model.site.tz)
        writes: list[float] = []
        store = pipeline.dialogue.notes
        add = store.add

        def timed_add(*a: Any, **k: Any) -> Any:
            start = time.perf_counter()
            try:
                return add(*a, **k)
            finally:
                writes.append(time.perf_counter() - start)

        store.add = timed_add  # type: ignore[method-assign]
        for text in ("take a note: the warm up note", "yes"):  # untimed: loads and warms every stage
            pipeline.turn(speech.request(text, VOICES[0]))
        pipeline.turn(speech.request("start dictation", VOICES[0]))
        pipeline.state = DialogueState()
        results = [run(end, pipeline, speech, check_store, writes) for end in ends]
    info = {**machine(), "pipeline_build_s": round(built, 1), "runtime_s": round(time.perf_counter() - began, 1)}
    for result in results:
        report(result)
    print(f"\n{info['date']}; {info['nproc']} cores, {info['cpu']}; Python {info['python']}; "
          f"pipeline built in {info['pipeline_build_s']} s; runtime {info['runtime_s']} s")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
