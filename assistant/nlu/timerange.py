"""Spoken time ranges resolved to absolute intervals against a given ``now``.

Works on normalised tokens (numbers already digits). Understood phrases:

    last/past (N) minutes|hours|days|weeks, the last hour, in the last 30 minutes
    since midnight, today, yesterday, the day before yesterday, this week, last week
    this morning (06:00, or midnight before six, to noon), this afternoon (12-18), this evening (18-24),
    tonight (18:00 to 06:00); yesterday / Monday / the 30th followed by morning, afternoon, evening, night
    on Monday, last Monday, this Monday, Monday; on the 30th (of November), on November 30th
    at 14:00, at two o'clock, at two in the afternoon, at half past six, at quarter to seven, at six this
    morning, at 2 pm yesterday, at fourteen hundred (hours)
    since 6 (am|pm|o'clock), since 14:00, since six this morning, since Monday, since the 30th
    from 6 to 10, between six and ten (pm, this morning, yesterday)
    night shift, early shift, late shift, this/current shift, last/previous shift, last night, overnight

Decisions:

* a clock time without am/pm or part of the day ("two o'clock", "half past six") is the latest one
  that has passed: 02:00 or 14:00, today or yesterday; one of a named day ("at six this morning")
  is on that day, or the day before when it is still ahead;
* "at <time>" is the hour from that time (a trend's first value is the reading then), up to now;
* "from 6 to 10" is the shortest span from the first time to the second (06-10 or 18-22) that has
  begun most recently, up to now;
* a weekday is the last one before today ("on Monday" said on a Monday is a week ago); "this Monday"
  said on a Monday is today; a day of the month is the latest one up to today ("on the 3rd" on the
  3rd is today); a part of the day not begun yet is yesterday's ("this afternoon" at nine);
* "at N" needs a sign that N is a time (o'clock, minutes, am/pm, a part of the day, hours); a bare
  number after "since", "from" or "between" is a time unless a unit follows ("from 6 to 10 percent").

Shifts come from the site's pattern (``shifts``, e.g. ``notes.shifts``; default early 06-14,
late 14-22, night 22-06). A shift is named by its own name, or by early/morning/day (the shift that
starts between 03:00 and 11:00), late/afternoon/evening (starts between 11:00 and 20:00) or night
(the one running at 03:00, which "last night" and "overnight" also mean). A named shift means its
latest occurrence that has begun (ending at ``now`` when it is still running).
The value is ``"ISO-start/ISO-end"``.

Counts are real time: "the last eight hours" at 05:00 on the night the clocks change is eight
hours back, which the wall clock shows as 20:00 or 22:00; days, shifts, parts of the day and clock
times follow the wall clock (the 29th of March 2026 in Europe/Berlin is 23 hours long, its night
shift seven hours; "at two" that night is 03:00, the first moment after the gap), except "at <time>",
one real hour. Digits are any decimal digits (``str.isdecimal``: "١٢" is 12); "²" or "①" are no
number. No input raises:

* a count reaching back further than ``LONGEST`` (ten years) is a range refused as a value:
  ``problem`` and ``value`` are ``OUT_OF_RANGE``, ``start`` and ``end`` are ``now``; the answer
  should say that it looks back at most ten years and ask for a shorter time;
* a range that falls outside the calendar (``now`` near year 1 or 9999), or a date the calendar
  does not have ("the 31st of February"), is no time range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol

from ..events import OUT_OF_RANGE
from .normalize import Token, tokenize

__all__ = ["TimeRange", "ShiftTimes", "find_time_ranges", "SHIFTS", "LONGEST", "OUT_OF_RANGE"]

LONGEST = timedelta(days=3653)  # ten years: the furthest back a count may reach


class ShiftTimes(Protocol):
    """A shift of the site's pattern (``notes.shifts.Shift`` is one): its name and wall-clock times."""

    @property
    def name(self) -> str: ...
    @property
    def start(self) -> time: ...
    @property
    def end(self) -> time: ...


