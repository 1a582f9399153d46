"""Speech output: answer text to a WAV file.

Backends (``tts -> backend``):
    auto       the default: hibari where it loads, else espeak-ng (one warning in the log)
    hibari     hibari-tts, a small neural voice in process; natural, numbers and units spoken well
    pyttsx3    pyttsx3 driving libespeak-ng in a worker process; one engine, reused
    espeak-ng  the espeak-ng command line; a simple fallback
    pico       SVOX Pico's pico2wave, a clear German (and English) voice; opt-in, from Debian's non-free
               component: scripts/voice-pico.sh installs it

``tts -> voice`` is the backend's own voice name, "" its default: for hibari a
hibari voice (``heart``, in the package; ``en-us`` also means heart), for pyttsx3 and
espeak-ng an espeak-ng voice (``en-us``, ``en-gb``, ``en-us+f3``), for pico a Pico language
(``de-DE``, the default, or ``en-US``, ``en-GB``, ``fr-FR``, ``es-ES``, ``it-IT``). ``tts -> rate`` is
words per minute for all. Play the file with ``assistant.audio.play``.

Streamed speaking: ``pieces`` cuts an answer where a person would pause (sentences, and clauses
at ":" ";" "," of at least ``PIECE_MIN_WORDS`` words), every backend's ``audio`` speaks one piece
into memory, and ``speech`` yields the pieces as ``AudioChunk`` events one by one, each made only
when asked for: ``assistant.audio.Player`` plays the first while the next is synthesized.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import wave
import zlib
from dataclasses import replace
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape as xml_escape

import numpy as np

from .config import TtsConfig
from .errors import BackendError, ConfigError, InputError, PlantvoiceError
from .events import AudioChunk
from .files import atomic_path
from .registry import Registry

__all__ = ["Synthesizer", "synthesizers", "HibariSynthesizer", "Pyttsx3Synthesizer", "EspeakSynthesizer",
           "PicoSynthesizer", "auto", "pieces", "speech", "PIECE_MIN_WORDS", "PIECE_LEAD_S"]

log = logging.getLogger(__name__)
ESPEAK_VOICE = "en-us"  # pyttsx3's and espeak-ng's voice when tts -> voice is ""


class Synthesizer(Protocol):
    def synthesize(self, text: str, path: Path) -> Path:
        """Speak ``text`` into a WAV file at ``path``; returns ``path``."""
        ...

    def audio(self, text: str) -> AudioChunk:
        """Speak ``text`` into memory: mono 16-bit samples at the voice's own rate, timestamp 0."""
        ...


PIECE_MIN_WORDS = 3  # a clause spoken on its own keeps at least this many words, so it still sounds natural
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


def pieces(text: str, min_words: int = PIECE_MIN_WORDS, clauses: bool = True) -> list[str]:
    """``text`` cut where a person would pause: after every sentence, and (``clauses``) after ":", ";"
    and "," followed by a space, where both sides keep at least ``min_words`` words; a shorter clause
    joins its neighbour. "1,240" and "2.5" are never cut; the pieces joined by spaces give the text back
    (whitespace made single).
    """
    out: list[str] = []
    for sentence in _SENTENCE_END.split(" ".join(str(text).split())):
        if sentence:
            out += _clauses(sentence, min_words) if clauses else [sentence]
    return out


def _clauses(sentence: str, min_words: int) -> list[str]:
    merged: list[str] = []
    for part in _CLAUSE_END.split(sentence):
        if merged and len(merged[-1].split()) < min_words:
            merged[-1] += " " + part
        else:
            merged.append(part)
    if len(merged) > 1 and len(merged[-1].split()) < min_words:
        tail = merged.pop()
        merged[-1] += " " + tail
    return merged


def speech(synthesizer: Synthesizer, text: str, min_words: int = PIECE_MIN_WORDS,
           clauses: bool = True) -> Iterator[AudioChunk]:
    """``text`` spoken piece by piece (see ``pieces``): one chunk per piece, each synthesized only when
    the consumer asks for it, its lead-in silence cut to ``PIECE_LEAD_S``, timestamped where it starts in
    the whole answer."""
    start = 0.0
    for piece in pieces(_check_text(text), min_words, clauses):
        chunk = _lead_trimmed(synthesizer.audio(piece))
        yield replace(chunk, timestamp=start)
        start += chunk.seconds


PIECE_LEAD_S = 0.05  # silence kept before a piece's first sound
_SILENT = 32  # int16 amplitude below which a sample is silence (-60 dBFS)


