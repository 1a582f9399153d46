"""Noise reduction before recognition, on real espeak-ng speech with white noise added."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.audio import load_wav
from assistant.config import AudioConfig
from assistant.denoise import SpectralSubtraction, denoisers, snr_db
from assistant.errors import ConfigError
from tests.speech import say


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    path = say("what is the bearing temperature of feed pump two", tmp_path_factory.mktemp("dn") / "s.wav",
               voice="en-gb", speed=150, pad_s=0.5)
    return load_wav(path)


def _noisy(speech: np.ndarray, snr: float, seed: int = 3) -> np.ndarray:
    x = speech.astype(np.float64)
    power = np.mean(x ** 2)
    noise = np.random.default_rng(seed).normal(0, np.sqrt(power / 10 ** (snr / 10)), x.size)
    return np.clip(x + noise, -32768, 32767).astype(np.int16)


@pytest.mark.parametrize("snr", [5.0, 10.0])
def test_spectral_subtraction_raises_the_snr_of_noisy_speech(speech: np.ndarray, snr: float) -> None:
    noisy = _noisy(speech, snr)
    cleaned = SpectralSubtraction().process(noisy)
    assert cleaned.dtype == np.int16 and cleaned.size == noisy.size
    assert snr_db(speech, noisy) == pytest.approx(snr, abs=0.5)
    assert snr_db(speech, cleaned) > snr_db(speech, noisy) + 3.0


def test_clean_speech_passes_nearly_unchanged(speech: np.ndarray) -> None:
    cleaned = SpectralSubtraction().process(speech)
    assert snr_db(speech, cleaned) > 10.0


def test_noise_alone_is_turned_down(speech: np.ndarray) -> None:
    hiss = np.random.default_rng(5).normal(0, 500, 32000).astype(np.int16)
    out = SpectralSubtraction().process(hiss)
    assert np.sqrt(np.mean(out.astype(float) ** 2)) < 0.5 * np.sqrt(np.mean(hiss.astype(float) ** 2))


def test_very_short_audio_passes_through() -> None:
    short = np.arange(100, dtype=np.int16)
    assert SpectralSubtraction().process(short) is short


def test_backends_are_chosen_by_name(speech: np.ndarray) -> None:
    assert denoisers.create("none", AudioConfig()).process(speech) is speech
    assert isinstance(denoisers.create("spectral", AudioConfig()), SpectralSubtraction)
    with pytest.raises(ConfigError, match="audio -> denoise.*none, spectral"):
        denoisers.create("wiener", AudioConfig())


def test_the_pipeline_recognises_a_noisy_request_after_denoising(tmp_path: Path, speech: np.ndarray) -> None:
    from dataclasses import replace

    from assistant.config import load_config
    from assistant.pipeline import Pipeline

    config = load_config()
    config = replace(config.replace("audio", denoise="spectral"), data_dir=str(tmp_path))
    pipeline = Pipeline.from_config(config)
    transcript, intent = pipeline.understand(_noisy(speech, 10.0))
    assert intent.name == "sensor_reading", transcript.text
    assert intent.entity("asset") == "P-102", transcript.text
