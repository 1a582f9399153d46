#!/usr/bin/env python3
"""Confirmation safety in German: spoken German answers arriving while a write waits for its yes.

A station with ``language = "de"`` (intents/de, faster-whisper base with language German, the
pocketsphinx yes / no grammar, whose phrases are English). While an alarm acknowledgement
("Quittiere den Alarm am Haupttransformator") and, separately, a note ("Notiz: das
Kühlwasserventil ist leicht undicht") wait for confirmation, real speech goes through
``Pipeline.understand`` and ``Pipeline.respond`` (both recognizers, the German understander, the
dialogue, the plant and the note store in a temporary data directory). Three kinds of speech, in
four voices (SVOX Pico de-DE, espeak-ng de, de+m3, de+f2; the paces of benchmarks/german_speech.py),
every fourth round of the voices (unrelated, negative) with white noise at 15 dB SNR (tests/speech.py's mix):

- unrelated: the held-out German requests of intents/de/tests (no confirm, deny or cancel examples),
  benchmarks/german_requests.yml (its deny and cancel requests go with the negatives; its soft
  "Ja, genau" is no clear yes and stays), 12 random examples of each of intents/de alarms, faults, notes and
  plant, and control-room remarks (``CHATTER``); none may write anything;
- negatives: "nein", "abbrechen", "stopp", "nicht quittieren", "doch nicht", "warte" ... (``NEGATIVES``)
  in three voices each; none may write;
- yeses: ``YESES`` in every voice, clean and noisy: how many are accepted (usability).

Writes are counted in the audit log (and an acknowledgement carried out again, which adds no row).
Understanding depends only on a write waiting, not on which, so each utterance is understood once
and answered in both states. The thresholds of ``assistant/confirm.py`` are the English ones, used
as they are; reported beside them: how many non-yes utterances faster-whisper wrote as a whole yes
phrase at any confidence (the margin), and what the English grammar heard.

Pico is left out where ``pico2wave`` is missing (scripts/voice-pico.sh installs it). Speech is cached
under /tmp/plantvoice-confirmation-de (``--cache``), never in the repository.

    nice .venv/bin/python benchmarks/confirmation_de.py --json /tmp/confirmation_de.json
    .venv/bin/python benchmarks/confirmation_de.py --rows /tmp/confirmation_de.json
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/speech.py: espeak-ng speech and noise

from confirmation import Recorder, _examples, _writes  # noqa: E402

VOICES = {"pico": 150, "de": 150, "de+m3": 175, "de+f2": 130}  # voice: words per minute
NOISE_DB = 15.0
YESES = ("ja", "ja bitte", "jawohl", "bestätigt", "bestätigen", "korrekt", "ich bestätige")
NEGATIVES = (
    "nein", "nein danke", "nee", "abbrechen", "abbrechen bitte", "stopp", "halt", "nicht quittieren",
    "nicht speichern", "doch nicht", "negativ", "warte", "warte mal", "Moment", "Moment mal",
    "auf keinen Fall", "nein nicht", "nein stopp", "nicht jetzt", "noch nicht", "lieber nicht",
    "vergiss es", "nein warte", "stopp stopp", "nein nein", "keinesfalls", "quittiere ihn nicht",
    "speicher das nicht", "ich habe nein gesagt", "nein das ist falsch", "falsch", "abbruch",
    "bitte nicht", "nein lass das", "einen Augenblick", "niemals",
)
CHATTER = (
    "Moment, ich schau mal in die Zeichnung", "Wie geht's der Anlage?", "Hilfe", "Zeig mir die aktiven Alarme",
    "Wann ist heute Schichtwechsel?", "Gibst du mir mal das Funkgerät?", "Ich bin in fünf Minuten zurück",
    "Die Kaffeemaschine ist schon wieder kaputt", "Wer hat heute Nacht Bereitschaft?",
    "Hast du gestern das Spiel gesehen?", "Lass mich kurz nachdenken", "Eine Sekunde noch",
    "Warte, ich telefoniere gerade", "Was hat der Schichtleiter gesagt?",
    "Ich muss erst mit der Instandhaltung sprechen", "Okay, ich schau mal auf den Bildschirm",
    "Ist jemand in der Warte?", "Der Drucker hat kein Papier mehr", "Hol mal das Freigabebuch",
    "Wir sollten den Elektriker anrufen", "Hörst du das Geräusch?", "Was war das?", "Regnet es draußen?",
    "Schick den Bericht an den Betriebsleiter", "Setz mal Wasser auf", "Wo sind die Schlüssel für das Umspannwerk?",
    "Hallo", "Guten Morgen", "Danke", "Das ist ja interessant", "Da bin ich mir nicht sicher",
    "Lass uns auf die Frühschicht warten", "Kennst du den Code?", "Nächstes Bild bitte",
    "Heute sind wir gut im Plan", "Gestern war viel los", "Korrigier mich, wenn ich falsch liege",
    "Die Bestätigung der Freigabe liegt im Ordner", "Mach das später", "Ja, der Stapler steht draußen",
    "Ja und die Vibration?", "Na ja, mal sehen", "Gut, dann warten wir", "Alles klar soweit",
)
TRAINING = ("alarms.yml", "faults.yml", "notes.yml", "plant.yml")  # intents/de: a random few of each
TRAINING_PER_FILE = 12
TESTS = ("alarms_test.yml", "faults_test.yml", "notes_test.yml", "out_of_scope_test.yml", "plant_test.yml",
         "people_test.yml")
DIALOGUE_KEPT = ("help", "repeat")  # of dialogue_test.yml: confirm, deny and cancel are answers, not unrelated
WRITES = (("alarm_acknowledge", "Quittiere den Alarm am Haupttransformator"),
          ("note_add", "Notiz: das Kühlwasserventil ist leicht undicht"))


@dataclass(frozen=True)
class Item:
    kind: str  # unrelated | negative | yes
    text: str
    voice: str
    noise_db: float | None

    @property
    def key(self) -> int:
        return zlib.crc32(f"{self.text}|{self.voice}|{self.noise_db}".encode())


def _dialogue_examples(path: Path) -> list[str]:
    """The examples of the intents ``DIALOGUE_KEPT`` in a Rasa NLU test file."""
    found = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if block["intent"] in DIALOGUE_KEPT:
            lines = re.findall(r"^- (.+)$", block["examples"], flags=re.MULTILINE)
            found += [re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line).strip() for line in lines]
    return found


def unrelated_texts() -> list[str]:
    """Every held-out German request that is not an answer, the benchmark requests and the chatter, once each."""
    from assistant import confirm

    tests = ROOT / "intents" / "de" / "tests"
    texts = [*CHATTER, *_dialogue_examples(tests / "dialogue_test.yml")]
    for name in TESTS:
        texts += _examples(tests / name)
    requests = yaml.safe_load((ROOT / "benchmarks" / "german_requests.yml").read_text(encoding="utf-8"))
    texts += [r["text"] for r in requests["requests"]] + list(requests["out_of_scope"])
    rng = random.Random(5)
    for name in TRAINING:
        texts += rng.sample(sorted(set(_examples(ROOT / "intents" / "de" / name))), TRAINING_PER_FILE)
    unique = list(dict.fromkeys(texts))
    return [t for t in unique if not confirm.is_yes(t)]  # a yes phrase is no unrelated remark


def refusals_among_requests() -> set[str]:
    """The deny and cancel requests of benchmarks/german_requests.yml: spoken noes, counted with the negatives."""
    requests = yaml.safe_load((ROOT / "benchmarks" / "german_requests.yml").read_text(encoding="utf-8"))
    return {r["text"] for r in requests["requests"] if r["intent"] in ("deny", "cancel")}


def voices() -> tuple[str, ...]:
    return tuple(v for v in VOICES if v != "pico" or shutil.which("pico2wave"))


def items() -> list[Item]:
    spoken = voices()
    rng = random.Random(11)
    unrelated = unrelated_texts()
    rng.shuffle(unrelated)
    refusals = refusals_among_requests()
    found: list[Item] = []
    for kind, texts, times in (("unrelated", unrelated, 1), ("negative", list(NEGATIVES), 3)):
        for i, text in enumerate(texts * times):  # a repeat in the next voice
            voice = spoken[(i + i // len(texts)) % len(spoken)]
            said = "negative" if text in refusals else kind
            found.append(Item(said, text, voice, NOISE_DB if i // len(spoken) % 4 == 3 else None))
    for voice in spoken:
        for text in YESES:
            found += [Item("yes", text, voice, None), Item("yes", text, voice, NOISE_DB)]
    return found


def speak(item: Item, cache: Path) -> Path:
    """The item's speech as 16 kHz mono, padded with a low noise floor or mixed with noise (tests/speech.py)."""
    from speech import _mix_noise, say

    path = cache / f"{item.key:08x}.wav"
    if path.is_file():
        return path
    partial = path.with_suffix(".tmp.wav")
    if item.voice != "pico":
        say(item.text, partial, voice=item.voice, speed=VOICES[item.voice], noise_db=item.noise_db)
    else:
        raw, padded = path.with_suffix(".pico.wav"), path.with_suffix(".pad.wav")
        subprocess.run(["pico2wave", "-l", "de-DE", "-w", str(raw), "--", item.text], check=True,
                       capture_output=True)
        subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(padded), "pad", "0.4", "0.4"],
                       check=True)
        _mix_noise(padded, partial, level=0.003 if item.noise_db is None else None, snr_db=item.noise_db)
        raw.unlink()
        padded.unlink()
    partial.rename(path)
    return path


