"""The audio edge against real files (espeak-ng speech converted by sox) and a real
PortAudio device: PulseAudio's null sink ``vsink``, recorded back from its monitor."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import correlate

from assistant.audio import MicStats, chunks, load_wav, microphone, play, wav_stream, write_wav
from assistant.config import AudioConfig, VadConfig
from assistant.errors import AudioFormatError, InputError
from assistant.events import SpokenRequest, VoiceStarted
from assistant.vad import Endpointer
from speech import say

PULSE = AudioConfig(input_device="pulse", output_device="pulse")


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return say("the pressure in boiler two is twelve bar", tmp_path_factory.mktemp("audio") / "speech.wav")


@pytest.fixture(scope="module")
def reference(speech: Path) -> np.ndarray:
    return load_wav(speech)


def sox(src: Path, dst: Path, *args: str) -> Path:
    subprocess.run(["sox", "-V1", str(src), *args, str(dst)], check=True)
    return dst


def similarity(a: np.ndarray, b: np.ndarray, window_s: float = 0.5) -> float:
    """How well ``b`` is found inside ``a``: the median, over ``window_s`` pieces of ``b`` that hold
    sound, of each piece's best normalized cross-correlation anywhere in ``a`` (1.0 = an exact copy;
    other speech scores about 0.3, noise about 0). Piecewise, so a playback glitch that shifts
    the rest does not hide the signal."""
    a64 = a.astype(np.float64)
    energy = np.concatenate([[0.0], np.cumsum(a64**2)])
    size = int(window_s * 16000)
    scores = []
    for start in range(0, len(b) - size + 1, size):
        piece = b[start : start + size].astype(np.float64)
        if np.sqrt(np.mean(piece**2)) < 300 or len(a64) < size:
            continue
        piece -= piece.mean()
        c = correlate(a64, piece, mode="valid", method="fft")
        local = np.sqrt(np.maximum(energy[size:] - energy[:-size], 1e-9))
        scores.append(float(np.max(c / (local * np.linalg.norm(piece)))))
    assert scores, "no piece of the reference holds sound"
    return float(np.median(scores))


# --- reading and writing files -------------------------------------------------------------------

@pytest.mark.parametrize(
    "name, args",
    [
        ("8k.wav", ("-r", "8000", "-c", "1", "-b", "16")),
        ("44k-stereo.wav", ("-r", "44100", "-c", "2", "-b", "16")),
        ("48k-stereo-float.wav", ("-r", "48000", "-c", "2", "-e", "floating-point", "-b", "32")),
        ("48k-24bit.wav", ("-r", "48000", "-c", "1", "-b", "24")),  # sox writes WAVE_FORMAT_EXTENSIBLE
        ("22k-8bit.wav", ("-r", "22050", "-c", "1", "-b", "8", "-e", "unsigned-integer")),
        ("16k-32bit.wav", ("-r", "16000", "-c", "1", "-b", "32")),
        ("16k-double.wav", ("-r", "16000", "-c", "1", "-e", "floating-point", "-b", "64")),
        ("22k-6ch.wav", ("-r", "22050", "-c", "6", "-b", "16")),
    ],
)
def test_load_wav_any_format(tmp_path: Path, speech: Path, reference: np.ndarray, name: str,
                             args: tuple[str, ...]) -> None:
    path = sox(speech, tmp_path / name, *args)
    samples = load_wav(path)
    assert samples.dtype == np.int16 and samples.ndim == 1
    assert abs(len(samples) - len(reference)) <= 16  # same duration at 16 kHz, within 1 ms
    assert similarity(samples, reference) > 0.97


def test_load_wav_resamples_to_requested_rate(speech: Path, reference: np.ndarray) -> None:
    samples = load_wav(speech, rate=8000)
    assert abs(len(samples) - len(reference) / 2) <= 8


def test_downmix_averages_channels(tmp_path: Path, reference: np.ndarray) -> None:
    stereo = np.stack([reference, np.zeros_like(reference)], axis=1)
    path = tmp_path / "left-only.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(stereo.astype("<i2").tobytes())
    mono = load_wav(path)
    assert np.max(np.abs(mono.astype(np.int32) * 2 - reference)) <= 2


def test_write_wav_round_trip_is_exact(tmp_path: Path, reference: np.ndarray) -> None:
    path = write_wav(tmp_path / "copy.wav", reference)
    assert np.array_equal(load_wav(path), reference)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)


def test_write_wav_takes_float_samples(tmp_path: Path) -> None:
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(1600) / 16000)
    back = load_wav(write_wav(tmp_path / "tone.wav", tone))
    assert np.max(np.abs(back / 32768.0 - tone)) < 1e-4


def test_ten_minutes_load(tmp_path: Path) -> None:
    rate, seconds = 44100, 600
    t = np.arange(rate * seconds, dtype=np.float32) / rate
    tone = (8000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16)
    del t
    path = write_wav(tmp_path / "long.wav", tone, rate=rate)
    del tone
    samples = load_wav(path)
    assert abs(len(samples) - 16000 * seconds) <= 1
    middle = samples[16000 * 300 : 16000 * 300 + 16000].astype(np.float64)
    assert 7000 < np.sqrt(2 * np.mean(middle**2)) < 9000  # the tone survives resampling at full level


def bad_inputs(tmp_path: Path, speech: Path) -> dict[str, Path]:
    whole = speech.read_bytes()
    cases = {
        "missing": tmp_path / "nope.wav",
        "directory": tmp_path,
        "text": tmp_path / "notes.wav",
        "mp3": tmp_path / "speech-mp3.wav",
        "truncated": tmp_path / "truncated.wav",
        "empty-file": tmp_path / "empty.wav",
        "zero-length": tmp_path / "zero.wav",
        "header-only": tmp_path / "header.wav",
        "a-law": tmp_path / "alaw.wav",
    }
    cases["text"].write_text("boiler pressure 12 bar\n")
    sox(speech, tmp_path / "speech.mp3")
    shutil.copy(tmp_path / "speech.mp3", cases["mp3"])
    cases["truncated"].write_bytes(whole[: len(whole) // 2])
    cases["empty-file"].write_bytes(b"")
    write_wav(cases["zero-length"], np.zeros(0, dtype=np.int16))
    cases["header-only"].write_bytes(whole[:20])
    sox(speech, cases["a-law"], "-e", "a-law")
    return cases


@pytest.mark.parametrize("case", ["missing", "directory", "text", "mp3", "truncated", "empty-file",
                                  "zero-length", "header-only", "a-law"])
def test_bad_input_is_one_clear_error(tmp_path: Path, speech: Path, case: str) -> None:
    path = bad_inputs(tmp_path, speech)[case]
    with pytest.raises(AudioFormatError) as caught:
        load_wav(path)
    message = str(caught.value)
    assert str(path) in message  # where
    assert "\n" not in message
    assert any(fix in message for fix in ("sox", "again", "check", "pass"))  # how to fix


def test_chunks_cover_the_audio_with_timestamps(reference: np.ndarray) -> None:
    parts = list(chunks(reference, chunk_ms=30))
    assert all(len(c.audio) == 960 for c in parts[:-1])
    assert 0 < len(parts[-1].audio) <= 960
    assert [c.timestamp for c in parts[:3]] == pytest.approx([0.0, 0.03, 0.06])
    assert b"".join(c.audio for c in parts) == reference.astype("<i2").tobytes()


def test_wav_stream_yields_the_file(speech: Path, reference: np.ndarray) -> None:
    async def collect(realtime: bool) -> list[bytes]:
        return [c.audio async for c in wav_stream(speech, chunk_ms=20, realtime=realtime)]

    assert b"".join(asyncio.run(collect(False))) == reference.tobytes()
    short = reference[:4800]

    async def paced() -> bytes:
        return b"".join([c.audio async for c in wav_stream(short, chunk_ms=20, realtime=True)])

    assert asyncio.run(paced()) == short.tobytes()


# --- the real device ---------------------------------------------------------------------------

def test_pulse_script_is_idempotent_and_fails_clearly(pulse: dict[str, str]) -> None:
    script = Path(__file__).resolve().parent.parent / "scripts" / "pulse.sh"
    again = subprocess.run([str(script)], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0
    assert f"export PULSE_SERVER={pulse['PULSE_SERVER']}" in again.stdout.splitlines()
    sinks = subprocess.run(["pactl", "list", "short", "sinks"], capture_output=True, text=True, check=True)
    assert [line.split()[1] for line in sinks.stdout.splitlines()].count("vsink") == 1
    info = subprocess.run(["pactl", "info"], capture_output=True, text=True, check=True).stdout
    assert "Default Sink: vsink" in info and "Default Source: vsink.monitor" in info
    broken = subprocess.run([str(script)], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "PLANTVOICE_PULSE_DIR": "/proc/no-such-dir"})
    assert broken.returncode != 0 and broken.stdout == ""
    assert broken.stderr.count("\n") == 1 and "PLANTVOICE_PULSE_DIR" in broken.stderr


def test_portaudio_lists_the_pulse_device() -> None:
    import sounddevice as sd

    names = [d["name"] for d in sd.query_devices()]
    assert "pulse" in names
    pulse = sd.query_devices("pulse")
    assert pulse["max_input_channels"] > 0 and pulse["max_output_channels"] > 0


async def record_while_playing(audio: np.ndarray | Path, config: AudioConfig,
                               tail_s: float = 1.0) -> tuple[list, MicStats]:
    """Record from the monitor, play ``audio`` to the sink, keep recording ``tail_s`` after it ends."""
    stats = MicStats()
    captured = []
    mic = microphone(config, stats)
    captured.append(await anext(mic))  # the stream is running before playback starts
    loop = asyncio.get_running_loop()
    playing = loop.run_in_executor(None, play, audio, config)
    end: float | None = None
    async for chunk in mic:
        captured.append(chunk)
        if end is None and playing.done():
            end = chunk.timestamp + tail_s
        if end is not None and chunk.timestamp >= end:
            break
    await mic.aclose()
    await playing
    return captured, stats


def test_played_speech_is_recorded_back_and_cut_into_one_request(tmp_path: Path) -> None:
    wav = say("open valve three on the feed water line", tmp_path / "req.wav", voice="en-gb", pad_s=0.6)
    audio = load_wav(wav)
    captured, stats = asyncio.run(record_while_playing(audio, PULSE))
    recorded = np.frombuffer(b"".join(c.audio for c in captured), dtype="<i2")
    assert stats.chunks >= len(captured) and stats.overflows == 0
    assert [round(c.timestamp, 3) for c in captured[:2]] == [0.0, 0.03]
    assert similarity(recorded, audio) > 0.8  # other speech scores about 0.3

    endpointer = Endpointer(VadConfig(backend="silero"))
    events = [e for c in captured for e in endpointer.process(c)] + endpointer.flush()
    requests = [e for e in events if isinstance(e, SpokenRequest)]
    assert len(requests) == 1 and isinstance(events[0], VoiceStarted)
    cut = np.frombuffer(requests[0].audio, dtype="<i2")
    speech = audio[np.abs(audio) > 1000]
    assert 0.8 * len(audio) / 16000 - 1.2 < requests[0].seconds < len(audio) / 16000 + 0.5
    assert similarity(cut, audio) > 0.8 and np.abs(cut).max() >= 0.8 * np.abs(speech).max()


def test_play_takes_a_wav_path(tmp_path: Path) -> None:
    short = say("pump four", tmp_path / "short.wav", voice="en-us+f3", pad_s=0.1)
    stereo = sox(short, tmp_path / "44k.wav", "-r", "44100", "-c", "2")
    captured, _ = asyncio.run(record_while_playing(stereo, PULSE, tail_s=0.3))
    recorded = np.frombuffer(b"".join(c.audio for c in captured), dtype="<i2")
    assert similarity(recorded, load_wav(short), window_s=0.25) > 0.8


def test_slow_consumer_drops_and_counts_blocks_without_crashing() -> None:
    async def run() -> tuple[MicStats, int]:
        stats = MicStats()
        mic = microphone(AudioConfig(input_device="pulse", queue_chunks=2), stats)
        await anext(mic)
        for _ in range(100):  # let blocks pile up while nobody reads
            await asyncio.sleep(0.05)
            if stats.overflows:
                break
        after = [await anext(mic) for _ in range(3)]
        await mic.aclose()
        return stats, len(after)

    stats, read = asyncio.run(run())
    assert stats.overflows > 0
    assert read == 3


def test_unknown_devices_are_clear_errors() -> None:
    async def open_mic() -> None:
        mic = microphone(AudioConfig(input_device="no-such-microphone"))
        await anext(mic)

    with pytest.raises(InputError, match="no-such-microphone.*PLANTVOICE_AUDIO_INPUT_DEVICE"):
        asyncio.run(open_mic())
    with pytest.raises(InputError, match="no-such-speaker.*PLANTVOICE_AUDIO_OUTPUT_DEVICE"):
        play(np.zeros(160, dtype=np.int16), AudioConfig(output_device="no-such-speaker"))
