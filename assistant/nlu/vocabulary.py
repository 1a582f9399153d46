"""Plant lookups from YAML, and the words and sentences the intents can produce.

``vocabulary(intents, lookups)`` gives (phrases, sentences): every spoken form of
every list value plus the intents' lookup tables and synonyms, and a bounded,
deterministic set of example sentences with list values substituted - for
biasing a recogniser or compiling a grammar.

``domain_lookups(intents, lookups)`` is what the domain in use can say: the plant's
lists that its examples annotate; a domain that annotates none of them (a coffee
counter) has its own lookup tables and synonyms instead, so a foreign intents
directory biases the recognizer toward its own words, not the demo plant's. ``prompt_names(...)`` are the values a prompt lists: the assets' names
where the domain talks of assets, else every value of its own lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from ..errors import DataError
from .classifier import HEARD_SOURCE, expand
from ..events import OUT_OF_SCOPE, Intent
from .data import Intents

__all__ = ["load_lookups", "vocabulary", "typical_requests", "domain_lookups", "prompt_names", "required_slots",
           "missing_slots"]

MAX_SENTENCES = 2000


def load_lookups(path: str | Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """Read ``entity: {value: [spoken forms]}`` from a YAML file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"lookups file {path} not found; pass an existing YAML file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise DataError(f"{path}{line}: not valid YAML; fix the syntax") from None
    if not isinstance(raw, dict):
        raise DataError(f"{path}: lookups must map entity -> value -> list of spoken forms; see tests/fixtures/lookups_demo.yml")
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for entity, values in raw.items():
        if not isinstance(values, dict):
            raise DataError(f"{path}: entity {entity!r} must map values to lists of spoken forms")
        out[str(entity)] = {}
        for value, forms in values.items():
            if isinstance(forms, str):
                forms = [forms]
            if forms is None:
                forms = []
            if not isinstance(forms, list) or not all(isinstance(f, (str, int, float)) for f in forms):
                raise DataError(f"{path}: {entity} -> {value} must be a list of spoken forms")
            out[str(entity)][str(value)] = tuple(str(f) for f in forms)
    return out


def vocabulary(intents: Intents, lookups: Mapping[str, Mapping[str, Sequence[str]]],
               max_sentences: int = MAX_SENTENCES) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(plant and list phrases, example sentences), both sorted and de-duplicated."""
    phrases: set[str] = set()
    for values in lookups.values():
        for forms in values.values():
            phrases.update(f.strip().lower() for f in forms if f.strip())
    for table in intents.lookups:
        phrases.update(i.strip().lower() for i in table.items)
    for synonym in intents.synonyms:
        phrases.update(f.strip().lower() for f in synonym.forms)
    sentences: list[str] = []
    seen: set[str] = set()
    for sentence in expand(intents, lookups, per_example=3):
        text = " ".join(sentence.text.lower().split())
        if text not in seen:
            seen.add(text)
            sentences.append(text)
        if len(sentences) >= max_sentences:
            break
    return tuple(sorted(phrases)), tuple(sorted(sentences))


def typical_requests(intents: Intents, skip: Sequence[str] = ("out_of_scope",)) -> tuple[str, ...]:
    """The first written example of each intent, in file order (generated heard files left out)."""
    seen: dict[str, str] = {}
    for example in intents.examples:
        if example.intent not in skip and example.intent not in seen and HEARD_SOURCE not in example.source:
            seen[example.intent] = example.text
    return tuple(seen.values())


def domain_lookups(intents: Intents, lookups: Mapping[str, Mapping[str, Sequence[str]]]
                   ) -> dict[str, dict[str, tuple[str, ...]]]:
    """entity -> value -> spoken forms: the plant's lists ``intents`` annotate, else its own lists."""
    used = {a.entity for e in intents.examples for a in e.entities}
    out = {e: {v: tuple(f) for v, f in values.items()} for e, values in lookups.items() if e in used}
    if out:
        return out
    forms_of = {s.value: tuple(s.forms) for s in intents.synonyms}
    synonym_of = {f.strip().lower(): s.value for s in intents.synonyms for f in s.forms}
    for table in intents.lookups:
        values = out.setdefault(table.name, {})
        for item in table.items:
            value = synonym_of.get(item.strip().lower(), item)
            values[value] = tuple(dict.fromkeys((*values.get(value, ()), value, item, *forms_of.get(value, ()))))
    return out


def prompt_names(domain: Mapping[str, Mapping[str, Sequence[str]]]) -> tuple[str, ...]:
    """The first spoken form of each asset; without assets, of each value of every list."""
    if domain.get("asset"):
        return tuple(forms[0] for forms in domain["asset"].values() if forms)
    return tuple(dict.fromkeys((forms[0] if forms else value) for values in domain.values()
                               for value, forms in values.items()))


def required_slots(intents: Intents) -> dict[str, frozenset[str]]:
    """intent -> the entities every one of its written examples carries (generated heard files left out)."""
    seen: dict[str, frozenset[str]] = {}
    for example in intents.examples:
        if HEARD_SOURCE in example.source:
            continue
        kinds = frozenset(a.entity for a in example.entities)
        seen[example.intent] = seen[example.intent] & kinds if example.intent in seen else kinds
    return {name: kinds for name, kinds in seen.items() if kinds and name != OUT_OF_SCOPE}


def missing_slots(intent: Intent, required: dict[str, frozenset[str]]) -> frozenset[str]:
    """The entities ``intent``'s examples always carry that it lacks."""
    return required.get(intent.name, frozenset()) - {e.entity for e in intent.entities}
