"""The audio edge: WAV files in and out, microphone blocks in, playback out.

Everything inside the pipeline is 16 kHz mono signed 16-bit PCM. ``load_wav``
brings any PCM or float WAV to that shape; ``chunks`` and ``wav_stream`` cut it
into ``AudioChunk`` events; ``microphone`` yields the same events from a live
PortAudio device; ``play`` sends samples back out, and ``Player`` plays audio that
comes piece by piece (an answer still being synthesized) through one output stream.

The PortAudio callback runs on its own thread. It hands each block to the event
loop with ``loop.call_soon_threadsafe`` into a bounded queue; when the consumer
falls behind, blocks are dropped and counted (``MicStats``), never fatal. Playback
goes the other way: ``Player.put`` hands blocks to the output callback through a
bounded queue and waits while it is full.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import stat
import struct
import threading
import time
import wave
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .config import AudioConfig
from .errors import AudioFormatError, InputError
from .events import AudioChunk

__all__ = [
    "load_wav",
    "write_wav",
    "to_int16",
    "chunks",
    "wav_stream",
    "microphone",
    "MicStats",
    "play",
    "Player",
    "PlayStats",
    "MAX_WAV_S",
    "MAX_WAV_BYTES",
    "MAX_CHANNELS",
    "MIN_RATE",
    "MAX_RATE",
]

log = logging.getLogger(__name__)

_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE
_STREAMING_SIZES = (0, 0xFFFFFFFF)  # data sizes written by writers that could not seek back
PLAYBACK_LATENCY_S = 0.3  # output buffer: playback is not latency-critical, a busy CPU must not starve it
_FIX = "convert it with: sox INPUT -r 16000 -c 1 -b 16 OUTPUT.wav"
MIN_RATE, MAX_RATE = 8000, 192_000  # sample rates read, in Hz
MAX_CHANNELS = 8
MAX_WAV_S = 2 * 60 * 60  # longest WAV read: a dictated report (a spoken request is held to asr -> max_command_s)
MAX_WAV_BYTES = 256 << 20  # most sample data read: two hours of 16 kHz mono 16-bit PCM fit
_MAX_FMT = 1024  # bytes of a fmt chunk read; the fields used are in its first 26


@dataclass(frozen=True)
class _Format:
    tag: int
    channels: int
    rate: int
    bits: int


def load_wav(path: str | Path, rate: int = 16000, max_seconds: float = MAX_WAV_S) -> np.ndarray:
    """Read a WAV file as mono int16 samples at ``rate``.

    Any sample rate from MIN_RATE to MAX_RATE and 1 to MAX_CHANNELS channels (averaged); 8/16/24/32-bit
    PCM and 32/64-bit float, plain or WAVE_FORMAT_EXTENSIBLE. The header is checked before any sample
    is read: at most ``max_seconds`` of audio and MAX_WAV_BYTES of sample data, so memory is bounded by
    these limits, never by what a header claims. Raises AudioFormatError for a missing file, anything
    but a regular file (a device, FIFO, socket or directory), a non-WAV, unsupported, too long, truncated
    (the data chunk is shorter than its header says: refused, not read in part) or empty file.
    """
    path = Path(path)
    with _open_regular(path) as file:
        fmt, pcm = _parse(file, path, max_seconds)
    samples = _decode(memoryview(pcm), fmt)
    del pcm
    if samples.shape[0] == 0:
        raise AudioFormatError(f"audio file {path} holds no audio (zero samples); record or export it again")
    if samples.dtype == np.int16:
        if fmt.channels == 1 and fmt.rate == rate:
            return samples[:, 0].copy()
        samples = samples.astype(np.float32) / 32768.0
    mono = samples.mean(axis=1, dtype=np.float32) if fmt.channels > 1 else samples[:, 0]
    del samples
    if fmt.rate != rate:
        import soxr

        mono = soxr.resample(np.asarray(mono, dtype=np.float32), fmt.rate, rate, quality="HQ")
    return to_int16(mono)


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _open_regular(path: Path) -> BinaryIO:
    """The file opened for reading, only when it is a regular file: a FIFO would block, a device never end."""
    try:
        _regular(os.stat(path).st_mode, path)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise AudioFormatError(f"audio file {path} not found; check the path") from None
    except IsADirectoryError:
        raise AudioFormatError(f"audio file {path} is a directory; pass a .wav file") from None
    except OSError as exc:
        raise AudioFormatError(f"audio file {path} cannot be read ({exc.strerror}); check its permissions") from None
    try:
        _regular(os.fstat(fd).st_mode, path)  # the same file as checked, not one put in its place since
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _regular(mode: int, path: Path) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise AudioFormatError(f"audio file {path} is {kind}, not a file; pass a .wav file")


def _parse(file: BinaryIO, path: Path, max_seconds: float) -> tuple[_Format, bytes]:
    """The format and the sample data; the chunks are walked by their headers, only the data chunk is read."""
    size_on_disk = os.fstat(file.fileno()).st_size
    head = file.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        kind = "is empty" if not head else "is not a WAV file (no RIFF/WAVE header)"
        raise AudioFormatError(f"audio file {path} {kind}; {_FIX}")
    fmt: _Format | None = None
    pos = 12
    while pos + 8 <= size_on_disk:
        file.seek(pos)
        header = file.read(8)
        if len(header) < 8:
            break
        cid, size = header[:4], struct.unpack_from("<I", header, 4)[0]
        body = pos + 8
        if cid == b"fmt ":
            fmt = _read_fmt(file.read(min(size, _MAX_FMT)), path)
        elif cid == b"data":
            if fmt is None:
                raise AudioFormatError(f"audio file {path} is corrupt: data before its fmt chunk; {_FIX}")
            available = size_on_disk - body
            if size in _STREAMING_SIZES:
                size = available
            elif size > available:
                raise AudioFormatError(
                    f"audio file {path} is truncated: header promises {size} bytes of audio, "
                    f"file has {available}; record or copy it again"
                )
            frame = fmt.channels * fmt.bits // 8
            size -= size % frame  # a torn last frame is dropped
            _check_length(size // frame, size, fmt, path, max_seconds)
            data = file.read(size)
            if len(data) < size:
                raise AudioFormatError(f"audio file {path} is truncated: it shrank while it was read; "
                                       "record or copy it again")
            return fmt, data
        pos = body + size + (size & 1)
    missing = "fmt" if fmt is None else "data"
    raise AudioFormatError(f"audio file {path} is truncated or corrupt: no {missing} chunk; {_FIX}")


def _check_length(frames: int, size: int, fmt: _Format, path: Path, max_seconds: float) -> None:
    seconds = frames / fmt.rate
    if seconds > max_seconds:
        raise AudioFormatError(f"audio file {path} holds {seconds:.0f} s of audio, more than {max_seconds:.0f} s; "
                               "cut it into shorter recordings (e.g. sox INPUT OUTPUT.wav trim 0 600)")
    if size > MAX_WAV_BYTES:
        raise AudioFormatError(f"audio file {path} holds {size >> 20} MiB of samples, more than "
                               f"{MAX_WAV_BYTES >> 20} MiB; {_FIX}")


def _read_fmt(body: bytes, path: Path) -> _Format:
    if len(body) < 16:
        raise AudioFormatError(f"audio file {path} is corrupt: fmt chunk of {len(body)} bytes; {_FIX}")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
    if tag == _EXTENSIBLE and len(body) >= 26:
        tag = struct.unpack_from("<H", body, 24)[0]  # first two bytes of the sub-format GUID
    ok = (tag == _PCM and bits in (8, 16, 24, 32)) or (tag == _FLOAT and bits in (32, 64))
    if not ok:
        raise AudioFormatError(
            f"audio file {path} has an unsupported encoding (format tag {tag}, {bits} bits; supported: "
            f"PCM of 8, 16, 24 or 32 bits, float of 32 or 64 bits); {_FIX}"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioFormatError(f"audio file {path} has {channels} channels (supported: 1 to {MAX_CHANNELS}); "
                               f"record 16 kHz mono PCM WAV, or {_FIX}")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioFormatError(f"audio file {path} has a sample rate of {rate} Hz (supported: {MIN_RATE} to "
                               f"{MAX_RATE} Hz); record 16 kHz mono PCM WAV, or {_FIX}")
    return _Format(tag, channels, rate, bits)


def _decode(pcm: memoryview, fmt: _Format) -> np.ndarray:
    """Samples as float32 in [-1, 1] (int16 kept as is), shape (frames, channels)."""
    if fmt.tag == _FLOAT:
        with np.errstate(over="ignore", invalid="ignore"):  # a damaged float file: NaN silent, inf full scale
            x = np.frombuffer(pcm, dtype="<f4" if fmt.bits == 32 else "<f8").astype(np.float32)
            x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    elif fmt.bits == 16:
        x = np.frombuffer(pcm, dtype="<i2")
    elif fmt.bits == 8:
        x = (np.frombuffer(pcm, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif fmt.bits == 24:
        raw = np.frombuffer(pcm, dtype=np.uint8).reshape(-1, 3)
        wide = np.zeros((raw.shape[0], 4), dtype=np.uint8)
        wide[:, 1:] = raw  # little-endian: the 24 bits land in the top of an int32
        x = (wide.view("<i4")[:, 0] >> 8).astype(np.float32) / float(1 << 23)
    else:
        x = np.frombuffer(pcm, dtype="<i4").astype(np.float32) / float(1 << 31)
    return x.reshape(-1, fmt.channels)


def to_int16(samples: np.ndarray) -> np.ndarray:
    """int16 as is; floats (full scale ±1.0) scaled, rounded and clipped."""
    samples = np.asarray(samples)
    if samples.dtype == np.int16:
        return samples
    if samples.dtype.kind == "f":
        return np.clip(np.rint(samples * 32768.0), -32768, 32767).astype(np.int16)
    if samples.dtype.kind in "iu":
        return np.clip(samples, -32768, 32767).astype(np.int16)
    raise InputError(f"audio samples of dtype {samples.dtype} cannot be used; pass int16 or float samples")


def write_wav(path: str | Path, samples: np.ndarray | bytes, rate: int = 16000) -> Path:
    """Write mono 16-bit PCM; ``samples`` are int16 (or float ±1.0) values or raw int16 bytes."""
    path = Path(path)
    data = samples if isinstance(samples, bytes) else to_int16(samples).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(data)
    return path


def chunks(samples: np.ndarray, rate: int = 16000, chunk_ms: int = 30) -> Iterator[AudioChunk]:
    """Cut mono int16 samples into ``chunk_ms`` chunks (the last may be shorter), timestamped."""
    if chunk_ms <= 0:
        raise InputError(f"chunk_ms = {chunk_ms} must be positive; use e.g. 30")
    data = to_int16(samples)
    step = max(1, rate * chunk_ms // 1000)
    for start in range(0, data.shape[0], step):
        block = data[start : start + step]
        yield AudioChunk(audio=block.astype("<i2").tobytes(), rate=rate, timestamp=start / rate)


async def wav_stream(
    source: str | Path | np.ndarray, chunk_ms: int = 30, realtime: bool = False, rate: int = 16000
) -> AsyncIterator[AudioChunk]:
    """A WAV file (or samples at ``rate``) as a stream of chunks; ``realtime`` paces it like a microphone."""
    samples = source if isinstance(source, np.ndarray) else load_wav(source, rate)
    loop = asyncio.get_running_loop()
    begin = loop.time()
    for chunk in chunks(samples, rate, chunk_ms):
        if realtime:
            await asyncio.sleep(max(0.0, begin + chunk.timestamp - loop.time()))
        else:
            await asyncio.sleep(0)  # let other tasks run between chunks
        yield chunk


@dataclass
class MicStats:
    """What a microphone stream delivered and lost."""

    chunks: int = 0  # blocks handed to the consumer's queue
    overflows: int = 0  # blocks dropped because the queue was full
    device_overflows: int = 0  # blocks PortAudio itself reported as overrun


def _device(name: str) -> int | str | None:
    name = name.strip()
    if not name:
        return None
    return int(name) if name.isdigit() else name


async def microphone(config: AudioConfig, stats: MicStats | None = None) -> AsyncIterator[AudioChunk]:
    """Live 16 kHz mono int16 chunks from ``config.input_device``; closing the generator closes the stream.

    ``stats`` (optional) is updated in place with delivered and dropped block counts.
    """
    import sounddevice as sd

    stats = stats if stats is not None else MicStats()
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[AudioChunk] = asyncio.Queue(max(1, config.queue_chunks))
    block = config.rate * config.chunk_ms // 1000
    position = [0]  # samples seen so far, counted on the audio thread

    def put(chunk: AudioChunk) -> None:  # on the loop thread
        try:
            queue.put_nowait(chunk)
            stats.chunks += 1
        except asyncio.QueueFull:
            stats.overflows += 1
            if stats.overflows == 1 or stats.overflows % 100 == 0:
                log.warning("microphone queue full (%d chunks): %d blocks dropped so far; the consumer is too slow",
                            queue.maxsize, stats.overflows)

    def callback(indata: object, frames: int, _time: object, status: sd.CallbackFlags) -> None:  # audio thread
        if status.input_overflow:
            stats.device_overflows += 1
        audio = bytes(indata)  # type: ignore[call-overload]  # a cffi buffer
        chunk = AudioChunk(audio=audio, rate=config.rate, timestamp=position[0] / config.rate)
        position[0] += frames
        try:
            loop.call_soon_threadsafe(put, chunk)
        except RuntimeError:  # the loop is closed: the stream is being torn down
            pass

    try:
        stream = sd.RawInputStream(samplerate=config.rate, blocksize=block, device=_device(config.input_device),
                                   channels=1, dtype="int16", callback=callback)
    except (sd.PortAudioError, ValueError) as exc:
        raise InputError(
            f"microphone {config.input_device or '(default)'} cannot be opened at {config.rate} Hz mono: {exc}; "
            "pick another device with PLANTVOICE_AUDIO_INPUT_DEVICE (python -m sounddevice lists them)"
        ) from None
    with stream:
        try:
            while True:
                yield await queue.get()
        finally:
            if stats.overflows or stats.device_overflows:
                log.warning("microphone closed: %d chunks delivered, %d dropped (queue full), %d device overruns",
                            stats.chunks, stats.overflows, stats.device_overflows)


def play(audio: np.ndarray | str | Path, config: AudioConfig) -> None:
    """Play samples (mono int16 at ``config.rate``) or a WAV file on ``config.output_device``; blocks until done."""
    import sounddevice as sd

    samples = load_wav(audio, config.rate) if isinstance(audio, (str, Path)) else to_int16(audio)
    device = _device(config.output_device)
    fix = "pick another device with PLANTVOICE_AUDIO_OUTPUT_DEVICE (python -m sounddevice lists them)"
    try:
        info = sd.query_devices(device, "output")
    except (sd.PortAudioError, ValueError) as exc:
        raise InputError(f"speaker {config.output_device or '(default)'} not found ({exc}); {fix}") from None
    rate = config.rate
    try:
        sd.check_output_settings(device=device, samplerate=rate, channels=1, dtype="int16")
    except (sd.PortAudioError, ValueError):  # the device wants its own rate
        import soxr

        rate = int(info["default_samplerate"])
        samples = to_int16(soxr.resample(samples.astype(np.float32) / 32768.0, config.rate, rate))
    try:
        stream = sd.RawOutputStream(samplerate=rate, device=device, channels=1, dtype="int16",
                                    latency=PLAYBACK_LATENCY_S)
    except (sd.PortAudioError, ValueError) as exc:
        raise InputError(f"speaker {config.output_device or '(default)'} cannot be opened at {rate} Hz mono: "
                         f"{exc}; {fix}") from None
    with stream:
        stream.write(samples.astype("<i2").tobytes())
        stream.stop()  # waits until every queued block has been played


@dataclass
class PlayStats:
    """What a ``Player`` played: every second handed to the device and every silence it had to put in."""

    chunks: int = 0  # chunks taken by put
    played_s: float = 0.0  # audio handed to the device, at the stream's rate
    gaps: int = 0  # times the queue ran dry before finish: the next piece was not ready in time
    gap_s: float = 0.0  # silence put in for them
    stopped: bool = False  # stop() ended it before everything was played


class Player:
    """One output stream that plays mono int16 audio as it comes, piece after piece, without gaps.

    ``put`` takes an ``AudioChunk`` (any rate: resampled to the stream's) and returns at once unless
    ``max_queued_s`` of audio already waits, then it waits for room; ``play`` puts every chunk of an
    iterable, so a lazy one (``tts.speech``) makes the next piece while the earlier ones sound.
    ``finish`` waits until all is heard; ``stop`` (from any thread: barge-in) drops what waits and
    silences the device at once. The stream starts with the first block, so the first audio is not
    queued behind silence; if the queue runs dry before ``finish``, silence fills in and is counted
    in ``stats`` (``gaps``, ``gap_s``). ``first_audio`` is set when the first samples reach the device,
    at ``first_audio_at`` (``time.perf_counter()``).
    """

    def __init__(self, config: AudioConfig, max_queued_s: float = 60.0) -> None:
        import sounddevice as sd

        self._sd = sd
        self.stats = PlayStats()
        self.first_audio = threading.Event()
        self.first_audio_at: float | None = None
        self._rest = b""  # the part of a block the callback has not played yet
        self._dry = False  # the queue ran dry and silence is being played
        self._finishing = False
        self._started = False
        self._lock = threading.Lock()  # stream abort and close, from the player's and stop()'s threads
        self._stopped = threading.Event()
        self._done = threading.Event()
        self._queued = 0  # samples put and not yet played (an estimate for finish's deadline)
        device = _device(config.output_device)
        fix = "pick another device with PLANTVOICE_AUDIO_OUTPUT_DEVICE (python -m sounddevice lists them)"
        try:
            info = sd.query_devices(device, "output")
            self.rate = config.rate
            try:
                sd.check_output_settings(device=device, samplerate=self.rate, channels=1, dtype="int16")
            except (sd.PortAudioError, ValueError):  # the device wants its own rate
                self.rate = int(info["default_samplerate"])
            self._stream = sd.RawOutputStream(samplerate=self.rate, device=device, channels=1, dtype="int16",
                                              latency=PLAYBACK_LATENCY_S, callback=self._callback,
                                              finished_callback=self._done.set)
        except (sd.PortAudioError, ValueError) as exc:
            raise InputError(f"speaker {config.output_device or '(default)'} cannot be opened for playback: "
                             f"{exc}; {fix}") from None
        self.block = max(1, self.rate * config.chunk_ms // 1000)  # samples per queued block
        self._queue: queue.Queue[bytes] = queue.Queue(max(1, round(max_queued_s * self.rate / self.block)))

    def _callback(self, outdata: Any, frames: int, _time: object, _status: object) -> None:  # audio thread
        if self._stopped.is_set():
            raise self._sd.CallbackAbort
        need = frames * 2
        data = self._rest
        while len(data) < need:
            try:
                data += self._queue.get_nowait()
            except queue.Empty:
                break
        self._rest, data = data[need:], data[:need]
        self._queued -= len(data) // 2
        outdata[: len(data)] = data
        if data:
            self.stats.played_s += len(data) / 2 / self.rate
            if self.first_audio_at is None:
                self.first_audio_at = time.perf_counter()
                self.first_audio.set()
        if len(data) == need:
            self._dry = False
            return
        outdata[len(data):] = bytes(need - len(data))
        if self._finishing:
            raise self._sd.CallbackStop  # what is in the device still plays, then finished_callback
        self.stats.gaps += not self._dry
        self.stats.gap_s += (need - len(data)) / 2 / self.rate
        self._dry = True

    def put(self, chunk: AudioChunk) -> bool:
        """Queue ``chunk`` for playing; False (nothing queued) once stopped."""
        samples = np.frombuffer(chunk.audio, dtype="<i2")
        if chunk.channels > 1:
            samples = to_int16(samples.reshape(-1, chunk.channels).mean(axis=1) / 32768.0)
        if chunk.rate != self.rate:
            import soxr

            samples = to_int16(soxr.resample(samples.astype(np.float32) / 32768.0, chunk.rate, self.rate))
        self.stats.chunks += 1
        data = samples.astype("<i2").tobytes()
        for start in range(0, len(data), self.block * 2):
            while True:
                if self._stopped.is_set():
                    return False
                try:
                    self._queue.put(data[start : start + self.block * 2], timeout=0.05)
                    break
                except queue.Full:
                    self._start()  # the queue is full before the stream runs: start it to make room
            self._queued += min(self.block, (len(data) - start) // 2)
        self._start()  # after the whole first chunk is queued: no silence after its first block
        return True

    def _start(self) -> None:
        with self._lock:
            if not self._started and not self._stopped.is_set() and not self._stream.closed:
                self._started = True
                self._stream.start()

    def play(self, chunks: Iterable[AudioChunk]) -> PlayStats:
        """Put every chunk (the next is taken only after the last is queued), then ``finish``."""
        for chunk in chunks:
            if not self.put(chunk):
                break
        return self.finish()

    def finish(self) -> PlayStats:
        """No more audio: wait until everything queued has been heard (or ``stop``), then close."""
        self._finishing = True
        if self._started:
            deadline = time.monotonic() + max(self._queued, 0) / self.rate + PLAYBACK_LATENCY_S + 5.0
            while not self._done.wait(0.05) and not self._stopped.is_set():
                if time.monotonic() > deadline:
                    log.warning("playback did not end in time; stopping the output stream")
                    break
        self.close()
        return self.stats

    def stop(self) -> None:
        """Silence it now (barge-in): what waits is dropped, what the device holds is cut off."""
        self._stopped.set()
        self.stats.stopped = True
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        with self._lock:
            if not self._stream.closed and self._stream.active:
                self._stream.abort()
        self._done.set()

    def close(self) -> None:
        with self._lock:  # never while stop() aborts the stream on another thread
            if not self._stream.closed:
                if self._stream.active:
                    self._stream.abort()
                self._stream.close()

    def __enter__(self) -> Player:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
