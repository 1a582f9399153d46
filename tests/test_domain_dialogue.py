"""A domain of its own is answered by its own handlers and responses, never by the plant's.

Rasa's moodbot (tests/fixtures/rasa/moodbot, responses in its domain.yml) and small domains written
here go through the whole pipeline, typed; ``MOOD_CODE`` is a handler as a developer registers it
(``import_handlers``), one that reads back and waits for a clear yes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.dialogue import HANDLERS, import_handlers
from assistant.events import Answer
from assistant.nlu import load_intents
from assistant.pipeline import Pipeline, _domain_responses

ROOT = Path(__file__).resolve().parent.parent
MOODBOT = ROOT / "tests" / "fixtures" / "rasa" / "moodbot"
PLANT_WORDS = re.compile(r"P-?1\d\d|P one|pump|plant|alarm|reading|note|acknowledg|degrees|\d", re.IGNORECASE)

MOOD_CODE = '''
import dataclasses

from assistant.dialogue import PendingWrite, handler
from assistant.events import Answer


@handler("mood_great")
def mood_great(dialogue, intent, state):
    """Reads the mood back; on a clear yes it is kept."""
    if state.pending is not None and state.pending.kind == "mood_great":
        kept = dataclasses.replace(state, pending=None, awaiting=None)
        return Answer("Kept: you feel great.", intent.name, {"kept": state.pending.data["said"]}), kept
    waiting = PendingWrite("mood_great", {"said": intent.text})
    return (Answer("Shall I keep that you feel great?", intent.name, {"said": intent.text}),
            dataclasses.replace(state, pending=waiting, awaiting="confirm"))
'''

FAQ_NLU = '''version: "3.1"
nlu:
- intent: faq/ask_hours
  examples: |
    - when are you open
    - what are your opening hours
    - are you open on sunday
    - until when are you open today
- intent: book
  examples: |
    - book a trip to [Paris](city)
    - I want to travel to [Rome](city)
    - get me a ticket to [Oslo](city)
    - a journey to [Vienna](city) please
- intent: thank
  examples: |
    - thanks
    - thank you very much
    - cheers for that
    - much appreciated
'''

ASK_NAME = '''version: "3.1"
nlu:
- intent: faq/ask_name
  examples: |
    - what is your name
    - what are you called
    - who are you
    - tell me your name
responses:
  utter_faq/ask_name:
  - text: "I am Sara, the travel desk."
'''

FAQ_RESPONSES = '''responses:
  utter_book:
  - text: "A trip to {city}: I will look for one."
  utter_default:
  - text: "Sorry, the travel desk **cannot** help with that. See [our page](https://example.org/travel)."
'''


def pipeline(directory: Path, tmp_path_factory: pytest.TempPathFactory, role: str = "viewer") -> Pipeline:
    env = {"PLANTVOICE_DATA_DIR": str(tmp_path_factory.mktemp("data")),
           "PLANTVOICE_NLU_MODELS_DIR": str(tmp_path_factory.mktemp("models")),
           "PLANTVOICE_STATION_DEFAULT_ROLE": role}
    return Pipeline.from_config(load_config(env=env), intents_dir=directory)


@pytest.fixture(scope="module")
def moodbot(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return pipeline(MOODBOT, tmp_path_factory)


@pytest.fixture(scope="module")
def travel(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    directory = tmp_path_factory.mktemp("travel")
    (directory / "nlu.yml").write_text(FAQ_NLU)
    (directory / "responses.yml").write_text(FAQ_RESPONSES)
    (directory / "data" / "faq").mkdir(parents=True)  # Rasa keeps a retrieval intent's responses beside it
    (directory / "data" / "faq" / "ask_name.yml").write_text(ASK_NAME)
    return pipeline(directory, tmp_path_factory)


@pytest.fixture
def mood_code(tmp_path: Path) -> Iterator[None]:
    (tmp_path / "mood.py").write_text(MOOD_CODE)
    import_handlers(tmp_path / "mood.py")
    yield
    HANDLERS.pop("mood_great")


def ask(pipeline: Pipeline, text: str) -> Answer:
    intent, answer = pipeline.ask(text)
    assert intent.text == text
    return answer


def test_a_greeting_is_answered_with_the_domain_s_response(moodbot: Pipeline) -> None:
    answer = ask(moodbot, "hello there")
    assert (answer.intent, answer.text, answer.data) == ("greet", "Hey! How are you?", {"response": "utter_greet"})
    assert ask(moodbot, "bye now").text == "Bye"


@pytest.mark.parametrize("text, intent", [("yes", "affirm"), ("no", "deny")])
def test_yes_and_no_are_the_domain_s_intents_never_a_plant_write(moodbot: Pipeline, text: str, intent: str) -> None:
    """No plant read back, acknowledgement, cancel or "did you mean"; before and after a greeting."""
    alarms = [(a.id, a.acknowledged) for a in moodbot.plant.alarms()]
    for said in (text, "hello", text):
        answer = ask(moodbot, said)
        assert answer.awaiting is None and not PLANT_WORDS.search(answer.text), answer
    assert answer.intent == intent and answer.data == {
        "response": "utter_understood", "understood": {"intent": intent, "entities": []}}
    assert answer.text == f"I understood {intent}, but I have no answer for it."
    assert [(a.id, a.acknowledged) for a in moodbot.plant.alarms()] == alarms


@pytest.mark.parametrize("text", ["is feed pump two running", "help", "acknowledge all alarms",
                                  "what is the bearing temperature of P-102"])
def test_plant_requests_get_no_plant_answer(moodbot: Pipeline, text: str) -> None:
    answer = ask(moodbot, text)
    assert answer.text == "Sorry, I cannot help with that.", answer
    assert answer.data == {"response": "utter_out_of_scope_domain"} and answer.awaiting is None


def test_a_handler_the_domain_registers_answers_and_its_write_waits_for_a_clear_yes(
        mood_code: None, tmp_path_factory: pytest.TempPathFactory) -> None:
    bot = pipeline(MOODBOT, tmp_path_factory, "operator")  # made after the handler is registered, as --code does
    asked = ask(bot, "I feel great")
    assert (asked.text, asked.awaiting) == ("Shall I keep that you feel great?", "confirm")
    kept = ask(bot, "yes")
    assert (kept.text, kept.data, kept.awaiting) == ("Kept: you feel great.", {"kept": "I feel great"}, None)
    ask(bot, "I feel great")
    dropped = ask(bot, "no")
    assert dropped.text == "Cancelled. The mood great was not written." and dropped.awaiting is None
    ask(bot, "I feel great")
    moved_on = ask(bot, "hello")  # another request drops the write and says so
    assert moved_on.text == "The mood great was not written. Hey! How are you?"
    assert moved_on.data == {"response": "utter_greet", "dropped": "mood_great"}
    assert ask(bot, "yes").data["understood"]["intent"] == "affirm"  # nothing waits: a yes is the domain's


def test_a_retrieval_intent_is_answered_by_its_response_and_entities_fill_slots(travel: Pipeline) -> None:
    answer = ask(travel, "What is your name?")
    assert (answer.intent, answer.text, answer.data) == (
        "faq/ask_name", "I am Sara, the travel desk.", {"response": "utter_faq/ask_name"})
    booked = ask(travel, "book a trip to Rome")
    assert (booked.text, booked.data) == ("A trip to Rome: I will look for one.", {"response": "utter_book"})


def test_without_a_response_the_answer_names_what_was_understood(travel: Pipeline) -> None:
    hours = ask(travel, "what are your opening hours")
    assert (hours.text, hours.data["understood"]) == (
        "I understood faq ask hours, but I have no answer for it.", {"intent": "faq/ask_hours", "entities": []})
    assert ask(travel, "thank you very much").data["understood"]["intent"] == "thank"


def test_out_of_scope_is_the_domain_s_default_response(travel: Pipeline) -> None:
    answer = ask(travel, "what is the bearing temperature of feed pump two")
    assert (answer.intent, answer.text, answer.data) == (
        "out_of_scope", "Sorry, the travel desk cannot help with that. See our page.",
        {"response": "utter_default", "links": ["https://example.org/travel"]})  # markdown said as words


def test_a_viewer_s_yes_carries_out_no_write_of_a_domain_handler(mood_code: None,
                                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    bot = pipeline(MOODBOT, tmp_path_factory)  # nobody signed on: a viewer
    assert ask(bot, "I feel great").awaiting == "confirm"
    refused = ask(bot, "yes")
    assert "kept" not in refused.data and refused.data["refused"] == "mood_great", refused
    assert refused.text == "Mood great needs the operator or maintenance role; you are signed on as viewer."
    assert refused.awaiting is None


def test_responses_come_from_every_file_and_a_broken_one_is_left_out(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """The domain's responses.yml gives a name first; an image or a custom payload is not said; a file that
    cannot be read breaks nothing else."""
    (tmp_path / "data").mkdir()
    (tmp_path / "responses.yml").write_text('responses:\n  utter_greet:\n  - text: "Hello from responses.yml"\n')
    (tmp_path / "domain.yml").write_text('responses:\n  utter_greet:\n  - text: "Hello from domain.yml"\n'
                                         '  utter_bye:\n  - text: "Bye from domain.yml"\n'
                                         '  - custom:\n      blocks: [{type: divider}]\n'  # a chat channel's only
                                         '  utter_cheer_up:\n  - image: "https://i.imgur.com/nGF1K8f.jpg"\n')
    (tmp_path / "data" / "faq.yml").write_text(ASK_NAME)
    (tmp_path / "data" / "broken.yml").write_text('responses:\n  utter_thank: "not a list"\n')
    with caplog.at_level("WARNING"):
        responses = _domain_responses(tmp_path, load_intents(tmp_path))
    assert responses.names == ["utter_bye", "utter_faq/ask_name", "utter_greet"]
    assert responses.render("utter_greet") == "Hello from responses.yml"
    assert responses.templates["utter_bye"] == ("Bye from domain.yml",)  # what cannot be said is left out
    assert "broken.yml: its responses are not used" in caplog.text and "utter_thank" in caplog.text
