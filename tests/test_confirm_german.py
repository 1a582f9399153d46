"""German answers to "shall I ...?" (assistant/confirm.py), as a table: typed, and as the open recognizer writes them."""

from __future__ import annotations

import pytest

from assistant.confirm import Consent, consent, heard_no, heard_yes, is_yes, negated, refuses
from assistant.events import Intent, Transcript

# text, NLU intent, NLU confidence -> what it means for the waiting write
TABLE = [
    ("ja", "confirm", 1.0, Consent.YES),
    ("Ja.", "confirm", 1.0, Consent.YES),
    ("Ja!", "confirm", 0.9, Consent.YES),
    ("Ja, bitte.", "confirm", 1.0, Consent.YES),
    ("Ja bitte", "confirm", 1.0, Consent.YES),
    ("Ja, danke.", "confirm", 1.0, Consent.YES),
    ("Ja, danke schön.", "confirm", 1.0, Consent.YES),
    ("Jawohl.", "confirm", 1.0, Consent.YES),
    ("Jawoll!", "confirm", 1.0, Consent.YES),
    ("Äh, ja.", "confirm", 1.0, Consent.YES),
    ("Ähm ja bitte", "confirm", 1.0, Consent.YES),
    ("Also ja.", "confirm", 1.0, Consent.YES),
    ("Bestätigt.", "confirm", 1.0, Consent.YES),
    ("bestaetigt", "confirm", 1.0, Consent.YES),  # folded as some recognizers write it
    ("Ich bestätige.", "confirm", 1.0, Consent.YES),
    ("Ja, bestätigt.", "confirm", 1.0, Consent.YES),
    ("Korrekt.", "confirm", 1.0, Consent.YES),
    ("Das ist korrekt.", "confirm", 0.99, Consent.YES),
    ("Affirmativ.", "confirm", 1.0, Consent.YES),
    ("Ja, mach", "confirm", 1.0, Consent.YES),
    ("Ja, mach das.", "confirm", 1.0, Consent.YES),
    ("Korrekt", "note_correct", 0.6, Consent.YES),  # a whole yes phrase is a yes whatever the classifier says
    ("Ja.", "confirm", 0.0, Consent.UNCLEAR),  # the pipeline's mark for a yes the recognizers did not agree on
    ("Ja.", "confirm", 0.3, Consent.UNCLEAR),
    # not a clear yes: asked again
    ("Jaja", "confirm", 1.0, Consent.UNCLEAR),  # dismissive
    ("Ja, ja.", "confirm", 1.0, Consent.UNCLEAR),
    ("Na ja.", "confirm", 0.8, Consent.UNCLEAR),
    ("Ja gut.", "confirm", 0.9, Consent.UNCLEAR),
    ("Tja.", "confirm", 0.6, Consent.UNCLEAR),
    ("Gut.", "confirm", 0.9, Consent.UNCLEAR),  # soft words
    ("Okay.", "confirm", 1.0, Consent.UNCLEAR),
    ("Klar.", "confirm", 0.9, Consent.UNCLEAR),
    ("Genau.", "confirm", 0.9, Consent.UNCLEAR),
    ("Richtig so.", "confirm", 0.9, Consent.UNCLEAR),
    ("Passt.", "confirm", 0.9, Consent.UNCLEAR),
    ("In Ordnung.", "confirm", 0.9, Consent.UNCLEAR),
    ("Ja, aber warte", "confirm", 0.9, Consent.UNCLEAR),
    ("Ja, aber warte.", "out_of_scope", 0.3, Consent.OTHER),
    ("Ja nein", "confirm", 0.9, Consent.UNCLEAR),  # a yes and a no
    ("Ja, nicht", "confirm", 0.9, Consent.UNCLEAR),
    ("ja und die Vibration", "confirm", 0.5, Consent.UNCLEAR),
    ("Warte.", "confirm", 0.6, Consent.UNCLEAR),  # "warte" and "Moment" ask again: no refusal
    ("Moment mal.", "confirm", 0.6, Consent.UNCLEAR),
    ("Einen Augenblick.", "confirm", 0.6, Consent.UNCLEAR),
    ("Neun.", "confirm", 0.5, Consent.UNCLEAR),  # a misheard "nein" perhaps: never a yes, asked again
    ("Danke.", "confirm", 0.6, Consent.UNCLEAR),
    ("Mach.", "confirm", 0.8, Consent.UNCLEAR),
    ("also yes", "confirm", 1.0, Consent.UNCLEAR),  # each language's words judge the answer alone
    ("yes bitte", "confirm", 1.0, Consent.UNCLEAR),
    # no: the write is dropped
    ("Nein.", "deny", 1.0, Consent.NO),
    ("Nein.", "confirm", 0.7, Consent.NO),
    ("Nein!", "out_of_scope", 0.2, Consent.NO),
    ("Nein, danke.", "confirm", 0.8, Consent.NO),
    ("Nee.", "confirm", 0.6, Consent.NO),
    ("Nö.", "out_of_scope", 0.3, Consent.NO),
    ("Nein nein nein", "confirm", 0.6, Consent.NO),
    ("Nicht jetzt.", "confirm", 0.6, Consent.NO),
    ("Jetzt nicht.", "confirm", 0.6, Consent.NO),
    ("Noch nicht.", "confirm", 0.6, Consent.NO),
    ("Lieber nicht.", "confirm", 0.6, Consent.NO),
    ("Doch nicht.", "confirm", 0.6, Consent.NO),
    ("Bitte nicht.", "confirm", 0.6, Consent.NO),
    ("Auf keinen Fall!", "confirm", 0.6, Consent.NO),
    ("Keinesfalls.", "out_of_scope", 0.3, Consent.NO),
    ("Abbrechen!", "confirm", 0.7, Consent.NO),
    ("Abbrechen", "cancel", 1.0, Consent.NO),
    ("Stopp!", "confirm", 0.6, Consent.NO),
    ("Halt!", "out_of_scope", 0.3, Consent.NO),
    ("Negativ.", "confirm", 0.6, Consent.NO),
    ("Falsch.", "confirm", 0.6, Consent.NO),
    ("Vergiss es.", "out_of_scope", 0.4, Consent.NO),
    ("Ich hab nein gesagt.", "confirm", 0.7, Consent.NO),
    ("Tut mir leid, nein.", "confirm", 0.6, Consent.NO),
    ("Äh, nein.", "confirm", 0.6, Consent.NO),
    ("Nicht quittieren.", "alarm_acknowledge", 0.8, Consent.NO),  # a refused write is no new request
    ("Nein, nicht quittieren", "alarm_acknowledge", 0.6, Consent.NO),
    ("Quittiere ihn nicht.", "alarm_acknowledge", 0.8, Consent.NO),
    ("Speicher das nicht", "note_add", 0.6, Consent.NO),
    ("Bitte nicht speichern", "note_add", 0.6, Consent.NO),
    ("Auf keinen Fall quittieren", "alarm_acknowledge", 0.7, Consent.NO),
    ("Nicht bestätigen", "confirm", 0.9, Consent.NO),
    # a new request: the write is dropped and the answer says so
    ("Wie hoch ist die Lagertemperatur der Speisewasserpumpe zwei", "sensor_reading", 1.0, Consent.OTHER),
    ("Wie hoch ist die Lagertemperatur der Speisewasserpumpe zwei?", "confirm", 0.6, Consent.UNCLEAR),
    ("Ja und die Vibration der Speisewasserpumpe eins", "sensor_reading", 0.9, Consent.OTHER),
    ("Zeig mir die aktiven Alarme", "alarm_list", 1.0, Consent.OTHER),
    ("Wie läuft die Anlage?", "plant_overview", 1.0, Consent.OTHER),
    ("Warum läuft die Pumpe nicht?", "asset_status", 0.8, Consent.OTHER),  # no write refused
    ("Notiz: Pumpe läuft nicht", "note_add", 0.9, Consent.OTHER),  # a note that holds a "nicht"
    ("Speicher die Notiz nicht", "note_add", 0.6, Consent.OTHER),  # more than a pronoun: taken as a new request
]


