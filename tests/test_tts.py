"""Speech output through real hibari (neural voice in process), pyttsx3 (libespeak-ng in a worker) and espeak-ng."""

from __future__ import annotations

import logging
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from assistant.audio import chunks, load_wav
from assistant.config import AsrConfig, TtsConfig, VadConfig
from assistant.errors import BackendError, ConfigError, InputError
from assistant.events import SpokenRequest
from assistant.tts import EspeakSynthesizer, HibariSynthesizer, synthesizers
from assistant.vad import Endpointer

BACKENDS = ["hibari", "pyttsx3", "espeak-ng"]
ESPEAK_BACKENDS = ["pyttsx3", "espeak-ng"]  # take espeak-ng voice names
NOT_INSTALLED = "hibari_not_installed"  # a module that does not exist: hibari's real loading path fails to import it
SENTENCE = "The pressure in boiler two is twelve bar."


def spoken_requests(samples: np.ndarray) -> list[SpokenRequest]:
    endpointer = Endpointer(VadConfig(backend="silero"))
    events = [e for c in chunks(samples) for e in endpointer.process(c)] + endpointer.flush()
    return [e for e in events if isinstance(e, SpokenRequest)]


def seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


@pytest.mark.parametrize("backend", BACKENDS)
def test_writes_a_wav_of_speech_of_plausible_length(tmp_path: Path, backend: str) -> None:
    synth = synthesizers.create(backend, TtsConfig(voice="en-us", rate=165))
    path = synth.synthesize(SENTENCE, tmp_path / "answer.wav")
    assert path == tmp_path / "answer.wav"
    with wave.open(str(path)) as w:
        assert (w.getsampwidth(), w.getnchannels()) == (2, 1)  # 16-bit mono
    words = len(SENTENCE.split())
    assert 0.5 * words / 165 * 60 < seconds(path) < 2.0 * words / 165 * 60  # near 165 words per minute
    samples = load_wav(path)
    found = spoken_requests(samples)
    assert len(found) == 1  # the voice detector hears one utterance
    assert found[0].seconds > 0.6 * seconds(path)


@pytest.mark.parametrize("backend", BACKENDS)
def test_rate_and_text_length_change_duration(tmp_path: Path, backend: str) -> None:
    slow = synthesizers.create(backend, TtsConfig(rate=110)).synthesize(SENTENCE, tmp_path / "slow.wav")
    fast = synthesizers.create(backend, TtsConfig(rate=260)).synthesize(SENTENCE, tmp_path / "fast.wav")
    short = synthesizers.create(backend, TtsConfig(rate=260)).synthesize("Yes.", tmp_path / "short.wav")
    assert seconds(slow) > 1.6 * seconds(fast)
    assert seconds(short) < 0.5 * seconds(fast)


@pytest.mark.parametrize("backend", ESPEAK_BACKENDS)
def test_another_voice_gives_another_waveform(tmp_path: Path, backend: str) -> None:
    us = load_wav(synthesizers.create(backend, TtsConfig(voice="en-us")).synthesize(SENTENCE, tmp_path / "us.wav"))
    gb = load_wav(synthesizers.create(backend, TtsConfig(voice="en-gb")).synthesize(SENTENCE, tmp_path / "gb.wav"))
    female = load_wav(synthesizers.create(backend, TtsConfig(voice="en-us+f3")).synthesize(SENTENCE,
                                                                                           tmp_path / "f3.wav"))
    n = min(len(us), len(gb), len(female))
    for other in (gb, female):
        assert not np.array_equal(us[:n], other[:n])
        assert abs(np.corrcoef(us[:n].astype(float), other[:n].astype(float))[0, 1]) < 0.5
    assert len(spoken_requests(female)) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_speaking_twice_in_a_row_works(tmp_path: Path, backend: str) -> None:
    synth = synthesizers.create(backend, TtsConfig())
    first = load_wav(synth.synthesize(SENTENCE, tmp_path / "one.wav"))
    second = load_wav(synth.synthesize("Feed pump four is running.", tmp_path / "two.wav"))
    third = load_wav(synth.synthesize(SENTENCE, tmp_path / "three.wav"))
    assert len(spoken_requests(second)) == 1 and len(spoken_requests(third)) == 1
    assert abs(len(third) - len(first)) < 0.05 * len(first)  # the same sentence again, not a leftover
    assert abs(len(second) - len(first)) > 0.1 * len(first)


