"""Which asset a request is about: the one place that picks an asset, from the words or from context.

An answer about an asset other than the one the operator meant, said with confidence, is the
worst thing this product can do. ``refer`` decides, by these rules in order:

1. **Unknown.** The request names something that looks like an asset the plant does not have:
   a word for a kind of equipment ("tank", "pump", "compressor", or a word of an asset name of
   this plant; in German also a compound ending in one: "Kühlwasserpumpe", "Gasturbine") followed
   by a number ("tank 7", "pump nine"), a bare equipment word ("the digester"), a tag ("b7"), a
   name said where an asset is asked about ("what do you recommend for the salmon"), any word and
   number that sounds like an asset ("transparent one" for *transformer one*), an asset's name
   with another number or letter around it ("cooling tower two", "gee tee one"), or a near-miss
   that is not near enough (``SAY_BACK``), holds another number ("feeder nine" heard as feeder
   one) or another kind of equipment ("the deaerator").
   The answer says "I don't know tank seven." and offers the nearest asset by sound
   (``SUGGEST``: "Did you mean ...?", a yes answers the request about it) or the assets of that
   kind; it never answers about another asset, named or from context.
2. **Which one.** A short name that fits several assets ("pump two": feed water pump two and
   cooling water pump two) is the one that differs from the last asset talked about only in
   its number ("and pump two?" after cooling water pump one); otherwise the answer asks which,
   as it does for a bare kind word that fits several ("the pump", "die Kühlwasserpumpe").
   Words heard as near to several assets (snapped ``asset`` entities over the same words, a
   near-miss between two names: "Kühlwasservumpe" for Kühlwasserpumpe eins or zwei) are always
   asked about.
3. **Named.** The assets the request names (``asset`` entities), in order. One heard only near
   its name (a snapped near-miss, ``Entity.distance``), by a short name or by a German name in the
   genitive ("des Kessels") is **said back** before the answer ("T one, the main transformer: ...")
   so the operator hears which asset is answered.
4. **Context.** A request that names no asset uses the last asset talked about only when it is
   a follow-up (``follows``): it starts with "and", "what about", "how about", "also", refers back
   ("it", "its", "that one", "the same"), or is a question that can only be about what was just
   said ("why?", "what should I do?"). Otherwise the answer asks which asset.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ..events import Entity, Intent

if TYPE_CHECKING:
    from ..plant.model import AssetModel

__all__ = ["Reference", "Referrer", "follows", "FOLLOW_UP", "FOLLOW_UP_INTENTS", "NUMBER_WORDS", "SAY_BACK", "SUGGEST"]

SAY_BACK = 0.15  # largest distance of a near-miss answered (and said back); a farther one is asked about
SUGGEST = 0.4  # largest sound distance (0 same .. 1 unlike) at which an unknown name is offered as a guess
# requests that can only be about the asset just talked about when they name none
FOLLOW_UP_INTENTS = frozenset({"explain", "recommend_action"})
FOLLOW_UP = re.compile(r"^\s*(?:and|also|what about|how about|same for|then)\b", re.IGNORECASE)
_BACK_REFERENCE = re.compile(r"\b(?:it|its|it's|that one|this one|the same one|the same|that asset|this asset)\b",
                             re.IGNORECASE)
# words for kinds of plant equipment, beside the words of this plant's asset names and types
EQUIPMENT = frozenset(
    "tank vessel pump turbine boiler compressor valve transformer feeder motor fan blower generator engine "
    "battery inverter breaker tower digester heater cooler exchanger condenser filter separator reactor drum "
    "silo conveyor mill chiller scrubber flare gasholder busbar switchgear gearbox kiln furnace evaporator "
    "deaerator economiser economizer superheater crusher hopper bunker stack chimney substation pipeline "
    "farm park array panel cell module string heat pump station unit block line train".split())
# the German words, beside the words of the plant's German asset names; German nouns join, so a word
# ending in one of them names that kind too ("Kühlwasserpumpe", "Gasturbine"), also in the genitive ("des Tanks").
# Parts of an asset ("der Lüfter am Kühlturm", "der Motor von P-202", "Schalter") and words that are also verbs
# or adjectives ("speicher die Notiz", "läuft kühler") are left out.
EQUIPMENT_DE = frozenset(
    "tank behälter pumpe turbine kessel verdichter kompressor ventil schieber transformator trafo abgang "
    "abzweig generator batterie wechselrichter umrichter turm fermenter erhitzer vorwärmer wärmetauscher "
    "kondensator abscheider reaktor silo förderband mühle wäscher fackel sammelschiene schaltanlage getriebe "
    "verdampfer entgaser überhitzer brecher bunker schornstein kamin umspannwerk rohrleitung aggregat bhkw".split())
# words said before a name that make it another asset: "the second biogas engine", "gee tee one"
_BEFORE = frozenset("second third fourth fifth sixth seventh eighth ninth tenth other spare standby backup new old "
                    "b c d e f g h j k l m n p q r s t u v w x y z "
                    "bee cee dee ee ef gee aitch jay kay pee cue tee vee zed zee".split())
_NOT_ASSET_WORDS = frozenset(
    "a an the of on for at in is are was were be to with from by and or than last past next first top "
    "show list give tell read say "
    "note notes report number shift hour hours minute minutes day days week weeks month months year years "
    "since until about around over under between".split())
_NOT_ASSET_WORDS_DE = frozenset(  # German words before a number that are no part of a name: "der Tank 7"
    "der die das den dem des ein eine einen einem einer eines an am im in auf aus bei von vom zu zum zur für mit "
    "nach über unter und oder ist sind war wie was wo welche welcher welches letzte letzten seit bis".split())

_TAG = re.compile(r"[a-z]{1,4}\d{1,4}")  # "b7", "p305": a tag said as one word
# "what do you recommend for the salmon": the words after the last about/for/on/of name what is asked about
_TARGET = re.compile(r"\b(?:about|for|on|of)\s+(?:the\s+)?([a-z0-9]+(?:\s+[a-z0-9]+){0,2})\W*$")
_COMMON = frozenset("it its this that them everything anything all plant site station system unit units alarm alarms "
                    "shift day week notes note maintenance fault faults risk risks status readings values trend today "
                    "yesterday now morning night evening hour hours minutes me us you".split())


def follows(intent: Intent) -> bool:
    """Is this request a follow-up of the last one (so it may use the last asset talked about)?"""
    return (intent.name in FOLLOW_UP_INTENTS or bool(FOLLOW_UP.match(intent.text))
            or bool(_BACK_REFERENCE.search(intent.text)))


@dataclass(frozen=True)
class Reference:
    """What ``refer`` found. ``assets``: the assets meant, in order; ``said_back``: those of them
    heard only near their name or by a short name; ``unknown``: the words of a name the plant does
    not know, with ``suggestions`` (asset ids, nearest first); ``choices``: the assets a short name
    fits, when none can be chosen."""

    assets: tuple[str, ...] = ()
    said_back: tuple[str, ...] = ()
    unknown: str = ""
    suggestions: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    heard: dict[str, str] = field(default_factory=dict)  # asset id -> the words it was heard in


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve")
_NUMBER_WORD = {str(n): w for n, w in enumerate(NUMBER_WORDS)}
_WORD = re.compile(r"[^\W_]+(?:'[a-z]+)?")  # "kühlwasserpumpe" is one word


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text.lower())]


class Referrer:
    """Built once per asset model and language ("en", "de": the words that name assets); ``refer`` is
    cheap (sound keys are cached)."""

    def __init__(self, model: AssetModel, language: str = "en") -> None:
        self.model = model
        lists = model.lookups()
        lookups = lists["asset"]
        self.forms: dict[str, str] = {f: a for a, forms in lookups.items() for f in forms}
        self.names = {a.id: " ".join(_words_of(a.name)) for a in model.assets}
        kinds = {w for a in model.assets for w in _words_of(a.type.replace("_", " "))}
        kinds |= {n.split()[-2] for n in self.names.values() if len(n.split()) > 1 and n.split()[-1] in NUMBER_WORDS}
        measured = {w for m in model.measurements for n in (m.name, *m.synonyms) for w in _words_of(n)}
        self.equipment = (EQUIPMENT - measured) | kinds  # "the level in the drum" is the drum level
        self.words = {a.id: set(_words_of(f"{self.names[a.id]} {' '.join(lookups[a.id])}")) for a in model.assets}
        self.numbers = {a.id: _numbers(f"{self.names[a.id]} {' '.join(lookups[a.id])}") for a in model.assets}
        # the letters of tags ("p" of P-102) name an asset kind when a number follows
        self.tag_letters = {m.group().lower() for a in model.assets for m in [re.match(r"[A-Za-z]+", a.id)] if m}
        # German: asset id -> the words of its German names but numbers ("kühlwasserpumpe", "abgang")
        self.kinds: dict[str, set[str]] = {}
        self.one_word: dict[str, str] = {}  # German: a name of one word -> its asset ("kessel": HRSG1)
        self.compounds = language == "de"
        self.not_asset = _NOT_ASSET_WORDS | _NOT_ASSET_WORDS_DE if self.compounds else _NOT_ASSET_WORDS
        if self.compounds:
            from ..lang.de.numbers import fold, parse_cardinal, parse_ordinal

            german = lists.translated["de"]["asset"]
            self.kinds = {a: {w for f in forms for w in _words_of(f) if len(w) > 2 and w.isalpha()
                              and parse_cardinal(fold(w)) is None and parse_ordinal(fold(w)) is None}
                          for a, forms in german.items()}
            self.one_word = {f: a for a, forms in german.items() for f in forms if " " not in f}
            self.equipment = EQUIPMENT_DE | set().union(*self.kinds.values())
            self.words = {a: words | {f for w in self.kinds.get(a, ()) for f in (w, w + "s", w + "es")}
                          for a, words in self.words.items()}  # "des Generators" heard near generator one

    def is_equipment(self, word: str) -> bool:
        """Does ``word`` name a kind of equipment: "pump"; in German also a compound ending in one ("...pumpe")?"""
        return word in self.equipment or self.compounds and any(word.endswith((e, e + "s", e + "es"))
                                                                for e in self.equipment)

    @cached_property
    def _sounds(self):  # type: ignore[no-untyped-def]
        from ..nlu.phonemes import Sounds

        return Sounds()

    # ------------------------------------------------------------------ the rules

    def refer(self, intent: Intent, last: str | None = None) -> Reference:
        """The assets ``intent`` is about by rules 1-3 (rule 4, context, is the caller's: ``follows``)."""
        named: list[str] = []
        said_back: list[str] = []
        heard: dict[str, str] = {}
        for e in intent.entities:
            if e.entity != "asset":
                continue
            alike = [o.value for o in intent.entities if o.entity == "asset" and o.distance is not None
                     and (o.start, o.end) == (e.start, e.end)]
            if len(set(alike)) > 1:  # the same words heard as near to several assets: which one?
                return Reference(unknown=e.text, choices=tuple(dict.fromkeys(alike)))
            asset = self.asset_id(e.value)
            if asset is None:
                return Reference(unknown=e.value, suggestions=self.suggest(e.text or e.value))
            taken = [(o.start, o.end) for o in intent.entities if o is not e and o.entity != "number"]
            wider = self._wider(intent.text, e.start, e.end, taken)
            if wider != (e.start, e.end) and self.asset_id(intent.text[wider[0]:wider[1]]) != asset:
                said = intent.text[wider[0]:wider[1]]  # "cooling tower two", "gee tee one": not the asset it holds
                kind = said.split()[-2] if len(said.split()) > 1 else said
                return Reference(unknown=said, suggestions=self.suggest(said) or self.of_kind(kind))
            if e.distance is not None and (e.distance > SAY_BACK or not _numbers(e.text) <= self.numbers[asset]
                                           or any(self.is_equipment(w) and w not in self.words[asset]
                                                  for w in _words_of(e.text))):
                return Reference(unknown=e.text, suggestions=(asset,))  # "the deaerator": did you mean G one?
            if asset not in named:
                named.append(asset)
                heard[asset] = e.text
            if e.distance is not None and asset not in said_back:
                said_back.append(asset)
        for words, start, end in self.mentions(intent):
            if " " not in words and any(a in self.of_kind(words) for a in named):
                continue  # "the pump P-102": a kind word beside a named asset is that asset's kind
            fits = self._short_name(words) or self._genitive(words)
            if len(fits) > 1:
                fits = self._like(fits, last) or fits
            if len(fits) == 1:
                if fits[0] not in named:
                    named.append(fits[0])
                    heard[fits[0]] = intent.text[start:end]
                    said_back.append(fits[0])
                continue
            if fits:
                return Reference(unknown=intent.text[start:end], choices=tuple(fits))
            parts = words.split()
            if len(parts) == 1 and self.of_kind(words):  # "the pump": which one?
                return Reference(unknown=intent.text[start:end], choices=self.of_kind(words))
            kinds = [w for w in parts if self.is_equipment(w) or w in self.tag_letters]
            if kinds:  # "tank 7", "pump nine", "heat exchanger two": the assets of that kind
                return Reference(unknown=intent.text[start:end], suggestions=self.of_kind(kinds[-1]))
            guess = self.suggest(words)  # "transparent one": the nearest by sound
            if guess or not named or _TAG.fullmatch(words):  # "compressive three", "the salmon", "b7"
                return Reference(unknown=intent.text[start:end], suggestions=guess)
        return Reference(assets=tuple(named), said_back=tuple(said_back), heard=heard)

    def asset_id(self, value: str | None) -> str | None:
        """The asset id named by ``value`` (an id, a name, an alias, a spoken tag); None if unknown."""
        if not value:
            return None
        if self.model.asset(value):
            return value
        lowered = value.lower()
        for asset in self.model.assets:
            if asset.id.lower() == lowered:
                return asset.id
        words = " ".join(_words_of(lowered))
        return self.forms.get(words) or self.forms.get(words.removeprefix("the "))

    def suggest(self, words: str) -> tuple[str, ...]:
        """Asset ids ``words`` may have meant, nearest by sound first, within ``SUGGEST``; at most five."""
        from ..nlu.phonemes import similarity

        words = " ".join(_words_of(words))
        key = self._sounds.key(words)
        best: dict[str, float] = {}
        for form, asset in self.forms.items():
            distance = 1.0 - max(similarity(key, self._sounds.key(form)),
                                 similarity(words.replace(" ", ""), form.replace(" ", "")))
            if distance <= SUGGEST and distance < best.get(asset, 2.0):
                best[asset] = distance
        return tuple(sorted(best, key=lambda a: (best[a], a)))[:5]

    def of_kind(self, word: str) -> tuple[str, ...]:
        """The assets a kind word names ("pump": the pumps; "p": the tags P-...; "pumpe": the pumps, a
        German name ending in it); at most five."""
        return tuple(a.id for a in self.model.assets
                     if word in self.names[a.id].split() or word in a.type.split("_")
                     or a.id.lower().startswith(word) and not a.id[len(word):len(word) + 1].isalpha()
                     or any(f.endswith(word) for w in self.kinds.get(a.id, ()) for f in (w, w + "s", w + "es")))[:5]

    def meaning(self, intent: Intent, unknown: str, asset: str) -> Intent:
        """``intent`` as if it had named ``asset`` where it said ``unknown``: what "yes" to "did you mean" asks."""
        name = self.names[asset]
        at = intent.text.find(unknown)
        text = intent.text[:at] + name + intent.text[at + len(unknown):]
        shift = len(name) - len(unknown)
        kept = [dataclasses.replace(e, start=e.start + shift, end=e.end + shift) if e.start >= at + len(unknown) else e
                for e in intent.entities if e.end <= at or e.start >= at + len(unknown)]
        entity = Entity("asset", asset, at, at + len(name), name)
        return dataclasses.replace(intent, text=text, entities=tuple(sorted([*kept, entity], key=lambda e: e.start)))

    @staticmethod
    def without(intent: Intent, unknown: str) -> Intent:
        """``intent`` without the words ``unknown`` and the entities in them: the request that waits
        for the asset to be named."""
        at = intent.text.find(unknown)
        return dataclasses.replace(intent, entities=tuple(e for e in intent.entities if e.entity != "asset"
                                                          and (e.end <= at or e.start >= at + len(unknown))))

    # ------------------------------------------------------------------ mentions

    @staticmethod
    def _wider(text: str, start: int, end: int, taken: list[tuple[int, int]]) -> tuple[int, int]:
        """The span of an asset's words with a letter or ordinal said just before ("gee tee one", "the second
        biogas engine") and a number said just after ("cooling tower two"), unless another entity holds them."""
        def free(a: int, b: int) -> bool:
            return not any(x < b and a < y for x, y in taken)

        before = re.search(r"([a-z]+)\s+$", text[:start].lower())
        if before and before.group(1) in _BEFORE and free(before.start(1), start):
            start = before.start(1)
        after = re.match(r"\s+(\d+|[a-z]+)\b", text[end:].lower())
        if after and _is_number(after.group(1)) and free(end, end + after.end(1)):
            end += after.end(1)
        return start, end

    def mentions(self, intent: Intent) -> list[tuple[str, int, int]]:
        """Asset-like words no entity took: "<word> [<word>] <number>" and bare equipment words."""
        spans = [(e.start, e.end) for e in intent.entities if e.entity != "number"]
        snapped = [(e.start, e.end) for e in intent.entities if e.distance is not None and e.entity != "asset"]
        words = _words(intent.text)
        free = [not any(a <= s and e <= b for a, b in spans)
                or self.is_equipment(w) and any(a <= s and e <= b for a, b in snapped)  # "flare" heard as flow
                for w, s, e in words]
        found: list[tuple[str, int, int]] = []
        used = [False] * len(words)
        for i, (word, _, end) in enumerate(words):
            if not (free[i] and _is_number(word)):
                continue
            j = i
            while j > 0 and i - j < 2 and free[j - 1] and not used[j - 1] and words[j - 1][0] not in self.not_asset \
                    and not _is_number(words[j - 1][0]):
                j -= 1
            if j < i:
                used[j:i + 1] = [True] * (i + 1 - j)
                found.append((" ".join(w for w, _, _ in words[j:i + 1]), words[j][1], end))
        found += [(w, s, e) for k, (w, s, e) in enumerate(words) if free[k] and not used[k]
                  and (self.is_equipment(w) or _TAG.fullmatch(w))]  # "the digester", "b7"
        target = _TARGET.search(intent.text.lower())  # "what do you recommend for the salmon"
        if not found and target and target.group(1).split()[0] not in _COMMON \
                and all(free[k] for k, (_, s, _) in enumerate(words) if s >= target.start(1)):
            found.append((intent.text[target.start(1):target.end(1)], target.start(1), target.end(1)))
        return sorted(found, key=lambda m: m[1])

    def _short_name(self, words: str) -> list[str]:
        """Assets whose name ends in ``words`` said with its number: "pump two" -> both pumps two."""
        parts = words.split()
        if len(parts) < 2 or not _is_number(parts[-1]):
            return []
        number = _NUMBER_WORD.get(parts[-1], parts[-1])
        tail = " ".join([*parts[:-1], number])
        return [a for a, name in self.names.items() if name == tail or name.endswith(" " + tail)]

    def _genitive(self, word: str) -> list[str]:
        """German: the asset a name of one word said in the genitive names ("des Kessels": the boiler)."""
        stems = [word[:-n] for n in (1, 2) if word.endswith("es"[2 - n:])]
        return [self.one_word[s] for s in stems if s in self.one_word][:1]

    def _like(self, fits: list[str], last: str | None) -> list[str]:
        """Of ``fits``, the one named like ``last`` but for its number ("cooling water pump ...")."""
        if last is None or last not in self.names:
            return []
        stem = self.names[last].rsplit(" ", 1)[0]
        return [a for a in fits if self.names[a].rsplit(" ", 1)[0] == stem]


def _words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _numbers(text: str) -> set[int]:
    """The numbers said in ``text``: digits and number words ("P-305" -> {305}, "feeder nine" -> {9})."""
    return {int(w) if w.isdigit() else NUMBER_WORDS.index(w) for w in re.findall(r"\d+|[a-z]+", text.lower())
            if (w.isascii() and w.isdigit()) or w in NUMBER_WORDS}


def _is_number(word: str) -> bool:
    return word.isascii() and word.isdigit() or word in NUMBER_WORDS