@pytest.mark.parametrize(("text", "name", "confidence", "expected"), TABLE, ids=[f"{t[0]}|{t[1]}" for t in TABLE])
def test_what_a_german_answer_means_for_the_waiting_write(text: str, name: str, confidence: float,
                                                           expected: Consent) -> None:
    assert consent(Intent(text=text, name=name, confidence=confidence)) is expected


# Requests that come while a write waits, each read as a confirm with full confidence: never a yes.
UNRELATED = [
    "Wie hoch ist die Lagertemperatur der Speisewasserpumpe zwei",
    "Ja, und wie hoch ist die Lagertemperatur der Speisewasserpumpe zwei?",
    "Quittiere den Alarm am Haupttrafo",
    "Ja, quittiere alle Alarme",
    "Bestätige den Alarm an P eins null zwei",
    "Ja, aber erst die Gasturbine eins",
    "Korrekt wäre P hundertzwei",
    "Ja mach das Ventil zu",
    "Jawohl, und notiere das im Schichtbuch",
    "Was liegt an?",
    "Ja nee, lass mal",
    "Ja doch",
]


@pytest.mark.parametrize("text", UNRELATED)
def test_an_unrelated_request_is_never_a_yes(text: str) -> None:
    assert not is_yes(text)
    assert consent(Intent(text=text, name="confirm", confidence=1.0)) is not Consent.YES


