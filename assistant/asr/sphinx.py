"""pocketsphinx backend: a JSGF grammar compiled from the intents' sentences.

Small, fast and exact on a closed set of phrases: in ``command`` mode it only
hears the vocabulary's sentences and phrases (fast for a small plant vocabulary,
far too slow for a large one: see ``_LARGE_GRAMMAR``), in ``confirmation`` mode only
yes / no / cancel / repeat and friends, in ``dictation`` mode the bundled
English n-gram model. ``set_mode()`` switches between the grammars at run time.

Sentences are normalised to lowercase words; a sentence with a word the
pronunciation dictionary lacks (digits, plant codes) is skipped and logged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable

import numpy as np

from ..config import AsrConfig
from ..errors import BackendError, ConfigError
from ..events import Transcript, Word
from . import CONFIRMATION_PHRASES, RATE, Vocabulary, as_int16, normalise_words, recognizers

__all__ = ["SphinxRecognizer", "compile_grammar"]

log = logging.getLogger(__name__)

_PAD_S = 0.3  # low noise added before and after: on digital silence the last word gets lost
_PAD_SIGMA = 30.0  # about -60 dBFS
_FRAME_S = 0.01  # pocketsphinx's frame rate is 100 per second
# Phrase references x phrases above which decoding slows down a lot. Measured on 2 cores:
# about 900 (the benchmark's plant) decodes a request in 0.2 s; the demo intents' 496
# sentence shapes over 253 phrases take 35-50 s a request.
_LARGE_GRAMMAR = 20_000
_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[noise]", "<noise>", "++noise++", "++breath++"})


def compile_grammar(sentences: Iterable[str], known: Callable[[str], bool], name: str = "plant",
                    phrases: Iterable[str] = ()) -> tuple[str, int, list[str]]:
    """Compile sentences into a JSGF grammar.

    Returns (jsgf text, number of distinct sentence shapes kept, unknown words).
    Occurrences of ``phrases`` (asset and measurement names) are replaced by one
    shared rule ``<phrase>``, so thousands of expanded sentences fold back into a
    few dozen shapes: the search graph stays small and decoding fast, at the cost
    of also accepting an asset where a measurement was expected. A sentence with
    a word ``known`` rejects is skipped, not shortened: a shortened sentence
    would teach the decoder something nobody says.
    """
    unknown: dict[str, None] = {}

    def usable(words: list[str]) -> bool:
        missing = [w for w in words if not known(w)]
        for w in missing:
            unknown.setdefault(w, None)
        return bool(words) and not missing

    slots = sorted({" ".join(ws) for p in phrases if usable(ws := normalise_words(p))}, key=lambda p: -len(p.split()))
    slot_words = [p.split() for p in slots]
    kept: dict[str, None] = {}
    for sentence in sentences:
        words = normalise_words(sentence)
        if not usable(words):
            continue
        shape: list[str] = []
        i = 0
        while i < len(words):
            match = next((sw for sw in slot_words if words[i:i + len(sw)] == sw), None)
            if match:
                shape.append("<phrase>")
                i += len(match)
            else:
                shape.append(words[i])
                i += 1
        kept.setdefault(" ".join(shape), None)
    if not kept:
        return "", 0, list(unknown)
    body = "\n    | ".join(kept)
    jsgf = f"#JSGF V1.0;\ngrammar {name};\npublic <{name}> = {body};\n"
    if slots and any("<phrase>" in k for k in kept):
        jsgf += "<phrase> = " + "\n    | ".join(slots) + ";\n"
    return jsgf, len(kept), list(unknown)


@recognizers.register("pocketsphinx")
class SphinxRecognizer:
    """pocketsphinx with the bundled US English acoustic model and dictionary."""

    name = "pocketsphinx"

    def __init__(self, config: AsrConfig, vocabulary: Vocabulary | None = None, mode: str = "command") -> None:
        from pocketsphinx import Decoder

        self.config = config
        vocabulary = vocabulary or Vocabulary()
        try:
            if mode == "dictation":
                self.decoder = Decoder(loglevel="FATAL")  # the bundled en-us n-gram model
            else:
                self.decoder = Decoder(lm=None, jsgf=None, loglevel="FATAL")
        except Exception as exc:
            raise BackendError(f"pocketsphinx could not load its model: {exc}; reinstall pocketsphinx") from None
        self.vocabulary = vocabulary
        self.grammar_sentences = 0
        self.modes: list[str] = ["dictation"] if mode == "dictation" else ["confirmation", "command"]
        self._built: set[str] = set()
        self.mode = mode
        self.set_mode(mode)

    def _build(self, mode: str) -> None:
        """Compile a grammar on first use: the plant grammar takes seconds on a large vocabulary."""
        if mode == "confirmation":
            confirmation, _, _ = compile_grammar(CONFIRMATION_PHRASES, self._known, "confirmation")
            self.decoder.add_jsgf_string("confirmation", confirmation)
        else:
            vocabulary = self.vocabulary
            for word in vocabulary.words():
                self._add_pronunciation(word)
            sentences = (*vocabulary.sentences, *vocabulary.phrases, *CONFIRMATION_PHRASES)
            plant, kept, unknown = compile_grammar(sentences, self._known, "command", vocabulary.phrases)
            if unknown:
                shown = ", ".join(unknown[:12]) + (" ..." if len(unknown) > 12 else "")
                log.warning("pocketsphinx grammar: sentences with %d word(s) missing from the dictionary skipped: %s",
                            len(unknown), shown)
            _, own, _ = compile_grammar(vocabulary.sentences, self._known, "command", vocabulary.phrases)
            if vocabulary.sentences and not own:
                raise ConfigError(
                    "no vocabulary sentence could be compiled into a pocketsphinx grammar "
                    f"(unknown words: {', '.join(unknown[:8])}); spell sentences out in words"
                )
            size = plant.count("<phrase>") * max(len(vocabulary.phrases), 1)
            if size > _LARGE_GRAMMAR:
                log.warning("pocketsphinx grammar of %d shapes x %d phrases is large: decoding may take "
                            "seconds per request; faster-whisper suits a vocabulary this size", kept,
                            len(vocabulary.phrases))
            self.decoder.add_jsgf_string("command", plant)
            self.grammar_sentences = kept
        self._built.add(mode)

    def _known(self, word: str) -> bool:
        return self.decoder.lookup_word(word) is not None

    def _add_pronunciation(self, word: str) -> None:
        """Guess a missing word: an acronym is spelled ("chp"), a compound joined ("biogas")."""
        if self._known(word) or not word.isalpha():
            return
        lookup = self.decoder.lookup_word
        phones: str | None = None
        if len(word) <= 5 and not re.search(r"[aeiou]{2}|[aeiouy][^aeiouy][aeiou]", word):
            letters = [lookup(c) for c in word]
            if all(letters):
                phones = " ".join(letters)  # type: ignore[arg-type]
        if phones is None:
            for cut in range(2, len(word) - 1):
                head, tail = lookup(word[:cut]), lookup(word[cut:])
                if head and tail:
                    phones = f"{head} {tail}"
                    break
        if phones:
            self.decoder.add_word(word, phones, True)
            log.info("pocketsphinx: guessed pronunciation of %r: %s", word, phones)

    def set_mode(self, mode: str) -> None:
        """Switch grammar: "command" or "confirmation" (dictation is chosen at creation).

        Each grammar is compiled the first time it is used.
        """
        if mode not in self.modes:
            raise ConfigError(f"pocketsphinx recognizer has no {mode!r} mode here; choose one of: {', '.join(self.modes)}")
        if mode != "dictation":
            if mode not in self._built:
                self._build(mode)
            self.decoder.activate_search(mode)
        self.mode = mode

    def transcribe(self, samples: np.ndarray) -> Transcript:
        began = time.perf_counter()
        pcm = as_int16(samples)
        duration = pcm.size / RATE
        pad = int(_PAD_S * RATE)
        rng = np.random.default_rng(pcm.size)
        noise = lambda: np.clip(rng.normal(0.0, _PAD_SIGMA, pad), -32768, 32767).astype(np.int16)  # noqa: E731
        audio = np.concatenate([noise(), pcm, noise()])
        try:
            self.decoder.start_utt()
            self.decoder.process_raw(audio.tobytes(), False, True)
            self.decoder.end_utt()
        except Exception as exc:
            raise BackendError(f"pocketsphinx failed on {duration:.1f} s of audio: {exc}") from exc
        hyp = self.decoder.hyp()
        words: list[Word] = []
        for seg in (self.decoder.seg() or ()) if hyp is not None else ():
            text = seg.word.split("(")[0]  # alternative pronunciations are "word(2)"
            if text in _FILLERS or text.startswith(("[", "+")):
                continue
            start = min(max(seg.start_frame * _FRAME_S - _PAD_S, 0.0), duration)
            end = min(max((seg.end_frame + 1) * _FRAME_S - _PAD_S, start), duration)
            words.append(Word(text=text, start=round(start, 3), end=round(end, 3), confidence=round(float(seg.prob), 4)))
        text = " ".join(w.text for w in words)
        confidence = _coverage(pcm, words) * float(np.mean([w.confidence for w in words])) if words else 0.0
        return Transcript(text=text, confidence=round(min(max(confidence, 0.0), 1.0), 4), words=tuple(words),
                          duration_s=duration, seconds=time.perf_counter() - began, backend=self.name,
                          no_speech_prob=0.0 if words else 1.0)


def _coverage(pcm: np.ndarray, words: list[Word]) -> float:
    """Share of the loud frames that fall inside recognized words, 0..1.

    A grammar decoder always answers with some grammar sentence; speech outside
    the grammar shows up as loud audio the words do not account for. (The
    decoder's own posterior hovers near 0.4 for right and wrong answers alike.)
    """
    frame = int(_FRAME_S * RATE)
    n = pcm.size // frame
    if n == 0:
        return 0.0
    energy = 10 * np.log10(np.mean(pcm[: n * frame].astype(np.float64).reshape(n, frame) ** 2, axis=1) + 1.0)
    loud = energy > max(float(np.percentile(energy, 10)) + 15.0, 40.0)
    if not loud.any():
        return 0.0
    inside = np.zeros(n, dtype=bool)
    for w in words:
        inside[int(w.start / _FRAME_S): int(np.ceil(w.end / _FRAME_S)) + 1] = True
    return float(np.count_nonzero(loud & inside) / np.count_nonzero(loud))
