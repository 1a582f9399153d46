"""Times and time ranges said as people say them, on the plant's wall clock.

    say_time(t, now, tz)            "twenty past three this morning", "yesterday at eleven in the evening",
                                    "Monday the thirtieth of November at six in the morning"
    say_instant(t, now, tz)         "at twenty past three this morning", "yesterday at eleven in the evening",
                                    "on Monday the thirtieth of November at six in the morning"
    say_since(t, now, tz)           "since one o'clock this morning", "since yesterday at eleven in the evening"
    say_range(start, end, now, tz)  "today since midnight", "over the last eight hours",
                                    "yesterday from midnight to midnight",
                                    "last night from ten in the evening to six this morning",
                                    "since the start of the shift at two this afternoon" (with ``shift_starts``)
    say_day(date, today)            "today", "yesterday", "on Monday the thirtieth of November"

Rules, in the order they are tried for a range (``end`` within a minute of ``now`` is "up to now"):

* up to now: from today's midnight "today since midnight"; from a whole number of weeks, days
  (two or more), hours or minutes (under two hours) back "over the last ..."; from the latest start of a
  shift "since the start of the shift at six this morning"; from yesterday's midnight "since the start
  of yesterday"; from an earlier midnight "since Monday the thirtieth of November"; else "since <instant>".
* ended: whole days "yesterday from midnight to midnight", "on Monday the thirtieth of November",
  "last week, from Monday ... to Sunday ...", "over the three days from ... to ..."; an evening to the
  next morning "last night from ten in the evening to six this morning"; within one day "yesterday from
  two to ten in the evening"; else "from <instant> to <instant>".

Clock words: "midnight", "noon", "six", "twenty past three", "half past ten", "quarter to six",
"five to midnight", "three oh seven"; a part of the day follows ("this morning" today, "in the
morning" on other days: morning before noon, afternoon before six, evening after). "since" takes
"o'clock" on a whole hour of today ("since one o'clock this morning"). The date is said for any day
that is not today, yesterday or tomorrow, with its weekday; the year only when it is not this year.
Durations are real time (a night across a clock change is seven or nine wall-clock hours); the words
are the wall clock of ``tz``. Naive times are taken to be in ``tz``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from datetime import tzinfo

from .answer import say_date, say_number
from .numbers import ONES, integer_words

__all__ = ["say_clock_words", "say_day", "say_time", "say_instant", "say_since", "say_range"]

_UTC = dt.timezone.utc
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_UP_TO_NOW = dt.timedelta(minutes=1)  # an end this close to now is "now" (the request took a moment)
_MIDNIGHT = dt.time(0, 0)


def _local(when: dt.datetime, tz: tzinfo) -> dt.datetime:
    return when.replace(tzinfo=tz) if when.tzinfo is None else when.astimezone(tz)


def _real(when: dt.datetime, tz: tzinfo) -> dt.datetime:
    """The instant in UTC, so that differences are real durations across clock changes."""
    return _local(when, tz).astimezone(_UTC)


def _hour12(hour: int) -> str:
    return integer_words(hour % 12 or 12)


def _part(hour: int) -> str:
    return "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"


def _clock(time: dt.time) -> tuple[str, int | None]:
    """The clock words and the hour they name (None when they need no part of the day)."""
    hour, minute = time.hour, time.minute
    if minute == 0:
        return ("midnight", None) if hour == 0 else ("noon", None) if hour == 12 else (_hour12(hour), hour)
    if minute % 5 == 0:
        past = minute <= 30
        count = minute if past else 60 - minute
        words = {15: "quarter", 30: "half"}.get(count, integer_words(count))
        named = hour if past else (hour + 1) % 24
        if named == 0:
            return f"{words} {'past' if past else 'to'} midnight", None
        if named == 12 and not past:
            return f"{words} to noon", None
        return f"{words} {'past' if past else 'to'} {_hour12(named)}", named
    if hour == 0:
        return f"{integer_words(minute)} {'minute' if minute == 1 else 'minutes'} past midnight", None
    return f"{_hour12(hour)} {'oh ' + ONES[minute] if minute < 10 else integer_words(minute)}", hour


def say_clock_words(time: dt.time | dt.datetime, today: bool = False, oclock: bool = False) -> str:
    """'twenty past three in the morning' ('this morning' with ``today``), 'midnight', 'noon';
    ``oclock``: 'one o'clock' on a whole hour."""
    words, named = _clock(time if isinstance(time, dt.time) else time.time())
    if named is None:
        return words
    if oclock and time.minute == 0:
        words += " o'clock"
    return f"{words} {'this' if today else 'in the'} {_part(named)}"


