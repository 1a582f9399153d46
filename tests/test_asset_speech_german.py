"""Spoken German requests name the asset meant, or ask which: never another one.

Real speech (SVOX Pico's German, which whisper base hears best of the German voices) through the
real German pipeline (faster-whisper base, intents/de, the dialogue). "Kühlwasserpumpe eins
quittieren" is heard as "Kühlwasservumpe einschritieren": the pump's number is lost, and the words
are as near to cooling water pump one as to two, so the answer asks which (``nlu.snap.TIE``,
``dialogue.reference`` rule 2). Collected where Pico is installed (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.audio import load_wav
from assistant.dialogue import DialogueState
from assistant.pipeline import Pipeline
from speech import say
from waiting_writes import station


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return station(tmp_path_factory.mktemp("data"), "de")


@pytest.mark.parametrize(("text", "meant"), [
    ("Bitte den Alarm an der Kühlwasserpumpe eins quittieren", "P-201"),
    ("Bitte den Alarm an der Kühlwasserpumpe zwei quittieren", "P-202"),
])
def test_a_spoken_acknowledgement_is_about_the_pump_meant_or_asks_which(pipeline: Pipeline, tmp_path: Path,
                                                                       text: str, meant: str) -> None:
    samples = load_wav(say(text, tmp_path / "request.wav", voice="pico:de-DE"))
    pipeline.state = DialogueState()
    transcript, intent = pipeline.understand(samples)
    answer = pipeline.respond(intent)
    heard = (transcript.text, [(e.value, e.text) for e in intent.entities], answer.text)
    assert intent.name == "alarm_acknowledge", heard
    if pipeline.state.awaiting == "asset":  # asked which
        assert meant in answer.data["suggestions"], heard
    else:
        assert answer.data.get("asset") == meant, heard
