"""Near-misses snap to known values (assistant/nlu/snap.py), and the recognizer's bias follows the domain.

Text tables run the real extractor (spaCy, espeak-ng phoneme keys) over a coffee counter
(tests/fixtures/coffee: one intent, six lists), the drinks fixture and the demo plant;
the spoken test runs a neural voice through faster-whisper tiny.en biased toward the coffee lists.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.asr import Vocabulary
from assistant.asr.whisper import WhisperRecognizer
from assistant.audio import load_wav
from assistant.config import ROOT, AsrConfig, NluConfig
from assistant.events import Entity, Intent, from_event
from assistant.nlu import (create_understander, domain_lookups, load_intents, load_lookups, missing_slots,
                           prompt_names, required_slots, typical_requests, vocabulary)
from assistant.nlu.entities import EntityExtractor
from assistant.nlu.snap import CUTOFF, Snapper
from tests.speech import say

COFFEE = ROOT / "tests" / "fixtures" / "coffee"
DRINKS = ROOT / "tests" / "fixtures" / "drinks"
PLANT = ROOT / "intents" / "en"


@pytest.fixture(scope="module")
def coffee() -> EntityExtractor:
    return EntityExtractor({}, load_intents(COFFEE))


@pytest.fixture(scope="module")
def plant() -> EntityExtractor:
    return EntityExtractor(load_lookups(ROOT / "tests" / "fixtures" / "lookups_demo.yml"), load_intents(PLANT))


@pytest.fixture(scope="module")
def drinks() -> EntityExtractor:
    return EntityExtractor(load_lookups(ROOT / "tests" / "fixtures" / "drinks_lookups.yml"), load_intents(DRINKS))


def found(extractor: EntityExtractor, text: str) -> dict[str, Entity]:
    return {e.entity: e for e in extractor.extract(text)}


@pytest.mark.parametrize("text, entity, value, heard", [
    ("can i have an ice coffee", "drink", "iced coffee", "ice coffee"),
    ("a large americana please", "drink", "americano", "americana"),
    ("a latte with sweeter", "sweetener", "sweetener", "sweeter"),
    ("a light rose coffee", "roast", "light roast", "light rose"),
    ("a medium marker with oat milk", "drink", "mocha", "marker"),
    ("a cappucino with honey", "drink", "cappuccino", "cappucino"),
    # "simple" is nearer "single" than "triple": the nearest value wins
    ("a simple shot latte", "shots", "single shot", "simple shot"),
])
def test_coffee_near_misses_snap(coffee: EntityExtractor, text: str, entity: str, value: str, heard: str) -> None:
    hit = found(coffee, text)[entity]
    assert (hit.value, hit.text) == (value, heard)
    assert hit.distance is not None and 0 < hit.distance <= CUTOFF


def test_a_snap_swallows_the_shorter_exact_match_inside_it(coffee: EntityExtractor) -> None:
    drinks = [e for e in coffee.extract("one ice coffee with soy milk") if e.entity == "drink"]
    assert [(e.value, e.text) for e in drinks] == [("iced coffee", "ice coffee")]


@pytest.mark.parametrize("text", [
    "a large latte with oat milk", "a medium mocha with honey", "what's the weather", "tell me a joke",
    "where is the train station", "play some music", "a glass of water", "thanks a lot mate",
    "how much is that", "make it quick", "light please", "i'm in a hurry", "and a croissant",
])
def test_words_that_must_not_snap(coffee: EntityExtractor, text: str) -> None:
    assert [e for e in coffee.extract(text) if e.distance is not None] == []


def test_exact_values_carry_no_distance(coffee: EntityExtractor) -> None:
    entities = coffee.extract("a small double shot latte with whole milk and sugar")
    assert {(e.entity, e.value) for e in entities} == {("size", "small"), ("shots", "double shot"),
                                                      ("drink", "latte"), ("milk", "whole"), ("sweetener", "sugar")}
    assert all(e.distance is None for e in entities)


@pytest.mark.parametrize("text, value", [
    ("what is the flow of feed pump to", "P-102"),
    ("start feed pump to", "P-102"),
    ("show the vibration of the curling tower fan", "CT1"),
])
def test_plant_near_misses_snap_with_a_distance(plant: EntityExtractor, text: str, value: str) -> None:
    hit = found(plant, text)["asset"]
    assert hit.value == value and hit.distance is not None and 0 <= hit.distance < 0.5


@pytest.mark.parametrize("text", [
    "what's the weather in paris", "my phone is dead", "is the kettle on", "did arsenal score",
    "i fancy a sandwich", "where did i park", "that film was great", "pete can you grab the door",
    "call the on call engineer", "im off for a smoke",
])
def test_never_a_plant_asset_from_an_unrelated_word(plant: EntityExtractor, text: str) -> None:
    assert "asset" not in found(plant, text)


def test_plant_lists_snap_what_the_plant_rules_leave(plant: EntityExtractor) -> None:
    hit = found(plant, "a lost temperature biogas engine")["measurement"]
    assert (hit.value, hit.text) == ("exhaust_temperature", "lost temperature") and 0 < hit.distance <= 0.23
    assert "measurement" not in found(plant, "im off for a smoke")  # 0.25 from soc: too far


def test_lists_given_as_lookups_snap_too(drinks: EntityExtractor) -> None:
    assert found(drinks, "a large latte with soya")["milk"].value == "soy"  # a spoken form: exact
    assert found(drinks, "a latte with full fat milk")["milk"].distance is None


def test_the_snap_is_in_the_json(coffee: EntityExtractor) -> None:
    entities = tuple(coffee.extract("a latte with sweeter"))
    intent = Intent("a latte with sweeter", "order_coffee", 0.9, entities)
    rasa = {e["entity"]: e for e in intent.rasa()["entities"]}
    assert rasa["sweetener"]["heard"] == "sweeter" and rasa["sweetener"]["distance"] > 0
    assert "distance" not in rasa["drink"]
    again = from_event(json.loads(json.dumps(intent.event())))
    assert again == intent


def test_snapper_rules_by_themselves() -> None:
    snapper = Snapper([(("iced", "coffee"), "drink", "iced coffee"), (("coffee",), "drink", "coffee"),
                       (("double", "shot"), "shots", "double shot")], known={"shot"})
    assert snapper.nearest(["ice", "coffee"]).value == "iced coffee"
    assert snapper.nearest(["coffee"]) is None  # a form is left to the exact matcher
    assert snapper.nearest(["single", "shot"]) is None  # the word that differs must sound alike
    assert snapper.snaps(["ice", "coffee"], [True, False]) == []  # only over free words


def test_words_as_near_to_two_values_snap_to_both_never_one() -> None:
    """A name heard without the word that tells two assets apart is ambiguous: both values, nearest first."""
    snapper = Snapper([(("cooling", "pump", "1"), "asset", "P-201"), (("cooling", "pump", "2"), "asset", "P-202"),
                       (("cooling", "valve"), "asset", "V-301")], known=())
    both = snapper.nearest(["cooling", "pumps"])
    assert both is not None and both.values == ("P-201", "P-202") and both.also == ("P-202",)
    one = snapper.nearest(["cooling", "pumps", "2"])
    assert one is not None and one.values == ("P-202",)
    assert snapper.snaps(["the", "cooling", "pumps"])[0].values == ("P-201", "P-202")


def test_bias_is_built_from_a_foreign_intents_dir() -> None:
    intents = load_intents(COFFEE)
    domain = domain_lookups(intents, load_lookups(ROOT / "tests" / "fixtures" / "lookups_demo.yml"))
    assert "asset" not in domain and domain["drink"]["flat white"] == ("flat white", "flat whites")
    phrases, sentences = vocabulary(intents, domain)
    vocab = Vocabulary(phrases, sentences, typical_requests(intents), prompt_names(domain))
    recognizer = WhisperRecognizer(AsrConfig(), vocab, "command", bias_mode="both")
    assert "americano" in recognizer.prompt.lower() and "sweetener" in recognizer.hotwords.lower()
    assert "turbine" not in recognizer.prompt.lower() + recognizer.hotwords.lower()
    sentence = WhisperRecognizer(AsrConfig(), vocab, "command", bias_mode="sentences").prompt
    assert sentence.startswith("Can i have a large latte with oat milk.") and "Americano" in sentence.title()


def test_required_slots_are_what_every_written_example_carries() -> None:
    coffee = required_slots(load_intents(COFFEE))
    assert coffee == {"order_coffee": frozenset({"drink"})}
    plant = required_slots(load_intents(PLANT))
    assert plant["sensor_reading"] == {"asset"} and "alarm_list" not in plant
    size_only = Intent("a large one please", "order_coffee", 0.9, (Entity("size", "large", 2, 7, "large"),))
    assert missing_slots(size_only, coffee) == {"drink"}
    assert missing_slots(Intent("tell me a joke", "out_of_scope", 0.9), coffee) == frozenset()


@pytest.fixture(scope="module")
def coffee_nlu(tmp_path_factory: pytest.TempPathFactory):
    return create_understander(NluConfig(models_dir=str(tmp_path_factory.mktemp("coffee-models"))), {}, COFFEE)


@pytest.mark.parametrize("voice, bias, text, expected", [
    # tiny.en writes "ice latte" / "ice coffee" for these neural voices; both snap to the listed drink
    ("piper:joe", "sentences", "A small iced latte with soy milk.", {"size": "small", "drink": "iced latte", "milk": "soy"}),
    ("hibari:heart", "none", "Can I have an iced coffee with sweetener?",
     {"drink": "iced coffee", "sweetener": "sweetener"}),
])
def test_spoken_near_misses_snap_through_the_recognizer(coffee_nlu, tmp_path: Path, voice: str, bias: str, text: str,
                                                        expected: dict[str, str]) -> None:
    intents = load_intents(COFFEE)
    domain = domain_lookups(intents, {})
    phrases, sentences = vocabulary(intents, domain)
    vocab = Vocabulary(phrases, sentences, typical_requests(intents), prompt_names(domain))
    wav = say(text, tmp_path / "order.wav", voice=voice)
    transcript = WhisperRecognizer(AsrConfig(), vocab, "command", bias_mode=bias).transcribe(load_wav(wav))
    intent = coffee_nlu.parse(transcript.text)
    assert intent.name == "order_coffee", transcript.text
    assert {e.entity: e.value for e in intent.entities} == expected, (transcript.text, intent.entities)
    drink = next(e for e in intent.entities if e.entity == "drink")
    assert (drink.distance is not None) == ("iced" not in transcript.text.lower()), transcript.text


TIMERS = """version: "3.1"
nlu:
- intent: start_timer
  examples: |
    - set a timer for [five minutes](duration)
    - start a [twenty minutes](duration) timer for the [pasta](food)
    - remind me in [two hours](duration) about the [bread](food)
