"""Benchmark of the entity CRF (``assistant/nlu/crf.py``): precision, recall and F1 per entity and micro.

    .venv/bin/python benchmarks/entities_crf.py            # every setting, both data sets
    .venv/bin/python benchmarks/entities_crf.py --quick    # the chosen setting only
    .venv/bin/python benchmarks/entities_crf.py --spacy    # and a spaCy NER trained from the annotations

* RasaHQ's financial-demo (``tests/fixtures/rasa/financial-demo``): a fixed 80/20 split per
  intent (``split``, seed ``SEED``); trained on the 80, scored on the 20.
* ``intents/en``: trained on its training files, scored on its test sentences
  (``intents/en/tests``); also the understander's own entities (the plant's lists, time
  ranges, numbers, note text) alone and with the CRF's added where they found nothing.

Scores: ``exact`` counts a found entity right when an annotation has the same span and entity
(and value, when the annotation gives one); ``overlap`` is what ``plantvoice intents test``
reports (``evaluate.score``: overlapping span, same entity and value). Micro averages over all
entities. ``--spacy`` compares a blank English spaCy pipeline with an ``ner`` component trained
from the same annotations (30 epochs, batches of 8, dropout 0.2; values mapped as the CRF maps them)
on the financial-demo splits.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import ROOT  # noqa: E402
from assistant.events import Entity  # noqa: E402
from assistant.nlu.crf import CrfEntities, Settings, Span  # noqa: E402
from assistant.nlu.data import Example, Intents, load_intent_tests, load_intents, scan_intents  # noqa: E402
from assistant.nlu.evaluate import Outcome, score  # noqa: E402

FINANCIAL = ROOT / "tests" / "fixtures" / "rasa" / "financial-demo"
INTENTS_DIR = ROOT / "intents" / "en"
SEED = 13
SEEDS = (13, 1, 2, 3, 4)  # more splits, for the mean: 108 test sentences hold only 42 entities
SETTINGS = {
    "±1, lists, affixes, c1=0.2 c2=0.02 (default)": Settings(),
    "±1, no lists, affixes, c1=0.2 c2=0.02": Settings(lists=False),
    "±1, lists, no affixes, c1=0.2 c2=0.02": Settings(affixes=False),
    "±1, lists, affixes, c1=0.1 c2=0.1": Settings(c1=0.1, c2=0.1),
    "±1, lists, affixes, c1=0.5 c2=0.01": Settings(c1=0.5, c2=0.01),
    "±2, lists, affixes, c1=0.2 c2=0.02": Settings(window=2),
    "±2, lists, affixes, c1=0.05 c2=0.05": Settings(window=2, c1=0.05, c2=0.05),
    "±2, lists, affixes, c1=0.01 c2=0.01": Settings(window=2, c1=0.01, c2=0.01),
}


def split(intents: Intents, test_share: float = 0.2, seed: int = SEED) -> tuple[Intents, tuple[Example, ...]]:
    """Training data and test sentences: ``test_share`` of each intent's examples (rounded down, at
    least one), drawn with a fixed seed."""
    rng = random.Random(seed)
    train: list[Example] = []
    test: list[Example] = []
    for name in intents.names:
        examples = list(intents.of(name))
        rng.shuffle(examples)
        n = max(1, int(len(examples) * test_share))
        test += examples[:n]
        train += examples[n:]
    return Intents(tuple(train), intents.synonyms, intents.lookups, intents.regexes, intents.files), tuple(test)


def exact(cases: Sequence[Example], found: Sequence[Sequence[Span]]) -> dict[str, tuple[float, float, float, int]]:
    """Entity -> (precision, recall, F1, annotated), and "micro": exact span, entity and value."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # annotated, found, right
    for case, spans in zip(cases, found):
        gold = {(a.start, a.end, a.entity): a.value for a in case.entities}
        for a in case.entities:
            counts[a.entity][0] += 1
            counts["micro"][0] += 1
        for s in spans:
            right = (s.start, s.end, s.entity) in gold and gold[(s.start, s.end, s.entity)] in (None, s.value)
            for key in (s.entity, "micro"):
                counts[key][1] += 1
                counts[key][2] += right
    return {k: _prf(*v) for k, v in sorted(counts.items())}


def _prf(annotated: int, found: int, right: int) -> tuple[float, float, float, int]:
    p = right / found if found else 0.0
    r = right / annotated if annotated else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0, annotated


def overlap(cases: Sequence[Example], found: Sequence[Sequence[Entity]]) -> dict[str, tuple[float, float, float, int]]:
    """The same figures as ``plantvoice intents test`` (``evaluate.score``)."""
    ev = score([Outcome(c.text, c.source, c.intent, c.intent, 1.0, c.entities, tuple(f)) for c, f in zip(cases, found)])
    out = {k: (s.precision, s.recall, s.f1, s.expected) for k, s in ev.entity_types.items()}
    return out | {"micro": (ev.entities.precision, ev.entities.recall, ev.entities.f1, ev.entities.expected)}


def entities(spans: Sequence[Span], text: str) -> tuple[Entity, ...]:
    return tuple(Entity(s.entity, s.value, s.start, s.end, text[s.start:s.end], s.confidence) for s in spans)


def show(title: str, scores: dict[str, tuple[float, float, float, int]]) -> None:
    print(f"  {title}")
    for k, (p, r, f, n) in scores.items():
        print(f"    {k:<18} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({n})")


