"""Spoken German answers while a write waits: nothing nobody confirmed is ever written.

A German station (``language = "de"``: intents/de, faster-whisper base hearing German, the English
yes / no grammar beside it). Real speech in espeak-ng's German voices (some with noise) through the
real pipeline while an alarm acknowledgement waits and while a note waits. Understanding depends
only on a write waiting, so each utterance is understood once and answered in both states. Writes
are counted in the audit log, the plant's acknowledgements and the note store. The full count over
378 utterances, with SVOX Pico too, is ``benchmarks/confirmation_de.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.audio import load_wav
from assistant.config import load_config
from assistant.dialogue import DialogueState, Heard
from assistant.events import Answer, Intent, Transcript
from assistant.pipeline import Pipeline
from speech import say

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


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    data = tmp_path_factory.mktemp("data")
    config = load_config(env={"PLANTVOICE_DATA_DIR": str(data), "PLANTVOICE_STATION_DEFAULT_ROLE": "engineer"})
    german = Pipeline.from_config(config.replace("station", language="de"))
    assert german.languages == ("de",) and german.lang.config.asr.language == "de"
    return german


@pytest.fixture(scope="module")
def waiting(pipeline: Pipeline) -> dict[str, DialogueState]:
    """The state with an alarm acknowledgement waiting, and the one with a note waiting."""
    states = {}
    for kind, request in (("alarm_acknowledge", "Quittiere den Alarm am Haupttransformator"),
                          ("note_add", "Notiz: das Kühlwasserventil ist leicht undicht")):
        pipeline.state = DialogueState()
        _, answer = pipeline.ask(request)
        assert answer.awaiting == "confirm" and pipeline.state.pending is not None, answer.text
        assert pipeline.state.pending.kind == kind
        states[kind] = pipeline.state
    return states


def _audit(pipeline: Pipeline) -> int:
    """How many writes the audit log holds."""
    return sum(e.kind == "write" for e in pipeline.audit.entries())


def _hear(pipeline: Pipeline, state: DialogueState, text: str, voice: str, tmp: Path,
          noise_db: float | None = None) -> tuple[Transcript, Intent, bytes]:
    samples = load_wav(say(text, tmp / "answer.wav", voice=voice, speed=VOICES[voice], noise_db=noise_db))
    pipeline.state = state
    transcript, intent = pipeline.understand(samples)
    return transcript, intent, samples.tobytes()


def _answer(pipeline: Pipeline, state: DialogueState, intent: Intent, audio: bytes, confidence: float
            ) -> tuple[Answer | None, bool]:
    """The answer (None: no request heard) and whether anything was written: a new write in the audit log, or
    an acknowledgement carried out again (its audit row is kept once per alarm, so a repeat adds none)."""
    pipeline.state = state
    before = _audit(pipeline)
    answer = pipeline.respond(intent, heard=Heard(audio, 16000, confidence)) if intent.text else None
    again = answer is not None and bool(answer.data.get("acknowledged"))
    return answer, _audit(pipeline) > before or again


def _never_written(pipeline: Pipeline, waiting: dict[str, DialogueState], texts: tuple[str, ...],
                   tmp: Path) -> None:
    written, unsaid = [], []
    acknowledged = [a.id for a in pipeline.plant.alarms() if a.acknowledged]
    notes = pipeline.dialogue.notes.list()
    voices = list(VOICES)
    for i, text in enumerate(texts):
        voice = voices[i % len(voices)]
        transcript, intent, audio = _hear(pipeline, waiting["alarm_acknowledge"], text, voice, tmp,
                                          15.0 if i % 4 == 3 else None)
        for kind, state in waiting.items():
            answer, wrote = _answer(pipeline, state, intent, audio, transcript.confidence)
            heard = f"{text!r} ({voice}) heard {transcript.text!r} -> {intent.name}"
            if wrote:
                written.append(f"{kind}: {heard}")
            dropped = answer is not None and pipeline.state.pending != state.pending
            if dropped and "nicht ausgeführt" not in answer.text:
                unsaid.append(f"{kind}: {heard}: {answer.text}")  # dropped without saying so
    assert written == [], written
    assert unsaid == [], unsaid
    assert [a.id for a in pipeline.plant.alarms() if a.acknowledged] == acknowledged
    assert pipeline.dialogue.notes.list() == notes


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
            transcript, intent, audio = _hear(pipeline, waiting["alarm_acknowledge"], text, voice, tmp_path)
            for kind, state in waiting.items():
                answer, wrote = _answer(pipeline, state, intent, audio, transcript.confidence)
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
    # benchmarks/confirmation_de.py counts 18 of 56 German yeses in four voices, clean and noisy
    assert len(accepted["note_add"]) >= total - 2, f"{len(accepted['note_add'])}/{total}: {accepted['note_add']}"
