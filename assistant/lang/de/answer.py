"""German spoken answers: the functions of ``assistant.answer`` with German words.

    say_number(72.5)                 "zweiundsiebzig Komma fünf"
    say_quantity(88.43, "°C")        "achtundachtzig Komma vier Grad Celsius"
    say_percent(0.71)                "einundsiebzig Prozent"
    say_tag("P-102")                 "P eins null zwei"
    say_clock(time)                  "vierzehn Uhr dreißig", "neun Uhr fünf", "vierzehn Uhr"
    say_age(720)                     "vor zwölf Minuten" ("vor einer Minute", "vor zwei Tagen")
    say_date(date)                   "vierzehnten Januar zweitausendfünfundzwanzig" (after "am" or "dem")
    say_list(["A", "B", "C"])        "A, B und C" (``last="or"``: "A, B oder C")
    say_term("priority", "high")     "hoch": the words of the dialogue's fixed values
    say_time, say_instant, say_range the time phrases of ``lang.de.spoken_time``

The numbers and units are those of ``lang.de.numbers``, rounded per unit as in English.
``unexplained_numbers(text, data)`` lists the number words of a German answer that its ``data``
does not account for, by the rules of ``assistant.answer.spoken_numbers``: numbers as said for their
``unit``, ``id`` only as "Notiz <id>" or "Bericht <id>", ``probability`` as percent, ``*_s`` as ages,
strings as written, tags as said, ISO times as clock times and dates. A German number word is any
word ``lang.de.numbers`` reads as a number or an ordinal, except the articles "ein" and "eine".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any

from ...answer import data_phrases, round_value, whole_percent
from . import spoken_time
from .numbers import (fold, integer_words, ordinal_words, parse_cardinal, parse_ordinal, say_number, say_quantity,
                      say_tag, say_unit)
from .spoken_time import say_clock_words, say_instant, say_range

__all__ = [
    "round_value",
    "say_number",
    "say_unit",
    "say_quantity",
    "say_percent",
    "say_tag",
    "say_clock",
    "say_age",
    "say_date",
    "say_list",
    "say_term",
    "say_time",
    "say_instant",
    "say_range",
    "is_number_word",
    "spoken_numbers",
    "unexplained_numbers",
    "NUMBER_WORDS",
]

_MONTHS = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
_ARTICLES = frozenset({"ein", "eine"})
# the simple number words (an asset name ending in one is said without its tag)
NUMBER_WORDS = frozenset(
    "null eins zwei zwo drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn "
    "siebzehn achtzehn neunzehn zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig hundert "
    "tausend".split())

# (group, value) -> words; a value without an entry is said as written
_TERMS: dict[tuple[str, str], str] = {
    ("count", "alarm_one"): "aktiver Alarm", ("count", "alarm_many"): "aktive Alarme",
    ("count", "note_one"): "Notiz", ("count", "note_many"): "Notizen",
    ("priority", "high"): "hoch", ("priority", "medium"): "mittel", ("priority", "low"): "niedrig",
    ("alarm", "high"): "hoch", ("alarm", "high_high"): "hoch hoch", ("alarm", "low"): "tief",
    ("alarm", "low_low"): "tief tief",
    ("side", "above"): "über", ("side", "below"): "unter",
    ("direction", "rising"): "steigend", ("direction", "falling"): "fallend",
    ("relation", "higher"): "höher", ("relation", "lower"): "niedriger",
    ("quality", "good"): "gut", ("quality", "uncertain"): "unsicher", ("quality", "bad"): "schlecht",
    ("write", "alarm_acknowledge"): "die Alarmquittierung", ("write", "note_add"): "die Notiz",
    ("write", "report"): "der Bericht", ("write", "note_correct"): "die Korrektur der Notiz",
    ("write", "note_withdraw"): "die Rücknahme der Notiz", ("write", "request"): "die Anfrage",
    ("shift", "early"): "Frühschicht", ("shift", "late"): "Spätschicht", ("shift", "night"): "Nachtschicht",
    ("role", "viewer"): "Beobachter", ("role", "operator"): "Anlagenfahrer", ("role", "maintenance"): "Instandhaltung",
    ("role", "engineer"): "Ingenieur",
    ("maintenance", "inspection"): "Inspektion", ("maintenance", "service"): "Wartung",
    ("maintenance", "repair"): "Reparatur", ("maintenance", "overhaul"): "Revision",
    ("maintenance", "cleaning"): "Reinigung", ("maintenance", "report"): "Bericht",
    ("topic", "plant_overview"): "die Anlagenübersicht", ("topic", "asset_status"): "den Status",
    ("topic", "sensor_reading"): "einen Messwert", ("topic", "trend"): "einen Verlauf",
    ("topic", "compare"): "einen Vergleich", ("topic", "alarm_list"): "die Alarmliste",
    ("topic", "alarm_acknowledge"): "Alarme quittieren", ("topic", "fault_prediction"): "die Fehlerprognose",
    ("topic", "remaining_life"): "die Restlebensdauer", ("topic", "explain"): "warum ein Risiko besteht",
    ("topic", "recommend_action"): "was zu tun ist", ("topic", "maintenance_history"): "die Wartungshistorie",
    ("topic", "note_add"): "eine Notiz aufnehmen", ("topic", "note_read"): "die Notizen",
    ("topic", "report_start"): "einen Bericht beginnen", ("topic", "dictation_start"): "ein Diktat beginnen",
    ("topic", "note_correct"): "eine Notiz korrigieren", ("topic", "note_withdraw"): "eine Notiz zurücknehmen",
}


def say_term(group: str, value: str) -> str:
    """A fixed value of the dialogue in words: ("priority", "high") -> 'hoch', ("shift", "night") -> 'Nachtschicht'."""
    return _TERMS.get((group, value), value.replace("_", " "))


def say_percent(fraction: float) -> str:
    """A probability 0..1 as whole percent: 0.71 -> 'einundsiebzig Prozent'."""
    return f"{say_number(whole_percent(fraction))} Prozent"


def say_clock(time: dt.datetime | dt.time) -> str:
    """24-hour time as said in a control room: 'vierzehn Uhr dreißig', 'neun Uhr fünf', 'ein Uhr', 'vierzehn Uhr'."""
    hour = "ein" if time.hour == 1 else integer_words(time.hour)
    return f"{hour} Uhr" + (f" {integer_words(time.minute)}" if time.minute else "")


_AGE_UNITS = {"s": ("einer Sekunde", "Sekunden"), "min": ("einer Minute", "Minuten"), "h": ("einer Stunde", "Stunden"),
              "d": ("einem Tag", "Tagen")}


def say_age(seconds: float) -> str:
    """How long ago: 'vor vierzig Sekunden', 'vor zwölf Minuten', 'vor einer Stunde', 'vor zwei Tagen'."""
    seconds = max(0.0, float(seconds))
    size, unit = next(((size, unit) for size, unit, limit in ((1, "s", 90), (60, "min", 90 * 60), (3600, "h", 36 * 3600))
                       if seconds < limit), (86400, "d"))
    count = round(seconds / size)
    one, many = _AGE_UNITS[unit]
    return f"vor {one}" if count == 1 else f"vor {say_number(count)} {many}"


def say_date(date: dt.date | str, year: bool = True) -> str:
    """The date after "am" or "dem": 'vierzehnten Januar zweitausendfünfundzwanzig' ('vierzehnten Januar'
    without ``year``)."""
    if isinstance(date, str):
        date = dt.date.fromisoformat(date[:10])
    said = f"{ordinal_words(date.day)} {_MONTHS[date.month - 1]}"
    return f"{said} {integer_words(date.year)}" if year else said


def say_list(items: Iterable[str], last: str = "and") -> str:
    """'A, B und C'; ``last="or"``: 'A, B oder C'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {({'and': 'und', 'or': 'oder'}).get(last, last)} {items[-1]}"


