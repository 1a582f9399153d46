"""Alarms: alarm_list, and alarm_acknowledge, a write read back and carried out on a clear yes.

Both narrow the active alarms by the asset, measurement and priority the request names, highest
priority first, then oldest.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..events import Answer, Intent
from .handlers import handler
from .state import DialogueState, PendingWrite

if TYPE_CHECKING:
    from ..plant import Alarm
    from .core import Dialogue

__all__ = ["alarm_list", "alarm_acknowledge", "acknowledge"]

_MAX_ITEMS = 5
_ORDER = {"high": 0, "medium": 1, "low": 2}


def _alarms(dialogue: Dialogue, intent: Intent) -> tuple[list[Alarm], dict[str, Any]]:
    """The active alarms the request asks about, and the scope it named (asset, measurement, priority)."""
    alarms = dialogue.plant.alarms()
    scope: dict[str, Any] = {}
    asset = dialogue.asset_id(intent.entity("asset"))
    if asset:
        alarms = [a for a in alarms if a.asset == asset]
        scope["asset"] = asset
    key = dialogue.measurement_key(intent.entity("measurement"))
    if key:
        alarms = [a for a in alarms if a.measurement == key]
        scope["measurement"] = key
    priority = intent.entity("priority")
    if priority in _ORDER:
        alarms = [a for a in alarms if a.priority == priority]
        scope["priority"] = priority
    return sorted(alarms, key=lambda a: (_ORDER.get(a.priority, 3), a.raised)), scope


def _scope_words(dialogue: Dialogue, scope: dict[str, Any]) -> dict[str, str]:
    return {"priority": f"{scope['priority']} priority " if "priority" in scope else "",
            "where": f" on {dialogue.tag(scope['asset'])}" if "asset" in scope else ""}


def _unknown_asset(dialogue: Dialogue, intent: Intent) -> Answer | None:
    value = intent.entity("asset")
    if value and dialogue.asset_id(value) is None:
        return dialogue.answer(intent, "utter_unknown_asset", {"asked": value}, name=value)
    return None


@handler("alarm_list")
def alarm_list(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The active alarms, the first few of them said."""
    unknown = _unknown_asset(dialogue, intent)
    if unknown is not None:
        return unknown, state
    alarms, scope = _alarms(dialogue, intent)
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
                             alarm_word="alarm" if len(alarms) == 1 else "alarms", more=more,
                             items=say.say_list(dialogue.alarm_item(a) for a in shown), **words)
    return answer, dialogue.context(state, scope.get("asset"))


@handler("alarm_acknowledge")
def alarm_acknowledge(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """Reads back the unacknowledged alarms asked about; ``acknowledge`` carries it out on a yes."""
    refused = dialogue.refused(intent, "alarm_acknowledge")
    if refused is not None:
        return refused, state
    unknown = _unknown_asset(dialogue, intent)
    if unknown is not None:
        return unknown, state
    alarms, scope = _alarms(dialogue, intent)
    alarms = [a for a in alarms if a.acknowledged is None]
    if not alarms:
        return dialogue.answer(intent, "utter_alarm_ack_none", {**scope, "count": 0},
                               **_scope_words(dialogue, scope)), state
    data = {**scope, "count": len(alarms), "alarms": [dialogue.alarm_data(a) for a in alarms]}
    items = dialogue.say.say_list(dialogue.alarm_item(a) for a in alarms)
    answer = dialogue.answer(intent, "utter_alarm_ack_readback", data, items=items)
    pending = PendingWrite("alarm_acknowledge", {"alarm_ids": [a.id for a in alarms], "items": items})
    return answer, dataclasses.replace(dialogue.context(state, scope.get("asset")), pending=pending,
                                       awaiting="confirm")


def acknowledge(dialogue: Dialogue, intent: Intent, pending: PendingWrite) -> Answer:
    """The confirmed acknowledgement: each alarm acknowledged by ``dialogue.user``, audited first."""
    done = [dialogue.acknowledge(alarm_id) for alarm_id in pending.data["alarm_ids"]]
    data = {"acknowledged": [dialogue.alarm_data(a) for a in done], "count": len(done)}
    names = dialogue.say.say_list(dialogue.alarm_name(a) for a in done)
    return dialogue.answer(intent, "utter_alarm_ack_done", data, items=names, user=dialogue.user)
