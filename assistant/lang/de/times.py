"""German time phrases resolved to time ranges, by the rules of ``assistant.nlu.timerange``.

    time_ranges("Druck seit Schichtbeginn", now)     [TimeRange(start of the running shift, now, 1, 3)]
    find_time_ranges(tokenize(text), now, shifts)    the same from tokens of ``numbers.tokenize``

The German words are rewritten, phrase by phrase, into the phrases ``timerange`` understands and
resolved there, so both languages share one set of decisions: the clock and time zone of ``now``,
real time for counts and wall-clock time for days and shifts across the clock changes, the site's
shifts, the latest day or time that has passed, and a count beyond ten years refused as
``OUT_OF_RANGE``. The result is the same ``TimeRange``, its ``first`` and ``last`` indexes of the
German tokens. Understood phrases (each also after "seit" where that makes sense):

    heute, gestern, vorgestern; heute Morgen/früh/Vormittag, heute Nachmittag, heute Abend, heute Nacht
    gestern Nacht, letzte/vergangene Nacht, über Nacht; gestern Morgen/Abend, Montagabend, Montag früh
    seit Schichtbeginn, seit Beginn/Anfang der Schicht, diese/aktuelle Schicht, letzte/vorige Schicht
    Frühschicht, Spätschicht, Nachtschicht, Tagschicht (the site's early, late and night shift)
    die letzten acht Stunden, in der letzten Stunde, in den letzten zwei Tagen, die letzten paar Minuten,
    diese Woche, letzte Woche
    seit sechs Uhr, um vierzehn Uhr, um 14:00, um 14 Uhr 30, um halb sieben (06:30 or 18:30), um viertel
    nach/vor sechs, um zwanzig nach drei, um fünf vor halb drei, um sechs Uhr morgens/abends/nachts,
    um Mitternacht, seit Mittag
    von sechs bis zehn Uhr, zwischen sechs und zehn Uhr
    am Montag, letzten Montag, diesen Montag; am 30., am dreißigsten (November), seit dem 30.

"um sechs" without "Uhr" or a part of the day is no time ("um sechs Prozent"), as in English. "morgen"
is "morning" only after a day ("gestern Morgen"); alone it is tomorrow, and no range. Nothing raises.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from ...nlu.normalize import Token
from ...nlu.timerange import OUT_OF_RANGE, ShiftTimes, TimeRange
from ...nlu.timerange import find_time_ranges as _english_ranges
from .numbers import parse_ordinal, tokenize

__all__ = ["find_time_ranges", "time_ranges", "rewrite", "OUT_OF_RANGE"]

_OTHER = "·"  # a German word with no part in a time phrase

_WEEKDAYS = dict(zip("montag dienstag mittwoch donnerstag freitag samstag sonntag".split(),
                     "monday tuesday wednesday thursday friday saturday sunday".split())) | {"sonnabend": "saturday"}
_MONTHS = dict(zip("januar februar maerz april mai juni juli august september oktober november dezember".split(),
                   "january february march april may june july august september october november december".split())
               ) | {"jaenner": "january"}
_PARTS = {"morgen": "morning", "frueh": "morning", "vormittag": "morning", "nachmittag": "afternoon",
          "abend": "evening", "nacht": "night"}  # after a day: "gestern Abend", "Montagmorgen"
_LAST = {f"{stem}{end}" for stem in ("letzt", "vergangen", "vorig") for end in ("e", "en", "er", "es")}
_THIS = {"diese", "diesen", "diesem", "dieser", "dieses"}
_CURRENT = {f"{stem}{end}" for stem in ("aktuell", "laufend", "jetzig") for end in ("e", "en")}
_WORDS: dict[str, tuple[str, ...]] = {
    "heute": ("today",), "gestern": ("yesterday",), "vorgestern": ("the", "day", "before", "yesterday"),
    "um": ("at",), "seit": ("since",), "ab": ("since",), "von": ("from",), "vom": ("from",),
    "zwischen": ("between",), "bis": ("to",), "und": ("and",), "am": ("on",),
    "die": ("the",), "der": ("the",), "den": ("the",), "dem": ("the",),
    **{w: ("last",) for w in _LAST}, **{w: ("this",) for w in _THIS}, **{w: ("current",) for w in _CURRENT},
    "minute": ("minute",), "minuten": ("minutes",), "min": ("minutes",), "stunde": ("hour",),
    "stunden": ("hours",), "std": ("hours",), "tag": ("day",), "tage": ("days",), "tagen": ("days",),
    "woche": ("week",), "wochen": ("weeks",), "paar": ("few",), "anderthalb": ("1.5",), "eineinhalb": ("1.5",),
    "schicht": ("shift",), "fruehschicht": ("early", "shift"), "spaetschicht": ("late", "shift"),
    "nachtschicht": ("night", "shift"), "tagschicht": ("day", "shift"),
    "mitternacht": ("midnight",), "mittag": ("noon",), "uhr": ("oclock",),
    "morgens": ("in", "the", "morning"), "vormittags": ("in", "the", "morning"),
    "nachmittags": ("in", "the", "afternoon"), "abends": ("in", "the", "evening"), "nachts": ("at", "night"),
    **{w: (w_en,) for w, w_en in _WEEKDAYS.items()},
    **{p: (e,) for p, e in _PARTS.items() if p not in ("morgen", "frueh")},
}
_DAY_WORDS = {"heute", "gestern", "vorgestern", *_WEEKDAYS}
_SHIFT_START = {"schichtbeginn", "schichtanfang"}

Rewrite = tuple[tuple[str, ...], int]  # English words, German words used


def _at(words: Sequence[str], i: int) -> str:
    return words[i] if 0 <= i < len(words) else ""


def _number(word: str, least: int, most: int) -> int | None:
    return int(word) if word.isdecimal() and len(word) <= 2 and least <= int(word) <= most else None


def _day_of_month(word: str) -> int | None:
    n = parse_ordinal(word)
    return n if n is not None and 1 <= n <= 31 else None


def _clock(words: Sequence[str], i: int) -> Rewrite | None:
    """halb sieben, viertel nach sechs, dreiviertel sieben, zwanzig vor drei, fünf vor halb drei, 14 Uhr 30."""
    w, nxt, after = words[i], _at(words, i + 1), _at(words, i + 2)
    hour = _number(nxt, 1, 12)
    if w == "halb" and hour:
        return ("half", "past", str(hour - 1 or 12)), 2
    if w == "dreiviertel" and hour:
        return ("quarter", "to", str(hour)), 2
    minutes = 15 if w == "viertel" else _number(w, 1, 29)
    if minutes and nxt in ("nach", "vor"):
        target = _number(after, 0, 24)
        if after == "halb" and _number(_at(words, i + 3), 1, 12) and minutes < 30:
            half = _number(words[i + 3], 1, 12) or 1
            if nxt == "vor":
                return (str(30 - minutes), "past", str(half - 1 or 12)), 4
            return (str(30 - minutes), "to", str(half)), 4
        if target is not None:
            return (str(minutes), "past" if nxt == "nach" else "to", str(target)), 3
    minute = _number(after, 0, 59)
    if _number(w, 0, 24) is not None and nxt == "uhr" and minute is not None:
        return (w, f"{minute:02d}", "oclock"), 3
    return None


def _phrase(words: Sequence[str], i: int) -> Rewrite | None:
    """A German phrase at ``i`` that is more than its words."""
    w, nxt = words[i], _at(words, i + 1)
    if w == "heute" and nxt in _PARTS:
        return (("tonight",) if nxt == "nacht" else ("this", _PARTS[nxt])), 2
    if (w == "gestern" or w in _LAST) and nxt == "nacht":
        return ("last", "night"), 2
    if w == "ueber" and nxt == "nacht":
        return ("overnight",), 2
    if w == "seit" and nxt in _SHIFT_START:
        return ("this", "shift"), 2
    if w == "seit" and nxt in ("beginn", "anfang") and words[i + 2:i + 4] == ["der", "schicht"]:
        return ("this", "shift"), 4
    if w == "ein" and nxt == "paar":
        return ("few",), 2
    if w == "in" and nxt in ("der", "den") and _at(words, i + 2) in _LAST:
        return ("the",), 2
    if w == "in" and nxt == "der" and _at(words, i + 2).endswith("schicht") and _at(words, i + 2) in _WORDS:
        return _WORDS[words[i + 2]], 3
    return _clock(words, i)


def _word(words: Sequence[str], i: int) -> tuple[str, ...]:
    """The English of the one word at ``i``, in the light of the word before."""
    w, before = words[i], _at(words, i - 1)
    if w.isdecimal() and before in ("am", "dem", "den", "vom") and _at(words, i + 1) != "uhr" \
            and _number(w, 1, 31):
        return w, "th"
    day = _day_of_month(w) if not w.isdecimal() else None
    if day:
        return str(day), "th"
    if w in _MONTHS:
        dated = before.isdecimal() or _day_of_month(before) is not None
        return ("of", _MONTHS[w]) if dated else (_MONTHS[w],)
    if w in ("morgen", "frueh"):
        dated = before in _DAY_WORDS or before in _MONTHS or _day_of_month(before) is not None
        return ("morning",) if dated else (_OTHER,)
    for name, english in _WEEKDAYS.items():  # Montagmorgen, Montagabend
        if w.startswith(name) and w[len(name):] in _PARTS:
            return english, _PARTS[w[len(name):]]
    if w.replace(".", "", 1).isdecimal():
        return (w,)
    return _WORDS.get(w, (_OTHER,))


def rewrite(words: Sequence[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """German words (folded, numbers in digits) as the English words ``timerange`` reads, and for each
    the German words ``[first, last)`` it comes from: ['ueber', 'nacht', 'war'] -> ['overnight', '·'],
    [(0, 2), (2, 3)]."""
    english: list[str] = []
    origin: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        found = _phrase(words, i)
        said, used = found if found else (_word(words, i), 1)
        english += said
        origin += [(i, i + used)] * len(said)
        i += used
    return english, origin


def find_time_ranges(tokens: list[Token], now: datetime,
                     shifts: Sequence[ShiftTimes] | None = None) -> list[TimeRange]:
    """Every time range in German ``tokens`` (of ``numbers.tokenize``), left to right, not overlapping;
    ``first`` and ``last`` index ``tokens``; ``shifts``: the site's pattern (default early 06-14,
    late 14-22, night 22-06)."""
    english, origin = rewrite([t.text for t in tokens])
    found = _english_ranges([Token(w, 0, 0) for w in english], now, shifts)
    return [dataclasses.replace(r, first=origin[r.first][0], last=origin[r.last - 1][1]) for r in found]


def time_ranges(text: str, now: datetime, shifts: Sequence[ShiftTimes] | None = None) -> list[TimeRange]:
    """Every time range in German ``text``: 'Druck seit Schichtbeginn' -> [the running shift up to now]."""
    return find_time_ranges(tokenize(text), now, shifts)
