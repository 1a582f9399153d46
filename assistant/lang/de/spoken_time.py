"""Times and time ranges said in German, on the plant's wall clock, by the rules of ``assistant.spoken_time``.

    say_time(t, now, tz)            "zwanzig nach drei heute Morgen", "gestern um elf Uhr abends",
                                    "Montag, dem dreißigsten November, um sechs Uhr morgens"
    say_instant(t, now, tz)         "um zwanzig nach drei heute Morgen", "um drei Uhr siebzehn heute Nacht",
                                    "gestern um elf Uhr abends", "am Montag, dem dreißigsten November, um ..."
    say_since(t, now, tz)           "seit ein Uhr heute Nacht", "seit gestern um elf Uhr abends"
    say_range(start, end, now, tz)  "heute seit Mitternacht", "in den letzten acht Stunden",
                                    "gestern von Mitternacht bis Mitternacht",
                                    "letzte Nacht von zehn Uhr abends bis sechs Uhr morgens",
                                    "seit Schichtbeginn um sechs Uhr heute Morgen" (with ``shift_starts``)
    say_day(date, today)            "heute", "gestern", "vorgestern", "am Montag, dem dreißigsten November"

The rules for a range, the "up to now" minute, real durations and wall-clock words are those of
``assistant.spoken_time``. Clock words: "Mitternacht", "Mittag", "sechs Uhr", "viertel nach sechs",
"zwanzig nach drei", "fünf vor halb drei", "halb elf" (10:30), "viertel vor zwölf", "drei Uhr siebzehn",
then the part of the day ("heute Morgen" today, "morgens" on other days: nachts before five, morgens
before noon, nachmittags before six, abends after). The date is said for a day that is not today,
yesterday, the day before or tomorrow, with its weekday; the year only when it is not this year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from datetime import tzinfo

from ...spoken_time import _MIDNIGHT, _UP_TO_NOW, _local, _real, _shift_start, _whole_count
from .numbers import integer_words, ordinal_words, say_number

__all__ = ["say_clock_words", "say_day", "say_time", "say_instant", "say_since", "say_range"]

_WEEKDAYS = "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag".split()
_MONTHS = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
_TODAY = {"nachts": "heute Nacht", "morgens": "heute Morgen", "nachmittags": "heute Nachmittag",
          "abends": "heute Abend"}
_DAYS = {0: "heute", -1: "gestern", -2: "vorgestern", 1: "morgen"}
# (singular after "in der letzten", plural after "in den letzten")
_UNITS = {"week": ("Woche", "Wochen"), "day": ("Tag", "Tagen"), "hour": ("Stunde", "Stunden"),
          "minute": ("Minute", "Minuten")}


def _part(hour: int) -> str:
    return "nachts" if hour < 5 else "morgens" if hour < 12 else "nachmittags" if hour < 18 else "abends"


def _hour(hour: int, uhr: bool = False) -> str:
    """The hour on a twelve-hour clock: 'drei', 'eins' ('ein' before 'Uhr')."""
    n = hour % 12 or 12
    return "ein" if n == 1 and uhr else integer_words(n)


def _clock(time: dt.time) -> tuple[str, bool]:
    """The clock words, and whether they need a part of the day."""
    hour, minute = time.hour, time.minute
    if minute == 0:
        return ("Mitternacht", False) if hour == 0 else ("Mittag", False) if hour == 12 else \
            (f"{_hour(hour, uhr=True)} Uhr", True)
    if minute % 5:
        return f"{_hour(hour, uhr=True)} Uhr {integer_words(minute)}", True
    named, coming = _hour(hour), _hour(hour + 1)
    if minute <= 20:
        return f"{'viertel' if minute == 15 else integer_words(minute)} nach {named}", True
    if minute in (25, 30, 35):
        return {25: "fünf vor halb", 30: "halb", 35: "fünf nach halb"}[minute] + f" {coming}", True
    return f"{'viertel' if minute == 45 else integer_words(60 - minute)} vor {coming}", True


def say_clock_words(time: dt.time | dt.datetime, today: bool = False) -> str:
    """'zwanzig nach drei morgens' ('zwanzig nach drei heute Morgen' with ``today``), 'Mitternacht'."""
    clock = time if isinstance(time, dt.time) else time.time()
    words, needs_part = _clock(clock)
    if not needs_part:
        return words
    part = _part(clock.hour)
    return f"{words} {_TODAY[part] if today else part}"


def _date(date: dt.date, today: dt.date) -> str:
    """'Montag, dem dreißigsten November' (with the year when it is not this year's)."""
    said = f"{_WEEKDAYS[date.weekday()]}, dem {ordinal_words(date.day)} {_MONTHS[date.month - 1]}"
    return f"{said} {integer_words(date.year)}" if date.year != today.year else said


def say_day(date: dt.date, today: dt.date) -> str:
    """'heute', 'gestern', 'vorgestern', 'morgen', else 'am Montag, dem dreißigsten November'."""
    return _DAYS.get((date - today).days) or f"am {_date(date, today)}"


def _instant(local: dt.datetime, today: dt.date) -> str:
    days = (local.date() - today).days
    if days == 0:
        return say_clock_words(local, today=True)
    if days in _DAYS:
        return f"{_DAYS[days]} um {say_clock_words(local)}"
    return f"{_date(local.date(), today)}, um {say_clock_words(local)}"


def say_time(when: dt.datetime, now: dt.datetime, tz: tzinfo) -> str:
    """The words of an instant after "seit", "von" or "bis": 'zwanzig nach drei heute Morgen',
    'gestern um elf Uhr abends', 'Montag, dem dreißigsten November, um sechs Uhr morgens'."""
    return _instant(_local(when, tz), _local(now, tz).date())


def say_instant(when: dt.datetime, now: dt.datetime, tz: tzinfo) -> str:
    """'um zwanzig nach drei heute Morgen', 'gestern um elf Uhr abends',
    'am Montag, dem dreißigsten November, um sechs Uhr morgens'."""
    local, today = _local(when, tz), _local(now, tz).date()
    days = (local.date() - today).days
    words = _instant(local, today)
    return f"um {words}" if days == 0 else words if days in _DAYS else f"am {words}"


def say_since(when: dt.datetime, now: dt.datetime, tz: tzinfo) -> str:
    """'seit ein Uhr heute Nacht', 'seit Mitternacht', 'seit gestern um elf Uhr abends'."""
    return f"seit {say_time(when, now, tz)}"


def _duration(seconds: float) -> str | None:
    """'in den letzten acht Stunden', 'in der letzten Stunde', 'in den letzten zwei Tagen'."""
    found = _whole_count(seconds)
    if found is None:
        return None
    count, unit = found
    one, many = _UNITS[unit]
    return f"in der letzten {one}" if count == 1 else f"in den letzten {say_number(count)} {many}"


def _up_to_now(start: dt.datetime, end: dt.datetime, now: dt.datetime, tz: tzinfo,
               shift_starts: Iterable[dt.time]) -> str:
    local, today = _local(start, tz), _local(now, tz).date()
    if local.time() == _MIDNIGHT and local.date() == today:
        return "heute seit Mitternacht"
    last = _duration((_real(end, tz) - _real(start, tz)).total_seconds())
    if last:
        return last
    if _shift_start(local, _local(now, tz), shift_starts):
        return f"seit Schichtbeginn {say_instant(local, now, tz)}"
    if local.time() == _MIDNIGHT and local.date() == today - dt.timedelta(days=1):
        return "seit gestern null Uhr"
    if local.time() == _MIDNIGHT:
        return f"seit {_date(local.date(), today)}"
    return say_since(start, now, tz)


def _whole_days(first: dt.date, end: dt.date, today: dt.date) -> str:
    """Days ``first`` up to (not including) ``end``."""
    days = (end - first).days
    if days == 1:
        return "gestern von Mitternacht bis Mitternacht" if first == today - dt.timedelta(days=1) else \
            say_day(first, today)
    span = f"von {_date(first, today)} bis {_date(end - dt.timedelta(days=1), today)}"
    if days == 7 and first.weekday() == 0 and end == today - dt.timedelta(days=today.weekday()):
        return f"letzte Woche, {span}"
    return f"an den {say_number(days)} Tagen {span}"


def _from_to(start: dt.datetime, end: dt.datetime) -> str:
    """'von zwei bis zehn Uhr abends', 'von sechs Uhr morgens bis zwei Uhr nachmittags', 'von zehn Uhr
    abends bis Mitternacht'."""
    first, first_part = _clock(start.time())
    last, last_part = _clock(end.time())
    if first_part and last_part and _part(start.hour) == _part(end.hour):
        if start.minute == 0 and last.endswith("Uhr"):
            first = _hour(start.hour)
        return f"von {first} bis {last} {_part(end.hour)}"
    return f"von {say_clock_words(start)} bis {say_clock_words(end)}"


def _ended(start: dt.datetime, end: dt.datetime, now: dt.datetime, tz: tzinfo) -> str:
    s, e, today = _local(start, tz), _local(end, tz), _local(now, tz).date()
    if s.time() == _MIDNIGHT and e.time() == _MIDNIGHT:
        return _whole_days(s.date(), e.date(), today)
    next_day = s.date() + dt.timedelta(days=1)
    if e.date() == next_day and s.hour >= 18 and 0 < e.hour * 60 + e.minute and e.hour < 12:
        night = {0: "letzte Nacht", -1: "vorletzte Nacht"}.get((e.date() - today).days)
        span = f"von {say_clock_words(s)} bis {say_clock_words(e)}"
        return f"{night} {span}" if night else f"in der Nacht zum {_date(e.date(), today)}, {span}"
    if e.date() == s.date() or (e.date() == next_day and e.time() == _MIDNIGHT):
        day = say_day(s.date(), today)
        return f"{day}{',' if day.startswith('am ') else ''} {_from_to(s, e)}"
    return f"von {_instant(s, today)} bis {_instant(e, today)}"


def say_range(start: dt.datetime, end: dt.datetime, now: dt.datetime, tz: tzinfo,
              shift_starts: Iterable[dt.time] = ()) -> str:
    """The range ``start``-``end`` as said at ``now`` on the wall clock of ``tz``; ``shift_starts``: the
    wall-clock times the site's shifts begin, for "seit Schichtbeginn". ValueError when it ends before
    it starts."""
    if _real(end, tz) < _real(start, tz):
        raise ValueError(f"time range ends before it starts: {start.isoformat()} to {end.isoformat()}")
    if _real(end, tz) >= _real(now, tz) - _UP_TO_NOW:
        return _up_to_now(start, end, now, tz, shift_starts)
    return _ended(start, end, now, tz)
