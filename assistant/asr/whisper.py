"""faster-whisper backend: the default recognizer.

``asr -> model``: "" or "tiny.en" = the bundled tiny.en, "base" = the bundled multilingual
base (``models.py``); a directory = a CTranslate2 whisper model there; any other string = a
faster-whisper model name such as "base.en" (downloaded once where internet exists).
``asr -> dictation_model``: the same choices for notes and reports ("" = ``asr -> model``).
A multilingual model listens for ``asr -> language`` (set from the language spoken, ``Config.speaking``;
"" = detect); ``language_of`` tells which of a site's languages a request is in.

In command mode the decoder is biased toward the plant's words with
``initial_prompt`` and/or ``hotwords`` (``asr -> bias_mode``, default both;
measured in ``benchmarks/asr_bias.py``). Confirmation mode is unbiased (a
grammar recognizer does better there: ``asr -> confirmation_backend``). In command mode ``hypotheses`` also
gives the beam's best readings of a request from one decode; the pipeline acts on the one that parses best
(``nlu/rerank.py``, ``asr.READINGS``). Dictation mode is prompted with the
assets' names (``asr -> dictation_prompt``: "auto", "" for none, or a literal text; chosen on
``benchmarks/dictation_dev_notes.yml``), conditions on previous text, filters long audio with whisper's VAD and
stops once a segment reaches the end of the audio (decoding the post-roll again, whisper only
repeats the prompt or the note).
"""

from __future__ import annotations

import functools
import logging
import math
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..config import AsrConfig
from ..errors import BackendError, ConfigError
from ..events import Transcript, Word
from . import RATE, STOCK_PHRASES, Vocabulary, as_int16, normalise_words, recognizers
from .models import bundled

__all__ = ["WhisperRecognizer", "build_prompt", "build_sentence_prompt", "build_dictation_prompt", "build_hotwords",
           "BIAS_MODES"]

log = logging.getLogger(__name__)

BIAS_MODES = ("none", "prompt", "hotwords", "both", "sentences")
# Whisper keeps at most 223 prompt tokens. Measured on 40 requests (benchmarks/asr_bias.py):
# 120 + 60 tokens gave the lowest word error rate; 60 + 40 was no faster and less steady.
PROMPT_TOKENS = 120
MIN_TOKENS, TOKENS_PER_S = 10, 6  # a request's text is at most this long (speech is ~4 tokens/s)
SENTENCE_PROMPT_TOKENS = 220  # whisper keeps at most 223 prompt tokens
HOTWORD_TOKENS = 60
LONG_AUDIO_S = 30.0  # dictation longer than this is cut into speech regions first
DICTATION_PROMPT_TOKENS = 120  # the asset names' prompt; the demo plant's 16 names take 66
END_S = 1.0  # dictation: a segment ending this close to the end of the audio ends the decode
WINDOW_MARGIN_S = 0.5  # a request longer than asr -> window_s is encoded with this much silence after it

# Ordinary words that need no bias: leaving them out leaves room for the plant's words.
_COMMON = frozenset(
    "a an the of to and or in on at for is are was be what whats what's how show me tell give "
    "please one two three four five six seven eight nine ten oh zero water main".split()
)


def _promptable(phrase: str) -> bool:
    """Natural phrases only: no spelled letters ("b e s s 1"), no digits ("bess1", "chp 1")."""
    words = normalise_words(phrase)
    return bool(words) and all(len(w) > 1 and w.isalpha() for w in words if w not in _COMMON)


