"""Spoken German answers while a write waits: nothing nobody confirmed is ever written.

A German station (``language = "de"``: intents/de, faster-whisper base hearing German, the English
yes / no grammar beside it). Real speech in espeak-ng's German voices (some with noise) through the
real pipeline while an alarm acknowledgement waits and while a note waits. Understanding depends
only on a write waiting, so each utterance is understood once and answered in both states. Writes
are counted in the audit log, the plant's acknowledgements and the note store. The full count over
378 utterances, with SVOX Pico too, is ``benchmarks/confirmation.py --language de``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.dialogue import DialogueState
from assistant.pipeline import Pipeline
from waiting_writes import hear, never_written, respond, station, waiting_states

VOICES = {"de": 150, "de+m3": 175, "de+f2": 130}  # espeak-ng German voices: words per minute
UNRELATED = (
    "Moment, ich schau mal in die Zeichnung", "Wie geht's der Anlage?", "Hilfe", "Zeig mir die aktiven Alarme",
    "Wie hoch ist die Lagertemperatur der Speisewasserpumpe zwei?", "Alarm gesehen, quittier ihn",
    "Notiz: Stopfbuchse am Kühlwasserventil leckt", "Was hat die Nachtschicht zum Kessel geschrieben?",
    "Wann muss der Generator in die Wartung?", "Vergleich Kühlpumpe eins mit Kühlpumpe zwei",
    "Die Kaffeemaschine ist schon wieder kaputt", "Wer hat heute Nacht Bereitschaft?",
    "Die Bestätigung der Freigabe liegt im Ordner", "Mach das später", "Ja, der Stapler steht draußen",
    "Ja und die Vibration?", "Na ja, mal sehen", "Der Drucker hat kein Papier mehr", "Guten Morgen",
    "Warte, ich telefoniere gerade",
)
NEGATIVES = ("nein", "abbrechen", "stopp", "nicht quittieren", "doch nicht", "negativ", "warte",
             "auf keinen Fall", "nein danke", "vergiss es")
YESES = ("ja", "ja bitte", "bestätigt")
WRITES = (("alarm_acknowledge", "Quittiere den Alarm am Haupttransformator"),
          ("note_add", "Notiz: das Kühlwasserventil ist leicht undicht"))


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    german = station(tmp_path_factory.mktemp("data"), "de")
    assert german.languages == ("de",) and german.lang.config.asr.language == "de"
    return german


@pytest.fixture(scope="module")
def waiting(pipeline: Pipeline) -> dict[str, DialogueState]:
    """The state with an alarm acknowledgement waiting, and the one with a note waiting."""
    return waiting_states(pipeline, WRITES)


def _never_written(pipeline: Pipeline, waiting: dict[str, DialogueState], texts: tuple[str, ...],
                   tmp: Path) -> None:
    never_written(pipeline, waiting, texts, tmp, VOICES, noisy_every=4, not_written="nicht ausgeführt")


def test_unrelated_german_speech_while_a_write_waits_writes_nothing(
        pipeline: Pipeline, waiting: dict[str, DialogueState], tmp_path: Path) -> None:
    _never_written(pipeline, waiting, UNRELATED, tmp_path)


def test_spoken_german_noes_while_a_write_waits_write_nothing(
        pipeline: Pipeline, waiting: dict[str, DialogueState], tmp_path: Path) -> None:
    _never_written(pipeline, waiting, NEGATIVES, tmp_path)


def test_a_clear_spoken_german_yes_carries_the_write_out(pipeline: Pipeline, waiting: dict[str, DialogueState],
                                                        tmp_path: Path) -> None:
    """A yes is carried out, asked again, or dropped saying so (the grammar's no wins a disagreement,
    confirm.py rule 6); "ja" is carried out in every espeak-ng German voice."""
    accepted: dict[str, list[str]] = {kind: [] for kind in waiting}
    for voice in VOICES:
        for text in YESES:
            transcript, intent, audio = hear(pipeline, waiting["alarm_acknowledge"], text, voice, tmp_path,
                                             VOICES[voice])
            for kind, state in waiting.items():
                answer, wrote = respond(pipeline, state, intent, audio, transcript.confidence)
                heard = (text, voice, transcript.text, intent.name, answer and answer.text)
                assert answer is not None, heard
                if wrote:
                    accepted[kind].append(f"{text} ({voice})")
                    assert answer.text.startswith(("Quittiert", "Gespeichert als Notiz")), heard
                    assert pipeline.state.pending is None, heard
                elif pipeline.state.pending == state.pending:
                    assert "Kein klares Ja" in answer.text, heard  # still waiting, asked again
                else:
                    assert "nicht ausgeführt" in answer.text, heard  # dropped, and said so
    total = len(VOICES) * len(YESES)
    assert accepted["alarm_acknowledge"] == accepted["note_add"]
    assert all(f"ja ({voice})" in accepted["note_add"] for voice in VOICES), accepted["note_add"]
    # measured 8 of 9 (de+f2's "ja bitte": whisper's confidence 0.41 with the grammar's "yes please", under 0.45);
    # benchmarks/confirmation.py --language de counts 18 of 56 German yeses in four voices, clean and noisy
    assert len(accepted["note_add"]) >= total - 2, f"{len(accepted['note_add'])}/{total}: {accepted['note_add']}"