def measure(settings: Settings, train: Intents, test: Sequence[Example]) -> tuple[float, float]:
    """Exact micro F1 and training seconds."""
    t = time.perf_counter()
    crf = CrfEntities.train(train, settings=settings)
    seconds = time.perf_counter() - t
    return exact(test, [crf.extract(c.text) for c in test])["micro"][2], seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the default setting")
    parser.add_argument("--no-understander", action="store_true", help="skip the understander's own entities")
    parser.add_argument("--spacy", action="store_true", help="also a spaCy NER on the financial-demo splits")
    args = parser.parse_args()
    settings = {k: v for k, v in SETTINGS.items() if not args.quick or v == Settings()}

    fin, _ = scan_intents(FINANCIAL)  # scan: the data repeats one sentence in two intents
    fin_train, fin_test = split(fin)
    en = load_intents(INTENTS_DIR)
    en_test = load_intent_tests(INTENTS_DIR, en)
    print(f"financial-demo: {len(fin_train.examples)} training, {len(fin_test)} test sentences "
          f"({sum(len(c.entities) for c in fin_test)} entities); intents/en: {len(en.examples)} training, "
          f"{len(en_test)} test sentences ({sum(len(c.entities) for c in en_test)} entities)")
    print("\nexact micro F1: financial-demo split seed 13 | mean of seeds 13, 1-4 (each) | intents/en | train s")
    for name, s in settings.items():
        fin_f1, fin_s = measure(s, fin_train, fin_test)
        seeds = [measure(s, *split(fin, seed=seed))[0] for seed in SEEDS]
        en_f1, en_s = measure(s, en, en_test)
        print(f"  {name:<46} {fin_f1:.3f} | {statistics.mean(seeds):.3f} ({' '.join(f'{f:.3f}' for f in seeds)}) "
              f"| {en_f1:.3f} | {fin_s:.1f} / {en_s:.1f}", flush=True)

    if args.spacy:
        print("\nspaCy NER, exact micro F1 on financial-demo, per split (seed: F1, train s)")
        for seed in SEEDS:
            train, test = split(fin, seed=seed)
            t = time.perf_counter()
            extract = spacy_ner(train)
            seconds = time.perf_counter() - t
            print(f"  {seed}: {exact(test, [extract(c.text) for c in test])['micro'][2]:.3f}, {seconds:.0f} s", flush=True)

    print("\n== details, default setting")
    crf = CrfEntities.train(fin_train)
    show("financial-demo, exact", exact(fin_test, [crf.extract(c.text) for c in fin_test]))
    crf = CrfEntities.train(en)
    crf_found = [entities(crf.extract(c.text), c.text) for c in en_test]
    show("intents/en, CRF alone, exact", exact(en_test, [crf.extract(c.text) for c in en_test]))
    show("intents/en, CRF alone, overlap (as intents test)", overlap(en_test, crf_found))
    plant = understander_lookups()
    t = time.perf_counter()
    crf = CrfEntities.train(en, lookups=plant)
    print(f"  (trained with the plant's lists in {time.perf_counter() - t:.1f} s)")
    show("intents/en, CRF with the plant's lists, overlap", overlap(en_test, [entities(crf.extract(c.text), c.text)
                                                                               for c in en_test]))
    if not args.no_understander:
        own = understander_entities(en_test, plant)
        show("intents/en, understander alone, overlap (as intents test)", overlap(en_test, own))
        merged = [o + tuple(e for e in c if not any(e.start < x.end and x.start < e.end for x in o))
                  for o, c in zip(own, crf_found)]
        show("intents/en, understander + CRF where it found nothing, overlap", overlap(en_test, merged))


def spacy_ner(train: Intents, epochs: int = 30, seed: int = 0) -> Callable[[str], list[Span]]:
    """A blank English spaCy pipeline with ``ner`` trained on the annotations; its extract function."""
    import spacy
    from spacy.training import Example as SpacyExample

    from assistant.nlu.crf import _synonyms

    spacy.util.fix_random_seed(seed)
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    data = []
    for e in train.examples:
        for a in e.entities:
            ner.add_label(a.entity)
        data.append(SpacyExample.from_dict(nlp.make_doc(e.text),
                                           {"entities": [(a.start, a.end, a.entity) for a in e.entities]}))
    optimizer = nlp.initialize(lambda: data)
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(data)
        for batch in spacy.util.minibatch(data, size=8):
            nlp.update(batch, sgd=optimizer, drop=0.2)
    synonyms = _synonyms(train)
    return lambda text: [Span(e.start_char, e.end_char, e.label_, synonyms.get(e.text.lower(), e.text), 1.0)
                         for e in nlp(text).ents]


def understander_lookups() -> dict:
    """The plant's lists the intents annotate, as ``plantvoice intents test`` takes them."""
    from assistant.config import load_config
    from assistant.nlu.data import own_lookups
    from assistant.plant import load_model

    return own_lookups(load_intents(INTENTS_DIR), load_model(load_config().plant.asset_model).lookups())


def understander_entities(cases: Sequence[Example], lookups: dict) -> list[tuple[Entity, ...]]:
    """What ``plantvoice intents test`` extracts: the configured understander over the plant's lists."""
    from assistant.config import load_config
    from assistant.nlu import create_understander

    understander = create_understander(load_config().nlu, lookups, INTENTS_DIR)
    return [understander.parse(c.text).entities for c in cases]


if __name__ == "__main__":
    main()
