#!/usr/bin/env python3
"""Confirmation safety: spoken answers arriving while a write waits for its yes.

While an alarm acknowledgement and, separately, a note wait for confirmation, real speech goes
through ``Pipeline.understand`` and ``Pipeline.respond`` (pocketsphinx yes / no grammar,
faster-whisper, the classifier, the dialogue, the plant and the note store in a temporary data
directory). Three kinds of speech, in seven voices (espeak-ng en-us, en-gb, en-gb-scotland,
en-us+f3; neural hibari:heart, hibari:heart-gb, piper:joe; see tests/speech.py), every fourth
one with white noise at 15 dB SNR:

- unrelated: plant requests from intents/en and benchmarks/paraphrases/en.yml, out-of-scope
  remarks and control-room chatter; none of them may write anything;
- negatives: "no", "cancel", "stop", "negative", "don't", "never mind", "hold on" ... ; none may write;
- yeses: "yes", "yes please", "confirm", "go ahead", "affirmative", "correct", "do it" in every
  voice, clean and noisy: how many are accepted (usability).

Writes are counted in the audit log (every acknowledgement and every saved note is audited).
Understanding depends only on a write waiting, not on which, so each utterance is understood
once and answered in both states. Items are split into development and test halves by a hash of
(text, voice, noise); ``confirm.MIN_CONFIDENCE`` (grammar and faster-whisper agree) and
``confirm.ALONE_CONFIDENCE`` (faster-whisper alone, the grammar heard no no) are chosen on the
development half (the largest thresholds that keep the most yeses with no unrelated or negative
utterance accepted) and the test half is reported. The old rule (the grammar alone: a confirm phrase it is sure of) is counted on
the same grammar transcripts for comparison.

Speech is cached under /tmp/plantvoice-confirmation (``--cache``), never in the repository.

    .venv/bin/python benchmarks/confirmation.py
    .venv/bin/python benchmarks/confirmation.py --json /tmp/confirmation.json
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/speech.py: espeak-ng and neural test voices

if TYPE_CHECKING:
    from assistant.pipeline import Pipeline

VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-us+f3", "hibari:heart", "hibari:heart-gb", "piper:joe")
NOISE_DB = 15.0
YESES = ("yes", "yes please", "confirm", "go ahead", "affirmative", "correct", "do it")
NEGATIVES = (
    "no", "no thanks", "no thank you", "nope", "cancel", "cancel that", "cancel it", "stop", "stop that",
    "negative", "don't", "don't do it", "no don't", "never mind", "never", "forget it", "abort", "no wait",
    "wait", "hold on", "hold on a second", "not yet", "not now", "no not that one", "cancel please",
    "don't acknowledge it", "don't save it", "no cancel", "negative cancel", "stop stop", "no no",
    "wait a moment", "I said no", "don't bother", "no leave it", "cancel the acknowledgement",
)
CHATTER = (
    "hold on let me check the drawings", "how is the plant doing", "help", "show me the active alarms",
    "what time does the shift end", "can you pass me the radio", "I'll be back in five minutes",
    "the coffee machine is broken again", "who is on call tonight", "did you see the match last night",
    "let me think about that", "just a second", "hang on I'm on the phone", "what did the supervisor say",
    "I need to check with maintenance first", "okay let me look at the screen", "is anyone in the control room",
    "the printer is out of paper", "go and get the permit book", "we should call the electrician",
    "do you hear that noise", "what was that", "is it raining outside", "send the report to the manager",
    "put the kettle on", "where are the keys for the substation", "hello", "good morning", "thanks",
    "that's interesting", "I'm not sure about that", "let's wait for the day shift", "do you know the code",
    "go to the next screen", "ahead of schedule today", "yesterday was busy", "correct me if I'm wrong",
    "confirmation of the permit is in the folder", "do it later", "yes the forklift is outside",
)
SOURCES = ("intents/en/alarms.yml", "intents/en/faults.yml", "intents/en/notes.yml", "intents/en/plant.yml",
           "intents/en/out_of_scope.yml", "benchmarks/paraphrases/en.yml")
UNRELATED_PER_SOURCE = 30
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(20))


@dataclass(frozen=True)
class Item:
    kind: str  # unrelated | negative | yes
    text: str
    voice: str
    noise_db: float | None

    @property
    def key(self) -> int:
        return zlib.crc32(f"{self.text}|{self.voice}|{self.noise_db}".encode())

    @property
    def split(self) -> str:
        return "dev" if self.key % 2 == 0 else "test"


def _examples(path: Path) -> list[str]:
    """Plain example sentences of a Rasa NLU file: markup ``[words](entity)`` becomes the words."""
    lines = re.findall(r"^\s+- (.+)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return [re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line).strip() for line in lines]


def items() -> list[Item]:
    rng = random.Random(7)
    unrelated = list(CHATTER)
    for source in SOURCES:
        pool = sorted(set(_examples(ROOT / source)))
        unrelated += rng.sample(pool, UNRELATED_PER_SOURCE)
    found: list[Item] = []
    for kind, texts in (("unrelated", unrelated), ("negative", NEGATIVES * 3)):
        for i, text in enumerate(texts):
            found.append(Item(kind, text, VOICES[i % len(VOICES)], NOISE_DB if i % 4 == 3 else None))
    for voice in VOICES:
        for text in YESES:
            found += [Item("yes", text, voice, None), Item("yes", text, voice, NOISE_DB)]
    return found


def speak(item: Item, cache: Path) -> Path:
    from speech import say

    path = cache / f"{item.key:08x}.wav"
    if not path.is_file():
        say(item.text, path.with_suffix(".tmp.wav"), voice=item.voice, speed=160, noise_db=item.noise_db)
        path.with_suffix(".tmp.wav").rename(path)
    return path


class Recorder:
    """A recognizer that remembers the last transcript it gave (the pipeline's own hearing)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.last = inner, None

    def transcribe(self, samples: Any) -> Any:
        self.last = self.inner.transcribe(samples)
        return self.last

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _writes(pipeline: Pipeline) -> int:
    """How many writes the audit log holds."""
    return sum(e.kind == "write" for e in pipeline.audit.entries())


def run(args: argparse.Namespace) -> dict[str, Any]:
    from assistant import asr, confirm
    from assistant.audio import load_wav
    from assistant.config import load_config
    from assistant.dialogue import DialogueState, Heard
    from assistant.pipeline import Pipeline

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    todo = [item for item in items() if item.kind in args.kinds][::args.every]
    began = time.perf_counter()
    wavs = [speak(item, cache) for item in todo]
    synth_s = time.perf_counter() - began
    data = Path(tempfile.mkdtemp(prefix="confirmation-"))
    pipeline = Pipeline.from_config(load_config(env={"PLANTVOICE_DATA_DIR": str(data),
                                                     "PLANTVOICE_STATION_DEFAULT_ROLE": "engineer"}))
    grammar, command = Recorder(pipeline.confirmation), Recorder(pipeline.recognizer)
    pipeline.__dict__.update(confirmation=grammar, recognizer=command)
    waiting: dict[str, DialogueState] = {}
    for kind, request in (("alarm_acknowledge", "acknowledge the alarm on the main transformer"),
                          ("note_add", "take a note the cooling water valve is leaking slightly")):
        pipeline.state = DialogueState()
        _, answer = pipeline.ask(request)
        assert answer.awaiting == "confirm" and pipeline.state.pending is not None, answer.text
        assert pipeline.state.pending.kind == kind, pipeline.state.pending
        waiting[kind] = pipeline.state
    rows: list[dict[str, Any]] = []
    seconds: list[float] = []
    for item, wav in zip(todo, wavs):
        samples = load_wav(wav)
        grammar.last = command.last = None
        pipeline.state = waiting["alarm_acknowledge"]
        start = time.perf_counter()
        transcript, intent = pipeline.understand(samples)
        seconds.append(time.perf_counter() - start)
        g, o = grammar.last, command.last
        old = (g is not None and not asr.is_no_request(g, pipeline.config.asr)
               and pipeline.parse(g.text).name == "confirm")
        row = {"kind": item.kind, "text": item.text, "voice": item.voice, "noise_db": item.noise_db,
               "split": item.split, "grammar": g.text if g else None, "open": o.text if o else None,
               "open_confidence": o.confidence if o else None, "intent": intent.name,
               "intent_confidence": intent.confidence, "old_rule_yes": old,
               "no_request": asr.is_no_request(o, pipeline.config.asr) if o else True}
        for kind, state in waiting.items():
            pipeline.state = state
            before = _writes(pipeline)
            answer = None
            if intent.text:  # no request heard: nothing answered, the write keeps waiting
                answer = pipeline.respond(intent, heard=Heard(samples.tobytes(), 16000, transcript.confidence))
            written = _writes(pipeline) > before
            row[kind] = "written" if written else (
                "kept" if answer is None or answer.awaiting == "confirm" else "dropped")
            row[f"{kind}_answer"] = answer.text if answer else None
        rows.append(row)
        if args.verbose:
            print(json.dumps(row, ensure_ascii=False), flush=True)
    return {"rows": rows, "synth_s": synth_s, "understand_s": seconds, "data_dir": str(data)}


def _heard_yes(row: dict[str, Any], agreed: float, alone: float) -> bool:
    from assistant import confirm
    from assistant.events import Transcript

    if row["grammar"] is None or row["open"] is None or row["no_request"]:
        return False
    return confirm.heard_yes(Transcript(row["grammar"]), Transcript(row["open"], row["open_confidence"]),
                             agreed, alone)


def choose(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """The thresholds (grammar agreed, open recognizer alone) with the most development yeses accepted and
    no other development utterance accepted; of equals, the largest (the most careful)."""
    dev = [r for r in rows if r["split"] == "dev"]
    best: tuple[int, float, float] | None = None
    for agreed in THRESHOLDS:
        for alone in THRESHOLDS:
            if any(_heard_yes(r, agreed, alone) for r in dev if r["kind"] != "yes"):
                continue
            score = (sum(_heard_yes(r, agreed, alone) for r in dev if r["kind"] == "yes"), alone, agreed)
            best = score if best is None or score >= best else best
    assert best is not None, "no threshold keeps the development noes out"
    return best[2], best[1]


def summary(result: dict[str, Any]) -> dict[str, Any]:
    from assistant import confirm

    rows = result["rows"]
    agreed, alone = choose(rows)
    out: dict[str, Any] = {"chosen": {"agreed": agreed, "alone": alone},
                           "in_code": {"agreed": confirm.MIN_CONFIDENCE, "alone": confirm.ALONE_CONFIDENCE}}
    for split in ("dev", "test", "all"):
        part = [r for r in rows if split in ("all", r["split"])]
        block: dict[str, Any] = {}
        for kind in ("unrelated", "negative", "yes"):
            of = [r for r in part if r["kind"] == kind]
            block[kind] = {
                "n": len(of),
                "ack_written": sum(r["alarm_acknowledge"] == "written" for r in of),
                "note_written": sum(r["note_add"] == "written" for r in of),
                "ack_kept": sum(r["alarm_acknowledge"] == "kept" for r in of),
                "ack_dropped": sum(r["alarm_acknowledge"] == "dropped" for r in of),
                "heard_yes_at_chosen": sum(_heard_yes(r, agreed, alone) for r in of),
                "heard_yes_only_if_both_agree": sum(_heard_yes(r, agreed, 2.0) for r in of),
                "old_rule_yes": sum(r["old_rule_yes"] for r in of),
            }
        out[split] = block
    yes = [r for r in rows if r["kind"] == "yes"]
    out["yes_by_voice"] = {v: f"{sum(r['alarm_acknowledge'] == 'written' for r in yes if r['voice'] == v)}/"
                              f"{sum(r['voice'] == v for r in yes)}" for v in VOICES}
    out["yes_by_phrase"] = {p: f"{sum(r['alarm_acknowledge'] == 'written' for r in yes if r['text'] == p)}/"
                               f"{sum(r['text'] == p for r in yes)}" for p in YESES}
    out["yes_noisy"] = f"{sum(r['alarm_acknowledge'] == 'written' for r in yes if r['noise_db'])}/" \
                       f"{sum(1 for r in yes if r['noise_db'])}"
    out["missed_yes_heard_as"] = Counter(f"{r['grammar']!r} / {r['open']!r}" for r in yes
                                         if r["alarm_acknowledge"] != "written").most_common(12)
    out["writes_from_non_yes"] = [r for r in rows if r["kind"] != "yes"
                                  and "written" in (r["alarm_acknowledge"], r["note_add"])]
    s = sorted(result["understand_s"])
    out["understand_s"] = {"median": round(s[len(s) // 2], 3), "p95": round(s[int(0.95 * (len(s) - 1))], 3)}
    out["synth_s"] = round(result["synth_s"], 1)
    out["machine"] = f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}"
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", default="/tmp/plantvoice-confirmation")
    parser.add_argument("--json", help="write every row and the summary here")
    parser.add_argument("--kinds", nargs="+", default=["unrelated", "negative", "yes"],
                        help="only these kinds of utterance (unrelated, negative, yes)")
    parser.add_argument("--rows", nargs="+", help="summarise the rows of earlier --json runs instead of measuring "
                        "(a later file's row replaces an earlier one's of the same text, voice and noise)")
    parser.add_argument("--every", type=int, default=1, help="only every n-th utterance (a quick look)")
    parser.add_argument("--verbose", action="store_true", help="print each row as it is measured")
    args = parser.parse_args()
    if args.rows:
        merged = {(r["text"], r["voice"], r["noise_db"]): r for path in args.rows
                  for r in json.loads(Path(path).read_text())["rows"]}
        rows = list(merged.values())
        print(json.dumps(summary({"rows": rows, "synth_s": 0.0, "understand_s": [0.0]}), indent=1))
        return 0
    result = run(args)
    if args.json:  # the rows first: a summary can be remade from them (--rows)
        Path(args.json).write_text(json.dumps({"rows": result["rows"]}, indent=1))
    out = summary(result)
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": out, "rows": result["rows"]}, indent=1))
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 1 if out["writes_from_non_yes"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
