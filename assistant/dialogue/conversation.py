"""Conversation: help, confirm, deny, cancel, repeat, out_of_scope (and its "did you mean ...?").

``confirm`` carries out the write waiting for a yes (``alarms.acknowledge``, ``notes.save``) or
answers the guessed request; whether an answer is a clear yes is decided before, by the turn
policy (``core.py``) through ``assistant/confirm.py``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..events import Answer, Intent
from .alarms import acknowledge
from .handlers import built_in, handler
from .notes import save
from .state import DialogueState, PendingWrite

if TYPE_CHECKING:
    from .core import Dialogue

__all__ = ["CLARIFY_FLOOR", "help", "confirm", "cancel", "deny", "repeat", "out_of_scope"]

# A request below the confidence threshold whose best guess scores at least this is
# answered with "Did you mean ...?" instead of a refusal; "yes" carries the guess out.
CLARIFY_FLOOR = 0.2
_WRITES = {"note_add", "note_correct", "note_withdraw", "report_start", "dictation_start"}  # their words are text
# the requests a "did you mean ...?" may offer (said with ``say_term("topic", <intent>)``)
_TOPICS = frozenset({"plant_overview", "asset_status", "sensor_reading", "trend", "compare", "alarm_list",
                     "alarm_acknowledge", "fault_prediction", "remaining_life", "explain", "recommend_action",
                     "maintenance_history", "note_add", "note_read", "report_start", "dictation_start",
                     "note_correct", "note_withdraw"})


@handler("help")
def help(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:  # noqa: A001
    """What can be asked, with an example from this plant (a bearing temperature when there is one)."""
    assets = dialogue.model.assets
    example = next((a for a in assets if a.signal("bearing_temperature")), None)
    key = "bearing_temperature"
    if example is None:
        example = next((a for a in assets if a.signals), assets[0])
        key = example.signals[0].key
    name = dialogue.asset_name(example.id)
    data = {"example": {"asset": example.id, "asset_name": name, "measurement": key}}
    answer = dialogue.answer(intent, "utter_help", data,
                             example=dialogue.text("utter_help_example", measurement=dialogue.mname(key), asset=name))
    return answer, state


@handler("confirm")
def confirm(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """A clear yes: the waiting write is carried out, or the guessed request answered. A write read back by a
    handler registered by other code (its kind: that handler's intent) is carried out by that handler,
    called with the yes and the state still holding the write."""
    pending = state.pending
    cleared = dataclasses.replace(state, pending=None, awaiting=None, waiting=None)
    if pending is None or state.awaiting != "confirm":
        return dialogue.answer(intent, "utter_confirm_nothing"), cleared
    if pending.kind == "clarify":  # the guess was right: answer it (a write still asks to confirm)
        meant = pending.data["intent"]
        return dialogue.handlers[meant.name](dialogue, meant, cleared)
    own = dialogue.handlers.get(pending.kind)
    if own is not None and not built_in(own):  # carried out only for a role that may write (roles.py, rule 5)
        refused = dialogue.refused(intent, pending.kind)
        return (refused, cleared) if refused is not None else own(dialogue, intent, state)
    note = dialogue.notes.get(pending.data["id"]) if pending.kind in ("note_correct", "note_withdraw") else None
    refused = dialogue.refused(intent, pending.kind, note)  # asked when read back; asked again as it is carried out
    if refused is not None:
        return refused, cleared
    write = acknowledge if pending.kind == "alarm_acknowledge" else save
    done = write(dialogue, intent, pending)
    return done, (state if done.data.get("kept") else cleared)  # not stored (full disk ...): still waiting


@handler("cancel")
def cancel(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """Drops the waiting write or question, and says what was dropped."""
    cleared = dataclasses.replace(state, pending=None, awaiting=None, waiting=None)
    if state.pending is None and state.awaiting is None:
        return dialogue.answer(intent, "utter_cancel_nothing"), cleared
    if state.pending is not None and state.pending.kind == "clarify":
        return dialogue.answer(intent, "utter_clarify_no"), cleared
    what = dialogue.write_name(state.pending.kind if state.pending else "request")
    return dialogue.answer(intent, "utter_cancelled", {"dropped": state.pending.kind if state.pending else None},
                           what=what), cleared


@handler("deny")
def deny(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """A no: as cancel."""
    return cancel(dialogue, intent, state)


@handler("repeat")
def repeat(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The last answer again; the state does not change."""
    if state.last is None:
        answer = dialogue.answer(intent, "utter_repeat_nothing")
        return dataclasses.replace(answer, awaiting=state.awaiting), state
    last = state.last
    return Answer(text=last.text, intent=intent.name, data=last.data, awaiting=last.awaiting), state


@handler("out_of_scope")
def out_of_scope(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """A refusal; or, when the best guess scores CLARIFY_FLOOR or more, "did you mean ...?" (a yes answers it)."""
    guess = next(((n, c) for n, c in intent.ranking if n != "out_of_scope"), None)
    if not intent.text or guess is None or guess[1] < CLARIFY_FLOOR or guess[0] not in _TOPICS:
        return dialogue.answer(intent, "utter_out_of_scope"), state
    meant = dataclasses.replace(intent, name=guess[0], confidence=guess[1])
    found = dialogue.referrer.refer(intent)
    if guess[0] not in _WRITES and found.unknown and not found.choices:
        return dialogue.refer(meant, state)  # "the level in tank 7": "I don't know tank seven ..."
    asset = dialogue.asset_id(intent.entity("asset"))
    what = dialogue.say.say_term("topic", guess[0])
    if asset and guess[0] != "note_add":
        what = dialogue.text("utter_clarify_topic_of", topic=what, asset=dialogue.tag(asset))
    data = {"guess": guess[0], "confidence": guess[1], **({"asset": asset} if asset else {})}
    answer = dialogue.answer(intent, "utter_clarify", data, what=what)
    return answer, dataclasses.replace(state, pending=PendingWrite("clarify", {"intent": meant}), awaiting="confirm")
