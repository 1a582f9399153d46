"""Which asset a request is about (``assistant/dialogue/reference.py``), as a table over the real
NLU and the demo plant, and the conversations that went wrong before: an unknown asset answered
with the last asset's status, a misheard asset answered with an asset nobody named; and the
same in German, where a kind of equipment is said in one word ("die Kühlwasserpumpe")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.answer import load_responses, unexplained_numbers
from assistant.config import NluConfig, PlantConfig
from assistant.dialogue import Dialogue, DialogueState
from assistant.dialogue.reference import Reference, Referrer, follows
from assistant.events import Entity, Intent
from assistant.lang.de.answer import unexplained_numbers as german_unexplained_numbers
from assistant.nlu import create_understander, load_intents
from assistant.nlu.data import own_lookups
from assistant.plant import Plant, create_plant, load_model

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2025, 3, 12, 13, 30, tzinfo=dt.timezone.utc)
MODEL = load_model(PlantConfig().asset_model)
GERMAN = ROOT / "intents" / "de"


@pytest.fixture(scope="module")
def nlu(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return create_understander(NluConfig(models_dir=str(tmp_path_factory.mktemp("nlu"))), MODEL.lookups(),
                               ROOT / "intents" / "en", now=lambda: NOW)


@pytest.fixture(scope="module")
def nlu_de():  # type: ignore[no-untyped-def]
    """The German understander, kept in models/ as the application keeps it (tests/test_nlu_german.py)."""
    config = NluConfig(intents_dir=str(GERMAN), encoder="use-multilingual")
    return create_understander(config, own_lookups(load_intents(GERMAN), MODEL.lookups()), GERMAN, now=lambda: NOW)


@pytest.fixture(scope="module")
def referrer() -> Referrer:
    return Referrer(MODEL)


@pytest.fixture(scope="module")
def referrer_de() -> Referrer:
    return Referrer(MODEL, "de")


def N(*assets: str, back: tuple[str, ...] = ()) -> Reference:  # noqa: N802 - reads as a table
    return Reference(assets=assets, said_back=back)


def U(unknown: str, suggestions: tuple[str, ...] = (), choices: tuple[str, ...] = ()) -> Reference:  # noqa: N802
    return Reference(unknown=unknown, suggestions=suggestions, choices=choices)


PUMPS = ("P-101", "P-102", "P-201", "P-202")
# (request, the last asset talked about, what refer must find: N named / U unknown or which one)
TABLE = [
    ("what is the bearing temperature of feed pump two", None, N("P-102")),
    ("what is the bearing temperature of feed pump two", "P-201", N("P-102")),
    ("compare the load on the main transformer and feeder one", None, N("T1", "F1")),
    ("what is the level in tank 7", "F1", U("tank 7")),
    ("status of compressor three", "GT1", U("compressor three")),
    ("how is the digester doing", "CHP1", U("digester")),
    ("what is the status of pump nine", None, U("pump nine", suggestions=PUMPS)),
    ("P seven vibration", None, U("P seven", suggestions=PUMPS)),
    ("what is the current of cooling tower two", "GT1", U("cooling tower two", suggestions=("CT1", "P-202", "V-301"))),
    ("how is generator three", None, U("generator three", suggestions=("G1",))),
    ("is feeder nine going to fail", None, U("feeder nine", suggestions=("F1",))),
    ("the deaerator vibration", None, U("the deaerator", suggestions=("G1",))),
    ("gee tee one power", None, U("gee tee one", suggestions=("GT1", "CT1", "G1", "ST1", "T1"))),
    ("what do you recommend for the salmon", "G1", U("salmon")),
    ("compare the discharge pressure on feed water pump two and b7", None, U("b7")),
    ("what is the status of the gas turbine one", None, N("GT1")),
    ("compare the load on transparent one and feeder one", None, U("transparent one", suggestions=("T1",))),
    ("what is the load of the transparent one", "P-102", U("transparent one", suggestions=("T1",))),
    ("what is the flow of pump two", None, U("pump two", choices=("P-102", "P-202"))),
    ("and pump two?", "P-201", N("P-202", back=("P-202",))),
    ("and pump two?", "P-101", N("P-102", back=("P-102",))),
    ("is the pump running", None, U("pump", choices=PUMPS)),
    ("what is the drum level", "HRSG1", N()),
    ("show the trend of the last 8 hours", "ST1", N()),
    ("why?", "T1", N()),
]


@pytest.mark.parametrize("text,last,expected", TABLE, ids=[f"{t[0]}|{t[1]}" for t in TABLE])
def test_which_asset_a_request_is_about(nlu, referrer: Referrer, text: str, last: str | None,  # type: ignore[no-untyped-def]
                                        expected: Reference) -> None:
    found = referrer.refer(nlu.parse(text), last)
    assert (found.assets, found.said_back, found.unknown, found.suggestions, found.choices) == (
        expected.assets, expected.said_back, expected.unknown, expected.suggestions, expected.choices)


def test_words_heard_as_two_assets_are_asked_about(referrer: Referrer) -> None:
    """The extractor gives a near-miss as near to two names one entity each over the same words."""
    text = "acknowledge the alarm on the cooling water pomp"
    heard = tuple(Entity("asset", pump, 29, 47, "cooling water pomp", 0.88, 0.12) for pump in ("P-201", "P-202"))
    for last in (None, "P-202"):
        found = referrer.refer(Intent(text, "alarm_acknowledge", 0.9, heard), last)
        assert (found.assets, found.unknown, found.choices) == ((), "cooling water pomp", ("P-201", "P-202"))
    named = tuple(Entity("asset", pump, 29, 47, "cooling water pomp") for pump in ("P-201", "P-202"))
    found = referrer.refer(Intent(text, "alarm_acknowledge", 0.9, named), None)  # named as they are: both
    assert (found.assets, found.unknown) == (("P-201", "P-202"), "")


# German: a kind of equipment said in one word, also in the genitive; a kind the plant has one of is a guess
GERMAN_TABLE = [
    ("Alarm an der Kühlwasserpumpe quittieren", None, U("Kühlwasserpumpe", choices=("P-201", "P-202"))),
    ("Alarm an der Kühlwasserpumpe quittieren", "P-102", U("Kühlwasserpumpe", choices=("P-201", "P-202"))),
    ("Wie hoch ist die Lagertemperatur der Kühlwasserpumpe?", "P-202",
     U("Kühlwasserpumpe", choices=("P-201", "P-202"))),
    ("Wie hoch ist die Vibration der Speisewasserpumpe?", None, U("Speisewasserpumpe", choices=("P-101", "P-102"))),
    ("Wie ist der Status der Pumpe?", None, U("Pumpe", choices=PUMPS)),
    ("Wie ist der Status der Turbine?", None, U("Turbine", choices=("GT1", "ST1"))),
    ("Wie hoch ist die Lagertemperatur der Kühlwasserpumpe 3?", None,
     U("Kühlwasserpumpe 3", suggestions=("P-201", "P-202"))),
    ("Alarm des Tanks quittieren", None, U("Tanks")),
    ("Wie ist die Stellung vom Ventil?", None, U("Ventil", choices=("V-301",))),
    ("Wie hoch ist die Lagertemperatur der Kühlwasserpumpe eins?", "P-202", N("P-201")),
    ("Wie hoch ist der Dampfdruck im Kessel?", None, N("HRSG1")),
    ("Wie ist der Betriebszustand des Kessels?", None, N("HRSG1", back=("HRSG1",))),
    ("Alarm des Generators quittieren", None, N("G1", back=("G1",))),
    ("Wie ist der Status des Abgangs?", None, U("Abgangs", choices=("F1", "F2", "F3"))),
    ("Wie viel Strom zieht der Motor von P-202?", None, N("P-202")),
    ("Wie schnell dreht der Lüfter am Kühlturm?", None, N("CT1")),
    ("Alarm am Batteriespeicher quittieren", None, N("BESS1")),
    ("Zeig die aktiven Alarme", "P-102", N()),
]


@pytest.mark.parametrize("text,last,expected", GERMAN_TABLE, ids=[f"{t[0]}|{t[1]}" for t in GERMAN_TABLE])
def test_which_asset_a_german_request_is_about(nlu_de, referrer_de: Referrer, text: str,  # type: ignore[no-untyped-def]
                                               last: str | None, expected: Reference) -> None:
    found = referrer_de.refer(nlu_de.parse(text), last)
    assert (found.assets, found.said_back, found.unknown, found.suggestions, found.choices) == (
        expected.assets, expected.said_back, expected.unknown, expected.suggestions, expected.choices)


FOLLOWS = [
    ("and the vibration?", "sensor_reading", True), ("what about yesterday?", "trend", True),
    ("how about feeder two", "asset_status", True), ("why?", "explain", True),
    ("what should I do?", "recommend_action", True), ("is it running", "asset_status", True),
    ("what is the vibration", "sensor_reading", False), ("show the active alarms", "alarm_list", False),
    ("what is the status", "asset_status", False),
]


@pytest.mark.parametrize("text,name,expected", FOLLOWS)
def test_context_is_used_only_by_follow_ups(text: str, name: str, expected: bool) -> None:
    assert follows(Intent(text=text, name=name, confidence=1.0)) is expected


# ----------------------------------------------------------------------------- whole conversations


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Plant:
    return create_plant(PlantConfig(), tmp_path_factory.mktemp("plant"), clock=lambda: NOW)


def _talk(nlu, plant: Plant, tmp_path: Path, *texts: str, language: str = "en") -> list:  # type: ignore[no-untyped-def]
    dialogue = Dialogue(plant, load_responses(), tmp_path, now=lambda: NOW, role="engineer")
    dialogue.language = language
    unexplained = german_unexplained_numbers if language == "de" else unexplained_numbers
    state, answers = DialogueState(), []
    for text in texts:
        answer, state = dialogue.respond(nlu.parse(text), state)
        assert unexplained(answer.text, answer.data) == [], answer.text
        answers.append((answer, state))
    return answers


def _assets(data: object) -> set[str]:
    """Every asset id an answer's data is about (offers and guesses aside)."""
    if isinstance(data, dict):
        found = {v for k, v in data.items() if k == "asset" and isinstance(v, str)}
        for k, v in data.items():
            if k not in ("suggestions", "said_back", "unknown"):
                found |= _assets(v)
        return found
    if isinstance(data, list):
        return set().union(*(_assets(v) for v in data)) if data else set()
    return set()