def say_time(when: dt.datetime, now: dt.datetime, tz: tzinfo, oclock: bool = False) -> str:
    """The words after "seit", "von" or "bis" (``spoken_time.say_time``); German says "Uhr" on every
    whole hour, so ``oclock`` changes nothing."""
    return spoken_time.say_time(when, now, tz)


# ----------------------------------------------------------------------------- tracing numbers to data

_TAG = re.compile(r"^[A-Za-z]{1,6}-?\d{1,4}$")
_WORD = re.compile(r"[^\W\d_]+|\d+")


def is_number_word(word: str) -> bool:
    """Whether ``word`` says a number: 'zweiundsiebzig', 'null', 'dritten' (not the articles 'ein', 'eine')."""
    w = fold(word)
    if w.isdigit() or w in _ARTICLES:
        return w.isdigit()
    return parse_cardinal(w) is not None or parse_ordinal(w) is not None


def _time_forms(text: str) -> list[str]:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return []
    forms = [say_date(when.date()), say_date(when.date(), year=False)]
    if len(text) > 10:
        forms += [say_clock(when), say_clock_words(when), say_clock_words(when, today=True)]
    return forms


def _number_forms(key: str, value: float, unit: str) -> list[str]:
    if key == "id":  # identifiers are said with what they name ("Notiz drei"), never as a bare number
        return [f"Notiz {say_number(value)}", f"Bericht {say_number(value)}"]
    forms = [say_number(round_value(value, unit)), say_quantity(value, unit) if unit else ""]
    if isinstance(value, int):
        forms.append(say_number(value))
    if key == "probability":
        forms.append(say_number(whole_percent(value)))
    if key.endswith("_s"):
        forms.append(say_age(value).removeprefix("vor "))
    if key.startswith("rul") or key.endswith("_days"):
        forms += [say_number(round_value(value, "d")), say_quantity(value, "d")]
    if key.endswith("_h") or key == "hours":
        forms += [say_number(round_value(value, "h")), say_quantity(value, "h")]
    return forms


def spoken_numbers(data: Any) -> set[str]:
    """Every phrase with numbers that ``data`` allows a German answer to say (lowercase); the rules are
    those of ``assistant.answer.spoken_numbers``."""
    return data_phrases(data, _number_forms, _time_forms, say_tag)


def unexplained_numbers(text: str, data: Any) -> list[str]:
    """Number words (and digits) in the German ``text`` that no value in ``data`` accounts for."""
    rest = " ".join(text.lower().split())
    for phrase in sorted(spoken_numbers(data), key=len, reverse=True):
        if any(is_number_word(w) for w in _WORD.findall(phrase)):
            rest = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", " ", rest)
    return [w for w in _WORD.findall(rest) if is_number_word(w)]
