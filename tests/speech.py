"""Test speech made with espeak-ng and sox: several voices, speeds and added noise.

Real synthetic speech, so tests are not tuned to one voice. Audio is padded with
a little noise rather than digital silence (some recognizers drop last words on
pure silence).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb+m3", "en-us+m7")


def say(text: str, path: Path, voice: str = "en-us", speed: int = 160, rate: int = 16000,
        pad_s: float = 0.4, noise_db: float | None = None) -> Path:
    """Speak ``text`` into a 16-bit mono WAV at ``rate``; ``noise_db`` adds white noise at that SNR."""
    path = Path(path)
    raw = path.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    padded = path.with_suffix(".pad.wav")
    subprocess.run(["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(padded),
                    "pad", str(pad_s), str(pad_s)], check=True)
    level = 0.003 if noise_db is None else None
    _mix_noise(padded, path, level=level, snr_db=noise_db)
    raw.unlink()
    padded.unlink()
    return path


def _mix_noise(src: Path, dst: Path, level: float | None, snr_db: float | None) -> None:
    import numpy as np
    import wave

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
