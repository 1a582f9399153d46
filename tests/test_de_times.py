"""German times: every phrase, parsed at a given now and said back, across midnight and both clock changes
of Europe/Berlin; the same range as its English phrase; no text raises."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.lang.de.numbers import tokenize
from assistant.lang.de.spoken_time import say_clock_words, say_day, say_instant, say_range, say_since
from assistant.lang.de.times import OUT_OF_RANGE, find_time_ranges, time_ranges
from assistant.nlu.normalize import tokenize as english_tokens
from assistant.nlu.timerange import find_time_ranges as english_ranges
from assistant.notes.shifts import ShiftSchedule

BERLIN = ZoneInfo("Europe/Berlin")
STARTS = (dt.time(6), dt.time(14), dt.time(22))


def at(*args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN, fold=fold)


THU = at(2026, 12, 3, 9, 30)  # a Thursday, early shift; Monday was the thirtieth of November
NIGHT = at(2026, 12, 3, 3, 17)  # the same Thursday, in the small hours
AFTER_MIDNIGHT = at(2026, 12, 3, 0, 10)
EVENING = at(2026, 12, 3, 20, 15)
SPRING = at(2026, 3, 29, 5, 0)  # 02:00 CET became 03:00 CEST that night
AUTUMN = at(2026, 10, 25, 5, 0)  # 03:00 CEST became 02:00 CET that night


def spoken(text: str, now: dt.datetime) -> tuple[str, str]:
    (found,) = time_ranges(text, now)
    return found.value, say_range(found.start, found.end, now, BERLIN, STARTS)


def span(a: str, b: str) -> str:
    return f"{a}/{b}"


PHRASES = [
    ("heute", THU, span("2026-12-03T00:00:00+01:00", "2026-12-03T09:30:00+01:00"), "heute seit Mitternacht"),
    ("gestern", THU, span("2026-12-02T00:00:00+01:00", "2026-12-03T00:00:00+01:00"),
     "gestern von Mitternacht bis Mitternacht"),
    ("vorgestern", THU, span("2026-12-01T00:00:00+01:00", "2026-12-02T00:00:00+01:00"), "vorgestern"),
    ("gestern Nacht", THU, span("2026-12-02T22:00:00+01:00", "2026-12-03T06:00:00+01:00"),
     "letzte Nacht von zehn Uhr abends bis sechs Uhr morgens"),
    ("letzte Nacht", THU, span("2026-12-02T22:00:00+01:00", "2026-12-03T06:00:00+01:00"),
     "letzte Nacht von zehn Uhr abends bis sechs Uhr morgens"),
    ("heute Morgen", THU, span("2026-12-03T06:00:00+01:00", "2026-12-03T09:30:00+01:00"),
     "seit Schichtbeginn um sechs Uhr heute Morgen"),
    ("heute früh", NIGHT, span("2026-12-03T00:00:00+01:00", "2026-12-03T03:17:00+01:00"), "heute seit Mitternacht"),
    ("heute Nachmittag", EVENING, span("2026-12-03T12:00:00+01:00", "2026-12-03T18:00:00+01:00"),
     "heute von Mittag bis sechs Uhr abends"),
    ("heute Nachmittag", THU, span("2026-12-02T12:00:00+01:00", "2026-12-02T18:00:00+01:00"),
     "gestern von Mittag bis sechs Uhr abends"),  # not begun yet: yesterday's
    ("heute Abend", EVENING, span("2026-12-03T18:00:00+01:00", "2026-12-03T20:15:00+01:00"),
     "seit sechs Uhr heute Abend"),
    ("seit Schichtbeginn", THU, span("2026-12-03T06:00:00+01:00", "2026-12-03T09:30:00+01:00"),
     "seit Schichtbeginn um sechs Uhr heute Morgen"),
    ("seit Beginn der Schicht", EVENING, span("2026-12-03T14:00:00+01:00", "2026-12-03T20:15:00+01:00"),
     "seit Schichtbeginn um zwei Uhr heute Nachmittag"),
    ("seit Schichtbeginn", AFTER_MIDNIGHT, span("2026-12-02T22:00:00+01:00", "2026-12-03T00:10:00+01:00"),
     "seit Schichtbeginn gestern um zehn Uhr abends"),
    ("in der Frühschicht", EVENING, span("2026-12-03T06:00:00+01:00", "2026-12-03T14:00:00+01:00"),
     "heute von sechs Uhr morgens bis zwei Uhr nachmittags"),
    ("in der Spätschicht", THU, span("2026-12-02T14:00:00+01:00", "2026-12-02T22:00:00+01:00"),
     "gestern von zwei Uhr nachmittags bis zehn Uhr abends"),
    ("in der Nachtschicht", THU, span("2026-12-02T22:00:00+01:00", "2026-12-03T06:00:00+01:00"),
     "letzte Nacht von zehn Uhr abends bis sechs Uhr morgens"),
    ("die letzten acht Stunden", THU, span("2026-12-03T01:30:00+01:00", "2026-12-03T09:30:00+01:00"),
     "in den letzten acht Stunden"),
    ("in der letzten Stunde", THU, span("2026-12-03T08:30:00+01:00", "2026-12-03T09:30:00+01:00"),
     "in der letzten Stunde"),
    ("in den letzten zwei Tagen", THU, span("2026-12-01T09:30:00+01:00", "2026-12-03T09:30:00+01:00"),
     "in den letzten zwei Tagen"),
    ("seit sechs Uhr", EVENING, span("2026-12-03T18:00:00+01:00", "2026-12-03T20:15:00+01:00"),
     "seit sechs Uhr heute Abend"),
    ("seit sechs Uhr", AFTER_MIDNIGHT, span("2026-12-02T18:00:00+01:00", "2026-12-03T00:10:00+01:00"),
     "seit gestern um sechs Uhr abends"),
    ("um vierzehn Uhr", THU, span("2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00"),
     "gestern von zwei bis drei Uhr nachmittags"),
    ("um 14:00", EVENING, span("2026-12-03T14:00:00+01:00", "2026-12-03T15:00:00+01:00"),
     "heute von zwei bis drei Uhr nachmittags"),
    ("um vierzehn Uhr dreißig", EVENING, span("2026-12-03T14:30:00+01:00", "2026-12-03T15:30:00+01:00"),
     "heute von halb drei bis halb vier nachmittags"),
    ("um halb sieben", THU, span("2026-12-03T06:30:00+01:00", "2026-12-03T07:30:00+01:00"),
     "heute von halb sieben bis halb acht morgens"),
    ("um zwanzig nach drei", NIGHT, span("2026-12-03T03:20:00+01:00", "2026-12-03T03:17:00+01:00"), None),
    ("um viertel vor sechs abends", EVENING, span("2026-12-03T17:45:00+01:00", "2026-12-03T18:45:00+01:00"),
     "heute von viertel vor sechs nachmittags bis viertel vor sieben abends"),
    ("um fünf vor halb drei", EVENING, span("2026-12-03T14:25:00+01:00", "2026-12-03T15:25:00+01:00"),
     "heute von fünf vor halb drei bis fünf vor halb vier nachmittags"),
    ("von sechs bis zehn Uhr", EVENING, span("2026-12-03T18:00:00+01:00", "2026-12-03T20:15:00+01:00"),
     "seit sechs Uhr heute Abend"),  # the span that began most recently
    ("von sechs bis zehn Uhr morgens", EVENING, span("2026-12-03T06:00:00+01:00", "2026-12-03T10:00:00+01:00"),
     "heute von sechs bis zehn Uhr morgens"),
    ("zwischen sechs und zehn Uhr abends", THU, span("2026-12-02T18:00:00+01:00", "2026-12-02T22:00:00+01:00"),
     "gestern von sechs bis zehn Uhr abends"),
    ("am Montag", THU, span("2026-11-30T00:00:00+01:00", "2026-12-01T00:00:00+01:00"),
     "am Montag, dem dreißigsten November"),
    ("letzten Montag", THU, span("2026-11-30T00:00:00+01:00", "2026-12-01T00:00:00+01:00"),
     "am Montag, dem dreißigsten November"),
    ("Montagabend", THU, span("2026-11-30T18:00:00+01:00", "2026-12-01T00:00:00+01:00"),
     "am Montag, dem dreißigsten November, von sechs Uhr abends bis Mitternacht"),
    ("am 30.", THU, span("2026-11-30T00:00:00+01:00", "2026-12-01T00:00:00+01:00"),
     "am Montag, dem dreißigsten November"),
    ("am dreißigsten", THU, span("2026-11-30T00:00:00+01:00", "2026-12-01T00:00:00+01:00"),
     "am Montag, dem dreißigsten November"),
    ("am 30. November", SPRING, span("2025-11-30T00:00:00+01:00", "2025-12-01T00:00:00+01:00"),
     "am Sonntag, dem dreißigsten November zweitausendfünfundzwanzig"),
    ("seit dem 30.", THU, span("2026-11-30T00:00:00+01:00", "2026-12-03T09:30:00+01:00"),
     "seit Montag, dem dreißigsten November"),
    ("seit gestern", THU, span("2026-12-02T00:00:00+01:00", "2026-12-03T09:30:00+01:00"), "seit gestern null Uhr"),
    ("letzte Woche", THU, span("2026-11-23T00:00:00+01:00", "2026-11-30T00:00:00+01:00"),
     "letzte Woche, von Montag, dem dreiundzwanzigsten November bis Sonntag, dem neunundzwanzigsten November"),
    ("diese Woche", THU, span("2026-11-30T00:00:00+01:00", "2026-12-03T09:30:00+01:00"),
     "seit Montag, dem dreißigsten November"),
    ("über Nacht", THU, span("2026-12-02T22:00:00+01:00", "2026-12-03T06:00:00+01:00"),
     "letzte Nacht von zehn Uhr abends bis sechs Uhr morgens"),
    # across midnight
    ("heute", AFTER_MIDNIGHT, span("2026-12-03T00:00:00+01:00", "2026-12-03T00:10:00+01:00"), "heute seit Mitternacht"),
    ("die letzten acht Stunden", AFTER_MIDNIGHT, span("2026-12-02T16:10:00+01:00", "2026-12-03T00:10:00+01:00"),
     "in den letzten acht Stunden"),
    ("in der Nachtschicht", AFTER_MIDNIGHT, span("2026-12-02T22:00:00+01:00", "2026-12-03T00:10:00+01:00"),
     "seit Schichtbeginn gestern um zehn Uhr abends"),
    ("von 22 bis 2 Uhr", NIGHT,
     span("2026-12-02T22:00:00+01:00", "2026-12-03T02:00:00+01:00"),
     "letzte Nacht von zehn Uhr abends bis zwei Uhr nachts"),
    # the night the clocks go forward: 02:00 CET became 03:00 CEST
    ("die letzten acht Stunden", SPRING, span("2026-03-28T20:00:00+01:00", "2026-03-29T05:00:00+02:00"),
     "in den letzten acht Stunden"),
    ("heute", SPRING, span("2026-03-29T00:00:00+01:00", "2026-03-29T05:00:00+02:00"), "heute seit Mitternacht"),
    ("in der Nachtschicht", SPRING, span("2026-03-28T22:00:00+01:00", "2026-03-29T05:00:00+02:00"),
     "in den letzten sechs Stunden"),
    ("seit zwei Uhr nachts", SPRING, span("2026-03-29T03:00:00+02:00", "2026-03-29T05:00:00+02:00"),
     "in den letzten zwei Stunden"),
    ("gestern", SPRING, span("2026-03-28T00:00:00+01:00", "2026-03-29T00:00:00+01:00"),
     "gestern von Mitternacht bis Mitternacht"),
    # the night the clocks go back: 03:00 CEST became 02:00 CET
    ("die letzten acht Stunden", AUTUMN, span("2026-10-24T22:00:00+02:00", "2026-10-25T05:00:00+01:00"),
     "in den letzten acht Stunden"),
    ("in der Nachtschicht", AUTUMN, span("2026-10-24T22:00:00+02:00", "2026-10-25T05:00:00+01:00"),
     "in den letzten acht Stunden"),
    ("heute", AUTUMN, span("2026-10-25T00:00:00+02:00", "2026-10-25T05:00:00+01:00"), "heute seit Mitternacht"),
    ("in der letzten Stunde", AUTUMN, span("2026-10-25T04:00:00+01:00", "2026-10-25T05:00:00+01:00"),
     "in der letzten Stunde"),
]


@pytest.mark.parametrize(("text", "now", "value", "words"), [p for p in PHRASES if p[3]],
                         ids=[f"{p[0]}@{p[1]:%m-%d %H:%M}" for p in PHRASES if p[3]])
def test_phrases(text: str, now: dt.datetime, value: str, words: str) -> None:
    assert spoken(text, now) == (value, words)


def test_a_time_still_ahead_is_yesterdays() -> None:
    (found,) = time_ranges("um zwanzig nach drei", NIGHT)  # 03:20 is ahead at 03:17: yesterday's 15:20
    assert found.value == span("2026-12-02T15:20:00+01:00", "2026-12-02T16:20:00+01:00")


# the German phrase and the English one name the same range, whatever the time
SAME = [
    ("heute", "today"), ("gestern", "yesterday"), ("vorgestern", "the day before yesterday"),
    ("gestern Nacht", "last night"), ("letzte Nacht", "last night"), ("heute Morgen", "this morning"),
    ("heute Nachmittag", "this afternoon"), ("heute Abend", "this evening"), ("heute Nacht", "tonight"),
    ("seit Schichtbeginn", "this shift"), ("seit Beginn der Schicht", "this shift"),
    ("in der Frühschicht", "early shift"), ("in der Spätschicht", "late shift"),
    ("in der Nachtschicht", "night shift"), ("letzte Schicht", "last shift"),
    ("die letzten acht Stunden", "the last 8 hours"), ("in der letzten Stunde", "in the last hour"),
    ("die letzten paar Minuten", "the last few minutes"), ("letzte Woche", "last week"),
    ("seit sechs Uhr", "since six o'clock"), ("um vierzehn Uhr", "at 14:00"), ("um 14:00", "at 14:00"),
    ("um halb sieben", "at half past six"), ("um viertel nach sechs abends", "at quarter past six in the evening"),
    ("von sechs bis zehn Uhr", "from six to ten o'clock"), ("am Montag", "on Monday"),
    ("letzten Montag", "last Monday"), ("am Montag Morgen", "on Monday morning"), ("am 30.", "on the 30th"),
    ("am dreißigsten", "on the thirtieth"), ("am 3. Dezember", "on the 3rd of December"),
    ("seit Mitternacht", "since midnight"), ("um Mitternacht", "at midnight"),
]
NOWS = [THU, NIGHT, AFTER_MIDNIGHT, EVENING, SPRING, AUTUMN, at(2026, 3, 29, 3, 0), at(2026, 10, 25, 2, 30, fold=1)]


@pytest.mark.parametrize(("german", "english"), SAME, ids=[s[0] for s in SAME])
def test_same_as_english(german: str, english: str) -> None:
    for now in NOWS:
        ours = [r.value for r in time_ranges(german, now)]
        theirs = [r.value for r in english_ranges(english_tokens(english), now)]
        assert ours == theirs and ours, (german, now)


def test_positions_are_of_the_german_words() -> None:
    tokens = tokenize("Wie war der Druck in der letzten Stunde an P eins null zwei?")
    (found,) = find_time_ranges(tokens, THU)
    assert [t.text for t in tokens[found.first:found.last]] == ["in", "der", "letzten", "stunde"]
    (found,) = time_ranges("Druck seit Beginn der Schicht bitte", THU)
    assert (found.first, found.last) == (1, 5)


def test_configured_shifts() -> None:
    schedule = ShiftSchedule.parse("early 05:00-13:00, late 13:00-21:00, night 21:00-05:00")
    (found,) = time_ranges("in der Spätschicht", THU, schedule.shifts)
    assert found.value == span("2026-12-02T13:00:00+01:00", "2026-12-02T21:00:00+01:00")
    (found,) = time_ranges("seit Schichtbeginn", THU, schedule.shifts)
    assert found.value == span("2026-12-03T05:00:00+01:00", "2026-12-03T09:30:00+01:00")


@pytest.mark.parametrize("text", ["die letzten 3000000 Wochen", "die letzten drei Millionen Wochen",
                                  "in den letzten 99999999999999999999 Stunden", "die letzten 4000 Tage"])
def test_too_far_back_is_refused(text: str) -> None:
    (found,) = time_ranges(text, THU)
    assert found.problem == OUT_OF_RANGE and found.value == OUT_OF_RANGE and found.start == found.end == THU


@pytest.mark.parametrize("text", ["morgen", "um sechs Prozent", "wie ist der Druck", "am Montag ist",
                                  "Pumpe P eins null zwei", "vor zwei Stunden", "", "am 31. Februar"])
def test_no_time(text: str) -> None:
    ranges = time_ranges(text, THU)
    assert ranges == [] or all(r.first < r.last for r in ranges)
    if text in ("morgen", "um sechs Prozent", "wie ist der Druck", "", "am 31. Februar"):
        assert ranges == []


def test_words() -> None:
    assert say_instant(at(2026, 12, 3, 3, 20), THU, BERLIN) == "um zwanzig nach drei heute Nacht"
    assert say_instant(at(2026, 12, 3, 7, 20), THU, BERLIN) == "um zwanzig nach sieben heute Morgen"
    assert say_instant(at(2026, 12, 3, 3, 17), THU, BERLIN) == "um drei Uhr siebzehn heute Nacht"
    assert say_instant(at(2026, 12, 2, 23, 0), THU, BERLIN) == "gestern um elf Uhr abends"
    assert say_instant(at(2026, 11, 30, 6, 0), THU, BERLIN) == \
        "am Montag, dem dreißigsten November, um sechs Uhr morgens"
    assert say_since(at(2026, 12, 3, 1, 0), THU, BERLIN) == "seit ein Uhr heute Nacht"
    assert say_since(at(2026, 12, 3, 0, 0), THU, BERLIN) == "seit Mitternacht"
    assert [say_clock_words(dt.time(h, m)) for h, m in ((10, 30), (11, 45), (12, 0), (12, 30), (13, 5), (23, 35))] \
        == ["halb elf morgens", "viertel vor zwölf morgens", "Mittag", "halb eins nachmittags",
            "fünf nach eins nachmittags", "fünf nach halb zwölf abends"]
    today = dt.date(2026, 12, 3)
    assert [say_day(today - dt.timedelta(days=d), today) for d in (0, 1, 2, 3, -1)] == \
        ["heute", "gestern", "vorgestern", "am Montag, dem dreißigsten November", "morgen"]
    with pytest.raises(ValueError):
        say_range(THU, THU - dt.timedelta(hours=1), THU, BERLIN)


WORDS = ["heute", "gestern", "vorgestern", "Nacht", "letzte", "letzten", "Morgen", "früh", "Abend", "seit",
         "Schichtbeginn", "Beginn", "der", "Schicht", "in", "die", "den", "Frühschicht", "Nachtschicht", "Stunde",
         "Stunden", "Wochen", "Tage", "um", "Uhr", "von", "bis", "zwischen", "und", "am", "Montag", "30.", "halb",
         "viertel", "nach", "vor", "zwanzig", "sechs", "acht", "vierzehn", "14:00", "3000000", "99999999999",
         "dreißigsten", "November", "Mitternacht", "Mittag", "abends", "nachts", "paar", "ein", "Komma", "minus",
         "eins", "null", "zwo", "Montagabend", "über", "24", "0", "60", "٣", "²"]
NOW_ANY = st.datetimes(min_value=dt.datetime(1, 1, 8), max_value=dt.datetime(9999, 12, 24),
                       timezones=st.just(BERLIN))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(WORDS), max_size=10).map(" ".join) | st.text(max_size=60), NOW_ANY)
def test_never_raises(text: str, now: dt.datetime) -> None:
    tokens = tokenize(text)
    for found in find_time_ranges(tokens, now):
        assert 0 <= found.first < found.last <= len(tokens)
        if found.problem:
            assert found.problem == OUT_OF_RANGE
            continue
        assert found.start.astimezone(dt.timezone.utc) <= found.end.astimezone(dt.timezone.utc)
        try:
            say_range(found.start, found.end, now, BERLIN, STARTS)
        except OverflowError:  # a range at the very edge of the calendar
            pass


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.integers(min_value=0, max_value=10**30), st.sampled_from(["Minuten", "Stunden", "Tage", "Wochen"]))
def test_counts(count: int, unit: str) -> None:
    found = time_ranges(f"die letzten {count} {unit}", THU)
    seconds = count * {"Minuten": 60, "Stunden": 3600, "Tage": 86400, "Wochen": 604800}[unit]
    if seconds > 3653 * 86400:
        assert [r.value for r in found] == [OUT_OF_RANGE]
    elif count:
        assert len(found) == 1 and found[0].end == THU
