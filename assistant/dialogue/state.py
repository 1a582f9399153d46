"""What the dialogue remembers between requests: the conversation state and a write waiting for a yes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..events import Answer, Intent

__all__ = ["DialogueState", "PendingWrite", "Heard"]

_WRITE_NAMES = {"alarm_acknowledge": "alarm acknowledgement", "note_add": "note", "report": "report",
                "note_correct": "note correction", "note_withdraw": "note withdrawal"}


@dataclass(frozen=True)
class PendingWrite:
    """A write read back to the user, waiting for confirm."""

    kind: str  # alarm_acknowledge | note_add | report | note_correct | note_withdraw | clarify (a guessed request)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def what(self) -> str:
        """The write in words: "alarm acknowledgement", "note", ..."""
        return _WRITE_NAMES.get(self.kind, self.kind)


@dataclass(frozen=True)
class DialogueState:
    last: Answer | None = None  # for repeat
    pending: PendingWrite | None = None  # a write waiting for confirm
    asset: str | None = None  # last asset talked about, for follow-ups
    measurement: str | None = None  # last measurement talked about
    awaiting: str | None = None  # asset | measurement | note_text | dictation | report | confirm
    waiting: Intent | None = None  # the request that waits for the missing slot
    topic: Intent | None = None  # the last request answered about an asset: what "and pump two?" asks again


@dataclass(frozen=True)
class Heard:
    """The speech a request was recognized from: 16-bit mono PCM and the recognizer's confidence."""

    audio: bytes
    rate: int
    confidence: float
