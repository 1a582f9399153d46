"""Plant readings: plant_overview, asset_status, sensor_reading, trend, compare.

Each answer says the values with their unit and says when a reading is stale or uncertain; every
value said is in ``Answer.data`` with its quality and source time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from ..events import OUT_OF_RANGE, Answer, Intent
from .handlers import handler
from .reference import FOLLOW_UP
from .state import DialogueState

if TYPE_CHECKING:
    from .core import Dialogue

__all__ = ["plant_overview", "asset_status", "sensor_reading", "trend", "compare"]

_DEFAULT_TREND_H = 8


@handler("plant_overview")
def plant_overview(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """The site's output, its alarms and the highest fault risk."""
    named = dialogue.refer(intent, state)
    if not isinstance(named, list):
        return named  # "how is the tank farm": not an asset of this plant
    say, site = dialogue.say, dialogue.model.site
    terms, total, not_current = [], 0.0, []
    for asset, key in site.output:
        reading = dialogue.plant.reading(asset, key)
        if reading is None:
            continue
        terms.append(dialogue.reading_data(reading))
        total += reading.value / 1000.0 if reading.unit == "kW" else reading.value
        if not reading.current:
            not_current.append(dialogue.tag(asset))
    alarms = dialogue.plant.alarms()
    unacked = [a for a in alarms if a.acknowledged is None]
    risks = dialogue.top_risks()
    output = {"value": round(total, 3), "unit": "MW", "terms": terms}
    data = {"site": site.name_in(dialogue.language), "output": output, "active_alarms": len(alarms),
            "unacknowledged_alarms": len(unacked), "top_risk": risks[0].data() if risks else None}
    if not alarms:
        alarm_part = dialogue.text("utter_alarm_count_none")
    elif len(alarms) == 1:
        alarm_part = dialogue.text("utter_alarm_count_one", unacknowledged=say.say_number(len(unacked)))
    else:
        alarm_part = dialogue.text("utter_alarm_count", count=say.say_number(len(alarms)),
                                   unacknowledged=say.say_number(len(unacked)))
    output_note = dialogue.text("utter_overview_output_not_current", assets=say.say_list(not_current)) \
        if not_current else ""
    risk_part = dialogue.risk_text(risks[0]) if risks else ""
    answer = dialogue.answer(intent, "utter_plant_overview", data, site=site.name_in(dialogue.language),
                             output=say.say_quantity(total, "MW"), output_note=output_note, alarms=alarm_part,
                             risk=risk_part)
    return answer, state