@dataclass(frozen=True)
class _Shift:
    name: str
    start: time
    end: time


SHIFTS: tuple[ShiftTimes, ...] = (_Shift("early", time(6), time(14)), _Shift("late", time(14), time(22)),
                                  _Shift("night", time(22), time(6)))
_SHIFT_GROUPS = {"early": (180, 660), "morning": (180, 660), "day": (180, 660), "late": (660, 1200),
                 "afternoon": (660, 1200), "evening": (660, 1200)}  # alias -> its shift starts in [from, to) min
_UNITS = {"minute": 60, "minutes": 60, "min": 60, "mins": 60, "hour": 3600, "hours": 3600, "hr": 3600,
          "hrs": 3600, "day": 86400, "days": 86400, "week": 604800, "weeks": 604800}
_LAST = {"last", "past", "previous", "recent"}
_WORD_COUNTS = {"a": 1, "an": 1, "couple": 2, "few": 3}
_WEEKDAYS = {d: n for n, d in enumerate("monday tuesday wednesday thursday friday saturday sunday".split())}
_MONTHS = {m: n + 1 for n, m in enumerate("january february march april may june july august september "
                                          "october november december".split())}
_ORDINALS = {w: n + 1 for n, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split())} | {"thirtieth": 30}
_SUFFIXES = {"st", "nd", "rd", "th"}
_PARTS = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24), "night": (18, 30)}  # hours of a day
_UNIT_WORDS = {"percent", "bar", "degrees", "degree", "c", "f", "k", "rpm", "kw", "mw", "kv", "v", "volts",
               "amps", "a", "hz", "mm", "m", "metres", "meters", "kpa", "mpa", "psi", "tons", "tonnes", "l",
               "litres", "liters", "kg", "units", "points", "pumps", "minutes", "mins", "days", "weeks"}
_DAY = 1440  # minutes

Hit = tuple[datetime, datetime, int]


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime
    first: int  # token indexes [first, last)
    last: int
    problem: str | None = None  # OUT_OF_RANGE: a count beyond LONGEST (start and end are then now)

    @property
    def value(self) -> str:
        if self.problem:
            return self.problem
        return f"{self.start.isoformat(timespec='seconds')}/{self.end.isoformat(timespec='seconds')}"


@dataclass(frozen=True)
class _Clock:
    hours: tuple[int, ...]  # the hours it may be (6 and 18 for "six")
    minute: int
    marked: bool  # said as a time (o'clock, minutes, am/pm, hours), not a bare number
    used: int


@dataclass(frozen=True)
class _When:
    day: date | None  # the day it names, None for any
    part: str | None  # morning, afternoon, evening, night
    used: int
    today: bool = False  # "this morning": today, or yesterday when still ahead


def _real(t: datetime) -> datetime:
    return t.astimezone(timezone.utc) if t.tzinfo else t


def _wall(t: datetime) -> datetime:
    """An aware time with the offset its zone has then (a time in the spring gap moves past it)."""
    return _real(t).astimezone(t.tzinfo) if t.tzinfo else t


def _back(now: datetime, seconds: float) -> datetime:
    """``seconds`` of real time before ``now``, also across a change of the clocks."""
    return _wall(_real(now) - timedelta(seconds=seconds)).astimezone(now.tzinfo) if now.tzinfo else \
        now - timedelta(seconds=seconds)


def _count(word: str) -> float | None:
    """'8' -> 8.0, '1.5' -> 1.5, '١٢' -> 12.0 (too many digits: inf); None for '²', '①', 'nan'."""
    return float(word) if word.replace(".", "", 1).isdecimal() else None


def _int(word: str) -> int | None:
    return int(word) if word.isdecimal() and len(word) <= 4 else None


def _on(day: date, now: datetime, hour: int = 0, minute: int = 0) -> datetime:
    """The wall-clock time ``hour:minute`` of ``day`` (hour 24 and more: of the days after) in now's zone."""
    extra, hour = divmod(hour, 24)
    return _wall(datetime.combine(day + timedelta(days=extra), time(hour, minute), tzinfo=now.tzinfo))