def _date(date: dt.date, today: dt.date) -> str:
    """'Monday the thirtieth of November' (with the year when it is not this year's)."""
    return f"{_WEEKDAYS[date.weekday()]} {say_date(date, year=date.year != today.year)}"


def say_day(date: dt.date, today: dt.date) -> str:
    """'today', 'yesterday', 'tomorrow', else 'on Monday the thirtieth of November'."""
    days = (date - today).days
    return {0: "today", -1: "yesterday", 1: "tomorrow"}.get(days) or f"on {_date(date, today)}"


def _instant(local: dt.datetime, today: dt.date, oclock: bool = False) -> str:
    """'twenty past three this morning', 'yesterday at eleven in the evening',
    'Monday the thirtieth of November at six in the morning'."""
    days = (local.date() - today).days
    if days == 0:
        return say_clock_words(local, today=True, oclock=oclock)
    clock = say_clock_words(local)
    if days in (-1, 1):
        return f"{say_day(local.date(), today)} at {clock}"
    return f"{_date(local.date(), today)} at {clock}"


def say_time(when: dt.datetime, now: dt.datetime, tz: tzinfo, oclock: bool = False) -> str:
    """The words of an instant that follow "since", "from" or "until": 'twenty past three this morning',
    'yesterday at eleven in the evening', 'Monday the thirtieth of November at six in the morning'."""
    return _instant(_local(when, tz), _local(now, tz).date(), oclock)


def say_instant(when: dt.datetime, now: dt.datetime, tz: tzinfo) -> str:
    """'at twenty past three this morning', 'yesterday at eleven in the evening',
    'on Monday the thirtieth of November at six in the morning'."""
    local, today = _local(when, tz), _local(now, tz).date()
    days = (local.date() - today).days
    words = _instant(local, today)
    return f"at {words}" if days == 0 else words if days in (-1, 1) else f"on {words}"


def say_since(when: dt.datetime, now: dt.datetime, tz: tzinfo) -> str:
    """'since one o'clock this morning', 'since midnight', 'since yesterday at eleven in the evening'."""
    return f"since {say_time(when, now, tz, oclock=True)}"


def _whole_count(seconds: float) -> tuple[int, str] | None:
    """(count, unit) when ``seconds`` is a whole count of weeks, days (two or more), hours or minutes
    (under two hours): 28800 -> (8, "hour")."""
    whole = round(seconds)
    if whole <= 0 or abs(seconds - whole) > 1:
        return None
    for size, unit, least, below in ((604800, "week", 1, None), (86400, "day", 2, None),
                                     (3600, "hour", 1, None), (60, "minute", 1, 120)):
        count, rest = divmod(whole, size)
        if not rest and count >= least and (below is None or count < below):
            return count, unit
    return None


def _duration(seconds: float) -> str | None:
    """'the last eight hours', 'the last hour', 'the last two days': for a whole count of a unit."""
    found = _whole_count(seconds)
    if found is None:
        return None
    count, unit = found
    return f"the last {unit}" if count == 1 else f"the last {say_number(count)} {unit}s"


def _shift_start(start: dt.datetime, now: dt.datetime, shift_starts: Iterable[dt.time]) -> bool:
    """Whether ``start`` (local) is the latest shift start at or before ``now`` (local)."""
    starts = {t.replace(second=0, microsecond=0, tzinfo=None) for t in shift_starts}
    if start.time() not in starts or not start <= now < start + dt.timedelta(days=1):
        return False
    later = (dt.datetime.combine(day, t, tzinfo=now.tzinfo) for day in (start.date(), now.date()) for t in starts)
    return not any(start < t <= now for t in later)


