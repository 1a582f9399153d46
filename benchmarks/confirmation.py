#!/usr/bin/env python3
"""Confirmation safety: spoken answers arriving while a write waits for its yes.

English (the default): while an alarm acknowledgement and, separately, a note wait for confirmation, real
speech goes through ``Pipeline.understand`` and ``Pipeline.respond`` (pocketsphinx yes / no grammar,
faster-whisper, the classifier, the dialogue, the plant and the note store in a temporary data
directory). Three kinds of speech, in seven voices (espeak-ng en-us, en-gb, en-gb-scotland,
en-us+f3; neural hibari:heart, hibari:heart-gb, piper:joe; see tests/speech.py), every fourth
one with white noise at 15 dB SNR:

- unrelated: plant requests from intents/en and benchmarks/paraphrases/en.yml, out-of-scope
  remarks and control-room chatter; none of them may write anything;
- negatives: "no", "cancel", "stop", "negative", "don't", "never mind", "hold on" ... ; none may write;
- yeses: "yes", "yes please", "confirm", "go ahead", "affirmative", "correct", "do it" in every
  voice, clean and noisy: how many are accepted (usability).

Items are split into development and test halves by a hash of (text, voice, noise);
``confirm.MIN_CONFIDENCE`` (grammar and faster-whisper agree) and ``confirm.ALONE_CONFIDENCE``
(faster-whisper alone, the grammar heard no no) are chosen on the development half (the largest
thresholds that keep the most yeses with no unrelated or negative utterance accepted) and the test
half is reported. The old rule (the grammar alone: a confirm phrase it is sure of) is counted on
the same grammar transcripts for comparison.

German (``--language de``): a station with ``language = "de"`` (intents/de, faster-whisper base with
language German, the pocketsphinx yes / no grammar, whose phrases are English). The writes waiting
are "Quittiere den Alarm am Haupttransformator" and "Notiz: das Kühlwasserventil ist leicht
undicht"; the speech is in four voices (SVOX Pico de-DE, espeak-ng de, de+m3, de+f2; the paces of
benchmarks/german_speech.py), every fourth round of the voices (unrelated, negative) with white noise
at 15 dB SNR:

- unrelated: the held-out German requests of intents/de/tests (no confirm, deny or cancel examples),
  benchmarks/german_requests.yml (its deny and cancel requests go with the negatives; its soft
  "Ja, genau" is no clear yes and stays), 12 random examples of each of intents/de alarms, faults, notes and
  plant, and control-room remarks (``German.chatter``); none may write anything;
- negatives: "nein", "abbrechen", "stopp", "nicht quittieren", "doch nicht", "warte" ... in three
  voices each; none may write;
- yeses: ``German.yeses`` in every voice, clean and noisy: how many are accepted (usability).

The thresholds of ``assistant/confirm.py`` are the English ones, used as they are; reported beside
them: how many non-yes utterances faster-whisper wrote as a whole yes phrase at any confidence (the
margin), and what the English grammar heard. Pico is left out where ``pico2wave`` is missing
(scripts/voice-pico.sh installs it).

In both languages a write is a new row in the audit log, or an acknowledgement carried out again
(its audit row is kept once per alarm, so a repeat adds none); a write is kept while the same write
still waits, else dropped. Understanding depends only on a write waiting, not on which, so each
utterance is understood once and answered in both states.

Speech is cached under /tmp/plantvoice-confirmation and /tmp/plantvoice-confirmation-de (``--cache``),
never in the repository.

    .venv/bin/python benchmarks/confirmation.py --json /tmp/confirmation.json
    nice .venv/bin/python benchmarks/confirmation.py --language de --json /tmp/confirmation_de.json
    .venv/bin/python benchmarks/confirmation.py --language de --rows /tmp/confirmation_de.json
    .venv/bin/python benchmarks/confirmation.py --language de --every 60 --verbose
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import shutil
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/speech.py: espeak-ng, Pico and neural test voices

if TYPE_CHECKING:
    from assistant.pipeline import Pipeline

NOISE_DB = 15.0
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


def _yeses(voices: Sequence[str], yeses: Sequence[str]) -> list[Item]:
    """Every yes phrase in every voice, clean and noisy."""
    return [Item("yes", text, voice, noise) for voice in voices for text in yeses for noise in (None, NOISE_DB)]


# ---------------------------------------------------------------- English

class English:
    code = "en"
    cache = "/tmp/plantvoice-confirmation"
    voices = {v: 160 for v in ("en-us", "en-gb", "en-gb-scotland", "en-us+f3", "hibari:heart", "hibari:heart-gb",
                               "piper:joe")}  # voice: words per minute
    yeses = ("yes", "yes please", "confirm", "go ahead", "affirmative", "correct", "do it")
    negatives = (
        "no", "no thanks", "no thank you", "nope", "cancel", "cancel that", "cancel it", "stop", "stop that",
        "negative", "don't", "don't do it", "no don't", "never mind", "never", "forget it", "abort", "no wait",
        "wait", "hold on", "hold on a second", "not yet", "not now", "no not that one", "cancel please",
        "don't acknowledge it", "don't save it", "no cancel", "negative cancel", "stop stop", "no no",
        "wait a moment", "I said no", "don't bother", "no leave it", "cancel the acknowledgement",
    )
    chatter = (
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
    sources = ("intents/en/alarms.yml", "intents/en/faults.yml", "intents/en/notes.yml", "intents/en/plant.yml",
               "intents/en/out_of_scope.yml", "benchmarks/paraphrases/en.yml")
    unrelated_per_source = 30
    writes = (("alarm_acknowledge", "acknowledge the alarm on the main transformer"),
              ("note_add", "take a note the cooling water valve is leaking slightly"))

    @classmethod
    def items(cls) -> list[Item]:
        voices = list(cls.voices)
        rng = random.Random(7)
        unrelated = list(cls.chatter)
        for source in cls.sources:
            pool = sorted(set(_examples(ROOT / source)))
            unrelated += rng.sample(pool, cls.unrelated_per_source)
        found: list[Item] = []
        for kind, texts in (("unrelated", unrelated), ("negative", cls.negatives * 3)):
            for i, text in enumerate(texts):
                found.append(Item(kind, text, voices[i % len(voices)], NOISE_DB if i % 4 == 3 else None))
        return found + _yeses(voices, cls.yeses)

    @classmethod
    def summary(cls, result: dict[str, Any]) -> dict[str, Any]:
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
        out["yes_by_voice"] = {v: _of(rows, voice=v) for v in cls.voices}
        out["yes_by_phrase"] = {p: _of(rows, text=p) for p in cls.yeses}
        out["yes_noisy"] = _of(rows, noise_db=NOISE_DB)
        out["missed_yes_heard_as"] = Counter(f"{r['grammar']!r} / {r['open']!r}" for r in yes
                                             if r["alarm_acknowledge"] != "written").most_common(12)
        out["writes_from_non_yes"] = _writes_from_non_yes(rows)
        out["understand_s"] = _seconds(result["understand_s"])
        out["synth_s"] = round(result["synth_s"], 1)
        out["machine"] = f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}"
        return out


# ---------------------------------------------------------------- German

class German:
    code = "de"
    cache = "/tmp/plantvoice-confirmation-de"
    voices = {"pico": 160, "de": 150, "de+m3": 175, "de+f2": 130}  # voice: words per minute (160: Pico's own pace)
    yeses = ("ja", "ja bitte", "jawohl", "bestätigt", "bestätigen", "korrekt", "ich bestätige")
    negatives = (
        "nein", "nein danke", "nee", "abbrechen", "abbrechen bitte", "stopp", "halt", "nicht quittieren",
        "nicht speichern", "doch nicht", "negativ", "warte", "warte mal", "Moment", "Moment mal",
        "auf keinen Fall", "nein nicht", "nein stopp", "nicht jetzt", "noch nicht", "lieber nicht",
        "vergiss es", "nein warte", "stopp stopp", "nein nein", "keinesfalls", "quittiere ihn nicht",
        "speicher das nicht", "ich habe nein gesagt", "nein das ist falsch", "falsch", "abbruch",
        "bitte nicht", "nein lass das", "einen Augenblick", "niemals",
    )
    chatter = (
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
    training = ("alarms.yml", "faults.yml", "notes.yml", "plant.yml")  # intents/de: a random few of each
    training_per_file = 12
    tests = ("alarms_test.yml", "faults_test.yml", "notes_test.yml", "out_of_scope_test.yml", "plant_test.yml",
             "people_test.yml")
    dialogue_kept = ("help", "repeat")  # of dialogue_test.yml: confirm, deny and cancel are answers, not unrelated
    writes = (("alarm_acknowledge", "Quittiere den Alarm am Haupttransformator"),
              ("note_add", "Notiz: das Kühlwasserventil ist leicht undicht"))

    @classmethod
    def _dialogue_examples(cls, path: Path) -> list[str]:
        """The examples of the intents ``dialogue_kept`` in a Rasa NLU test file."""
        found = []
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if block["intent"] in cls.dialogue_kept:
                lines = re.findall(r"^- (.+)$", block["examples"], flags=re.MULTILINE)
                found += [re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line).strip() for line in lines]
        return found

    @classmethod
    def unrelated_texts(cls) -> list[str]:
        """Every held-out German request that is not an answer, the benchmark requests and the chatter, once each."""
        from assistant import confirm

        tests = ROOT / "intents" / "de" / "tests"
        texts = [*cls.chatter, *cls._dialogue_examples(tests / "dialogue_test.yml")]
        for name in cls.tests:
            texts += _examples(tests / name)
        requests = yaml.safe_load((ROOT / "benchmarks" / "german_requests.yml").read_text(encoding="utf-8"))
        texts += [r["text"] for r in requests["requests"]] + list(requests["out_of_scope"])
        rng = random.Random(5)
        for name in cls.training:
            texts += rng.sample(sorted(set(_examples(ROOT / "intents" / "de" / name))), cls.training_per_file)
        unique = list(dict.fromkeys(texts))
        return [t for t in unique if not confirm.is_yes(t)]  # a yes phrase is no unrelated remark

    @staticmethod
    def refusals_among_requests() -> set[str]:
        """The deny and cancel requests of benchmarks/german_requests.yml: spoken noes, counted with the negatives."""
        requests = yaml.safe_load((ROOT / "benchmarks" / "german_requests.yml").read_text(encoding="utf-8"))
        return {r["text"] for r in requests["requests"] if r["intent"] in ("deny", "cancel")}

    @classmethod
    def spoken_voices(cls) -> tuple[str, ...]:
        return tuple(v for v in cls.voices if v != "pico" or shutil.which("pico2wave"))

    @classmethod
    def items(cls) -> list[Item]:
        spoken = cls.spoken_voices()
        rng = random.Random(11)
        unrelated = cls.unrelated_texts()
        rng.shuffle(unrelated)
        refusals = cls.refusals_among_requests()
        found: list[Item] = []
        for kind, texts, times in (("unrelated", unrelated, 1), ("negative", list(cls.negatives), 3)):
            for i, text in enumerate(texts * times):  # a repeat in the next voice
                voice = spoken[(i + i // len(texts)) % len(spoken)]
                said = "negative" if text in refusals else kind
                found.append(Item(said, text, voice, NOISE_DB if i // len(spoken) % 4 == 3 else None))
        return found + _yeses(spoken, cls.yeses)

    @classmethod
    def summary(cls, result: dict[str, Any]) -> dict[str, Any]:
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
                "whole_yes_at_any_confidence": sum(_heard_yes(r, 0.0, 0.0) for r in of),
                "grammar_heard": Counter(r["grammar"] for r in of).most_common(),
            }
        spoken = sorted({r["voice"] for r in rows}, key=list(cls.voices).index)
        out["yes_by_voice"] = {v: _of(rows, voice=v) for v in spoken}
        out["yes_by_voice_clean"] = {v: _of(rows, voice=v, noise_db=None) for v in spoken}
        out["yes_by_voice_noisy"] = {v: _of(rows, voice=v, noise_db=NOISE_DB) for v in spoken}
        out["yes_by_phrase"] = {p: _of(rows, text=p) for p in cls.yeses}
        yes = [r for r in rows if r["kind"] == "yes"]
        out["yes_both_states_agree"] = all(r["alarm_acknowledge"] == r["note_add"] for r in yes)
        out["missed_yes_heard_as"] = Counter(f"{r['grammar']!r} / {r['open']!r}" for r in yes
                                             if r["alarm_acknowledge"] != "written").most_common(15)
        out["writes_from_non_yes"] = _writes_from_non_yes(rows)
        out["understand_s"] = _seconds(result["understand_s"])
        out["synth_s"] = round(result["synth_s"], 1)
        return out


LANGUAGES: dict[str, Any] = {"en": English, "de": German}


# ---------------------------------------------------------------- speaking and measuring

def speak(item: Item, cache: Path, speed: int) -> Path:
    """The item's speech as 16 kHz mono, padded with a low noise floor or mixed with noise (tests/speech.py)."""
    from speech import say

    path = cache / f"{item.key:08x}.wav"
    if not path.is_file():
        voice = "pico:de-DE" if item.voice == "pico" else item.voice
        say(item.text, path.with_suffix(".tmp.wav"), voice=voice, speed=speed, noise_db=item.noise_db)
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