def german_pipeline(data: Path) -> Any:
    from assistant.config import load_config
    from assistant.pipeline import Pipeline

    config = load_config(env={"PLANTVOICE_DATA_DIR": str(data), "PLANTVOICE_STATION_DEFAULT_ROLE": "engineer"})
    return Pipeline.from_config(config.replace("station", language="de"))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from assistant import asr
    from assistant.audio import load_wav
    from assistant.dialogue import DialogueState, Heard

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    todo = [item for item in items() if item.kind in args.kinds][::args.every]
    began = time.perf_counter()
    wavs = [speak(item, cache) for item in todo]
    synth_s = time.perf_counter() - began
    data = Path(tempfile.mkdtemp(prefix="confirmation-de-"))
    pipeline = german_pipeline(data)
    assert pipeline.lang.code == "de" and pipeline.lang.config.asr.language == "de"
    grammar, command = Recorder(pipeline.confirmation), Recorder(pipeline.recognizer)
    pipeline.lang.__dict__.update(confirmation=grammar, recognizer=command)
    waiting: dict[str, DialogueState] = {}
    for kind, request in WRITES:
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
        row = {"kind": item.kind, "text": item.text, "voice": item.voice, "noise_db": item.noise_db,
               "grammar": g.text if g else None, "grammar_confidence": g.confidence if g else None,
               "open": o.text if o else None, "open_confidence": o.confidence if o else None,
               "heard": transcript.text, "intent": intent.name, "intent_confidence": intent.confidence,
               "no_request": asr.is_no_request(o, pipeline.config.asr) if o else True}
        for kind, state in waiting.items():
            pipeline.state = state
            before = _writes(pipeline)
            answer = None
            if intent.text:  # no request heard: nothing answered, the write keeps waiting
                answer = pipeline.respond(intent, heard=Heard(samples.tobytes(), 16000, transcript.confidence))
            written = _writes(pipeline) > before or bool(answer and answer.data.get("acknowledged"))
            row[kind] = "written" if written else "kept" if pipeline.state.pending == state.pending else "dropped"
            row[f"{kind}_answer"] = answer.text if answer else None
        rows.append(row)
        if args.verbose:
            print(json.dumps(row, ensure_ascii=False), flush=True)
    return {"rows": rows, "synth_s": synth_s, "understand_s": seconds, "data_dir": str(data)}


