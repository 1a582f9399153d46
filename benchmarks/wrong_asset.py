#!/usr/bin/env python3
"""Never the wrong asset: requests that name an asset the plant does not have, or a real one misheard.

Every request follows a context turn about another real asset ("what is the flow of cooling water
pump one"), so a dialogue that reuses the last asset talked about would answer about it. Requests
are made from templates (seeded, deterministic) for eleven intents and for follow-ups ("and tank
seven?"):

- unknown: names the demo plant does not have ("tank seven", "compressor three", "pump nine",
  "the digester", "P seven", "feeder nine", "gas turbine five"); meant: no asset;
- misheard: real names changed as a recognizer changes them ("transparent one" for transformer one,
  "gas turban one", "feet water pump two", "fida two"); meant: that real asset.

A compare request also names a real second asset, which is meant too.

An answer is ABOUT every asset id in its data (walked through; ``suggestions``, ``said_back``,
``unknown`` and ``choices`` only offer a guess and are skipped) and, unless it is a question back
(unknown, which one), every asset whose name, alias or spoken tag its text says. A wrong answer
is about an asset not meant. The other outcomes: unknown said ("I don't know tank seven."), said
back or guessed right (an answer about the meant asset said back, or "Did you mean <meant>?"),
right but not said back, asked which, other. Acknowledged alarms are counted after every request:
none may be acknowledged without a yes.

Speech (``--speech N``, default 60): the first requests of each kind in turn, spoken by
hibari:heart, piper:joe and espeak-ng en-us and en-gb (tests/speech.py), through
``Pipeline.understand`` (faster-whisper, the re-ranking of its readings, the parser) and the
dialogue. Unknown names are spoken as written; a misheard request is spoken with the real name
("transformer one"), so the recognizer makes its own slips. Meant is what the speaker said: a
recognizer slip that turns "tank seven" into a real asset is a wrong answer. Speech is cached
under /tmp/plantvoice-wrong-asset (``--cache``). The plant and notes live in a temporary data
directory.

    .venv/bin/python benchmarks/wrong_asset.py
    .venv/bin/python benchmarks/wrong_asset.py --speech 0 --json /tmp/wrong_asset.json
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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/speech.py: espeak-ng and neural test voices

if TYPE_CHECKING:
    from assistant.dialogue import DialogueState
    from assistant.events import Answer
    from assistant.pipeline import Pipeline
    from assistant.plant.model import AssetModel

SEED = 2026
VOICES = ("hibari:heart", "piper:joe", "en-us", "en-gb")
PER_INTENT = 11  # requests of each kind (unknown, misheard) per intent

# names the demo plant does not have
UNKNOWN = (
    "tank seven", "tank 7", "compressor three", "pump nine", "the digester", "P seven", "boiler four",
    "feeder nine", "gas turbine five", "steam turbine two", "transformer two", "generator three", "battery two",
    "cooling tower two", "feed water pump three", "cooling water pump four", "feeder four", "the compressor",
    "the chiller", "the flare", "the silo", "heat exchanger two", "condenser one", "valve four", "motor twelve",
    "fan three", "kiln one", "the gasholder", "the scrubber", "P-305", "T nine", "G T two", "biogas engine two",
    "the second biogas engine", "the wind turbine", "the solar park", "the evaporator", "inverter five",
    "breaker eight", "busbar two", "the deaerator", "the condensate pump", "the fuel gas compressor",
    "the lube oil pump", "the third cooling water pump", "the air compressor", "conveyor two", "mill three",
    "pump 12", "tank 3", "the tank farm", "the crusher",
)
# real names as a recognizer mishears them: (heard, asset id)
MISHEARD = (
    ("transparent one", "T1"), ("trans former one", "T1"), ("the main trans former", "T1"),
    ("the mane transformer", "T1"), ("tee one", "T1"),
    ("gas turban one", "GT1"), ("gas turbo one", "GT1"), ("gas turbine won", "GT1"), ("guess turbine one", "GT1"),
    ("gee tee one", "GT1"),
    ("steam turbine won", "ST1"), ("steam turban one", "ST1"), ("stream turbine one", "ST1"),
    ("feet water pump two", "P-102"), ("feed water pump to", "P-102"), ("fee water pump one", "P-101"),
    ("feed walter pump one", "P-101"), ("p one oh too", "P-102"),
    ("cooling water pamp one", "P-201"), ("cooling water bump two", "P-202"), ("cool in water pump two", "P-202"),
    ("cooling waiter pump one", "P-201"), ("cooling water pump won", "P-201"),
    ("fida two", "F2"), ("feta one", "F1"), ("feeder tree", "F3"), ("fever three", "F3"), ("feeder won", "F1"),
    ("bio gas engine", "CHP1"), ("the bio gas engine", "CHP1"), ("the biogas in gin", "CHP1"), ("the see h p", "CHP1"),
    ("battery storridge", "BESS1"), ("the buttery storage", "BESS1"), ("the battle ray storage", "BESS1"),
    ("generator won", "G1"), ("generate her one", "G1"),
    ("the cooling tour", "CT1"), ("cooling tower won", "CT1"),
    ("the cooling water vowel", "V-301"), ("the cooling water volve", "V-301"),
    ("the heat recovery steam generater", "HRSG1"), ("h r s g won", "HRSG1"),
)
GENERIC_MEASUREMENTS = ("level", "vibration", "temperature", "pressure", "flow", "power", "load", "current")
TEMPLATES = {
    "sensor_reading": ("what is the {m} of {a}", "{a} {m}", "{m} on {a}", "give me the {m} for {a}"),
    "asset_status": ("status of {a}", "how is {a} doing", "how is {a}", "what's the condition of {a}"),
    "trend": ("trend of the {m} of {a} today", "how has the {m} of {a} changed since midnight",
              "show the {m} trend for {a} over the last hour"),
    "compare": ("compare the {m} of {a} and {b}", "compare the {m} on {b} and {a}"),
    "fault_prediction": ("any predicted faults on {a}", "is {a} going to fail", "what's the failure risk for {a}"),
    "remaining_life": ("remaining useful life of {a}", "how much life is left in {a}",
                       "when will {a} reach end of life"),
    "explain": ("why is {a} in alarm", "what caused the alarm on {a}", "why is the {m} of {a} high"),
    "recommend_action": ("what should I do about {a}", "what do you recommend for {a}",
                         "what action should we take on {a}"),
    "maintenance_history": ("maintenance history of {a}", "when was {a} last serviced",
                            "show the work orders for {a}"),
    "alarm_list": ("alarms on {a}", "show me the alarms for {a}", "any alarms on {a}"),
    "alarm_acknowledge": ("acknowledge the alarms on {a}", "ack the {a} alarm", "acknowledge the alarm on {a}"),
    "follow_up": ("and {a}?", "what about {a}?", "and the {m} of {a}?"),
}
CONTEXTS = ("what is the {m} of {c}", "status of {c}", "trend of the {m} of {c} today")
SKIP = frozenset({"suggestions", "said_back", "unknown", "choices", "heard"})  # keys that only offer a guess
OUTCOMES = ("wrong", "unknown said", "said back / guessed right", "right, not said back", "asked which", "other")


@dataclass(frozen=True)
class Case:
    kind: str  # unknown | misheard
    intent: str  # the intent the request is made for (follow_up: the context's)
    context: str
    text: str  # the request
    name: str  # the name words under test, as written
    meant: tuple[str, ...]  # asset ids meant; () for an unknown name
    spoken: str  # the request as spoken for speech: misheard names put right

    @property
    def key(self) -> int:
        return zlib.crc32(f"{self.context}|{self.text}".encode())


def _cycle(items: Iterable[Any], rng: random.Random) -> Iterator[Any]:
    pool = list(items)
    while True:
        rng.shuffle(pool)
        yield from pool


def _fill(template: str, a: str, m: str, b: str = "") -> str:
    text = template.format(a=a, m=m, b=b)
    return re.sub(r"\bthe the\b", "the", text)


def cases(model: AssetModel) -> list[Case]:
    """The text requests: PER_INTENT unknown and PER_INTENT misheard names per intent (and follow-ups)."""
    rng = random.Random(SEED)
    assets = {a.id: a for a in model.assets}
    names = {a.id: a.name if a.name.split()[-1] in ("one", "two", "three") else f"the {a.name}" for a in model.assets}
    unknown, misheard = _cycle(UNKNOWN, rng), _cycle(MISHEARD, rng)
    found: list[Case] = []
    for intent, templates in TEMPLATES.items():
        for n in range(2 * PER_INTENT):
            kind = "unknown" if n % 2 == 0 else "misheard"
            if kind == "unknown":
                name, meant = next(unknown), ()
                m = rng.choice(GENERIC_MEASUREMENTS)
            else:
                name, real = next(misheard)
                meant = (real,)
                m = rng.choice([s.name for s in assets[real].signals])
            # the context: another real asset, of the same kind half of the time
            others = [a for a in assets if a not in meant]
            same = [a for a in others if meant and assets[a].type == assets[meant[0]].type]
            c = rng.choice(same if same and rng.random() < 0.5 else others)
            cm = rng.choice([s.name for s in assets[c].signals])
            context = rng.choice(CONTEXTS).format(m=cm, c=names[c])
            b = ""
            if intent == "compare":
                partners = [a for a in others if a != c and any(s.name == m for s in assets[a].signals)] or \
                           [a for a in others if a != c]
                partner = rng.choice(partners)
                b, meant = names[partner], (*meant, partner)
                if kind == "unknown":
                    m = rng.choice([s.name for s in assets[partner].signals])
            template = rng.choice(templates)
            text = _fill(template, name, m, b)
            spoken = _fill(template, names[meant[0]], m, b) if kind == "misheard" else text
            found.append(Case(kind, intent, context, text, name, tuple(meant), spoken))
    return found


# ---------------------------------------------------------------------- scoring

def data_assets(data: Any, ids: frozenset[str]) -> set[str]:
    """Every asset id in ``data``, except under the keys that only offer a guess (``SKIP``)."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key not in SKIP:
                found |= data_assets(value, ids)
    elif isinstance(data, (list, tuple, set)):
        for value in data:
            found |= data_assets(value, ids)
    elif isinstance(data, str) and data in ids:
        found.add(data)
    return found


