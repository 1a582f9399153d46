"""Alarms: alarm_list, and alarm_acknowledge, a write read back and carried out on a clear yes.

Both narrow the active alarms by the asset, measurement and priority the request names, highest
priority first, then oldest.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..errors import StorageError
from ..events import Answer, Intent
from .handlers import handler
from .reference import follows
from .state import DialogueState, PendingWrite

if TYPE_CHECKING:
    from ..plant import Alarm
    from .core import Dialogue

__all__ = ["alarm_list", "alarm_acknowledge", "acknowledge"]

_MAX_ITEMS = 5
_ORDER = {"high": 0, "medium": 1, "low": 2}


def _alarms(dialogue: Dialogue, intent: Intent, state: DialogueState
            ) -> tuple[list[Alarm], dict[str, Any]] | tuple[Answer, DialogueState]:
    """The active alarms the request asks about and the scope it named (asset, measurement, priority);
    or the answer saying the asset named is unknown or asking which (``reference.py``)."""
    alarms = dialogue.plant.alarms()
    scope: dict[str, Any] = {}
    assets = dialogue.refer(intent, state)
    if not isinstance(assets, list):
        return assets
    if not assets and state.asset and follows(intent):  # "acknowledge it" after the transformer's alarms
        assets = [state.asset]
    if assets:
        alarms = [a for a in alarms if a.asset in assets]
        scope["asset"] = assets[0] if len(assets) == 1 else assets
    key = dialogue.measurement_key(intent.entity("measurement"))
    if key:
        alarms = [a for a in alarms if a.measurement == key]
        scope["measurement"] = key
    priority = intent.entity("priority")
    if priority in _ORDER:
        alarms = [a for a in alarms if a.priority == priority]
        scope["priority"] = priority
    return sorted(alarms, key=lambda a: (_ORDER.get(a.priority, 3), a.raised)), scope


def _one(scope: dict[str, Any]) -> str | None:
    return scope["asset"] if isinstance(scope.get("asset"), str) else None


def _scope_words(dialogue: Dialogue, scope: dict[str, Any]) -> dict[str, str]:
    assets = scope.get("asset", [])
    where = dialogue.say.say_list(dialogue.tag(a) for a in ([assets] if isinstance(assets, str) else assets))
    priority = dialogue.say.say_term("priority", scope["priority"]) if "priority" in scope else ""
    return {"priority": dialogue.text("utter_alarm_priority", priority=priority) + " " if priority else "",
            "where": " " + dialogue.text("utter_alarm_where", assets=where) if where else ""}


@handler("alarm_list")
def alarm_list(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The active alarms, the first few of them said."""
    found = _alarms(dialogue, intent, state)
    if isinstance(found[0], Answer):
        return found  # type: ignore[return-value]
    alarms, scope = found
    words = _scope_words(dialogue, scope)
    data = {**scope, "count": len(alarms), "alarms": [dialogue.alarm_data(a) for a in alarms]}
    if not alarms:
        return dialogue.answer(intent, "utter_alarm_list_none", data, **words), state
    say = dialogue.say
    shown = alarms[:_MAX_ITEMS]
    more = ""
    if len(alarms) > len(shown):
        data["more"] = len(alarms) - len(shown)
        more = dialogue.text("utter_alarm_more", count=say.say_number(len(alarms) - len(shown)))
    answer = dialogue.answer(intent, "utter_alarm_list", data, count=say.say_number(len(alarms)),
                             alarm_word=say.say_term("count", "alarm_one" if len(alarms) == 1 else "alarm_many"),
                             more=more,
                             items=say.say_list(dialogue.alarm_item(a) for a in shown), **words)
    return answer, dialogue.context(state, _one(scope))


@handler("alarm_acknowledge")
def alarm_acknowledge(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """Reads back the unacknowledged alarms asked about; ``acknowledge`` carries it out on a yes."""
    refused = dialogue.refused(intent, "alarm_acknowledge")
    if refused is not None:
        return refused, state
    found = _alarms(dialogue, intent, state)
    if isinstance(found[0], Answer):
        return found  # type: ignore[return-value]
    alarms, scope = found
    alarms = [a for a in alarms if a.acknowledged is None]
    if not alarms:
        return dialogue.answer(intent, "utter_alarm_ack_none", {**scope, "count": 0},
                               **_scope_words(dialogue, scope)), state
    data = {**scope, "count": len(alarms), "alarms": [dialogue.alarm_data(a) for a in alarms]}
    items = dialogue.say.say_list(dialogue.alarm_item(a) for a in alarms)
    answer = dialogue.answer(intent, "utter_alarm_ack_readback", data, items=items)
    pending = PendingWrite("alarm_acknowledge", {"alarm_ids": [a.id for a in alarms], "items": items})
    return answer, dataclasses.replace(dialogue.context(state, _one(scope)), pending=pending,
                                       awaiting="confirm")


def acknowledge(dialogue: Dialogue, intent: Intent, pending: PendingWrite) -> Answer:
    """The confirmed acknowledgement: each alarm acknowledged by ``dialogue.user``, audited first. When the
    audit log cannot be written (StorageError) the answer says so and carries ``kept``: the acknowledgement
    stays waiting (those already made are made once, ``AuditLog.acknowledge``)."""
    try:
        done = [dialogue.acknowledge(alarm_id) for alarm_id in pending.data["alarm_ids"]]
    except StorageError as e:  # its audit row could not be written, so the plant was not told: another yes retries
        return Answer(text=dialogue.text("utter_alarm_ack_failed", error=str(e)), intent=intent.name,
                      data={"error": str(e), "kept": pending.kind})
    data = {"acknowledged": [dialogue.alarm_data(a) for a in done], "count": len(done)}
    names = dialogue.say.say_list(dialogue.alarm_name(a) for a in done)
    return dialogue.answer(intent, "utter_alarm_ack_done", data, items=names, user=dialogue.user)
