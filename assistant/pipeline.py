"""The one place that wires the stages together.

    audio -> vad -> asr -> nlu -> dialogue -> plant -> answer -> tts -> audio

``Pipeline`` holds one instance of each stage, built by name from the config;
heavy stages (recognizers, speech synthesis) load on first use so a typed
request never pays for a speech model.

Every answered request ends in ``respond``, which knows who is signed on at the station, what was
heard and understood and what was answered: it gives the dialogue the speaker's role (which decides
what they may write, ``roles.py``), takes a sign-on on a clear yes (``people.py``), and records the
turn in the audit log (``audit.py``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml

from . import asr, confirm, denoise, nlu, tts, vad
from .answer import Responses, load_responses
from .audit import AuditLog, TurnScope
from .config import AUTO, Config
from .errors import DataError
from .dialogue import DICTATING, Dialogue, DialogueState, Heard, NoFaultModel
from .events import OUT_OF_SCOPE, Answer, AudioChunk, Intent, SpokenRequest, Transcript
from .lang.detect import text_language
from .notes import NoteStore, ShiftSchedule
from .notes.dictation import cancelling, ending
from .people import People, Station
from .plant import create_plant

__all__ = ["Pipeline", "Turn"]

log = logging.getLogger(__name__)

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


class LanguageParts:
    """What the pipeline needs in one language: its intents and understander, the recognizer's bias
    built from them, the recognizers and the voice (``Config.speaking``). Heavy parts load on first use."""

    def __init__(self, code: str, config: Config, intents_dir: str | Path, plant_lists: nlu.Lookups,
                 people_lists: nlu.Lookups, now: Callable[[], dt.datetime]) -> None:
        self.code = code
        self.config = config
        self.intents_dir = Path(intents_dir)
        intents = nlu.load_intents(intents_dir)
        lookups = nlu.data.own_lookups(intents, {**nlu.data.language_lists(intents, plant_lists),
                                                 **people_lists})  # a foreign domain's own lists count
        self.understander = nlu.create_understander(config.nlu, lookups, intents_dir, now=now, intents=intents,
                                                    shifts=ShiftSchedule.parse(config.notes.shifts).shifts)
        domain = nlu.domain_lookups(intents, lookups)  # the words of the intents in use, not only the plant's
        phrases, sentences = nlu.vocabulary(intents, domain)
        self.vocabulary = asr.Vocabulary(phrases, sentences, nlu.typical_requests(intents), nlu.prompt_names(domain))
        self.required = nlu.required_slots(intents)  # intent -> entities its examples always carry
        responses = self.intents_dir / "responses.yml"
        plant = nlu.data.is_plant_domain(intents)  # another domain keeps its responses to itself, and answers
        self.responses = responses if responses.is_file() and plant else None  # with them (dialogue/domain.py)
        self.domain_responses = None if plant else _domain_responses(self.intents_dir, intents)

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
    def rehearing(self) -> asr.Recognizer | None:
        """The command recognizer with the other bias (``REHEAR_BIAS``), for a second hearing; whisper only."""
        if self.config.asr.backend != "faster-whisper":
            return None
        bias = REHEAR_BIAS if self.config.asr.bias_mode != REHEAR_BIAS else "sentences"
        return asr.create_recognizer(replace(self.config.asr, bias_mode=bias), self.vocabulary, "command")

    @cached_property
    def synthesizer(self) -> tts.Synthesizer:
        return tts.synthesizers.create(self.config.tts.backend, self.config.tts)


def _domain_responses(directory: Path, intents: nlu.Intents) -> Responses:
    """A domain's own responses (not the plant's), from its ``nlu.data.response_files``; added to the
    built-in templates. A file that cannot be read is logged and left out."""
    templates: dict[str, tuple[str, ...]] = {}
    for path in nlu.data.response_files(directory, intents):
        try:
            if path.is_file() and _RESPONSES_KEY.search(path.read_text(encoding="utf-8")):
                templates = {**load_responses(path, said_only=True).templates, **templates}
        except (yaml.YAMLError, UnicodeDecodeError, TypeError, DataError) as exc:
            log.warning("%s: its responses are not used (%s)", path, " ".join(str(exc).split()))
    return Responses(templates, str(directory))


_RESPONSES_KEY = re.compile(r"^responses:", re.MULTILINE)


class Pipeline:
    """``clock`` fixes the time of the plant, the dialogue and the notes (replays, test stories).

    Languages: the station's (``[station] language``, else the site's ``language``); an intents
    directory named after a language (``intents/de``) speaks that one. With ``auto`` each request
    is answered in its own language: spoken, the recognizer detects it; typed, its words tell
    (``lang.detect``). Each language's parts load on its first request (``LanguageParts``).
    """

    def __init__(self, config: Config, intents_dir: str | Path | None = None,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.config = config
        self.clock = clock
        self.plant = create_plant(config.plant, config.data_path, clock=clock)
        people = People.from_config(config)
        self._people_lists = {"person": people.lookup()} if people.users else {}
        self._intents_dir: Path | None = None  # one directory for every language
        self.languages = tuple(config.languages)  # the languages requests may come in, the first by default
        if intents_dir or config.spoken != AUTO:
            spoken = config.spoken if config.spoken != AUTO else "en"
            self._intents_dir = Path(intents_dir or config.speaking(spoken).nlu.intents_dir)
            named = self._intents_dir.name  # intents/de speaks German, a foreign domain the station's language
            self.languages = (named if named in config.languages else spoken,)
        self._loaded: dict[str, LanguageParts] = {}
        self.lang = self.language(self.languages[0])
        notes = self._notes(config)
        self.audit = AuditLog(notes.path, self.plant.model.site.tz, clock=clock)
        self.audit.settle(self.plant)  # acknowledgements logged but not carried out before a crash
        self.station = Station(people, people.signed_on)
        responses = load_responses(self.lang.responses)
        if self.lang.domain_responses is not None:
            responses = Responses({**responses.templates, **self.lang.domain_responses.templates}, responses.path)
        self.dialogue = Dialogue(self.plant, responses,
                                 config.data_path, notes=notes, role=self.station.role, now=clock,
                                 audit=self.audit, station=self.station)
        with contextlib.suppress(NoFaultModel):  # too little history yet: fault questions will say so
            self.dialogue.faults  # load the fault engine now (trained on first use), not on the first question
        self.state = DialogueState()

    def language(self, code: str) -> LanguageParts:
        """The parts of language ``code``, built on first use."""
        if code not in self._loaded:
            config = self.config.speaking(code)
            intents_dir = self._intents_dir or config.nlu.intents_dir
            self._loaded[code] = LanguageParts(code, config, intents_dir, self.plant.model.lookups(),
                                               self._people_lists, self.plant_now)
        return self._loaded[code]

    def _may_switch(self) -> bool:
        """Several languages, and the dialogue waits for no answer in the current one (a yes to a read
        back, the words of a note): those stay in the language they were asked in."""
        return len(self.languages) > 1 and not (self.state.awaiting or self.station.waiting)

    def _typed_language(self, text: str) -> None:
        if self._may_switch():
            self.lang = self.language(text_language(text, self.languages, fallback=self.lang.code))

    def _spoken_language(self, samples: np.ndarray) -> None:
        """The language of ``samples`` as the first multilingual recognizer detects it."""
        if self._may_switch():
            for code in self.languages:
                recognizer = self.language(code).recognizer
                if not getattr(recognizer, "english_only", True):
                    self.lang = self.language(recognizer.language_of(samples, self.languages)[0])
                    return

    # the parts of the language of the current request
    understander = property(lambda self: self.lang.understander)
    vocabulary = property(lambda self: self.lang.vocabulary)
    required = property(lambda self: self.lang.required)
    recognizer = property(lambda self: self.lang.recognizer)
    dictation = property(lambda self: self.lang.dictation)
    confirmation = property(lambda self: self.lang.confirmation)
    rehearing = property(lambda self: self.lang.rehearing)
    synthesizer = property(lambda self: self.lang.synthesizer)

    def _notes(self, config: Config) -> NoteStore:
        """The note store with the site's shifts and semantic search by sentence embeddings (a
        multilingual encoder where more than English is spoken: a note is found in either language)."""
        from .nlu.embeddings import sentence_encoder
        from .notes.commands import notes_encoder

        encoder = notes_encoder(config)  # one for the site: every station finds every note
        embed = sentence_encoder(encoder, config.nlu.models_dir).encode if config.nlu.features != "tfidf" else None
        return NoteStore(config.data_path / "notes.sqlite", ShiftSchedule.parse(config.notes.shifts),
                         self.plant.model.site.tz, clock=self.clock, embed=embed, encoder=encoder,
                         threshold=config.notes.search_threshold if encoder == "minilm" else None)

    def plant_now(self) -> dt.datetime:
        """Now on the site's wall clock (the given clock's, when there is one): "today" and "since six"
        in a request are the plant's, not the server's."""
        now = self.clock() if self.clock else dt.datetime.now(dt.timezone.utc)
        return now.astimezone(self.plant.model.site.tz)

    @classmethod
    def from_config(cls, config: Config, intents_dir: str | Path | None = None,
                    clock: Callable[[], dt.datetime] | None = None) -> Pipeline:
        return cls(config, intents_dir, clock)

    # -- recognition and understanding -------------------------------------------------
    @cached_property
    def denoiser(self) -> denoise.Denoiser:
        return denoise.denoisers.create(self.config.audio.denoise, self.config.audio)

    def transcribe(self, samples: np.ndarray, mode: str = "command") -> Transcript:
        return self._transcribe(self.denoiser.process(samples), mode)

    def warm_up(self) -> None:
        """Load, and run once, what a spoken request uses (the recognizers, the denoiser, the understander's
        sentence encoder, the voice), so that the first request is answered as fast as the next."""
        noise = np.random.default_rng(0).normal(0, 300, 16000).astype(np.int16)  # a second of faint hiss
        self._best_reading(self.denoiser.process(noise))
        self.parse("status of the plant")
        self.confirmation, self.rehearing, self.synthesizer  # noqa: B018 - loaded on first use

    def _transcribe(self, samples: np.ndarray, mode: str = "command") -> Transcript:
        return (self.dictation if mode == "dictation" else self.recognizer).transcribe(samples)

    def parse(self, text: str) -> Intent:
        return self.understander.parse(text)

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

    def _best_reading(self, samples: np.ndarray) -> tuple[Transcript, Intent | None]:
        """The command recognizer's readings of a request, each understood: the one that parses best in the
        domain (``nlu.rerank``). A recognizer of one reading gives it, not yet understood."""
        if asr.READINGS < 2 or not isinstance(self.recognizer, asr.NBestRecognizer):
            return self._transcribe(samples), None
        readings = self.recognizer.hypotheses(samples, asr.READINGS)
        if asr.is_no_request(readings[0], self.config.asr):
            return readings[0], None
        intents = [self.parse(r.text) for r in readings]
        pick = nlu.rerank.choose([nlu.rerank.Reading(r.avg_logprob, i.name, i.confidence,
                                                     not nlu.missing_slots(i, self.required),
                                                     asr.is_no_request(r, self.config.asr))
                                  for r, i in zip(readings, intents)])
        return readings[pick], intents[pick]

    def understand(self, samples: np.ndarray) -> tuple[Transcript, Intent]:
        """Speech to intent; speech that holds no request gives an empty out-of-scope intent.

        While a write waits for confirmation both the confirmation recognizer and the command one
        hear the answer; it is a yes only when they agree (``confirm.heard_yes``), anything else
        is understood from the command one (a yes they did not agree on with confidence 0).
        """
        samples = self.denoiser.process(samples)
        self._spoken_language(samples)
        if self.state.awaiting in DICTATING:  # the words of a note or report: the dictation recognizer
            transcript = self._transcribe(samples, "dictation")
            if self.state.awaiting == "dictation" and self._maybe_command(transcript):
                command = self.confirmation.transcribe(samples)  # the grammar knows "end dictation" and "cancel"
                intent = self.parse(command.text)
                if not asr.is_no_request(command, self.config.asr) and (
                        ending(command.text, self.lang.code) == 0 or intent.name == "cancel"):
                    return command, intent
            if asr.is_no_request(transcript, self.config.asr):
                return transcript, Intent(text="", name=OUT_OF_SCOPE, confidence=0.0)
            return transcript, self.parse(transcript.text)
        heard: Transcript | None = None
        if self.state.awaiting == "confirm" or self.station.waiting:  # a write or sign-on waits: only a clear yes
            heard, yes = self._answer_to_readback(samples)
            if yes is not None:
                return heard, yes
        transcript, intent = (heard, None) if heard is not None else self._best_reading(samples)
        if asr.is_no_request(transcript, self.config.asr):
            return transcript, Intent(text="", name=OUT_OF_SCOPE, confidence=0.0)
        intent = intent or self.parse(transcript.text)
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

    def _maybe_command(self, transcript: Transcript) -> bool:
        """A short dictated request that is weak, or sounds like "end dictation" or "cancel": ask the grammar."""
        words = asr.normalise_words(transcript.text)
        code = self.lang.code
        return len(words) <= 4 and (transcript.confidence < 0.5 or ending(transcript.text, code) is not None
                                    or cancelling(transcript.text, code))

    # -- dialogue and speech ------------------------------------------------------------
    def sign_in(self, name: str) -> None:
        """Sign ``name`` on at this station (``--user NAME``); InputError naming the known users."""
        self.station.user = self.station.people.get(name)

    def respond(self, intent: Intent, user: str | None = None, heard: Heard | None = None,
                said: str | None = None) -> Answer:
        """Answer one request as the one signed on (``user`` names them otherwise) and record the turn;
        ``said``: the text heard or typed (default ``intent.text``)."""
        with self.audit.turn(self.station.speaker) as scope:
            answer = self._signing_on(intent, scope)
            if answer is None or answer.data.get("sign_on_dropped"):  # not an answer to a sign-on read back
                prefix = answer.text if answer is not None else ""
                answer = self._dialogue(intent, user, heard)
                answer = self._sign_on_asked(answer, prefix)
            self.audit.record(scope, heard=intent.text if said is None else said,
                              heard_confidence=heard.confidence if heard else None, intent=intent, answer=answer,
                              speaker=self.station.speaker)
        return answer

    def _dialogue(self, intent: Intent, user: str | None, heard: Heard | None) -> Answer:
        self.dialogue.role = self.station.role  # what they may write, stored with each note
        self.dialogue.language = self.lang.code  # what it answers in
        self.dialogue.domain = self.lang.domain_responses  # who answers: the plant, or a domain of its own
        answer, self.state = self.dialogue.respond(intent, self.state, user=user or self.station.label, heard=heard)
        return answer

    def _signing_on(self, intent: Intent, scope: TurnScope) -> Answer | None:
        """The answer to "You are Anna Becker, operator, night shift. Is that right?" (confirm.py's rule)."""
        waiting, self.station.waiting = self.station.waiting, None
        if waiting is None:
            return None
        user, shift = waiting
        said = confirm.consent(intent)
        self.dialogue.language = self.lang.code
        render, role = self.dialogue.responses.render, self.dialogue.say.say_term
        if said is confirm.Consent.YES:
            self.station.user = user
            scope.actions.append({"write": "sign_on", "target": {"user": user.key, "shift": shift}, "outcome": "done"})
            return Answer(render("utter_signed_on", name=user.name, role=role("role", user.role)), "sign_on",
                          {"signed_on": {"user": user.key, "name": user.name, "role": user.role, "shift": shift}})
        if said is confirm.Consent.UNCLEAR:
            self.station.waiting = waiting
            return Answer(render("utter_sign_on_unclear", name=user.name), "sign_on", awaiting="sign_on")
        still = render("utter_sign_on_still", name=self.station.user.name) if self.station.user else \
            render("utter_sign_on_nobody", role=role("role", self.station.role))
        text = render("utter_sign_on_not_taken", still=still)
        return Answer(text, "sign_on", {"sign_on_dropped": user.key} if said is confirm.Consent.OTHER else {})

    def _sign_on_asked(self, answer: Answer, prefix: str) -> Answer:
        """A sign-on read back by the dialogue waits here for its yes."""
        asked = answer.data.get("sign_on")
        if asked:
            self.station.waiting = (self.station.people.users[asked["user"]], asked["shift"])
            answer = replace(answer, awaiting="sign_on")
        return replace(answer, text=f"{prefix.split('.')[0]}. {answer.text}") if prefix else answer

    def ask(self, text: str) -> tuple[Intent, Answer]:
        self._typed_language(text)
        intent = self.parse(text)
        return intent, self.respond(intent, said=text)

    def speak(self, answer: Answer, path: str | Path) -> Path:
        return self.synthesizer.synthesize(answer.text, Path(path))

    def turn(self, request: SpokenRequest) -> Turn:
        """One spoken request to answer text; latency counts from the end of speech."""
        start = time.perf_counter()
        samples = np.frombuffer(request.audio, dtype=np.int16)
        transcript, intent = self.understand(samples)
        heard = Heard(request.audio, request.rate, transcript.confidence)
        answer = self.respond(intent, heard=heard, said=transcript.text) if intent.text else None
        return Turn(transcript, intent, answer, time.perf_counter() - start)

    def requests(self, chunks: AsyncIterator[AudioChunk]) -> AsyncIterator[SpokenRequest]:
        """Cut spoken requests out of a continuous chunk stream with the configured detector."""
        detector = vad.detectors.create(self.config.vad.backend, self.config.vad)
        return _only_requests(vad.segment(chunks, vad.Endpointer(self.config.vad, detector)))


async def _only_requests(events: AsyncIterator[object]) -> AsyncIterator[SpokenRequest]:
    async for event in events:
        if isinstance(event, SpokenRequest):
            yield event