def _lead_trimmed(chunk: AudioChunk) -> AudioChunk:
    """The piece without the lead-in silence a voice puts before every utterance (hibari: 0.3 s), beyond
    ``PIECE_LEAD_S``: the pause at a cut is then the previous piece's own ending, as long as at the end of
    a sentence, and the first words are heard that much sooner."""
    samples = np.frombuffer(chunk.audio, dtype="<i2")
    sound = np.flatnonzero(np.abs(samples.astype(np.int32)) > _SILENT)
    start = max(0, int(sound[0]) - round(PIECE_LEAD_S * chunk.rate)) if sound.size else 0
    return replace(chunk, audio=chunk.audio[start * 2 :]) if start else chunk


def _wav_chunk(path: Path, backend: str) -> AudioChunk:
    """A mono 16-bit WAV file written by a backend, as one chunk at its own rate."""
    with wave.open(str(path)) as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise BackendError(f"{backend} wrote {w.getnchannels()} channels of {8 * w.getsampwidth()} bits "
                               f"to {path}, not mono 16-bit; set tts -> backend = \"espeak-ng\"")
        return AudioChunk(audio=w.readframes(w.getnframes()), rate=w.getframerate())


def _audio_through_file(synthesizer: Synthesizer, text: str, backend: str) -> AudioChunk:
    with tempfile.TemporaryDirectory(prefix="plantvoice-tts-") as tmp:
        return _wav_chunk(synthesizer.synthesize(text, Path(tmp) / "piece.wav"), backend)


synthesizers: Registry[Synthesizer] = Registry("speech synthesizer", "tts -> backend")


def _check_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"text to speak is empty ({text!r}); pass at least one word")
    return text.strip()


def _check_rate(config: TtsConfig) -> None:
    if not 40 <= config.rate <= 600:
        raise ConfigError(f"tts -> rate = {config.rate} words per minute is out of range; use 80..450, e.g. 165")


def _espeak_voice(config: TtsConfig) -> str:
    return config.voice or ESPEAK_VOICE


def _frames(path: Path) -> int:
    try:
        with wave.open(str(path)) as w:
            return w.getnframes()
    except (OSError, EOFError, wave.Error):
        return 0


# libespeak-ng holds one voice and one callback per process, so pyttsx3's
# espeak driver is a process-wide singleton: one engine, one lock.
_ENGINE_LOCK = threading.Lock()
_engine: Any = None
_engine_errors: list[BaseException] = []


def _quiet(*_args: object, **_kwargs: object) -> None:
    return None


def _shared_engine() -> Any:
    global _engine
    if _engine is None:
        try:
            import pyttsx3
            import pyttsx3.drivers.espeak as driver

            driver.print = _quiet  # type: ignore[attr-defined]  # it prints "Audio saved to ..." on stdout
            engine = pyttsx3.init("espeak")
        except Exception as exc:  # ImportError, RuntimeError from libespeak-ng, OSError from ctypes
            raise BackendError(
                f"pyttsx3 with the espeak driver cannot start ({exc}); install libespeak-ng1 "
                "(scripts/setup.sh) or set tts -> backend = \"espeak-ng\""
            ) from None
        engine.connect("error", lambda name=None, exception=None: _engine_errors.append(exception))
        # runAndWait() stops the driver first, and its stop() calls espeak_Cancel() whenever
        # libespeak-ng reports itself busy, which puts back older speech parameters (the rate
        # just set is lost). Files are synthesized synchronously, so there is nothing to stop.
        engine.proxy._driver.stop = _quiet
        _warm_up(engine)
        _engine = engine
    return _engine


def _warm_up(engine: Any) -> None:
    """The first utterance after ``init()`` is often dropped: spend it on a throwaway file."""
    with tempfile.TemporaryDirectory() as tmp:
        engine.save_to_file("ready", str(Path(tmp) / "warm-up.wav"))
        engine.runAndWait()


def _voice_ids(voices: Any) -> dict[str, str]:
    """Voice file id (gmw/en) by every name a user may give: language (en-gb), file, file base, name."""
    ids: dict[str, str] = {}
    for voice in voices:
        vid = str(voice.id).lower()
        for name in (str(voice.name), vid.rsplit("/", 1)[-1], vid, *(voice.languages or ())):
            ids[str(name).lower()] = vid  # later, more exact names win
    return ids


