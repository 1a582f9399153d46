"""Streamed speaking: answers cut into pieces, every backend speaking into memory, and the pieces
played through one real PortAudio output stream (PulseAudio's null sink ``vsink``) while the next
ones are synthesized, recorded back from its monitor."""

from __future__ import annotations

import asyncio
import threading
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.audio import Player, PlayStats, load_wav, microphone
from assistant.config import AudioConfig, TtsConfig
from assistant.events import AudioChunk
from assistant.loop import speak_streamed
from assistant.tts import PIECE_LEAD_S, Synthesizer, pieces, speech, synthesizers

PULSE = AudioConfig(input_device="pulse", output_device="pulse")
LOUD = 500  # int16 amplitude that counts as sound; the null sink's monitor is silent (0) otherwise

ANSWER = ("P one oh two: bearing wear is developing, ninety-nine percent probable. At full load, the bearing "
          "temperature of P one oh two is at or beyond its alarm limit. Act now.")


# --- where an answer is cut ----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Changed.", ["Changed."]),
    ("There are no active alarms.", ["There are no active alarms."]),
    ("Which asset do you mean?", ["Which asset do you mean?"]),
    # sentences stand alone, however short
    ("Stale value. Act now.", ["Stale value.", "Act now."]),
    ("Acknowledge it? Say confirm or cancel.", ["Acknowledge it?", "Say confirm or cancel."]),
    # clauses of three words or more are cut at "," ":" ";"
    ("P one oh two: bearing wear is developing, ninety-nine percent probable.",
     ["P one oh two:", "bearing wear is developing,", "ninety-nine percent probable."]),
    ("Minimum one point eight, maximum two point five; mean two point one.",
     ["Minimum one point eight,", "maximum two point five;", "mean two point one."]),
    # a shorter clause joins the next one, a short last clause the one before
    ("T one, the main transformer: one active alarm.", ["T one, the main transformer:", "one active alarm."]),
    ("I don't know pump nine. Did you mean P one oh one or P one oh two?",
     ["I don't know pump nine.", "Did you mean P one oh one or P one oh two?"]),
    ("The level is steady, at nine.", ["The level is steady, at nine."]),
    ("Yes, the pump is running now.", ["Yes, the pump is running now."]),
    # numbers with a comma or a point, and a point before a small letter, are never cut
    ("Flow 1,240 cubic metres per hour at 2.5 bar. e.g. here.", ["Flow 1,240 cubic metres per hour at 2.5 bar. e.g. here."]),
    ("Pressure 12 bar.  13 bar before.\nNormal.", ["Pressure 12 bar.", "13 bar before.", "Normal."]),
    ("Notiz: Pumpe zwei, Lager sehr laut. Bitte prüfen.", ["Notiz: Pumpe zwei,", "Lager sehr laut.", "Bitte prüfen."]),
])
def test_pieces(text: str, expected: list[str]) -> None:
    assert pieces(text) == expected
    assert " ".join(pieces(text)) == " ".join(text.split())


def test_pieces_by_sentence_only_and_with_longer_clauses() -> None:
    text = "P one oh two: bearing wear is developing, ninety-nine percent probable. Act now."
    assert pieces(text, clauses=False) == ["P one oh two: bearing wear is developing, ninety-nine percent probable.",
                                           "Act now."]
    assert pieces(text, min_words=4) == ["P one oh two:", "bearing wear is developing, ninety-nine percent probable.",
                                         "Act now."]


# --- every backend speaks into memory ------------------------------------------------------------

@pytest.fixture(scope="module")
def espeak() -> Synthesizer:
    return synthesizers.create("espeak-ng", TtsConfig())


@pytest.mark.parametrize("backend", ["hibari", "espeak-ng", "pyttsx3"])
def test_audio_in_memory_is_what_the_file_holds(tmp_path: Path, backend: str) -> None:
    synth = synthesizers.create(backend, TtsConfig())
    text = "The bearing temperature of P one oh two is eighty-nine degrees Celsius."
    chunk = synth.audio(text)
    with wave.open(str(synth.synthesize(text, tmp_path / "answer.wav"))) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    assert (chunk.rate, chunk.width, chunk.channels, chunk.timestamp) == (rate, 2, 1, 0.0)
    assert 2.0 < chunk.seconds < 8.0
    if backend == "pyttsx3":  # libespeak-ng through pyttsx3 may differ by a few samples of padding
        assert abs(len(chunk.audio) - len(frames)) < 0.05 * len(frames)
    else:
        assert chunk.audio == frames


def test_speech_makes_each_piece_only_when_asked(espeak: Synthesizer) -> None:
    asked: list[str] = []

    class Counting:
        def audio(self, text: str) -> AudioChunk:
            asked.append(text)
            return espeak.audio(text)

    stream = speech(Counting(), ANSWER)  # type: ignore[arg-type]
    first = next(stream)
    assert asked == pieces(ANSWER)[:1] and first.timestamp == 0.0
    rest = list(stream)
    assert asked == pieces(ANSWER)
    starts = np.cumsum([0.0] + [c.seconds for c in [first, *rest]])[:-1]
    assert [c.timestamp for c in [first, *rest]] == pytest.approx(list(starts))


def test_a_piece_keeps_only_a_twentieth_of_a_second_of_lead_in() -> None:
    hibari = synthesizers.create("hibari", TtsConfig())

    def lead_s(chunk: AudioChunk) -> float:
        samples = np.abs(np.frombuffer(chunk.audio, "<i2").astype(np.int32))
        return int(np.flatnonzero(samples > 32)[0]) / chunk.rate

    assert lead_s(hibari.audio(ANSWER)) > 0.2  # the voice's own lead-in before every utterance
    made = list(speech(hibari, ANSWER))
    assert len(made) == len(pieces(ANSWER))
    assert all(lead_s(c) == pytest.approx(PIECE_LEAD_S, abs=1 / c.rate) for c in made)


