"""Spoken time ranges resolved to absolute intervals against a given ``now``.

Works on normalised tokens (numbers already digits). Understood phrases:

    last/past (N) minutes|hours|days|weeks, the last hour, in the last 30 minutes
    since midnight, today, this morning, yesterday, this week, last week
    since 6 (am|pm|o clock), since 14
    night shift, early shift, late shift, this/current shift, last/previous shift

Shifts: early 06-14, late 14-22, night 22-06. A named shift means its latest
occurrence that has begun (ending at ``now`` when it is still running).
The value is ``"ISO-start/ISO-end"``.

Counts are real time: "the last eight hours" at 05:00 on the night the clocks change is eight
hours back, which the wall clock shows as 20:00 or 22:00; days, shifts and "yesterday" follow the
wall clock (the 29th of March 2026 in Europe/Berlin is 23 hours long). Digits are any decimal
digits (``str.isdecimal``: "١٢" is 12); "²" or "①" are no number. No input raises:

* a count reaching back further than ``LONGEST`` (ten years) is a range refused as a value:
  ``problem`` and ``value`` are ``OUT_OF_RANGE``, ``start`` and ``end`` are ``now``; the answer
  should say that it looks back at most ten years and ask for a shorter time;
* a range that falls outside the calendar (``now`` near year 1 or 9999) is no time range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..events import OUT_OF_RANGE
from .normalize import Token

__all__ = ["TimeRange", "find_time_ranges", "SHIFTS", "LONGEST", "OUT_OF_RANGE"]

LONGEST = timedelta(days=3653)  # ten years: the furthest back a count may reach

SHIFTS: dict[str, tuple[int, int]] = {"early": (6, 14), "late": (14, 22), "night": (22, 6)}
_SHIFT_ALIASES = {"early": "early", "morning": "early", "day": "early", "late": "late",
                  "afternoon": "late", "evening": "late", "night": "night"}
_UNITS = {"minute": 60, "minutes": 60, "min": 60, "mins": 60, "hour": 3600, "hours": 3600, "hr": 3600,
          "hrs": 3600, "day": 86400, "days": 86400, "week": 604800, "weeks": 604800}
_LAST = {"last", "past", "previous", "recent"}
_WORD_COUNTS = {"a": 1, "an": 1, "couple": 2, "few": 3}


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


def _wall(time: datetime) -> datetime:
    """An aware time with the offset its zone has then (a time in the spring gap moves past it)."""
    return time.astimezone(timezone.utc).astimezone(time.tzinfo) if time.tzinfo else time


def _back(now: datetime, seconds: float) -> datetime:
    """``seconds`` of real time before ``now``, also across a change of the clocks."""
    if now.tzinfo is None:
        return now - timedelta(seconds=seconds)
    return (now.astimezone(timezone.utc) - timedelta(seconds=seconds)).astimezone(now.tzinfo)


def _count(word: str) -> float | None:
    """'8' -> 8.0, '1.5' -> 1.5, '١٢' -> 12.0 (too many digits: inf); None for '²', '①', 'nan'."""
    return float(word) if word.replace(".", "", 1).isdecimal() else None


def _midnight(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _shift_start(now: datetime, shift: str, back: int = 0) -> tuple[datetime, datetime]:
    """The latest occurrence of ``shift`` that began at or before ``now`` (``back`` more before it)."""
    start_h, end_h = SHIFTS[shift]
    start = _midnight(now).replace(hour=start_h)
    if start > now:
        start -= timedelta(days=1)
    start -= timedelta(days=back)
    length = (end_h - start_h) % 24
    return start, start + timedelta(hours=length)


def _current_shift(now: datetime) -> str:
    h = now.hour
    return "early" if 6 <= h < 14 else "late" if 14 <= h < 22 else "night"


def _clip(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    return start, min(end, now)


def _at(words: list[str], i: int) -> str:
    return words[i] if 0 <= i < len(words) else ""


def _match(words: list[str], i: int, now: datetime) -> tuple[datetime, datetime, int] | int | None:
    """A time range starting at word ``i``: (start, end, words used); words used alone for a count
    beyond ``LONGEST``."""
    w = words[i]
    nxt = _at(words, i + 1)
    # last/past N units, the last hour, past couple of hours
    if w in _LAST or (w == "the" and nxt in _LAST):
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
        if unit in _UNITS and (count is not None or not unit.endswith("s")):
            seconds = _UNITS[unit] * (count if count is not None else 1)
            if seconds > LONGEST.total_seconds():
                return j + 1 - i
            if unit.startswith("week") and count is None and w == "last":
                # "last week": the calendar week before this one
                monday = _midnight(now) - timedelta(days=now.weekday())
                return monday - timedelta(days=7), monday, j + 1 - i
            return _back(now, seconds), now, j + 1 - i
        if unit == "shift":
            current = _current_shift(now)
            start, _ = _shift_start(now, current)
            previous = _current_shift(start - timedelta(minutes=1))
            p_start, p_end = _shift_start(start - timedelta(minutes=1), previous)
            return p_start, p_end, j + 1 - i
        if unit == "night" and count is None:
            start, end = _shift_start(now, "night")
            if end > now:
                start, end = start - timedelta(days=1), end - timedelta(days=1)
            return start, end, j + 1 - i
        return None
    if w in ("this", "current", "the") and nxt == "shift":
        start, end = _shift_start(now, _current_shift(now))
        return start, min(end, now), 2
    if w in _SHIFT_ALIASES and nxt == "shift":
        start, end = _shift_start(now, _SHIFT_ALIASES[w])
        s, e = _clip(start, end, now)
        return s, e, 2
    if w == "since":
        if nxt == "midnight":
            return _midnight(now), now, 2
        if nxt in ("yesterday",):
            return _midnight(now) - timedelta(days=1), now, 2
        if nxt.isdecimal() and int(nxt) <= 24:
            hour = int(nxt) % 24
            used = 2
            suffix = _at(words, i + 2)
            if suffix == "pm" and hour < 12:
                hour += 12
                used = 3
            elif suffix in ("am", "hours"):
                used = 3
            elif suffix == "o" and _at(words, i + 3) == "clock":
                used = 4
            elif suffix == "00":
                used = 3
            start = _midnight(now).replace(hour=hour)
            if start > now:
                start -= timedelta(days=1)
            return start, now, used
        return None
    if w in ("today", "todays") or (w == "this" and nxt == "day"):
        return _midnight(now), now, 2 if w == "this" else 1
    if w == "this" and nxt == "morning":
        return _midnight(now).replace(hour=6) if now.hour >= 6 else _midnight(now), now, 2
    if w == "yesterday":
        return _midnight(now) - timedelta(days=1), _midnight(now), 1
    if w == "this" and nxt == "week":
        return _midnight(now) - timedelta(days=now.weekday()), now, 2
    if w == "overnight":
        start, end = _shift_start(now, "night")
        return start, min(end, now), 1
    return None


def _found(words: list[str], i: int, now: datetime) -> TimeRange | None:
    """The time range starting at word ``i``, if any; None also for one outside the calendar."""
    try:
        hit = _match(words, i, now)
        if isinstance(hit, int):
            return TimeRange(now, now, i, i + hit, OUT_OF_RANGE)
        return TimeRange(_wall(hit[0]), _wall(hit[1]), i, i + hit[2]) if hit else None
    except OverflowError:  # before year 1 or after 9999
        return None


def find_time_ranges(tokens: list[Token], now: datetime) -> list[TimeRange]:
    """Every time range in ``tokens``, left to right, not overlapping."""
    words = [t.text for t in tokens]
    found: list[TimeRange] = []
    i = 0
    while i < len(words):
        hit = _found(words, i, now)
        if hit is None:
            i += 1
            continue
        found.append(hit)
        i = hit.last
    return found
