"""One dialogue session per caller and station: what it waits for, who is signed on, its language.

The Pipeline is shared, so a job runs inside ``session.on(pipeline)``: the session's dialogue state,
station and language are put into the Pipeline before and taken back after. A read back waiting in one
session is therefore never confirmed by a yes in another.

Who a session is comes from its token: a spoken or typed sign-on ("this is Anna") is not taken here
(``SIGN_ON_REFUSED``), or a viewer could make themselves an operator by saying a name.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..config import Config
from ..dialogue import DialogueState, Heard
from ..errors import InputError
from ..events import Answer, Intent, SpokenRequest
from ..people import People, Station
from ..pipeline import LanguageParts, Pipeline, Turn
from .auth import Caller

__all__ = ["Session", "Sessions", "ask", "confirm", "hear", "respond", "DEFAULT_STATION", "STATION_ID", "MAX_TEXT"]

DEFAULT_STATION = "web"
MAX_TEXT = 1000  # characters in one typed request, as the CLI
MAX_SESSIONS = 1000  # beyond, the least recently used session is forgotten (a read back it waited on is dropped)
STATION_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
SIGN_ON_REFUSED = "At the console you are who your token says; sign on with your own token."


class Watcher(Protocol):
    """A console connection of a session: told what was answered in it elsewhere."""

    def told(self, message: dict[str, Any]) -> Awaitable[None]: ...


@dataclass
class Session:
    caller: Caller
    station_id: str
    station: Station
    state: DialogueState = field(default_factory=DialogueState)
    lang: LanguageParts | None = None
    watchers: set[Watcher] = field(default_factory=set)  # its open WebSocket connections

    @property
    def awaiting_yes(self) -> bool:
        """A write or sign-on waits for its yes: what comes next is a confirmation, always admitted."""
        return self.state.awaiting == "confirm" or self.station.waiting is not None

    @property
    def language(self) -> str:
        return self.lang.code if self.lang else ""

    def me(self) -> dict[str, str | None]:
        return {"caller": self.caller.name, "station": self.station_id, "user": self.caller.user,
                "role": self.station.role, "language": self.language}

    async def tell(self, message: dict[str, Any], but: Watcher | None = None) -> None:
        """Every connection of this session but ``but`` sees an answer given in it (a read back now waiting for
        its yes, a write carried out), so no screen of the station offers Yes for what is already done."""
        for watcher in list(self.watchers):
            if watcher is not but:
                await watcher.told(message)

    @contextmanager
    def on(self, pipeline: Pipeline) -> Iterator[Pipeline]:
        """The Pipeline holding this session's state, station and language, taken back after."""
        self.lang = self.lang or pipeline.lang
        pipeline.state, pipeline.station, pipeline.lang = self.state, self.station, self.lang
        pipeline.dialogue.station = self.station
        try:
            yield pipeline
        finally:
            self.state, self.lang = pipeline.state, pipeline.lang


class Sessions:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.lang: LanguageParts | None = None  # a new session's language: the Pipeline's first
        self._all: dict[tuple[str, str], Session] = {}

    def get(self, caller: Caller, station_id: str | None) -> Session:
        """The session of ``caller`` at ``station_id`` (``web`` when none), made on first use."""
        station_id = station_id or DEFAULT_STATION
        if not STATION_ID.fullmatch(station_id):
            raise InputError(f"station id {station_id[:80]!r} is not usable; use 1 to 64 letters, digits, '.', '_' "
                             "or '-' in X-Station (WebSocket: ?station=)")
        key = (caller.name, station_id)
        if key not in self._all:
            here = dataclasses.replace(self.config.station, name=station_id, user=caller.user or "",
                                       default_role=caller.role)
            people = People(self.config.users, here)
            self._all[key] = Session(caller, station_id, Station(people, people.signed_on), lang=self.lang)
            if len(self._all) > MAX_SESSIONS:
                del self._all[next(iter(self._all))]
        self._all[key] = self._all.pop(key)  # the most recently used last
        return self._all[key]


def respond(pipeline: Pipeline, intent: Intent, said: str, heard: Heard | None = None) -> Answer:
    """The answer to ``intent`` in the session the Pipeline holds; a sign-on is refused (the token decides)."""
    if intent.name == "sign_on":
        return Answer(SIGN_ON_REFUSED, intent.name, {"refused": "sign_on"})
    return pipeline.respond(intent, heard=heard, said=said)


def ask(session: Session, text: str) -> Callable[[Pipeline], tuple[Intent, Answer]]:
    """A job: the typed request answered in ``session``; (intent, answer)."""
    def job(pipeline: Pipeline) -> tuple[Intent, Answer]:
        with session.on(pipeline):
            intent = pipeline.parse(text)
            if intent.name == "sign_on":
                return intent, respond(pipeline, intent, text)
            return pipeline.ask(text)
    return job


def confirm(session: Session, yes: bool) -> Callable[[Pipeline], tuple[Intent, Answer]]:
    """A job: the confirmation buttons, a clear yes or no to what waits in ``session``; (intent, answer)."""
    word = "yes" if yes else "no"
    intent = Intent(text=word, name="confirm" if yes else "deny", confidence=1.0)

    def job(pipeline: Pipeline) -> tuple[Intent, Answer]:
        with session.on(pipeline):
            return intent, pipeline.respond(intent, said=word)
    return job


def hear(session: Session, request: SpokenRequest) -> Callable[[Pipeline], Turn]:
    """A job: a spoken request understood and answered in ``session``, as ``Pipeline.turn``; a Turn."""
    def job(pipeline: Pipeline) -> Turn:
        with session.on(pipeline):
            start = time.perf_counter()
            transcript, intent = pipeline.understand(np.frombuffer(request.audio, dtype=np.int16))
            heard = Heard(request.audio, request.rate, transcript.confidence)
            answer = respond(pipeline, intent, transcript.text, heard) if intent.text else None
            return Turn(transcript, intent, answer, time.perf_counter() - start)
    return job
