"""The understander end to end: real spaCy pipeline, real classifier trained in the session."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from assistant.config import ROOT, NluConfig
from assistant.errors import ConfigError
from assistant.events import OUT_OF_SCOPE, Intent, from_event
from assistant.nlu import create_understander, load_intent_tests, load_intents, load_lookups, understanders
from assistant.nlu.classifier import model_key

INTENTS_DIR = ROOT / "intents" / "en"
NOW = datetime(2026, 3, 11, 9, 30)
TESTS = load_intent_tests(INTENTS_DIR, load_intents(INTENTS_DIR))


@pytest.fixture(scope="session")
def lookups():
    return load_lookups(ROOT / "tests" / "fixtures" / "lookups_demo.yml")


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("nlu-models")


@pytest.fixture(scope="session")
def nlu(lookups, models_dir):
    return create_understander(NluConfig(models_dir=str(models_dir)), lookups, INTENTS_DIR, now=lambda: NOW)


@pytest.mark.parametrize("case", TESTS, ids=[f"{t.intent}:{t.text}" for t in TESTS])
def test_intent_test_files(nlu, case):
    result = nlu.parse(case.text)
    assert result.name == case.intent, result.ranking[:3]
    for expected in case.entities:
        hits = [e for e in result.entities if e.entity == expected.entity
                and e.start < expected.end and expected.start < e.end]
        assert hits, f"{expected.entity} {expected.text!r} not found in {result.entities}"
        if expected.value is not None:
            assert expected.value in [e.value for e in hits]


@pytest.mark.parametrize("text", [
    "what's the forecast for saturday", "did arsenal score", "i fancy a sandwich", "pete can you grab the door",
    "my phone battery is dead", "where did i park", "that film was great", "so basically what happened was",
    "is the kettle on", "what's the time in tokyo",
])
def test_chatter_is_out_of_scope(nlu, text):
    assert nlu.parse(text).name == OUT_OF_SCOPE


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text(nlu, text):
    result = nlu.parse(text)
    assert result.name == OUT_OF_SCOPE and result.confidence == 0.0 and result.entities == ()


def test_punctuation_only(nlu):
    assert nlu.parse("?!. ,").name == OUT_OF_SCOPE


def test_huge_text_does_not_crash(nlu):
    text = "what is the bearing temperature of feed pump two " * 2100  # about 100 kB
    result = nlu.parse(text)
    assert isinstance(result, Intent) and result.text == text
    assert all(e.end <= len(text) and text[e.start:e.end] == e.text for e in result.entities)


def test_short_dialogue_forms_are_exact(nlu):
    for text, name in [("yes", "confirm"), ("No.", "deny"), ("Cancel!", "cancel"), ("say again", "repeat"),
                       ("help", "help")]:
        result = nlu.parse(text)
        assert (result.name, result.confidence) == (name, 1.0)


@pytest.mark.parametrize("text", ["Can't do it.", "Do not save it.", "don't confirm"])
def test_a_refusal_is_never_a_confirm(nlu, text):
    # "cancel" as the recognizer sometimes hears it: confirm.refuses makes a deny of it
    assert nlu.parse(text).name == "deny"


def test_entities_and_rasa_shape(nlu):
    result = nlu.parse("What's the bearing temp of P one-oh-two?")
    assert result.name == "sensor_reading"
    assert result.entity("asset") == "P-102" and result.entity("measurement") == "bearing_temperature"
    assert nlu.entities(result.text) == result.entities
    rasa = result.rasa()
    assert rasa["intent"]["name"] == "sensor_reading"
    assert {e["entity"]: e["value"] for e in rasa["entities"]} == {"asset": "P-102", "measurement": "bearing_temperature"}
    assert [r["name"] for r in rasa["intent_ranking"]][0] == "sensor_reading"
    confidences = [r["confidence"] for r in rasa["intent_ranking"]]
    assert confidences == sorted(confidences, reverse=True) and len(confidences) <= 10
    json.dumps(rasa)
    assert from_event(result.event()) == result


def test_time_range_uses_now(nlu):
    result = nlu.parse("show alarms from the night shift")
    assert result.name == "alarm_list"
    assert result.entity("time_range") == "2026-03-10T22:00:00/2026-03-11T06:00:00"


def test_asr_slips_reach_the_intent(nlu):
    result = nlu.parse("what's the fan speed of the curling tower")
    assert result.name == "sensor_reading" and result.entity("asset") == "CT1"


def test_low_confidence_becomes_out_of_scope_with_ranking(nlu, lookups, models_dir):
    strict = create_understander(NluConfig(models_dir=str(models_dir), threshold=0.9999), lookups, INTENTS_DIR,
                                 now=lambda: NOW)
    assert not strict.trained  # same data: the stored model is reused
    unsure = [t.text for t in TESTS if t.intent != OUT_OF_SCOPE and nlu.parse(t.text).confidence < 0.9999]
    assert unsure, "every test sentence was certain"
    for text in unsure:
        normal, result = nlu.parse(text), strict.parse(text)
        assert result.name == OUT_OF_SCOPE
        assert result.ranking == normal.ranking and result.ranking[0][0] == normal.name != OUT_OF_SCOPE
    assert strict.parse("yes").name == "confirm"  # templates are certain


def test_unknown_backend_lists_the_choices(lookups):
    with pytest.raises(ConfigError, match="classifier"):
        create_understander(NluConfig(backend="nope"), lookups)
    assert "classifier" in understanders.names()


def test_unknown_features_is_a_config_error(lookups, tmp_path):
    with pytest.raises(ConfigError, match="tfidf"):
        create_understander(NluConfig(models_dir=str(tmp_path), features="bag"), lookups, INTENTS_DIR)


# -- a foreign domain, no code change (tests/fixtures/drinks, see conftest) ----------

def test_foreign_domain_works_without_code_change(drinks_dir, drink_lookups, tmp_path):
    nlu = create_understander(NluConfig(models_dir=str(tmp_path / "models")), drink_lookups, drinks_dir)
    result = nlu.parse("could I get a venti latte with soya")
    assert result.name == "order_drink"
    assert result.entity("size") == "large" and result.entity("milk") == "soy"
    assert nlu.parse("is my drink done").name == "check_order"
    assert nlu.parse("who scored in the football").name == OUT_OF_SCOPE
    assert nlu.parse("").name == OUT_OF_SCOPE


def test_model_cache_retrains_only_when_data_changes(drinks_dir, drink_lookups, tmp_path):
    models = tmp_path / "models"
    config = NluConfig(models_dir=str(models))
    first = create_understander(config, drink_lookups, drinks_dir)
    assert first.trained and len(list(models.glob("nlu-*.npz"))) == 1
    again = create_understander(config, drink_lookups, drinks_dir)
    assert not again.trained and again.model.key == first.model.key

    data = drinks_dir / "drinks.yml"
    data.write_text(data.read_text().replace("    - order a coffee\n", "    - order a coffee\n    - a hot chocolate\n"))
    changed = create_understander(config, drink_lookups, drinks_dir)
    assert changed.trained and changed.model.key != first.model.key
    assert len(list(models.glob("nlu-*.npz"))) == 2

    more = {**drink_lookups, "milk": {**drink_lookups["milk"], "almond": ("almond",)}}
    relooked = create_understander(config, more, drinks_dir)
    assert relooked.trained and relooked.model.key not in (first.model.key, changed.model.key)


def test_a_model_of_other_data_is_never_used(drinks_dir, drink_lookups, tmp_path):
    models = tmp_path / "models"
    config = NluConfig(models_dir=str(models))
    original = create_understander(config, drink_lookups, drinks_dir)
    other_dir = tmp_path / "other"
    shutil.copytree(drinks_dir, other_dir)
    (other_dir / "drinks.yml").write_text((drinks_dir / "drinks.yml").read_text().replace("book a hotel", "book a room"))
    other_key = model_key(load_intents(other_dir), drink_lookups, config.features)
    # a stale file under the other data's name: must be ignored and replaced
    shutil.copy(models / f"nlu-{original.model.key}.npz", models / f"nlu-{other_key}.npz")
    other = create_understander(config, drink_lookups, other_dir)
    assert other.trained and other.model.key == other_key
    (models / f"nlu-{other_key}.npz").write_bytes(b"not a model")
    assert create_understander(config, drink_lookups, other_dir).trained


def test_responses_file_beside_the_data_is_ignored(drinks_dir, drink_lookups, tmp_path):
    (drinks_dir / "responses.yml").write_text('version: "3.1"\nresponses:\n  utter_ready:\n  - text: "ready"\n')
    nlu = create_understander(NluConfig(models_dir=str(tmp_path / "models")), drink_lookups, drinks_dir)
    assert nlu.parse("is my coffee ready").name == "check_order"


def test_minilm_features_train_and_predict(tmp_path, drinks_dir, drink_lookups):
    nlu = create_understander(NluConfig(models_dir=str(tmp_path / "models"), features="both"), drink_lookups,
                              drinks_dir)
    assert nlu.model.features == "both"
    assert nlu.parse("can i order a big cappuccino").name == "order_drink"
