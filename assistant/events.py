"""One event vocabulary for the whole pipeline.

Every stage consumes and produces these small frozen dataclasses. Each has a
``type`` name and converts to and from a JSON-ready ``{"type": ..., "data": ...}``
dict with ``event()`` / ``from_event()``; the CLI's ``--json`` output, the API
and the tests all speak this shape.

    AudioChunk     raw 16-bit PCM with its own rate, width, channels, timestamp
    VoiceStarted   speech began in the stream (seconds since stream start)
    VoiceStopped   speech ended: the endpointer closed the request
    SpokenRequest  the audio of one request, cut from the stream
    Transcript     what a recognizer heard, with word confidences and timing
    Intent         what the request means: name, confidence, entities, ranking
    Answer         what the assistant says, and the plant data it used
    Error          a request that failed, with a one-line reason
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "AudioChunk",
    "VoiceStarted",
    "VoiceStopped",
    "SpokenRequest",
    "Word",
    "Transcript",
    "Entity",
    "Intent",
    "Answer",
    "Error",
    "from_event",
    "OUT_OF_SCOPE",
    "OUT_OF_RANGE",
]

OUT_OF_SCOPE = "out_of_scope"
OUT_OF_RANGE = "out_of_range"  # the value of a time_range entity that reaches back further than the parser allows


class _Event:
    type: ClassVar[str]

    def event(self) -> dict[str, Any]:
        data = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, bytes):
                continue  # audio travels as payload, not in JSON
            data[f.name] = _plain(value)
        return {"type": self.type, "data": data}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class AudioChunk(_Event):
    type: ClassVar[str] = "audio-chunk"
    audio: bytes
    rate: int = 16000
    width: int = 2
    channels: int = 1
    timestamp: float = 0.0  # seconds since the stream started

    @property
    def seconds(self) -> float:
        return len(self.audio) / (self.rate * self.width * self.channels)


@dataclass(frozen=True)
class VoiceStarted(_Event):
    type: ClassVar[str] = "voice-started"
    timestamp: float


@dataclass(frozen=True)
class VoiceStopped(_Event):
    type: ClassVar[str] = "voice-stopped"
    timestamp: float


@dataclass(frozen=True)
class SpokenRequest(_Event):
    """One request's audio: 16 kHz mono int16 PCM bytes."""

    type: ClassVar[str] = "spoken-request"
    audio: bytes
    started: float = 0.0
    stopped: float = 0.0
    rate: int = 16000

    @property
    def seconds(self) -> float:
        return len(self.audio) / (2 * self.rate)


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class Transcript(_Event):
    type: ClassVar[str] = "transcript"
    text: str
    confidence: float = 1.0  # 0..1, the recognizer's own overall evidence
    words: tuple[Word, ...] = ()
    duration_s: float = 0.0  # audio length
    seconds: float = 0.0  # processing time
    backend: str = ""
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0


@dataclass(frozen=True)
class Entity:
    """A value found in ``text[start:end]``; ``distance`` is set when the words heard were only
    near the value's spoken form (a snapped near-miss, 0 = same sound; see ``nlu.snap``); ``role``
    and ``group`` as Rasa's (``[Berlin]{"entity": "city", "role": "departure"}``), learned by the CRF."""

    entity: str
    value: str
    start: int
    end: int
    text: str = ""
    confidence: float = 1.0
    distance: float | None = None
    role: str | None = None
    group: str | None = None

    def snapped(self) -> dict[str, Any]:
        """``{"heard": ..., "distance": ...}`` for a snapped value, else an empty dict."""
        return {} if self.distance is None else {"heard": self.text, "distance": self.distance}

    def labels(self) -> dict[str, str]:
        """``{"role": ..., "group": ...}`` with those that are set (Rasa's shape), else an empty dict."""
        return {k: v for k, v in (("role", self.role), ("group", self.group)) if v}


@dataclass(frozen=True)
class Intent(_Event):
    type: ClassVar[str] = "intent"
    text: str
    name: str
    confidence: float
    entities: tuple[Entity, ...] = ()
    ranking: tuple[tuple[str, float], ...] = ()

    def entity(self, kind: str) -> str | None:
        return next((e.value for e in self.entities if e.entity == kind), None)

    def rasa(self) -> dict[str, Any]:
        """The shape of Rasa's ``POST /model/parse`` response."""
        return {
            "text": self.text,
            "intent": {"name": self.name, "confidence": self.confidence},
            "entities": [
                {
                    "entity": e.entity,
                    "value": e.value,
                    "start": e.start,
                    "end": e.end,
                    "confidence_entity": e.confidence,
                    "extractor": "plantvoice",
                    **e.labels(),
                    **e.snapped(),
                }
                for e in self.entities
            ],
            "intent_ranking": [{"name": n, "confidence": c} for n, c in self.ranking],
        }


@dataclass(frozen=True)
class Answer(_Event):
    type: ClassVar[str] = "answer"
    text: str
    intent: str
    data: dict[str, Any] = field(default_factory=dict)  # plant values used, traceable
    awaiting: str | None = None  # what the dialogue waits for, e.g. "confirm"


@dataclass(frozen=True)
class Error(_Event):
    type: ClassVar[str] = "error"
    message: str
    code: str = "error"


_TYPES: dict[str, type[_Event]] = {
    cls.type: cls
    for cls in (AudioChunk, VoiceStarted, VoiceStopped, SpokenRequest, Transcript, Intent, Answer, Error)
}


def from_event(event: dict[str, Any], payload: bytes = b"") -> _Event:
    """Rebuild a dataclass from ``event()`` output (audio comes back as ``payload``)."""
    cls = _TYPES[event["type"]]
    data = dict(event.get("data", {}))
    if cls in (AudioChunk, SpokenRequest):
        data["audio"] = payload
    if cls is Transcript:
        data["words"] = tuple(Word(**w) for w in data.get("words", ()))
    if cls is Intent:
        data["entities"] = tuple(Entity(**e) for e in data.get("entities", ()))
        data["ranking"] = tuple(tuple(r) for r in data.get("ranking", ()))
    return cls(**data)