class Mentions:
    """The assets an answer's text names: names, aliases and spoken tags, longest form first."""

    def __init__(self, model: AssetModel, tag: Any) -> None:
        from assistant.plant.model import spoken_asset_forms

        forms: dict[str, str] = {}
        for a in model.assets:
            for form in (a.name, *a.aliases, *spoken_asset_forms(a), tag(a.id)):
                form = " ".join(re.findall(r"[a-z0-9]+", form.lower()))
                if form and not form.startswith("the ") and len(form) > 2:
                    forms.setdefault(form, a.id)
        self.forms = sorted(forms.items(), key=lambda f: -len(f[0]))

    def __call__(self, text: str) -> set[str]:
        text = " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "
        found: set[str] = set()
        for form, asset in self.forms:
            padded = f" {form} "
            while padded in text:
                found.add(asset)
                text = text.replace(padded, " # ", 1)
        return found


@dataclass
class Row:
    case: Case
    answer: str
    intent: str
    about: list[str]
    outcome: str
    acknowledged: int  # alarms acknowledged by this request
    transcript: str = ""
    voice: str = ""


def outcome(case_meant: tuple[str, ...], answer: Answer, about: set[str]) -> str:
    data = answer.data
    if about - set(case_meant):
        return "wrong"
    if "choices" in data or answer.awaiting == "asset":
        return "asked which"
    if "unknown" in data:
        suggestions = tuple(data.get("suggestions") or ())
        if case_meant and suggestions[:1] == case_meant[:1]:
            return "said back / guessed right"
        return "unknown said"
    if about and about <= set(case_meant):
        said = {s.get("asset") for s in data.get("said_back") or ()}
        return "said back / guessed right" if said & about else "right, not said back"
    return "other"