@handler("asset_status")
def asset_status(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """An asset's alarms, the readings off normal or not current, and its fault risk."""
    asset = dialogue.resolve_asset(intent, state)
    if not isinstance(asset, str):
        return asset  # the question asking which asset
    found = dialogue.model.asset(asset)
    assert found is not None
    say = dialogue.say
    readings = dialogue.plant.readings(asset)
    alarms = [a for a in dialogue.plant.alarms() if a.asset == asset]
    risk = dialogue.maybe_predict(asset)
    deviations, not_current = [], []
    for reading in readings:
        signal = found.signal(reading.measurement)
        if not reading.current:
            not_current.append(dialogue.reading_item(reading))
        elif signal and signal.deviation(reading.value):
            side = say.say_term("side", "above" if signal.deviation(reading.value) > 0 else "below")
            deviations.append(dialogue.text("utter_status_deviation", item=dialogue.reading_item(reading), side=side))
    name = dialogue.asset_name(asset)
    data = {"asset": asset, "asset_name": name, "readings": [dialogue.reading_data(r) for r in readings],
            "alarms": [dialogue.alarm_data(a) for a in alarms], "alarms_count": len(alarms),
            "fault_risk": risk.data() if risk else None, "readings_count": len(readings)}
    if alarms:
        alarm_part = dialogue.text("utter_status_alarms", count=say.say_number(len(alarms)),
                                   alarm_word=say.say_term("count", "alarm_one" if len(alarms) == 1 else "alarm_many"),
                                   alarms=say.say_list(dialogue.alarm_item(a) for a in alarms))
    else:
        alarm_part = dialogue.text("utter_status_alarms_none")
    parts = []
    if deviations:
        parts.append(dialogue.text("utter_status_deviations", items=say.say_list(deviations)))
    if not_current:
        parts.append(dialogue.text("utter_status_not_current", items=say.say_list(not_current)))
    if not deviations and not not_current:
        parts.append(dialogue.text("utter_status_normal", count=say.say_number(len(readings))))
    risk_part = dialogue.risk_text(risk) if risk else ""
    answer = dialogue.answer(intent, "utter_asset_status", data, asset=dialogue.tag(asset), name=name,
                             alarms=alarm_part, readings=" ".join(parts), risk=risk_part)
    return answer, dialogue.context(state, asset)


@handler("sensor_reading")
def sensor_reading(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """One measurement of an asset, or all of them when none is named; at a time ("at two o'clock",
    "on Monday") it is the trend over that time, never the value of now."""
    if intent.entity("time_range"):
        return trend(dialogue, dataclasses.replace(intent, name="trend"), state)
    key = dialogue.measurement_key(intent.entity("measurement"))
    asked = intent.entity("measurement")
    asset = dialogue.resolve_asset(intent, state)
    if not isinstance(asset, str):
        return asset  # the question asking which asset
    found = dialogue.model.asset(asset)
    assert found is not None
    say, tag, mname, name = dialogue.say, dialogue.tag(asset), dialogue.mname, dialogue.asset_name(asset)
    if key is None and asked is None and state.measurement and FOLLOW_UP.match(intent.text) \
            and found.signal(state.measurement):
        key = state.measurement  # "and pump one oh one?" after a reading: the same measurement
    if key is None and asked is None:
        readings = dialogue.plant.readings(asset)
        data = {"asset": asset, "asset_name": name, "readings": [dialogue.reading_data(r) for r in readings]}
        answer = dialogue.answer(intent, "utter_sensor_readings", data, asset=tag, name=name,
                                 items=say.say_list(dialogue.reading_item(r) for r in readings))
        return answer, dialogue.context(state, asset)
    if key is None or found.signal(key) is None:
        data = {"asset": asset, "asset_name": name, "asked": asked, "available": list(found.measurements)}
        answer = dialogue.answer(intent, "utter_unknown_measurement", data, asset=tag,
                                 measurement=mname(key) if key else asked,
                                 available=say.say_list(mname(k) for k in found.measurements))
        return answer, dialogue.context(state, asset)
    reading = dialogue.plant.reading(asset, key)
    if reading is None:
        answer = dialogue.answer(intent, "utter_no_reading", {"asset": asset, "measurement": key},
                                 asset=tag, measurement=mname(key))
        return answer, dialogue.context(state, asset, key)
    data = {**dialogue.reading_data(reading), "asset_name": name}
    slots = {"asset": tag, "name": name, "measurement": mname(key), "value": dialogue.value(reading)}
    times = {"clock": say.say_clock(dialogue.local(reading.time)), "when": dialogue.when(reading.time)}
    if reading.stale:
        answer = dialogue.answer(intent, "utter_sensor_reading_stale", data, age=dialogue.age(reading), **times,
                                 **slots)
    elif reading.quality != "good":
        answer = dialogue.answer(intent, "utter_sensor_reading_uncertain", data,
                                 quality=say.say_term("quality", reading.quality), **slots)
    else:
        answer = dialogue.answer(intent, "utter_sensor_reading", data, **times, **slots)
    return answer, dialogue.context(state, asset, key)


def measurement_for(dialogue: Dialogue, intent: Intent, state: DialogueState, asset: str
                    ) -> str | tuple[Answer, DialogueState]:
    """The measurement of ``asset`` the request names (or the last one talked about); else the answer
    asking for it or saying the asset has no such measurement."""
    found = dialogue.model.asset(asset)
    assert found is not None
    asked = intent.entity("measurement")
    key = dialogue.measurement_key(asked) if asked else (
        state.measurement if state.measurement and found.signal(state.measurement) else None)
    if asked is None and key is None:
        examples = dialogue.say.say_list([dialogue.mname(k) for k in found.measurements[:3]], last="or")
        answer = dialogue.answer(intent, "utter_ask_measurement", {"asset": asset,
                                 "available": list(found.measurements)}, asset=dialogue.tag(asset), examples=examples)
        return answer, dataclasses.replace(dialogue.context(state, asset), awaiting="measurement", waiting=intent)
    if key is None or found.signal(key) is None:
        data = {"asset": asset, "asked": asked, "available": list(found.measurements)}
        answer = dialogue.answer(intent, "utter_unknown_measurement", data, asset=dialogue.tag(asset),
                                 measurement=dialogue.mname(key) if key else asked,
                                 available=dialogue.say.say_list(dialogue.mname(k) for k in found.measurements))
        return answer, dialogue.context(state, asset)
    return key


def no_span(dialogue: Dialogue, intent: Intent) -> Answer:
    """The answer to a time_range entity that is no span: too far back, or not understood."""
    if intent.entity("time_range") == OUT_OF_RANGE:
        return dialogue.answer(intent, "utter_trend_too_far", {"time_range": OUT_OF_RANGE, "longest_years": 10},
                               years=dialogue.say.say_number(10))
    return dialogue.answer(intent, "utter_trend_bad_range", {"time_range": intent.entity("time_range")})


def span_of(dialogue: Dialogue, value: str | None, up_to_now: bool = True
            ) -> tuple[dt.datetime, dt.datetime] | None:
    """The span of a time_range entity ("start/end", local time if no zone), cut at now unless
    ``up_to_now`` is False; the default hours (real hours, also across a change of the clocks) without
    one; None when it is not a span."""
    now = dialogue.local(dialogue.now())
    if not value:
        return dialogue.local(now.astimezone(dt.timezone.utc) - dt.timedelta(hours=_DEFAULT_TREND_H)), now
    try:
        start_text, end_text = value.split("/", 1)
        start, end = dt.datetime.fromisoformat(start_text), dt.datetime.fromisoformat(end_text)
    except ValueError:
        return None
    start = start if start.tzinfo else start.replace(tzinfo=dialogue.tz)
    end = end if end.tzinfo else end.replace(tzinfo=dialogue.tz)
    end = min(end, now) if up_to_now else end
    return (start, end) if start < end else None


@handler("trend")
def trend(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """How a measurement went over a span (the last hours by default): first, last, range, mean and slope."""
    asset = dialogue.resolve_asset(intent, state)
    if not isinstance(asset, str):
        return asset  # the question asking which asset
    key = measurement_for(dialogue, intent, state, asset)
    if not isinstance(key, str):
        return key  # the question asking which measurement
    say = dialogue.say
    span = span_of(dialogue, intent.entity("time_range"))
    if span is None:
        return no_span(dialogue, intent), dialogue.context(state, asset, key)
    start, end = span
    history = [r for r in dialogue.plant.history(asset, key, start, end) if r.quality != "bad"]
    default = intent.entity("time_range") is None
    period = dialogue.period(start, end)
    base = {"asset": asset, "measurement": key, "start": dialogue.local(start).isoformat(),
            "end": dialogue.local(end).isoformat(), "period": period, "source": "plant history"}
    if default:
        base["hours"] = _DEFAULT_TREND_H
    if len(history) < 2:
        answer = dialogue.answer(intent, "utter_trend_no_data", base, asset=dialogue.tag(asset),
                                 measurement=dialogue.mname(key), period=period)
        return answer, dialogue.context(state, asset, key)
    unit = history[0].unit
    values = [r.value for r in history]
    hours = [(r.time - history[0].time).total_seconds() / 3600.0 for r in history]
    mean_h = sum(hours) / len(hours)
    mean_v = sum(values) / len(values)
    var = sum((h - mean_h) ** 2 for h in hours)
    slope = sum((h - mean_h) * (v - mean_v) for h, v in zip(hours, values)) / var if var else 0.0
    data = {**base, "unit": unit, "first": values[0], "last": values[-1], "min": min(values),
            "max": max(values), "mean": round(mean_v, 4), "slope_per_hour": round(slope, 4),
            "samples": len(values), "last_time": dialogue.local(history[-1].time).isoformat()}
    slots = {"asset": dialogue.tag(asset), "measurement": dialogue.mname(key), "period": period,
             "first": say.say_quantity(values[0], unit), "last": say.say_quantity(values[-1], unit),
             "min": say.say_quantity(min(values), unit), "max": say.say_quantity(max(values), unit),
             "mean": say.say_quantity(mean_v, unit)}
    if say.round_value(slope, unit) == 0:
        text = dialogue.text("utter_trend_steady", **slots)
    else:
        text = dialogue.text("utter_trend", direction=say.say_term("direction", "rising" if slope > 0 else "falling"),
                             slope=say.say_quantity(abs(slope), unit), **slots)
        data["slope_abs_per_hour"] = round(abs(slope), 4)
    text = text[:1].upper() + text[1:]  # the period opens the sentence
    live = dialogue.plant.reading(asset, key)
    if default and live is not None and live.stale:
        data["last_reading"] = dialogue.reading_data(live)
        text += " " + dialogue.text("utter_trend_stale", age=dialogue.age(live))
    return Answer(text=text, intent=intent.name, data=data), dialogue.context(state, asset, key)


@handler("compare")
def compare(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """One measurement of two assets (the second may be the last asset talked about)."""
    assets = dialogue.refer(intent, state)
    if not isinstance(assets, list):
        return assets  # an asset the plant does not have, or a short name that fits several
    if len(assets) == 1 and state.asset and state.asset != assets[0]:
        assets.insert(0, state.asset)
    if not assets:
        answer = dialogue.answer(intent, "utter_ask_asset")
        return answer, dataclasses.replace(state, awaiting="asset", waiting=intent)
    if len(assets) == 1:
        answer = dialogue.answer(intent, "utter_ask_compare_asset", {"asset": assets[0]},
                                 asset=dialogue.tag(assets[0]))
        return answer, dataclasses.replace(state, awaiting="asset", waiting=intent)
    first, second = assets[:2]
    key = measurement_for(dialogue, intent, state, first)
    if not isinstance(key, str):
        return key  # the question asking which measurement
    if dialogue.model.signal(second, key) is None:
        answer = dialogue.answer(intent, "utter_compare_missing", {"asset": second, "measurement": key},
                                 asset=dialogue.tag(second), measurement=dialogue.mname(key))
        return answer, dialogue.context(state, first, key)
    a, b = dialogue.plant.reading(first, key), dialogue.plant.reading(second, key)
    if a is None or b is None:
        missing = second if b is None else first
        answer = dialogue.answer(intent, "utter_no_reading", {"asset": missing, "measurement": key},
                                 asset=dialogue.tag(missing), measurement=dialogue.mname(key))
        return answer, dialogue.context(state, first, key)
    data = {"measurement": key, "readings": [dialogue.reading_data(a), dialogue.reading_data(b)]}
    slots = {"measurement": dialogue.mname(key), "asset_a": dialogue.tag(first), "asset_b": dialogue.tag(second),
             "value_a": dialogue.reading_item(a), "value_b": dialogue.reading_item(b)}
    if not (a.current and b.current):
        return dialogue.answer(intent, "utter_compare_not_current", data, **slots), dialogue.context(state, second, key)
    difference = a.value - b.value
    if dialogue.say.round_value(difference, a.unit) == 0:
        return dialogue.answer(intent, "utter_compare_same", data, **slots), dialogue.context(state, second, key)
    data["difference"] = {"value": round(abs(difference), 4), "unit": a.unit}
    answer = dialogue.answer(intent, "utter_compare", data, difference=dialogue.say.say_quantity(abs(difference), a.unit),
                             relation=dialogue.say.say_term("relation", "higher" if difference > 0 else "lower"),
                             **slots)
    return answer, dialogue.context(state, second, key)