def build_prompt(phrases: tuple[str, ...] | list[str], count_tokens: Any, budget: int = PROMPT_TOKENS) -> str:
    """A comma-separated list of the plant's phrases within ``budget`` tokens.

    Greedy weighted cover: each step takes the phrase whose uncommon words not yet
    in the prompt weigh most per token, a word weighing the number of phrases it
    occurs in ("pump" in every pump alias outweighs "urgent"); ties go to the
    earlier phrase. So the budget covers the plant's central words whatever
    order the phrases come in. Spelled-out and digit forms are left to the hotwords.
    """
    weight: dict[str, int] = {}
    for phrase in phrases:
        for word in {w for w in normalise_words(phrase) if w not in _COMMON}:
            weight[word] = weight.get(word, 0) + 1
    candidates: dict[str, tuple[set[str], int]] = {}
    for phrase in phrases:
        text = phrase.strip()
        words = {w for w in normalise_words(text) if w not in _COMMON}
        if words and _promptable(text) and text.lower() not in candidates:
            candidates[text.lower()] = (words, max(count_tokens(text), 1))
    originals = {p.strip().lower(): p.strip() for p in reversed(phrases)}
    chosen: list[str] = []
    covered: set[str] = set()
    used = 0
    while candidates:
        best, gain = None, 0.0
        for key, (words, tokens) in candidates.items():
            score = sum(weight[w] for w in words - covered) / tokens
            if score > gain:
                best, gain = key, score
        if best is None:
            break
        words, tokens = candidates.pop(best)
        if used + tokens + 1 > budget:  # +1 for the separator
            continue
        chosen.append(originals[best])
        covered |= words
        used += tokens + 1
    prompt = ", ".join(chosen) + "." if chosen else ""
    while prompt and count_tokens(prompt) > budget:  # separators tokenise differently
        chosen.pop()
        prompt = ", ".join(chosen) + "." if chosen else ""
    return prompt


def build_sentence_prompt(vocabulary: Vocabulary, count_tokens: Any, budget: int = SENTENCE_PROMPT_TOKENS) -> str:
    """One typical request per intent, then the assets' names, within ``budget`` tokens.

    Whisper reads the prompt as the text that came before: requests in the
    control room's own words prime both the command words ("acknowledge",
    "predicted faults") and the asset names (benchmarks/asr_bias.py).
    """
    parts = [e.strip()[:1].upper() + e.strip()[1:].rstrip(".?!") + "." for e in vocabulary.examples if e.strip()]
    names = [n.strip() for n in vocabulary.names if n.strip()]
    while names and count_tokens(" ".join(parts) + " " + ", ".join(names) + ".") > budget:
        names.pop()
    prompt = " ".join(parts) + (" " + ", ".join(names) + "." if names else "")
    while parts and count_tokens(prompt) > budget:
        parts.pop()
        prompt = " ".join(parts)
    return prompt.strip()


def build_dictation_prompt(vocabulary: Vocabulary, count_tokens: Any, budget: int = DICTATION_PROMPT_TOKENS) -> str:
    """The assets' names as one list within ``budget`` tokens: "Gas turbine one, ..., feeder three."

    Chosen on a development set of notes (benchmarks/dictation_dev_notes.yml, benchmarks/RESULTS.md) over
    word lists, measurement names, asset tags and the command prompt: as good or better, and shortest.
    """
    names = [n.strip() for n in vocabulary.names if n.strip()]
    while names and count_tokens(", ".join(names) + ".") > budget:
        names.pop()
    text = ", ".join(names)
    return text[:1].upper() + text[1:] + "." if text else ""


def build_hotwords(phrases: tuple[str, ...] | list[str], count_tokens: Any, budget: int = HOTWORD_TOKENS) -> str:
    """The plant's uncommon words within ``budget`` tokens, those in most phrases first."""
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for phrase in phrases:
        for raw in dict.fromkeys(re.findall(r"[A-Za-z][A-Za-z0-9'-]*", phrase)):
            key = raw.lower()
            if key in _COMMON or len(key) < 3:
                continue
            counts[key] = counts.get(key, 0) + 1
            spelling.setdefault(key, raw)
    words: list[str] = []
    for key in sorted(counts, key=lambda k: -counts[k]):  # stable: ties keep first-seen order
        if count_tokens(" ".join([*words, spelling[key]])) > budget:
            break
        words.append(spelling[key])
    return " ".join(words)


def _resolve_model(model: str) -> tuple[str, bool]:
    """Return (model name or directory, is_local): a bundled model by name ("" = tiny.en, "base";
    ``models.py``), a model directory, or a faster-whisper name to download."""
    found = bundled(model)
    if found is not None:
        return str(found), True
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ConfigError(
                f"asr -> model = {model!r} is a directory without model.bin; "
                "point it at a CTranslate2 whisper model directory or leave it empty for tiny.en"
            )
        return str(path), True
    if "/" in model or model.startswith(("~", ".")):
        raise ConfigError(f"asr -> model = {model!r}: directory not found; set an existing model directory")
    return model, False


