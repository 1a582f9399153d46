"""Measuring understanding: per-intent precision, recall and F1, entity scores, out-of-scope
rejection, confused pairs and failing sentences; stratified K-fold cross-validation.

    outcomes = run_cases(understander.parse, load_intent_tests(directory, intents))
    evaluation = score(outcomes)                          # Evaluation
    cv = cross_validate(intents, 5, lambda train: create_understander(config, lookups, intents=train).parse)

A sentence passes when its intent is right and every entity its test annotates is found
(same entity, overlapping span, and the annotated value, role and group when given); entities
found but not annotated only lower the entity precision. Pure functions over values:
``plantvoice intents test`` and ``benchmarks/nlu.py`` print what they return.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from ..events import OUT_OF_SCOPE, Entity, Intent
from .data import Annotation, Example, Intents

__all__ = [
    "CV_SEED",
    "Outcome",
    "Summary",
    "IntentScore",
    "EntityScore",
    "Confusion",
    "Evaluation",
    "folds",
    "decide",
    "summary",
    "entity_found",
    "run_cases",
    "score",
    "cross_validate",
]

CV_SEED = 13  # the fold split is fixed: the same data gives the same folds
CONFUSION_EXAMPLES = 3  # sentences shown per confused pair

Parse = Callable[[str], Intent]


@dataclass(frozen=True)
class Outcome:
    """One sentence: the intent and entities expected, and what the understander said."""

    text: str
    source: str  # "file:line"
    expected: str
    got: str
    confidence: float
    expected_entities: tuple[Annotation, ...] = ()
    got_entities: tuple[Entity, ...] = ()
    missing: tuple[Annotation, ...] = ()  # expected entities not found

    @property
    def passed(self) -> bool:
        return self.expected == self.got and not self.missing


@dataclass(frozen=True)
class Summary:
    """Shares of all sentences; None where there is nothing to count."""

    accuracy: float | None
    in_domain_accuracy: float | None
    oos_rejection: float | None  # out-of-scope sentences called out_of_scope
    false_rejection: float | None  # in-domain sentences called out_of_scope


@dataclass(frozen=True)
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int  # sentences expected to be this intent


@dataclass(frozen=True)
class EntityScore:
    """Entities by entity and value: ``expected`` annotated, ``found`` extracted, ``correct`` of both."""

    precision: float
    recall: float
    f1: float
    expected: int
    found: int
    correct: int


@dataclass(frozen=True)
class Confusion:
    """Sentences of intent ``expected`` understood as ``got``."""

    expected: str
    got: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Evaluation:
    count: int
    summary: Summary
    intents: dict[str, IntentScore]
    entities: EntityScore
    entity_types: dict[str, EntityScore]
    confusions: tuple[Confusion, ...]
    outcomes: tuple[Outcome, ...]

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)


# -- cross-validation ---------------------------------------------------------------------


def folds(intents: Intents, k: int, seed: int = CV_SEED) -> list[tuple[Intents, list[Example]]]:
    """K (training data, held-out examples) splits, stratified: each intent's examples,
    shuffled with ``seed``, are dealt round the folds in turn."""
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for e in intents.examples:
        by_intent[e.intent].append(e)
    parts: list[list[Example]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    for name in sorted(by_intent):
        items = by_intent[name][:]
        rng.shuffle(items)
        for i, e in enumerate(items):
            parts[i % k].append(e)
    out = []
    for held in parts:
        held_ids = {id(e) for e in held}
        train = tuple(e for e in intents.examples if id(e) not in held_ids)
        out.append((replace(intents, examples=train), held))
    return out


def cross_validate(intents: Intents, k: int, build: Callable[[Intents], Parse], seed: int = CV_SEED) -> Evaluation:
    """Train on K-1 folds with ``build(training data) -> parse``, test on the held-out one, K times."""
    outcomes: list[Outcome] = []
    for train, held in folds(intents, k, seed):
        if held:
            outcomes += run_cases(build(train), held)
    return score(outcomes)


# -- scoring ------------------------------------------------------------------------------


def decide(ranking: Sequence[tuple[str, float]], threshold: float) -> str:
    """The intent a ranking gives at ``threshold``: the best, or out_of_scope below it."""
    name, confidence = ranking[0]
    return OUT_OF_SCOPE if name != OUT_OF_SCOPE and confidence < threshold else name


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def summary(pairs: Sequence[tuple[str, str]]) -> Summary:
    """Accuracy and rejection of (expected, predicted) intent pairs."""
    inside = [(w, p) for w, p in pairs if w != OUT_OF_SCOPE]
    outside = [(w, p) for w, p in pairs if w == OUT_OF_SCOPE]
    return Summary(
        accuracy=_share(sum(w == p for w, p in pairs), len(pairs)),
        in_domain_accuracy=_share(sum(w == p for w, p in inside), len(inside)),
        oos_rejection=_share(sum(p == OUT_OF_SCOPE for _, p in outside), len(outside)),
        false_rejection=_share(sum(p == OUT_OF_SCOPE for _, p in inside), len(inside)),
    )


def entity_found(expected: Annotation, entities: Iterable[Entity]) -> bool:
    """An extracted entity of the same kind overlaps the annotation (with its value, role and group, if annotated)."""
    wanted = {"value": expected.value, "role": expected.role, "group": expected.group}
    return any(e.entity == expected.entity and e.start < expected.end and expected.start < e.end
               and all(want is None or getattr(e, key) == want for key, want in wanted.items()) for e in entities)


def _matches(found: Entity, annotations: Iterable[Annotation]) -> bool:
    return any(entity_found(a, (found,)) for a in annotations)


def run_cases(parse: Parse, cases: Iterable[Example]) -> list[Outcome]:
    """Each case parsed and compared with what it expects."""
    out = []
    for case in cases:
        result = parse(case.text)
        missing = tuple(a for a in case.entities if not entity_found(a, result.entities))
        out.append(Outcome(case.text, case.source, case.intent, result.name, result.confidence, case.entities,
                           result.entities, missing))
    return out


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _intent_scores(outcomes: Sequence[Outcome]) -> dict[str, IntentScore]:
    expected = Counter(o.expected for o in outcomes)
    predicted = Counter(o.got for o in outcomes)
    correct = Counter(o.expected for o in outcomes if o.expected == o.got)
    out = {}
    for name in sorted(set(expected) | set(predicted)):
        precision = correct[name] / predicted[name] if predicted[name] else 0.0
        recall = correct[name] / expected[name] if expected[name] else 0.0
        out[name] = IntentScore(round(precision, 4), round(recall, 4), round(_f1(precision, recall), 4),
                                expected[name])
    return out


def _entity_score(expected: int, found: int, correct_expected: int, correct_found: int) -> EntityScore:
    precision = correct_found / found if found else 0.0
    recall = correct_expected / expected if expected else 0.0
    return EntityScore(round(precision, 4), round(recall, 4), round(_f1(precision, recall), 4), expected, found,
                       correct_expected)


def _entity_scores(outcomes: Sequence[Outcome], kind: str | None = None) -> EntityScore:
    counts = [0, 0, 0, 0]  # expected, found, expected and found, found and expected
    for o in outcomes:
        wanted = [a for a in o.expected_entities if kind is None or a.entity == kind]
        got = [e for e in o.got_entities if kind is None or e.entity == kind]
        counts[0] += len(wanted)
        counts[1] += len(got)
        counts[2] += sum(entity_found(a, got) for a in wanted)
        counts[3] += sum(_matches(e, wanted) for e in got)
    return _entity_score(*counts)


def _confusions(outcomes: Sequence[Outcome]) -> tuple[Confusion, ...]:
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for o in outcomes:
        if o.expected != o.got:
            pairs[(o.expected, o.got)].append(o.text)
    ordered = sorted(pairs.items(), key=lambda item: (-len(item[1]), item[0]))
    return tuple(Confusion(w, g, len(texts), tuple(texts[:CONFUSION_EXAMPLES])) for (w, g), texts in ordered)


def score(outcomes: Sequence[Outcome]) -> Evaluation:
    """Every measure of a set of outcomes."""
    kinds = sorted({a.entity for o in outcomes for a in o.expected_entities}
                   | {e.entity for o in outcomes for e in o.got_entities})
    return Evaluation(
        count=len(outcomes),
        summary=summary([(o.expected, o.got) for o in outcomes]),
        intents=_intent_scores(outcomes),
        entities=_entity_scores(outcomes),
        entity_types={kind: _entity_scores(outcomes, kind) for kind in kinds},
        confusions=_confusions(outcomes),
        outcomes=tuple(outcomes),
    )
