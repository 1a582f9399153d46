"""Entities learned from annotations: a linear-chain CRF over tokens (python-crfsuite).

    crf = CrfEntities.train(intents)                 # every annotated entity, or entities=("person",)
    crf.extract("send fifty to Judith")              # [Span(14, 20, "person", "Judith", 0.93)]
    crf = CrfEntities.cached(intents, "models")      # trained once per data, then loaded

Each example is split into tokens (``TOKEN``: runs of word characters, single other
characters); a token inside an annotation is labelled ``B-<label>`` or ``I-<label>``, any
other ``O``. The label is the entity name, with ``#role`` and ``@group`` when the data's
annotations carry them (``label``). Each token's features (``Settings``):

* its lower-cased word, shape ("Xxx", "ddd", "X-ddd"), prefixes and suffixes of 1-3
  characters, and whether it is digits, title case or upper case;
* the word, shape, case and digit features of the tokens up to ``window`` either side;
* ``lookup:<table>`` when the token lies inside a match of a ``lookup:`` table, and
  ``regex:<name>`` inside a match of a ``regex:`` item (also seen from the neighbours ±1).

A found span's value is its text, or the canonical value when the text is a form of a
``synonym:`` item or was annotated with another value in the data (``text`` ->
``value``), compared case-insensitively: what Rasa's EntitySynonymMapper does. Its
confidence is the smallest marginal probability of its tokens' labels.

Data without annotations for the entities asked gives an extractor that finds nothing.
Scores on RasaHQ's financial-demo and on ``intents/en`` are in ``benchmarks/RESULTS.md``
(``benchmarks/entities_crf.py``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import DataError
from .data import Annotation, Intents

__all__ = ["TOKEN", "Settings", "Span", "CrfEntities", "label", "tokens"]

TOKEN = re.compile(r"\w+|[^\w\s]")
FORMAT = 1  # of the saved file; a file of another format is retrained
Lookups = Mapping[str, Mapping[str, Iterable[str]]]  # entity -> value -> spoken forms


@dataclass(frozen=True)
class Settings:
    """Features and training: ``window`` tokens either side, the lookup and regex features
    (``lists``), L1 and L2 regularisation ``c1`` and ``c2``, and ``iterations`` of L-BFGS."""

    window: int = 1
    lists: bool = True
    affixes: bool = True
    c1: float = 0.2
    c2: float = 0.02
    iterations: int = 150


class Span(NamedTuple):
    """An entity found in ``text[start:end]``."""

    start: int
    end: int
    entity: str
    value: str
    confidence: float
    role: str | None = None
    group: str | None = None


def label(annotation: Annotation) -> str:
    """``entity``, ``entity#role``, ``entity@group`` or ``entity#role@group``."""
    role, group = getattr(annotation, "role", None), getattr(annotation, "group", None)
    return annotation.entity + (f"#{role}" if role else "") + (f"@{group}" if group else "")


def _unlabel(text: str) -> tuple[str, str | None, str | None]:
    rest, _, group = text.partition("@")
    entity, _, role = rest.partition("#")
    return entity, role or None, group or None


def tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token."""
    return [m.span() for m in TOKEN.finditer(text)]


def _shape(word: str) -> str:
    shape = re.sub(r"\d", "d", re.sub(r"[a-z]", "x", re.sub(r"[A-Z]", "X", word)))
    return re.sub(r"(.)\1{3,}", r"\1\1\1", shape)


def _word(word: str) -> dict[str, Any]:
    return {"low": word.lower(), "shape": _shape(word), "digit": word.isdigit(), "title": word.istitle(),
            "upper": word.isupper()}


def _bio(spans: list[tuple[int, int]], annotations: Iterable[Annotation], wanted: set[str] | None) -> list[str]:
    labels = ["O"] * len(spans)
    for a in annotations:
        if wanted is not None and a.entity not in wanted:
            continue
        inside = [i for i, (s, e) in enumerate(spans) if s < a.end and a.start < e]
        for n, i in enumerate(inside):
            labels[i] = ("B-" if n == 0 else "I-") + label(a)
    return labels


def _compile(lists: Mapping[str, Iterable[str]], regex: bool) -> dict[str, re.Pattern[str]]:
    out = {}
    for name, items in lists.items():
        ordered = sorted({i for i in items if i.strip()}, key=len, reverse=True)
        if ordered:
            body = "|".join(f"(?:{i})" if regex else re.escape(i) for i in ordered)
            out[name] = re.compile(body if regex else rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
    return out


class CrfEntities:
    """A trained extractor: ``extract(text)`` gives the ``Span`` values it finds."""

    def __init__(self, model: bytes | None, settings: Settings, synonyms: Mapping[str, str],
                 lookups: Mapping[str, Iterable[str]], regexes: Mapping[str, Iterable[str]], digest: str = "") -> None:
        self.model = model
        self.settings = settings
        self.synonyms = dict(synonyms)
        self.lookups = {k: list(v) for k, v in lookups.items()}
        self.regexes = {k: list(v) for k, v in regexes.items()}
        self.digest = digest
        self._lists = {**{f"lookup:{k}": p for k, p in _compile(self.lookups, False).items()},
                       **{f"regex:{k}": p for k, p in _compile(self.regexes, True).items()}}
        self._tagger: Any = None  # a pycrfsuite.Tagger once a model is given
        if model is not None:
            import pycrfsuite

            self._tagger = pycrfsuite.Tagger()
            self._tagger.open_inmemory(model)

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels it predicts (entity names, with role and group)."""
        if self._tagger is None:
            return ()
        return tuple(sorted({t[2:] for t in self._tagger.labels() if t != "O"}))

    @classmethod
    def train(cls, intents: Intents, entities: Iterable[str] | None = None, settings: Settings = Settings(),
              lookups: Lookups | None = None) -> CrfEntities:
        """Trained on the annotations of ``entities`` (all when None) in ``intents``. ``lookups`` (entity ->
        value -> spoken forms, such as the plant's lists) adds a table per entity to the data's own
        ``lookup:`` items, and maps each form to its value as a synonym does."""
        wanted = None if entities is None else set(entities)
        tables = {t.name: list(t.items) for t in intents.lookups}
        synonyms = _synonyms(intents)
        for name, values in (lookups or {}).items():
            tables[name] = tables.get(name, []) + [f for v, forms in values.items() for f in (v, *forms)]
            synonyms.update({f.lower(): v for v, forms in values.items() for f in (v, *forms)})
        crf = cls(None, settings, synonyms, tables, {r.name: list(r.patterns) for r in intents.regexes},
                  intents.digest())
        data = []
        for example in intents.examples:
            spans = tokens(example.text)
            if spans:
                data.append((crf._features(example.text, spans), _bio(spans, example.entities, wanted)))
        if not any(y != "O" for _, labels in data for y in labels):
            return crf
        import tempfile

        import pycrfsuite

        trainer = pycrfsuite.Trainer(verbose=False)
        for x, y in data:
            trainer.append(x, y)
        trainer.set_params({"c1": settings.c1, "c2": settings.c2, "max_iterations": settings.iterations,
                            "feature.possible_transitions": True})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "crf.model"
            trainer.train(str(path))
            model = path.read_bytes()
        return cls(model, settings, crf.synonyms, crf.lookups, crf.regexes, crf.digest)

    def extract(self, text: str) -> list[Span]:
        """The entities in ``text``, in order, with character offsets."""
        spans = tokens(text)
        if self._tagger is None or not spans:
            return []
        self._tagger.set(self._features(text, spans))
        tags = self._tagger.tag()
        found: list[Span] = []
        current: list[int] = []
        for i, tag in enumerate([*tags, "O"]):
            if current and (tag[:2] != "I-" or tag[2:] != tags[current[0]][2:]):
                found.append(self._span(text, spans, tags, current))
                current = []
            if tag != "O" and (tag[:2] == "B-" or not current):
                current = [i]
            elif tag != "O":
                current.append(i)
        return found

    def _span(self, text: str, spans: list[tuple[int, int]], tags: list[str], run: list[int]) -> Span:
        assert self._tagger is not None
        start, end = spans[run[0]][0], spans[run[-1]][1]
        entity, role, group = _unlabel(tags[run[0]][2:])
        confidence = min(self._tagger.marginal(tags[i], i) for i in run)
        value = text[start:end]
        return Span(start, end, entity, self.synonyms.get(value.lower(), value), round(confidence, 4), role, group)

    def _features(self, text: str, spans: list[tuple[int, int]]) -> list[dict[str, Any]]:
        words = [text[s:e] for s, e in spans]
        marks: list[set[str]] = [set() for _ in spans]
        if self.settings.lists:
            for name, pattern in self._lists.items():
                for m in pattern.finditer(text):
                    for i, (s, e) in enumerate(spans):
                        if m.start() <= s and e <= m.end() and m.end() > m.start():
                            marks[i].add(name)
        out = []
        for i, word in enumerate(words):
            f: dict[str, Any] = {"bias": 1.0, **_word(word)}
            if self.settings.affixes:
                low = word.lower()
                f.update({f"pre{n}": low[:n] for n in (1, 2, 3)} | {f"suf{n}": low[-n:] for n in (1, 2, 3)})
            for d in range(-self.settings.window, self.settings.window + 1):
                j = i + d
                if d and 0 <= j < len(words):
                    f.update({f"{d}:{k}": v for k, v in _word(words[j]).items()})
                elif d and j in (-1, len(words)):
                    f["BOS" if j < 0 else "EOS"] = True
            for d in (-1, 0, 1):
                if 0 <= i + d < len(words):
                    f.update({f"{d}:{name}": True for name in marks[i + d]})
            out.append(f)
        return out

    def save(self, path: str | Path) -> None:
        """Write the model, its settings and lists to one JSON file."""
        data = {"format": FORMAT, "digest": self.digest, "settings": asdict(self.settings),
                "synonyms": self.synonyms, "lookups": self.lookups, "regexes": self.regexes,
                "model": None if self.model is None else base64.b64encode(self.model).decode()}
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> CrfEntities:
        """A model written by ``save``; ``DataError`` when the file is not one."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, not {FORMAT}")
            model = None if data["model"] is None else base64.b64decode(data["model"])
            return cls(model, Settings(**data["settings"]), data["synonyms"], data["lookups"], data["regexes"],
                       data["digest"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{path}: not an entity model ({exc}); delete it and it is trained again") from None

    @classmethod
    def cached(cls, intents: Intents, models_dir: str | Path, entities: Iterable[str] | None = None,
               settings: Settings = Settings(), lookups: Lookups | None = None) -> CrfEntities:
        """Loaded from ``models_dir`` when trained on the same data and settings before, else trained and saved."""
        key = json.dumps([intents.digest(), sorted(entities) if entities is not None else None, asdict(settings),
                          {k: {v: list(f) for v, f in sorted(vs.items())} for k, vs in sorted((lookups or {}).items())},
                          FORMAT])
        path = Path(models_dir) / f"crf-{hashlib.sha256(key.encode()).hexdigest()[:20]}.json"
        if path.exists():
            try:
                return cls.load(path)
            except DataError:
                pass
        crf = cls.train(intents, entities, settings, lookups)
        crf.save(path)
        return crf


def _synonyms(intents: Intents) -> dict[str, str]:
    """Lower-cased form -> canonical value, from ``synonym:`` items and annotations with another value."""
    out = {}
    for example in intents.examples:
        for a in example.entities:
            if a.value is not None and a.value != a.text:
                out[a.text.lower()] = a.value
    for s in intents.synonyms:
        out.update({form.lower(): s.value for form in s.forms})
    return out