@functools.lru_cache(maxsize=4)
def _load(source: str, compute_type: str, threads: int, local: bool) -> Any:
    """One loaded model per (model, compute type, threads): command and dictation share it."""
    from faster_whisper import WhisperModel

    return WhisperModel(source, device="cpu", compute_type=compute_type, cpu_threads=threads,
                        local_files_only=local)


@recognizers.register("faster-whisper")
class WhisperRecognizer:
    """faster-whisper on CPU; the model loads in the constructor, once per process and model."""

    name = "faster-whisper"

    def __init__(self, config: AsrConfig, vocabulary: Vocabulary | None = None, mode: str = "command",
                 bias_mode: str | None = None) -> None:
        self.config = config
        self.mode = mode
        self.bias_mode = bias_mode or config.bias_mode
        if self.bias_mode not in BIAS_MODES:
            raise ConfigError(
                f"asr -> bias_mode = {self.bias_mode!r} is unknown; choose one of: {', '.join(BIAS_MODES)}"
            )
        source, local = _resolve_model(config.dictation_model or config.model if mode == "dictation" else config.model)
        try:
            self.model = _load(source, config.compute_type, config.threads, local)
        except Exception as exc:  # ctranslate2 and huggingface_hub raise many types
            if local:
                raise BackendError(
                    f"could not load the whisper model in {source}: {exc}; "
                    "check asr -> model points at an intact CTranslate2 model"
                ) from None
            raise BackendError(
                f"could not load or download faster-whisper model {source!r} ({type(exc).__name__}); "
                "without internet set asr -> model to a model directory, or leave it empty for the bundled tiny.en"
            ) from None
        self.english_only = not self.model.model.is_multilingual
        self.prompt = ""
        self.hotwords = ""
        # Confirmation answers are not biased: a prompt listing "yes, no, cancel ..." made
        # whisper answer with lists (exact answers fell from 70 % to 33 %).
        if mode == "command" and self.bias_mode != "none":
            phrases = (vocabulary or Vocabulary()).phrases
            if self.bias_mode == "sentences":
                self.prompt = build_sentence_prompt(vocabulary or Vocabulary(), self._count_tokens)
            if self.bias_mode in ("prompt", "both"):
                self.prompt = build_prompt(phrases, self._count_tokens)
            if self.bias_mode in ("hotwords", "both"):
                self.hotwords = build_hotwords(phrases, self._count_tokens)
            log.debug("whisper bias %s: prompt %r, hotwords %r", self.bias_mode, self.prompt, self.hotwords)
        if mode == "dictation":
            setting = config.dictation_prompt.strip()
            self.prompt = (build_dictation_prompt(vocabulary or Vocabulary(), self._count_tokens)
                           if setting.lower() == "auto" else setting)
            log.debug("whisper dictation prompt %r", self.prompt)

    def _count_tokens(self, text: str) -> int:
        return len(self.model.hf_tokenizer.encode(" " + text, add_special_tokens=False).ids)

    def transcribe(self, samples: np.ndarray) -> Transcript:
        began = time.perf_counter()
        pcm = as_int16(samples)
        duration = pcm.size / RATE
        if pcm.size == 0:
            return Transcript(text="", confidence=0.0, duration_s=0.0, backend=self.name, no_speech_prob=1.0)
        audio = pcm.astype(np.float32) / 32768.0
        dictation = self.mode == "dictation"
        options: dict[str, Any] = dict(
            beam_size=self.config.beam_size,
            language="en" if self.english_only else (self.config.language or None),
            word_timestamps=dictation or self.config.word_times,
            condition_on_previous_text=dictation,
            vad_filter=dictation and duration > LONG_AUDIO_S,
            initial_prompt=self.prompt or None,
            hotwords=self.hotwords or None,
        )
        if not dictation:
            # No resampling at higher temperatures: a short request either decodes at
            # temperature 0 or is weak evidence anyway; this bounds the latency.
            options["temperature"] = 0.0
            options["max_new_tokens"] = int(MIN_TOKENS + TOKENS_PER_S * duration)  # no runaway decodes
        try:
            segments = []
            for segment in self.model.transcribe(audio, **options)[0]:
                segments.append(segment)
                if dictation and duration - segment.end < END_S:
                    break  # the rest is the post-roll: decoded again, whisper only echoes the prompt in it
        except Exception as exc:
            raise BackendError(f"faster-whisper failed on {duration:.1f} s of audio: {exc}") from exc
        return self._transcript(segments, duration, time.perf_counter() - began)

    def language_of(self, samples: np.ndarray, among: tuple[str, ...]) -> tuple[str, float]:
        """The language of ``samples`` among the codes ``among`` and its probability, from the model's
        language detection (one encoder pass); an English-only model hears English."""
        pcm = as_int16(samples)
        if self.english_only or pcm.size == 0:
            return ("en" if "en" in among else among[0]), 0.0
        try:
            _, _, ranked = self.model.detect_language(pcm.astype(np.float32) / 32768.0)
        except Exception as exc:
            raise BackendError(f"faster-whisper could not detect the language of {pcm.size / RATE:.1f} s of audio: "
                               f"{exc}") from exc
        probability = dict(ranked)
        best = max(among, key=lambda code: probability.get(code, 0.0))
        return best, probability.get(best, 0.0)

    def hypotheses(self, samples: np.ndarray, n: int = 5, timestamps: bool = True, beam_size: int | None = None,
                   suppress_blank: bool = True) -> tuple[Transcript, ...]:
        """Up to ``n`` different readings of one short request, best first, from one beam search.

        The same decode as ``transcribe`` in command mode (prompt, hotwords, token cap,
        temperature 0), asking the beam for its ``n`` best finished hypotheses instead of one;
        readings that differ only in case or punctuation count once. Each carries its own
        confidence (``exp`` of its mean token log probability) and the audio's no-speech
        probability. A multilingual model, or audio longer than one 30 s window, gives
        ``transcribe``'s one reading.
        """
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        began = time.perf_counter()
        pcm = as_int16(samples)
        duration = pcm.size / RATE
        if pcm.size == 0 or not self.english_only or self.mode != "command" or duration > 30.0:
            return (self.transcribe(samples),)
        model = self.model
        features = model.feature_extractor(pcm.astype(np.float32) / 32768.0)
        window = min(30.0, max(self.config.window_s, duration + WINDOW_MARGIN_S))  # s the encoder sees
        encoded = model.encode(pad_or_trim(features[:, : features.shape[-1] - 1], length=round(window * 100)))
        tokenizer = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")
        previous = tokenizer.encode(" " + self.prompt.strip()) if self.prompt else []
        prompt = model.get_prompt(tokenizer, previous, without_timestamps=not timestamps,
                                  hotwords=self.hotwords or None)
        beam = max(beam_size or self.config.beam_size, n)
        try:
            result = model.model.generate(
                encoded, [prompt], beam_size=beam, num_hypotheses=n, length_penalty=1.0,
                max_length=len(prompt) + int(MIN_TOKENS + TOKENS_PER_S * duration), return_scores=True,
                return_no_speech_prob=True, suppress_blank=suppress_blank,
                suppress_tokens=get_suppressed_tokens(tokenizer, [-1]), max_initial_timestamp_index=50)[0]
        except Exception as exc:
            raise BackendError(f"faster-whisper failed on {duration:.1f} s of audio: {exc}") from exc
        seconds = time.perf_counter() - began
        out: list[Transcript] = []
        seen: set[tuple[str, ...]] = set()
        for tokens, score in zip(result.sequences_ids, result.scores):
            text = _trim_stock_tail(re.sub(r"\s+", " ", tokenizer.decode(tokens)).strip())
            key = tuple(normalise_words(text))
            if key in seen:
                continue
            seen.add(key)
            avg_logprob = score * len(tokens) / (len(tokens) + 1)  # as faster-whisper recovers it
            out.append(Transcript(text=text, confidence=round(_confidence(avg_logprob, []), 4) if text else 0.0,
                                  duration_s=duration, seconds=seconds, backend=self.name,
                                  no_speech_prob=round(float(result.no_speech_prob), 4),
                                  avg_logprob=round(float(avg_logprob), 4)))
        return tuple(out) or (Transcript(text="", confidence=0.0, duration_s=duration, seconds=seconds,
                                         backend=self.name, no_speech_prob=1.0),)

    def _transcript(self, segments: list[Any], duration: float, seconds: float) -> Transcript:
        words: list[Word] = []
        for segment in segments:
            for w in segment.words or ():
                text = w.word.strip()
                if text:
                    words.append(Word(text=text, start=round(float(w.start), 3),
                                      end=round(float(w.end), 3), confidence=round(float(w.probability), 4)))
        text = " ".join(s.text.strip() for s in segments if s.text.strip())
        if words:
            kept = _trim_tail(words)
            trimmed = len(kept) < len(words)
            if trimmed:
                log.debug("whisper: dropped an unlikely tail %r", [w.text for w in words[len(kept):]])
                words, text = kept, " ".join(w.text for w in kept)
        else:
            kept_text = _trim_stock_tail(text)
            trimmed, text = kept_text != text, kept_text
        if not segments or not text:
            return Transcript(text="", confidence=0.0, duration_s=duration, seconds=seconds,
                              backend=self.name, no_speech_prob=max((s.no_speech_prob for s in segments), default=1.0),
                              avg_logprob=min((s.avg_logprob for s in segments), default=0.0))
        weights = [max(len(s.tokens), 1) for s in segments]
        avg_logprob = sum(s.avg_logprob * n for s, n in zip(segments, weights)) / sum(weights)
        spans = [max(float(s.end - s.start), 0.01) for s in segments]
        no_speech = sum(s.no_speech_prob * d for s, d in zip(segments, spans)) / sum(spans)
        probs = [w.confidence for w in words]
        # avg_logprob still counts the dropped tail's tokens: judge a trimmed text by its words
        confidence = _confidence(0.0 if trimmed else avg_logprob, probs) ** (2.0 if trimmed else 1.0)
        return Transcript(
            text=text,
            confidence=round(confidence, 4),
            words=tuple(words),
            duration_s=duration,
            seconds=seconds,
            backend=self.name,
            no_speech_prob=round(float(no_speech), 4),
            avg_logprob=round(float(avg_logprob), 4),
        )