def score(case: Case, answer: Answer, ids: frozenset[str], mentions: Mentions) -> tuple[list[str], str]:
    about = data_assets(answer.data, ids)
    if not ({"unknown", "choices"} & set(answer.data) or answer.awaiting == "asset"):
        about |= mentions(answer.text)  # a question back names assets only as choices or guesses
    return sorted(about), outcome(case.meant, answer, about)


def _acknowledged(pipeline: Pipeline) -> int:
    return sum(a.acknowledged is not None for a in pipeline.plant.alarms(active_only=False))


# ---------------------------------------------------------------------- runs

class Runner:
    """The whole assistant on a plant and notes in ``data`` (a new temporary directory by default)."""

    def __init__(self, data: Path | None = None) -> None:
        from assistant.config import load_config
        from assistant.pipeline import Pipeline

        self.data = data or Path(tempfile.mkdtemp(prefix="wrong-asset-"))
        began = time.perf_counter()
        self.pipeline = Pipeline.from_config(load_config(env={"PLANTVOICE_DATA_DIR": str(self.data),
                                                              "PLANTVOICE_STATION_DEFAULT_ROLE": "engineer"}))
        self.load_s = time.perf_counter() - began
        self.model = self.pipeline.plant.model
        self.ids = frozenset(a.id for a in self.model.assets)
        self.mentions = Mentions(self.model, self.pipeline.dialogue.tag)
        self._contexts: dict[str, DialogueState] = {}

    def context(self, text: str) -> DialogueState:
        from assistant.dialogue import DialogueState

        if text not in self._contexts:
            _, state = self.pipeline.dialogue.respond(self.pipeline.parse(text), DialogueState())
            assert state.topic is not None and state.awaiting is None, f"context {text!r} set no topic"
            self._contexts[text] = state
        return self._contexts[text]

    def text(self, case: Case) -> Row:
        p = self.pipeline
        state = self.context(case.context)
        before = _acknowledged(p)
        intent = p.parse(case.text)
        answer, _ = p.dialogue.respond(intent, state)
        about, result = score(case, answer, self.ids, self.mentions)
        return Row(case, answer.text, intent.name, about, result, _acknowledged(p) - before)

    def speech(self, case: Case, wav: Path, voice: str) -> Row:
        from assistant.audio import load_wav
        from assistant.dialogue import Heard

        p = self.pipeline
        state = self.context(case.context)
        samples = load_wav(wav)
        before = _acknowledged(p)
        p.state = state
        transcript, intent = p.understand(samples)
        if not intent.text:
            return Row(case, "(no request heard)", intent.name, [], "other", 0, transcript.text, voice)
        answer, _ = p.dialogue.respond(intent, state, heard=Heard(samples.tobytes(), 16000, transcript.confidence))
        about, result = score(case, answer, self.ids, self.mentions)
        return Row(case, answer.text, intent.name, about, result, _acknowledged(p) - before, transcript.text, voice)