def station(data: Path, code: str) -> Pipeline:
    """The whole pipeline of a station in language ``code`` keeping its data in ``data``, an engineer signed on."""
    from assistant.config import load_config
    from assistant.pipeline import Pipeline

    config = load_config(env={"PLANTVOICE_DATA_DIR": str(data), "PLANTVOICE_STATION_DEFAULT_ROLE": "engineer"})
    pipeline = Pipeline.from_config(config if code == "en" else config.replace("station", language=code))
    assert pipeline.lang.code == code and (code == "en" or pipeline.lang.config.asr.language == code)
    return pipeline


def run(language: Any, args: argparse.Namespace) -> dict[str, Any]:
    from assistant import asr
    from assistant.audio import load_wav
    from assistant.dialogue import DialogueState, Heard

    cache = Path(args.cache or language.cache)
    cache.mkdir(parents=True, exist_ok=True)
    todo = [item for item in language.items() if item.kind in args.kinds][::args.every]
    began = time.perf_counter()
    wavs = [speak(item, cache, language.voices[item.voice]) for item in todo]
    synth_s = time.perf_counter() - began
    data = Path(tempfile.mkdtemp(prefix=f"confirmation-{language.code}-"))
    pipeline = station(data, language.code)
    grammar, command = Recorder(pipeline.confirmation), Recorder(pipeline.recognizer)
    pipeline.lang.__dict__.update(confirmation=grammar, recognizer=command)
    waiting: dict[str, DialogueState] = {}
    for kind, request in language.writes:
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
               "split": item.split, "grammar": g.text if g else None, "grammar_confidence": g.confidence if g else None,
               "open": o.text if o else None, "open_confidence": o.confidence if o else None,
               "heard": transcript.text, "intent": intent.name, "intent_confidence": intent.confidence,
               "old_rule_yes": old, "no_request": asr.is_no_request(o, pipeline.config.asr) if o else True}
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