TAIL_PROBABILITY = 0.05  # words after a full stop less likely than this were made up
SQUEEZED_S = 0.04  # a last sentence whose words last this long on average was never spoken
_ENDS = (".", "?", "!")


def _trim_tail(words: list[Word]) -> list[Word]:
    """Drop what whisper appends after a finished sentence with no evidence in the audio.

    A biased decoder tends to run on past the end of a request: with a word from
    the prompt at a probability near zero ("Yes. gas", "No. flow"), or with a whole
    stock sentence ("... transformer. We'll see you next time.", "Never mind. Thank
    you."), often squeezed into no time at all at the end of the audio. A courtesy
    after a request carries nothing to act on, so dropping it loses nothing.
    """
    end = len(words)
    while end > 1 and words[end - 1].confidence < TAIL_PROBABILITY:
        end -= 1
    if end < len(words) and words[end - 1].text[-1:] in _ENDS:
        words = words[:end]
    last = max((i + 1 for i, w in enumerate(words[:-1]) if w.text[-1:] in _ENDS), default=0)
    tail = words[last:]
    if last and (sum(w.end - w.start for w in tail) / len(tail) < SQUEEZED_S
                 or " ".join(normalise_words(" ".join(w.text for w in tail))) in STOCK_PHRASES):
        return words[:last]
    return words


def _trim_stock_tail(text: str) -> str:
    """Drop trailing stock sentences ("Thank you.") after a request, without word timings."""
    sentences = re.split(r"(?<=[.?!])\s+", text.strip())
    while len(sentences) > 1 and " ".join(normalise_words(sentences[-1])) in STOCK_PHRASES:
        sentences.pop()
    return " ".join(sentences)


def _confidence(avg_logprob: float, word_probs: list[float]) -> float:
    """Geometric mean of the token evidence and of the word probabilities, 0..1.

    ``exp(avg_logprob)`` is the mean per-token likelihood of the best beam; the
    geometric mean of word probabilities punishes one badly heard word (often the
    asset name) more than an arithmetic mean would.
    """
    token = math.exp(min(avg_logprob, 0.0))
    if not word_probs:
        return token
    word = math.exp(sum(math.log(max(p, 1e-6)) for p in word_probs) / len(word_probs))
    return math.sqrt(token * word)
