"""Voice activity and endpointing: where a spoken request starts and stops.

A ``VoiceDetector`` turns one frame of 16 kHz int16 samples into a speech
probability. The ``Endpointer`` feeds it frames cut from ``AudioChunk``s of any
size and turns the probabilities into events:

    VoiceStarted(t)                      speech held for ``min_speech_ms``
    VoiceStopped(t), SpokenRequest(...)  after ``silence_ms`` of silence, or at ``max_request_s``

``VoiceStarted``/``VoiceStopped`` carry the speech boundaries. A ``SpokenRequest``
holds ``pre_roll_ms`` of audio before speech began and ``post_roll_ms`` after it
ended (trailing sounds too faint for the detector stay in), and its
``started``/``stopped`` are the stream times of its first sample and its end.
Stream time counts samples from the first chunk's timestamp.

``PushToTalk`` is the hands-on alternative: audio is kept only while pressed.

Backends (``vad -> backend``):
    silero  Silero VAD v6 (ONNX, bundled with faster-whisper), 32 ms frames, streamed
    energy  frame RMS against a tracked noise floor; no model, a fallback
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Protocol

import numpy as np

from .config import VadConfig
from .errors import BackendError, ConfigError, InputError
from .events import AudioChunk, SpokenRequest, VoiceStarted, VoiceStopped
from .registry import Registry

__all__ = [
    "VoiceDetector",
    "detectors",
    "SileroDetector",
    "EnergyDetector",
    "Endpointer",
    "PushToTalk",
    "segment",
    "RATE",
]

RATE = 16000  # the only rate the endpointer takes (the pipeline's rate)

VadEvent = VoiceStarted | VoiceStopped | SpokenRequest


class VoiceDetector(Protocol):
    frame_samples: int  # the frame length probability() expects

    def probability(self, frame: np.ndarray) -> float:
        """Speech probability (0..1) of one frame of 16 kHz mono int16 samples; frames arrive in order."""
        ...


detectors: Registry[VoiceDetector] = Registry("voice detector", "vad -> backend")


def _silero_path() -> Path:
    try:
        from faster_whisper.utils import get_assets_path
    except ImportError as exc:
        raise BackendError(f"silero voice detector needs faster-whisper ({exc}); run scripts/setup.sh "
                           "or set vad -> backend = \"energy\"") from None
    return Path(get_assets_path()) / "silero_vad_v6.onnx"


@detectors.register("silero")
class SileroDetector:
    """Silero VAD v6 streamed frame by frame, as faster_whisper's batch runner does it.

    Each 512-sample frame goes in with the last 64 samples of the previous frame
    in front (576 inputs); the LSTM state (h, c) is carried from frame to frame.
    """

    frame_samples = 512
    context_samples = 64

    def __init__(self, config: VadConfig | None = None, model_path: str | Path | None = None) -> None:
        try:
            import onnxruntime
        except ImportError as exc:
            raise BackendError(f"silero voice detector needs onnxruntime ({exc}); run scripts/setup.sh "
                               "or set vad -> backend = \"energy\"") from None
        path = Path(model_path) if model_path else _silero_path()
        if not path.is_file():
            raise BackendError(f"silero VAD model {path} not found; reinstall faster-whisper with scripts/setup.sh")
        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"],
                                                     sess_options=opts)
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(self.context_samples, dtype=np.float32)

    def probability(self, frame: np.ndarray) -> float:
        if frame.shape != (self.frame_samples,):
            raise InputError(f"silero frame of shape {frame.shape}; pass {self.frame_samples} mono samples")
        audio = frame.astype(np.float32) / 32768.0
        window = np.concatenate([self._context, audio])[None, :]
        out, self._h, self._c = self._session.run(None, {"input": window, "h": self._h, "c": self._c})
        self._context = audio[-self.context_samples :]
        return float(np.asarray(out).reshape(-1)[0])


@detectors.register("energy")
class EnergyDetector:
    """Frame level in dB above a tracked noise floor, squashed to 0..1.

    The floor follows quiet frames down at once and creeps up slowly
    (``rise_db_s``), so steady noise or hum becomes the floor and speech stands
    out by ``margin_db``. Frames below ``min_dbfs`` are never speech. The first
    frame seeds the floor: start the stream on background sound, not on speech.
    """

    frame_samples = 480  # 30 ms

    def __init__(self, config: VadConfig | None = None, margin_db: float = 12.0, rise_db_s: float = 2.0,
                 min_dbfs: float = -55.0) -> None:
        self.margin_db = margin_db
        self.min_dbfs = min_dbfs
        self._rise = rise_db_s * self.frame_samples / RATE
        self._floor: float | None = None

    def reset(self) -> None:
        self._floor = None

    def probability(self, frame: np.ndarray) -> float:
        x = frame.astype(np.float64) / 32768.0
        level = 10.0 * math.log10(float(np.mean(x * x)) + 1e-12)
        floor = level if self._floor is None else self._floor
        floor = level if level < floor else min(level, floor + self._rise)
        self._floor = floor
        if level < self.min_dbfs:
            return 0.0
        return 1.0 / (1.0 + math.exp(-(level - floor - self.margin_db) / 2.0))


class Endpointer:
    """Cuts spoken requests out of a stream of 16 kHz mono int16 chunks of any size.

    ``process(chunk)`` returns the events the chunk completed; ``flush()`` ends the
    stream (an open request is closed and returned). Not thread-safe: feed it from one task.
    """

    def __init__(self, config: VadConfig, detector: VoiceDetector | None = None) -> None:
        if not 0.0 < config.threshold < 1.0:
            raise ConfigError(f"vad -> threshold = {config.threshold} must be between 0 and 1; use e.g. 0.5")
        for name in ("silence_ms", "min_speech_ms", "pre_roll_ms", "post_roll_ms"):
            if getattr(config, name) < 0:
                raise ConfigError(f"vad -> {name} = {getattr(config, name)} must not be negative")
        if config.max_request_s <= 0:
            raise ConfigError(f"vad -> max_request_s = {config.max_request_s} must be positive; use e.g. 15")
        self.config = config
        self.detector = detector if detector is not None else detectors.create(config.backend, config)
        self.frame = self.detector.frame_samples
        self.on = config.threshold
        self.off = max(config.threshold - 0.15, 0.01)  # hysteresis, as silero's own segmenter
        self._pre_roll = deque[np.ndarray](maxlen=max(1, math.ceil(config.pre_roll_ms * RATE / 1000 / self.frame)))
        self._pending = np.zeros(0, dtype=np.int16)
        self._position = 0  # samples framed so far (stream time = _origin + _position / RATE)
        self._origin: float | None = None
        self._reset_request()

    def _reset_request(self) -> None:
        self._frames: list[np.ndarray] = []  # request audio, pre-roll included
        self._audio_start = 0  # sample position of _frames[0]
        self._speech_start = -1  # sample position where speech began; -1 = idle
        self._speech_end = 0  # sample position just after the last speech frame
        self._voiced = 0  # speech samples in this request
        self._silence = 0  # samples of silence since the last speech frame
        self._started = False  # VoiceStarted emitted

    def _time(self, position: int) -> float:
        return (self._origin or 0.0) + position / RATE

    def process(self, chunk: AudioChunk) -> list[VadEvent]:
        if chunk.rate != RATE or chunk.width != 2 or chunk.channels != 1:
            raise InputError(
                f"endpointer got {chunk.rate} Hz, {chunk.width * 8}-bit, {chunk.channels}-channel audio; "
                f"it takes {RATE} Hz 16-bit mono: read files with assistant.audio.load_wav"
            )
        if self._origin is None:
            self._origin = chunk.timestamp
        samples = np.frombuffer(chunk.audio, dtype="<i2")
        buffer = np.concatenate([self._pending, samples]) if self._pending.size else samples
        events: list[VadEvent] = []
        whole = buffer.shape[0] - buffer.shape[0] % self.frame
        for start in range(0, whole, self.frame):
            events.extend(self._step(buffer[start : start + self.frame]))
        self._pending = buffer[whole:].copy()
        return events

    def _step(self, frame: np.ndarray) -> list[VadEvent]:
        p = self.detector.probability(frame)
        here = self._position
        self._position += self.frame
        cfg = self.config
        if self._speech_start < 0:  # idle: waiting for speech
            if p < self.on:
                self._pre_roll.append(frame)
                return []
            self._frames = list(self._pre_roll)
            self._audio_start = here - sum(f.shape[0] for f in self._frames)
            self._pre_roll.clear()
            self._speech_start = here
        self._frames.append(frame)
        if p >= self.on or (p >= self.off and self._silence == 0):
            self._voiced += self.frame
            self._silence = 0
            self._speech_end = self._position
        else:
            self._silence += self.frame
        events: list[VadEvent] = []
        if not self._started and self._voiced >= cfg.min_speech_ms * RATE / 1000:
            self._started = True
            events.append(VoiceStarted(timestamp=self._time(self._speech_start)))
        if self._silence >= cfg.silence_ms * RATE / 1000:
            if self._started:
                events.extend(self._close(self._speech_end))
            else:  # a burst too short to be speech
                self._pre_roll.extend(self._frames)
                self._reset_request()
        elif self._position - self._audio_start >= cfg.max_request_s * RATE:
            if self._started:
                events.extend(self._close(self._position))
            else:
                self._reset_request()
        return events

    def _close(self, speech_end: int) -> list[VadEvent]:
        """Emit the open request: audio up to ``post_roll_ms`` past the end of speech."""
        audio = np.concatenate(self._frames)
        keep = min(audio.shape[0], speech_end - self._audio_start + int(self.config.post_roll_ms * RATE / 1000))
        keep = max(keep, speech_end - self._audio_start)
        rest = audio[keep:]
        stopped = VoiceStopped(timestamp=self._time(speech_end))
        request = SpokenRequest(audio=audio[:keep].astype("<i2").tobytes(), rate=RATE,
                                started=self._time(self._audio_start), stopped=self._time(self._audio_start + keep))
        self._reset_request()
        for start in range(0, rest.shape[0], self.frame):  # trailing silence becomes the next pre-roll
            self._pre_roll.append(rest[start : start + self.frame])
        return [stopped, request]

    def flush(self) -> list[VadEvent]:
        """End of stream: close a request that is open (if it held enough speech), then start afresh."""
        events = self._close(self._speech_end) if self._started else []
        self._reset_request()
        self._pre_roll.clear()
        self._pending = np.zeros(0, dtype=np.int16)
        return events


async def segment(chunks: AsyncIterator[AudioChunk] | Iterable[AudioChunk],
                  endpointer: Endpointer) -> AsyncIterator[VadEvent]:
    """Endpointer events for a chunk stream; the stream's end flushes an open request."""
    if isinstance(chunks, AsyncIterator):
        async for chunk in chunks:
            for event in endpointer.process(chunk):
                yield event
    else:
        for chunk in chunks:
            for event in endpointer.process(chunk):
                yield event
    for event in endpointer.flush():
        yield event