def _up_to_now(start: dt.datetime, end: dt.datetime, now: dt.datetime, tz: tzinfo,
               shift_starts: Iterable[dt.time]) -> str:
    local, today = _local(start, tz), _local(now, tz).date()
    if local.time() == _MIDNIGHT and local.date() == today:
        return "today since midnight"
    last = _duration((_real(end, tz) - _real(start, tz)).total_seconds())
    if last:
        return f"over {last}"
    if _shift_start(local, _local(now, tz), shift_starts):
        return f"since the start of the shift {say_instant(local, now, tz)}"
    if local.time() == _MIDNIGHT and local.date() == today - dt.timedelta(days=1):
        return "since the start of yesterday"
    if local.time() == _MIDNIGHT:
        return f"since {_date(local.date(), today)}"
    return say_since(start, now, tz)


def _whole_days(first: dt.date, end: dt.date, today: dt.date) -> str:
    """Days ``first`` up to (not including) ``end``."""
    days = (end - first).days
    last = end - dt.timedelta(days=1)
    if days == 1:
        return "yesterday from midnight to midnight" if first == today - dt.timedelta(days=1) else say_day(first, today)
    span = f"from {_date(first, today)} to {_date(last, today)}"
    if days == 7 and first.weekday() == 0 and end == today - dt.timedelta(days=today.weekday()):
        return f"last week, {span}"
    return f"over the {say_number(days)} days {span}"


def _from_to(start: dt.datetime, end: dt.datetime) -> str:
    """'from two to four in the afternoon', 'from six in the morning to two in the afternoon',
    'from ten in the evening to midnight'."""
    (first, first_hour), (last, last_hour) = _clock(start.time()), _clock(end.time())
    if first_hour is not None and last_hour is not None and _part(first_hour) == _part(last_hour):
        return f"from {first} to {last} in the {_part(last_hour)}"
    return f"from {say_clock_words(start)} to {say_clock_words(end)}"


def _ended(start: dt.datetime, end: dt.datetime, now: dt.datetime, tz: tzinfo) -> str:
    s, e, today = _local(start, tz), _local(end, tz), _local(now, tz).date()
    if s.time() == _MIDNIGHT and e.time() == _MIDNIGHT:
        return _whole_days(s.date(), e.date(), today)
    next_day = s.date() + dt.timedelta(days=1)
    if e.date() == next_day and s.hour >= 18 and 0 < e.hour * 60 + e.minute and e.hour < 12:
        night = {0: "last night", -1: "the night before last"}.get((e.date() - today).days)
        if night:
            return f"{night} from {say_clock_words(s)} to {say_clock_words(e, today=e.date() == today)}"
        return f"the night to {_date(e.date(), today)} from {say_clock_words(s)} to {say_clock_words(e)}"
    if e.date() == s.date() or (e.date() == next_day and e.time() == _MIDNIGHT):
        return f"{say_day(s.date(), today)} {_from_to(s, e)}"
    return f"from {_instant(s, today)} to {_instant(e, today)}"


def say_range(start: dt.datetime, end: dt.datetime, now: dt.datetime, tz: tzinfo,
              shift_starts: Iterable[dt.time] = ()) -> str:
    """The range ``start``-``end`` as said at ``now`` on the wall clock of ``tz`` (rules in the module docstring).
    ``shift_starts``: the wall-clock times the site's shifts begin, for "since the start of the shift"."""
    if _real(end, tz) < _real(start, tz):
        raise ValueError(f"time range ends before it starts: {start.isoformat()} to {end.isoformat()}")
    if _real(end, tz) >= _real(now, tz) - _UP_TO_NOW:
        return _up_to_now(start, end, now, tz, shift_starts)
    return _ended(start, end, now, tz)
