"""The rules that decide whether an answer to "shall I ...?" is a clear yes (assistant/confirm.py), as a table."""

from __future__ import annotations

import pytest

from assistant.confirm import Consent, consent, heard_no, heard_yes, is_yes, negated
from assistant.events import Intent, Transcript

# text, NLU intent, NLU confidence -> what it means for the waiting write
TABLE = [
    ("yes", "confirm", 1.0, Consent.YES),
    ("Yes.", "confirm", 1.0, Consent.YES),
    ("Yes, please.", "confirm", 1.0, Consent.YES),
    ("yeah", "confirm", 1.0, Consent.YES),
    ("uh yes", "confirm", 1.0, Consent.YES),
    ("Confirm.", "confirm", 1.0, Consent.YES),
    ("go ahead", "confirm", 1.0, Consent.YES),
    ("Affirmative.", "confirm", 1.0, Consent.YES),
    ("correct", "confirm", 1.0, Consent.YES),
    ("That's correct.", "confirm", 0.99, Consent.YES),
    ("do it", "confirm", 1.0, Consent.YES),
    ("correct", "note_correct", 0.6, Consent.YES),  # a whole yes phrase is a yes whatever the classifier says
    ("yes", "confirm", 0.0, Consent.UNCLEAR),  # the pipeline's mark for a yes the recognizers did not agree on
    ("yeah and the vibration", "confirm", 0.48, Consent.UNCLEAR),
    ("Can't do it.", "confirm", 0.79, Consent.NO),  # how "cancel" is sometimes heard: nothing but a no
    ("can't do it", "out_of_scope", 0.3, Consent.NO),
    ("I can't do it.", "confirm", 0.6, Consent.NO),
    ("don't", "confirm", 0.5, Consent.NO),
    ("Not now.", "confirm", 0.6, Consent.NO),
    ("uh no not yet", "out_of_scope", 0.2, Consent.NO),
    ("I said no.", "confirm", 0.7, Consent.NO),
    ("don't acknowledge it", "alarm_acknowledge", 0.77, Consent.NO),  # a refused write is no new request
    ("do not acknowledge that", "alarm_acknowledge", 0.49, Consent.NO),
    ("Do not save it.", "confirm", 0.6, Consent.NO),
    ("please don't save the note", "note_add", 0.6, Consent.NO),
    ("don't confirm", "confirm", 0.9, Consent.NO),
    ("wait", "confirm", 0.6, Consent.UNCLEAR),  # "wait" and "hold on" ask again: no refusal
    ("hold on", "confirm", 0.6, Consent.UNCLEAR),
    ("go ahead no", "confirm", 0.9, Consent.UNCLEAR),  # a yes and a no: asked again
    ("I said now.", "confirm", 0.7, Consent.UNCLEAR),
    ("okay", "confirm", 1.0, Consent.UNCLEAR),  # soft words ask again
    ("sure", "confirm", 1.0, Consent.UNCLEAR),
    ("do", "confirm", 0.84, Consent.UNCLEAR),
    ("yes but wait", "confirm", 0.9, Consent.UNCLEAR),
    ("yes don't", "confirm", 0.9, Consent.UNCLEAR),
    ("no", "deny", 1.0, Consent.NO),
    ("cancel", "cancel", 1.0, Consent.NO),
    ("no don't", "deny", 1.0, Consent.NO),
    ("yes and the vibration of feed pump one", "sensor_reading", 0.9, Consent.OTHER),
    ("show me the active alarms", "alarm_list", 1.0, Consent.OTHER),
    ("hold on let me check the drawings", "asset_status", 0.44, Consent.OTHER),
    ("how is the plant doing", "plant_overview", 1.0, Consent.OTHER),
    ("help", "help", 1.0, Consent.OTHER),
    ("don't forget the vibration of feed pump one", "sensor_reading", 0.8, Consent.OTHER),  # no write refused
    ("the pump is not running", "asset_status", 0.7, Consent.OTHER),
    ("take a note the pump is not running", "note_add", 0.9, Consent.OTHER),  # a note that holds a "not"
]


@pytest.mark.parametrize(("text", "name", "confidence", "expected"), TABLE, ids=[t[0] for t in TABLE])
def test_what_an_answer_means_for_the_waiting_write(text: str, name: str, confidence: float,
                                                    expected: Consent) -> None:
    assert consent(Intent(text=text, name=name, confidence=confidence)) is expected


@pytest.mark.parametrize("text", [
    "no", "not now", "don't", "dont", "Can't do it.", "cancel", "stop", "never", "negative", "wait", "hold on",
    "yes hold on", "yes wait", "won't", "never mind", "go ahead no", "abort", "nope", "yes, no",
])
def test_a_negation_word_vetoes_a_yes(text: str) -> None:
    assert negated(text) and not is_yes(text)


@pytest.mark.parametrize("text", [
    "yeah and the vibration", "yes and", "go", "ahead", "the yes", "yes the alarm", "do", "it", "", "please",
    "yes please acknowledge everything", "confirm the note on pump two",
])
def test_only_a_whole_yes_phrase_is_a_yes(text: str) -> None:
    assert not is_yes(text)


def _t(text: str, confidence: float) -> Transcript:
    return Transcript(text=text, confidence=confidence)


@pytest.mark.parametrize(("grammar", "open_", "expected"), [
    (_t("yes", 0.6), _t("Yes.", 0.9), True),
    (_t("go ahead", 0.5), _t("Go ahead.", 0.8), True),
    (_t("yes", 0.6), _t("Yes.", 0.1), False),  # the open recognizer is not sure
    (_t("what", 1.0), _t("Yes.", 0.9), True),  # the grammar's "what" for a yes in noise: the open one alone, sure
    (_t("what", 1.0), _t("Yes.", 0.35), False),  # ... not sure enough alone
    (_t("repeat that", 0.4), _t("Correct.", 0.8), True),
    (_t("go ahead", 0.6), _t("Hold on, let me check the drawings.", 0.9), False),  # the grammar always answers
    (_t("yeah", 0.6), _t("Show me the active alarms.", 0.9), False),
    (_t("no", 0.6), _t("Yes.", 0.9), False),  # a no of the grammar is never outvoted
    (_t("cancel", 0.6), _t("Can't do it.", 0.9), False),
    (_t("do it", 0.6), _t("Can't do it.", 0.9), False),
])
def test_speech_is_a_yes_only_when_the_open_recognizer_hears_one_surely(grammar: Transcript, open_: Transcript,
                                                             expected: bool) -> None:
    assert heard_yes(grammar, open_) is expected


@pytest.mark.parametrize(("grammar", "open_intent", "expected"), [
    (_t("cancel", 0.6), Intent("Can't do it.", "confirm", 0.79), True),  # "cancel" as whisper sometimes hears it
    (_t("no", 0.6), Intent("I said now.", "confirm", 0.7), True),
    (_t("no", 0.6), Intent("Don't.", "deny", 0.9), True),
    (_t("say again", 0.6), Intent("I said now.", "confirm", 0.7), False),  # the grammar heard no "no"
    (_t("cancel", 0.6), Intent("What is the vibration of feed pump one?", "sensor_reading", 0.9), False),
    (_t("no", 0.6), Intent("Yes.", "confirm", 1.0), False),  # a clear yes is not an unclear one: see heard_yes
])
def test_a_grammar_no_wins_over_an_unclear_yes(grammar: Transcript, open_intent: Intent, expected: bool) -> None:
    assert heard_no(grammar, open_intent) is expected
