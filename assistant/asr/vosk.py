"""Vosk (Kaldi) backend: a model directory the site provides, streaming partial results.

``asr -> vosk_model`` names the directory (``plantvoice models fetch vosk-small-en``
installs the small English one). With ``asr -> vosk_grammar`` the decoder only
hears the plant's words; ``set_grammar()`` switches that at run time (for example
to the confirmation words while the assistant waits for "yes" or "no").
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..config import AsrConfig
from ..errors import BackendError, ConfigError
from ..events import Transcript, Word
from . import CONFIRMATION_PHRASES, RATE, Vocabulary, as_int16, normalise_words, recognizers

__all__ = ["VoskRecognizer", "check_model_dir"]

log = logging.getLogger(__name__)

_FIX = "set asr -> vosk_model to a Vosk model directory or run `plantvoice models fetch vosk-small-en`"
_UNK = ("[unk]", "<unk>", "<UNK>")  # the unknown-word token differs between models
_CHUNK = 4000 * 2  # bytes fed per call when transcribing a whole request (0.25 s)


def check_model_dir(path: str) -> Path:
    """The model directory, or ConfigError when it is unset, missing, empty or not a Vosk model."""
    if not path:
        raise ConfigError(f"asr -> vosk_model is not set; {_FIX}")
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"asr -> vosk_model = {path!r}: directory not found; {_FIX}")
    if not any(folder.iterdir()):
        raise ConfigError(f"asr -> vosk_model = {path!r} is an empty directory; {_FIX}")
    if not (folder / "am" / "final.mdl").is_file() or not (folder / "conf").is_dir():
        raise ConfigError(f"asr -> vosk_model = {path!r} is not a Vosk model (no am/final.mdl or conf/); {_FIX}")
    return folder


@recognizers.register("vosk")
class VoskRecognizer:
    """Vosk recognizer: ``transcribe()`` for a whole request, ``start/accept/finish`` to stream."""

    name = "vosk"

    def __init__(self, config: AsrConfig, vocabulary: Vocabulary | None = None, mode: str = "command") -> None:
        import vosk

        folder = check_model_dir(config.vosk_model)
        vosk.SetLogLevel(-1)
        try:
            self.model = vosk.Model(str(folder))
        except Exception:
            raise ConfigError(f"asr -> vosk_model = {config.vosk_model!r}: Vosk could not load a model there; {_FIX}") from None
        self._vosk = vosk
        self.config = config
        self.mode = mode
        self.grammar: list[str] | None = None
        self._unk = next((u for u in _UNK if self.model.vosk_model_find_word(u) >= 0), None)
        if mode == "confirmation":
            self.set_grammar(list(CONFIRMATION_PHRASES))
        elif mode == "command" and config.vosk_grammar:
            self.set_grammar((vocabulary or Vocabulary()).words() + list(CONFIRMATION_PHRASES))
        self._recognizer: Any = None
        self._results: list[dict[str, Any]] = []
        self._began = 0.0
        self._bytes = 0

    def set_grammar(self, words: list[str] | None) -> list[str] | None:
        """Limit recognition to ``words`` (phrases are split); None = free recognition.

        Words the model does not know are dropped with a warning (Vosk would drop
        them anyway); the model's unknown-word token is added so out-of-grammar
        speech does not become a grammar word. Returns the grammar in use. Takes
        effect at the next ``start()`` / ``transcribe()``.
        """
        if words is None:
            self.grammar = None
            return None
        known: dict[str, None] = {}
        unknown: dict[str, None] = {}
        for phrase in words:
            for word in normalise_words(phrase) or [phrase.strip()]:
                if not word:
                    continue
                (known if self.model.vosk_model_find_word(word) >= 0 else unknown).setdefault(word, None)
        if unknown:
            shown = ", ".join(list(unknown)[:12]) + (" ..." if len(unknown) > 12 else "")
            log.warning("Vosk grammar: %d word(s) not in the model's vocabulary dropped: %s", len(unknown), shown)
        if not known:
            raise ConfigError(
                "none of the grammar words are in the Vosk model's vocabulary; "
                "use a model for the intents' language or set asr -> vosk_grammar = false"
            )
        self.grammar = list(known) + ([self._unk] if self._unk else [])
        return self.grammar

    # streaming --------------------------------------------------------------

    def start(self) -> None:
        vosk = self._vosk
        if self.grammar is None:
            recognizer = vosk.KaldiRecognizer(self.model, RATE)
        else:
            recognizer = vosk.KaldiRecognizer(self.model, RATE, json.dumps(self.grammar, ensure_ascii=False))
        recognizer.SetWords(True)
        self._recognizer = recognizer
        self._results = []
        self._began = time.perf_counter()
        self._bytes = 0

    def accept(self, chunk: bytes) -> str:
        if self._recognizer is None:
            self.start()
        self._bytes += len(chunk)
        try:
            if self._recognizer.AcceptWaveform(bytes(chunk)):
                self._results.append(json.loads(self._recognizer.Result()))
                partial = ""
            else:
                partial = json.loads(self._recognizer.PartialResult()).get("partial", "")
        except Exception as exc:
            raise BackendError(f"Vosk failed while decoding audio: {exc}") from exc
        return " ".join(t for t in (*(self._clean(r.get("text", "")) for r in self._results), self._clean(partial)) if t).strip()

    def finish(self) -> Transcript:
        if self._recognizer is None:
            self.start()
        self._results.append(json.loads(self._recognizer.FinalResult()))
        duration = self._bytes / (2 * RATE)
        seconds = time.perf_counter() - self._began
        self._recognizer = None
        words = [
            Word(text=w["word"], start=round(min(float(w["start"]), duration), 3),
                 end=round(min(float(w["end"]), duration), 3), confidence=round(float(w.get("conf", 1.0)), 4))
            for r in self._results
            for w in r.get("result", ())
            if w["word"] not in _UNK
        ]
        text = " ".join(w.text for w in words)
        confidence = float(np.mean([w.confidence for w in words])) if words else 0.0
        return Transcript(text=text, confidence=round(confidence, 4), words=tuple(words), duration_s=duration,
                          seconds=seconds, backend=self.name, no_speech_prob=0.0 if words else 1.0)

    def _clean(self, text: str) -> str:
        return " ".join(w for w in text.split() if w not in _UNK)

    # whole request -------------------------------------------------------------

    def transcribe(self, samples: np.ndarray) -> Transcript:
        pcm = as_int16(samples).tobytes()
        self.start()
        for i in range(0, len(pcm), _CHUNK):
            self.accept(pcm[i:i + _CHUNK])
        return self.finish()