- regex: duration
  examples: |
    - \\b(?:\\d+|one|two|five|ten|twenty) (?:hours?|minutes?)
- lookup: food
  examples: |
    - pasta
    - bread
"""


def test_values_a_regex_finds_are_no_snap_targets(tmp_path: Path) -> None:
    (tmp_path / "timers.yml").write_text(TIMERS)
    timers = EntityExtractor({}, load_intents(tmp_path))
    assert {f.entity for f in timers.snapper.forms} == {"food"}  # lookups only, not the annotated durations
    assert "duration" not in found(timers, "set a timer for fife minutes")  # no near-miss of "five minutes"
    assert found(timers, "set a timer for ten minutes")["duration"].value == "ten minutes"  # the regex's own
    assert found(timers, "a timer for the paster")["food"].value == "pasta"  # lookup values still snap


def test_a_name_said_in_the_plural_is_the_name(tmp_path: Path) -> None:
    (tmp_path / "lights.yml").write_text('''version: "3.1"
nlu:
- intent: turn_on
  examples: |
    - turn on [Standing Light](name)
    - switch on the [kitchen](area) lights
- lookup: name
  examples: |
    - Standing Light
    - Bed Light
    - Bed Lights Strip
''')
    lights = EntityExtractor({}, load_intents(tmp_path))
    assert found(lights, "Turn on Standing Lights.")["name"].value == "Standing Light"
    assert found(lights, "turn on bed lights strip")["name"].value == "Bed Lights Strip"  # a form of its own
    assert found(lights, "turn on the bed lights")["name"].value == "Bed Light"
    assert "name" not in found(lights, "turn on the lights")  # one word: no plural
