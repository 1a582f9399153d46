"""People: the spoken sign-on, "this is Anna on the night shift" (``assistant/people.py`` has who may sign on).

The user and shift are read back ("You are Anna Becker, operator, night shift. Is that right?") and
the answer's ``data["sign_on"]`` names whom the station waits for; the pipeline, which keeps who is
signed on, takes it only on a clear yes (``confirm.consent``). An unknown name is refused with the
known ones; a request without a name asks for it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..config import StationConfig
from ..events import Answer, Intent
from ..people import People, User, spoken_shift
from .handlers import handler
from .state import DialogueState

if TYPE_CHECKING:
    from .core import Dialogue

__all__ = ["sign_on", "spoken_name"]

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
    station = dialogue.station
    people = station.people if station is not None else People({}, StationConfig())
    name = spoken_name(intent)
    if not name:
        example = next(iter(people.users.values()), User("anna", "Anna", "operator")).name.split()[0]
        return dialogue.answer(intent, "utter_sign_on_ask_name", {"known": list(people.users)}, example=example), state
    user = people.find(name)
    if user is None:
        return dialogue.answer(intent, "utter_sign_on_unknown", {"asked": name, "known": list(people.users)},
                               person=name.title(), known=people.known() or dialogue.text("utter_sign_on_nobody_known")
                               ), state
    schedule = dialogue.notes.schedule
    shift = spoken_shift(intent.text, schedule.names) or schedule.of(dialogue.now().astimezone(dialogue.tz))[0]
    data = {"sign_on": {"user": user.key, "name": user.name, "role": user.role, "shift": shift}}
    say = dialogue.say
    return dialogue.answer(intent, "utter_sign_on_readback", data, name=user.name, role=say.say_term("role", user.role),
                           shift=say.say_term("shift", shift)), state
