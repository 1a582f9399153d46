"""The opt-in Pico voice (tts -> backend = "pico") through the real pico2wave, heard by whisper base.

Pico comes from Debian's non-free component and scripts/setup.sh does not install it
(scripts/voice-pico.sh does, when run by hand). So this file is collected only where
pico2wave is on PATH or PLANTVOICE_PICO=1 is set (tests/conftest.py); with PLANTVOICE_PICO=1
and no pico2wave its tests fail rather than skip. CI runs without it. The error for a missing
pico2wave is tested in tests/test_tts.py, which always runs.
"""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from assistant.asr.models import bundled
from assistant.audio import load_wav
from assistant.config import TtsConfig
from assistant.errors import ConfigError
from assistant.tts import PicoSynthesizer, synthesizers

REQUEST = "Wie hoch ist die Lagertemperatur der Speisewasserpumpe zwei"


def seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def test_pico_speaks_german_that_whisper_hears(tmp_path: Path) -> None:
    from faster_whisper import WhisperModel

    synth = synthesizers.create("pico", TtsConfig(backend="pico"))
    assert isinstance(synth, PicoSynthesizer) and synth.voice == "de-DE"
    path = synth.synthesize(REQUEST, tmp_path / "answer.wav")
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (16000, 2, 1)
    assert 2.0 < seconds(path) < 6.0
    model = WhisperModel(str(bundled("base")), device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = model.transcribe(load_wav(path).astype("float32") / 32768.0, language="de", beam_size=1)
    heard = " ".join(s.text for s in segments).lower()
    assert "lagertemperatur" in heard and "speisewasserpumpe" in heard, heard


def test_rate_changes_duration_and_odd_text_is_spoken(tmp_path: Path) -> None:
    slow = synthesizers.create("pico", TtsConfig(rate=100)).synthesize(REQUEST, tmp_path / "slow.wav")
    fast = synthesizers.create("pico", TtsConfig(rate=280)).synthesize(REQUEST, tmp_path / "fast.wav")
    assert seconds(slow) > 1.6 * seconds(fast)
    odd = synthesizers.create("pico", TtsConfig()).synthesize("-5 Grad <am> Einlass & Auslass", tmp_path / "odd.wav")
    assert seconds(odd) > 1.2  # an option-like start and markup characters are spoken, not parsed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fast.wav", "odd.wav", "slow.wav"]  # no partial left


def test_an_english_pico_voice_and_an_unknown_one(tmp_path: Path) -> None:
    english = synthesizers.create("pico", TtsConfig(voice="en-gb"))
    assert english.voice == "en-GB" and seconds(english.synthesize("Pump two.", tmp_path / "e.wav")) > 0.5
    with pytest.raises(ConfigError, match="not a Pico language.*de-DE, en-US"):
        synthesizers.create("pico", TtsConfig(voice="de+m3"))