# --- playing pieces through one real output stream -----------------------------------------------

def sound_span(samples: np.ndarray) -> float:
    """Seconds from the first to the last sample that is sound."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > LOUD)
    return (loud[-1] - loud[0]) / 16000 if loud.size else 0.0


def joined_16k(chunks: list[AudioChunk]) -> np.ndarray:
    """The pieces as the player sends them: each resampled to 16 kHz on its own, then joined."""
    import soxr

    return np.concatenate([np.rint(soxr.resample(np.frombuffer(c.audio, "<i2").astype(np.float32), c.rate, 16000))
                           .clip(-32768, 32767).astype(np.int16) for c in chunks])


async def record(speak: Callable[[], PlayStats], on_chunk: Callable[[AudioChunk], None] = lambda c: None,
                 tail_s: float = 1.0) -> tuple[np.ndarray, PlayStats]:
    """Record the sink's monitor while ``speak`` runs in a thread, and ``tail_s`` after it returns."""
    mic = microphone(PULSE)
    captured = [await anext(mic)]  # the recording runs before anything plays
    playing = asyncio.get_running_loop().run_in_executor(None, speak)
    end: float | None = None
    async for chunk in mic:
        captured.append(chunk)
        on_chunk(chunk)
        if end is None and playing.done():
            end = chunk.timestamp + tail_s
        if end is not None and chunk.timestamp >= end:
            break
    await mic.aclose()
    return np.frombuffer(b"".join(c.audio for c in captured), dtype="<i2"), await playing


def has_sound(chunk: AudioChunk) -> bool:
    return bool(np.abs(np.frombuffer(chunk.audio, "<i2").astype(np.int32)).max() > LOUD)


def test_pieces_play_back_to_back_without_gaps_or_drops(espeak: Synthesizer) -> None:
    made = list(speech(espeak, ANSWER))
    reference = joined_16k(made)

    def speak() -> PlayStats:
        with Player(PULSE) as player:
            return player.play(made)

    recorded, stats = asyncio.run(record(speak))
    assert stats.chunks == len(made) == len(pieces(ANSWER)) and stats.gaps == 0 and not stats.stopped
    assert stats.played_s == pytest.approx(len(reference) / 16000, abs=0.01)
    assert sound_span(recorded) == pytest.approx(sound_span(reference), abs=0.1)


def test_a_streamed_answer_is_heard_whole_and_written_whole(espeak: Synthesizer, tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    recorded, stats = asyncio.run(record(lambda: speak_streamed(espeak, ANSWER, Player(PULSE), path)))
    made = list(speech(espeak, ANSWER))
    reference = joined_16k(made)
    assert stats.chunks == len(pieces(ANSWER)) and not stats.stopped
    # every piece is heard; silence is added only where the next piece was not ready, and counted
    assert sound_span(recorded) == pytest.approx(sound_span(reference) + stats.gap_s, abs=0.1)
    with wave.open(str(path)) as w:
        assert w.getframerate() == made[0].rate
        assert w.readframes(w.getnframes()) == b"".join(c.audio for c in made)
    assert len(load_wav(path)) == pytest.approx(len(reference), abs=len(made))


def test_first_audio_is_heard_before_the_last_piece_is_synthesized(espeak: Synthesizer) -> None:
    heard = threading.Event()
    order: list[str] = []
    last = pieces(ANSWER)[-1]

    class WaitsForSound:
        """Makes the last piece only once the monitor has heard the answer: possible only when
        playing starts before synthesis ends; otherwise it would wait in vain."""

        def audio(self, text: str) -> AudioChunk:
            if text == last:
                order.append("heard" if heard.wait(30) else "never heard")
            order.append(f"made: {text}")
            return espeak.audio(text)

    def on_chunk(chunk: AudioChunk) -> None:
        if has_sound(chunk):
            heard.set()

    player = Player(PULSE)
    recorded, stats = asyncio.run(record(lambda: speak_streamed(WaitsForSound(), ANSWER, player),  # type: ignore[arg-type]
                                         on_chunk))
    assert order == [f"made: {p}" for p in pieces(ANSWER)[:-1]] + ["heard", f"made: {last}"]
    assert player.first_audio.is_set() and stats.chunks == len(pieces(ANSWER))
    assert sound_span(recorded) > 0.8 * sound_span(joined_16k(list(speech(espeak, ANSWER))))


def test_stop_silences_an_answer_mid_way(espeak: Synthesizer, tmp_path: Path) -> None:
    long_answer = " ".join([ANSWER] * 3)  # about 20 s
    player = Player(PULSE)
    sound = [0]

    def on_chunk(chunk: AudioChunk) -> None:
        sound[0] += has_sound(chunk)
        if sound[0] == 20:  # 0.6 s of the answer heard: barge in
            threading.Thread(target=player.stop).start()

    path = tmp_path / "answer.wav"
    recorded, stats = asyncio.run(record(lambda: speak_streamed(espeak, long_answer, player, path), on_chunk,
                                         tail_s=1.5))
    whole = sound_span(joined_16k(list(speech(espeak, long_answer))))
    assert stats.stopped and stats.played_s < whole / 2
    assert 0.5 < sound_span(recorded) < whole / 4
    assert np.abs(recorded[-16000:].astype(np.int32)).max() <= LOUD  # the last second recorded is silent
    assert len(load_wav(path)) > 0  # what was made before the stop is kept


def test_a_stopped_player_takes_nothing_more() -> None:
    player = Player(PULSE)
    player.stop()
    assert player.put(AudioChunk(audio=bytes(3200))) is False
    assert player.play([AudioChunk(audio=bytes(3200))]).stopped