# ---------------------------------------------------------------- summaries

def _heard_yes(row: dict[str, Any], agreed: float, alone: float) -> bool:
    """``confirm.heard_yes`` on the row's transcripts at these thresholds (0, 0: a whole yes phrase at any
    confidence, the grammar hearing no no)."""
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


def _of(rows: list[dict[str, Any]], kind: str = "yes", **where: Any) -> str:
    """"accepted/all" of the rows of ``kind`` that match ``where``."""
    part = [r for r in rows if r["kind"] == kind and all(r[k] == v for k, v in where.items())]
    return f"{sum(r['alarm_acknowledge'] == 'written' for r in part)}/{len(part)}"


def _writes_from_non_yes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["kind"] != "yes" and "written" in (r["alarm_acknowledge"], r["note_add"])]


def _seconds(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    return {"median": round(s[len(s) // 2], 3), "p95": round(s[int(0.95 * (len(s) - 1))], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--language", choices=sorted(LANGUAGES), default="en",
                        help="the station's language: its voices, phrases and writes (default: en)")
    parser.add_argument("--cache", help="where speech is kept (default: /tmp/plantvoice-confirmation, "
                        "with -de for German)")
    parser.add_argument("--json", help="write every row and the summary here")
    parser.add_argument("--kinds", nargs="+", default=["unrelated", "negative", "yes"],
                        help="only these kinds of utterance (unrelated, negative, yes)")
    parser.add_argument("--rows", nargs="+", help="summarise the rows of earlier --json runs instead of measuring "
                        "(a later file's row replaces an earlier one's of the same text, voice and noise)")
    parser.add_argument("--every", type=int, default=1, help="only every n-th utterance (a quick look)")
    parser.add_argument("--speak-only", action="store_true", help="make the speech cache and stop")
    parser.add_argument("--verbose", action="store_true", help="print each row as it is measured")
    args = parser.parse_args()
    language = LANGUAGES[args.language]
    if args.speak_only:
        cache = Path(args.cache or language.cache)
        cache.mkdir(parents=True, exist_ok=True)
        for item in language.items():
            speak(item, cache, language.voices[item.voice])
        return 0
    if args.rows:
        merged = {(r["text"], r["voice"], r["noise_db"]): r for path in args.rows
                  for r in json.loads(Path(path).read_text())["rows"]}
        out = language.summary({"rows": list(merged.values()), "synth_s": 0.0, "understand_s": [0.0]})
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return 1 if out["writes_from_non_yes"] else 0
    result = run(language, args)
    if args.json:  # the rows first: a summary can be remade from them (--rows)
        Path(args.json).write_text(json.dumps({"rows": result["rows"]}, indent=1, ensure_ascii=False))
    out = language.summary(result)
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": out, "rows": result["rows"]}, indent=1, ensure_ascii=False))
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 1 if out["writes_from_non_yes"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
