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
from typing import Any

from . import normalize as en_normalize
from . import timerange as en_timerange
from .data import Intents, language_code
from .normalize import Token
from .timerange import ShiftTimes, TimeRange

__all__ = ["Language", "LANGUAGES", "ENGLISH", "GERMAN", "language_of", "NOTE_TRIGGERS"]


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
    note_start: Callable[[str, list[Token]], int | None] = lambda text, tokens: None  # the note's first token
    stopwords: frozenset[str] = frozenset()  # words no near-miss of a name starts or ends with, beside English ones
    model_key: str = ""  # added to the key of a stored model ("" keeps the English keys)

    def normalize(self, text: str) -> str:
        """The tokens of ``text`` joined by single spaces."""
        return " ".join(t.text for t in self.tokenize(text))


NOTE_TRIGGERS = (
    "take a note", "make a note", "add a note", "note that", "log that", "note down", "write down",
    "make a log entry", "add to the log", "put in the log", "log entry", "put a note in", "note for the log",
    "shift log", "log a note",
)


def _after_trigger(words: list[str], triggers: Sequence[str], fillers: frozenset[str]) -> int | None:
    """The index of the first word after the earliest of ``triggers`` and any ``fillers``; None if none."""
    joined = " " + " ".join(words) + " "
    best: int | None = None
    for trigger in triggers:
        pos = joined.find(" " + trigger + " ")
        if pos >= 0:
            index = joined[:pos + 1].count(" ") - 1 + len(trigger.split())
            best = index if best is None else min(best, index)
    while best is not None and best < len(words) and words[best] in fillers:
        best += 1
    return best if best is not None and best < len(words) else None


def _english_note(text: str, tokens: list[Token]) -> int | None:
    """The words after "take a note", "note that", "log that" ..."""
    return _after_trigger([t.text for t in tokens], NOTE_TRIGGERS, frozenset({"that", "saying"}))


# German: a verb that takes the note ("Notiere ...", "Halt fest, dass ...") or a noun with a colon or a comma
# ("Notiz: ...", "Notiz für die Frühschicht: ...", "Mach eine Notiz, ..."); a noun alone ("Notiz anlegen",
# "Neue Notiz") holds none.
NOTE_VERBS_DE = ("notiere", "notier", "notiert", "bitte notieren", "schreib auf", "schreib mit", "halt fest",
                 "trag ein", "trag ins schichtbuch ein", "trag ins logbuch ein")
NOTE_NOUNS_DE = ("notiz", "eintrag", "vermerk", "schichtbuch", "logbuch")


def _german_note(text: str, tokens: list[Token]) -> int | None:
    words = [t.text for t in tokens]
    if any(w in NOTE_NOUNS_DE or w.startswith(("notiz", "notier")) for w in words) and ":" in text:
        colon = text.index(":")
        return next((k for k, t in enumerate(tokens) if t.start > colon), None)
    start = _after_trigger(words, NOTE_VERBS_DE, frozenset({"dass", "mal", "bitte"}))
    if start is None:  # "Notiz, dass ...", "Mach eine Notiz, ...": a noun and a comma
        start = next((k + 1 for k in range(len(tokens) - 1) if words[k] in NOTE_NOUNS_DE
                      and "," in text[tokens[k].end:tokens[k + 1].start]), None)
        while start is not None and start < len(words) and words[start] == "dass":
            start += 1
    return start if start is not None and start < len(words) else None


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
    note_start=_english_note,
)

def _german() -> Any:
    """``lang.de.numbers``, imported on first use: it builds on ``nlu.normalize``, so importing it here at
    load time would make the two packages wait on each other."""
    from ..lang.de import numbers

    return numbers


def _german_times() -> Any:
    from ..lang.de import times

    return times


GERMAN = Language(
    code="de",
    tokenize=lambda text: _german().tokenize(text),
    time_ranges=lambda tokens, now, shifts: _german_times().find_time_ranges(tokens, now, shifts),
    homophones={},
    tag_joins=frozenset(),  # "eins null zwei" is 102 already
    tag_prefixes=frozenset("a b c d e g p t v z pumpe ventil tag".split()),
    units=frozenset("prozent grad bar upm volt ampere kilowatt megawatt stunden minuten".split()),
    lone_ones=frozenset(),  # "ein" and "eine" are never numbers alone; "eins" always is
    not_number_before=frozenset(),
    note_start=_german_note,
    stopwords=frozenset(
        "der die das den dem des ein eine einen einem einer eines an am im in auf aus bei von vom zu zum zur "
        "fuer mit nach ueber unter und oder ist sind war wie was wo welche welcher welches bitte mir mich mal "
        "es er sie ich du wir uns noch schon".split()),  # folded, as tokens are ("für" -> "fuer")
    model_key="entities=de1",
)

LANGUAGES: dict[str, Language] = {"en": ENGLISH, "de": GERMAN}


def language_of(intents: Intents | None) -> Language:
    """The language ``intents`` are written in: ``LANGUAGES`` of their directory's name, else English."""
    return LANGUAGES.get(language_code(intents), ENGLISH) if intents is not None else ENGLISH