def _speak_in_worker(text: str, path: str, voice: str, rate: int) -> None:
    """Runs in the speech worker process, the only user of libespeak-ng there."""
    with _ENGINE_LOCK:
        engine = _shared_engine()
        known = _voice_ids(engine.getProperty("voices"))
        base, plus, variant = voice.partition("+")
        file = known.get(base.strip().lower())
        if not file:
            raise ConfigError(
                f"tts -> voice = {voice!r} is not an espeak-ng voice; "
                "use e.g. en-us, en-gb or en-us+f3 (espeak-ng --voices=en lists them)"
            )
        _engine_errors.clear()
        engine.setProperty("voice", f"{file}{plus}{variant}")
        engine.setProperty("rate", rate)
        engine.save_to_file(text, path)
        engine.runAndWait()
        errors = list(_engine_errors)
    if errors and "voice" in str(errors[0]):
        raise ConfigError(f"tts -> voice = {voice!r} was refused by libespeak-ng ({errors[0]}); "
                          "use e.g. en-us, en-gb or en-us+f3 (espeak-ng --voices=en lists them)")
    if errors:
        raise BackendError(f"pyttsx3 failed to speak into {path}: {errors[0]}; try tts -> backend = \"espeak-ng\"")


@synthesizers.register("pyttsx3")
class Pyttsx3Synthesizer:
    """pyttsx3's espeak driver, ``save_to_file`` then ``runAndWait`` (never ``say``).

    libespeak-ng keeps one global state per process, and other stages use it too
    (phoneme keys in understanding), so pyttsx3 runs in a worker process of its
    own, spoken to over a pipe; a worker that hangs is killed after ``timeout_s``
    and the next request starts a fresh one.
    """

    def __init__(self, config: TtsConfig | None = None, timeout_s: float = 60.0) -> None:
        self._worker: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self.config = config or TtsConfig()
        self.timeout_s = timeout_s
        _check_rate(self.config)

    def _started(self) -> subprocess.Popen[str]:
        if self._worker is None or self._worker.poll() is not None:
            command = [sys.executable, "-c", "from assistant.tts import serve; serve()"]
            self._worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        return self._worker

    def audio(self, text: str) -> AudioChunk:
        return _audio_through_file(self, text, "pyttsx3")

    def synthesize(self, text: str, path: Path) -> Path:
        text = _check_text(text)
        path = Path(path)
        with atomic_path(path) as partial:  # an answer file is never seen half-written
            self._speak(text, path, partial)
        return path

    def _speak(self, text: str, path: Path, partial: Path) -> None:
        request = {"text": text, "path": str(partial), "voice": _espeak_voice(self.config), "rate": self.config.rate}
        with self._lock:
            worker = self._started()
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write(json.dumps(request) + "\n")
            worker.stdin.flush()
            ready, _, _ = select.select([worker.stdout], [], [], self.timeout_s)
            reply = json.loads(worker.stdout.readline() or "null") if ready else None
        if reply is None:
            self.close()
            raise BackendError(f"pyttsx3 did not finish speaking into {path} within {self.timeout_s:g} s; "
                               "shorten the text or set tts -> backend = \"espeak-ng\"")
        if reply.get("error"):
            raise (ConfigError if reply["error"] == "ConfigError" else BackendError)(reply["message"])
        if _frames(partial) == 0:
            raise BackendError(f"pyttsx3 wrote no audio to {path}; check the directory is writable "
                               "or set tts -> backend = \"espeak-ng\"")

    def close(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker.wait()
            self._worker = None

    def __del__(self) -> None:
        self.close()


def serve() -> None:
    """The speech worker: one JSON request per stdin line, one JSON reply per stdout line."""
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the driver prints on stdout: keep the reply channel clean
    for line in sys.stdin:
        request = json.loads(line)
        try:
            _speak_in_worker(request["text"], request["path"], request["voice"], request["rate"])
            reply: dict[str, str] = {}
        except PlantvoiceError as exc:
            reply = {"error": type(exc).__name__, "message": str(exc)}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


@synthesizers.register("espeak-ng")
class EspeakSynthesizer:
    """The ``espeak-ng`` program, text on standard input (so text may start with '-')."""

    def __init__(self, config: TtsConfig | None = None, program: str = "espeak-ng") -> None:
        self.config = config or TtsConfig()
        self.program = program
        _check_rate(self.config)

    def audio(self, text: str) -> AudioChunk:
        return _audio_through_file(self, text, "espeak-ng")

    def synthesize(self, text: str, path: Path) -> Path:
        text = _check_text(text)
        path = Path(path)
        with atomic_path(path) as partial:  # an answer file is never seen half-written
            self._speak(text, path, partial)
        return path

    def _speak(self, text: str, path: Path, partial: Path) -> None:
        command = [self.program, "-v", _espeak_voice(self.config), "-s", str(self.config.rate), "-w", str(partial)]
        try:
            done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=60)
        except FileNotFoundError:
            raise BackendError(f"{self.program} not found; install it: apt-get install -y espeak-ng") from None
        except subprocess.TimeoutExpired:
            raise BackendError(f"{self.program} took over 60 s for {len(text)} characters; shorten the text") from None
        message = done.stderr.decode("utf-8", "replace").strip()
        if "voice does not exist" in message or "Failed to read voice" in message:
            raise ConfigError(f"tts -> voice = {_espeak_voice(self.config)!r} is not an espeak-ng voice; "
                              "use e.g. en-us, en-gb or en-us+f3 (espeak-ng --voices=en lists them)")
        if done.returncode != 0 or _frames(partial) == 0:
            raise BackendError(f"{self.program} failed to write {path} (exit {done.returncode}: {message}); "
                               "check the directory is writable")