def test_pyttsx3_engine_is_shared_and_safe_across_threads(tmp_path: Path) -> None:
    us = synthesizers.create("pyttsx3", TtsConfig(voice="en-us"))
    gb = synthesizers.create("pyttsx3", TtsConfig(voice="en-gb", rate=220))
    errors: list[BaseException] = []

    def speak(synth: object, name: str) -> None:
        try:
            for i in range(3):
                synth.synthesize(f"Valve {i + 1} is open.", tmp_path / f"{name}{i}.wav")  # type: ignore[attr-defined]
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=speak, args=(s, n)) for s, n in ((us, "us"), (gb, "gb"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for i in range(3):
        us_len, gb_len = seconds(tmp_path / f"us{i}.wav"), seconds(tmp_path / f"gb{i}.wav")
        assert us_len > 0.5 and gb_len > 0.5
        assert gb_len < us_len  # each call kept its own rate: the faster voice is shorter


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_is_an_input_error(tmp_path: Path, backend: str, text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        synthesizers.create(backend, TtsConfig()).synthesize(text, tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize("backend", BACKENDS)
def test_unknown_voice_and_bad_rate_are_config_errors(tmp_path: Path, backend: str) -> None:
    with pytest.raises(ConfigError, match="tts -> voice = 'xx-nope'"):
        synthesizers.create(backend, TtsConfig(voice="xx-nope")).synthesize("hello", tmp_path / "x.wav")
    with pytest.raises(ConfigError, match="tts -> rate"):
        synthesizers.create(backend, TtsConfig(rate=5))


def test_espeak_ng_speaks_text_that_looks_like_an_option(tmp_path: Path) -> None:
    path = synthesizers.create("espeak-ng", TtsConfig()).synthesize("-5 degrees at the inlet", tmp_path / "m.wav")
    assert seconds(path) > 0.8


def test_unknown_backend_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match="tts -> backend.*auto, espeak-ng, hibari, pico, pyttsx3"):
        synthesizers.create("festival", TtsConfig())


def test_pico_missing_is_a_one_line_error_naming_the_opt_in_script() -> None:
    with pytest.raises(BackendError) as error:
        synthesizers.create("pico", TtsConfig(), program="pico2wave_not_installed")
    message = str(error.value)
    assert "\n" not in message and "pico2wave_not_installed not found" in message
    assert "scripts/voice-pico.sh" in message and 'tts -> backend = "espeak-ng"' in message


def test_default_config_speaks_with_hibari() -> None:
    config = TtsConfig()
    assert config.backend == "auto"
    synth = synthesizers.create(config.backend, config)
    assert isinstance(synth, HibariSynthesizer) and synth.voice == "heart"


def test_hibari_named_but_not_loadable_is_a_one_line_backend_error() -> None:
    with pytest.raises(BackendError) as error:
        synthesizers.create("hibari", TtsConfig(), module=NOT_INSTALLED)
    message = str(error.value)
    assert "\n" not in message and NOT_INSTALLED in message
    assert "install hibari-tts" in message and 'tts -> backend = "espeak-ng"' in message


def test_auto_falls_back_to_espeak_ng_with_one_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.tts"):
        synth = synthesizers.create("auto", TtsConfig(voice="heart"), module=NOT_INSTALLED)
    assert isinstance(synth, EspeakSynthesizer)
    assert [r.getMessage() for r in caplog.records] == [caplog.records[0].getMessage()]
    assert "espeak-ng" in caplog.records[0].getMessage() and NOT_INSTALLED in caplog.records[0].getMessage()
    assert seconds(synth.synthesize(SENTENCE, tmp_path / "answer.wav")) > 1.0  # in espeak-ng's own voice


def test_hibari_says_the_numbers_and_units(tmp_path: Path) -> None:
    """The answer as whisper hears it: the voice says the words, not just a sound of the right length."""
    from assistant.asr import create_recognizer

    text = "The bearing temperature of P one oh two is seventy two point five degrees Celsius."
    wav = synthesizers.create("hibari", TtsConfig()).synthesize(text, tmp_path / "answer.wav")
    heard = create_recognizer(AsrConfig(), None, "dictation").transcribe(load_wav(wav)).text.lower()
    assert ("seventy" in heard or "72" in heard) and "celsius" in heard, heard


def test_pyttsx3_worker_that_died_is_replaced(tmp_path: Path) -> None:
    """pyttsx3 runs in its own process; if that process dies, the next answer starts a new one."""
    from assistant.tts import Pyttsx3Synthesizer

    synth = Pyttsx3Synthesizer(TtsConfig())
    first = synth.synthesize("first answer", tmp_path / "one.wav")
    assert synth._worker is not None
    synth._worker.kill()
    synth._worker.wait()
    second = synth.synthesize("second answer", tmp_path / "two.wav")
    assert first.stat().st_size > 1000 and second.stat().st_size > 1000
    synth.close()


def test_pyttsx3_shares_the_process_with_other_libespeak_users(tmp_path: Path) -> None:
    """Understanding reads phonemes through libespeak-ng in this process; speech output must still work."""
    from assistant.nlu.phonemes import Sounds
    from assistant.tts import Pyttsx3Synthesizer

    assert Sounds().key("cooling tower")
    wav = Pyttsx3Synthesizer(TtsConfig()).synthesize("the cooling tower is fine", tmp_path / "a.wav")
    assert wav.stat().st_size > 1000
