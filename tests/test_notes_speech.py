"""Spoken shift notes end to end: espeak-ng speech -> faster-whisper -> dialogue -> SQLite note store.

Every request is real synthetic speech (tests/speech.py: espeak-ng, a low noise floor, no
digital silence) handed to ``Pipeline.turn`` as a ``SpokenRequest``; the notes are read back
from ``<data_dir>/notes.sqlite`` through a second ``NoteStore`` handle, as another process
would see them. One Pipeline serves the whole module (models load once); every test starts
from a fresh dialogue state and compares the store before and after.
"""

from __future__ import annotations

import re
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Config, NotesConfig, StationConfig
from assistant.dialogue import DialogueState
from assistant.events import SpokenRequest
from assistant.notes import Note, NoteStore, ShiftSchedule
from assistant.notes.store import AUDIO_DIR
from assistant.pipeline import Pipeline, Turn

from speech import say

NOTE = "the cooling water valve is leaking slightly"
PARTS = ("the cooling tower fan is noisy", "the oil level is low")
MAX_WER = 0.3


# ----------------------------------------------------------------------------- helpers


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def wer(hypothesis: str, reference: str) -> float:
    """Word error rate: word-level edit distance over the number of reference words."""
    hyp, ref = words(hypothesis), words(reference)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(len(ref), 1)