class PushToTalk:
    """Keeps audio only between ``press()`` and ``release()``; safe to press from another thread.

    Audio past ``max_request_s`` is dropped.
    """

    def __init__(self, config: VadConfig | None = None) -> None:
        self.max_samples = int((config or VadConfig()).max_request_s * RATE)
        self._lock = threading.Lock()
        self._pressed = False
        self._parts: list[bytes] = []
        self._size = 0
        self._started: float | None = None

    @property
    def pressed(self) -> bool:
        return self._pressed

    def press(self) -> None:
        with self._lock:
            self._pressed = True
            self._parts, self._size, self._started = [], 0, None

    def process(self, chunk: AudioChunk) -> None:
        if chunk.rate != RATE or chunk.width != 2 or chunk.channels != 1:
            raise InputError(f"push-to-talk got {chunk.rate} Hz {chunk.channels}-channel audio; "
                             f"it takes {RATE} Hz mono: read files with assistant.audio.load_wav")
        with self._lock:
            if not self._pressed or self._size >= 2 * self.max_samples:
                return
            if self._started is None:
                self._started = chunk.timestamp
            part = chunk.audio[: 2 * self.max_samples - self._size]
            self._parts.append(part)
            self._size += len(part)

    def release(self) -> SpokenRequest | None:
        """The audio heard while pressed, or None when nothing came in (or not pressed)."""
        with self._lock:
            was, self._pressed = self._pressed, False
            audio, started = b"".join(self._parts), self._started
            self._parts, self._size, self._started = [], 0, None
        if not was or not audio or started is None:
            return None
        return SpokenRequest(audio=audio, rate=RATE, started=started, stopped=started + len(audio) / (2 * RATE))
