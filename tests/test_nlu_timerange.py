"""Time phrases: counts in real time across clock changes, refusals as values, and no input that raises."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from assistant.nlu.normalize import Token, tokenize
from assistant.nlu.timerange import LONGEST, OUT_OF_RANGE, find_time_ranges
from assistant.notes.shifts import ShiftSchedule

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 11, 9, 30, tzinfo=BERLIN)


def values(text: str, now: datetime = NOW) -> list[str]:
    return [r.value for r in find_time_ranges(tokenize(text), now)]


# -- refused and not understood ---------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("the last 3000000 weeks", [OUT_OF_RANGE]),
    ("last 99999999999999999999 days", [OUT_OF_RANGE]),
    ("past " + "9" * 400 + " hours", [OUT_OF_RANGE]),  # float('9' * 400) is inf
    ("the last 10000 weeks", [OUT_OF_RANGE]),
    ("the last 521 weeks", ["2016-03-16T09:30:00+01:00/2026-03-11T09:30:00+01:00"]),  # within ten years
    ("last ² hours", []),  # a superscript is no digit
    ("since ① pm", []),
    ("since ²", []),
    ("last nan hours", []),
    ("last ١٢ hours", ["2026-03-10T21:30:00+01:00/2026-03-11T09:30:00+01:00"]),  # Arabic-Indic 12
    ("since ٦ am", ["2026-03-11T06:00:00+01:00/2026-03-11T09:30:00+01:00"]),
])
def test_counts_refused_or_read(text, expected):
    assert values(text) == expected


def test_a_refused_range_says_why_and_where():
    tokens = tokenize("trend of the vibration over the last 3000000 weeks please")
    (found,) = find_time_ranges(tokens, NOW)
    assert (found.problem, found.value, found.start, found.end) == (OUT_OF_RANGE, OUT_OF_RANGE, NOW, NOW)
    assert [t.text for t in tokens[found.first:found.last]] == ["the", "last", "3000000", "weeks"]
    assert LONGEST == timedelta(days=3653)


@pytest.mark.parametrize("now", [datetime(1, 1, 1, 0, 30), datetime(1, 1, 1, 5, 0, tzinfo=BERLIN),
                                 datetime(9999, 12, 31, 23, 0, tzinfo=timezone.utc)])
@pytest.mark.parametrize("text", ["yesterday", "last week", "the last 9 weeks", "last shift", "last night",
                                  "today", "since 6", "this week"])
def test_ranges_outside_the_calendar_are_no_range(text, now):
    found = values(text, now)
    assert len(found) <= 1  # a range where the calendar allows one, else none; never an exception


# -- real time across clock changes (Europe/Berlin) ------------------------------

@pytest.mark.parametrize("text, now, expected, hours", [
    ("the last eight hours", datetime(2026, 3, 29, 5, 0, tzinfo=BERLIN),
     "2026-03-28T20:00:00+01:00/2026-03-29T05:00:00+02:00", 8),
    ("the last eight hours", datetime(2026, 10, 25, 5, 0, tzinfo=BERLIN),
     "2026-10-24T22:00:00+02:00/2026-10-25T05:00:00+01:00", 8),
    ("yesterday", datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN),
     "2026-03-29T00:00:00+01:00/2026-03-30T00:00:00+02:00", 23),
    ("yesterday", datetime(2026, 10, 26, 9, 0, tzinfo=BERLIN),
     "2026-10-25T00:00:00+02:00/2026-10-26T00:00:00+01:00", 25),
    ("last night", datetime(2026, 3, 29, 9, 0, tzinfo=BERLIN),
     "2026-03-28T22:00:00+01:00/2026-03-29T06:00:00+02:00", 7),
    ("last night", datetime(2026, 10, 25, 9, 0, tzinfo=BERLIN),
     "2026-10-24T22:00:00+02:00/2026-10-25T06:00:00+01:00", 9),
    ("since 2", datetime(2026, 3, 29, 5, 0, tzinfo=BERLIN),  # 02:00 does not exist that night: 03:00
     "2026-03-29T03:00:00+02:00/2026-03-29T05:00:00+02:00", 2),
])
def test_clock_changes(text, now, expected, hours):
    (value,) = values(text, now)
    assert value == expected
    start, end = (datetime.fromisoformat(t) for t in value.split("/"))
    assert end - start == timedelta(hours=hours)  # aware times of different offsets: real hours


# -- the site's shift pattern -----------------------------------------------------

TWO_SHIFTS = ShiftSchedule.parse("day 07:00-19:00, night 19:00-07:00").shifts


@pytest.mark.parametrize("text, now, expected", [
    ("the night shift", datetime(2026, 3, 11, 9, 30, tzinfo=BERLIN),
     "2026-03-10T19:00:00+01:00/2026-03-11T07:00:00+01:00"),
    ("last night", datetime(2026, 3, 11, 9, 30, tzinfo=BERLIN), "2026-03-10T19:00:00+01:00/2026-03-11T07:00:00+01:00"),
    ("since the start of the shift", datetime(2026, 3, 11, 9, 30, tzinfo=BERLIN),
     "2026-03-11T07:00:00+01:00/2026-03-11T09:30:00+01:00"),
    ("since the start of the shift", datetime(2026, 3, 11, 6, 30, tzinfo=BERLIN),
     "2026-03-10T19:00:00+01:00/2026-03-11T06:30:00+01:00"),
    ("the last shift", datetime(2026, 3, 11, 9, 30, tzinfo=BERLIN),
     "2026-03-10T19:00:00+01:00/2026-03-11T07:00:00+01:00"),
    ("the day shift", datetime(2026, 3, 11, 20, 0, tzinfo=BERLIN),
     "2026-03-11T07:00:00+01:00/2026-03-11T19:00:00+01:00"),
    ("the early shift", datetime(2026, 3, 11, 20, 0, tzinfo=BERLIN),  # starts in the morning: the day shift
     "2026-03-11T07:00:00+01:00/2026-03-11T19:00:00+01:00"),
    ("the night shift", datetime(2026, 3, 29, 9, 0, tzinfo=BERLIN),  # eleven real hours that night
     "2026-03-28T19:00:00+01:00/2026-03-29T07:00:00+02:00"),
    ("the night shift", datetime(2026, 10, 25, 9, 0, tzinfo=BERLIN),  # thirteen
     "2026-10-24T19:00:00+02:00/2026-10-25T07:00:00+01:00"),
])
def test_shifts_follow_the_site_pattern(text, now, expected):
    assert [r.value for r in find_time_ranges(tokenize(text), now, TWO_SHIFTS)] == [expected]


@pytest.mark.parametrize("text", ["on the first feeder", "from 6 to 10 percent", "at 2", "set the valve at 20",
                                  "between pump 2 and pump 3", "the second transformer"])
def test_numbers_that_are_no_time(text):
    assert values(text) == []


# -- no input raises ---------------------------------------------------------------

_WORDS = (
    "the last past previous recent a an couple few of minute minutes min mins hour hours hr hrs day days "
    "week weeks since midnight yesterday today todays this current shift early late night morning afternoon "
    "evening overnight am pm o clock 00 and in for pump trend at from to between half quarter past noon "
    "tonight on monday sunday th st the november of thirtieth first oclock hundred yesterday".split()
)
_NUMBERS = ["0", "1", "6", "8", "12", "14", "23", "24", "25", "99", "1.5", ".5", "5.", "1..2", "3000000",
            "9" * 25, "9" * 400, "-3", "1e400", "nan", "inf", "²", "①", "½", "Ⅻ", "١٢", "٣", "𝟠", "६",
            "0x1f"]
_NOISE = ["", " ", "-", ":", "'", "\u200b", "ß", "İ", "🔥", "\x00", "P-102", "14:00", "o'clock", "31st", "1400"]
_NOWS = [
    NOW, datetime(2026, 3, 11, 9, 30), datetime(2026, 3, 29, 2, 59, tzinfo=BERLIN),
    datetime(2026, 3, 29, 5, 0, tzinfo=BERLIN), datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN),
    datetime(2026, 12, 3, 0, 10, tzinfo=BERLIN), datetime(2026, 3, 11, 9, 30, tzinfo=timezone(timedelta(hours=-5))),
    datetime(1, 1, 1, 3, 0), datetime(9999, 12, 31, 22, 0, tzinfo=BERLIN), datetime(2026, 3, 31, 1, 0, tzinfo=BERLIN),
    datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN),
]


def _line(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) if rng.random() < 0.7 else rng.choice(_NUMBERS) for _ in range(rng.randint(1, 8))]
    if rng.random() < 0.3:  # mutate: a character dropped, doubled or swapped for noise
        k = rng.randrange(len(words))
        word = words[k]
        if word:
            c = rng.randrange(len(word))
            words[k] = rng.choice([word[:c] + word[c + 1:], word[:c] + word[c] * 2 + word[c + 1:],
                                   word[:c] + rng.choice(_NOISE) + word[c + 1:]])
    return " ".join(words)


def test_no_line_raises():
    rng = random.Random(20261203)
    lines = [_line(rng) for _ in range(6000)]
    ranges = 0
    for n, line in enumerate(lines):
        now = _NOWS[n % len(_NOWS)]
        shifts = TWO_SHIFTS if n % 3 == 0 else None
        for tokens in (tokenize(line), [Token(w, 0, 0) for w in line.split(" ")]):  # normalised and raw
            for found in find_time_ranges(tokens, now, shifts):
                ranges += 1
                if found.problem is None:
                    assert found.start <= found.end or found.start.utcoffset() != found.end.utcoffset(), line
                    assert found.value.count("/") == 1, line
                else:
                    assert found.value == OUT_OF_RANGE, line
    assert ranges > 500  # the lines do reach the parser's phrases
