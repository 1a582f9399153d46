"""Spoken answers while a write waits for its yes: a station's pipeline, the states with a write
waiting, and hearing and answering an utterance in them through the real pipeline
(tests/test_confirm_speech.py and its German twin). Understanding depends only on a write waiting,
so an utterance is understood once, in the first state, and answered in each.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant.audio import load_wav
from assistant.config import load_config
from assistant.dialogue import DialogueState, Heard
from assistant.events import Answer, Intent, Transcript
from assistant.pipeline import Pipeline
from speech import say


def station(data: Path, language: str = "en") -> Pipeline:
    """The whole pipeline of a station in ``language`` keeping its data in ``data``, an engineer signed on
    (who may make every write)."""
    config = load_config(env={"PLANTVOICE_DATA_DIR": str(data), "PLANTVOICE_STATION_DEFAULT_ROLE": "engineer"})
    pipeline = Pipeline.from_config(config if language == "en" else config.replace("station", language=language))
    assert pipeline.lang.code == language
    return pipeline


def waiting_states(pipeline: Pipeline, requests: Sequence[tuple[str, str]]) -> dict[str, DialogueState]:
    """The state each ``(kind, request)`` leaves a write of that kind waiting in: an alarm acknowledgement, a note."""
    states = {}
    for kind, request in requests:
        pipeline.state = DialogueState()
        _, answer = pipeline.ask(request)
        assert answer.awaiting == "confirm" and pipeline.state.pending is not None, answer.text
        assert pipeline.state.pending.kind == kind
        states[kind] = pipeline.state
    return states


def audit_writes(pipeline: Pipeline) -> int:
    """How many writes the audit log holds."""
    return sum(e.kind == "write" for e in pipeline.audit.entries())


def hear(pipeline: Pipeline, state: DialogueState, text: str, voice: str, tmp: Path, speed: int = 160,
         noise_db: float | None = None) -> tuple[Transcript, Intent, bytes]:
    """``text`` spoken in ``voice`` and understood in ``state``: the transcript, the intent and the audio."""
    samples = load_wav(say(text, tmp / "answer.wav", voice=voice, speed=speed, noise_db=noise_db))
    pipeline.state = state
    transcript, intent = pipeline.understand(samples)
    return transcript, intent, samples.tobytes()


def respond(pipeline: Pipeline, state: DialogueState, intent: Intent, audio: bytes, confidence: float
            ) -> tuple[Answer | None, bool]:
    """The answer (None: no request heard) and whether anything was written: a new write in the audit log, or
    an acknowledgement carried out again (its audit row is kept once per alarm, so a repeat adds none)."""
    pipeline.state = state
    before = audit_writes(pipeline)
    said = pipeline.respond(intent, heard=Heard(audio, 16000, confidence)) if intent.text else None
    again = said is not None and bool(said.data.get("acknowledged"))
    return said, audit_writes(pipeline) > before or again


def never_written(pipeline: Pipeline, waiting: dict[str, DialogueState], texts: Sequence[str], tmp: Path,
                  voices: dict[str, int], noisy_every: int, not_written: str) -> None:
    """Each of ``texts``, the voices (voice: words per minute) taking turns and every ``noisy_every``-th at
    15 dB, answered while each write waits: nothing is written, and a write dropped says ``not_written``."""
    written, unsaid = [], []
    acknowledged = [a.id for a in pipeline.plant.alarms() if a.acknowledged]
    notes = pipeline.dialogue.notes.list()
    names = list(voices)
    for i, text in enumerate(texts):
        voice = names[i % len(names)]
        transcript, intent, audio = hear(pipeline, waiting["alarm_acknowledge"], text, voice, tmp, voices[voice],
                                         15.0 if i % noisy_every == noisy_every - 1 else None)
        for kind, state in waiting.items():
            said, wrote = respond(pipeline, state, intent, audio, transcript.confidence)
            heard = f"{text!r} ({voice}) heard {transcript.text!r} -> {intent.name}"
            if wrote:
                written.append(f"{kind}: {heard}")
            if said is not None and pipeline.state.pending != state.pending and not_written not in said.text:
                unsaid.append(f"{kind}: {heard}: {said.text}")  # dropped without saying so
    assert written == [], written
    assert unsaid == [], unsaid
    assert [a.id for a in pipeline.plant.alarms() if a.acknowledged] == acknowledged
    assert pipeline.dialogue.notes.list() == notes