def speech_cases(all_cases: list[Case], n: int) -> list[tuple[Case, str]]:
    """``n`` requests spread over intents and kinds, 60 % unknown names; names with digits or hyphens
    (written forms) left out. Voices in turn."""
    speakable = [c for c in all_cases if not re.search(r"[0-9-]", c.name)]
    unknown = [c for c in speakable if c.kind == "unknown"]
    misheard = [c for c in speakable if c.kind == "misheard"]
    n_unknown = round(n * 0.6)
    chosen = unknown[::max(1, len(unknown) // n_unknown)][:n_unknown]
    chosen += misheard[::max(1, len(misheard) // (n - n_unknown))][:n - len(chosen)]
    return [(c, VOICES[i % len(VOICES)]) for i, c in enumerate(chosen)]


def speak(text: str, voice: str, cache: Path) -> Path:
    from speech import say

    path = cache / f"{zlib.crc32(f'{text}|{voice}'.encode()):08x}.wav"
    if not path.is_file():
        say(text, path.with_suffix(".tmp.wav"), voice=voice, speed=160)
        path.with_suffix(".tmp.wav").rename(path)
    return path


def table(rows: list[Row]) -> dict[str, Any]:
    counts = Counter(r.outcome for r in rows)
    return {"requests": len(rows), **{o: counts.get(o, 0) for o in OUTCOMES},
            "acknowledged": sum(r.acknowledged for r in rows)}


def _print_table(results: dict[str, dict[str, Any]]) -> None:
    head = ["", "requests", *OUTCOMES, "acknowledged"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, t in results.items():
        print(f"| {name} | " + " | ".join(str(t[h]) for h in head[1:]) + " |")


def _machine() -> dict[str, Any]:
    import os
    import subprocess

    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = re.search(r"Model name:\s*(.+)", lscpu)
    return {"cpu": model.group(1).strip() if model else platform.processor(), "cores": os.cpu_count(),
            "python": platform.python_version(), "load_before": os.getloadavg()}


def _code() -> dict[str, Any]:
    """The code measured: the commit and a digest of the assistant and intents as they are on disk."""
    import hashlib
    import subprocess

    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    changed = subprocess.run(["git", "status", "--porcelain", "assistant", "intents"], cwd=ROOT,
                             capture_output=True, text=True).stdout.splitlines()
    digest = hashlib.sha1()
    for path in sorted([*ROOT.glob("assistant/**/*.py"), *ROOT.glob("intents/en/**/*.yml")]):
        digest.update(path.read_bytes())
    return {"commit": head.stdout.strip(), "uncommitted_files": len(changed), "digest": digest.hexdigest()[:10]}


def run(args: argparse.Namespace) -> dict[str, Any]:
    began = time.perf_counter()
    machine = _machine()
    code = _code()
    runner = Runner()
    all_cases = cases(runner.model)
    text_rows = [runner.text(c) for c in all_cases]
    text_s = time.perf_counter() - began - runner.load_s
    speech_rows: list[Row] = []
    synth_s = speech_s = 0.0
    if args.speech:
        cache = Path(args.cache)
        cache.mkdir(parents=True, exist_ok=True)
        chosen = speech_cases(all_cases, args.speech)
        start = time.perf_counter()
        wavs = [speak(c.spoken, voice, cache) for c, voice in chosen]
        synth_s = time.perf_counter() - start
        start = time.perf_counter()
        spoken = [Case(c.kind, c.intent, c.context, c.spoken, c.name, c.meant, c.spoken) for c, _ in chosen]
        speech_rows = [runner.speech(c, wav, voice) for c, wav, (_, voice) in zip(spoken, wavs, chosen)]
        speech_s = time.perf_counter() - start
    import os

    results = {"text": table(text_rows)}
    for kind in ("unknown", "misheard"):
        results[f"text, {kind}"] = table([r for r in text_rows if r.case.kind == kind])
    if speech_rows:
        results["speech"] = table(speech_rows)
        for kind, label in (("unknown", "unknown"), ("misheard", "real name")):
            results[f"speech, {label}"] = table([r for r in speech_rows if r.case.kind == kind])
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine, "code": code,
            "load_after": os.getloadavg(), "seconds": {"load": round(runner.load_s, 1), "text": round(text_s, 1),
                                                       "synthesis": round(synth_s, 1), "speech": round(speech_s, 1)},
            "results": results, "rows": [_row(r) for r in text_rows + speech_rows]}


def _row(r: Row) -> dict[str, Any]:
    return {"mode": "speech" if r.voice else "text", "kind": r.case.kind, "intent": r.case.intent,
            "context": r.case.context, "request": r.case.text, "meant": list(r.case.meant), "voice": r.voice,
            "transcript": r.transcript, "parsed_intent": r.intent, "answer": r.answer, "about": r.about,
            "outcome": r.outcome, "acknowledged": r.acknowledged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speech", type=int, default=60, help="spoken requests (0: text only)")
    parser.add_argument("--cache", default="/tmp/plantvoice-wrong-asset", help="where speech is kept")
    parser.add_argument("--json", help="write every row and the tables here")
    args = parser.parse_args()
    report = run(args)
    print(f"{report['date']}; {report['machine']}; code {report['code']}; load after {report['load_after']}; "
          f"seconds {report['seconds']}\n")
    _print_table(report["results"])
    wrong = [r for r in report["rows"] if r["outcome"] == "wrong" or r["acknowledged"]]
    print(f"\nWrong answers ({len(wrong)}):")
    for r in wrong:
        heard = f" heard {r['transcript']!r} ({r['voice']})" if r["mode"] == "speech" else ""
        print(f"- [{r['mode']}, {r['kind']}] after {r['context']!r}: {r['request']!r}{heard} -> {r['parsed_intent']}; "
              f"meant {r['meant'] or 'no asset'}, about {r['about']}; acknowledged {r['acknowledged']}\n"
              f"    {r['answer']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
