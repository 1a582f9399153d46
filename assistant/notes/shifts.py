"""The site's shift pattern: which shift a moment belongs to, and when a shift ran.

    schedule = ShiftSchedule.parse("early 06:00-14:00, late 14:00-22:00, night 22:00-06:00")
    schedule.of(dt.datetime(2026, 5, 2, 3, 0, tzinfo=site))   # ("night", date(2026, 5, 1))
    schedule.window("night", dt.date(2026, 5, 1), site)      # 22:00 on May 1 to 06:00 on May 2

A shift whose end is before its start runs past midnight and belongs to the date it started.
The shifts must cover the whole day once: no gaps, no overlaps.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import tzinfo

from ..errors import ConfigError, InputError

__all__ = ["Shift", "ShiftSchedule"]

_DAY = 24 * 60  # minutes
_SHIFT = re.compile(r"^\s*([A-Za-z][\w-]*)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_FORMAT = ('write it as "name HH:MM-HH:MM, ..." covering the day once, '
           'e.g. "early 06:00-14:00, late 14:00-22:00, night 22:00-06:00"')


@dataclass(frozen=True)
class Shift:
    name: str
    start: dt.time
    end: dt.time  # end < start: the shift runs past midnight

    @property
    def minutes(self) -> int:
        """Its length; a shift from a time to the same time is the whole day."""
        return (_minute(self.end) - _minute(self.start)) % _DAY or _DAY

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}-{self.end:%H:%M}"


def _minute(time: dt.time) -> int:
    return time.hour * 60 + time.minute


class ShiftSchedule:
    """The shifts of a day, in the order written."""

    def __init__(self, shifts: tuple[Shift, ...]) -> None:
        self.shifts = shifts
        self.names: tuple[str, ...] = tuple(s.name for s in shifts)

    @classmethod
    def parse(cls, text: str, where: str = "notes -> shifts") -> ShiftSchedule:
        """Shifts from ``"name HH:MM-HH:MM, ..."``; ConfigError naming ``where`` on bad text, gaps or overlaps."""
        shifts = tuple(_parse_shift(part, where) for part in text.split(",")) if text.strip() else ()
        if not shifts:
            raise ConfigError(f"config {where} is empty; {_FORMAT}")
        names = [s.name.lower() for s in shifts]
        for name in names:
            if names.count(name) > 1:
                raise ConfigError(f"config {where}: shift name {name!r} is used twice; give each shift its own name")
        _check_cover(shifts, where)
        return cls(shifts)

    def shift(self, name: str) -> Shift:
        for shift in self.shifts:
            if shift.name.lower() == name.strip().lower():
                return shift
        raise InputError(f"unknown shift {name!r}; the shifts (notes -> shifts) are: {', '.join(self.names)}")

    def of(self, time: dt.datetime) -> tuple[str, dt.date]:
        """The shift the wall-clock time of ``time`` falls in, and the date that shift started."""
        minute = time.hour * 60 + time.minute
        for shift in self.shifts:
            into = (minute - _minute(shift.start)) % _DAY
            if into < shift.minutes:
                started = time.date() if minute >= _minute(shift.start) else time.date() - dt.timedelta(days=1)
                return shift.name, started
        raise AssertionError(f"{time} is in no shift; parse() checks that the shifts cover the day")

    def window(self, name: str, day: dt.date, tz: tzinfo) -> tuple[dt.datetime, dt.datetime]:
        """Start and end of shift ``name`` that started on ``day``, in ``tz`` (wall-clock times)."""
        shift = self.shift(name)
        start = dt.datetime.combine(day, shift.start, tzinfo=tz)
        days = (_minute(shift.start) + shift.minutes) // _DAY  # 1 when it ends on the next day
        return start, dt.datetime.combine(day + dt.timedelta(days=days), shift.end, tzinfo=tz)

    def __str__(self) -> str:
        return ", ".join(str(s) for s in self.shifts)

    def __repr__(self) -> str:
        return f"ShiftSchedule.parse({str(self)!r})"


def _parse_shift(part: str, where: str) -> Shift:
    match = _SHIFT.match(part)
    if not match:
        raise ConfigError(f"config {where}: cannot read shift {part.strip()!r}; {_FORMAT}")
    name, h1, m1, h2, m2 = match.groups()
    return Shift(name, _time(h1, m1, part, where), _time(h2, m2, part, where))


def _time(hours: str, minutes: str, part: str, where: str) -> dt.time:
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return dt.time(0, 0)
    if h > 23 or m > 59:
        raise ConfigError(f"config {where}: {hours}:{minutes} in {part.strip()!r} is not a time of day; "
                          "write 00:00 to 23:59 (or 24:00 for midnight)")
    return dt.time(h, m)


def _check_cover(shifts: tuple[Shift, ...], where: str) -> None:
    """Going round the day from the earliest start, each shift must begin where the one before ended."""
    ordered = sorted(shifts, key=lambda s: _minute(s.start))
    for shift, following in zip(ordered, ordered[1:] + ordered[:1]):
        end = _minute(shift.start) + shift.minutes
        next_start = _minute(following.start) + (_DAY if following is ordered[0] else 0)
        if end > next_start:
            raise ConfigError(f"config {where}: shifts {shift} and {following} overlap; "
                              f"let {following.name} start when {shift.name} ends")
        if end < next_start:
            raise ConfigError(f"config {where}: no shift covers {shift.end:%H:%M}-{following.start:%H:%M} "
                              f"(after {shift.name}); extend a shift or add one")
