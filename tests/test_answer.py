"""Spoken wording: numbers, units, tags, times; templates; tracing spoken numbers to data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.answer import (
    DEFAULT_RESPONSES,
    load_responses,
    round_value,
    say_age,
    say_clock,
    say_date,
    say_list,
    say_number,
    say_percent,
    say_quantity,
    say_tag,
    spoken_numbers,
    unexplained_numbers,
)
from assistant.config import PlantConfig
from assistant.dialogue import RESPONSES
from assistant.errors import DataError
from assistant.plant import load_model


@pytest.mark.parametrize(("value", "spoken"), [
    (0, "zero"),
    (7, "seven"),
    (15, "fifteen"),
    (72.5, "seventy-two point five"),
    (1200, "one thousand two hundred"),
    (-3.2, "minus three point two"),
    (0.05, "zero point zero five"),
    (101, "one hundred one"),
    (2984, "two thousand nine hundred eighty-four"),
    (1_000_000, "one million"),
    (40.0, "forty"),
    (-0.0, "zero"),
])
def test_numbers_as_said(value: float, spoken: str) -> None:
    assert say_number(value) == spoken


@pytest.mark.parametrize(("value", "unit", "spoken"), [
    (88.43, "°C", "eighty-eight point four degrees Celsius"),
    (565.4, "°C", "five hundred sixty-five degrees Celsius"),
    (1.0, "°C", "one degree Celsius"),
    (112.46, "bar", "one hundred twelve bar"),
    (3.44, "bar", "three point four bar"),
    (252.96, "MW", "two hundred fifty-three megawatts"),
    (1834.6, "kW", "one thousand eight hundred thirty-five kilowatts"),
    (2984.23, "rpm", "two thousand nine hundred eighty-four revolutions per minute"),
    (5.2757, "mm/s", "five point three millimetres per second"),
    (0.354, "mm/s", "zero point three five millimetres per second"),
    (72.4, "%", "seventy-two percent"),
    (4.26, "%", "four point three percent"),
    (366.38, "m³/h", "three hundred sixty-six cubic metres per hour"),
    (-12.4, "mm", "minus twelve millimetres"),
    (16.04, "kV", "sixteen kilovolts"),
    (372.0, "A", "three hundred seventy-two amperes"),
    (5.6, "d", "five point six days"),
    (1, "d", "one day"),
    (12.5, "furlong", "twelve point five furlong"),  # unknown unit: three significant figures, as written
])
def test_quantities_round_by_unit(value: float, unit: str, spoken: str) -> None:
    assert say_quantity(value, unit) == spoken


def test_every_unit_of_the_demo_plant_is_spoken_as_words() -> None:
    model = load_model(PlantConfig().asset_model)
    for unit in {s.unit for a in model.assets for s in a.signals}:
        words = say_quantity(2.0, unit).split()
        assert words[0] == "two" and all(w.isalpha() for w in words[1:]), (unit, words)


def test_round_value_by_unit() -> None:
    assert round_value(88.46, "°C") == 88.5
    assert round_value(2984.6, "rpm") == 2985
    assert round_value(0.004, "MW") == 0.0
    assert round_value(1234.5, "unknown") == 1234  # three significant figures at least, whole numbers kept


@pytest.mark.parametrize(("tag", "spoken"), [
    ("P-102", "P one oh two"),
    ("P-201", "P two oh one"),
    ("V-301", "V three oh one"),
    ("GT1", "G T one"),
    ("ST1", "S T one"),
    ("T1", "T one"),
    ("BESS1", "BESS one"),
    ("HRSG1", "H R S G one"),
    ("CHP1", "C H P one"),
    ("F3", "F three"),
    ("P-100", "P one hundred"),
    ("P-115", "P one fifteen"),
    ("X-1205", "X twelve oh five"),
])
def test_tags_as_said(tag: str, spoken: str) -> None:
    assert say_tag(tag) == spoken


@pytest.mark.parametrize(("hour", "minute", "spoken"), [
    (14, 30, "fourteen thirty"),
    (14, 0, "fourteen hundred"),
    (9, 5, "nine oh five"),
    (23, 59, "twenty-three fifty-nine"),
    (0, 15, "zero fifteen"),
])
def test_clock_times(hour: int, minute: int, spoken: str) -> None:
    assert say_clock(dt.time(hour, minute)) == spoken


@pytest.mark.parametrize(("seconds", "spoken"), [
    (40, "forty seconds ago"),
    (720, "twelve minutes ago"),
    (95, "two minutes ago"),
    (3 * 3600, "three hours ago"),
    (3 * 86400, "three days ago"),
])
def test_ages(seconds: float, spoken: str) -> None:
    assert say_age(seconds) == spoken


def test_dates_percent_and_lists() -> None:
    assert say_date("2025-01-14") == "the fourteenth of January twenty twenty-five"
    assert say_date(dt.date(2024, 9, 3)) == "the third of September twenty twenty-four"
    assert say_date(dt.date(2025, 3, 21)) == "the twenty-first of March twenty twenty-five"
    assert say_date(dt.date(2025, 3, 21), year=False) == "the twenty-first of March"
    assert say_percent(0.71) == "seventy-one percent"
    assert say_percent(0.005) == "one percent" and say_percent(0.025) == "three percent"  # halves up, as on screen
    assert say_list(["a", "b", "c"]) == "a, b and c"
    assert say_list(["a", "b"], last="or") == "a or b"
    assert say_list(["a"]) == "a"


# ----------------------------------------------------------------------------- templates


def test_demo_responses_have_every_template_the_dialogue_uses() -> None:
    responses = load_responses(DEFAULT_RESPONSES, required=RESPONSES)
    assert set(RESPONSES) <= set(responses.names)
    text = responses.render("utter_sensor_reading", asset="P one oh two", measurement="flow",
                            value="ten cubic metres per hour", clock="fourteen thirty",
                            when="at half past two this afternoon", name="x")
    assert "P one oh two" in text and "ten cubic metres per hour" in text and "{" not in text


def test_missing_template_is_a_data_error_at_load(tmp_path: Path) -> None:
    path = tmp_path / "responses.yml"
    path.write_text('version: "3.1"\nresponses:\n  utter_help:\n    - text: "help"\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"responses.yml: missing responses utter_confirm_nothing"):
        load_responses(path, required=["utter_help", "utter_confirm_nothing"])


@pytest.mark.parametrize(("body", "expect"), [
    ('version: "3.1"\nnlu: []\n', r":1: no 'responses:' mapping"),
    ('version: "3.1"\nresponses:\n  utter_x: "just text"\n', r"responses.yml:3: response utter_x must be a list"),
    ('version: "3.1"\nresponses:\n  utter_x:\n    - image: "a.png"\n', r":3: response utter_x has a variant without text"),
    ('version: "3.1"\nresponses:\n  utter_x:\n    - text: "a {b"\n', r":3: response utter_x: bad slot syntax"),
    ('responses: [\n', r"responses.yml:\d+: not valid YAML"),
])
def test_malformed_responses_name_file_and_line(tmp_path: Path, body: str, expect: str) -> None:
    path = tmp_path / "responses.yml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DataError, match=expect):
        load_responses(path)


def test_render_is_deterministic_and_checks_slots(tmp_path: Path) -> None:
    path = tmp_path / "responses.yml"
    path.write_text('version: "3.1"\nresponses:\n  utter_x:\n    - text: "A {v}"\n    - text: "B {v}"\n',
                    encoding="utf-8")
    responses = load_responses(path)
    picks = {responses.render("utter_x", v=str(i)) for i in range(20)}
    assert {p[0] for p in picks} == {"A", "B"}  # both variants are used ...
    assert all(responses.render("utter_x", v=str(i)) == responses.render("utter_x", v=str(i)) for i in range(20))
    with pytest.raises(DataError, match=r"response utter_x uses slot 'v' that is not filled"):
        responses.render("utter_x", w="1")
    with pytest.raises(DataError, match="no response utter_y"):
        responses.render("utter_y")


# ----------------------------------------------------------------------------- tracing numbers


def test_spoken_numbers_of_data() -> None:
    data = {"asset": "P-102", "value": 93.089, "unit": "°C", "time": "2025-03-12T14:30:00+01:00",
            "age_s": 720, "probability": 0.71, "rul_days": 5.63, "note": {"id": 3}}
    allowed = spoken_numbers(data)
    for phrase in ("p one oh two", "ninety-three point one", "fourteen thirty", "twelve minutes",
                   "seventy-one", "five point six", "note three",
                   "the twelfth of march twenty twenty-five", "the twelfth of march", "half past two in the afternoon",
                   "half past two this afternoon"):
        assert phrase in allowed, phrase
    assert "three" not in allowed  # an id is not a bare number


def test_unexplained_numbers_finds_invented_numbers() -> None:
    data = {"asset": "P-102", "value": 93.089, "unit": "°C", "time": "2025-03-12T14:30:00+01:00"}
    good = "The bearing temperature of P one oh two is ninety-three point one degrees Celsius, at fourteen thirty."
    assert unexplained_numbers(good, data) == []
    assert unexplained_numbers("It is ninety-four point one degrees Celsius.", data) == ["ninety", "four", "one"]
    assert unexplained_numbers("P one oh two is at 93 degrees.", data) == ["93"]
    assert unexplained_numbers("Pump seventy-two.", data) == ["seventy", "two"]
    # a smaller number that is in the data does not excuse a compound around it
    assert unexplained_numbers("It reads seventy-three.", {"value": 3, "unit": ""}) == ["seventy", "three"]
    assert unexplained_numbers("It reads three.", {"value": 3, "unit": ""}) == []
    assert unexplained_numbers("Check the drive end first, then the second pump.", {}) == []


def test_a_responses_file_with_a_date_yaml_cannot_make_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "responses.yml"
    path.write_text('version: "3.1"\nresponses:\n  utter_x:\n  - text: 2026-13-45\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"responses.yml: a value YAML cannot read \(month must be in 1..12\)"):
        load_responses(path)
