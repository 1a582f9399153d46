"""The WAV reader against hostile files: headers that lie, devices, FIFOs; the CLI answers each in one line."""

from __future__ import annotations

import os
import struct
import subprocess
import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.audio import MAX_CHANNELS, MAX_RATE, MAX_WAV_BYTES, MIN_RATE, load_wav
from assistant.errors import AudioFormatError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "audio_samples" / "001_sensor_reading_en-us.wav"
CLI = ROOT / ".venv" / "bin" / "plantvoice"
FRAMES = 8000  # half a second: a real recording, small enough for many examples


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The first half second of a real recording, as a plain 16 kHz mono 16-bit WAV (44-byte header)."""
    with wave.open(str(SAMPLE)) as src:
        pcm = src.readframes(FRAMES)
    path = tmp_path_factory.mktemp("wav") / "small.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(pcm)
    return path.read_bytes()


def header(tag: int = 1, channels: int = 1, rate: int = 16000, bits: int = 16, size: int = 32000) -> bytes:
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    return b"RIFF" + struct.pack("<I", 36 + size) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt \
        + b"data" + struct.pack("<I", size)


def one_line_error(path: Path) -> str:
    with pytest.raises(AudioFormatError) as caught:
        load_wav(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    return message


# --- what is not a regular file is refused before it is opened --------------------------------------

def test_character_device_is_refused() -> None:
    assert "character device" in one_line_error(Path("/dev/zero"))


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    assert "FIFO" in one_line_error(fifo)


# --- the header is checked before a sample is read ------------------------------------------------------

@pytest.mark.parametrize("fields, what", [
    ({"rate": 1}, "sample rate of 1 Hz"),
    ({"rate": MAX_RATE + 1}, f"sample rate of {MAX_RATE + 1} Hz"),
    ({"rate": MIN_RATE - 1}, f"sample rate of {MIN_RATE - 1} Hz"),
    ({"channels": 0}, "0 channels"),
    ({"channels": MAX_CHANNELS + 1}, f"{MAX_CHANNELS + 1} channels"),
    ({"tag": 2}, "unsupported encoding"),
    ({"bits": 12}, "unsupported encoding"),
])
def test_implausible_header_is_one_clear_line(tmp_path: Path, fields: dict[str, int], what: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(header(**fields) + bytes(32000))
    message = one_line_error(path)
    assert what in message
    assert "16 kHz mono PCM WAV" in message or "supported" in message  # how to fix / what is read


def test_declared_length_beyond_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    """A sparse file of 3 hours at 16 kHz: refused by its length, its samples never read."""
    size = 3 * 3600 * 16000 * 2
    path = tmp_path / "long.wav"
    with open(path, "wb") as out:
        out.write(header(size=size))
        out.truncate(44 + size)
    tracemalloc.start()
    try:
        message = one_line_error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "more than" in message and "shorter recordings" in message
    assert peak < 1 << 20


def test_more_sample_data_than_the_byte_limit_is_refused(tmp_path: Path) -> None:
    channels, rate = 8, 192_000
    size = MAX_WAV_BYTES + channels * 4  # a few minutes: under the time limit, over the byte limit
    path = tmp_path / "wide.wav"
    with open(path, "wb") as out:
        out.write(header(tag=3, channels=channels, rate=rate, bits=32, size=size))
        out.truncate(44 + size)
    assert "MiB" in one_line_error(path)


# --- property: any damage to a real file is an AudioFormatError or a bounded result ---------------------

_FIELDS = {"riff size": (4, "<I"), "fmt size": (16, "<I"), "tag": (20, "<H"), "channels": (22, "<H"),
           "rate": (24, "<I"), "byte rate": (28, "<I"), "align": (32, "<H"), "bits": (34, "<H"),
           "data size": (40, "<I")}
_EDGE = st.sampled_from([0, 1, 2, 3, 7, 8, 16, 24, 32, 64, 255, 0xFFFE, 0xFFFF, 7999, 8000, 16000, 192_000,
                         192_001, 0x7FFFFFFF, 0xFFFFFFFE, 0xFFFFFFFF])


def _bounded(path: Path, data: bytes) -> None:
    tracemalloc.start()
    try:
        try:
            samples = load_wav(path)
        except AudioFormatError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)
            return
        finally:
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # at most all bytes as 8-bit samples at the lowest rate, brought to 16 kHz; memory a small multiple
    assert len(samples) <= len(data) * 16000 // MIN_RATE + 16
    assert samples.dtype == np.int16
    assert peak < 64 * len(data) + (8 << 20)


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(sorted(_FIELDS)), value=st.one_of(_EDGE, st.integers(0, 0xFFFFFFFF)))
def test_a_header_field_set_to_anything(tmp_path: Path, small: bytes, field: str, value: int) -> None:
    offset, code = _FIELDS[field]
    value &= 0xFFFF if code == "<H" else 0xFFFFFFFF
    data = bytearray(small)
    struct.pack_into(code, data, offset, value)
    path = tmp_path / "field.wav"
    path.write_bytes(bytes(data))
    _bounded(path, bytes(data))


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 80), st.integers(0, 255)), max_size=12),
       cut=st.one_of(st.none(), st.integers(0, 16044)))
def test_bytes_of_the_header_changed_or_the_file_cut(tmp_path: Path, small: bytes,
                                                     edits: list[tuple[int, int]], cut: int | None) -> None:
    data = bytearray(small)
    for at, byte in edits:
        data[at] = byte
    if cut is not None:
        del data[cut:]
    path = tmp_path / "bytes.wav"
    path.write_bytes(bytes(data))
    _bounded(path, bytes(data))


# --- the CLI: exit 2, one line, no traceback; a FIFO does not hang it (the timeout) ---------------------

def test_cli_understand_refuses_each_bad_file_in_one_line_and_goes_on(tmp_path: Path) -> None:
    fifo, one_hertz = tmp_path / "pipe.wav", tmp_path / "one-hertz.wav"
    os.mkfifo(fifo)
    one_hertz.write_bytes(header(rate=1, size=40_000) + bytes(40_000))
    good = sorted((ROOT / "audio_samples").glob("*_sensor_reading_*.wav"))[0]
    bad = [Path("/dev/zero"), fifo, one_hertz]
    env = {**os.environ, "PLANTVOICE_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([str(CLI), "understand", str(bad[0]), str(good), str(bad[1]), str(bad[2])],
                          capture_output=True, text=True, timeout=240, cwd=ROOT, env=env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3 and all(str(path) in line for path, line in zip(bad, lines, strict=True)), done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.splitlines()[0].startswith(f"{good}: ") and "sensor_reading" in done.stdout