@pytest.mark.parametrize("text", [
    "nein", "Nein, danke", "nicht jetzt", "kein", "Abbrechen", "stopp", "halt", "warte", "Moment", "doch nicht",
    "auf keinen Fall", "negativ", "Ja, nein", "ja aber warte", "jawohl nicht",
])
def test_a_german_negation_vetoes_a_yes(text: str) -> None:
    assert negated(text) and not is_yes(text)


@pytest.mark.parametrize("text", ["Warte", "Moment mal", "Ja nein", "Ja, aber warte"])
def test_waiting_and_mixed_answers_are_no_refusal(text: str) -> None:
    assert not refuses(Intent(text, "confirm", 0.9))


def _t(text: str, confidence: float) -> Transcript:
    return Transcript(text=text, confidence=confidence)


# The confirmation grammar is English; a German answer is judged on the open recognizer's transcript.
@pytest.mark.parametrize(("grammar", "open_", "expected"), [
    (_t("yes", 0.6), _t("Ja.", 0.9), True),
    (_t("what", 1.0), _t("Ja, bitte.", 0.9), True),  # the grammar hears neither a yes nor a no
    (_t("yeah", 0.5), _t("Jawohl.", 0.8), True),
    (_t("what", 1.0), _t("Bestätigt.", 0.85), True),
    (_t("yes", 0.6), _t("Ja.", 0.2), False),  # the open recognizer is not sure
    (_t("what", 1.0), _t("Ja.", 0.35), False),  # ... not sure enough alone
    (_t("no", 0.6), _t("Ja.", 0.9), False),  # a no of the grammar is never outvoted
    (_t("yes", 0.6), _t("Jaja.", 0.9), False),
    (_t("yes", 0.6), _t("Na ja.", 0.9), False),
    (_t("yes", 0.6), _t("Ja, aber warte.", 0.9), False),
    (_t("yes", 0.6), _t("Nein.", 0.9), False),
    (_t("yeah", 0.6), _t("Wie hoch ist die Lagertemperatur der Speisewasserpumpe zwei?", 0.9), False),
])
def test_a_spoken_german_yes(grammar: Transcript, open_: Transcript, expected: bool) -> None:
    assert heard_yes(grammar, open_) is expected


@pytest.mark.parametrize(("grammar", "open_intent", "expected"), [
    (_t("no", 0.6), Intent("Nein.", "deny", 0.9), True),
    (_t("cancel", 0.6), Intent("Abbrechen!", "confirm", 0.7), True),
    (_t("no", 0.6), Intent("Ja, nein.", "confirm", 0.7), True),  # an unclear yes: the grammar's no wins
    (_t("no", 0.6), Intent("Ja.", "confirm", 1.0), False),  # a clear yes is not an unclear one: see heard_yes
    (_t("say again", 0.6), Intent("Ja, nein.", "confirm", 0.7), False),  # the grammar heard no "no"
    (_t("cancel", 0.6), Intent("Wie hoch ist die Lagertemperatur?", "sensor_reading", 0.9), False),
])
def test_a_grammar_no_wins_over_an_unclear_german_yes(grammar: Transcript, open_intent: Intent,
                                                      expected: bool) -> None:
    assert heard_no(grammar, open_intent) is expected
