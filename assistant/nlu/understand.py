"""The ``classifier`` understander: entities, then templates, then a trained model.

``parse`` finds the entities, replaces them by placeholders, and asks the model:
a sentence equal to a written example (as is, or with its entities replaced)
gets that intent with confidence 1.0; otherwise the classifier's ranking decides.
A best intent below ``NluConfig.threshold`` becomes ``out_of_scope`` with
confidence ``1 - best``; the ranking is kept so the dialogue can still ask
"did you mean ...".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from ..config import NluConfig
from ..events import OUT_OF_SCOPE, Entity, Intent
from .classifier import IntentModel, load_or_train
from .data import Intents, load_intents
from .entities import EntityExtractor
from .normalize import Token, tokenize

__all__ = ["ClassifierUnderstander", "placeholder"]

RANKING_SIZE = 10


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
                 intents: Intents | None = None) -> None:
        self.config = config
        self.lookups = {e: {v: tuple(f) for v, f in vals.items()} for e, vals in lookups.items()}
        self.intents = intents if intents is not None else load_intents(intents_dir or config.intents_dir)
        self.now = now or (lambda: datetime.now().astimezone())
        self.extractor = EntityExtractor(self.lookups, self.intents)
        self.model: IntentModel
        self.model, self.trained = load_or_train(config.models_dir, self.intents, self.lookups, self.delexicalise,
                                                 config.features)

    def delexicalise(self, text: str, now: datetime | None = None) -> tuple[str, str]:
        """(normalised text, text with entities replaced by placeholders)."""
        tokens = tokenize(text)
        entities = self.extractor.extract(text, tokens, now or _FIXED_NOW)
        return " ".join(t.text for t in tokens), _delex(text, tokens, entities)

    def parse(self, text: str) -> Intent:
        if not isinstance(text, str) or not text.strip():
            return Intent(text if isinstance(text, str) else "", OUT_OF_SCOPE, 0.0)
        tokens = tokenize(text)
        if not tokens:
            return Intent(text, OUT_OF_SCOPE, 0.0)
        entities = tuple(self.extractor.extract(text, tokens, self.now()))
        normalised = " ".join(t.text for t in tokens)
        delex = _delex(text, tokens, entities)
        ranking = self.model.rank(normalised, delex)[:RANKING_SIZE]
        template = self.model.template(normalised, delex)
        if template is not None:
            ranking = [(template, 1.0)] + [(n, c) for n, c in ranking if n != template][: RANKING_SIZE - 1]
        name, confidence = ranking[0]
        rounded = tuple((n, round(c, 4)) for n, c in ranking)
        if name != OUT_OF_SCOPE and confidence < self.config.threshold:
            return Intent(text, OUT_OF_SCOPE, round(1.0 - confidence, 4), entities, rounded)
        return Intent(text, name, round(confidence, 4), entities, rounded)


_FIXED_NOW = datetime(2024, 1, 3, 12, 0)  # training only needs where time ranges are, not their values
