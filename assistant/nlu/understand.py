"""The ``classifier`` understander: entities, then templates, then a trained model.

``parse`` finds the entities (numbers and times in the language of the intents, ``languages``),
replaces them by placeholders, and asks the model:
a sentence equal to a written example (as is, or with its entities replaced)
gets that intent with confidence 1.0; otherwise the classifier's ranking decides.
A best intent below the threshold becomes ``out_of_scope`` with
confidence ``1 - best``; the ranking is kept so the dialogue can still ask "did you mean ...".
The ranking (the ``RANKING_SIZE`` best) always holds ``out_of_scope`` too, with the
classifier's probability, so the intent given is always in it. The threshold
is ``NluConfig.threshold`` in a plant domain, the one calibrated on the data in any other
(``classifier.calibrate``).
In a domain of its own (``data.is_plant_domain``), entities its lookups and regexes do not find are
found by a CRF trained on its annotations (``crf``), where no other entity was found.
Regexes named after no entity the data annotates are features: a sentence they match carries
a placeholder word per regex (``xregex_namex``) in its delexicalised form, in training as in use.
A confirm whose words say no (``confirm.refuses``: "Can't do it.", "do not save it") is
a deny: a refusal is never taken for a yes, whatever the classifier made of it.

Corrected: a short request (up to ``CORRECT_MAX_WORDS`` words, one of them a word the
intents never use) that would be out of scope is compared by sound (espeak-ng phoneme keys, see ``phonemes``) with the
short written sentences; one that sounds nearly the same ("council" -> "cancel")
takes that sentence's intent, with the similarity as confidence. Sentences of
``out_of_scope`` compete too, so chatter that sounds like chatter stays out.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from ..config import NluConfig
from ..confirm import refuses
from ..events import OUT_OF_SCOPE, Entity, Intent
from .classifier import IntentModel, load_or_train
from .crf import CrfEntities
from .data import Intents, is_plant_domain, load_intents
from .entities import EntityExtractor
from .normalize import Token
from .phonemes import bigrams, similarity
from .timerange import ShiftTimes

__all__ = ["ClassifierUnderstander", "placeholder"]

RANKING_SIZE = 10
CORRECT_MAX_WORDS = 4
CORRECT_CUTOFF = 0.8
CORRECTED = True  # the corrected step on (benchmarks switch it off to measure it)


def placeholder(entity: str) -> str:
    """The word that stands for an entity in delexicalised text: ``asset`` -> ``xassetx``."""
    return "x" + "".join(c for c in entity.lower() if c.isalnum()) + "x"


def _delex(text: str, tokens: list[Token], entities: Sequence[Entity]) -> str:
    spans = sorted(entities, key=lambda e: (e.start, -e.end))
    words: list[str] = []
    previous: Entity | None = None
    for tok in tokens:
        hit = next((e for e in spans if e.start <= tok.start < e.end), None)
        if hit is None:
            words.append(tok.text)
        elif hit is not previous:
            words.append(placeholder(hit.entity))
        previous = hit
    return " ".join(words)


class ClassifierUnderstander:
    """Understands one request at a time; build once, then ``parse`` many."""

    def __init__(self, config: NluConfig, lookups: Mapping[str, Mapping[str, Sequence[str]]],
                 intents_dir: str | Path | None = None, now: Callable[[], datetime] | None = None,
                 intents: Intents | None = None, shifts: Sequence[ShiftTimes] | None = None) -> None:
        self.config = config
        self.lookups = {e: {v: tuple(f) for v, f in vals.items()} for e, vals in lookups.items()}
        self.intents = intents if intents is not None else load_intents(intents_dir or config.intents_dir)
        self.now = now or (lambda: datetime.now().astimezone())
        self.shifts = shifts  # the site's shift pattern, for "the night shift" (None: 06-14-22)
        self.extractor = EntityExtractor(self.lookups, self.intents)
        # a domain of its own: entities its lists and regexes do not find are learned from its annotations
        own = not is_plant_domain(self.intents) and bool(self.intents.entity_names)
        self.learned = CrfEntities.cached(self.intents, config.models_dir) if own else None
        entities = set(self.intents.entity_names)
        self.features = [(placeholder(f"regex_{r.name}"), re.compile(p, re.IGNORECASE)) for r in self.intents.regexes
                         if r.name not in entities for p in r.patterns]
        self.model: IntentModel
        self.model, self.trained = load_or_train(config.models_dir, self.intents, self.lookups, self.delexicalise,
                                                 config.features, config.encoder)
        self.correct = CORRECTED
        # a domain of its own has its threshold calibrated on its data; the plant's is nlu.threshold
        self.threshold = config.threshold if self.model.threshold is None else self.model.threshold
        self._short = self._short_sentences()

    def _short_sentences(self) -> list[tuple[str, frozenset[str], str]]:
        """(sound key, key bigrams, intent) of every short sentence the model knows as is."""
        sounds = self.extractor.sounds
        out = []
        for text, intent in sorted(self.model.templates.items()):
            words = text.split()
            if 1 <= len(words) <= CORRECT_MAX_WORDS and not any(w.startswith("x") and w.endswith("x") for w in words):
                key = sounds.key(words)
                if len(key) >= 2:
                    out.append((key, bigrams(key), intent))
        return out

    def corrected(self, words: Sequence[str]) -> tuple[str, float] | None:
        """The intent of the short sentence ``words`` sound nearly like, with the similarity; or None."""
        if not 1 <= len(words) <= CORRECT_MAX_WORDS or all(w in self.extractor.known_words for w in words):
            return None  # only a word the intents never use can be a slip
        key = self.extractor.sounds.key(list(words))
        grams = bigrams(key)
        best: tuple[float, str] | None = None
        for other, other_grams, intent in self._short:
            if abs(len(other) - len(key)) > (1 - CORRECT_CUTOFF) * max(len(other), len(key)) + 0.5:
                continue
            if grams and other_grams and not grams & other_grams:
                continue
            score = similarity(key, other)
            if best is None or score > best[0]:
                best = (score, intent)
        if best is None or best[0] < CORRECT_CUTOFF or best[1] == OUT_OF_SCOPE:
            return None
        return best[1], round(best[0], 4)

    def delexicalise(self, text: str, now: datetime | None = None) -> tuple[str, str]:
        """(normalised text, text with entities replaced by placeholders)."""
        tokens = self.extractor.tokenize(text)
        entities = self.extractor.extract(text, tokens, now or _FIXED_NOW)
        return " ".join(t.text for t in tokens), self._featured(text, _delex(text, tokens, entities))

    def _featured(self, text: str, delex: str) -> str:
        """``delex`` with a placeholder for every feature regex that matches ``text``."""
        return " ".join([delex, *sorted({word for word, pattern in self.features if pattern.search(text)})])

    def _with_learned(self, text: str, found: tuple[Entity, ...]) -> tuple[Entity, ...]:
        """``found`` and the learned entities where it has none, in order; a found entity takes the role
        and group of a learned one of its name over the same words ("from [Berlin]" a departure city)."""
        assert self.learned is not None
        spans = self.learned.extract(text)
        kept = [next((dataclasses.replace(e, role=s.role, group=s.group) for s in spans
                      if s.entity == e.entity and s.start < e.end and e.start < s.end), e) for e in found]
        learned = [Entity(s.entity, s.value, s.start, s.end, text[s.start:s.end], round(s.confidence, 4),
                          role=s.role, group=s.group)
                   for s in spans if not any(e.start < s.end and s.start < e.end for e in found)]
        return tuple(sorted((*kept, *learned), key=lambda e: e.start))

    def entities(self, text: str, tokens: list[Token] | None = None) -> tuple[Entity, ...]:
        tokens = self.extractor.tokenize(text) if tokens is None else tokens
        found = tuple(self.extractor.extract(text, tokens, self.now(), self.shifts))
        return found if self.learned is None else self._with_learned(text, found)

    def parse(self, text: str) -> Intent:
        if not isinstance(text, str) or not text.strip():
            return Intent(text if isinstance(text, str) else "", OUT_OF_SCOPE, 0.0)
        tokens = self.extractor.tokenize(text)
        if not tokens:
            return Intent(text, OUT_OF_SCOPE, 0.0)
        entities = self.entities(text, tokens)
        normalised = " ".join(t.text for t in tokens)
        delex = self._featured(text, _delex(text, tokens, entities))
        full = self.model.rank(normalised, delex)
        ranking = full[:RANKING_SIZE]
        template = self.model.template(normalised, delex)
        if template is not None:
            ranking = [(template, 1.0)] + [(n, c) for n, c in ranking if n != template][: RANKING_SIZE - 1]
        name, confidence = ranking[0]
        ranking += [(n, c) for n, c in full if n == OUT_OF_SCOPE and all(m != n for m, _ in ranking)]
        rounded = tuple((n, round(c, 4)) for n, c in ranking)
        if self.correct and (name == OUT_OF_SCOPE or confidence < self.threshold):
            snapped = self.corrected(normalised.split())
            if snapped is not None:
                return Intent(text, snapped[0], snapped[1], entities, rounded)
        if name != OUT_OF_SCOPE and confidence < self.threshold:
            return Intent(text, OUT_OF_SCOPE, round(1.0 - confidence, 4), entities, rounded)
        intent = Intent(text, name, round(confidence, 4), entities, rounded)
        if name == "confirm" and "deny" in self.model.labels and refuses(intent):
            return Intent(text, "deny", round(confidence, 4), entities, (("deny", round(confidence, 4)), *rounded))
        return intent


_FIXED_NOW = datetime(2024, 1, 3, 12, 0)  # training only needs where time ranges are, not their values
