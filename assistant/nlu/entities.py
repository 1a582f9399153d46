"""Entities: closed lists matched by spaCy, plus time ranges, numbers and note text.

* Lookup entities (``asset``, ``measurement``, or any other list the plant or the
  intents data gives: ``lookup:`` tables, ``synonym:`` items, annotations with a
  value) are matched by a spaCy blank English ``PhraseMatcher`` over normalised
  forms, longest match first.
* Recognition slips are tolerated for the lists given as ``Lookups``: plurals,
  homophones of digits ("pump to" -> pump 2) and words that look or sound like a
  list word ("curling tower" -> cooling tower). A corrected phrase must match a
  form exactly after correction; a one-word correction ("matter" -> battery) also
  needs context (a preposition before it, or another plant entity in the text).
* Phrases that *sound* like a plant name are matched on espeak-ng phoneme keys
  (``phonemes``): a run of one to four words whose key is close to a form's key
  ("figure 2" -> feeder 2, "this charge" -> discharge, "faster than 1" -> gas
  turbine 1). Keys of the forms are made once, when the extractor is built; the
  run must share a word with the form, or sound very close and stand where a
  plant name is expected.
* Tag numbers as the recognizer writes them: "p 1 or 2", "1 out 2", "pump 2 no 1" and
  "101" stand for the asset whose id ends in those digits (P-102, P-201, P-101), and
  an acronym with one letter of the same rhyme ("chv", "chd" for chp) for its asset.
* Values of the intents' own lists (lookups, synonyms, annotations of entities no regex
  finds) heard as a near-miss snap to the value (``snap``): "ice coffee" -> iced coffee, "sweeter" -> sweetener; a
  snap swallows a shorter exact match inside it. A name of two or more words also matches with
  its last word plural ("turn on standing lights" names the Standing Light). The plant's lists snap the same way, after the
  rules above and only nearer (``LIST_SNAP_CUTOFF``). Every corrected, sounded-alike or snapped
  value carries its ``distance`` (1 - similarity) beside the words heard. Words as near to two
  plant values (``snap.TIE``: "Kühlwasservumpe", between Kühlwasserpumpe eins and zwei) give one
  entity per value over the same words, for the dialogue to ask which (``dialogue.reference``);
  an intents' value as ambiguous is not snapped at all.
* ``time_range`` (see ``timerange``), ``number`` ("seventy two point five" -> 72.5)
  and ``note_text`` (the words after "take a note", "note that", "log that").

Numbers, tags, units and time phrases are read in the language of the intents (``languages``):
German intents (``intents/de``) are read with ``lang.de`` ("zweiundsiebzig Komma fünf" -> 72.5,
"P eins null zwei" and "P hundertzwei" -> P-102, "seit Schichtbeginn"), where "nein" is no number
and "neun" is 9; any other directory by the English rules. The forms of the lists are normalised the
same way, so "Speisewasserpumpe zwo" meets the form "Speisewasserpumpe zwei". Note text is found
after the English triggers only.

Which extractors run depends on the domain (``data.is_plant_domain``): a plant domain gets them all;
any other directory only those of the entities its data annotates (a domain that annotates no
``number`` gets none), a ``regex:`` item extracts its entity only where the data annotates an entity
of that name (Rasa's RegexEntityExtractor), and a ``lookup:`` table named after no annotated entity
lends its values to the annotated entity that shares the most of them (Sara's ``products`` table
for its ``product`` annotations) or, sharing none, matches nothing.

Offsets are character offsets into the original text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..events import Entity
from .data import Intents, is_plant_domain
from .languages import Language, language_of
from .normalize import Token, number_value
from .phonemes import Sounds, bigrams, similarity
from .snap import Snap, Snapper
from .timerange import ShiftTimes

__all__ = ["Lookups", "EntityExtractor", "phonetic"]

Lookups = dict[str, dict[str, tuple[str, ...]]]

CODE_ENTITIES = ("time_range", "number", "note_text")
_STOPWORDS = frozenset(
    "a an the of on for at in is are was were be it its this that these those what whats which who how "
    "and or to me my i you your we our us show give tell please can could would will do does did with "
    "from by as any all there their than then so up down out if about".split())
_E_SET = frozenset("bcdegptvz")
_VOWELS = frozenset("aeiouy")  # a run of letters without any is spelled out, not a word  # letters that rhyme when spelled out (bee, cee, dee, ...)
SOUND_MIN_KEY = 5  # shorter keys ("power", "load") sound like too many words
SOUND_CUTOFF = 0.74  # key similarity for a run that shares a word with the form
SOUND_CUTOFF_ALONE = 0.88
SOUND_CUTOFF_REST = 0.6  # similarity of the words that differ, for a run that shares one  # ... and for one that shares none (needs a plant context too)
LIST_SNAP_CUTOFF = 0.23  # plant lists, after the rules above: chosen on benchmarks/dev (RESULTS.md); "smoke" is 0.25 from soc
_RUN_NEVER_STARTS = frozenset("a an the of on for at in to and or is are was were be".split())
_PREPOSITIONS = frozenset({"of", "on", "for", "at", "in", "from", "about", "check"})


def phonetic(word: str) -> str:
    """A crude sound key: similar-sounding words get similar keys ("curling"~"cooling")."""
    w = word.lower()
    for a, b in (("ph", "f"), ("ck", "k"), ("qu", "kw"), ("q", "k"), ("x", "ks"), ("c", "k"), ("z", "s"),
                 ("dg", "j"), ("gh", "g"), ("th", "t")):
        w = w.replace(a, b)
    if not w:
        return w
    head, tail = w[0], re.sub(r"[aeiouyhw]", "", w[1:])
    key = head + tail
    return re.sub(r"(.)\1+", r"\1", key)


def _ratio(a: str, b: str, cutoff: float) -> float:
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
        return 0.0
    return matcher.ratio()


def _similarity(a: str, b: str, cutoff: float = 0.0, a_key: str | None = None, b_key: str | None = None) -> float:
    """Similarity 0..1 of two words by spelling or by sound, whichever is higher."""
    spelled = _ratio(a, b, cutoff)
    sound = _ratio(a_key or phonetic(a), b_key or phonetic(b), cutoff / 0.95) * 0.95
    return max(spelled, sound)


def _entity_of(table: str, items: Sequence[str], intents: Intents, normalize: Any) -> str | None:
    """The entity a lookup table's values are of: its own name where the data annotates it (or in a
    plant domain), else the annotated entity sharing the most values with it; None when none does."""
    if table in intents.entity_names or is_plant_domain(intents):
        return table
    values = {normalize(i) for i in items}
    shared: dict[str, int] = {}
    for e in intents.examples:
        for a in e.entities:
            if normalize(a.text) in values or (a.value and normalize(a.value) in values):
                shared[a.entity] = shared.get(a.entity, 0) + 1
    return max(sorted(shared), key=lambda name: shared[name]) if shared else None


class EntityExtractor:
    """Finds entities in text. Build once (spaCy pipeline, phrase lists); ``extract`` is cheap.
    ``language``: how numbers, tags and times are said (default: the language of ``intents``)."""

    def __init__(self, lookups: Mapping[str, Mapping[str, Iterable[str]]], intents: Intents | None = None,
                 fuzzy_cutoff: float = 0.75, language: Language | None = None) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self.language = language or language_of(intents)
        self.normalize = self.language.normalize
        self.tokenize = self.language.tokenize
        self.nlp = spacy.blank("en")
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.fuzzy_cutoff = fuzzy_cutoff
        self.patterns: dict[tuple[str, ...], tuple[str, str]] = {}
        self.fuzzy_entities = frozenset(lookups)
        # words seen next to an entity of the intents data; a one-word match needs one of them
        self.contexts: dict[str, set[str]] = {}
        for entity, values in lookups.items():
            for value, forms in values.items():
                self._add(entity, value, [value, *forms])
        if intents is not None:
            self._add_from_intents(intents)
        self.vocab: frozenset[str] = frozenset(
            w for words, (entity, _) in self.patterns.items() if entity in self.fuzzy_entities for w in words)
        self.known_words: frozenset[str] = frozenset(
            w for e in (intents.examples if intents else ()) for w in self.normalize(e.text).split())
        self._corrections: dict[str, tuple[tuple[str, float], ...]] = {}
        self._keys = [(w, phonetic(w)) for w in sorted(self.vocab) if len(w) >= 4 and not w[0].isdigit()]
        plant = intents is None or is_plant_domain(intents)
        annotated = set(intents.entity_names) if intents is not None else set()
        self.code_entities = frozenset(CODE_ENTITIES) if plant else frozenset(CODE_ENTITIES) & annotated
        self.regexes = [(r.name, re.compile(p, re.IGNORECASE)) for r in (intents.regexes if intents else ())
                        for p in r.patterns if plant or r.name in annotated]
        self.sounds = Sounds()
        self._form_keys = self._sound_forms()
        self._sound_cache: dict[tuple[str, ...], tuple[float, int, str, str] | None] = {}
        self.tags, self.acronyms = self._tag_forms(lookups.get("asset", {}))
        stopwords = self.language.stopwords
        self.snapper = Snapper(((w, e, v) for w, (e, v) in sorted(self.patterns.items())
                                if e not in self.fuzzy_entities and e not in CODE_ENTITIES),
                               self.known_words, self.sounds, stopwords=stopwords)
        self.list_snapper = Snapper(((w, e, v) for w, (e, v) in sorted(self.patterns.items())
                                     if e in self.fuzzy_entities), self.known_words, self.sounds, LIST_SNAP_CUTOFF,
                                    stopwords)
        self._add_plurals()

    @property
    def kinds(self) -> frozenset[str]:
        """The entities it finds: those of its lists, code (time ranges, numbers, note text) and regexes."""
        return frozenset(e for e, _ in self.patterns.values()) | self.code_entities | {n for n, _ in self.regexes}

    def _tag_forms(self, assets: Mapping[str, Iterable[str]]) -> tuple[dict[str, str], dict[str, str]]:
        """(tag digits -> asset, spelled acronym -> asset), each only where it names one asset."""
        tags: dict[str, list[str]] = {}
        for value in assets:
            m = re.fullmatch(r"[A-Za-z]+-?(\d{3})", value)
            if m:
                tags.setdefault(m.group(1), []).append(value)
        acronyms: dict[str, list[str]] = {}
        for value, forms in assets.items():
            for form in forms:
                words = self.normalize(form).split()
                spelled = "".join(w for w in words if len(w) == 1 and w.isalpha())
                for word in [spelled] + [w for w in words if not set(w) & _VOWELS]:
                    if 3 <= len(word) <= 5 and word.isalpha():
                        acronyms.setdefault(word, []).append(value)
        return ({d: v[0] for d, v in tags.items() if len(set(v)) == 1},
                {a: v[0] for a, v in acronyms.items() if len(set(v)) == 1})

    def _tag(self, words: list[str], taken: list[bool]) -> list[tuple[int, int, str, str, float]]:
        """Spans that say a tag number or an acronym slightly misheard: (start, end, entity, value, confidence)."""
        out = []
        k = 0
        while k < len(words):
            found = self._tag_at(words, k)
            if found is not None and not any(taken[k:found[0]]):
                end, value, confidence = found
                start = k - 1 if k and not taken[k - 1] and words[k - 1] in self.language.tag_prefixes else k
                out.append((start, end, "asset", value, confidence))
                k = end
            else:
                k += 1
        return out

    def _tag_at(self, words: list[str], k: int) -> tuple[int, str, float] | None:
        w = words[k]
        after = words[k + 1] if k + 1 < len(words) else ""
        if w in self.tags and after not in self.language.units:
            return k + 1, self.tags[w], 0.9
        if k + 2 < len(words) and len(w) == 1 and w.isdigit() and after in self.language.tag_joins and len(words[k + 2]) == 1:
            digits = w + "0" + words[k + 2]
            if digits in self.tags:
                return k + 3, self.tags[digits], 0.8
        if 3 <= len(w) <= 5 and w.isalpha() and not set(w) & _VOWELS:
            for acronym, value in self.acronyms.items():
                differ = [(a, b) for a, b in zip(w, acronym) if a != b]
                if len(w) == len(acronym) and len(differ) == 1 and set(differ[0]) <= _E_SET:
                    return k + 1, value, 0.8
        return None

    def _sound_forms(self) -> list[tuple[str, frozenset[str], frozenset[str], str, str]]:
        """(key, key bigrams, words, entity, value) of every plant form that sounds distinct enough."""
        out: dict[str, tuple[str, frozenset[str], frozenset[str], str, str]] = {}
        for words, (entity, value) in sorted(self.patterns.items()):
            if entity not in self.fuzzy_entities:
                continue
            key = self.sounds.key(words)
            if len(key) >= SOUND_MIN_KEY and key not in out:
                out[key] = (key, bigrams(key), frozenset(words), entity, value)
        return list(out.values())

    def _add(self, entity: str, value: str, forms: Iterable[str]) -> None:
        from spacy.tokens import Doc

        docs = []
        for form in forms:
            words = tuple(self.normalize(str(form)).split())
            if not words or words in self.patterns:
                continue
            self.patterns[words] = (entity, value)
            docs.append(Doc(self.nlp.vocab, words=list(words)))
        if docs:
            self.matcher.add(f"{entity}={value}", docs)

    def _add_plurals(self) -> None:
        """A name of two or more words also matches with its last word plural ("standing lights" is the
        Standing Light), unless that is a form of its own; exact matches only, no snap target."""
        for words, (entity, value) in list(self.patterns.items()):
            last = words[-1]
            if len(words) >= 2 and last.isalpha() and len(last) >= 3 and not last.endswith("s"):
                self._add(entity, value, [" ".join((*words[:-1], last + "s"))])

    def _add_from_intents(self, intents: Intents) -> None:
        normalize = self.normalize
        synonym_of = {normalize(f): s.value for s in intents.synonyms for f in (*s.forms, s.value)}
        for table in intents.lookups:
            entity = _entity_of(table.name, table.items, intents, normalize)
            for item in table.items if entity else ():
                value = synonym_of.get(normalize(item), item)
                self._add(entity, value, [item])
        for syn in intents.synonyms:
            entity = next((a.entity for e in intents.examples for a in e.entities
                           if a.value == syn.value or normalize(a.text) in map(normalize, syn.forms)), None)
            entity = entity or next((t.name for t in intents.lookups if syn.value in t.items), None)
            if entity and entity not in self.fuzzy_entities and entity not in CODE_ENTITIES:
                self._add(entity, syn.value, [syn.value, *syn.forms])
        listed = {t.name for t in intents.lookups}
        found_by_regex = {r.name for r in intents.regexes} - listed  # their regex finds them; no list value
        for example in intents.examples:
            for a in example.entities:
                if a.entity in self.fuzzy_entities or a.entity in CODE_ENTITIES:
                    continue
                value = a.value or synonym_of.get(normalize(a.text), a.text)
                if a.entity not in found_by_regex or value in {s.value for s in intents.synonyms}:
                    self._add(a.entity, value, [a.text])
                before = normalize(example.text[:a.start]).split()[-1:]
                after = normalize(example.text[a.end:]).split()[:1]
                self.contexts.setdefault(a.entity, set()).update(before + after)

    # -- matching ---------------------------------------------------------

    def _phrases(self, words: list[str]) -> list[tuple[int, int, str, str]]:
        from spacy.tokens import Doc
        from spacy.util import filter_spans

        doc = Doc(self.nlp.vocab, words=words)
        spans = filter_spans([doc[s:e] for _, s, e in self.matcher(doc)])
        out = []
        for span in spans:
            entity, value = self.patterns[tuple(words[span.start:span.end])]
            out.append((span.start, span.end, entity, value))
        return out

    def _in_context(self, words: list[str], k: int, entity: str) -> bool:
        near = self.contexts[entity]
        return (k > 0 and words[k - 1] in near) or (k + 1 < len(words) and words[k + 1] in near)

    def _correct(self, word: str) -> tuple[tuple[str, float], ...]:
        """Words of the plant lists that ``word`` may be a slip for, best first."""
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        found: list[tuple[str, float]] = []
        homophones = self.language.homophones
        if word in homophones and homophones[word] in self.vocab:
            found = [(homophones[word], 0.9)]
        elif word.endswith("s") and word[:-1] in self.vocab:
            found = [(word[:-1], 0.95)]
        elif word.endswith("es") and word[:-2] in self.vocab:
            found = [(word[:-2], 0.95)]
        elif len(word) >= 4 and word not in _STOPWORDS and not word[0].isdigit():
            key = phonetic(word)
            for candidate, candidate_key in self._keys:
                if abs(len(candidate) - len(word)) > 3:
                    continue
                score = _similarity(word, candidate, self.fuzzy_cutoff, key, candidate_key)
                if score >= self.fuzzy_cutoff:
                    found.append((candidate, score))
            found.sort(key=lambda c: (-c[1], c[0]))
        result = tuple(found[:3])
        if len(self._corrections) < 20000:
            self._corrections[word] = result
        return result

    def _fuzzy(self, words: list[str], taken: list[bool], has_plant_entity: bool) -> list[tuple[int, int, str, str, float]]:
        options: dict[int, tuple[tuple[str, float], ...]] = {}
        for i, w in enumerate(words):
            if taken[i] or w in self.vocab:
                continue
            plural = w.endswith("s") and (w[:-1] in self.vocab or w[:-2] in self.vocab)
            if w in self.known_words and w not in self.language.homophones and not plural and not (
                    i >= 1 and (words[i - 1] in _PREPOSITIONS or (words[i - 1] == "the" and i >= 2 and words[i - 2] in _PREPOSITIONS))):
                continue  # a word the intents use is only corrected where a plant name is expected
            candidates = self._correct(w)
            if candidates:
                options[i] = candidates
        if not options:
            return []
        found: dict[tuple[int, int], tuple[int, int, str, str, float]] = {}
        for rank in range(3):
            fixed = list(words)
            score = [1.0] * len(words)
            changed = [False] * len(words)
            for i, candidates in options.items():
                word, sim = candidates[min(rank, len(candidates) - 1)]
                fixed[i], score[i], changed[i] = word, sim, True
            for hit in self._accept(words, fixed, score, changed, taken, has_plant_entity):
                if not any(a < hit[1] and hit[0] < b for a, b in found):
                    found[(hit[0], hit[1])] = hit
            if all(len(c) <= rank + 1 for c in options.values()):
                break
        return sorted(found.values())

    def _accept(self, words: list[str], fixed: list[str], score: list[float], changed: list[bool],
                taken: list[bool], has_plant_entity: bool) -> list[tuple[int, int, str, str, float]]:
        found = []
        for start, end, entity, value in self._phrases(fixed):
            if entity not in self.fuzzy_entities or any(taken[start:end]) or not any(changed[start:end]):
                continue
            anchors = sum(1 for k in range(start, end) if not changed[k] and words[k] not in _STOPWORDS)
            if anchors == 0:  # every content word was corrected: only where a plant name is expected
                prev = words[start - 1] if start >= 1 else ""
                prev2 = words[start - 2] if start >= 2 else ""
                context = prev in _PREPOSITIONS or (prev == "the" and prev2 in _PREPOSITIONS) or has_plant_entity
                only_homophones = all(words[k] in self.language.homophones or not changed[k] for k in range(start, end))
                if not context or (only_homophones and end - start == 1):
                    continue
            confidence = 1.0
            for k in range(start, end):
                confidence *= score[k]
            found.append((start, end, entity, value, round(confidence, 3)))
        return found

    def _sound_match(self, run: tuple[str, ...], context: bool) -> tuple[float, int, str, str] | None:
        """The plant form ``run`` sounds like: (similarity, form words, entity, value), or None."""
        cache_key = (*run, "|" if context else "")
        if cache_key in self._sound_cache:
            return self._sound_cache[cache_key]
        key = self.sounds.key(run)
        grams = bigrams(key)
        best: tuple[float, int, str, str] | None = None
        if len(key) >= SOUND_MIN_KEY - 1 and grams:
            shared_words = set(run)
            for form_key, form_grams, form_words, entity, value in self._form_keys:
                if abs(len(form_key) - len(key)) > 0.3 * max(len(form_key), len(key)):
                    continue
                if len(grams & form_grams) < 0.4 * max(len(grams), len(form_grams)):
                    continue
                if shared_words <= form_words:
                    continue  # nothing misheard: the exact matcher has decided
                anchored = bool(shared_words & form_words - _STOPWORDS)
                cutoff = SOUND_CUTOFF if anchored else SOUND_CUTOFF_ALONE
                if not anchored and not context:
                    continue
                score = similarity(key, form_key)
                if score >= cutoff and anchored:  # what differs must itself sound alike
                    rest = self.sounds.key([w for w in run if w not in form_words])
                    form_rest = self.sounds.key([w for w in sorted(form_words) if w not in shared_words])
                    if similarity(rest, form_rest) < SOUND_CUTOFF_REST:
                        continue
                if score >= cutoff and (best is None or score > best[0]):
                    best = (round(score, 3), len(form_words), entity, value)
        if len(self._sound_cache) < 20000:
            self._sound_cache[cache_key] = best
        return best

    def _sound_alike(self, words: list[str], taken: list[bool], has_plant_entity: bool) -> list[tuple[int, int, str, str, float]]:
        """Runs of untaken words that sound like a plant form, best first, not overlapping."""
        candidates: list[tuple[float, int, int, str, str]] = []
        for start in range(len(words)):
            if taken[start] or words[start] in _RUN_NEVER_STARTS:
                continue
            prev = words[start - 1] if start >= 1 else ""
            prev2 = words[start - 2] if start >= 2 else ""
            context = has_plant_entity or prev in _PREPOSITIONS or (prev == "the" and prev2 in _PREPOSITIONS)
            for end in range(start + 1, min(len(words), start + 4) + 1):
                if taken[end - 1]:
                    break
                run = tuple(words[start:end])
                if words[start] in _STOPWORDS and end - start == 1:
                    continue
                if all(w in _STOPWORDS for w in run):
                    continue
                match = self._sound_match(run, context)
                if match is not None:
                    score, _, entity, value = match
                    candidates.append((score, start, end, entity, value))
        found: list[tuple[int, int, str, str, float]] = []
        used = [False] * len(words)
        for score, start, end, entity, value in sorted(candidates, key=lambda c: (-c[0], c[2] - c[1], c[1])):
            if any(used[start:end]):
                continue
            for k in range(start, end):
                used[k] = True
            found.append((start, end, entity, value, round(score * 0.9, 3)))
        return sorted(found)

    def extract(self, text: str, tokens: list[Token] | None = None, now: datetime | None = None,
                shifts: Sequence[ShiftTimes] | None = None) -> list[Entity]:
        """All entities in ``text``, in order of their start offset; ``shifts``: the site's pattern."""
        tokens = self.tokenize(text) if tokens is None else tokens
        words = [t.text for t in tokens]
        taken = [False] * len(words)
        entities: list[Entity] = []

        def add(start: int, end: int, entity: str, value: str, confidence: float = 1.0,
                distance: float | None = None) -> None:
            for k in range(start, end):
                taken[k] = True
            a, b = tokens[start].start, tokens[end - 1].end
            entities.append(Entity(entity, value, a, b, text[a:b], confidence, distance))

        phrases = self._phrases(words)
        snaps = self._snaps(words, phrases)
        for start, end, entity, value in phrases:
            if any(s.start < end and start < s.end for s in snaps):
                continue  # a longer near-miss holds it: "ice coffee" is iced coffee, not coffee
            if end - start == 1 and entity in self.contexts and not self._in_context(words, start, entity):
                continue
            add(start, end, entity, value)
        for snap in snaps:
            add(snap.start, snap.end, snap.entity, snap.value, round(1.0 - snap.distance, 3), snap.distance)
        if now is not None and "time_range" in self.code_entities:  # before near-misses: 'on Monday' is a day, not the measurement 'demand'
            for r in self.language.time_ranges(tokens, now, shifts):
                if not any(taken[r.first:r.last]):
                    add(r.first, r.last, "time_range", r.value)
        if "asset" in self.fuzzy_entities:
            for start, end, entity, value, confidence in self._tag(words, taken):
                add(start, end, entity, value, confidence, round(1.0 - confidence, 3))
        has_plant = any(e.entity in self.fuzzy_entities for e in entities)
        for start, end, entity, value, confidence in self._fuzzy(words, taken, has_plant):
            add(start, end, entity, value, confidence, round(1.0 - confidence, 3))
        has_plant = any(e.entity in self.fuzzy_entities for e in entities)
        for start, end, entity, value, confidence in self._sound_alike(words, taken, has_plant):
            add(start, end, entity, value, confidence, round(1.0 - confidence / 0.9, 3))
        for snap in self.list_snapper.snaps(words, [not t for t in taken]):
            for value in snap.values:  # several: the same words as near to each, which is asked
                add(snap.start, snap.end, snap.entity, value, round(1.0 - snap.distance, 3), snap.distance)
        note = self._note(text, tokens) if "note_text" in self.code_entities else None
        if note is not None:
            entities.append(note)
            for k, t in enumerate(tokens):
                if t.start >= note.start:
                    taken[k] = True
        for k, (tok, word) in enumerate(zip(tokens, words)):
            if taken[k] or "number" not in self.code_entities or number_value(word) is None:
                continue
            if text[tok.start:tok.end].lower() in self.language.lone_ones and (
                    k == 0 or words[k - 1] in self.language.not_number_before):
                continue
            value = number_value(word)
            shown = str(int(value)) if value is not None and value.is_integer() and "." not in word else word
            add(k, k + 1, "number", shown)
        for name, pattern in self.regexes:
            if any(e.entity == name for e in entities):
                continue
            for m in pattern.finditer(text[: tokens[-1].end if tokens else 0]):
                if m.end() > m.start():
                    entities.append(Entity(name, m.group(), m.start(), m.end(), m.group(), 1.0))
        return sorted(entities, key=lambda e: (e.start, e.end))

    def _snaps(self, words: list[str], phrases: list[tuple[int, int, str, str]]) -> list[Snap]:
        """Near-misses of the intents' values, none ambiguous; one may hold shorter exact matches, never cut one."""
        free = [True] * len(words)
        for start, end, entity, _ in phrases:
            if entity in self.fuzzy_entities:
                free[start:end] = [False] * (end - start)
        return [s for s in self.snapper.snaps(words, free)
                if not s.also and all(start >= s.start and end <= s.end and end - start < s.end - s.start
                                      for start, end, _, _ in phrases if start < s.end and s.start < end)]

    def _note(self, text: str, tokens: list[Token]) -> Entity | None:
        """The words of a note after what asks for one (``Language.note_start``), to the end."""
        best = self.language.note_start(text, tokens)
        if best is None:
            return None
        start = tokens[best].start
        note = text[start:tokens[-1].end].strip()
        return Entity("note_text", note, start, start + len(note), note, 1.0) if note else None
