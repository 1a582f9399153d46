"""The dialogue answering in German, on text-level Intents against the simulated plant.

Every German answer is checked as the English ones are: each number word spoken must come from
``Answer.data`` (``lang.de.answer.unexplained_numbers``); and it must carry no English template
words. The English answers stay as they were: the same requests give the same English text
before and after the dialogue spoke German.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest

from assistant import answer as english_words
from assistant.answer import load_responses
from assistant.config import ROOT, PlantConfig
from assistant.dialogue import Dialogue, DialogueState
from assistant.errors import ConfigError
from assistant.events import Answer, Entity, Intent
from assistant.lang.de import answer as german_words
from assistant.lang.de.answer import unexplained_numbers
from assistant.lang.wording import wordings
from assistant.plant import Plant, load_model
from simulated_plant import clock, engineer_dialogue, plant, template  # noqa: F401 (fixtures)

ENGLISH = ROOT / "intents" / "en" / "responses.yml"
GERMAN = ROOT / "intents" / "de" / "responses.yml"
# words of the English templates that no German answer may say
ENGLISH_WORDS = frozenset("""the is are of and or there which what you say please yes no not no active alarms
    note notes saved priority since ago degrees percent hours minutes days point hundred one two three
    four five six seven eight nine ten probable developing highest risk measured stale above below normal
    cancel confirm written acknowledged acknowledge""".split())


@pytest.fixture
def dialogue(plant: Plant, tmp_path: Path) -> Dialogue:
    return engineer_dialogue(plant, tmp_path, "de")


class Talk:
    """A German conversation: ``talk("sensor_reading", asset="P-102")`` -> Answer, keeping the state."""

    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue
        self.state = DialogueState()

    def __call__(self, name: str, text: str = "", **entities: str) -> Answer:
        text = text or name.replace("_", " ")
        found = tuple(Entity(entity=kind, value=value, start=0, end=len(text), text=text)
                      for kind, value in entities.items())
        answer, self.state = self.dialogue.respond(Intent(text, name, 0.9, found), self.state)
        assert answer.text and "{" not in answer.text
        assert unexplained_numbers(answer.text, answer.data) == [], answer.text
        english = sorted({w for w in re.findall(r"[a-z]+", answer.text.lower()) if w in ENGLISH_WORDS})
        assert english == [], (english, answer.text)
        return answer


@pytest.fixture
def talk(dialogue: Dialogue) -> Talk:
    return Talk(dialogue)


def _slots(responses: object, name: str) -> set[str]:
    return {field for text in responses.templates[name]  # type: ignore[attr-defined]
            for _, field, _, _ in string.Formatter().parse(text) if field}


# ----------------------------------------------------------------------------- the templates and words


def test_german_responses_have_the_english_keys_and_slots() -> None:
    english, german = load_responses(ENGLISH), load_responses(GERMAN)
    assert set(german.names) == set(english.names)
    assert {n: _slots(german, n) for n in german.names} == {n: _slots(english, n) for n in english.names}


def test_the_german_wording_has_the_english_functions() -> None:
    used = ["round_value", "say_number", "say_unit", "say_quantity", "say_percent", "say_tag", "say_clock", "say_age",
            "say_date", "say_list", "say_term", "unexplained_numbers", "spoken_numbers", "NUMBER_WORDS"]
    assert all(hasattr(english_words, n) and hasattr(german_words, n) for n in used)
    assert wordings.names() == ["de", "en"] and wordings.create("de").times.say_range


@pytest.mark.parametrize(("said", "expected"), [
    (german_words.say_quantity(72.5, "°C"), "zweiundsiebzig Komma fünf Grad Celsius"),
    (german_words.say_tag("P-102"), "P eins null zwei"),
    (german_words.say_clock(dt.time(14, 30)), "vierzehn Uhr dreißig"),
    (german_words.say_clock(dt.time(9, 5)), "neun Uhr fünf"),
    (german_words.say_clock(dt.time(1, 0)), "ein Uhr"),
    (german_words.say_age(720), "vor zwölf Minuten"),
    (german_words.say_age(3 * 3600), "vor drei Stunden"),
    (german_words.say_age(2 * 86400), "vor zwei Tagen"),
    (german_words.say_date(dt.date(2025, 1, 14)), "vierzehnten Januar zweitausendfünfundzwanzig"),
    (german_words.say_list(["A", "B", "C"]), "A, B und C"),
    (german_words.say_list(["A", "B"], last="or"), "A oder B"),
    (german_words.say_percent(0.71), "einundsiebzig Prozent"),
])
def test_numbers_tags_and_times_are_said_the_german_way(said: str, expected: str) -> None:
    assert said == expected


def test_german_unexplained_numbers_finds_numbers_the_data_does_not_hold() -> None:
    data = {"asset": "P-102", "value": 72.49, "unit": "°C", "time": "2025-03-12T14:30:00+01:00", "age_s": 720}
    said = "P eins null zwei: zweiundsiebzig Komma fünf Grad Celsius, vor zwölf Minuten, um vierzehn Uhr dreißig."
    assert unexplained_numbers(said, data) == []
    assert unexplained_numbers("Aktive Alarme: drei, seit dem dritten März", {}) == ["drei", "dritten"]
    assert unexplained_numbers("ein Alarm, eine Notiz", {}) == []  # articles are no numbers


def test_an_unknown_language_lists_the_known_ones(dialogue: Dialogue) -> None:
    with pytest.raises(ConfigError, match="unknown language 'fr'.*choose one of: de, en"):
        dialogue.language = "fr"
    assert dialogue.language == "de"


def test_german_names_come_from_the_asset_model() -> None:
    model = load_model(PlantConfig().asset_model)
    assert model.asset("P-102").name_in("de") == "Speisewasserpumpe zwei"
    assert model.asset("P-102").name_in("en") == "feed water pump two"
    assert model.measurement("bearing_temperature").name_in("de") == "Lagertemperatur"
    assert model.site.name_in("de") == "Demo-Energiestandort"


# ----------------------------------------------------------------------------- German answers


def test_reading_in_german(talk: Talk, plant: Plant) -> None:
    answer = talk("sensor_reading", text="Lagertemperatur von P eins null zwei", asset="P-102",
                  measurement="bearing_temperature")
    reading = plant.reading("P-102", "bearing_temperature")
    assert german_words.say_quantity(reading.value, "°C") in answer.text and "Grad Celsius" in answer.text
    assert "Lagertemperatur" in answer.text and "P eins null zwei" in answer.text
    assert answer.data["asset_name"] == "Speisewasserpumpe zwei"
    every = talk("sensor_reading", text="alle Werte von P eins null zwei", asset="P-102")
    assert "Speisewasserpumpe zwei" in every.text and "Schwingung" in every.text


def test_status_and_overview_in_german(talk: Talk) -> None:
    status = talk("asset_status", asset="P-102")
    assert "Lagertemperatur hoch" in status.text and "über dem Normalbereich" in status.text
    assert "Priorität hoch" in status.text and "seit" in status.text
    overview = talk("plant_overview", text="Anlagenübersicht")
    assert overview.text.startswith("Demo-Energiestandort: Erzeugung") and "Megawatt" in overview.text
    assert "Aktive Alarme" in overview.text and "Prozent" in overview.text


def test_alarms_and_their_acknowledgement_readback_in_german(talk: Talk, plant: Plant) -> None:
    listed = talk("alarm_list", text="welche Alarme sind aktiv")
    assert listed.data["count"] == len(plant.alarms()) and "Priorität" in listed.text
    high = talk("alarm_list", text="Alarme hoher Priorität", priority="high")
    assert "der Priorität hoch" in high.text or "Keine aktiven" in high.text
    readback = talk("alarm_acknowledge", text="Alarme von P eins null zwei quittieren", asset="P-102")
    assert readback.awaiting == "confirm" and "quittieren? Sagen Sie ja oder abbrechen" in readback.text
    assert "P eins null zwei Lagertemperatur hoch" in readback.text
    dropped = talk("plant_overview", text="Anlagenübersicht")
    assert dropped.text.startswith("Verworfen: die Alarmquittierung wird nicht ausgeführt.")
    talk("alarm_acknowledge", asset="P-102")
    done = talk("confirm", text="ja")
    assert done.text.startswith("Quittiert: P eins null zwei Lagertemperatur hoch")


def test_an_asset_heard_between_two_names_is_asked_about_in_german(talk: Talk) -> None:
    """Whisper base heard Pico's "Kühlwasserpumpe eins quittieren" as "Kühlwasservumpe einschritieren":
    as near to pump one as to pump two, so which is asked, even after pump two was talked about."""
    text = "Bitte den Alarm an der Kühlwasservumpe einschritieren"
    at = text.index("Kühlwasservumpe")
    heard = tuple(Entity("asset", pump, at, at + 15, "Kühlwasservumpe", 0.882, 0.118) for pump in ("P-201", "P-202"))
    talk.state = DialogueState(asset="P-202")
    asked, talk.state = talk.dialogue.respond(Intent(text, "alarm_acknowledge", 0.9, heard), talk.state)
    assert asked.text == "Welche Kühlwasservumpe meinen Sie: Kühlwasserpumpe eins oder Kühlwasserpumpe zwei?"
    assert talk.state.awaiting == "asset" and talk.state.pending is None
    answer = talk("asset_status", text="Kühlwasserpumpe eins", asset="P-201")
    assert answer.data["asset"] == "P-201" and "P zwei null eins" in answer.text


def test_faults_in_german(talk: Talk) -> None:
    predicted = talk("fault_prediction", text="Fehlerprognose für den Batteriespeicher", asset="BESS1")
    assert "Wahrscheinlichkeit" in predicted.text and "Prozent" in predicted.text
    overview = talk("fault_prediction", text="welche Störungen drohen")
    assert overview.text.startswith("Höchste Fehlerrisiken:")
    explained = talk("explain", text="warum ist der Trafo gefährdet", asset="T1")
    assert "Wahrscheinlichkeit" in explained.text
    life = talk("remaining_life", text="Restlebensdauer von P eins null zwei", asset="P-102")
    assert "P eins null zwei" in life.text


def test_notes_and_their_confirmation_readback_in_german(talk: Talk) -> None:
    assert talk("note_read", text="Notizen vorlesen").text == "Keine Notizen."
    readback = talk("note_add", text="Notiz zu P eins null zwei: Dichtung tropft", asset="P-102",
                    note_text="Dichtung tropft")
    assert readback.text == ("Ich speichere diese Notiz für P eins null zwei: Dichtung tropft. "
                             "Sagen Sie ja oder abbrechen.")
    saved = talk("confirm", text="bestätigen")
    assert saved.text == "Gespeichert als Notiz eins für P eins null zwei."
    read = talk("note_read", text="Notizen zu P eins null zwei", asset="P-102")
    assert "Notiz eins" in read.text and "Dichtung tropft" in read.text
    assert "um halb drei heute Nachmittag" in read.text
    withdraw = talk("note_withdraw", text="Notiz eins zurückziehen", number="1")
    assert withdraw.text.startswith("Ich ziehe Notiz eins zurück: Dichtung tropft.")
    cancelled = talk("cancel", text="abbrechen")
    assert cancelled.text == "Abgebrochen: die Rücknahme der Notiz wird nicht ausgeführt."


def test_trend_help_and_clarify_in_german(talk: Talk) -> None:
    trend = talk("trend", text="Verlauf der Öltemperatur am Trafo", asset="T1", measurement="oil_temperature")
    assert trend.text.startswith("In den letzten acht Stunden: Öltemperatur von T eins")
    assert "Mittelwert" in trend.text
    assert "Lagertemperatur von" in talk("help", text="Hilfe").text
    unsure = Intent("äh die Anlage", "out_of_scope", 0.3, ranking=(("out_of_scope", 0.3), ("plant_overview", 0.4)))
    answer, _ = talk.dialogue.respond(unsure, DialogueState())
    assert answer.text == ("Ich bin nicht sicher, ob ich Sie verstanden habe. Meinten Sie die Anlagenübersicht? "
                           "Sagen Sie ja oder nein.")


# ----------------------------------------------------------------------------- English stays as it was


REQUESTS = [
    ("plant_overview", {}), ("asset_status", {"asset": "P-102"}), ("alarm_list", {}),
    ("sensor_reading", {"asset": "P-102", "measurement": "bearing_temperature"}),
    ("fault_prediction", {"asset": "BESS1"}), ("explain", {"asset": "T1"}), ("note_read", {}), ("help", {}),
    ("alarm_acknowledge", {"asset": "P-102"}),
]


def _answers(dialogue: Dialogue) -> list[str]:
    said = []
    for name, entities in REQUESTS:
        text = name.replace("_", " ")
        found = tuple(Entity(k, v, 0, len(text), text) for k, v in entities.items())
        said.append(dialogue.respond(Intent(text, name, 0.9, found), DialogueState())[0].text)
    return said


def test_english_answers_are_unchanged_by_german(plant: Plant, tmp_path: Path) -> None:
    dialogue = Dialogue(plant, load_responses(), tmp_path, now=clock, role="engineer")
    before = _answers(dialogue)
    assert before[2].startswith("There are") or "active" in before[2]
    dialogue.language = "de"
    german = _answers(dialogue)
    dialogue.language = "en"
    assert _answers(dialogue) == before and german != before
    assert all(english_words.unexplained_numbers(t, {}) is not None for t in before)


def test_responses_may_be_passed_by_language(plant: Plant, tmp_path: Path) -> None:
    given = {"en": load_responses(ENGLISH), "de": load_responses(GERMAN)}
    dialogue = Dialogue(plant, given, tmp_path, now=clock, language="de")
    assert dialogue.responses is given["de"]
    assert dialogue.respond(Intent("wiederholen", "repeat", 0.9), DialogueState())[0].text == \
        "Ich habe noch nichts gesagt."
