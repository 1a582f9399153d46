"""Who answers in a domain of its own: data that is not the plant's (Rasa's moodbot, a FAQ bot).

    dialogue.domain = responses   # the domain's own responses (the pipeline sets them); None: the plant

No plant handler answers there: no readings, alarms, faults, notes, reports, sign-on or the plant's
help, and no "did you mean ...?" about the plant. A request is answered, in order, by

1. the handler the domain's developer registered for its intent with ``@handler`` (a file given to
   ``--code`` or ``PLANTVOICE_CODE``, ``import_handlers``); a built-in handler never;
2. the domain's response ``utter_<intent>`` (``utter_faq/ask_name`` for the retrieval intent
   ``faq/ask_name``), with the values of the entities found as its slots (``{city}``); a response
   asking for a slot the request did not fill is passed over;
3. a plain answer naming the intent and the entities understood (``utter_understood``).

Out of scope: the domain's ``utter_out_of_scope``, else its ``utter_default``, else the built-in
``utter_out_of_scope_domain``. ``Answer.data["response"]`` names the response spoken. A response
written for a chat window is said: a markdown link is its label (the address in ``data["links"]``).

A write a registered handler reads back (``PendingWrite(<its intent>, data)`` with ``awaiting="confirm"``)
waits for a clear yes as in the plant (``core.py``, rule 4); on the yes that handler is called again
with the write still in the state (``conversation.confirm``), and a no cancels it.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

from ..errors import DataError
from ..events import Answer, Intent
from .handlers import IntentHandler
from .state import DialogueState

if TYPE_CHECKING:
    from .core import Dialogue

__all__ = ["RESPONDS", "ROUTES", "answer", "out_of_scope", "understood"]

RESPONDS = "(domain response)"  # the route of an intent no registered handler answers (no intent name is so)
_REFUSALS = ("utter_out_of_scope", "utter_default")


def answer(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The domain's response to the intent (rule 2), else the plain answer naming what was understood (rule 3)."""
    assert dialogue.domain is not None
    name = f"utter_{intent.name}"
    slots = {e.entity: e.value for e in reversed(intent.entities)}  # the first value of each entity
    if name in dialogue.domain.templates:
        with contextlib.suppress(DataError):  # a slot the request did not fill: passed over
            return _response(dialogue, intent, name, slots), state
    return understood(dialogue, intent), state


def _response(dialogue: Dialogue, intent: Intent, name: str, slots: dict[str, str] | None = None) -> Answer:
    """The domain's response ``name``, said: a chat window's markdown link is its label, spoken, and its
    address is kept in ``Answer.data["links"]``; emphasis marks are dropped."""
    assert dialogue.domain is not None
    text = dialogue.domain.render(name, **(slots or {}))
    links = [address for _, address in _LINK.findall(text)]
    said = _EMPHASIS.sub(r"\2", _LINK.sub(r"\1", text))
    return Answer(said, intent.name, {"response": name, **({"links": links} if links else {})})


_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*)(\S(?:.*?\S)?)\1")


def understood(dialogue: Dialogue, intent: Intent) -> Answer:
    """"I understood book flight, with departure city Berlin, ...": what was understood, in words and in data."""
    template = "utter_understood_entities" if intent.entities else "utter_understood"
    entities = [{"entity": e.entity, "value": e.value, **e.labels()} for e in intent.entities]
    said = dialogue.say.say_list(" ".join(filter(None, (e.role, _words(e.entity), e.value))) for e in intent.entities)
    data = {"response": template, "understood": {"intent": intent.name, "entities": entities}}
    return dialogue.answer(intent, template, data, what=_words(intent.name), entities=said)


def out_of_scope(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The domain's refusal, else the built-in one; never a guess at what was meant."""
    assert dialogue.domain is not None
    name = next((n for n in _REFUSALS if n in dialogue.domain.templates), None)
    if name is None:
        return dialogue.answer(intent, "utter_out_of_scope_domain", {"response": "utter_out_of_scope_domain"}), state
    return _response(dialogue, intent, name), state


ROUTES: dict[str, IntentHandler] = {RESPONDS: answer, "out_of_scope": out_of_scope}  # core.py's routes in such a domain


def _words(name: str) -> str:
    return name.replace("/", " ").replace("_", " ")
