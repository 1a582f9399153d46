"""Normalisation, time ranges and entities against the demo plant's lookups."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from assistant.config import ROOT
from assistant.nlu import load_intents, load_lookups
from assistant.nlu.entities import EntityExtractor
from assistant.nlu.normalize import MAX_CHARS, normalize, tokenize
from assistant.nlu.timerange import find_time_ranges

NOW = datetime(2026, 3, 11, 9, 30)  # a Wednesday, early shift


@pytest.fixture(scope="module")
def intents():
    return load_intents(ROOT / "intents" / "en")


@pytest.fixture(scope="module")
def extractor(intents):
    return EntityExtractor(load_lookups(ROOT / "tests" / "fixtures" / "lookups_demo.yml"), intents)


def found(extractor, text, now=NOW):
    return [(e.entity, e.value, e.text) for e in extractor.extract(text, now=now)]


# -- normalisation ---------------------------------------------------------------

@pytest.mark.parametrize("text", ["P-102", "p 102", "p one oh two", "P one-oh-two", "p102", "P one zero two"])
def test_spoken_tags_meet(text):
    assert normalize(text) == "p 102"


@pytest.mark.parametrize("text, expected", [
    ("Feed-Pump TWO!", "feed pump 2"),
    ("seventy two point five", "72.5"),
    ("one hundred and twenty", "120"),
    ("twenty one", "21"),
    ("What's the HRSG1 level?", "whats the hrsg 1 level"),
    ("72 point 5", "72.5"),
    ("oh no", "oh no"),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_tokens_point_into_the_original():
    text = "Is  P-one-oh-two running?"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["is", "p", "102", "running"]
    assert text[tokens[2].start:tokens[2].end] == "one-oh-two"


def test_huge_text_is_clipped():
    tokens = tokenize("pump " * 50_000)
    assert tokens and tokens[-1].end <= MAX_CHARS


# -- time ranges -----------------------------------------------------------------

def value(text, now=NOW):
    ranges = find_time_ranges(tokenize(text), now)
    assert len(ranges) == 1, text
    return ranges[0].value


@pytest.mark.parametrize("text, start, end", [
    ("last eight hours", "2026-03-11T01:30:00", "2026-03-11T09:30:00"),
    ("the last hour", "2026-03-11T08:30:00", "2026-03-11T09:30:00"),
    ("past 30 minutes", "2026-03-11T09:00:00", "2026-03-11T09:30:00"),
    ("since midnight", "2026-03-11T00:00:00", "2026-03-11T09:30:00"),
    ("today", "2026-03-11T00:00:00", "2026-03-11T09:30:00"),
    ("yesterday", "2026-03-10T00:00:00", "2026-03-11T00:00:00"),
    ("this week", "2026-03-09T00:00:00", "2026-03-11T09:30:00"),
    ("last week", "2026-03-02T00:00:00", "2026-03-09T00:00:00"),
    ("night shift", "2026-03-10T22:00:00", "2026-03-11T06:00:00"),
    ("last shift", "2026-03-10T22:00:00", "2026-03-11T06:00:00"),
    ("the late shift", "2026-03-10T14:00:00", "2026-03-10T22:00:00"),
    ("this shift", "2026-03-11T06:00:00", "2026-03-11T09:30:00"),
    ("since six am", "2026-03-11T06:00:00", "2026-03-11T09:30:00"),
    ("last night", "2026-03-10T22:00:00", "2026-03-11T06:00:00"),
])
def test_time_ranges(text, start, end):
    assert value(text) == f"{start}/{end}"


def test_shifts_across_midnight():
    late_evening = datetime(2026, 3, 11, 23, 15)
    assert value("night shift", late_evening) == "2026-03-11T22:00:00/2026-03-11T23:15:00"
    assert value("last shift", late_evening) == "2026-03-11T14:00:00/2026-03-11T22:00:00"
    small_hours = datetime(2026, 3, 12, 2, 0)
    assert value("last shift", small_hours) == "2026-03-11T14:00:00/2026-03-11T22:00:00"
    assert value("early shift", small_hours) == "2026-03-11T06:00:00/2026-03-11T14:00:00"


def test_time_range_keeps_the_time_zone():
    now = datetime(2026, 3, 11, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert value("the last hour", now) == "2026-03-11T08:30:00+01:00/2026-03-11T09:30:00+01:00"


# -- entities --------------------------------------------------------------------

@pytest.mark.parametrize("text, asset", [
    ("status of P-102", "P-102"),
    ("status of p 102", "P-102"),
    ("status of p one oh two", "P-102"),
    ("status of pump one-oh-two", "P-102"),
    ("status of feed water pump two", "P-102"),
    ("status of the second feed pump", "P-102"),
    ("how is cooling water pump one", "P-201"),
    ("is HRSG1 ok", "HRSG1"),
    ("is the heat recovery steam generator ok", "HRSG1"),
    ("how is the battery", "BESS1"),
    ("check feeder three", "F3"),
    ("is the cooling water valve open", "V-301"),
])
def test_assets(extractor, text, asset):
    assert [v for e, v, _ in found(extractor, text) if e == "asset"] == [asset]


@pytest.mark.parametrize("text, asset, slip", [
    ("is feed pump to running", "P-102", "feed pump to"),
    ("status of the curling tower", "CT1", "curling tower"),
    ("state of charge of the matter", "BESS1", "matter"),
    ("vibration on the feed pumps one", "P-101", "feed pumps one"),
    ("vibration on feed pump three", None, None),
    ("status of feed water pumps two", "P-102", "feed water pumps two"),
    ("the gas turbines are fine", "GT1", "gas turbines"),
])
def test_recognition_slips(extractor, text, asset, slip):
    assets = [(v, t) for e, v, t in found(extractor, text) if e == "asset"]
    if asset is None:
        assert assets == []
    else:
        assert len(assets) == 1 and assets[0][0] == asset and slip in assets[0][1]


@pytest.mark.parametrize("text", [
    "what's the matter", "is it better now", "who won the match", "low priority alarms", "how about lunch",
    "turn it down", "the boys are fine", "what is the total", "it's really boring",
])
def test_no_false_plant_entities(extractor, text):
    assert [e for e in found(extractor, text) if e[0] in ("asset", "measurement")] == []


def test_fuzzy_match_is_less_confident(extractor):
    [entity] = [e for e in extractor.extract("status of the curling tower", now=NOW) if e.entity == "asset"]
    assert 0.7 < entity.confidence < 1.0


@pytest.mark.parametrize("text, key", [
    ("what is the bearing temperature", "bearing_temperature"),
    ("bearing temperatures please", "bearing_temperature"),
    ("show me the bearing temp", "bearing_temperature"),
    ("the state of charge", "state_of_charge"),
    ("what's the soc", "state_of_charge"),
    ("the methane level", "methane_content"),
    ("the drum level", "drum_level"),
    ("current motor current", "motor_current"),
])
def test_measurements(extractor, text, key):
    assert key in [v for e, v, _ in found(extractor, text) if e == "measurement"]


def test_longest_match_wins(extractor):
    text = "heat recovery steam generator steam pressure"
    assert found(extractor, text) == [("asset", "HRSG1", "heat recovery steam generator"),
                                      ("measurement", "steam_pressure", "steam pressure")]


def test_offsets_are_into_the_original_text(extractor):
    text = "What's the Bearing-Temp of  P one-oh-two?"
    for entity in extractor.extract(text, now=NOW):
        assert text[entity.start:entity.end] == entity.text
    assert found(extractor, text) == [("measurement", "bearing_temperature", "Bearing-Temp"),
                                      ("asset", "P-102", "P one-oh-two")]


@pytest.mark.parametrize("text, number", [
    ("set the limit to seventy two point five", "72.5"),
    ("read me the top five alarms", "5"),
    ("acknowledge alarm 12", "12"),
    ("one hundred and twenty", "120"),
])
def test_numbers(extractor, text, number):
    assert [v for e, v, _ in found(extractor, text) if e == "number"] == [number]


def test_tag_numbers_and_pronoun_one_are_not_numbers(extractor):
    assert [e for e in found(extractor, "which one is hotter p one oh two or p one oh one") if e[0] == "number"] == []


@pytest.mark.parametrize("text, priority", [
    ("any critical alarms", "critical"),
    ("list urgent alarms", "critical"),
    ("show high priority alarms", "high"),
    ("list the low priority alarms", "low"),
    ("show minor alarms", "low"),
])
def test_priority(extractor, text, priority):
    assert [v for e, v, _ in found(extractor, text) if e == "priority"] == [priority]


def test_priority_words_need_context(extractor):
    assert [e for e in found(extractor, "how high is the drum level") if e[0] == "priority"] == []


@pytest.mark.parametrize("text, note", [
    ("take a note feed pump two is noisy", "feed pump two is noisy"),
    ("Note that: the valve is sticking.", "the valve is sticking"),
    ("please log that we started P-101", "we started P-101"),
    ("take a note that the probe is loose", "the probe is loose"),
])
def test_note_text(extractor, text, note):
    [entity] = [e for e in extractor.extract(text, now=NOW) if e.entity == "note_text"]
    assert entity.value == note and text[entity.start:entity.end] == note


def test_time_range_entity_spans(extractor):
    text = "alarms on the boiler since midnight"
    entities = extractor.extract(text, now=NOW)
    [tr] = [e for e in entities if e.entity == "time_range"]
    assert tr.text == "since midnight" and tr.value == "2026-03-11T00:00:00/2026-03-11T09:30:00"


def test_every_annotated_plant_entity_in_the_data_is_found(extractor, intents):
    """The lookups and the examples agree: each marked asset or measurement is recognised."""
    missed = []
    for example in intents.examples:
        got = extractor.extract(example.text, now=NOW)
        for a in example.entities:
            if a.entity not in ("asset", "measurement"):
                continue
            hit = [e for e in got if e.entity == a.entity and e.start < a.end and a.start < e.end
                   and (a.value is None or e.value == a.value)]
            if not hit:
                missed.append((example.source, a.text))
    assert missed == []


@pytest.mark.parametrize("text, asset", [
    ("show the alarms for d1 or two", "P-102"),  # "P one oh two" as whisper wrote it
    ("what's the remaining useful life of P1 or 1", "P-101"),
    ("is pump one or two running", "P-102"),
    ("what is the bearing temperature one out two", "P-102"),
    ("the one hundred one discharge pressure please", "P-101"),
    ("compare pump two no one", "P-201"),
    ("position of v three oh one", "V-301"),
    ("is the chv running at the moment", "CHP1"),  # chp with a rhyming letter
    ("show the service history on the chd", "CHP1"),
    ("hrsd drum level", "HRSG1"),
])
def test_misheard_tag_numbers_and_acronyms(extractor, text, asset):
    assert [v for e, v, _ in found(extractor, text) if e == "asset"] == [asset]


@pytest.mark.parametrize("text", [
    "set it to 101 degrees",  # a number with a unit is no tag
    "the cat sat on the mat",  # a real word is no acronym
    "feeder one or two",  # feeder one is named; "or two" is no tag
])
def test_numbers_and_words_are_not_taken_for_tags(extractor, text):
    assets = [v for e, v, _ in found(extractor, text) if e == "asset"]
    assert all(not a.startswith(("P-", "V-", "CHP")) for a in assets), assets
