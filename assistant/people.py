"""Who may sign on at this station, and the spoken sign-on: "this is Anna on the night shift".

    people = People.from_config(config)
    people.find("anna")                  # User("anna", "Anna Becker", "operator")
    people.lookup()                      # {"anna": ["anna", "anna becker"]}: the NLU's person list

The sign-on request is answered by the ``sign_on`` handler (``assistant/dialogue/people.py``);
the sign-on is read back ("You are Anna Becker, operator, night shift. Is that right?") and
taken only on a clear yes (``confirm.consent``, as every write); a no, a cancel or another
request leaves whoever was signed on. An unknown name is refused with the known names. While
nobody is signed on, the speaker has ``station.default_role`` (viewer unless configured).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .audit import Speaker
from .config import Config, StationConfig, UserConfig
from .errors import InputError

__all__ = ["User", "People", "Station", "spoken_shift"]


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
