#!/usr/bin/env python3
"""Calibrates ``nlu.snap.CUTOFF``: true near-misses against words that must not snap.

Positives are what faster-whisper really wrote for spoken coffee orders
(``benchmarks/coffee_orders.py`` -> ``OUT/transcripts.json``, every bias form): a snap
is right when its value is the one ordered for that slot, wrong otherwise. Negatives are
sentences that hold no value of the lists (talk at a counter, and the plant's development
set ``benchmarks/dev/en.yml`` with the plant's own lists): any snap there is wrong.
For each cut-off it prints right snaps, wrong snaps on orders, snaps on negatives and
orders fully right; the cut-off kept is the one with most orders right and no snap on a negative.

    .venv/bin/python benchmarks/snap_calibrate.py /tmp/coffee/transcripts.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.nlu import load_intents, load_lookups  # noqa: E402
from assistant.nlu.entities import EntityExtractor  # noqa: E402

COFFEE = ROOT / "tests" / "fixtures" / "coffee"
CUTOFFS = (0.1, 0.15, 0.2, 0.23, 0.25, 0.27, 0.3, 0.33, 0.36, 0.4)
SLOTS = ("drink", "size", "milk", "sweetener", "roast", "shots")
COUNTER_TALK = (
    "what's the weather", "tell me a joke", "where is the train station", "play some music",
    "a glass of water", "thanks a lot mate", "how much is that", "make it quick", "i'm in a hurry",
    "and a croissant", "can i pay by card", "do you have wifi", "where are the toilets", "keep the change",
    "is this seat taken", "a slice of cake", "one blueberry muffin", "can i get a receipt", "to take away",
    "for here please", "extra hot please", "that's everything", "sorry what was that", "no thanks",
    "have a nice day", "see you tomorrow", "do you take cash", "it's for my colleague", "just the one",
    "a bacon sandwich", "could i have a straw", "can you heat it up", "make it a bit stronger",
    "my name is mike", "lovely thank you", "how long will it take", "is it decaf", "a bottle of juice",
    "what time do you close", "can i have a lid",
)


def plant_sentences() -> list[str]:
    """The plant's development requests as plain text (annotations dropped)."""
    raw = yaml.safe_load((ROOT / "benchmarks" / "dev" / "en.yml").read_text(encoding="utf-8"))
    lines = [line[2:] for block in raw["nlu"] for line in block.get("examples", "").splitlines() if line.startswith("- ")]
    return [re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line) for line in lines]


def main(path: Path) -> int:
    data = json.loads(path.read_text())
    slots_of = {r["file"]: r["slots"] for r in data["rows"]}
    coffee = EntityExtractor({}, load_intents(COFFEE))
    plant = EntityExtractor(load_lookups(ROOT / "tests" / "fixtures" / "lookups_demo.yml"),
                            load_intents(ROOT / "intents" / "en"))
    negatives = [(coffee, t) for t in COUNTER_TALK] + [(plant, t) for t in plant_sentences()]
    heard = [(text, slots_of[f]) for mode in data["transcripts"].values() for f, text in mode.items()]
    print(f"{len(heard)} transcripts of orders, {len(negatives)} negative sentences")
    print("cutoff  right  wrong  on-negatives  orders-right")
    for cutoff in CUTOFFS:
        coffee.snapper.cutoff = plant.snapper.cutoff = cutoff
        right = wrong = full = 0
        for text, expected in heard:
            entities = coffee.extract(text)
            for e in entities:
                if e.distance is not None:
                    right += expected.get(e.entity) == e.value
                    wrong += expected.get(e.entity) != e.value
            full += {e.entity: e.value for e in entities if e.entity in SLOTS} == expected
        false = [f"{t!r}->{e.value}" for x, t in negatives for e in x.extract(t)
                 if e.distance is not None and e.entity not in x.fuzzy_entities]
        print(f"{cutoff:5.2f}  {right:5d}  {wrong:5d}  {len(false):12d}  {full / len(heard):11.1%}  {' '.join(false[:4])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/coffee/transcripts.json")))
