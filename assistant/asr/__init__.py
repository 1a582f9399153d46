"""Speech recognition: 16 kHz mono int16 samples in, a ``Transcript`` out.

Backends, chosen by name at ``asr -> backend`` (requests),
``asr -> confirmation_backend`` (yes / no answers) and ``asr -> dictation_backend``
(notes and reports):

    faster-whisper   default; bundled tiny.en, biased toward the plant's words (dictation: the assets' names)
    vosk             a Vosk model directory; streams partial results; optional grammar
    pocketsphinx     a JSGF grammar compiled from the intents' sentences; small and fast

    recognizer = create_recognizer(config.asr, vocabulary)          # mode "command"
    transcript = recognizer.transcribe(samples)
    if is_no_request(transcript, config.asr): ...

Modes: ``command`` (a request to the assistant: biased toward the plant's words),
``confirmation`` (yes / no / cancel / repeat and friends) and ``dictation``
(free text for notes and reports: no grammar, long audio fine; whisper is prompted
with the assets' names, ``asr -> dictation_prompt``).

Hearing nothing is a value (an empty or low-evidence ``Transcript``); exceptions
are for bad config and broken backends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..config import AsrConfig
from ..errors import ConfigError, InputError
from ..events import Transcript
from ..registry import Registry

__all__ = [
    "Recognizer",
    "StreamingRecognizer",
    "NBestRecognizer",
    "READINGS",
    "Vocabulary",
    "recognizers",
    "create_recognizer",
    "is_no_request",
    "as_int16",
    "normalise_words",
    "CONFIRMATION_PHRASES",
    "MODES",
    "RATE",
]

RATE = 16000  # every recognizer takes 16 kHz mono
READINGS = 5  # readings of a request asked of a recognizer that gives several (benchmarks/nbest.py; 1: one)
MODES = ("command", "confirmation", "dictation")

# What an operator says when the assistant asks "shall I ...?" or repeats itself.
CONFIRMATION_PHRASES: tuple[str, ...] = (
    "yes", "yes please", "yeah", "correct", "confirm", "affirmative", "go ahead", "do it",
    "no", "no thanks", "negative", "don't",
    "cancel", "stop", "abort", "never mind", "forget it",
    "repeat", "repeat that", "say again", "say that again", "pardon", "what",
    "end dictation", "stop dictation", "finish dictation",  # said while dictating a note
)

# What whisper says when it hears noise or nothing: with weak evidence these are no request.
STOCK_PHRASES = frozenset({  # what whisper writes for noise, or tacks on after a request
    "", "you", "thank you", "thanks", "thank you very much", "thanks for watching",
    "thank you for watching", "bye", "bye bye", "oh", "uh", "um", "hmm", "so",
    "the", "i", "a", "music", "applause", "silence", "blank audio", "no speech",
    "see you next time", "we'll see you next time", "see you in the next video", "thank you so much",
})


class Recognizer(Protocol):
    """Turns one request's audio into text."""

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """``samples``: 16 kHz mono int16. Blocking; call it from a worker thread."""
        ...


@runtime_checkable
class StreamingRecognizer(Protocol):
    """A recognizer that also takes audio as it arrives and shows partial text."""

    def start(self) -> None:
        """Begin a new utterance (forgets any previous one)."""
        ...

    def accept(self, chunk: bytes) -> str:
        """Feed 16 kHz mono int16 PCM bytes; returns the text heard so far."""
        ...

    def finish(self) -> Transcript:
        """End the utterance and return its transcript."""
        ...


@runtime_checkable
class NBestRecognizer(Protocol):
    """A recognizer that gives several readings of one request, best first (faster-whisper's beam)."""

    def hypotheses(self, samples: np.ndarray, n: int = READINGS, beam_size: int | None = None) -> tuple[Transcript, ...]:
        """Up to ``n`` different readings of ``samples`` (16 kHz mono int16), the recognizer's best first;
        ``beam_size`` 1 is a quick greedy look (a partial transcript)."""
        ...