PICO_VOICE = "de-DE"  # pico's language when tts -> voice is ""
PICO_VOICES = ("de-DE", "en-US", "en-GB", "fr-FR", "es-ES", "it-IT")
PICO_PACE_WPM = 150  # pico's own German pace (speed level 100) in words per minute
PICO_SPEEDS = (50, 200)  # the speed levels used: rate 75..300 words per minute


@synthesizers.register("pico")
class PicoSynthesizer:
    """SVOX Pico's ``pico2wave``, 16 kHz 16-bit mono; ``tts -> rate`` becomes Pico's speed markup.

    Pico is not installed by scripts/setup.sh (it needs Debian's non-free component); a missing
    ``pico2wave`` is named when the synthesizer is made, with scripts/voice-pico.sh to install it.
    """

    def __init__(self, config: TtsConfig | None = None, program: str = "pico2wave") -> None:
        self.config = config or TtsConfig()
        self.program = program
        _check_rate(self.config)
        known = {v.lower(): v for v in PICO_VOICES}
        self.voice = known.get((self.config.voice or PICO_VOICE).strip().lower(), "")
        if not self.voice:
            raise ConfigError(f"tts -> voice = {self.config.voice!r} is not a Pico language; "
                              f"use one of: {', '.join(PICO_VOICES)}")
        if shutil.which(program) is None:
            raise BackendError(f"{program} not found; the Pico voice is opt-in: run scripts/voice-pico.sh "
                               "(adds Debian's non-free component) or set tts -> backend = \"espeak-ng\"")
        self.speed = round(min(max(self.config.rate / PICO_PACE_WPM * 100, PICO_SPEEDS[0]), PICO_SPEEDS[1]))

    def audio(self, text: str) -> AudioChunk:
        return _audio_through_file(self, text, "pico")

    def synthesize(self, text: str, path: Path) -> Path:
        text = _check_text(text)
        path = Path(path)
        with atomic_path(path) as partial:  # ends in .wav, as pico2wave needs; never seen half-written
            self._speak(text, path, partial)
        return path

    def _speak(self, text: str, path: Path, partial: Path) -> None:
        marked = f"<speed level='{self.speed}'>{xml_escape(text)}</speed>"
        command = [self.program, "-l", self.voice, "-w", str(partial), "--", marked]
        try:
            done = subprocess.run(command, capture_output=True, timeout=60)
        except FileNotFoundError:
            raise BackendError(f"{self.program} not found; run scripts/voice-pico.sh") from None
        except subprocess.TimeoutExpired:
            raise BackendError(f"{self.program} took over 60 s for {len(text)} characters; shorten the text") from None
        if done.returncode != 0 or _frames(partial) == 0:
            message = " ".join(done.stderr.decode("utf-8", "replace").split())
            raise BackendError(f"{self.program} failed to write {path} (exit {done.returncode}: {message[:200]}); "
                               "check the directory is writable")


# hibari: one loaded model per voice, shared by every synthesizer in the process.
HIBARI_PACE_WPM = 160  # hibari's own pace (speed 1.0) in words per minute
HIBARI_SPEEDS = (0.5, 2.0)  # the speeds hibari supports: rate 80..320 words per minute
HIBARI_VOICE = "heart"  # in the package, so it works offline
_HIBARI_ALIASES = {"": HIBARI_VOICE, "en-us": HIBARI_VOICE}
_HIBARI_LOCK = threading.Lock()
_hibari_engines: dict[tuple[str, str], Any] = {}


