"""The language intents are written in, and the words the entity extractor reads it by.

    language_of(load_intents("intents/de")).code           "de"
    LANGUAGES["de"].normalize("P eins null zwo")             "p 102"
    LANGUAGES["en"].normalize("p one oh two")                "p 102"

The language of an intents directory is its name (``data.language_code``): ``intents/de`` is German;
any other name (``intents/en``, a domain of its own) is English. ``LANGUAGES`` maps a code to its
``Language``, the one place the understander learns how numbers, tags, units and time phrases are
said; nothing else asks which language it is.

* English: ``normalize`` ("seventy two point five" -> 72.5, "p one oh two" -> p 102) and
  ``timerange``; a recognizer's homophones of digits ("pump to" -> pump 2, "nein" -> 9).
* German: ``lang.de.numbers`` ("zweiundsiebzig Komma fünf" -> 72.5, "P eins null zwo" and
  "P hundertzwei" -> p 102; words folded, "Kühlturm" -> kuehlturm) and ``lang.de.times`` ("seit
  Schichtbeginn"); no homophones: "nein" is no number, "neun" is 9.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..lang.de import numbers as de_numbers
from ..lang.de import times as de_times
from . import normalize as en_normalize
from . import timerange as en_timerange
from .data import Intents, language_code
from .normalize import Token
from .timerange import ShiftTimes, TimeRange

__all__ = ["Language", "LANGUAGES", "ENGLISH", "GERMAN", "language_of"]


@dataclass(frozen=True)
class Language:
    """How requests in one language say numbers, tags, units and times."""

    code: str
    tokenize: Callable[[str], list[Token]]  # numbers in digits, spans into the original text
    time_ranges: Callable[[list[Token], datetime, Sequence[ShiftTimes] | None], list[TimeRange]]
    homophones: Mapping[str, str]  # words a recognizer writes for a digit: "to" -> "2"
    tag_joins: frozenset[str]  # words heard between the digits of a tag: "p 1 or 2" -> P-102
    tag_prefixes: frozenset[str]  # words before a tag's digits that belong to the tag
    units: frozenset[str]  # a number followed by one of these is a quantity, not a tag
    lone_ones: frozenset[str]  # words for 1 that are no number after ``not_number_before``
    not_number_before: frozenset[str]
    model_key: str = ""  # added to the key of a stored model ("" keeps the English keys)

    def normalize(self, text: str) -> str:
        """The tokens of ``text`` joined by single spaces."""
        return " ".join(t.text for t in self.tokenize(text))


ENGLISH = Language(
    code="en",
    tokenize=en_normalize.tokenize,
    time_ranges=en_timerange.find_time_ranges,
    homophones={"to": "2", "too": "2", "for": "4", "fore": "4", "won": "1", "ate": "8", "tree": "3",
                "free": "3", "sex": "6", "nein": "9"},
    tag_joins=frozenset({"or", "oh", "o", "no", "out", "of", "a", "0", "zero", "nought", "owe"}),
    tag_prefixes=frozenset("a b c d e g p t v z pee pump valve tag".split()),
    units=frozenset("percent degrees degree bar rpm volts amps kilowatts megawatts hours minutes".split()),
    lone_ones=frozenset({"one"}),
    not_number_before=frozenset({"which", "this", "that", "the", "each", "every", "any", "no", "another",
                                 "other", "last", "a", "only", "same", "right", "wrong"}),
)

GERMAN = Language(
    code="de",
    tokenize=de_numbers.tokenize,
    time_ranges=de_times.find_time_ranges,
    homophones={},
    tag_joins=frozenset(),  # "eins null zwei" is 102 already
    tag_prefixes=frozenset("a b c d e g p t v z pumpe ventil tag".split()),
    units=frozenset("prozent grad bar upm volt ampere kilowatt megawatt stunden minuten".split()),
    lone_ones=frozenset(),  # "ein" and "eine" are never numbers alone; "eins" always is
    not_number_before=frozenset(),
    model_key="entities=de1",
)

LANGUAGES: dict[str, Language] = {"en": ENGLISH, "de": GERMAN}


def language_of(intents: Intents | None) -> Language:
    """The language ``intents`` are written in: ``LANGUAGES`` of their directory's name, else English."""
    return LANGUAGES.get(language_code(intents), ENGLISH) if intents is not None else ENGLISH