class Speaker:
    """Spoken requests through one pipeline, with the notes as stored on disk."""

    def __init__(self, pipeline: Pipeline, data: Path, audio_dir: Path) -> None:
        self.pipeline = pipeline
        self.data = data
        self.audio_dir = audio_dir
        self.store = NoteStore(data / "notes.sqlite", ShiftSchedule.parse(NotesConfig().shifts),
                               pipeline.plant.model.site.tz)

    def request(self, text: str, voice: str) -> SpokenRequest:
        path = self.audio_dir / f"{re.sub(r'[^a-z0-9]+', '-', text.lower())}-{voice.replace('+', '-')}.wav"
        if not path.exists():
            say(text, path, voice=voice)
        with wave.open(str(path)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
            return SpokenRequest(w.readframes(w.getnframes()))

    def turn(self, text: str, voice: str) -> tuple[Turn, SpokenRequest]:
        request = self.request(text, voice)
        return self.pipeline.turn(request), request

    def notes(self) -> dict[int, Note]:
        return {n.id: n for n in self.store.list(withdrawn=True)}

    def audio_files(self) -> set[str]:
        folder = self.data / AUDIO_DIR
        return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def said(turn: Turn) -> str:
    """What the pipeline heard and answered, for assertion messages."""
    answer = turn.answer.text if turn.answer else None
    return f"heard {turn.transcript.text!r} as {turn.intent.name}, answered {answer!r}"


@pytest.fixture(scope="module")
def speaker(tmp_path_factory: pytest.TempPathFactory) -> Speaker:
    data = tmp_path_factory.mktemp("data")
    pipeline = Pipeline(Config(data_dir=str(data), station=StationConfig(default_role="operator")))
    return Speaker(pipeline, data, tmp_path_factory.mktemp("speech"))


@pytest.fixture(autouse=True)
def fresh_state(speaker: Speaker) -> Iterator[None]:
    speaker.pipeline.state = DialogueState()
    yield
    speaker.pipeline.state = DialogueState()


# ----------------------------------------------------------------------------- take a note


@pytest.mark.parametrize("voice", ["en-us", "en-gb"])
def test_spoken_note_is_read_back_and_saved_with_its_audio_on_yes(speaker: Speaker, voice: str) -> None:
    before, audio_before = speaker.notes(), speaker.audio_files()
    readback, request = speaker.turn(f"take a note: {NOTE}", voice)
    assert readback.answer is not None and readback.answer.awaiting == "confirm", said(readback)
    assert readback.intent.name == "note_add", said(readback)
    text = readback.intent.entity("note_text") or ""
    assert wer(text, NOTE) <= MAX_WER, f"note text {text!r} for {NOTE!r}; {said(readback)}"
    assert " ".join(words(text)) in " ".join(words(readback.transcript.text))  # the words recognized
    assert text in readback.answer.text  # ... are the words read back
    assert speaker.notes() == before and speaker.audio_files() == audio_before  # nothing before the yes

    saved, _ = speaker.turn("yes", voice)
    assert saved.intent.name == "confirm", said(saved)
    assert saved.answer is not None and saved.answer.text.startswith("Saved as note"), said(saved)
    assert saved.answer.awaiting is None and speaker.pipeline.state.pending is None
    after = speaker.notes()
    assert set(after) - set(before) == {saved.answer.data["note"]["id"]}
    note = after[saved.answer.data["note"]["id"]]
    assert (note.text, note.kind, note.version, note.withdrawn) == (text, "note", 1, False)
    assert wer(note.text, NOTE) <= MAX_WER
    assert note.confidence is not None and 0.0 < note.confidence <= 1.0
    assert note.confidence == round(readback.transcript.confidence, 3)  # the recognizer's, of the note's request

    assert note.audio and note.audio.startswith(f"{AUDIO_DIR}/")
    wav = speaker.data / note.audio
    assert wav.is_file() and speaker.audio_files() - audio_before == {wav.name}
    with wave.open(str(wav)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (request.rate, 1, 2)
        assert w.getnframes() / w.getframerate() == pytest.approx(request.seconds, abs=1e-3)
        assert w.readframes(w.getnframes()) == request.audio  # the original audio, sample for sample


# ----------------------------------------------------------------------------- dictation


def test_spoken_dictation_of_two_parts_is_read_back_and_saved_on_confirm(speaker: Speaker) -> None:
    voice = "en-gb+m3"
    before = speaker.notes()
    started, _ = speaker.turn("start dictation", voice)
    assert started.answer is not None and started.answer.awaiting == "dictation", said(started)
    parts = []
    for part in PARTS:
        step, request = speaker.turn(part, voice)
        assert step.answer is not None and step.answer.awaiting == "dictation", said(step)
        assert wer(step.transcript.text, part) <= 0.5, said(step)
        parts.append((step, request))

    ended, _ = speaker.turn("end dictation", voice)
    assert ended.answer is not None and ended.answer.awaiting == "confirm", \
        f"the spoken 'end dictation' did not end the dictation: {said(ended)}"
    heard = " ".join(step.transcript.text for step, _ in parts)
    assert ended.answer.data["text"] == heard and heard in ended.answer.text  # both parts read back
    assert speaker.notes() == before  # nothing before the confirmation

    saved, _ = speaker.turn("confirm", voice)
    assert saved.answer is not None and saved.answer.text.startswith("Saved as note"), said(saved)
    after = speaker.notes()
    [new] = set(after) - set(before)
    note = after[new]
    assert note.text == heard and wer(note.text, " ".join(PARTS)) <= MAX_WER, note.text
    for part in PARTS:  # each part's words are in the one note
        assert len(set(words(part)) & set(words(note.text))) >= 0.6 * len(set(words(part))), (part, note.text)
    assert note.confidence == round(min(step.transcript.confidence for step, _ in parts), 3)
    with wave.open(str(speaker.data / note.audio)) as w:  # the parts' audio, not the commands'
        assert w.readframes(w.getnframes()) == b"".join(request.audio for _, request in parts)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("level", [0.05, 0.3])
def test_noise_while_dictating_adds_nothing_and_does_not_crash(speaker: Speaker, level: float) -> None:
    before, audio_before = speaker.notes(), speaker.audio_files()
    started, _ = speaker.turn("start dictation", "en-us+m7")
    assert started.answer is not None and started.answer.awaiting == "dictation", said(started)
    noise = np.random.default_rng(11).normal(0.0, level * 32768, 2 * 16000)  # 2 s of white noise
    turn = speaker.pipeline.turn(SpokenRequest(np.clip(noise, -32768, 32767).astype(np.int16).tobytes()))
    if turn.answer is not None:  # no answer, or one that says how to go on
        assert turn.answer.awaiting == "dictation" and "dictation" in turn.answer.text, said(turn)
    state = speaker.pipeline.state
    assert state.awaiting == "dictation" and state.pending is not None
    assert state.pending.data["parts"] == [], f"noise became dictated words: {said(turn)}"
    assert speaker.notes() == before and speaker.audio_files() == audio_before


def test_an_empty_spoken_dictation_has_nothing_to_save(speaker: Speaker) -> None:
    before = speaker.notes()
    started, _ = speaker.turn("start dictation", "en-us")
    assert started.answer is not None and started.answer.awaiting == "dictation", said(started)
    ended, _ = speaker.turn("end dictation", "en-us")
    assert ended.answer is not None and "nothing to save" in ended.answer.text, said(ended)
    assert ended.answer.awaiting is None and speaker.pipeline.state.pending is None
    assert speaker.notes() == before


def test_cancel_after_the_read_back_stores_nothing(speaker: Speaker) -> None:
    voice = "en-us+m7"
    before, audio_before = speaker.notes(), speaker.audio_files()
    readback, _ = speaker.turn(f"take a note: {NOTE}", voice)
    assert readback.answer is not None and readback.answer.awaiting == "confirm", said(readback)
    cancelled, _ = speaker.turn("cancel", voice)
    assert cancelled.intent.name == "cancel", said(cancelled)
    assert cancelled.answer is not None and "not written" in cancelled.answer.text, said(cancelled)
    assert cancelled.answer.awaiting is None and speaker.pipeline.state.pending is None
    late, _ = speaker.turn("yes", voice)  # a yes after the cancel has nothing left to save
    assert late.answer is not None and "nothing to confirm" in late.answer.text, said(late)
    assert speaker.notes() == before and speaker.audio_files() == audio_before