def _margin(row: dict[str, Any]) -> bool:
    """faster-whisper wrote a whole yes phrase and the grammar heard no no: a yes at some confidence."""
    from assistant import confirm
    from assistant.events import Transcript

    if row["grammar"] is None or row["open"] is None or row["no_request"]:
        return False
    return confirm.heard_yes(Transcript(row["grammar"]), Transcript(row["open"], row["open_confidence"]), 0.0, 0.0)


def _of(rows: list[dict[str, Any]], kind: str = "yes", **where: Any) -> str:
    part = [r for r in rows if r["kind"] == kind and all(r[k] == v for k, v in where.items())]
    return f"{sum(r['alarm_acknowledge'] == 'written' for r in part)}/{len(part)}"


def summary(result: dict[str, Any]) -> dict[str, Any]:
    from assistant import confirm

    rows = result["rows"]
    out: dict[str, Any] = {"thresholds": {"agreed": confirm.MIN_CONFIDENCE, "alone": confirm.ALONE_CONFIDENCE}}
    for kind in ("unrelated", "negative", "yes"):
        of = [r for r in rows if r["kind"] == kind]
        out[kind] = {
            "n": len(of),
            "noisy": sum(r["noise_db"] is not None for r in of),
            "ack_written": sum(r["alarm_acknowledge"] == "written" for r in of),
            "note_written": sum(r["note_add"] == "written" for r in of),
            "ack_kept": sum(r["alarm_acknowledge"] == "kept" for r in of),
            "ack_dropped": sum(r["alarm_acknowledge"] == "dropped" for r in of),
            "note_kept": sum(r["note_add"] == "kept" for r in of),
            "note_dropped": sum(r["note_add"] == "dropped" for r in of),
            "whole_yes_at_any_confidence": sum(_margin(r) for r in of),
            "grammar_heard": Counter(r["grammar"] for r in of).most_common(),
        }
    spoken = sorted({r["voice"] for r in rows}, key=list(VOICES).index)
    out["yes_by_voice"] = {v: _of(rows, voice=v) for v in spoken}
    out["yes_by_voice_clean"] = {v: _of(rows, voice=v, noise_db=None) for v in spoken}
    out["yes_by_voice_noisy"] = {v: _of(rows, voice=v, noise_db=NOISE_DB) for v in spoken}
    out["yes_by_phrase"] = {p: _of(rows, text=p) for p in YESES}
    yes = [r for r in rows if r["kind"] == "yes"]
    out["yes_both_states_agree"] = all(r["alarm_acknowledge"] == r["note_add"] for r in yes)
    out["missed_yes_heard_as"] = Counter(f"{r['grammar']!r} / {r['open']!r}" for r in yes
                                         if r["alarm_acknowledge"] != "written").most_common(15)
    out["writes_from_non_yes"] = [r for r in rows if r["kind"] != "yes"
                                  and "written" in (r["alarm_acknowledge"], r["note_add"])]
    s = sorted(result["understand_s"])
    out["understand_s"] = {"median": round(s[len(s) // 2], 3), "p95": round(s[int(0.95 * (len(s) - 1))], 3)}
    out["synth_s"] = round(result["synth_s"], 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", default="/tmp/plantvoice-confirmation-de")
    parser.add_argument("--json", help="write every row and the summary here")
    parser.add_argument("--kinds", nargs="+", default=["unrelated", "negative", "yes"],
                        help="only these kinds of utterance (unrelated, negative, yes)")
    parser.add_argument("--rows", nargs="+", help="summarise the rows of earlier --json runs instead of measuring "
                        "(a later file's row replaces an earlier one's of the same text, voice and noise)")
    parser.add_argument("--every", type=int, default=1, help="only every n-th utterance (a quick look)")
    parser.add_argument("--speak-only", action="store_true", help="make the speech cache and stop")
    parser.add_argument("--verbose", action="store_true", help="print each row as it is measured")
    args = parser.parse_args()
    if args.speak_only:
        Path(args.cache).mkdir(parents=True, exist_ok=True)
        for item in items():
            speak(item, Path(args.cache))
        return 0
    if args.rows:
        merged = {(r["text"], r["voice"], r["noise_db"]): r for path in args.rows
                  for r in json.loads(Path(path).read_text())["rows"]}
        out = summary({"rows": list(merged.values()), "synth_s": 0.0, "understand_s": [0.0]})
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return 1 if out["writes_from_non_yes"] else 0
    result = run(args)
    if args.json:  # the rows first: a summary can be remade from them (--rows)
        Path(args.json).write_text(json.dumps({"rows": result["rows"]}, indent=1, ensure_ascii=False))
    out = summary(result)
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": out, "rows": result["rows"]}, indent=1, ensure_ascii=False))
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 1 if out["writes_from_non_yes"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