def test_an_unknown_asset_is_never_answered_with_the_last_one(nlu, plant: Plant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (first, _), (answer, state) = _talk(nlu, plant, tmp_path, "what is the status of feeder one",
                                        "what is the level in tank 7")
    assert _assets(first.data) == {"F1"}
    assert answer.text.startswith("I don't know tank seven") and _assets(answer.data) == set()
    assert state.asset == "F1" and state.pending is None


def test_a_misheard_asset_is_offered_not_answered(nlu, plant: Plant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (_, _), (guess, state), (answer, _) = _talk(nlu, plant, tmp_path, "what is the bearing temperature of feed pump two",
                                                "compare the load on transparent one and feeder one", "yes")
    assert guess.text == "I don't know transparent one. Did you mean T one, the main transformer? Say yes or no."
    assert _assets(guess.data) == set() and state.awaiting == "confirm"
    assert answer.intent == "compare" and _assets(answer.data) == {"T1", "F1"}


def test_a_short_name_follows_the_last_asset_and_is_said_back(nlu, plant: Plant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (_, _), (answer, state), (vibration, _) = _talk(nlu, plant, tmp_path, "what is the flow of cooling water pump one",
                                                    "and pump two?", "and the vibration?")
    assert answer.text.startswith("Cooling water pump two:") and answer.data["said_back"] == [
        {"asset": "P-202", "heard": "pump two"}]
    assert _assets(answer.data) == {"P-202"} and answer.data["measurement"] == "flow"
    assert _assets(vibration.data) == {"P-202"} and vibration.data["measurement"] == "vibration"


def test_a_request_naming_no_asset_that_is_no_follow_up_asks(nlu, plant: Plant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, (answer, state), (why, _) = _talk(nlu, plant, tmp_path, "what is the status of the main transformer",
                                         "what is the vibration", "why?")
    assert answer.awaiting == "asset" and _assets(answer.data) == set()
    assert why.intent == "explain" and _assets(why.data) <= {"T1"}


def test_a_german_kind_of_equipment_is_asked_about_not_answered(nlu_de, plant: Plant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """"Alarm an der Kühlwasserpumpe quittieren" read back every alarm of the plant: it asks which pump,
    and the pump named then is the one acknowledged."""
    (first, _), (asked, state), (named, _) = _talk(
        nlu_de, plant, tmp_path, "Wie hoch ist die Lagertemperatur der Speisewasserpumpe zwei?",
        "Alarm an der Kühlwasserpumpe quittieren", "Kühlwasserpumpe eins", language="de")
    assert _assets(first.data) == {"P-102"}
    assert asked.text == "Welche Kühlwasserpumpe meinen Sie: Kühlwasserpumpe eins oder Kühlwasserpumpe zwei?"
    assert _assets(asked.data) == set() and "alarms" not in asked.data
    assert state.awaiting == "asset" and state.pending is None
    assert named.intent == "alarm_acknowledge" and _assets(named.data) == {"P-201"}


def test_a_german_reading_of_a_kind_of_equipment_asks_which(nlu_de, plant: Plant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, (asked, state) = _talk(nlu_de, plant, tmp_path, "Wie hoch ist die Lagertemperatur der Kühlwasserpumpe zwei?",
                              "Wie hoch ist die Lagertemperatur der Kühlwasserpumpe?", language="de")
    assert asked.text == "Welche Kühlwasserpumpe meinen Sie: Kühlwasserpumpe eins oder Kühlwasserpumpe zwei?"
    assert _assets(asked.data) == set() and state.awaiting == "asset"
    _, (boiler, _) = _talk(nlu_de, plant, tmp_path, "Wie hoch ist die Lagertemperatur der Kühlwasserpumpe zwei?",
                           "Wie hoch ist der Dampfdruck im Kessel?", language="de")
    assert _assets(boiler.data) == {"HRSG1"} and boiler.data["measurement"] == "steam_pressure"
