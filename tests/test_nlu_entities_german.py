"""German entities: numbers, tags, units and time phrases read with lang/de when the intents are German."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from assistant.config import ROOT
from assistant.nlu import load_intents
from assistant.nlu.classifier import model_key
from assistant.nlu.data import own_lookups
from assistant.nlu.entities import EntityExtractor
from assistant.nlu.languages import ENGLISH, GERMAN, language_of
from assistant.plant import load_model

NOW = datetime(2026, 3, 11, 9, 30)  # a Wednesday, early shift
GERMAN_DIR = ROOT / "intents" / "de"


@pytest.fixture(scope="module")
def intents():
    return load_intents(GERMAN_DIR)


@pytest.fixture(scope="module")
def lookups(intents):
    return own_lookups(intents, load_model(ROOT / "plant" / "demo_plant.yaml").lookups())


@pytest.fixture(scope="module")
def extractor(intents, lookups):
    return EntityExtractor(lookups, intents)


def found(extractor, text, now=NOW):
    entities = extractor.extract(text, now=now)
    assert all(text[e.start:e.end] == e.text for e in entities)  # offsets into the original text
    return [(e.entity, e.value, e.text) for e in entities]


def test_the_language_is_the_directory_name(intents, tmp_path):
    assert language_of(intents) is GERMAN
    assert language_of(load_intents(ROOT / "intents" / "en")) is ENGLISH
    assert language_of(None) is ENGLISH
    assert language_of(dataclasses.replace(intents, files=(str(tmp_path / "coffee" / "a.yml"),))) is ENGLISH


def test_a_german_extractor_reads_german(extractor):
    assert extractor.language is GERMAN


@pytest.mark.parametrize(("text", "expected"), [
    ("zweiundsiebzig Komma fünf", "72.5"),
    ("Setz den Sollwert auf minus drei Komma zwei", "-3.2"),
    ("tausendzweihundertfünfzig Kilowatt", "1250"),
    ("1.250,5 Kilowatt", "1250.5"),
    ("neun Grad", "9"),
    ("zwo", "2"),
])
def test_numbers(extractor, text, expected):
    assert [value for entity, value, _ in found(extractor, text) if entity == "number"] == [expected]


@pytest.mark.parametrize("text", ["nein", "Nein.", "Nein, danke.", "Nein, nicht quittieren", "ein Alarm",
                                  "eine Notiz"])
def test_nein_and_articles_are_no_numbers(extractor, text):
    assert found(extractor, text) == []


@pytest.mark.parametrize(("text", "said"), [
    ("P eins null zwei", "P eins null zwei"),
    ("P eins null zwo", "P eins null zwo"),
    ("P hundertzwei", "P hundertzwei"),
    ("Vibration der P hundertzwei", "P hundertzwei"),
    ("Status von P-102", "P-102"),
    ("Status von hundertzwei", "hundertzwei"),  # the digits of one tag alone, as in English
    ("Lagertemperatur der Speisewasserpumpe zwo", "Speisewasserpumpe zwo"),
])
def test_tags(extractor, text, said):
    assert ("asset", "P-102", said) in found(extractor, text)


def test_a_number_before_a_unit_is_no_tag(extractor):
    assert found(extractor, "hundertzwei Prozent") == [("number", "102", "hundertzwei")]


def test_assets_named_with_numbers(extractor):
    assert found(extractor, "Alarme der Gasturbine eins") == [("asset", "GT1", "Gasturbine eins")]
    assert found(extractor, "Abgang drei") == [("asset", "F3", "Abgang drei")]


@pytest.mark.parametrize(("text", "said"), [
    ("Alarm an der Kühlwasserpumpe eins quittieren", "Kühlwasserpumpe eins"),
    ("Bitte den Alarm an der Kühlwasserpumpe eins quittieren", "Kühlwasserpumpe eins"),
    ("Alarm an der Kühlwasserpumpe 1 quittieren", "Kühlwasserpumpe 1"),
    ("Alarm der Kühlwasserpumpe eins, quittieren.", "Kühlwasserpumpe eins"),
    ("Kühlwasserpumpe eins", "Kühlwasserpumpe eins"),
    ("Alarm an der ersten Kühlwasserpumpe quittieren", "ersten Kühlwasserpumpe"),
    ("Alarm an der Kühlpumpe eins quittieren", "Kühlpumpe eins"),
    ("Alarm an der Kühlwasser-Pumpe eins quittieren", "Kühlwasser-Pumpe eins"),
    ("Alarm an der Kühlwasservumpe eins quittieren", "Kühlwasservumpe eins"),  # heard a little off
])
def test_cooling_water_pump_one_is_p201(extractor, text, said):
    assert [e for e in found(extractor, text) if e[0] == "asset"] == [("asset", "P-201", said)]


@pytest.mark.parametrize(("text", "said"), [
    ("Bitte den Alarm an der Kühlwasservumpe einschritieren", "Kühlwasservumpe"),  # whisper base, Pico's "eins quittieren"
    ("Alarm an der Kühlwasservumpe quittieren", "Kühlwasservumpe"),
    ("Status der Speisewasservumpe", "Speisewasservumpe"),
])
def test_a_name_heard_without_its_number_is_both_assets_never_one(extractor, text, said):
    """Words as near to two assets are both, over the same words: the dialogue asks which."""
    assets = [(value, heard) for entity, value, heard in found(extractor, text) if entity == "asset"]
    pumps = {"Kühl": ["P-201", "P-202"], "Spei": ["P-101", "P-102"]}[said[:4]]
    assert assets == [(pump, said) for pump in pumps]


@pytest.mark.parametrize(("text", "said", "value"), [
    ("Druck seit Schichtbeginn", "seit Schichtbeginn", "2026-03-11T06:00:00/2026-03-11T09:30:00"),
    ("Alarme in den letzten acht Stunden", "in den letzten acht Stunden", "2026-03-11T01:30:00/2026-03-11T09:30:00"),
    ("Was hat die Dampfturbine gestern gemeldet?", "gestern", "2026-03-10T00:00:00/2026-03-11T00:00:00"),
    ("Alarme heute Nacht", "heute Nacht", "2026-03-10T18:00:00/2026-03-11T06:00:00"),
    ("Alarme in der Nachtschicht", "in der Nachtschicht", "2026-03-10T22:00:00/2026-03-11T06:00:00"),
    ("Druck um halb sieben", "um halb sieben", "2026-03-11T06:30:00/2026-03-11T07:30:00"),
])
def test_time_ranges(extractor, text, said, value):
    assert ("time_range", value, said) in found(extractor, text)


def test_a_request_with_all_of_them(extractor):
    assert found(extractor, "Wie ist der Druck an P eins null eins seit sechs Uhr") == [
        ("measurement", "discharge_pressure", "Druck"),
        ("asset", "P-101", "P eins null eins"),
        ("time_range", "2026-03-11T06:00:00/2026-03-11T09:30:00", "seit sechs Uhr"),
    ]


def test_no_time_without_now(extractor):
    assert [e.entity for e in extractor.extract("Druck an P eins null eins seit Schichtbeginn")] == ["measurement", "asset"]


def test_english_rules_in_an_english_extractor(lookups, intents):
    english = EntityExtractor(lookups, intents, language=ENGLISH)
    assert english.language is ENGLISH
    assert ("number", "72.5", "seventy two point five") in found(english, "seventy two point five")
    assert [e for e in found(english, "zweiundsiebzig Komma fünf") if e[0] == "number"] == []


def test_german_models_are_stored_apart(intents, lookups):
    elsewhere = dataclasses.replace(intents, files=tuple(f.replace("/de/", "/xx/") for f in intents.files))
    assert model_key(intents, lookups, "both", "use-multilingual") != model_key(elsewhere, lookups, "both",
                                                                              "use-multilingual")


def test_the_words_of_a_german_note_are_those_the_examples_mark(intents, extractor):
    """Every note_add example: the marked note text is extracted exactly, and none where none is marked."""
    examples = [e for e in intents.examples if e.intent == "note_add"]
    assert len(examples) >= 30
    for example in examples:
        marked = [example.text[a.start:a.end] for a in example.entities if a.entity == "note_text"]
        extracted = [e.text for e in extractor.extract(example.text, now=NOW) if e.entity == "note_text"]
        assert extracted == marked, example.source


@pytest.mark.parametrize("text", ["Lies die Notizen vor", "Welche Notizen haben wir?", "Notiz anlegen",
                                  "Notiz für die nächste Schicht", "Was steht im Schichtbuch?"])
def test_asking_about_notes_is_no_note(extractor, text):
    assert not [e for e in extractor.extract(text, now=NOW) if e.entity == "note_text"]
