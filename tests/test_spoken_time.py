"""Times said as people say them: every phrase the parser understands, parsed at a given now and spoken,
across midnight and across both clock changes of Europe/Berlin."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assistant.nlu.normalize import tokenize
from assistant.nlu.timerange import find_time_ranges
from assistant.spoken_time import say_clock_words, say_day, say_instant, say_range, say_since, say_time

BERLIN = ZoneInfo("Europe/Berlin")
SHIFTS = (dt.time(6), dt.time(14), dt.time(22))  # the site's shift starts, as the dialogue passes them


def at(*args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN, fold=fold)


THU = at(2026, 12, 3, 9, 30)  # a Thursday, early shift; Monday was the thirtieth of November
NIGHT = at(2026, 12, 3, 3, 17)  # the same Thursday, in the small hours
AFTER_MIDNIGHT = at(2026, 12, 3, 0, 10)
SPRING = at(2026, 3, 29, 5, 0)  # 02:00 CET became 03:00 CEST that night
AUTUMN = at(2026, 10, 25, 5, 0)  # 03:00 CEST became 02:00 CET that night
MONDAY = at(2026, 11, 30, 16, 0)
EVENING = at(2026, 12, 3, 17, 42)  # the same Thursday, late shift


def spoken(text: str, now: dt.datetime) -> tuple[str, str]:
    """(value, words) of the one time range in ``text``, parsed and said at ``now``."""
    (found,) = find_time_ranges(tokenize(text), now)
    return found.value, say_range(found.start, found.end, now, BERLIN, SHIFTS)


# every phrase of timerange.py: (text, now, value, words)
PHRASES = [
    # last/past N units: real time back from now
    ("the last eight hours", THU, "2026-12-03T01:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last eight hours"),
    ("last 8 hours", THU, "2026-12-03T01:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last eight hours"),
    ("the last hour", THU, "2026-12-03T08:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last hour"),
    ("past hour", THU, "2026-12-03T08:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last hour"),
    ("the last hr", THU, "2026-12-03T08:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last hour"),
    ("in the last 30 minutes", THU, "2026-12-03T09:00:00+01:00/2026-12-03T09:30:00+01:00",
     "over the last thirty minutes"),
    ("last 5 mins", THU, "2026-12-03T09:25:00+01:00/2026-12-03T09:30:00+01:00", "over the last five minutes"),
    ("the last minute", THU, "2026-12-03T09:29:00+01:00/2026-12-03T09:30:00+01:00", "over the last minute"),
    ("last 90 minutes", THU, "2026-12-03T08:00:00+01:00/2026-12-03T09:30:00+01:00", "over the last ninety minutes"),
    ("last 1.5 hours", THU, "2026-12-03T08:00:00+01:00/2026-12-03T09:30:00+01:00", "over the last ninety minutes"),
    ("last 2.5 hours", THU, "2026-12-03T07:00:00+01:00/2026-12-03T09:30:00+01:00", "since seven o'clock this morning"),
    ("past couple of hours", THU, "2026-12-03T07:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last two hours"),
    ("the last few hours", THU, "2026-12-03T06:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last three hours"),
    ("recent 24 hrs", THU, "2026-12-02T09:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last twenty-four hours"),
    ("the past day", THU, "2026-12-02T09:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last twenty-four hours"),
    ("past 2 days", THU, "2026-12-01T09:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last two days"),
    ("previous 36 hours", THU, "2026-12-01T21:30:00+01:00/2026-12-03T09:30:00+01:00",
     "over the last thirty-six hours"),
    ("past week", THU, "2026-11-26T09:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last week"),
    ("the last 3 weeks", THU, "2026-11-12T09:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last three weeks"),
    # calendar days and weeks
    ("since midnight", THU, "2026-12-03T00:00:00+01:00/2026-12-03T09:30:00+01:00", "today since midnight"),
    ("today", THU, "2026-12-03T00:00:00+01:00/2026-12-03T09:30:00+01:00", "today since midnight"),
    ("todays", THU, "2026-12-03T00:00:00+01:00/2026-12-03T09:30:00+01:00", "today since midnight"),
    ("this day", THU, "2026-12-03T00:00:00+01:00/2026-12-03T09:30:00+01:00", "today since midnight"),
    ("since yesterday", THU, "2026-12-02T00:00:00+01:00/2026-12-03T09:30:00+01:00", "since the start of yesterday"),
    ("yesterday", THU, "2026-12-02T00:00:00+01:00/2026-12-03T00:00:00+01:00", "yesterday from midnight to midnight"),
    ("this week", THU, "2026-11-30T00:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since Monday the thirtieth of November"),
    ("last week", THU, "2026-11-23T00:00:00+01:00/2026-11-30T00:00:00+01:00",
     "last week, from Monday the twenty-third of November to Sunday the twenty-ninth of November"),
    ("this morning", THU, "2026-12-03T06:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since the start of the shift at six this morning"),
    ("this morning", NIGHT, "2026-12-03T00:00:00+01:00/2026-12-03T03:17:00+01:00", "today since midnight"),
    # since a clock time
    ("since 6", THU, "2026-12-03T06:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since the start of the shift at six this morning"),
    ("since six am", THU, "2026-12-03T06:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since the start of the shift at six this morning"),
    ("since 1 o'clock", THU, "2026-12-03T01:00:00+01:00/2026-12-03T09:30:00+01:00", "since one o'clock this morning"),
    ("since 7 hours", THU, "2026-12-03T07:00:00+01:00/2026-12-03T09:30:00+01:00", "since seven o'clock this morning"),
    ("since 14", THU, "2026-12-02T14:00:00+01:00/2026-12-03T09:30:00+01:00", "since yesterday at two in the afternoon"),
    ("since 2 pm", THU, "2026-12-02T14:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since yesterday at two in the afternoon"),
    ("since 14:00", THU, "2026-12-02T14:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since yesterday at two in the afternoon"),
    ("since 23", THU, "2026-12-02T23:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since yesterday at eleven in the evening"),
    ("since 24", THU, "2026-12-03T00:00:00+01:00/2026-12-03T09:30:00+01:00", "today since midnight"),
    # shifts (early 06-14, late 14-22, night 22-06)
    ("this shift", THU, "2026-12-03T06:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since the start of the shift at six this morning"),
    ("the current shift", THU, "2026-12-03T06:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since the start of the shift at six this morning"),
    ("the shift", NIGHT, "2026-12-02T22:00:00+01:00/2026-12-03T03:17:00+01:00",
     "since the start of the shift yesterday at ten in the evening"),
    ("early shift", THU, "2026-12-03T06:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since the start of the shift at six this morning"),
    ("morning shift", NIGHT, "2026-12-02T06:00:00+01:00/2026-12-02T14:00:00+01:00",
     "yesterday from six in the morning to two in the afternoon"),
    ("day shift", THU, "2026-12-03T06:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since the start of the shift at six this morning"),
    ("late shift", THU, "2026-12-02T14:00:00+01:00/2026-12-02T22:00:00+01:00",
     "yesterday from two in the afternoon to ten in the evening"),
    ("afternoon shift", THU, "2026-12-02T14:00:00+01:00/2026-12-02T22:00:00+01:00",
     "yesterday from two in the afternoon to ten in the evening"),
    ("evening shift", at(2026, 12, 3, 15, 20), "2026-12-03T14:00:00+01:00/2026-12-03T15:20:00+01:00",
     "over the last eighty minutes"),
    ("evening shift", at(2026, 12, 3, 16, 20), "2026-12-03T14:00:00+01:00/2026-12-03T16:20:00+01:00",
     "since the start of the shift at two this afternoon"),
    ("night shift", THU, "2026-12-02T22:00:00+01:00/2026-12-03T06:00:00+01:00",
     "last night from ten in the evening to six this morning"),
    ("night shift", NIGHT, "2026-12-02T22:00:00+01:00/2026-12-03T03:17:00+01:00",
     "since the start of the shift yesterday at ten in the evening"),
    ("last shift", THU, "2026-12-02T22:00:00+01:00/2026-12-03T06:00:00+01:00",
     "last night from ten in the evening to six this morning"),
    ("previous shift", at(2026, 12, 3, 15, 20), "2026-12-03T06:00:00+01:00/2026-12-03T14:00:00+01:00",
     "today from six in the morning to two in the afternoon"),
    ("last night", THU, "2026-12-02T22:00:00+01:00/2026-12-03T06:00:00+01:00",
     "last night from ten in the evening to six this morning"),
    ("last night", NIGHT, "2026-12-01T22:00:00+01:00/2026-12-02T06:00:00+01:00",
     "the night before last from ten in the evening to six in the morning"),
    ("overnight", THU, "2026-12-02T22:00:00+01:00/2026-12-03T06:00:00+01:00",
     "last night from ten in the evening to six this morning"),
    ("overnight", NIGHT, "2026-12-02T22:00:00+01:00/2026-12-03T03:17:00+01:00",
     "since the start of the shift yesterday at ten in the evening"),
    # at a clock time: the hour from it, the latest that has passed (today, else yesterday)
    ("at 14:00", EVENING, "2026-12-03T14:00:00+01:00/2026-12-03T15:00:00+01:00",
     "today from two to three in the afternoon"),
    ("at 14:00", THU, "2026-12-02T14:00:00+01:00/2026-12-02T15:00:00+01:00",
     "yesterday from two to three in the afternoon"),
    ("at two o'clock", THU, "2026-12-03T02:00:00+01:00/2026-12-03T03:00:00+01:00",
     "today from two to three in the morning"),
    ("at two o'clock", EVENING, "2026-12-03T14:00:00+01:00/2026-12-03T15:00:00+01:00",
     "today from two to three in the afternoon"),
    ("at two in the afternoon", EVENING, "2026-12-03T14:00:00+01:00/2026-12-03T15:00:00+01:00",
     "today from two to three in the afternoon"),
    ("at half past six", THU, "2026-12-03T06:30:00+01:00/2026-12-03T07:30:00+01:00",
     "today from half past six to half past seven in the morning"),
    ("at quarter to seven", THU, "2026-12-03T06:45:00+01:00/2026-12-03T07:45:00+01:00",
     "today from quarter to seven to quarter to eight in the morning"),
    ("at 6 am yesterday", THU, "2026-12-02T06:00:00+01:00/2026-12-02T07:00:00+01:00",
     "yesterday from six to seven in the morning"),
    ("at six this morning", THU, "2026-12-03T06:00:00+01:00/2026-12-03T07:00:00+01:00",
     "today from six to seven in the morning"),
    ("at six this morning", NIGHT, "2026-12-02T06:00:00+01:00/2026-12-02T07:00:00+01:00",
     "yesterday from six to seven in the morning"),  # still ahead: the day before
    ("at noon", EVENING, "2026-12-03T12:00:00+01:00/2026-12-03T13:00:00+01:00",
     "today from noon to one in the afternoon"),
    ("at midnight", THU, "2026-12-03T00:00:00+01:00/2026-12-03T01:00:00+01:00",
     "today from midnight to one in the morning"),
    ("at fourteen hundred hours", EVENING, "2026-12-03T14:00:00+01:00/2026-12-03T15:00:00+01:00",
     "today from two to three in the afternoon"),
    ("at two on Monday", THU, "2026-11-30T14:00:00+01:00/2026-11-30T15:00:00+01:00",
     "on Monday the thirtieth of November from two to three in the afternoon"),
    # since a clock time or a day
    ("since 14:00", EVENING, "2026-12-03T14:00:00+01:00/2026-12-03T17:42:00+01:00",
     "since the start of the shift at two this afternoon"),
    ("since two o'clock", EVENING, "2026-12-03T14:00:00+01:00/2026-12-03T17:42:00+01:00",
     "since the start of the shift at two this afternoon"),
    ("since six this morning", THU, "2026-12-03T06:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since the start of the shift at six this morning"),
    ("since six this morning", NIGHT, "2026-12-02T06:00:00+01:00/2026-12-03T03:17:00+01:00",
     "since yesterday at six in the morning"),
    ("since two in the afternoon", EVENING, "2026-12-03T14:00:00+01:00/2026-12-03T17:42:00+01:00",
     "since the start of the shift at two this afternoon"),
    ("since half past six", THU, "2026-12-03T06:30:00+01:00/2026-12-03T09:30:00+01:00", "over the last three hours"),
    ("since Monday", THU, "2026-11-30T00:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since Monday the thirtieth of November"),
    ("since the 30th", THU, "2026-11-30T00:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since Monday the thirtieth of November"),
    ("since last night", THU, "2026-12-02T22:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since yesterday at ten in the evening"),
    # from one time to another: the shortest span that began most recently
    ("from 6 to 10", THU, "2026-12-03T06:00:00+01:00/2026-12-03T09:30:00+01:00",
     "since the start of the shift at six this morning"),
    ("from 6 to 10", EVENING, "2026-12-03T06:00:00+01:00/2026-12-03T10:00:00+01:00",
     "today from six to ten in the morning"),
    ("between six and ten", EVENING, "2026-12-03T06:00:00+01:00/2026-12-03T10:00:00+01:00",
     "today from six to ten in the morning"),
    ("from 10 pm to 6 am", THU, "2026-12-02T22:00:00+01:00/2026-12-03T06:00:00+01:00",
     "last night from ten in the evening to six this morning"),
    ("between 2 and 4 in the afternoon", EVENING, "2026-12-03T14:00:00+01:00/2026-12-03T16:00:00+01:00",
     "today from two to four in the afternoon"),
    ("from 22 to 6", THU, "2026-12-02T22:00:00+01:00/2026-12-03T06:00:00+01:00",
     "last night from ten in the evening to six this morning"),
    # weekdays (the last one before today) and days of the month (the latest up to today)
    ("on Monday", THU, "2026-11-30T00:00:00+01:00/2026-12-01T00:00:00+01:00", "on Monday the thirtieth of November"),
    ("on Monday", MONDAY, "2026-11-23T00:00:00+01:00/2026-11-24T00:00:00+01:00",
     "on Monday the twenty-third of November"),
    ("last Monday", THU, "2026-11-30T00:00:00+01:00/2026-12-01T00:00:00+01:00", "on Monday the thirtieth of November"),
    ("this Monday", MONDAY, "2026-11-30T00:00:00+01:00/2026-11-30T16:00:00+01:00", "today since midnight"),
    ("Monday", THU, "2026-11-30T00:00:00+01:00/2026-12-01T00:00:00+01:00", "on Monday the thirtieth of November"),
    ("monday morning", THU, "2026-11-30T06:00:00+01:00/2026-11-30T12:00:00+01:00",
     "on Monday the thirtieth of November from six in the morning to noon"),
    ("on the 30th", THU, "2026-11-30T00:00:00+01:00/2026-12-01T00:00:00+01:00", "on Monday the thirtieth of November"),
    ("on the 3rd", THU, "2026-12-03T00:00:00+01:00/2026-12-03T09:30:00+01:00", "today since midnight"),
    ("on the thirtieth of November", THU, "2026-11-30T00:00:00+01:00/2026-12-01T00:00:00+01:00",
     "on Monday the thirtieth of November"),
    ("on November 30th", THU, "2026-11-30T00:00:00+01:00/2026-12-01T00:00:00+01:00",
     "on Monday the thirtieth of November"),
    ("the day before yesterday", THU, "2026-12-01T00:00:00+01:00/2026-12-02T00:00:00+01:00",
     "on Tuesday the first of December"),
    # parts of the day: morning 6-12, afternoon 12-18, evening 18-24, tonight 18-6; not begun yet: yesterday's
    ("this morning", EVENING, "2026-12-03T06:00:00+01:00/2026-12-03T12:00:00+01:00",
     "today from six in the morning to noon"),
    ("this afternoon", EVENING, "2026-12-03T12:00:00+01:00/2026-12-03T17:42:00+01:00", "since noon"),
    ("this afternoon", THU, "2026-12-02T12:00:00+01:00/2026-12-02T18:00:00+01:00",
     "yesterday from noon to six in the evening"),
    ("this evening", THU, "2026-12-02T18:00:00+01:00/2026-12-03T00:00:00+01:00",
     "yesterday from six in the evening to midnight"),
    ("tonight", at(2026, 12, 3, 23, 0), "2026-12-03T18:00:00+01:00/2026-12-03T23:00:00+01:00",
     "over the last five hours"),
    ("tonight", NIGHT, "2026-12-02T18:00:00+01:00/2026-12-03T03:17:00+01:00", "since yesterday at six in the evening"),
    ("yesterday afternoon", THU, "2026-12-02T12:00:00+01:00/2026-12-02T18:00:00+01:00",
     "yesterday from noon to six in the evening"),
    ("yesterday evening", THU, "2026-12-02T18:00:00+01:00/2026-12-03T00:00:00+01:00",
     "yesterday from six in the evening to midnight"),
    # across midnight
    ("the last hour", AFTER_MIDNIGHT, "2026-12-02T23:10:00+01:00/2026-12-03T00:10:00+01:00", "over the last hour"),
    ("yesterday", at(2026, 12, 3, 0, 5), "2026-12-02T00:00:00+01:00/2026-12-03T00:00:00+01:00",
     "yesterday from midnight to midnight"),
    ("today", at(2026, 12, 3, 0, 5), "2026-12-03T00:00:00+01:00/2026-12-03T00:05:00+01:00", "today since midnight"),
    ("this shift", AFTER_MIDNIGHT, "2026-12-02T22:00:00+01:00/2026-12-03T00:10:00+01:00",
     "since the start of the shift yesterday at ten in the evening"),
    ("since 23", AFTER_MIDNIGHT, "2026-12-02T23:00:00+01:00/2026-12-03T00:10:00+01:00",
     "over the last seventy minutes"),
    ("since 22", AFTER_MIDNIGHT, "2026-12-02T22:00:00+01:00/2026-12-03T00:10:00+01:00",
     "since the start of the shift yesterday at ten in the evening"),
    ("this week", at(2026, 11, 30, 0, 10), "2026-11-30T00:00:00+01:00/2026-11-30T00:10:00+01:00",
     "today since midnight"),
    ("this week", at(2026, 12, 1, 0, 10), "2026-11-30T00:00:00+01:00/2026-12-01T00:10:00+01:00",
     "since the start of yesterday"),
    # across the clock changes: counts are real hours, days are the wall clock's
    ("the last eight hours", SPRING, "2026-03-28T20:00:00+01:00/2026-03-29T05:00:00+02:00",
     "over the last eight hours"),  # nine on the wall clock
    ("the last eight hours", AUTUMN, "2026-10-24T22:00:00+02:00/2026-10-25T05:00:00+01:00",
     "over the last eight hours"),  # seven on the wall clock
    ("the last 3 hours", at(2026, 10, 25, 2, 30, fold=1), "2026-10-25T00:30:00+02:00/2026-10-25T02:30:00+01:00",
     "over the last three hours"),
    ("since 2", SPRING, "2026-03-29T03:00:00+02:00/2026-03-29T05:00:00+02:00", "over the last two hours"),
    ("today", SPRING, "2026-03-29T00:00:00+01:00/2026-03-29T05:00:00+02:00", "today since midnight"),
    ("yesterday", at(2026, 3, 30, 9, 0), "2026-03-29T00:00:00+01:00/2026-03-30T00:00:00+02:00",
     "yesterday from midnight to midnight"),
    ("yesterday", at(2026, 10, 26, 9, 0), "2026-10-25T00:00:00+02:00/2026-10-26T00:00:00+01:00",
     "yesterday from midnight to midnight"),
    ("last night", at(2026, 3, 29, 9, 0), "2026-03-28T22:00:00+01:00/2026-03-29T06:00:00+02:00",
     "last night from ten in the evening to six this morning"),
    ("last night", at(2026, 10, 25, 9, 0), "2026-10-24T22:00:00+02:00/2026-10-25T06:00:00+01:00",
     "last night from ten in the evening to six this morning"),
    ("the night shift", SPRING, "2026-03-28T22:00:00+01:00/2026-03-29T05:00:00+02:00",
     "over the last six hours"),  # seven on the wall clock
    ("past 2 days", at(2026, 3, 30, 9, 0), "2026-03-28T08:00:00+01:00/2026-03-30T09:00:00+02:00",
     "over the last two days"),
    ("last week", at(2026, 4, 1, 9, 0), "2026-03-23T00:00:00+01:00/2026-03-30T00:00:00+02:00",
     "last week, from Monday the twenty-third of March to Sunday the twenty-ninth of March"),
    ("at 23:30", AFTER_MIDNIGHT, "2026-12-02T23:30:00+01:00/2026-12-03T00:10:00+01:00", "over the last forty minutes"),
    ("at two o'clock", SPRING, "2026-03-29T03:00:00+02:00/2026-03-29T04:00:00+02:00",
     "today from three to four in the morning"),  # 02:00 was not on the clock that night
    ("at 1:30", at(2026, 3, 29, 9, 0), "2026-03-29T01:30:00+01:00/2026-03-29T03:30:00+02:00",
     "today from half past one to half past three in the morning"),  # one real hour
    ("between 1 and 4", SPRING, "2026-03-29T01:00:00+01:00/2026-03-29T04:00:00+02:00",
     "today from one to four in the morning"),  # two real hours
    ("from 22 to 6", at(2026, 10, 25, 9, 0), "2026-10-24T22:00:00+02:00/2026-10-25T06:00:00+01:00",
     "last night from ten in the evening to six this morning"),  # nine real hours
    ("tonight", SPRING, "2026-03-28T18:00:00+01:00/2026-03-29T05:00:00+02:00", "over the last ten hours"),
    ("tonight", AUTUMN, "2026-10-24T18:00:00+02:00/2026-10-25T05:00:00+01:00", "over the last twelve hours"),
    ("since six this morning", AUTUMN, "2026-10-24T06:00:00+02:00/2026-10-25T05:00:00+01:00",
     "over the last twenty-four hours"),  # before six: yesterday's six, 24 real hours back
    ("on Sunday", at(2026, 3, 30, 9, 0), "2026-03-29T00:00:00+01:00/2026-03-30T00:00:00+02:00",
     "yesterday from midnight to midnight"),  # 23 hours
    ("on Sunday", at(2026, 10, 26, 9, 0), "2026-10-25T00:00:00+02:00/2026-10-26T00:00:00+01:00",
     "yesterday from midnight to midnight"),  # 25 hours
]


@pytest.mark.parametrize("text, now, value, words", PHRASES, ids=[f"{p[0]}@{p[1]:%m-%d %H:%M}" for p in PHRASES])
def test_every_phrase_is_said_as_people_say_it(text, now, value, words):
    assert spoken(text, now) == (value, words)


def test_without_shifts_a_shift_start_is_a_clock_time():
    (found,) = find_time_ranges(tokenize("this shift"), THU)
    assert say_range(found.start, found.end, THU, BERLIN) == "since six o'clock this morning"


# ranges the parser does not make, as answers may still need them: (start, end, now, words)
RANGES = [
    (at(2026, 11, 30), at(2026, 12, 1), THU, "on Monday the thirtieth of November"),
    (at(2026, 11, 30), at(2026, 12, 2), THU,
     "over the two days from Monday the thirtieth of November to Tuesday the first of December"),
    (at(2026, 12, 3, 14), at(2026, 12, 3, 16), at(2026, 12, 3, 17, 0), "today from two to four in the afternoon"),
    (at(2026, 12, 3, 13), at(2026, 12, 3, 17, 42), at(2026, 12, 3, 17, 42), "since one o'clock this afternoon"),
    (at(2026, 12, 3, 14), at(2026, 12, 3, 17, 42), at(2026, 12, 3, 17, 42),
     "since the start of the shift at two this afternoon"),
    (at(2026, 12, 2, 20), at(2026, 12, 3), THU, "yesterday from eight in the evening to midnight"),
    (at(2026, 12, 2, 6), at(2026, 12, 3, 6), THU,
     "from yesterday at six in the morning to six this morning"),
    (at(2025, 12, 30, 22), at(2025, 12, 31, 6), THU,
     "the night to Wednesday the thirty-first of December twenty twenty-five from ten in the evening "
     "to six in the morning"),
    (at(2026, 12, 3, 1, 30, 20), at(2026, 12, 3, 9, 30, 20), at(2026, 12, 3, 9, 30, 45), "over the last eight hours"),
]


@pytest.mark.parametrize("start, end, now, words", RANGES)
def test_ranges(start, end, now, words):
    assert say_range(start, end, now, BERLIN, SHIFTS) == words


def test_a_range_that_ends_before_it_starts_is_a_bug():
    with pytest.raises(ValueError, match="ends before it starts"):
        say_range(THU, NIGHT, THU, BERLIN)


# instants: (time, now, say_instant, say_since)
INSTANTS = [
    (at(2026, 12, 3, 3, 20), THU, "at twenty past three this morning", "since twenty past three this morning"),
    (at(2026, 12, 3, 1, 0), THU, "at one this morning", "since one o'clock this morning"),
    (at(2026, 12, 3, 0, 0), THU, "at midnight", "since midnight"),
    (at(2026, 12, 3, 0, 7), THU, "at seven minutes past midnight", "since seven minutes past midnight"),
    (at(2026, 12, 3, 0, 1), THU, "at one minute past midnight", "since one minute past midnight"),
    (at(2026, 12, 3, 0, 45), THU, "at quarter to one this morning", "since quarter to one this morning"),
    (at(2026, 12, 3, 9, 5), THU, "at five past nine this morning", "since five past nine this morning"),
    (at(2026, 12, 3, 9, 7), THU, "at nine oh seven this morning", "since nine oh seven this morning"),
    (at(2026, 12, 3, 11, 45), THU, "at quarter to noon", "since quarter to noon"),
    (at(2026, 12, 3, 12, 0), THU, "at noon", "since noon"),
    (at(2026, 12, 3, 12, 10), THU, "at ten past twelve this afternoon", "since ten past twelve this afternoon"),
    (at(2026, 12, 3, 14, 0), THU, "at two this afternoon", "since two o'clock this afternoon"),
    (at(2026, 12, 3, 17, 35), THU, "at twenty-five to six this evening", "since twenty-five to six this evening"),
    (at(2026, 12, 3, 18, 30), THU, "at half past six this evening", "since half past six this evening"),
    (at(2026, 12, 2, 23, 0), THU, "yesterday at eleven in the evening", "since yesterday at eleven in the evening"),
    (at(2026, 12, 2, 23, 55), THU, "yesterday at five to midnight", "since yesterday at five to midnight"),
    (at(2026, 11, 30, 6, 0), THU, "on Monday the thirtieth of November at six in the morning",
     "since Monday the thirtieth of November at six in the morning"),
    (at(2026, 12, 4, 6, 0), THU, "tomorrow at six in the morning", "since tomorrow at six in the morning"),
    (at(2025, 12, 30, 14, 23), THU,
     "on Tuesday the thirtieth of December twenty twenty-five at two twenty-three in the afternoon",
     "since Tuesday the thirtieth of December twenty twenty-five at two twenty-three in the afternoon"),
    (dt.datetime(2026, 12, 3, 2, 20, tzinfo=dt.timezone.utc), THU, "at twenty past three this morning",
     "since twenty past three this morning"),  # said on the plant's clock
    (dt.datetime(2026, 12, 3, 3, 20), THU, "at twenty past three this morning",
     "since twenty past three this morning"),  # naive: already the plant's clock
    (at(2026, 10, 25, 2, 30, fold=1), at(2026, 10, 25, 9, 0), "at half past two this morning",
     "since half past two this morning"),
]


@pytest.mark.parametrize("when, now, instant, since", INSTANTS)
def test_instants(when, now, instant, since):
    assert (say_instant(when, now, BERLIN), say_since(when, now, BERLIN)) == (instant, since)
    assert say_time(when, now, BERLIN, oclock=True) == since.removeprefix("since ")


def test_clock_words_and_days():
    assert say_clock_words(dt.time(22, 15)) == "quarter past ten in the evening"
    assert say_clock_words(dt.time(6, 0), today=True, oclock=True) == "six o'clock this morning"
    assert say_day(dt.date(2026, 12, 3), dt.date(2026, 12, 3)) == "today"
    assert say_day(dt.date(2026, 12, 2), dt.date(2026, 12, 3)) == "yesterday"
    assert say_day(dt.date(2026, 11, 30), dt.date(2026, 12, 3)) == "on Monday the thirtieth of November"


def test_every_phrase_is_said_at_any_time_of_the_clock_change_days():
    phrases = sorted({p[0] for p in PHRASES})
    for day in (dt.date(2026, 3, 29), dt.date(2026, 10, 25), dt.date(2026, 12, 3)):
        for minutes in range(0, 24 * 60, 17):
            now = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=BERLIN)
            for text in phrases:
                value, words = spoken(text, now)
                assert words and "  " not in words, (text, now, value)
