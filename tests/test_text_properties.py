"""Properties of the text path for any text: understanding, time ranges and number words never raise
and give only the values they document.

The understander is the one the command line uses (default ``nlu`` config, the demo plant's lists),
built once for the module. Runs are derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assistant.config import NluConfig, PlantConfig
from assistant.events import OUT_OF_RANGE, OUT_OF_SCOPE, Intent
from assistant.nlu import create_understander, load_intents
from assistant.nlu.normalize import normalize, tokenize
from assistant.nlu.timerange import LONGEST, TimeRange, find_time_ranges
from assistant.numbers import integer_words
from assistant.plant import load_model

FEW = settings(max_examples=100, deadline=None, derandomize=True)
MANY = settings(max_examples=1000, deadline=None, derandomize=True)

ZONES: list[tzinfo | None] = [None, timezone.utc, ZoneInfo("Europe/Berlin"), ZoneInfo("America/St_Johns"),
                              ZoneInfo("Australia/Lord_Howe")]
# words the time phrases and the plant's requests are made of, and numbers of every kind
WORDS = ("last past the in since at from to between and until this today yesterday tonight overnight day before "
         "monday sunday morning afternoon evening night shift early late current previous week weeks days hours "
         "hour minutes minute o'clock half quarter am pm p.m. hundred hours of on november february 1st 2nd 30th "
         "31st second twenty two six ten twelve thousand oh point percent bar what is the temperature trend "
         "feed pump P-102 gas turbine one show alarms").split()
NUMBERS = st.one_of(st.integers(-10, 10**13).map(str), st.floats(allow_nan=True).map(str),
                    st.sampled_from(["²", "①", "١٢", "٣", "½", "3000000", "1e308", "nan", "inf", "0.0001", "9" * 40]),
                    st.integers(0, 10**6).map(integer_words))
PHRASES = st.lists(st.one_of(st.sampled_from(WORDS), NUMBERS, st.text(max_size=4)), max_size=14).map(" ".join)
TEXTS = st.one_of(st.text(), PHRASES)
NOWS = st.builds(lambda t, zone: t.replace(tzinfo=zone), st.datetimes(), st.sampled_from(ZONES))


@pytest.fixture(scope="module")
def nlu():
    plant = PlantConfig()
    model = load_model(plant.asset_model)
    now = datetime(2026, 3, 29, 3, 30, tzinfo=model.site.tz)  # the night the clocks go forward
    return create_understander(NluConfig(), model.lookups(), NluConfig().intents_dir, now=lambda: now)


@pytest.fixture(scope="module")
def intent_names() -> set[str]:
    return {e.intent for e in load_intents(NluConfig().intents_dir).examples} | {OUT_OF_SCOPE}


def _check_range(value: str) -> None:
    if value != OUT_OF_RANGE:
        start, end = (datetime.fromisoformat(part) for part in value.split("/"))
        assert start <= end


@FEW
@given(text=TEXTS)
@example(text="show the trend of P-102 for the last 3000000 weeks")
@example(text="since ① o'clock at ² pm between ١٢ and ٣")
@example(text="\x00\r\x1b[A\u2028\ufeff")
@example(text="what is the bearing temperature of feed pump two " * 60)
def test_understanding_any_text(nlu, intent_names: set[str], text: str) -> None:
    result = nlu.parse(text)
    assert isinstance(result, Intent) and result.text == text
    assert result.name in intent_names and 0.0 <= result.confidence <= 1.0
    for e in result.entities:
        assert 0 <= e.start < e.end <= len(text) and text[e.start:e.end] == e.text
        if e.entity == "time_range":
            _check_range(e.value)


def _check_ranges(found: list[TimeRange], count: int, now: datetime) -> None:
    at = 0
    for r in found:
        assert at <= r.first < r.last <= count  # left to right, not overlapping
        at = r.last
        if r.problem is not None:
            assert r.problem == OUT_OF_RANGE == r.value and r.start == r.end == now
            continue
        _check_range(r.value)
        start, end = r.start, r.end
        assert start <= end <= now and (start.tzinfo is None) == (now.tzinfo is None)
        assert now - start <= LONGEST + timedelta(days=2)  # no count reaches back further than ten years


@MANY
@given(text=TEXTS, now=NOWS)
@example(text="the last 3000000 weeks", now=datetime(2026, 3, 29, 5, 0, tzinfo=ZoneInfo("Europe/Berlin")))
@example(text="the last 99999999999999999999 hours", now=datetime(2026, 1, 1))
@example(text="since yesterday at half past six", now=datetime(1, 1, 1, 0, 0, tzinfo=timezone.utc))
@example(text="from 6 to 10 the day before yesterday", now=datetime(9999, 12, 31, 23, 59, tzinfo=ZONES[2]))
@example(text="on the 31st of february at ² o'clock", now=datetime(2026, 3, 1))
def test_time_ranges_any_text(text: str, now: datetime) -> None:
    tokens = tokenize(text)
    _check_ranges(find_time_ranges(tokens, now), len(tokens), now)


@MANY
@given(count=st.one_of(st.integers(0, 10**30).map(str), st.floats(min_value=0).map(lambda f: f"{f:f}"),
                       st.sampled_from(["²", "①", "١٢", "½", "٣٠٠٠٠٠٠"])),
       unit=st.sampled_from(["minutes", "hours", "days", "weeks", "shifts", "years"]), now=NOWS)
@example(count="3000000", unit="weeks", now=datetime(2026, 3, 29, 5, 0))
def test_time_range_counts(count: str, unit: str, now: datetime) -> None:
    tokens = tokenize(f"the last {count} {unit}")
    found = find_time_ranges(tokens, now)
    _check_ranges(found, len(tokens), now)
    value = float(count) if count.replace(".", "", 1).isdecimal() else math.nan
    days = value * {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "weeks": 7}.get(unit, math.nan)
    if days > LONGEST.days + 1 and unit != "shifts":
        assert [r.value for r in found] == [OUT_OF_RANGE]  # refused as a value, never raised


@MANY
@given(n=st.integers(0, 10**15), hyphen=st.booleans())
@example(n=0, hyphen=True)
@example(n=10**12 + 7, hyphen=False)
def test_integer_words(n: int, hyphen: bool) -> None:
    words = integer_words(n, hyphen)
    known = {*"zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
             "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
             "million billion".split()}
    assert words and set(words.replace("-", " ").split()) <= known
    assert ("-" in words) <= hyphen
    if n < 10**6:  # the numbers understanding reads back (it knows hundred and thousand)
        assert normalize(words) == str(n)


@FEW
@given(n=st.integers(max_value=-1))
def test_integer_words_refuses_negatives(n: int) -> None:
    with pytest.raises(ValueError, match="not negative"):
        integer_words(n)