def _hibari_engine(module: str, voice: str) -> Any:
    """The loaded (and warmed) hibari model for ``voice``; loaded once per process."""
    with _HIBARI_LOCK:
        if (module, voice) not in _hibari_engines:
            _hibari_engines[module, voice] = _load_hibari(module, voice)
        return _hibari_engines[module, voice]


def _load_hibari(module: str, voice: str) -> Any:
    try:
        lib = importlib.import_module(module)
        voices = importlib.import_module(f"{module}.voices")
    except ImportError as exc:
        raise BackendError(f"the hibari voice cannot be loaded ({exc}); install hibari-tts==0.2.1 "
                           "(pip install -r requirements.lock) or set tts -> backend = \"espeak-ng\"") from None
    if voice not in voices.VOICES:
        raise ConfigError(f"tts -> voice = {voice!r} is not a hibari voice; use one of: {', '.join(voices.VOICES)} "
                          f"({HIBARI_VOICE} is in the package)")
    try:
        model = voices.voice_path(voice, download_missing=False)  # offline: never downloads
    except FileNotFoundError as exc:
        raise ConfigError(f"hibari voice {voice!r} is not on this machine ({exc}); use {HIBARI_VOICE!r} (in the "
                          "package) or copy the voice file there") from None
    try:
        engine = lib.Hibari(voice, model=model, threads=1)
        engine("Ready.")  # loads the pronunciation rules and warms the model: the first answer is not slower
    except Exception as exc:  # onnxruntime, a damaged model file
        raise BackendError(f"hibari cannot load voice {voice!r} from {model} ({exc}); reinstall hibari-tts==0.2.1 "
                           "or set tts -> backend = \"espeak-ng\"") from None
    return engine


@synthesizers.register("hibari")
class HibariSynthesizer:
    """hibari-tts: a small neural voice (ONNX, one thread) in this process, 24 kHz 16-bit mono.

    The model loads when the synthesizer is made, so a voice that cannot load is known at once.
    ``tts -> rate`` maps to hibari's speed (160 words per minute = 1.0, held within 0.5..2.0).
    The same text always gives the same audio (the voice's noise is seeded from the text).
    """

    def __init__(self, config: TtsConfig | None = None, module: str = "hibari") -> None:
        self.config = config or TtsConfig()
        _check_rate(self.config)
        self.voice = _HIBARI_ALIASES.get(self.config.voice.strip().lower(), self.config.voice)
        self.speed = min(max(self.config.rate / HIBARI_PACE_WPM, HIBARI_SPEEDS[0]), HIBARI_SPEEDS[1])
        self.module = module
        self.engine = _hibari_engine(module, self.voice)

    def synthesize(self, text: str, path: Path) -> Path:
        text = _check_text(text)
        path = Path(path)
        with atomic_path(path) as partial:  # an answer file is never seen half-written
            self._speak(text, path, partial)
        return path

    def audio(self, text: str) -> AudioChunk:
        text = _check_text(text)
        samples = self._samples(text, "into memory")
        pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")  # as hibari writes its WAV files
        return AudioChunk(audio=pcm.tobytes(), rate=importlib.import_module(self.module).SAMPLE_RATE)

    def _samples(self, text: str, where: str) -> Any:
        try:
            with _HIBARI_LOCK:  # one answer at a time through the shared model and pronunciation rules
                samples = self.engine(text, speed=self.speed, seed=zlib.crc32(text.encode("utf-8")))
        except Exception as exc:  # a failure inside the model is a backend failure, not a bug here
            raise BackendError(f"hibari failed to speak {text[:40]!r} {where} ({exc}); "
                               "try tts -> backend = \"espeak-ng\"") from None
        if len(samples) == 0:
            raise InputError(f"nothing to speak in {text!r} (no word hibari can say); pass at least one word")
        return samples

    def _speak(self, text: str, path: Path, partial: Path) -> None:
        lib = importlib.import_module(self.module)
        lib.write_wav(str(partial), self._samples(text, f"into {path}"), lib.SAMPLE_RATE)


AUTO_FALLBACK = "espeak-ng"


@synthesizers.register("auto")
def auto(config: TtsConfig | None = None, module: str = "hibari") -> Synthesizer:
    """hibari where it loads; else espeak-ng in its default voice, said once in the log.

    Only a voice that cannot load falls back; a wrong ``tts -> voice`` or rate is still a ConfigError.
    """
    config = config or TtsConfig()
    try:
        return HibariSynthesizer(config, module=module)
    except BackendError as exc:
        log.warning("speaking answers with %s: %s", AUTO_FALLBACK, exc)
        return synthesizers.create(AUTO_FALLBACK, replace(config, voice=""))
