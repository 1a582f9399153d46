"""Who may sign on at this station, and the spoken sign-on: "this is Anna on the night shift".

    people = People.from_config(config)
    people.find("anna")                  # User("anna", "Anna Becker", "operator")
    people.lookup()                      # {"anna": ["anna", "anna becker"]}: the NLU's person list

The sign-on is read back ("You are Anna Becker, operator, night shift. Is that right?") and
taken only on a clear yes (``confirm.consent``, as every write); a no, a cancel or another
request leaves whoever was signed on. An unknown name is refused with the known names. While
nobody is signed on, the speaker has ``station.default_role`` (viewer unless configured).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from typing import TYPE_CHECKING

from .audit import Speaker
from .config import Config, StationConfig, UserConfig
from .dialogue import handler
from .errors import InputError

if TYPE_CHECKING:
    from .dialogue import Dialogue, DialogueState
    from .events import Answer, Intent

__all__ = ["User", "People", "Station", "sign_on", "spoken_name", "spoken_shift"]


@dataclass(frozen=True)
class User:
    key: str  # the [users.<key>] table
    name: str  # full name
    role: str


class People:
    """The configured users, found by key, full name or first name (any case)."""

    def __init__(self, users: Mapping[str, UserConfig], station: StationConfig) -> None:
        self.users = {k: User(k, u.name or k, u.role) for k, u in users.items()}
        self.station = station.name or socket.gethostname()
        self.default_role = station.default_role
        self.signed_on = self.users.get(station.user) if station.user else None

    @classmethod
    def from_config(cls, config: Config) -> People:
        return cls(config.users, config.station)

    def _forms(self, user: User) -> list[str]:
        return list(dict.fromkeys(f.lower() for f in (user.key, user.name, user.name.split()[0]) if f))

    def lookup(self) -> dict[str, list[str]]:
        """user key -> spoken forms: the ``person`` list the understanding finds names with."""
        return {key: self._forms(user) for key, user in self.users.items()}

    def find(self, spoken: str | None) -> User | None:
        said = " ".join((spoken or "").lower().split())
        return next((u for u in self.users.values() if said and said in self._forms(u)), None)

    def get(self, name: str) -> User:
        """The user ``name`` (``--user NAME``); InputError listing the known ones when unknown."""
        user = self.find(name)
        if user is None:
            raise InputError(f"unknown user {name!r}; known users: {self.known() or 'none'} "
                             "(add a [users.<key>] table with name and role to the config)")
        return user

    def known(self) -> str:
        return ", ".join(u.name for u in self.users.values())

    def speaker(self, user: User | None) -> Speaker:
        if user is None:
            return Speaker(self.station, "", "", self.default_role)
        return Speaker(self.station, user.key, user.name, user.role)


@dataclass
class Station:
    """Who is signed on here now, and a sign-on waiting for its yes."""

    people: People
    user: User | None = None
    waiting: tuple[User, str] | None = None  # (user, shift) read back, not yet confirmed

    @property
    def speaker(self) -> Speaker:
        return self.people.speaker(self.user)

    @property
    def role(self) -> str:
        return self.user.role if self.user else self.people.default_role

    @property
    def label(self) -> str:
        """Who writes are logged for: the user's name, else the station's."""
        return self.user.name if self.user else self.people.station


def spoken_shift(text: str, shifts: Sequence[str]) -> str | None:
    """The shift named in ``text`` ("on the night shift"), one of ``shifts``."""
    names = "|".join(re.escape(s) for s in shifts)
    found = re.search(rf"\b({names})", text, re.IGNORECASE) if names else None
    return next((s for s in shifts if found and s.lower() == found.group(1).lower()), None)


_NAMED = re.compile(r"\b(?:this is|it's|it is|i am|i'm|my name is|as|to|user)\s+(?P<name>[a-z]+)"
                    r"|^(?P<first>[a-z]+)\s+(?:here|speaking|signing on)\b", re.IGNORECASE)


def spoken_name(intent: Intent) -> str | None:
    """The name a sign-on request says: its ``person`` entity, else the word after "this is" and alike."""
    found = intent.entity("person") or None
    if found is None:
        match = _NAMED.search(intent.text)
        found = (match.group("name") or match.group("first")) if match else None
    return found


@handler("sign_on")
def sign_on(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """ "This is Anna on the night shift": the user and shift read back; the yes is the pipeline's
    (``Pipeline.respond``), the answer's ``data["sign_on"]`` names whom it waits for."""
    station: Station | None = getattr(dialogue, "station", None)
    people = station.people if station is not None else People({}, StationConfig())
    name = spoken_name(intent)
    if not name:
        example = next(iter(people.users.values()), User("anna", "Anna", "operator")).name.split()[0]
        return dialogue.answer(intent, "utter_sign_on_ask_name", {"known": list(people.users)}, example=example), state
    user = people.find(name)
    if user is None:
        return dialogue.answer(intent, "utter_sign_on_unknown", {"asked": name, "known": list(people.users)},
                               person=name.title(), known=people.known() or "none are configured"), state
    schedule = dialogue.notes.schedule
    shift = spoken_shift(intent.text, schedule.names) or schedule.of(dialogue.now().astimezone(dialogue.tz))[0]
    data = {"sign_on": {"user": user.key, "name": user.name, "role": user.role, "shift": shift}}
    return dialogue.answer(intent, "utter_sign_on_readback", data, name=user.name, role=user.role, shift=shift), state
