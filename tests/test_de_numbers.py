"""German numbers: every form the layer reads, what it says, and that saying and reading meet again."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.lang.de.numbers import (
    integer_words,
    normalize,
    ordinal_words,
    parse_cardinal,
    parse_number,
    parse_ordinal,
    read_tag,
    say_number,
    say_quantity,
    say_tag,
    tokenize,
)

READ = [
    ("zweiundsiebzig Komma fünf", 72.5),
    ("hundertzwei", 102),
    ("einhundertzwei", 102),
    ("hundert zwei", 102),
    ("hundertundzwei", 102),
    ("eins", 1),
    ("ein", 1),
    ("eine", 1),
    ("zwo", 2),
    ("zwoelf", 12),
    ("dreizehnhundert", 1300),
    ("tausendzweihundertfünfzig", 1250),
    ("tausend zweihundert fünfzig", 1250),
    ("eintausendzweihundertfünfzig", 1250),
    ("minus drei Komma zwei", -3.2),
    ("drei Komma eins vier", 3.14),
    ("drei Komma vierzehn", 3.14),
    ("null Komma null fünf", 0.05),
    ("null", 0),
    ("dreißig", 30),
    ("dreissig", 30),
    ("fuenfundzwanzig", 25),
    ("eine Million", 1_000_000),
    ("drei Millionen zweihunderttausend", 3_200_000),
    ("zwei Milliarden", 2_000_000_000),
    ("hunderteintausend", 101_000),
    ("72,5", 72.5),
    ("1.250", 1250),
    ("1.250,5", 1250.5),
    ("eins null zwei", 102),
    ("eins null zwo", 102),
]


@pytest.mark.parametrize(("text", "value"), READ)
def test_reads(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "Pumpe", "zwei Pumpen", "tausend tausend", "hundertzwanzigzwei", "undzwanzig",
                                  "zweiundzehn", "millionen tausend eins null"])
def test_no_number(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(("word", "value"), [
    ("erste", 1), ("ersten", 1), ("zweite", 2), ("zwote", 2), ("dritten", 3), ("siebte", 7), ("achten", 8),
    ("sechzehnten", 16), ("zwanzigsten", 20), ("einundzwanzigsten", 21), ("dreißigsten", 30), ("hundertste", 100),
    ("30.", 30),
])
def test_ordinals(word: str, value: int) -> None:
    assert parse_ordinal(word) == value


@pytest.mark.parametrize("word", ["Nacht", "beste", "Ecke", "Pumpe", "zehn", "e", "30"])
def test_no_ordinal(word: str) -> None:
    assert parse_ordinal(word) is None


def test_ordinals_said_and_read() -> None:
    assert [ordinal_words(n) for n in (1, 3, 7, 8, 30)] == ["ersten", "dritten", "siebten", "achten", "dreißigsten"]
    assert all(parse_ordinal(ordinal_words(n)) == n for n in range(1, 1200))


@pytest.mark.parametrize("text", ["P eins null zwei", "P hundertzwei", "P eins null zwo", "P 102", "P-102", "p102"])
def test_tag_readings(text: str) -> None:
    assert read_tag(text) == "P-102"
    assert normalize(text) == "p 102"


def test_tags() -> None:
    assert read_tag("G T eins") == "GT-1"
    assert read_tag("Pumpe") is None and read_tag("zwei drei") is None
    assert say_tag("P-102") == "P eins null zwei"
    assert say_tag("GT1") == "G T eins" and say_tag("BESS2") == "BESS zwei"


def test_running_text() -> None:
    assert normalize("Pumpe P eins null zwo: zweiundsiebzig Komma fünf bar, minus 3,2") == "pumpe p 102 72.5 bar -3.2"
    assert normalize("Eine Pumpe läuft um 14:00") == "eine pumpe laeuft um 14 00"
    assert normalize("zwischen zwei und zwanzig Uhr") == "zwischen 2 und 20 uhr"
    spans = [(t.text, t.start, t.end) for t in tokenize("Druck zweiundsiebzig Komma fünf")]
    assert spans == [("druck", 0, 5), ("72.5", 6, 31)]


@pytest.mark.parametrize(("value", "words"), [
    (72.5, "zweiundsiebzig Komma fünf"), (102, "hundertzwei"), (1250, "tausendzweihundertfünfzig"),
    (1300, "tausenddreihundert"), (1, "eins"), (21, "einundzwanzig"), (101, "hunderteins"), (0, "null"),
    (1_000_000, "eine Million"), (2_300_001, "zwei Millionen dreihunderttausendeins"), (-3.2, "minus drei Komma zwei"),
    (0.05, "null Komma null fünf"), (-0.0, "null"),
])
def test_says(value: float, words: str) -> None:
    assert say_number(value) == words


@pytest.mark.parametrize(("value", "unit", "words"), [
    (88.43, "°C", "achtundachtzig Komma vier Grad Celsius"),
    (4.26, "bar", "vier Komma drei bar"),
    (3.24, "mm/s", "drei Komma zwei Millimeter pro Sekunde"),
    (1620.4, "kW", "tausendsechshundertzwanzig Kilowatt"),
    (41.26, "MW", "einundvierzig Komma drei Megawatt"),
    (87.2, "%", "siebenundachtzig Prozent"),
    (412.3, "m³/h", "vierhundertzwölf Kubikmeter pro Stunde"),
    (2980, "rpm", "zweitausendneunhundertachtzig Umdrehungen pro Minute"),
    (1, "h", "eine Stunde"),
    (1, "bar", "ein bar"),
    (-1, "°C", "minus ein Grad Celsius"),
    (2, "h", "zwei Stunden"),
])
def test_quantities(value: float, unit: str, words: str) -> None:
    assert say_quantity(value, unit) == words


def test_refuses_to_say() -> None:
    for bad in (float("nan"), float("inf"), True):
        with pytest.raises(ValueError):
            say_number(bad)
    with pytest.raises(ValueError):
        integer_words(-1)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(min_value=-1_000_000, max_value=1_000_000))
def test_integers_round_trip(n: int) -> None:
    assert parse_number(say_number(n)) == n
    assert n < 0 or parse_cardinal(integer_words(n).replace(" ", "")) == n


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(min_value=-10_000_000, max_value=10_000_000))
def test_one_decimal_round_trip(tenths: int) -> None:
    value = tenths / 10
    assert parse_number(say_number(value)) == value


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=80) | st.lists(st.sampled_from(
    ["eins", "ein", "zwo", "null", "Komma", "minus", "und", "hundert", "tausend", "Millionen", "zweiundsiebzig",
     "dritten", "P", "1", "02", "3,5", "1.250", ".", ",", "-", "٣", "²"]), max_size=12).map(" ".join))
def test_never_raises(text: str) -> None:
    parse_number(text)
    read_tag(text)
    for token in tokenize(text):
        assert 0 <= token.start < token.end <= len(text)
        parse_ordinal(token.text)


def test_huge_numbers() -> None:
    assert parse_number("9" * 400) == int("9" * 400)
    assert say_number(10**12) == "tausend Milliarden"
