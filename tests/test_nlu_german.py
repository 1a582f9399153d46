"""German understanding: intents/de as data, and a model trained on it with a multilingual encoder.

The model is trained once for the module (a few minutes on two cores) and kept in models/
under the hash of the data, as the application keeps it. German numbers and time phrases are
read with lang/de (tests/test_nlu_entities_german.py); the test files annotate the time ranges
of requests about a time.
"""

from __future__ import annotations

import pytest

from assistant.config import ROOT, NluConfig
from assistant.errors import ConfigError
from assistant.nlu import create_understander, load_intent_tests, load_intents
from assistant.nlu.data import own_lookups
from assistant.nlu.evaluate import run_cases, score
from assistant.nlu.normalize import normalize
from assistant.nlu.validate import validate
from assistant.plant import load_model

GERMAN = ROOT / "intents" / "de"
ENGLISH = ROOT / "intents" / "en"
ENCODER = "use-multilingual"  # the better of the two multilingual encoders on the German tests (RESULTS.md)
# Floors just below what was measured on the held-out German test sentences (benchmarks/RESULTS.md).
INTENT_FLOOR = 0.95
ASSET_FLOOR = 0.95
OOS_FLOOR = 0.85
FALSE_REJECTION_CEILING = 0.03


@pytest.fixture(scope="module")
def lookups():
    return load_model(ROOT / "plant" / "demo_plant.yaml").lookups()


@pytest.fixture(scope="module")
def intents():
    return load_intents(GERMAN)


@pytest.fixture(scope="module")
def understander(intents, lookups):
    config = NluConfig(intents_dir=str(GERMAN), encoder=ENCODER)
    return create_understander(config, own_lookups(intents, lookups), GERMAN)


@pytest.fixture(scope="module")
def evaluation(understander, intents):
    return score(run_cases(understander.parse, load_intent_tests(GERMAN, intents)))


def test_validate_finds_no_problems(lookups):
    assert validate(GERMAN, lookups) == ()


def test_the_catalogue_is_the_english_one(intents):
    assert set(intents.names) == set(load_intents(ENGLISH).names)


def test_every_data_file_has_a_test_file():
    data = {p.stem for p in GERMAN.glob("*.yml") if p.name != "responses.yml"}
    tests = {p.stem.removesuffix("_test") for p in (GERMAN / "tests").glob("*_test.yml")}
    assert data == tests
    assert (GERMAN / "responses.yml").is_file()  # the dialogue's German answers


def test_tests_are_worded_differently_from_examples(intents):
    examples = {normalize(e.text) for e in intents.examples}
    copied = [t.text for t in load_intent_tests(GERMAN, intents) if normalize(t.text) in examples]
    assert copied == []


def test_german_names_are_the_lists_of_a_german_directory(intents, lookups):
    german = own_lookups(intents, lookups)
    assert "speisewasserpumpe zwei" in german["asset"]["P-102"] and "p 102" in german["asset"]["P-102"]
    assert "kühlwasserventil" in german["asset"]["V-301"]
    assert "lagertemperatur" in german["measurement"]["bearing_temperature"]
    english = own_lookups(load_intents(ENGLISH), lookups)
    assert english["asset"] == dict(lookups)["asset"]  # English keeps its own lists, with no German in them
    assert "speisewasserpumpe zwei" not in english["asset"]["P-102"]


def test_held_out_sentences_reach_the_floors(evaluation):
    summary = evaluation.summary
    assert summary.accuracy is not None and summary.accuracy >= INTENT_FLOOR, evaluation.confusions
    assert evaluation.entity_types["asset"].recall >= ASSET_FLOOR
    assert summary.oos_rejection is not None and summary.oos_rejection >= OOS_FLOOR
    assert summary.false_rejection is not None and summary.false_rejection <= FALSE_REJECTION_CEILING


@pytest.mark.parametrize(("text", "intent", "asset", "measurement"), [
    ("Wie hoch ist die Lagertemperatur der Speisewasserpumpe zwei", "sensor_reading", "P-102", "bearing_temperature"),
    ("Gibt es Störungsprognosen für Gasturbine eins?", "fault_prediction", "GT1", None),
    ("Quittiere den Alarm am Haupttrafo", "alarm_acknowledge", "T1", None),
    ("Wie lange hält das Lager noch?", "remaining_life", None, None),
    ("Was liegt an?", "alarm_list", None, None),
    ("Wie läuft die Anlage?", "plant_overview", None, None),
    ("Abbrechen", "cancel", None, None),
    ("Ja, mach", "confirm", None, None),
    ("Nein", "deny", None, None),
    ("Nochmal bitte", "repeat", None, None),
    ("Was kannst du?", "help", None, None),
    ("Notiz: Kühlwasserventil tropft an der Stopfbuchse", "note_add", None, None),
])
def test_control_room_sentences(understander, text, intent, asset, measurement):
    result = understander.parse(text)
    assert result.name == intent
    if asset:
        assert result.entity("asset") == asset
    if measurement:
        assert result.entity("measurement") == measurement


def test_unknown_encoder_lists_the_choices(intents, lookups, tmp_path):
    with pytest.raises(ConfigError, match="use-multilingual"):
        create_understander(NluConfig(models_dir=str(tmp_path), encoder="bert"), own_lookups(intents, lookups), GERMAN)


def test_a_stored_model_keeps_its_encoder(tmp_path, drinks_dir, drink_lookups):
    config = NluConfig(models_dir=str(tmp_path / "models"), encoder=ENCODER)
    trained = create_understander(config, drink_lookups, drinks_dir)
    stored = create_understander(config, drink_lookups, drinks_dir)
    assert trained.trained and not stored.trained and stored.model.encoder == ENCODER
    text = "can i order a big cappuccino"
    assert stored.parse(text).name == trained.parse(text).name == "order_drink"
    assert not create_understander(NluConfig(models_dir=str(tmp_path / "models")), drink_lookups, drinks_dir).model.encoder != "minilm"