def normalise_words(text: str) -> list[str]:
    """Lowercase words only, any script: ``"P-101's flow?"`` -> ``["p", "101's", "flow"]``."""
    return re.findall(r"[^\W_]+(?:'[^\W_]+)?", text.lower())


@dataclass(frozen=True)
class Vocabulary:
    """The plant's words, for biasing a recognizer toward what operators say.

    ``phrases``: asset names and aliases, measurement names ("feed water pump one",
    "bearing temperature"). ``sentences``: example requests from the intents with
    entity values filled in ("what is the vibration of gas turbine one").
    ``examples``: one typical request per intent, ``names``: each asset's name - the
    two make the whisper prompt that reads like the control room's own talk.
    """

    phrases: tuple[str, ...] = ()
    sentences: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def words(self) -> list[str]:
        """Every distinct normalised word of phrases and sentences, in first-seen order."""
        seen: dict[str, None] = {}
        for text in (*self.phrases, *self.sentences):
            for word in normalise_words(text):
                seen.setdefault(word, None)
        return list(seen)


recognizers: Registry[Recognizer] = Registry("recognizer", "asr -> backend")


def create_recognizer(config: AsrConfig, vocabulary: Vocabulary | None = None, mode: str = "command") -> Recognizer:
    """Build the configured backend for ``mode``: command, confirmation or dictation.

    Command uses ``config.backend``; confirmation (the answer to "shall I ...?")
    uses ``config.confirmation_backend``, restricted to yes / no / cancel / repeat
    phrases (``CONFIRMATION_PHRASES``); dictation uses ``config.dictation_backend``
    with no grammar (whisper takes the prompt ``config.dictation_prompt``, "auto" = the
    assets' names from ``vocabulary``).
    """
    if mode not in MODES:
        raise ConfigError(f"unknown recognizer mode {mode!r}; choose one of: {', '.join(MODES)}")
    where = {"dictation": "asr -> dictation_backend", "confirmation": "asr -> confirmation_backend"}.get(
        mode, "asr -> backend")
    name = {"dictation": config.dictation_backend, "confirmation": config.confirmation_backend}.get(
        mode, config.backend)
    if name not in recognizers.names():
        raise ConfigError(
            f"unknown recognizer {name!r} at {where}; choose one of: {', '.join(recognizers.names())}"
        )
    return recognizers.create(name, config, vocabulary or Vocabulary(), mode)


def is_no_request(t: Transcript, config: AsrConfig) -> bool:
    """True when the recognizer's own evidence says the audio held no request.

    Combines: empty text; whisper's no-speech probability above
    ``config.no_speech_threshold``; confidence below ``config.min_confidence``; and
    the phrases whisper makes up on noise ("Thank you.", "you") when its no-speech
    probability is even moderately high or its confidence is weak.
    """
    words = normalise_words(t.text)
    if not words:
        return True
    if t.no_speech_prob > config.no_speech_threshold:
        return True
    if t.confidence < config.min_confidence:
        return True
    if " ".join(words) in STOCK_PHRASES:
        return t.no_speech_prob > config.no_speech_threshold / 3 or t.confidence < 0.6
    return False


def as_int16(samples: np.ndarray) -> np.ndarray:
    """Check and return 1-D int16 samples (float input in -1..1 is converted)."""
    array = np.asarray(samples)
    if array.ndim != 1:
        raise InputError(
            f"recognizer input has shape {array.shape}; pass 16 kHz mono samples as a 1-D array"
        )
    if array.dtype == np.int16:
        return array
    if np.issubdtype(array.dtype, np.floating):
        return (np.clip(array, -1.0, 1.0) * 32767).astype(np.int16)
    raise InputError(f"recognizer input has dtype {array.dtype}; pass int16 (or float in -1..1) samples")


# Backends register themselves; their heavy libraries load only when one is created.
from . import sphinx, vosk, whisper  # noqa: E402,F401
