"""The one place that wires the stages together.

    audio -> vad -> asr -> nlu -> dialogue -> plant -> answer -> tts -> audio

``Pipeline`` holds one instance of each stage, built by name from the config;
heavy stages (recognizers, speech synthesis) load on first use so a typed
request never pays for a speech model.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from . import asr, confirm, denoise, nlu, tts, vad
from .answer import load_responses
from .config import Config
from .dialogue import DICTATING, Dialogue, DialogueState, Heard, NoFaultModel
from .events import OUT_OF_SCOPE, Answer, AudioChunk, Intent, SpokenRequest, Transcript
from .notes import NoteStore, ShiftSchedule
from .notes.dictation import cancelling, ending
from .plant import create_plant

__all__ = ["Pipeline", "Turn"]

REHEAR_BIAS = "hotwords"  # the second hearing's bias where a slot is missing (chosen on benchmarks/dev, RESULTS.md)

@dataclass(frozen=True)
class Turn:
    """One request through the whole loop, with its latency from end of speech."""

    transcript: Transcript
    intent: Intent
    answer: Answer | None
    latency_s: float = 0.0
    events: tuple[object, ...] = field(default=())

    @property
    def heard(self) -> bool:
        return bool(self.intent.text)


class Pipeline:
    """``clock`` fixes the time of the plant, the dialogue and the notes (replays, test stories)."""

    def __init__(self, config: Config, intents_dir: str | Path | None = None,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.config = config
        self.clock = clock
        self.plant = create_plant(config.plant, config.data_path, clock=clock)
        intents_dir = intents_dir or config.nlu.intents_dir
        intents = nlu.load_intents(intents_dir)
        lookups = nlu.data.own_lookups(intents, self.plant.model.lookups())  # a foreign domain's own lists count
        self.understander = nlu.create_understander(config.nlu, lookups, intents_dir)
        domain = nlu.domain_lookups(intents, lookups)  # the words of the intents in use, not only the plant's
        phrases, sentences = nlu.vocabulary(intents, domain)
        self.vocabulary = asr.Vocabulary(phrases, sentences, nlu.typical_requests(intents), nlu.prompt_names(domain))
        self.required = nlu.required_slots(intents)  # intent -> entities its examples always carry
        responses = Path(intents_dir) / "responses.yml"
        self.dialogue = Dialogue(self.plant, load_responses(responses if responses.is_file() else None),
                                 config.data_path, notes=self._notes(config), role=config.notes.role, now=clock)
        with contextlib.suppress(NoFaultModel):  # too little history yet: fault questions will say so
            self.dialogue.faults  # load the fault engine now (trained on first use), not on the first question
        self.state = DialogueState()

    def _notes(self, config: Config) -> NoteStore:
        """The note store with the site's shifts and semantic search by sentence embeddings."""
        from .nlu.embeddings import MiniLM

        embed = MiniLM.shared(config.nlu.models_dir).encode if config.nlu.features != "tfidf" else None
        return NoteStore(config.data_path / "notes.sqlite", ShiftSchedule.parse(config.notes.shifts),
                         self.plant.model.site.tz, clock=self.clock, embed=embed,
                         threshold=config.notes.search_threshold)

    @classmethod
    def from_config(cls, config: Config, intents_dir: str | Path | None = None,
                    clock: Callable[[], dt.datetime] | None = None) -> Pipeline:
        return cls(config, intents_dir, clock)

    # -- recognition and understanding -------------------------------------------------
    @cached_property
    def recognizer(self) -> asr.Recognizer:
        return asr.create_recognizer(self.config.asr, self.vocabulary, "command")

    @cached_property
    def dictation(self) -> asr.Recognizer:
        return asr.create_recognizer(self.config.asr, self.vocabulary, "dictation")

    @cached_property
    def confirmation(self) -> asr.Recognizer:
        return asr.create_recognizer(self.config.asr, self.vocabulary, "confirmation")

    @cached_property
    def denoiser(self) -> denoise.Denoiser:
        return denoise.denoisers.create(self.config.audio.denoise, self.config.audio)

    def transcribe(self, samples: np.ndarray, mode: str = "command") -> Transcript:
        return self._transcribe(self.denoiser.process(samples), mode)

    def _transcribe(self, samples: np.ndarray, mode: str = "command") -> Transcript:
        return (self.dictation if mode == "dictation" else self.recognizer).transcribe(samples)

    def parse(self, text: str) -> Intent:
        return self.understander.parse(text)

    @cached_property
    def rehearing(self) -> asr.Recognizer | None:
        """The command recognizer with the other bias (``REHEAR_BIAS``), for a second hearing; whisper only."""
        if self.config.asr.backend != "faster-whisper":
            return None
        bias = REHEAR_BIAS if self.config.asr.bias_mode != REHEAR_BIAS else "sentences"
        return asr.create_recognizer(replace(self.config.asr, bias_mode=bias), self.vocabulary, "command")

    def _hear_again(self, samples: np.ndarray, transcript: Transcript, intent: Intent) -> tuple[Transcript, Intent]:
        """Where ``intent`` lacks an entity its examples always carry (an asset, a drink), decode again
        with the other bias and keep the second hearing only if it is in scope and lacks none."""
        if not nlu.missing_slots(intent, self.required) or self.rehearing is None:
            return transcript, intent
        again = self.rehearing.transcribe(samples)
        if asr.is_no_request(again, self.config.asr):
            return transcript, intent
        other = self.parse(again.text)
        if other.name == OUT_OF_SCOPE or nlu.missing_slots(other, self.required):
            return transcript, intent
        return again, other

    def understand(self, samples: np.ndarray) -> tuple[Transcript, Intent]:
        """Speech to intent; speech that holds no request gives an empty out-of-scope intent.

        While a write waits for confirmation both the confirmation recognizer and the command one
        hear the answer; it is a yes only when they agree (``confirm.heard_yes``), anything else
        is understood from the command one (a yes they did not agree on with confidence 0).
        """
        samples = self.denoiser.process(samples)
        if self.state.awaiting in DICTATING:  # the words of a note or report: the dictation recognizer
            transcript = self._transcribe(samples, "dictation")
            if self.state.awaiting == "dictation" and self._maybe_command(transcript):
                command = self.confirmation.transcribe(samples)  # the grammar knows "end dictation" and "cancel"
                intent = self.parse(command.text)
                if not asr.is_no_request(command, self.config.asr) and (
                        ending(command.text) == 0 or intent.name == "cancel"):
                    return command, intent
            if asr.is_no_request(transcript, self.config.asr):
                return transcript, Intent(text="", name=OUT_OF_SCOPE, confidence=0.0)
            return transcript, self.parse(transcript.text)
        heard: Transcript | None = None
        if self.state.awaiting == "confirm":  # a write waits: only a clear yes carries it out (confirm.py)
            heard, yes = self._answer_to_readback(samples)
            if yes is not None:
                return heard, yes
        transcript = heard or self._transcribe(samples)
        if asr.is_no_request(transcript, self.config.asr):
            return transcript, Intent(text="", name=OUT_OF_SCOPE, confidence=0.0)
        intent = self.parse(transcript.text)
        transcript, intent = self._hear_again(samples, transcript, intent)
        if intent.name == "note_add" and intent.entity("note_text"):  # the note's words: the dictation recognizer
            dictated = self._transcribe(samples, "dictation")
            again = self.parse(dictated.text)
            if again.name == "note_add" and again.entity("note_text"):
                return dictated, again
        if heard is not None and confirm.consent(intent) is confirm.Consent.YES:
            intent = replace(intent, confidence=0.0)  # a yes the two recognizers did not agree on: asked again
        return transcript, intent

    def _answer_to_readback(self, samples: np.ndarray) -> tuple[Transcript, Intent | None]:
        """The answer to "shall I ...?": a confirm intent only when ``confirm.heard_yes`` holds.

        Both recognizers hear the answer: the yes / no grammar and the open one. When they do not
        agree on a yes, the open transcript comes back (no intent) to be understood as a new request;
        but an unclear yes of the open one ("Can't do it.") with a no of the grammar ("cancel") is that no.
        """
        grammar = self.confirmation.transcribe(samples)
        transcript = self._transcribe(samples)
        if asr.is_no_request(transcript, self.config.asr):
            return transcript, None
        if confirm.heard_yes(grammar, transcript):
            said = grammar if confirm.is_yes(grammar.text) else transcript  # the grammar may have heard "what"
            return said, Intent(text=said.text, name="confirm", confidence=1.0, ranking=(("confirm", 1.0),))
        if confirm.negated(grammar.text) and not asr.is_no_request(grammar, self.config.asr) and confirm.heard_no(
                grammar, self.parse(transcript.text)):  # parsed here only when the grammar heard a no
            return grammar, self.parse(grammar.text)
        return transcript, None

    @staticmethod
    def _maybe_command(transcript: Transcript) -> bool:
        """A short dictated request that is weak, or sounds like "end dictation" or "cancel": ask the grammar."""
        words = asr.normalise_words(transcript.text)
        return len(words) <= 4 and (transcript.confidence < 0.5 or ending(transcript.text) is not None
                                    or cancelling(transcript.text))

    # -- dialogue and speech ------------------------------------------------------------
    @cached_property
    def user(self) -> str:
        """Who is speaking: notes.author, else the login name."""
        return self.config.notes.author or getpass.getuser()

    def respond(self, intent: Intent, user: str | None = None, heard: Heard | None = None) -> Answer:
        answer, self.state = self.dialogue.respond(intent, self.state, user=user or self.user, heard=heard)
        return answer

    def ask(self, text: str) -> tuple[Intent, Answer]:
        intent = self.parse(text)
        return intent, self.respond(intent)

    @cached_property
    def synthesizer(self) -> tts.Synthesizer:
        return tts.synthesizers.create(self.config.tts.backend, self.config.tts)

    def speak(self, answer: Answer, path: str | Path) -> Path:
        return self.synthesizer.synthesize(answer.text, Path(path))

    def turn(self, request: SpokenRequest) -> Turn:
        """One spoken request to answer text; latency counts from the end of speech."""
        start = time.perf_counter()
        samples = np.frombuffer(request.audio, dtype=np.int16)
        transcript, intent = self.understand(samples)
        heard = Heard(request.audio, request.rate, transcript.confidence)
        answer = self.respond(intent, heard=heard) if intent.text else None
        return Turn(transcript, intent, answer, time.perf_counter() - start)

    def requests(self, chunks: AsyncIterator[AudioChunk]) -> AsyncIterator[SpokenRequest]:
        """Cut spoken requests out of a continuous chunk stream with the configured detector."""
        detector = vad.detectors.create(self.config.vad.backend, self.config.vad)
        return _only_requests(vad.segment(chunks, vad.Endpointer(self.config.vad, detector)))


async def _only_requests(events: AsyncIterator[object]) -> AsyncIterator[SpokenRequest]:
    async for event in events:
        if isinstance(event, SpokenRequest):
            yield event
