"""Noise reduction before recognition: steady plant noise (fans, pumps, hum, hiss) taken out of a request.

    denoiser = denoisers.create(config.audio.denoise, config.audio)
    cleaner = denoiser.process(samples)  # int16 in, int16 out, same length

``spectral`` is spectral subtraction: the noise spectrum is the mean spectrum of the
quietest frames of the request (the endpointer keeps pre- and post-roll, so every
request has some), each frame keeps ``1 - strength * (noise / frame)^2`` of its power,
never less than ``floor``, and the gains are smoothed over time and frequency so the
remaining noise does not warble. Speech louder than the noise passes nearly unchanged.
``none`` passes audio through.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .config import AudioConfig
from .registry import Registry

__all__ = ["Denoiser", "denoisers", "SpectralSubtraction", "snr_db"]

FRAME = 512  # 32 ms at 16 kHz
HOP = 128
QUIET_SHARE = 15  # percent of frames, the quietest, that estimate the noise


class Denoiser(Protocol):
    def process(self, samples: np.ndarray) -> np.ndarray:
        """The request with its steady noise reduced (int16, same length)."""
        ...


denoisers: Registry[Denoiser] = Registry("denoiser", "audio -> denoise")


class _PassThrough:
    def process(self, samples: np.ndarray) -> np.ndarray:
        return samples


class SpectralSubtraction:
    def __init__(self, rate: int = 16000, strength: float = 2.0, floor: float = 0.1) -> None:
        self.rate, self.strength, self.floor = rate, strength, floor

    def process(self, samples: np.ndarray) -> np.ndarray:
        from scipy.ndimage import uniform_filter
        from scipy.signal import istft, stft

        if samples.size < 4 * FRAME:
            return samples
        x = samples.astype(np.float64)
        _, _, spectrum = stft(x, fs=self.rate, nperseg=FRAME, noverlap=FRAME - HOP)
        magnitude = np.abs(spectrum)
        energy = (magnitude ** 2).sum(axis=0)
        quiet = energy <= np.percentile(energy, QUIET_SHARE)
        noise = magnitude[:, quiet].mean(axis=1, keepdims=True)
        ratio = noise / np.maximum(magnitude, 1e-9)
        gain = np.sqrt(np.maximum(1.0 - self.strength * ratio ** 2, self.floor ** 2))
        gain = uniform_filter(gain, size=(3, 3))
        _, y = istft(spectrum * gain, fs=self.rate, nperseg=FRAME, noverlap=FRAME - HOP)
        return np.clip(np.round(y[: x.size]), -32768, 32767).astype(np.int16)


def snr_db(speech: np.ndarray, noisy: np.ndarray) -> float:
    """Signal-to-noise ratio of ``noisy`` against the clean ``speech`` it holds, in dB."""
    s = speech.astype(np.float64)
    n = noisy.astype(np.float64)[: s.size] - s
    return float(10 * np.log10(np.sum(s ** 2) / max(np.sum(n ** 2), 1e-9)))


@denoisers.register("none")
def _none(config: AudioConfig) -> Denoiser:
    return _PassThrough()


@denoisers.register("spectral")
def _spectral(config: AudioConfig) -> Denoiser:
    return SpectralSubtraction(config.rate, config.denoise_strength, config.denoise_floor)
