"""Faults: fault_prediction, remaining_life, explain, recommend_action, maintenance_history.

Predictions come from the fault engine (``dialogue.predict``); without a trained engine the
dialogue answers that fault predictions are unavailable.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..events import Answer, Intent
from .handlers import handler
from .reference import follows
from .state import DialogueState

if TYPE_CHECKING:
    from ..faults.prediction import FaultPrediction
    from .core import Dialogue

__all__ = ["fault_prediction", "remaining_life", "explain", "recommend_action", "maintenance_history"]


@handler("fault_prediction")
def fault_prediction(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The most probable fault of an asset (with its remaining life when flagged), or the plant's highest risks."""
    say = dialogue.say
    named = dialogue.refer(intent, state)
    if not isinstance(named, list):
        return named  # "is tank 3 going to fail": an asset the plant does not have
    if not named and not (state.asset and follows(intent)):  # plant-wide: the highest risks
        top = dialogue.top_risks()[:3]
        items = say.say_list(dialogue.text("utter_fault_item", asset=dialogue.tag(p.asset), fault=dialogue.fault_name(p),
                                           probability=say.say_percent(p.probability)) for p in top)
        return dialogue.answer(intent, "utter_fault_overview", {"risks": [p.data() for p in top]}, items=items), state
    asset = named[0] if named else state.asset  # a follow-up ("and its faults?") is about the last asset
    assert asset is not None
    p = dialogue.predict(asset)
    slots = {"asset": dialogue.tag(asset), "fault": dialogue.fault_name(p), "probability": say.say_percent(p.probability)}
    if not p.flagged:
        return dialogue.answer(intent, "utter_fault_prediction_low", p.data(), **slots), dialogue.context(state, asset)
    text = dialogue.text("utter_fault_prediction", **slots)
    if p.rul is not None:
        text += " " + _rul_text(dialogue, p)
    return Answer(text=text, intent=intent.name, data=p.data()), dialogue.context(state, asset)


def _rul_text(dialogue: Dialogue, p: FaultPrediction) -> str:
    rul = p.rul
    assert rul is not None
    say = dialogue.say
    slots = {"asset": dialogue.tag(p.asset), "measurement": dialogue.mname(rul.signal),
             "limit": say.say_quantity(rul.limit, rul.unit)}
    if rul.days <= 0:
        return dialogue.text("utter_remaining_life_reached", **slots)
    slots.update(rul=say.say_quantity(rul.days, "d"), low=say.say_quantity(rul.low, "d"),
                 window=say.say_quantity(rul.window_h, "h"))
    if rul.high is None:  # the trend may flatten out: no upper bound
        return dialogue.text("utter_remaining_life_open", **slots)
    return dialogue.text("utter_remaining_life", high=say.say_quantity(rul.high, "d"), **slots)


@handler("remaining_life")
def remaining_life(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """When the trend of the flagged measurement reaches its limit, with a range."""
    asset = dialogue.resolve_asset(intent, state)
    if not isinstance(asset, str):
        return asset  # the question asking which asset
    p = dialogue.predict(asset)
    if p.rul is None:
        answer = dialogue.answer(intent, "utter_remaining_life_none", p.data(), asset=dialogue.tag(asset),
                                 fault=dialogue.fault_name(p), probability=dialogue.say.say_percent(p.probability))
        return answer, dialogue.context(state, asset)
    answer = Answer(text=_rul_text(dialogue, p), intent=intent.name, data=p.data())
    return answer, dialogue.context(state, asset, p.rul.signal)


@handler("explain")
def explain(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """Why an asset is at risk: the readings that deviate from normal."""
    asset = dialogue.resolve_asset(intent, state)
    if not isinstance(asset, str):
        return asset  # the question asking which asset
    say = dialogue.say
    p = dialogue.predict(asset)
    data = p.data()
    readings, items = [], []
    for c in p.contributions:
        reading = dialogue.plant.reading(asset, c.signal)
        if c.state not in ("up", "down") or reading is None:
            continue
        readings.append(dialogue.reading_data(reading))
        items.append(dialogue.text("utter_explain_item", measurement=dialogue.mname(c.signal),
                                   value=dialogue.value(reading), deviation=say.say_quantity(abs(c.deviation), c.unit),
                                   side=say.say_term("side", "above" if c.deviation > 0 else "below")))
    data["readings"] = readings
    slots = {"asset": dialogue.tag(asset), "fault": dialogue.fault_name(p), "probability": say.say_percent(p.probability)}
    if not items:
        return dialogue.answer(intent, "utter_explain_none", data, **slots), dialogue.context(state, asset)
    answer = dialogue.answer(intent, "utter_explain", data, items=say.say_list(items), **slots)
    return answer, dialogue.context(state, asset)


@handler("recommend_action")
def recommend_action(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """What to do about an asset's flagged fault: the first action and two checks."""
    asset = dialogue.resolve_asset(intent, state)
    if not isinstance(asset, str):
        return asset  # the question asking which asset
    p = dialogue.predict(asset)
    slots = {"asset": dialogue.tag(asset), "fault": dialogue.fault_name(p)}
    if not p.flagged:
        return dialogue.answer(intent, "utter_recommend_none", p.data(), **slots), dialogue.context(state, asset)
    advice = p.recommendation
    answer = dialogue.answer(intent, "utter_recommend_action", p.data(), action=advice.actions[0],
                             checks=dialogue.say.say_list(list(advice.checks[:2])), **slots)
    return answer, dialogue.context(state, asset)


@handler("maintenance_history")
def maintenance_history(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The last three maintenance records of an asset, saved reports among them."""
    from ..plant import MaintenanceRecord

    asset = dialogue.resolve_asset(intent, state)
    if not isinstance(asset, str):
        return asset  # the question asking which asset
    reports = [MaintenanceRecord(asset=asset, date=n.created.astimezone(dialogue.tz).date().isoformat(),
                                 kind="report", by=n.author, text=n.text)
               for n in dialogue.notes.list(kind="report", asset=asset)]
    records = sorted([*dialogue.plant.maintenance(asset), *reports], key=lambda r: r.date, reverse=True)[:3]
    data = {"asset": asset, "records": [dataclasses.asdict(r) for r in records],
            "source": "maintenance history and saved reports"}
    if not records:
        return dialogue.answer(intent, "utter_maintenance_none", data, asset=dialogue.tag(asset)), \
            dialogue.context(state, asset)
    items = [dialogue.text("utter_maintenance_item", date=dialogue.say.say_date(r.date),
                           kind=dialogue.say.say_term("maintenance", r.kind), by=r.by,
                           text=r.text) for r in records]
    answer = dialogue.answer(intent, "utter_maintenance_history", data, asset=dialogue.tag(asset),
                             items="; ".join(items))
    return answer, dialogue.context(state, asset)