def _le(a: datetime, b: datetime) -> bool:
    return _real(a) <= _real(b)


def _upto(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    return start, (end if _le(end, now) else now)


def _at(words: Sequence[str], i: int) -> str:
    return words[i] if 0 <= i < len(words) else ""


# -- shifts ------------------------------------------------------------------------

def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _length(shift: ShiftTimes) -> int:
    return (_minutes(shift.end) - _minutes(shift.start)) % _DAY or _DAY


def _window(shift: ShiftTimes, now: datetime, back: int = 0) -> tuple[datetime, datetime]:
    """The latest occurrence of ``shift`` that began at or before ``now`` (``back`` more before it)."""
    day = now.date()
    if not _le(_on(day, now, shift.start.hour, shift.start.minute), now):
        day -= timedelta(days=1)
    day -= timedelta(days=back)
    later = (_minutes(shift.start) + _length(shift)) // _DAY  # 1 when it ends on the next day
    return (_on(day, now, shift.start.hour, shift.start.minute),
            _on(day + timedelta(days=later), now, shift.end.hour, shift.end.minute))


def _covering(shifts: Sequence[ShiftTimes], minute: int) -> ShiftTimes | None:
    return next((s for s in shifts if (minute - _minutes(s.start)) % _DAY < _length(s)), None)


def _night(shifts: Sequence[ShiftTimes]) -> ShiftTimes | None:
    """The night shift: the one so named, else the one running at 03:00."""
    return next((s for s in shifts if s.name.lower() == "night"), None) or _covering(shifts, 180)


def _named(shifts: Sequence[ShiftTimes], words: Sequence[str], i: int) -> tuple[ShiftTimes, int] | None:
    """The shift named at word ``i`` and followed by "shift", and the words used."""
    for s in shifts:
        name = [t.text for t in tokenize(s.name)]
        if name and list(words[i:i + len(name)]) == name and _at(words, i + len(name)) == "shift":
            return s, len(name) + 1
    if _at(words, i + 1) != "shift":
        return None
    if words[i] == "night":
        night = _night(shifts)
        return (night, 2) if night else None
    group = _SHIFT_GROUPS.get(words[i])
    found = [s for s in shifts if group and group[0] <= _minutes(s.start) < group[1]]
    return (found[0], 2) if found else None


def _shift_phrase(words: Sequence[str], i: int, now: datetime, shifts: Sequence[ShiftTimes]) -> Hit | None:
    w, nxt = words[i], _at(words, i + 1)
    current = _covering(shifts, now.hour * 60 + now.minute)
    if w in ("this", "current", "the") and nxt == "shift" and current:
        return *_upto(*_window(current, now), now), 2
    named = _named(shifts, words, i)
    if named:
        return *_upto(*_window(named[0], now), now), named[1]
    night = _night(shifts)
    if w == "overnight" and night:
        return *_upto(*_window(night, now), now), 1
    return None


def _last_phrase(words: Sequence[str], i: int, now: datetime, shifts: Sequence[ShiftTimes]) -> Hit | int | None:
    """last/past N units, the last hour, last week, last shift, last night, last Monday."""
    w = words[i]
    j = i + (2 if w == "the" else 1)
    count: float | None = None
    if _count(_at(words, j)) is not None:
        count = _count(words[j])
        j += 1
    elif _at(words, j) in _WORD_COUNTS:
        count = _WORD_COUNTS[words[j]]
        j += 1
        if _at(words, j) == "of":
            j += 1
    unit = _at(words, j)
    used = j + 1 - i
    if unit in _UNITS and (count is not None or not unit.endswith("s")):
        seconds = _UNITS[unit] * (count if count is not None else 1)
        if seconds > LONGEST.total_seconds():
            return used
        if unit.startswith("week") and count is None and w == "last":
            monday = _on(now.date() - timedelta(days=now.weekday()), now)
            return _on(monday.date() - timedelta(days=7), now), monday, used  # the calendar week before this
        return _back(now, seconds), now, used
    if count is not None:
        return None
    if unit == "shift":
        current = _covering(shifts, now.hour * 60 + now.minute)
        if current is None:
            return None
        before = _real(_window(current, now)[0]) - timedelta(minutes=1)
        before = before.astimezone(now.tzinfo) if now.tzinfo else before
        previous = _covering(shifts, before.hour * 60 + before.minute)
        return (*_window(previous, before), used) if previous else None
    if unit == "night":
        night = _night(shifts)
        if night is None:
            return None
        start, end = _window(night, now)
        return (*(_window(night, now, 1) if not _le(end, now) else (start, end)), used)
    if unit in _WEEKDAYS:
        return _whole_day(_weekday(now, unit, this=False), now, words, j + 1, used)
    return None


# -- days --------------------------------------------------------------------------

def _weekday(now: datetime, name: str, this: bool) -> date:
    back = (now.weekday() - _WEEKDAYS[name]) % 7
    return now.date() - timedelta(days=back if back or this else 7)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_day(now: datetime, day: int, month: int | None) -> date | None:
    """The latest date up to today that is the ``day`` (of ``month``)."""
    today = now.date()
    if month is not None:
        for year in (today.year, today.year - 1):
            found = _date(year, month, day)
            if found and found <= today:
                return found
        return None
    year, mon = today.year, today.month
    for _ in range(12):
        found = _date(year, mon, day)
        if found and found <= today:
            return found
        year, mon = (year, mon - 1) if mon > 1 else (year - 1, 12)
    return None


def _ordinal(words: Sequence[str], j: int) -> tuple[int, int] | None:
    """(day of month, words used) at ``j``: '30 th', '20 first', 'thirtieth', '30' (then only as a date)."""
    w = _at(words, j)
    if w in _ORDINALS:
        return _ORDINALS[w], 1
    n = _int(w)
    if n is None:
        return None
    if n in (20, 30) and _at(words, j + 1) in _ORDINALS and _ORDINALS[words[j + 1]] < 10:
        return n + _ORDINALS[words[j + 1]], 2
    return (n, 2) if _at(words, j + 1) in _SUFFIXES else (n, 1)


def _day_of_month(words: Sequence[str], i: int, now: datetime) -> tuple[date, int] | None:
    """on the 30th (of November), the 30th of November, on November 30th / the 30th."""
    j = i + (1 if words[i] == "on" else 0)
    month: int | None = None
    if _at(words, j) in _MONTHS:
        month = _MONTHS[words[j]]
        j += 1
    j += _at(words, j) == "the"
    found = _ordinal(words, j)
    if found is None or j == i:
        return None
    day, used = found
    j += used
    if _at(words, j) == "of" and _at(words, j + 1) in _MONTHS and month is None:
        month = _MONTHS[words[j + 1]]
        j += 2
    # "on the first feeder": a word ordinal or bare number is a date only with its month or at the end
    plain = _at(words, j - 1) not in _SUFFIXES and not (used == 1 and words[j - 1] == "thirtieth")
    if month is None and plain and j < len(words) and words[j] not in ("at", "from", "between", "in", "and",
                                                                       "please", "morning", "afternoon",
                                                                       "evening", "night"):
        return None
    if month is None and (words[i] not in ("on", "the") or words[i] == "the" and _at(words, j - 1) not in _SUFFIXES):
        return None  # "since the 30th" is a day, "what about the second" is none
    when = _month_day(now, day, month) if 1 <= day <= 31 else None
    return (when, j - i) if when else None


def _part_window(day: date, part: str, now: datetime) -> tuple[datetime, datetime]:
    first, last = _PARTS[part]
    return _on(day, now, first), _on(day, now, last if part != "night" else 30)


def _whole_day(day: date, now: datetime, words: Sequence[str], j: int, used: int) -> Hit | None:
    """The day (narrowed by a part of the day said after it: 'Monday morning'); None when still ahead."""
    part = _part_after(words, j)
    if part:
        start, end = _part_window(day, part[0], now)
        used += part[1]
    else:
        start, end = _on(day, now), _on(day + timedelta(days=1), now)
    return (*_upto(start, end, now), used) if _le(start, now) else None


def _part_after(words: Sequence[str], j: int) -> tuple[str, int] | None:
    if _at(words, j) in _PARTS:
        return words[j], 1
    if _at(words, j) == "in" and _at(words, j + 1) == "the" and _at(words, j + 2) in _PARTS:
        return words[j + 2], 3
    return None


def _day_phrase(words: Sequence[str], i: int, now: datetime) -> Hit | None:
    w, nxt = words[i], _at(words, i + 1)
    today = now.date()
    if w in ("today", "todays") or (w == "this" and nxt == "day"):
        return _on(today, now), now, 2 if w == "this" else 1
    if w == "yesterday":
        return _whole_day(today - timedelta(days=1), now, words, i + 1, 1)
    if w == "the" and nxt == "day" and words[i + 2:i + 4] == ["before", "yesterday"]:
        return _whole_day(today - timedelta(days=2), now, words, i + 4, 4)
    if w == "this" and nxt == "week":
        return _on(today - timedelta(days=now.weekday()), now), now, 2
    if w == "this" and nxt == "morning":
        start = _on(today, now, 6) if now.hour >= 6 else _on(today, now)
        return *_upto(start, _on(today, now, 12), now), 2
    if (w == "this" and nxt in _PARTS and nxt != "night") or w == "tonight":
        part, used = ("night", 1) if w == "tonight" else (nxt, 2)
        start, end = _part_window(today, part, now)
        if not _le(start, now):
            start, end = _part_window(today - timedelta(days=1), part, now)
        return *_upto(start, end, now), used
    if w in _WEEKDAYS:
        return _whole_day(_weekday(now, w, this=False), now, words, i + 1, 1)
    if w in ("on", "this") and nxt in _WEEKDAYS:
        return _whole_day(_weekday(now, nxt, this=w == "this"), now, words, i + 2, 2)
    if w in ("on", "the") or w in _MONTHS:
        found = _day_of_month(words, i, now)
        if found:
            return _whole_day(found[0], now, words, i + found[1], found[1])
    return None


# -- clock times -------------------------------------------------------------------

def _hours(hour: int, fixed: bool) -> tuple[int, ...]:
    return (hour,) if fixed or hour == 0 or hour > 12 else (hour % 12, hour % 12 + 12)


def _clock(words: Sequence[str], j: int, spans: bool = False) -> _Clock | None:
    """A clock time at ``j``: noon, midnight, half past 6, 20 to 7, 14 00, 6 30, 1400 hours, 6 pm, 2 oclock;
    ``spans`` (after "from"): "6 to 10" is no "six minutes to ten"."""
    w = _at(words, j)
    if w in ("noon", "midday", "midnight"):
        return _Clock((12 if w != "midnight" else 0,), 0, True, 1)
    k = j + 1 + (_at(words, j + 1) in ("minute", "minutes"))
    n = _int(w)
    relations = ("past", "after") if spans and k == j + 1 and w not in ("half", "quarter") else \
        ("past", "after", "to", "before")
    if (w in ("half", "quarter") or (n is not None and 1 <= n <= 30)) and _at(words, k) in relations:
        target = _clock(words, k + 1, spans=True)
        if target is None or target.minute or len(target.hours) > 2:
            return None
        minutes = 30 if w == "half" else 15 if w == "quarter" else n or 0
        sign = -1 if words[k] in ("to", "before") else 1
        times = sorted({(h * 60 + sign * minutes) % _DAY for h in target.hours})
        return _Clock(tuple(t // 60 for t in times), times[0] % 60, True, k + 1 - j + target.used)
    if n is None:
        return None
    minute, used, marked, fixed = 0, 1, False, False
    if len(w) >= 3:  # 1400, 0600, 605 (six oh five)
        n, minute, marked, fixed = n // 100, n % 100, True, len(w) == 4 and w[0] != "0" or w[0] == "0"
        fixed = fixed or _at(words, j - 1) in ("oh", "0")
        if minute >= 60:
            return None
    elif len(_at(words, j + 1)) == 2 and _int(words[j + 1]) is not None and (_int(words[j + 1]) or 0) < 60:
        minute, used, marked = int(words[j + 1]), 2, True
    suffix = _at(words, j + used)
    if suffix in ("oclock", "h") or (suffix == "o" and _at(words, j + used + 1) == "clock"):
        used, marked = used + (2 if suffix == "o" else 1), True
    elif suffix in ("am", "pm") or (suffix in ("a", "p") and _at(words, j + used + 1) == "m"):
        if n > 12 and suffix.startswith("a"):
            return None
        n = n % 12 + (12 if suffix.startswith("p") else 0) if n <= 12 else n
        used, marked, fixed = used + (1 if len(suffix) == 2 else 2), True, True
    elif suffix in ("hours", "hrs", "hundred"):
        used, marked, fixed = used + 1, True, True
    if n == 24 and minute == 0:
        n = 0
    if n > 23:
        return None
    return _Clock(_hours(n, fixed), minute, marked, used)


def _when(words: Sequence[str], j: int, now: datetime) -> _When:
    """The day or part of the day said after a clock time: 'this morning', 'in the afternoon', 'yesterday'."""
    w, nxt = _at(words, j), _at(words, j + 1)
    today = now.date()
    part = _part_after(words, j)
    if part:
        return _When(None, part[0], part[1])
    if w == "at" and nxt == "night":
        return _When(None, "night", 2)
    if w == "this" and nxt in _PARTS:
        return _When(today, nxt, 2, today=True)
    if w == "tonight":
        return _When(today, "night", 1, today=True)
    if w == "today":
        return _When(today, None, 1, today=True)
    if w == "yesterday":
        part = _part_after(words, j + 1)
        return _When(today - timedelta(days=1), part[0] if part else None, 1 + (part[1] if part else 0))
    if w in ("on", "last", "this") and nxt in _WEEKDAYS:
        return _When(_weekday(now, nxt, this=w == "this"), None, 2)
    if w in _WEEKDAYS:
        return _When(_weekday(now, w, this=False), None, 1)
    if w == "on":
        found = _day_of_month(words, j, now)
        if found:
            return _When(found[0], None, found[1])
    return _When(None, None, 0)


def _in_part(hours: tuple[int, ...], part: str | None) -> tuple[int, ...]:
    """The hours of a clock time said with a part of the day: 6 in the evening is 18, 2 at night 2."""
    if part is None or len(hours) == 1:
        return hours
    low, high = hours
    if part == "morning":
        return (low,)
    if part == "night":
        return (high,) if low >= 6 else (low,)
    return (high,)


def _instant(clock: _Clock, when: _When, now: datetime) -> datetime | None:
    """The latest moment the clock time names that has passed (on the day named, or the day before
    that when ``when.today`` and it is still ahead)."""
    hours = _in_part(clock.hours, when.part)
    days = [when.day] if when.day else [now.date(), now.date() - timedelta(days=1)]
    if when.today:
        days.append(now.date() - timedelta(days=1))
    for day in days:
        passed = [t for t in (_on(day, now, h, clock.minute) for h in hours) if _le(t, now)]
        if passed:
            return max(passed, key=_real)
    return None


def _no_unit(words: Sequence[str], j: int, clock: _Clock) -> bool:
    return clock.marked or _at(words, j) not in _UNIT_WORDS


def _clock_phrase(words: Sequence[str], i: int, now: datetime) -> Hit | None:
    """at <time>, since <time>, from <time> to <time>, between <time> and <time>."""
    w = words[i]
    clock = _clock(words, i + 1, spans=w == "from")
    if clock is None:
        return None
    j = i + 1 + clock.used
    if w in ("from", "between") and _at(words, j) in (("and",) if w == "between" else ("to", "till", "until")):
        last = _clock(words, j + 1)
        if last is None:
            return None
        k = j + 1 + last.used
        if not _no_unit(words, k, last):
            return None
        when = _when(words, k, now)
        return _span(clock, last, when, now, k + when.used - i)
    when = _when(words, j, now)
    if w == "at" and (clock.marked or when.used or len(clock.hours) == 1 and clock.hours[0] in (0, 12)
                      and words[i + 1] in ("noon", "midday", "midnight")):
        start = _instant(clock, when, now)
        if start is None:
            return None
        end = _wall(_real(start) + timedelta(hours=1)).astimezone(start.tzinfo) if start.tzinfo else \
            start + timedelta(hours=1)
        return *_upto(start, end, now), j + when.used - i
    if w == "since" and (when.used or _no_unit(words, j, clock)):
        start = _instant(clock, when, now)
        return (start, now, j + when.used - i) if start else None
    return None


def _span(first: _Clock, last: _Clock, when: _When, now: datetime, used: int) -> Hit | None:
    """The shortest span from ``first`` to ``last`` that began most recently (on the day named)."""
    ends = _in_part(last.hours, when.part)
    starts = first.hours if len(first.hours) == 1 or when.part is None else first.hours
    pairs = [(h, e, (e * 60 + last.minute - h * 60 - first.minute) % _DAY or _DAY) for h in starts for e in ends]
    shortest = min(p[2] for p in pairs)
    days = [when.day] if when.day else [now.date() - timedelta(days=d) for d in range(3)]
    found = [(_on(day, now, h, first.minute), length) for day in days for h, _, length in pairs if length == shortest]
    begun = [(s, length) for s, length in found if _le(s, now)]
    if not begun:
        return None
    start, length = max(begun, key=lambda b: _real(b[0]))
    minute = start.hour * 60 + start.minute + length
    return *_upto(start, _on(start.date(), now, minute // 60, minute % 60), now), used


def _match(words: list[str], i: int, now: datetime, shifts: Sequence[ShiftTimes],
           nested: bool = False) -> Hit | int | None:
    """A time range starting at word ``i``: (start, end, words used); words used alone for a count
    beyond ``LONGEST``."""
    w, nxt = words[i], _at(words, i + 1)
    if w in _LAST or (w == "the" and nxt in _LAST):
        return _last_phrase(words, i, now, shifts)
    if w in ("at", "since", "from", "between"):
        hit = _clock_phrase(words, i, now)
        if hit or w != "since" or nested or i + 1 >= len(words):
            return hit
        inner = _match(words, i + 1, now, shifts, nested=True)  # since yesterday, since Monday, since last week
        return (inner[0], now, inner[2] + 1) if isinstance(inner, tuple) else None
    return _shift_phrase(words, i, now, shifts) or _day_phrase(words, i, now)


def _found(words: list[str], i: int, now: datetime, shifts: Sequence[ShiftTimes]) -> TimeRange | None:
    """The time range starting at word ``i``, if any; None also for one outside the calendar."""
    try:
        hit = _match(words, i, now, shifts)
        if isinstance(hit, int):
            return TimeRange(now, now, i, i + hit, OUT_OF_RANGE)
        return TimeRange(_wall(hit[0]), _wall(hit[1]), i, i + hit[2]) if hit else None
    except OverflowError:  # before year 1 or after 9999
        return None


def find_time_ranges(tokens: list[Token], now: datetime,
                     shifts: Sequence[ShiftTimes] | None = None) -> list[TimeRange]:
    """Every time range in ``tokens``, left to right, not overlapping; ``shifts``: the site's pattern."""
    words = [t.text for t in tokens]
    pattern = tuple(shifts) if shifts else SHIFTS
    found: list[TimeRange] = []
    i = 0
    while i < len(words):
        hit = _found(words, i, now, pattern)
        if hit is None:
            i += 1
            continue
        found.append(hit)
        i = hit.last
    return found
