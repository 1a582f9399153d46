"""The dialogue: from an Intent and the conversation state to an Answer and the next state.

    dialogue = Dialogue(plant, load_responses(), config.data_path)
    answer, state = dialogue.respond(intent, DialogueState())

One handler per intent of the catalogue (``Dialogue.handlers``): the built-in
``Dialogue._<intent>`` methods, and functions registered by intent name from any module::

    @handler("asset_criticality")
    def asset_criticality(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
        return dialogue.answer(intent, "utter_asset_criticality", data, **slots), state

(``import_handlers(path)``, the CLI's ``--code FILE``, imports such a module). Answers are built
from plant data only; every plant value an answer uses is in ``Answer.data``.
Writes (alarm acknowledge, notes, report findings) are read back first and happen
only after a clear yes (``confirm.consent``: a whole yes phrase, no negation word);
``deny`` or ``cancel`` drop them, and so does moving on to another request; an answer
that sounds like a yes but is not clear keeps the write waiting and asks again. Confirmed writes go to ``data_dir/notes.jsonl`` and
``data_dir/audit.jsonl`` with fsync before the answer says they are done.

Missing slots are asked for (``awaiting="asset"`` etc.) and filled by the next
request; follow-ups ("and the vibration?") reuse the last asset and measurement.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import importlib.util
import inspect
import json
import os
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, InputError, PlantvoiceError
from .events import Answer, Intent
from .confirm import Consent, consent
from .notes.dictation import cancelling, ending
from .notes.store import MAX_TEXT

if TYPE_CHECKING:  # the plant and the wording are passed in; only their types are named here
    from .answer import Responses
    from .faults.engine import FaultEngine
    from .faults.prediction import FaultPrediction
    from .notes import Note, NoteStore
    from .plant import Alarm, Plant, Reading

__all__ = [
    "DICTATING",
    "Dialogue",
    "DialogueState",
    "Heard",
    "NoFaultModel",
    "PendingWrite",
    "INTENTS",
    "RESPONSES",
    "HANDLERS",
    "IntentHandler",
    "append_durably",
    "handler",
    "handler_responses",
    "import_handlers",
]

INTENTS = (
    "plant_overview", "asset_status", "sensor_reading", "trend", "alarm_list", "alarm_acknowledge",
    "fault_prediction", "remaining_life", "explain", "recommend_action", "maintenance_history", "note_add",
    "note_read", "report_start", "dictation_start", "note_correct", "note_withdraw", "compare", "help", "cancel",
    "confirm", "deny", "repeat", "out_of_scope",
)

RESPONSES = (
    "utter_ask_asset", "utter_ask_measurement", "utter_ask_compare_asset", "utter_unknown_asset",
    "utter_unknown_measurement", "utter_no_reading",
    "utter_plant_overview", "utter_overview_output_not_current", "utter_alarm_count_none", "utter_alarm_count_one",
    "utter_alarm_count", "utter_top_risk",
    "utter_asset_status", "utter_status_alarms_none", "utter_status_alarms", "utter_status_normal",
    "utter_status_deviations", "utter_status_not_current",
    "utter_sensor_reading", "utter_sensor_reading_stale", "utter_sensor_reading_uncertain", "utter_sensor_readings",
    "utter_reading_item", "utter_reading_item_stale", "utter_reading_item_uncertain",
    "utter_trend", "utter_trend_steady", "utter_trend_no_data", "utter_trend_bad_range", "utter_trend_stale",
    "utter_alarm_list", "utter_alarm_list_none", "utter_alarm_item", "utter_alarm_more",
    "utter_alarm_ack_readback", "utter_alarm_ack_none", "utter_alarm_ack_done",
    "utter_fault_prediction", "utter_fault_prediction_rul", "utter_fault_prediction_low", "utter_fault_overview",
    "utter_fault_item",
    "utter_faults_unavailable", "utter_remaining_life", "utter_remaining_life_open", "utter_remaining_life_none", "utter_remaining_life_reached",
    "utter_explain", "utter_explain_none", "utter_explain_item",
    "utter_recommend_action", "utter_recommend_none",
    "utter_maintenance_history", "utter_maintenance_none", "utter_maintenance_item",
    "utter_ask_note_text", "utter_note_readback", "utter_note_saved", "utter_note_read", "utter_note_read_none",
    "utter_note_item", "utter_note_search", "utter_note_search_none", "utter_note_unknown", "utter_ask_note_id",
    "utter_ask_note_correction", "utter_note_correct_readback", "utter_note_corrected", "utter_note_withdraw_readback",
    "utter_note_withdrawn", "utter_note_withdrawn_already", "utter_note_changed", "utter_note_empty",
    "utter_note_not_saved", "utter_dictation_start", "utter_dictation_next", "utter_dictation_empty", "utter_dictation_too_long",
    "utter_report_start", "utter_report_ask_cause", "utter_report_ask_action", "utter_report_ask_parts",
    "utter_report_ask_time_spent", "utter_report_ask_follow_up", "utter_report_need_finding", "utter_report_readback",
    "utter_report_saved",
    "utter_compare", "utter_compare_same", "utter_compare_not_current", "utter_compare_missing",
    "utter_help", "utter_cancelled", "utter_cancel_nothing", "utter_confirm_nothing", "utter_pending_dropped",
    "utter_confirm_unclear", "utter_clarify_unclear",
    "utter_repeat_nothing", "utter_out_of_scope", "utter_clarify", "utter_clarify_no",
)

# A request below the confidence threshold whose best guess scores at least this is
# answered with "Did you mean ...?" instead of a refusal; "yes" carries the guess out.
CLARIFY_FLOOR = 0.2
_TOPICS = {
    "plant_overview": "the plant overview", "asset_status": "the status", "sensor_reading": "a reading",
    "trend": "a trend", "compare": "a comparison", "alarm_list": "the alarm list",
    "alarm_acknowledge": "acknowledging alarms", "fault_prediction": "the fault prediction",
    "remaining_life": "the remaining life", "explain": "why it is at risk", "recommend_action": "what to do",
    "maintenance_history": "the maintenance history", "note_add": "taking a note", "note_read": "the notes",
    "report_start": "starting a report", "dictation_start": "starting a dictation",
    "note_correct": "correcting a note", "note_withdraw": "withdrawing a note",
}
_NOTE_KINDS = ("note_add", "report", "note_correct", "note_withdraw")  # writes that go to the note store
DICTATING = ("note_text", "dictation", "report")  # states in which the next words are dictated text
_BREAKS_DICTATION = {"note_text": ("cancel", "deny", "help"), "report": ("cancel", "help")}
_CHANGE_TO = re.compile(r"^\s*(?:no,?\s*)?(?:change|correct|replace|make)\s+(?:it|that|the note|the text)\s+"
                        r"(?:to|with|into)\s+(?P<text>.+)$", re.IGNORECASE)
_NOTE_TEXT_AFTER = re.compile(r"\bnote\s+(?:number\s+)?\S+\s*(?:,|:|to read|to say|to|with|should say|says)\s+"
                              r"(?P<text>.+)$", re.IGNORECASE)
_TOPIC = re.compile(r"\b(?:about|regarding|concerning|mentioning|on the subject of)\s+(?P<topic>.+?)\??$",
                    re.IGNORECASE)
MAX_DICTATION_S = 30 * 60  # a dictation longer than this is ended and read back
READBACK_WORDS = 60  # a longer note is read back by its start and its length

_KEEP_PENDING = {"confirm", "deny", "cancel", "repeat", "help"}
_FOLLOW_UP = re.compile(r"^\s*(and|what about|how about)\b", re.IGNORECASE)
_MAX_ITEMS = 5
_DEFAULT_TREND_H = 8


@dataclass(frozen=True)
class PendingWrite:
    """A write read back to the user, waiting for confirm."""

    kind: str  # alarm_acknowledge | note_add | report | note_correct | note_withdraw | clarify (a guessed request)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DialogueState:
    last: Answer | None = None  # for repeat
    pending: PendingWrite | None = None  # a write waiting for confirm
    asset: str | None = None  # last asset talked about, for follow-ups
    measurement: str | None = None  # last measurement talked about
    awaiting: str | None = None  # asset | measurement | note_text | dictation | report | confirm
    waiting: Intent | None = None  # the request that waits for the missing slot


def append_durably(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line and fsync it (and the directory when the file is new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        file.flush()
        os.fsync(file.fileno())
    if new:
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class Heard:
    """The speech a request was recognized from: 16-bit mono PCM and the recognizer's confidence."""

    audio: bytes
    rate: int
    confidence: float


class NoFaultModel(PlantvoiceError):
    """The fault engine could not be loaded or trained; the message says why."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


Handler = Callable[[Intent, DialogueState, str], tuple[Answer, DialogueState]]
IntentHandler = Callable[["Dialogue", Intent, DialogueState], tuple[Answer, DialogueState]]
HANDLERS: dict[str, IntentHandler] = {}  # intent -> function registered with @handler


def handler(intent: str) -> Callable[[IntentHandler], IntentHandler]:
    """Register a function as the handler of ``intent`` for every Dialogue made afterwards.

    The function takes (dialogue, intent, state) and returns the answer and the next state, as
    the built-in handlers do. Built-in intents keep their handlers; one function per intent.
    """

    def register(function: IntentHandler) -> IntentHandler:
        _check_free(intent, function)
        HANDLERS[intent] = function
        return function

    return register


def _qualified(function: Callable[..., object]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def _check_free(intent: str, function: IntentHandler) -> None:
    where = f"@handler({intent!r}) on {_qualified(function)}"
    if intent in INTENTS:
        raise ConfigError(f"{where}: {intent!r} is a built-in intent answered by Dialogue._{intent}; "
                          "give the new intent a name of its own")
    other = HANDLERS.get(intent)
    if other is not None and _qualified(other) != _qualified(function):
        raise ConfigError(f"{where}: {intent!r} is already handled by {_qualified(other)}; "
                          "register one handler per intent")


def import_handlers(path: str | Path) -> ModuleType:
    """Import the Python file ``path`` so that its ``@handler`` registrations take effect (once per file)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise InputError(f"handler code {path} not found; pass an existing Python file to --code")
    name = "plantvoice_code_" + re.sub(r"\W", "_", path.stem)
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(path):
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


class Dialogue:
    def __init__(self, plant: Plant, responses: Responses, data_dir: str | Path,
                 now: Callable[[], dt.datetime] | None = None, notes_shown: int = 3,
                 faults: FaultEngine | None = None, notes: NoteStore | None = None, role: str = "operator") -> None:
        from . import answer as wording  # the wording functions that go with ``responses``

        responses.require(RESPONSES)
        self.plant = plant
        self.model = plant.model
        self.responses = responses
        self.say = wording
        self.data_dir = Path(data_dir)
        self.audit_path = self.data_dir / "audit.jsonl"
        self.now = now or _utc_now
        self.notes_shown = notes_shown
        self._faults = faults
        self._notes = notes
        self.role = role  # stored with each note: who writes from this workstation
        self._heard: Heard | None = None
        self.tz = self.model.site.tz
        lookups = self.model.lookups()
        self._asset_forms = {f: a for a, forms in lookups["asset"].items() for f in forms}
        self._measurement_forms = {f: m for m, forms in lookups["measurement"].items() for f in forms}
        self.handlers: dict[str, Handler] = {name: getattr(self, f"_{name}") for name in INTENTS}
        self.handlers.update({name: self._registered(function) for name, function in HANDLERS.items()})

    def _registered(self, function: IntentHandler) -> Handler:
        def run(intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
            return function(self, intent, state)

        return run

    # ------------------------------------------------------------------ for registered handlers

    def answer(self, intent: Intent, template: str, data: dict[str, Any] | None = None, **slots: Any) -> Answer:
        """The answer speaking response ``template`` with ``slots``; ``data`` holds every plant value it says."""
        return self._answer(intent, template, data, **slots)

    def resolve_asset(self, intent: Intent, state: DialogueState) -> str | tuple[Answer, DialogueState]:
        """The asset id the request names (or the last one talked about); else the answer asking for it
        or saying the asset is unknown, with its state."""
        return self._resolve_asset(intent, state)

    # ------------------------------------------------------------------ entry point

    def respond(self, intent: Intent, state: DialogueState, user: str = "operator", heard: Heard | None = None
                ) -> tuple[Answer, DialogueState]:
        """Answer one request; returns the answer and the state for the next request.
        ``heard``: the speech the request came from, kept with a dictated note."""
        self._heard = heard
        name = intent.name if intent.name in self.handlers else "out_of_scope"
        if name == "repeat":
            return self._repeat(intent, state, user)
        if state.awaiting == "dictation":  # the recognizer has no grammar here: commands are found by sound
            if ending(intent.text) is None and (name == "cancel" and len(intent.text.split()) <= 3
                                                or cancelling(intent.text)):
                name = "cancel"
            else:
                return self._done(*self._dictated(intent, state, user))
        elif state.awaiting in DICTATING and name not in _BREAKS_DICTATION[state.awaiting]:
            return self._done(*self._dictated(intent, state, user))
        if state.awaiting == "confirm" and state.pending and state.pending.kind in ("note_add", "note_correct"):
            change = _CHANGE_TO.match(intent.text)
            if change:  # "change it to ...": the new text is read back again
                return self._done(*self._note_changed(intent, state, change.group("text")))
        if state.awaiting == "confirm" and state.pending is not None:  # only a clear yes writes (confirm.py)
            heard = consent(intent)
            if heard is Consent.UNCLEAR:
                return self._done(*self._ask_again(intent, state))
            name = {Consent.YES: "confirm", Consent.NO: "cancel"}.get(heard, name)  # "Can't do it." drops it
        if state.waiting is not None and name not in _KEEP_PENDING:
            intent, name = self._fill_waiting(intent, state.waiting)
        dropped = state.pending if state.pending is not None and name not in _KEEP_PENDING else None
        if dropped is not None and dropped.kind == "clarify":
            dropped = None  # a new request answers "did you mean ...?" too
        if dropped is not None or name not in _KEEP_PENDING:
            state = dataclasses.replace(state, pending=None, awaiting=None, waiting=None)
        try:
            answer, new = self.handlers[name](intent, state, user)
        except NoFaultModel as e:
            answer = self._answer(intent, "utter_faults_unavailable", {"error": str(e)})
            new = state
        if dropped is not None:
            prefix = self._text("utter_pending_dropped", what=self._write_name(dropped.kind))
            answer = dataclasses.replace(answer, text=f"{prefix} {answer.text}",
                                         data={**answer.data, "dropped": dropped.kind})
        return self._done(answer, new)

    @staticmethod
    def _done(answer: Answer, new: DialogueState) -> tuple[Answer, DialogueState]:
        answer = dataclasses.replace(answer, awaiting=new.awaiting)
        return answer, dataclasses.replace(new, last=answer)

    def _fill_waiting(self, intent: Intent, waiting: Intent) -> tuple[Intent, str]:
        """A request that supplies the slot the previous one was missing completes that one."""
        kinds = {e.entity for e in intent.entities}
        fills = ("asset" in kinds and (waiting.entity("asset") is None or waiting.name == "compare")) or (
            "measurement" in kinds and waiting.entity("measurement") is None)
        if fills and intent.name in (waiting.name, "out_of_scope", "asset_status", "sensor_reading"):
            merged = Intent(text=intent.text, name=waiting.name, confidence=intent.confidence,
                            entities=waiting.entities + intent.entities, ranking=intent.ranking)
            return merged, waiting.name
        return intent, intent.name

    # ------------------------------------------------------------------ helpers

    def _text(self, template: str, **slots: Any) -> str:
        return self.responses.render(template, **slots)

    def _answer(self, intent: Intent, template: str, data: dict[str, Any] | None = None, **slots: Any) -> Answer:
        text = " ".join(self._text(template, **slots).split())  # an empty slot leaves no double space
        return Answer(text=text[:1].upper() + text[1:], intent=intent.name, data=data or {})

    def _local(self, when: dt.datetime) -> dt.datetime:
        return when.astimezone(self.tz)

    def _asset_id(self, value: str | None) -> str | None:
        if value is None:
            return None
        if self.model.asset(value):
            return value
        for asset in self.model.assets:
            if asset.id.lower() == value.lower():
                return asset.id
        words = " ".join(re.sub(r"[^0-9a-z]+", " ", value.lower()).split())
        return self._asset_forms.get(words)

    def _measurement_key(self, value: str | None) -> str | None:
        if value is None:
            return None
        if self.model.measurement(value):
            return value
        words = " ".join(re.sub(r"[^0-9a-z]+", " ", value.lower()).split())
        return self._measurement_forms.get(words, self._measurement_forms.get(words.replace(" ", "_")))

    def _tag(self, asset: str) -> str:
        return self.say.say_tag(asset)

    def _mname(self, key: str) -> str:
        m = self.model.measurement(key)
        return m.name if m else key.replace("_", " ")

    def _resolve_asset(self, intent: Intent, state: DialogueState, follow: bool = True
                       ) -> str | tuple[Answer, DialogueState]:
        """The asset id of the request (or the last one talked about); else the answer asking for it."""
        value = intent.entity("asset")
        if value is None:
            if follow and state.asset:
                return state.asset
            answer = self._answer(intent, "utter_ask_asset")
            return answer, dataclasses.replace(state, awaiting="asset", waiting=intent)
        asset = self._asset_id(value)
        if asset is None:
            return self._answer(intent, "utter_unknown_asset", {"asked": value}, name=value), state
        return asset

    def _reading_data(self, reading: Reading) -> dict[str, Any]:
        age = max(0, int((self.now() - reading.time).total_seconds()))
        return {
            "asset": reading.asset, "measurement": reading.measurement, "value": reading.value,
            "unit": reading.unit, "quality": reading.quality, "time": self._local(reading.time).isoformat(),
            "source": reading.source, "stale": reading.stale, "age_s": age,
        }

    def _value(self, reading: Reading) -> str:
        return self.say.say_quantity(reading.value, reading.unit)

    def _age(self, reading: Reading) -> str:
        return self.say.say_age((self.now() - reading.time).total_seconds())

    def _reading_item(self, reading: Reading) -> str:
        slots = {"measurement": self._mname(reading.measurement), "value": self._value(reading)}
        if reading.stale:
            return self._text("utter_reading_item_stale", age=self._age(reading), **slots)
        if reading.quality != "good":
            return self._text("utter_reading_item_uncertain", quality=reading.quality, **slots)
        return self._text("utter_reading_item", **slots)

    def _alarm_data(self, alarm: Alarm) -> dict[str, Any]:
        return {
            "id": alarm.id, "asset": alarm.asset, "measurement": alarm.measurement, "kind": alarm.kind,
            "priority": alarm.priority, "limit": alarm.limit, "value": alarm.value, "unit": alarm.unit,
            "raised": self._local(alarm.raised).isoformat(), "active": alarm.active,
            "acknowledged": self._local(alarm.acknowledged).isoformat() if alarm.acknowledged else None,
            "acknowledged_by": alarm.acknowledged_by,
        }

    def _since(self, when: dt.datetime) -> str:
        """'fourteen thirty' today, 'yesterday at fourteen thirty', else with the date."""
        local, today = self._local(when), self._local(self.now()).date()
        clock = self.say.say_clock(local)
        if local.date() == today:
            return clock
        if local.date() == today - dt.timedelta(days=1):
            return f"yesterday at {clock}"
        return f"{self.say.say_date(local.date())} at {clock}"

    def _alarm_name(self, alarm: Alarm) -> str:
        kind = alarm.kind.replace("_", " ")
        return f"{self._tag(alarm.asset)} {kind} {self._mname(alarm.measurement)}"

    def _alarm_item(self, alarm: Alarm) -> str:
        return self._text("utter_alarm_item", priority=alarm.priority, alarm=self._alarm_name(alarm),
                          value=self.say.say_quantity(alarm.value, alarm.unit),
                          since=self._since(alarm.raised),
                          ack=", acknowledged" if alarm.acknowledged else "")

    @property
    def faults(self) -> FaultEngine:
        """The fault engine; without one given, the stored one for this plant (trained on first use).
        Raises NoFaultModel when it cannot be trained (too little normal history, say)."""
        if self._faults is None:
            from .faults.engine import ready

            try:
                self._faults = ready(self.plant, self.data_dir / "faults")
            except PlantvoiceError as e:
                raise NoFaultModel(str(e)) from e
        return self._faults

    def _predict(self, asset: str) -> FaultPrediction:
        return self.faults.predict(asset, self.now())

    def _maybe_predict(self, asset: str) -> FaultPrediction | None:
        try:
            return self._predict(asset)
        except NoFaultModel:
            return None

    def _top_risks(self) -> list[FaultPrediction]:
        """Every asset's prediction, the most probable fault first; empty without a fault model."""
        try:
            return sorted((self._predict(a.id) for a in self.model.assets), key=lambda p: -p.probability)
        except NoFaultModel:
            return []

    def _risk_text(self, p: FaultPrediction) -> str:
        return self._text("utter_top_risk", asset=self._tag(p.asset), fault=p.name,
                          probability=self.say.say_percent(p.probability))

    def _days(self, days: float) -> str:
        return self.say.say_quantity(days, "d")

    def _write_name(self, kind: str) -> str:
        return {"alarm_acknowledge": "alarm acknowledgement", "note_add": "note", "report": "report",
                "note_correct": "note correction", "note_withdraw": "note withdrawal"}.get(kind, kind)

    def _audit(self, user: str, action: str, details: dict[str, Any]) -> None:
        append_durably(self.audit_path, {"time": self._local(self.now()).isoformat(), "user": user,
                                         "action": action, "details": details})

    def _context(self, state: DialogueState, asset: str | None = None, measurement: str | None = None
                 ) -> DialogueState:
        return dataclasses.replace(state, asset=asset or state.asset, measurement=measurement or state.measurement)

    # ------------------------------------------------------------------ plant overview and status

    def _plant_overview(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        terms, total, not_current = [], 0.0, []
        for asset, key in self.model.site.output:
            reading = self.plant.reading(asset, key)
            if reading is None:
                continue
            terms.append(self._reading_data(reading))
            total += reading.value / 1000.0 if reading.unit == "kW" else reading.value
            if not reading.current:
                not_current.append(self._tag(asset))
        alarms = self.plant.alarms()
        unacked = [a for a in alarms if a.acknowledged is None]
        risks = self._top_risks()
        output = {"value": round(total, 3), "unit": "MW", "terms": terms}
        data = {"site": self.model.site.name, "output": output, "active_alarms": len(alarms),
                "unacknowledged_alarms": len(unacked), "top_risk": risks[0].data() if risks else None}
        if not alarms:
            alarm_part = self._text("utter_alarm_count_none")
        elif len(alarms) == 1:
            alarm_part = self._text("utter_alarm_count_one", unacknowledged=self.say.say_number(len(unacked)))
        else:
            alarm_part = self._text("utter_alarm_count", count=self.say.say_number(len(alarms)),
                                    unacknowledged=self.say.say_number(len(unacked)))
        output_note = self._text("utter_overview_output_not_current", assets=self.say.say_list(not_current)) \
            if not_current else ""
        risk_part = self._risk_text(risks[0]) if risks else ""
        answer = self._answer(intent, "utter_plant_overview", data, site=self.model.site.name,
                              output=self.say.say_quantity(total, "MW"), output_note=output_note, alarms=alarm_part,
                              risk=risk_part)
        return answer, state

    def _asset_status(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        asset = self._resolve_asset(intent, state)
        if not isinstance(asset, str):
            return asset  # the question asking which asset
        found = self.model.asset(asset)
        assert found is not None
        readings = self.plant.readings(asset)
        alarms = [a for a in self.plant.alarms() if a.asset == asset]
        risk = self._maybe_predict(asset)
        deviations, not_current = [], []
        for reading in readings:
            signal = found.signal(reading.measurement)
            if not reading.current:
                not_current.append(self._reading_item(reading))
            elif signal and signal.deviation(reading.value):
                side = "above" if signal.deviation(reading.value) > 0 else "below"
                deviations.append(f"{self._reading_item(reading)}, {side} normal")
        data = {"asset": asset, "asset_name": found.name, "readings": [self._reading_data(r) for r in readings],
                "alarms": [self._alarm_data(a) for a in alarms], "alarms_count": len(alarms),
                "fault_risk": risk.data() if risk else None, "readings_count": len(readings)}
        if alarms:
            alarm_part = self._text("utter_status_alarms", count=self.say.say_number(len(alarms)),
                                    alarm_word="alarm" if len(alarms) == 1 else "alarms",
                                    alarms=self.say.say_list(self._alarm_item(a) for a in alarms))
        else:
            alarm_part = self._text("utter_status_alarms_none")
        parts = []
        if deviations:
            parts.append(self._text("utter_status_deviations", items=self.say.say_list(deviations)))
        if not_current:
            parts.append(self._text("utter_status_not_current", items=self.say.say_list(not_current)))
        if not deviations and not not_current:
            parts.append(self._text("utter_status_normal", count=self.say.say_number(len(readings))))
        risk_part = self._risk_text(risk) if risk else ""
        answer = self._answer(intent, "utter_asset_status", data, asset=self._tag(asset), name=found.name,
                              alarms=alarm_part, readings=" ".join(parts), risk=risk_part)
        return answer, self._context(state, asset)

    # ------------------------------------------------------------------ readings, trend, compare

    def _sensor_reading(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        key = self._measurement_key(intent.entity("measurement"))
        asked = intent.entity("measurement")
        asset = self._resolve_asset(intent, state)
        if not isinstance(asset, str):
            return asset  # the question asking which asset
        found = self.model.asset(asset)
        assert found is not None
        if key is None and asked is None and state.measurement and _FOLLOW_UP.match(intent.text) \
                and found.signal(state.measurement):
            key = state.measurement  # "and pump one oh one?" after a reading: the same measurement
        if key is None and asked is None:
            readings = self.plant.readings(asset)
            data = {"asset": asset, "asset_name": found.name, "readings": [self._reading_data(r) for r in readings]}
            answer = self._answer(intent, "utter_sensor_readings", data, asset=self._tag(asset), name=found.name,
                                  items=self.say.say_list(self._reading_item(r) for r in readings))
            return answer, self._context(state, asset)
        if key is None or found.signal(key) is None:
            available = [self._mname(k) for k in found.measurements]
            data = {"asset": asset, "asset_name": found.name, "asked": asked, "available": list(found.measurements)}
            answer = self._answer(intent, "utter_unknown_measurement", data, asset=self._tag(asset),
                                  measurement=self._mname(key) if key else asked,
                                  available=self.say.say_list(available))
            return answer, self._context(state, asset)
        reading = self.plant.reading(asset, key)
        if reading is None:
            answer = self._answer(intent, "utter_no_reading", {"asset": asset, "measurement": key},
                                  asset=self._tag(asset), measurement=self._mname(key))
            return answer, self._context(state, asset, key)
        data = {**self._reading_data(reading), "asset_name": found.name}
        slots = {"asset": self._tag(asset), "name": found.name, "measurement": self._mname(key),
                 "value": self._value(reading)}
        if reading.stale:
            answer = self._answer(intent, "utter_sensor_reading_stale", data, age=self._age(reading),
                                  clock=self.say.say_clock(self._local(reading.time)), **slots)
        elif reading.quality != "good":
            answer = self._answer(intent, "utter_sensor_reading_uncertain", data, quality=reading.quality, **slots)
        else:
            answer = self._answer(intent, "utter_sensor_reading", data,
                                  clock=self.say.say_clock(self._local(reading.time)), **slots)
        return answer, self._context(state, asset, key)

    def _measurement_for(self, intent: Intent, state: DialogueState, asset: str
                         ) -> tuple[str | None, tuple[Answer, DialogueState] | None]:
        found = self.model.asset(asset)
        assert found is not None
        asked = intent.entity("measurement")
        key = self._measurement_key(asked) if asked else (
            state.measurement if state.measurement and found.signal(state.measurement) else None)
        if asked is None and key is None:
            examples = self.say.say_list([self._mname(k) for k in found.measurements[:3]], last="or")
            answer = self._answer(intent, "utter_ask_measurement", {"asset": asset,
                                  "available": list(found.measurements)}, asset=self._tag(asset), examples=examples)
            return None, (answer, dataclasses.replace(self._context(state, asset), awaiting="measurement",
                                                      waiting=intent))
        if key is None or found.signal(key) is None:
            data = {"asset": asset, "asked": asked, "available": list(found.measurements)}
            answer = self._answer(intent, "utter_unknown_measurement", data, asset=self._tag(asset),
                                  measurement=self._mname(key) if key else asked,
                                  available=self.say.say_list(self._mname(k) for k in found.measurements))
            return None, (answer, self._context(state, asset))
        return key, None

    def _time_range(self, value: str | None) -> tuple[dt.datetime, dt.datetime] | None:
        now = self._local(self.now())
        if not value:
            return now - dt.timedelta(hours=_DEFAULT_TREND_H), now
        try:
            start_text, end_text = value.split("/", 1)
            start, end = dt.datetime.fromisoformat(start_text), dt.datetime.fromisoformat(end_text)
        except ValueError:
            return None
        start = start if start.tzinfo else start.replace(tzinfo=self.tz)
        end = end if end.tzinfo else end.replace(tzinfo=self.tz)
        end = min(end, now)
        return (start, end) if start < end else None

    def _trend(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        asset = self._resolve_asset(intent, state)
        if not isinstance(asset, str):
            return asset  # the question asking which asset
        key, problem = self._measurement_for(intent, state, asset)
        if problem:
            return problem
        assert key is not None
        span = self._time_range(intent.entity("time_range"))
        if span is None:
            answer = self._answer(intent, "utter_trend_bad_range", {"time_range": intent.entity("time_range")})
            return answer, self._context(state, asset, key)
        start, end = span
        history = [r for r in self.plant.history(asset, key, start, end) if r.quality != "bad"]
        default = intent.entity("time_range") is None
        if default:
            period = f"the last {self.say.say_number(_DEFAULT_TREND_H)} hours"
        else:
            period = f"{self.say.say_clock(self._local(start))} to {self.say.say_clock(self._local(end))}"
        base = {"asset": asset, "measurement": key, "start": self._local(start).isoformat(),
                "end": self._local(end).isoformat(), "source": "plant history"}
        if default:
            base["hours"] = _DEFAULT_TREND_H
        if len(history) < 2:
            answer = self._answer(intent, "utter_trend_no_data", base, asset=self._tag(asset),
                                  measurement=self._mname(key), period=period)
            return answer, self._context(state, asset, key)
        unit = history[0].unit
        values = [r.value for r in history]
        hours = [(r.time - history[0].time).total_seconds() / 3600.0 for r in history]
        mean_h = sum(hours) / len(hours)
        mean_v = sum(values) / len(values)
        var = sum((h - mean_h) ** 2 for h in hours)
        slope = sum((h - mean_h) * (v - mean_v) for h, v in zip(hours, values)) / var if var else 0.0
        data = {**base, "unit": unit, "first": values[0], "last": values[-1], "min": min(values),
                "max": max(values), "mean": round(mean_v, 4), "slope_per_hour": round(slope, 4),
                "samples": len(values), "last_time": self._local(history[-1].time).isoformat()}
        slots = {"asset": self._tag(asset), "measurement": self._mname(key), "period": period,
                 "first": self.say.say_quantity(values[0], unit), "last": self.say.say_quantity(values[-1], unit),
                 "min": self.say.say_quantity(min(values), unit), "max": self.say.say_quantity(max(values), unit),
                 "mean": self.say.say_quantity(mean_v, unit)}
        if self.say.round_value(slope, unit) == 0:
            text = self._text("utter_trend_steady", **slots)
        else:
            text = self._text("utter_trend", direction="rising" if slope > 0 else "falling",
                              slope=self.say.say_quantity(abs(slope), unit), **slots)
            data["slope_abs_per_hour"] = round(abs(slope), 4)
        live = self.plant.reading(asset, key)
        if default and live is not None and live.stale:
            data["last_reading"] = self._reading_data(live)
            text += " " + self._text("utter_trend_stale", age=self._age(live))
        return Answer(text=text, intent=intent.name, data=data), self._context(state, asset, key)

    def _compare(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        asked = [e.value for e in intent.entities if e.entity == "asset"]
        assets: list[str] = []
        for value in asked:
            asset = self._asset_id(value)
            if asset is None:
                return self._answer(intent, "utter_unknown_asset", {"asked": value}, name=value), state
            if asset not in assets:
                assets.append(asset)
        if len(assets) == 1 and state.asset and state.asset != assets[0]:
            assets.insert(0, state.asset)
        if not assets:
            answer = self._answer(intent, "utter_ask_asset")
            return answer, dataclasses.replace(state, awaiting="asset", waiting=intent)
        if len(assets) == 1:
            answer = self._answer(intent, "utter_ask_compare_asset", {"asset": assets[0]}, asset=self._tag(assets[0]))
            return answer, dataclasses.replace(state, awaiting="asset", waiting=intent)
        first, second = assets[:2]
        key, problem = self._measurement_for(intent, state, first)
        if problem:
            return problem
        assert key is not None
        if self.model.signal(second, key) is None:
            answer = self._answer(intent, "utter_compare_missing", {"asset": second, "measurement": key},
                                  asset=self._tag(second), measurement=self._mname(key))
            return answer, self._context(state, first, key)
        a, b = self.plant.reading(first, key), self.plant.reading(second, key)
        if a is None or b is None:
            missing = second if b is None else first
            answer = self._answer(intent, "utter_no_reading", {"asset": missing, "measurement": key},
                                  asset=self._tag(missing), measurement=self._mname(key))
            return answer, self._context(state, first, key)
        data = {"measurement": key, "readings": [self._reading_data(a), self._reading_data(b)]}
        slots = {"measurement": self._mname(key), "asset_a": self._tag(first), "asset_b": self._tag(second),
                 "value_a": self._reading_item(a), "value_b": self._reading_item(b)}
        if not (a.current and b.current):
            return self._answer(intent, "utter_compare_not_current", data, **slots), self._context(state, second, key)
        difference = a.value - b.value
        if self.say.round_value(difference, a.unit) == 0:
            return self._answer(intent, "utter_compare_same", data, **slots), self._context(state, second, key)
        data["difference"] = {"value": round(abs(difference), 4), "unit": a.unit}
        answer = self._answer(intent, "utter_compare", data, difference=self.say.say_quantity(abs(difference), a.unit),
                              relation="higher" if difference > 0 else "lower", **slots)
        return answer, self._context(state, second, key)

    # ------------------------------------------------------------------ alarms

    def _alarm_filter(self, intent: Intent, state: DialogueState) -> tuple[list[Alarm], dict[str, Any]]:
        alarms = self.plant.alarms()
        scope: dict[str, Any] = {}
        asset = self._asset_id(intent.entity("asset"))
        if asset:
            alarms = [a for a in alarms if a.asset == asset]
            scope["asset"] = asset
        key = self._measurement_key(intent.entity("measurement"))
        if key:
            alarms = [a for a in alarms if a.measurement == key]
            scope["measurement"] = key
        priority = intent.entity("priority")
        if priority in ("high", "medium", "low"):
            alarms = [a for a in alarms if a.priority == priority]
            scope["priority"] = priority
        order = {"high": 0, "medium": 1, "low": 2}
        return sorted(alarms, key=lambda a: (order.get(a.priority, 3), a.raised)), scope

    def _scope_words(self, scope: dict[str, Any]) -> tuple[str, str]:
        priority = f"{scope['priority']} priority " if "priority" in scope else ""
        where = f" on {self._tag(scope['asset'])}" if "asset" in scope else ""
        return priority, where

    def _alarm_list(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        if intent.entity("asset") and self._asset_id(intent.entity("asset")) is None:
            value = intent.entity("asset")
            return self._answer(intent, "utter_unknown_asset", {"asked": value}, name=value), state
        alarms, scope = self._alarm_filter(intent, state)
        priority, where = self._scope_words(scope)
        data = {**scope, "count": len(alarms), "alarms": [self._alarm_data(a) for a in alarms]}
        if not alarms:
            return self._answer(intent, "utter_alarm_list_none", data, priority=priority, where=where), state
        shown = alarms[:_MAX_ITEMS]
        items = self.say.say_list(self._alarm_item(a) for a in shown)
        more = ""
        if len(alarms) > len(shown):
            data["more"] = len(alarms) - len(shown)
            more = self._text("utter_alarm_more", count=self.say.say_number(len(alarms) - len(shown)))
        answer = self._answer(intent, "utter_alarm_list", data, count=self.say.say_number(len(alarms)),
                              alarm_word="alarm" if len(alarms) == 1 else "alarms", priority=priority, where=where,
                              items=items, more=more)
        return answer, self._context(state, scope.get("asset"))

    def _alarm_acknowledge(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        if intent.entity("asset") and self._asset_id(intent.entity("asset")) is None:
            value = intent.entity("asset")
            return self._answer(intent, "utter_unknown_asset", {"asked": value}, name=value), state
        alarms, scope = self._alarm_filter(intent, state)
        alarms = [a for a in alarms if a.acknowledged is None]
        priority, where = self._scope_words(scope)
        if not alarms:
            return self._answer(intent, "utter_alarm_ack_none", {**scope, "count": 0}, priority=priority,
                                where=where), state
        data = {**scope, "count": len(alarms), "alarms": [self._alarm_data(a) for a in alarms]}
        items = self.say.say_list(self._alarm_item(a) for a in alarms)
        answer = self._answer(intent, "utter_alarm_ack_readback", data, items=items)
        pending = PendingWrite("alarm_acknowledge", {"alarm_ids": [a.id for a in alarms], "items": items})
        return answer, dataclasses.replace(self._context(state, scope.get("asset")), pending=pending,
                                           awaiting="confirm")

    # ------------------------------------------------------------------ condition

    def _fault_prediction(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        if intent.entity("asset") is None:  # plant-wide: the highest risks
            top = self._top_risks()[:3]
            items = self.say.say_list(self._text("utter_fault_item", asset=self._tag(p.asset), fault=p.name,
                                                 probability=self.say.say_percent(p.probability)) for p in top)
            return self._answer(intent, "utter_fault_overview", {"risks": [p.data() for p in top]}, items=items), state
        asset = self._resolve_asset(intent, state)
        if not isinstance(asset, str):
            return asset  # the question asking which asset
        p = self._predict(asset)
        slots = {"asset": self._tag(asset), "fault": p.name, "probability": self.say.say_percent(p.probability)}
        if not p.flagged:
            return self._answer(intent, "utter_fault_prediction_low", p.data(), **slots), self._context(state, asset)
        text = self._text("utter_fault_prediction", **slots)
        if p.rul is not None:
            text += " " + self._rul_text(p)
        return Answer(text=text, intent=intent.name, data=p.data()), self._context(state, asset)

    def _rul_text(self, p: FaultPrediction) -> str:
        rul = p.rul
        assert rul is not None
        slots = {"asset": self._tag(p.asset), "measurement": self._mname(rul.signal),
                 "limit": self.say.say_quantity(rul.limit, rul.unit)}
        if rul.days <= 0:
            return self._text("utter_remaining_life_reached", **slots)
        slots.update(rul=self._days(rul.days), low=self._days(rul.low), window=self.say.say_quantity(rul.window_h, "h"))
        if rul.high is None:  # the trend may flatten out: no upper bound
            return self._text("utter_remaining_life_open", **slots)
        return self._text("utter_remaining_life", high=self._days(rul.high), **slots)

    def _remaining_life(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        asset = self._resolve_asset(intent, state)
        if not isinstance(asset, str):
            return asset  # the question asking which asset
        p = self._predict(asset)
        if p.rul is None:
            answer = self._answer(intent, "utter_remaining_life_none", p.data(), asset=self._tag(asset), fault=p.name,
                                  probability=self.say.say_percent(p.probability))
            return answer, self._context(state, asset)
        answer = Answer(text=self._rul_text(p), intent=intent.name, data=p.data())
        return answer, self._context(state, asset, p.rul.signal)

    def _explain(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        asset = self._resolve_asset(intent, state)
        if not isinstance(asset, str):
            return asset  # the question asking which asset
        p = self._predict(asset)
        data = p.data()
        readings, items = [], []
        for c in p.contributions:
            reading = self.plant.reading(asset, c.signal)
            if c.state not in ("up", "down") or reading is None:
                continue
            readings.append(self._reading_data(reading))
            items.append(self._text("utter_explain_item", measurement=self._mname(c.signal), value=self._value(reading),
                                    deviation=self.say.say_quantity(abs(c.deviation), c.unit),
                                    side="above" if c.deviation > 0 else "below"))
        data["readings"] = readings
        slots = {"asset": self._tag(asset), "fault": p.name, "probability": self.say.say_percent(p.probability)}
        if not items:
            return self._answer(intent, "utter_explain_none", data, **slots), self._context(state, asset)
        answer = self._answer(intent, "utter_explain", data, items=self.say.say_list(items), **slots)
        return answer, self._context(state, asset)

    def _recommend_action(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        asset = self._resolve_asset(intent, state)
        if not isinstance(asset, str):
            return asset  # the question asking which asset
        p = self._predict(asset)
        slots = {"asset": self._tag(asset), "fault": p.name}
        if not p.flagged:
            return self._answer(intent, "utter_recommend_none", p.data(), **slots), self._context(state, asset)
        advice = p.recommendation
        answer = self._answer(intent, "utter_recommend_action", p.data(), action=advice.actions[0],
                              checks=self.say.say_list(list(advice.checks[:2])), **slots)
        return answer, self._context(state, asset)

    def _maintenance_history(self, intent: Intent, state: DialogueState, user: str
                             ) -> tuple[Answer, DialogueState]:
        asset = self._resolve_asset(intent, state)
        if not isinstance(asset, str):
            return asset  # the question asking which asset
        from .plant import MaintenanceRecord

        reports = [MaintenanceRecord(asset=asset, date=n.created.astimezone(self.tz).date().isoformat(), kind="report",
                                     by=n.author, text=n.text) for n in self.notes.list(kind="report", asset=asset)]
        records = sorted([*self.plant.maintenance(asset), *reports], key=lambda r: r.date, reverse=True)[:3]
        data = {"asset": asset, "records": [dataclasses.asdict(r) for r in records],
                "source": "maintenance history and saved reports"}
        if not records:
            return self._answer(intent, "utter_maintenance_none", data, asset=self._tag(asset)), \
                self._context(state, asset)
        items = [self._text("utter_maintenance_item", date=self.say.say_date(r.date), kind=r.kind, by=r.by,
                            text=r.text) for r in records]
        answer = self._answer(intent, "utter_maintenance_history", data, asset=self._tag(asset),
                              items="; ".join(items))
        return answer, self._context(state, asset)

    # ------------------------------------------------------------------ notes and reports

    @property
    def notes(self) -> NoteStore:
        """The note store; without one given, data_dir/notes.sqlite with the default shifts, keyword search only."""
        if self._notes is None:
            from .config import NotesConfig
            from .notes import NoteStore, ShiftSchedule

            self._notes = NoteStore(self.data_dir / "notes.sqlite", ShiftSchedule.parse(NotesConfig().shifts),
                                    self.tz, clock=self.now)
        return self._notes

    def _assets_of(self, intent: Intent, state: DialogueState) -> list[str] | Answer:
        value = intent.entity("asset")
        asset = self._asset_id(value) if value else None
        if value and asset is None:
            return self._answer(intent, "utter_unknown_asset", {"asked": value}, name=value)
        return [asset] if asset else []

    def _speech(self) -> dict[str, Any]:
        """The audio and confidence of the request being answered, to keep with a dictated note."""
        heard = self._heard
        return {"audio": [heard.audio], "rate": heard.rate, "confidence": [heard.confidence]} if heard else {}

    def _note_add(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        assets = self._assets_of(intent, state)
        if isinstance(assets, Answer):
            return assets, state
        text = intent.entity("note_text")
        if not text:
            answer = self._answer(intent, "utter_ask_note_text", {"assets": assets})
            return answer, dataclasses.replace(state, awaiting="note_text",
                                               pending=PendingWrite("note_add", {"assets": assets}))
        return self._note_readback(intent, state, {"assets": assets, "text": text, **self._speech()})

    def _dictation_start(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        assets = self._assets_of(intent, state)
        if isinstance(assets, Answer):
            return assets, state
        answer = self._answer(intent, "utter_dictation_start", {"assets": assets}, scope=self._scope(assets))
        pending = PendingWrite("note_add", {"assets": assets, "parts": [], "audio": [], "confidence": [], "seconds": 0.0})
        return answer, dataclasses.replace(state, awaiting="dictation", pending=pending)

    def _scope(self, assets: list[str]) -> str:
        return f" for {self.say.say_list(self._tag(a) for a in assets)}" if assets else ""

    def _excerpt(self, text: str) -> str:
        words = text.split()
        if len(words) <= READBACK_WORDS:
            return text
        return f"{' '.join(words[:READBACK_WORDS])} ... and {self.say.say_number(len(words) - READBACK_WORDS)} more words"

    def _note_readback(self, intent: Intent, state: DialogueState, data: dict[str, Any], prefix: str = ""
                       ) -> tuple[Answer, DialogueState]:
        shown = {k: v for k, v in data.items() if k not in ("audio", "parts", "confidence")}
        shown["readback"] = self._excerpt(data["text"]).rstrip(" .")  # what is said of a long note
        answer = self._answer(intent, "utter_note_readback", shown, scope=self._scope(data["assets"]),
                              text=shown["readback"])
        if prefix:
            answer = dataclasses.replace(answer, text=f"{prefix} {answer.text}")
        answer = dataclasses.replace(answer, intent="note_add")
        return answer, dataclasses.replace(state, pending=PendingWrite("note_add", data), awaiting="confirm")

    def _note_changed(self, intent: Intent, state: DialogueState, text: str) -> tuple[Answer, DialogueState]:
        assert state.pending is not None
        data = {**state.pending.data, "text": text.strip()}
        if state.pending.kind == "note_correct":
            return self._correct_readback(intent, state, data)
        answer, new = self._note_readback(intent, state, data)
        return dataclasses.replace(answer, text=f"{self._text('utter_note_changed')} {answer.text}"), new

    def _dictated(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        """The words after "what should the note say", in a dictation or in a guided report."""
        if state.awaiting == "report":
            return self._report_step(intent, state)
        assert state.pending is not None
        text = intent.text.strip()
        if state.awaiting == "note_text":
            data = {**state.pending.data, "text": text, **self._speech()}
            if state.pending.kind == "note_correct":
                return self._correct_readback(intent, state, data)
            if not text:
                return self._answer(intent, "utter_note_empty"), dataclasses.replace(state, awaiting=None,
                                                                                      pending=None)
            return self._note_readback(intent, state, data)
        data = dict(state.pending.data)  # a dictation: parts until "end dictation"
        end = ending(text)
        part = text[:end].strip(" ,") if end is not None else text
        heard = self._heard
        if part:
            data["parts"] = [*data["parts"], part]
            if heard is not None:
                data["audio"] = [*data["audio"], heard.audio]
                data["rate"] = heard.rate
                data["confidence"] = [*data["confidence"], heard.confidence]
                data["seconds"] = data["seconds"] + len(heard.audio) / 2 / heard.rate
        too_long = data["seconds"] >= MAX_DICTATION_S or sum(len(p) + 1 for p in data["parts"]) >= MAX_TEXT
        if end is None and not too_long:
            answer = self._answer(intent, "utter_dictation_next", {"parts": len(data["parts"])})
            return dataclasses.replace(answer, intent="note_add"), dataclasses.replace(
                state, pending=PendingWrite("note_add", data))
        if not data["parts"]:
            answer = self._answer(intent, "utter_dictation_empty")
            return dataclasses.replace(answer, intent="note_add"), dataclasses.replace(state, awaiting=None,
                                                                                        pending=None)
        data["text"] = " ".join(data["parts"])[:MAX_TEXT]
        data["minutes"] = round(data["seconds"] / 60)
        prefix = self._text("utter_dictation_too_long", minutes=self.say.say_number(data["minutes"])) \
            if too_long and end is None else ""
        return self._note_readback(intent, state, data, prefix)

    def _save_note(self, pending: PendingWrite, user: str) -> Note:
        data = pending.data
        if pending.kind == "note_correct":
            return self.notes.correct(data["id"], data["text"], by=user)
        if pending.kind == "note_withdraw":
            return self.notes.withdraw(data["id"], by=user)
        audio = (b"".join(data["audio"]), data["rate"]) if data.get("audio") else None
        confidences = data.get("confidence") or []
        kind = "report" if pending.kind == "report" else "note"
        return self.notes.add(data["text"], author=user, role=self.role, kind=kind, assets=data["assets"], audio=audio,
                              confidence=round(min(confidences), 3) if confidences else None,
                              fields=data.get("fields"))

    def _note_id(self, intent: Intent, what: str) -> Note | Answer:
        number = intent.entity("number")
        if number is None:
            return self._answer(intent, "utter_ask_note_id", {"action": what})
        note = self.notes.get(int(float(number)))
        if note is None:
            return self._answer(intent, "utter_note_unknown", {"id": int(float(number))},
                                id=self.say.say_number(int(float(number))))
        return note

    def _note_correct(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        note = self._note_id(intent, "correct")
        if isinstance(note, Answer):
            return note, state
        if note.withdrawn:
            return self._answer(intent, "utter_note_withdrawn_already", note.data(), id=self.say.say_number(note.id)), \
                state
        found = _NOTE_TEXT_AFTER.search(intent.text)
        data = {"id": note.id, "old": note.text, "assets": list(note.assets)}
        if not found:
            answer = self._answer(intent, "utter_ask_note_correction", data, id=self.say.say_number(note.id))
            return answer, dataclasses.replace(state, awaiting="note_text", pending=PendingWrite("note_correct", data))
        return self._correct_readback(intent, state, {**data, "text": found.group("text").strip()})

    def _correct_readback(self, intent: Intent, state: DialogueState, data: dict[str, Any]
                          ) -> tuple[Answer, DialogueState]:
        data = {k: v for k, v in data.items() if k not in ("audio", "rate", "confidence")}
        answer = self._answer(intent, "utter_note_correct_readback", data, id=self.say.say_number(data["id"]),
                              old=self._excerpt(data["old"]), text=self._excerpt(data["text"]))
        answer = dataclasses.replace(answer, intent="note_correct")
        return answer, dataclasses.replace(state, awaiting="confirm", pending=PendingWrite("note_correct", data))

    def _note_withdraw(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        note = self._note_id(intent, "withdraw")
        if isinstance(note, Answer):
            return note, state
        if note.withdrawn:
            return self._answer(intent, "utter_note_withdrawn_already", note.data(), id=self.say.say_number(note.id)), \
                state
        data = {"id": note.id, "text": note.text}
        answer = self._answer(intent, "utter_note_withdraw_readback", data, id=self.say.say_number(note.id),
                              text=self._excerpt(note.text))
        return answer, dataclasses.replace(state, awaiting="confirm", pending=PendingWrite("note_withdraw", data))

    def _note_read(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        assets = self._assets_of(intent, state)
        if isinstance(assets, Answer):
            return assets, state
        asset = assets[0] if assets else None
        filters: dict[str, Any] = {"asset": asset}
        span = intent.entity("time_range")
        shift = self._named_shift(intent.text)
        if shift:  # the site's own shift pattern (notes.shifts), its latest occurrence that has begun
            filters.update(shift=shift[0], day=shift[1])
            span = None
        elif span:
            start, end = (dt.datetime.fromisoformat(t) for t in span.split("/"))
            filters.update(start=start, end=end)
        topic = _TOPIC.search(intent.text)
        topic_text = topic.group("topic").strip() if topic else ""
        if topic_text and asset and self._asset_id(topic_text) == asset:
            topic_text = ""  # "notes about feed pump two": the asset is the filter, not a topic
        scope = self._scope(assets)
        if topic_text:
            found = self.notes.search(topic_text, limit=self.notes_shown, **filters)
            notes = [n for n, _, _ in found]
            data = {"asset": asset, "topic": topic_text, "notes": [n.data() for n in notes], "count": len(notes),
                    "matches": [{"id": n.id, "score": round(score, 3), "how": how} for n, score, how in found],
                    "source": "notes"}
            if not notes:
                answer = self._answer(intent, "utter_note_search_none", data, topic=topic_text, scope=scope)
                return answer, self._context(state, asset)
            answer = self._answer(intent, "utter_note_search", data, count=self.say.say_number(len(notes)),
                                  note_word="note" if len(notes) == 1 else "notes", topic=topic_text, scope=scope,
                                  items="; ".join(self._note_item(n) for n in notes))
            return answer, self._context(state, asset)
        latest = list(reversed(self.notes.list(**filters)))[: self.notes_shown]
        data = {"asset": asset, "notes": [n.data() for n in latest], "count": len(latest), "source": "notes",
                **({"start": filters["start"].isoformat(), "end": filters["end"].isoformat()} if span else {}),
                **({"shift": filters["shift"], "day": filters["day"].isoformat()} if shift else {})}
        if not latest:
            return self._answer(intent, "utter_note_read_none", data, scope=scope), self._context(state, asset)
        answer = self._answer(intent, "utter_note_read", data, count=self.say.say_number(len(latest)),
                              note_word="note" if len(latest) == 1 else "notes", scope=scope,
                              items="; ".join(self._note_item(n) for n in latest))
        return answer, self._context(state, asset)

    def _named_shift(self, text: str) -> tuple[str, dt.date] | None:
        """A shift of the site's pattern named in ``text`` ("the night shift") and the date it last began."""
        schedule = self.notes.schedule
        names = "|".join(re.escape(n) for n in schedule.names)
        found = re.search(rf"\b({names})\s+shift\b", text, re.IGNORECASE)
        if not found:
            return None
        now = self.now().astimezone(self.tz)
        name = schedule.shift(found.group(1)).name
        for back in range(0, 3):
            day = now.date() - dt.timedelta(days=back)
            if schedule.window(name, day, self.tz)[0] <= now:
                return name, day
        return None

    def _note_item(self, note: Note) -> str:
        when = note.created.astimezone(self.tz)
        return self._text("utter_note_item", id=self.say.say_number(note.id), author=note.author,
                          date=self.say.say_date(when.date()), clock=self.say.say_clock(when),
                          text=self._excerpt(note.text))

    def _report_start(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        asset = self._resolve_asset(intent, state, follow=False)
        if not isinstance(asset, str):
            return asset  # the question asking which asset
        found = self.model.asset(asset)
        assert found is not None
        answer = self._answer(intent, "utter_report_start", {"asset": asset, "asset_name": found.name},
                              asset=self._tag(asset), name=found.name)
        data = {"assets": [asset], "fields": {}, "asking": "finding", "filled": []}
        return answer, dataclasses.replace(self._context(state, asset), awaiting="report",
                                           pending=PendingWrite("report", data))

    def _report_step(self, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
        """One answer in a guided report: fields filled, "go back", "skip" or "that's all"."""
        from .notes.report import FIELDS, control, fill, next_field, summary

        assert state.pending is not None
        data = dict(state.pending.data)
        fields, filled, asking = dict(data["fields"]), list(data["filled"]), data["asking"]
        step = control(intent.text)
        if step == "back" and filled:
            asking = filled.pop()
            for name in asking:
                fields.pop(name, None)
            asking = asking[0]
        elif step == "skip":
            fields[asking] = "none"
            filled.append([asking])
        elif step is None and intent.text.strip():
            new = fill(intent.text, asking)
            fields.update(new)
            filled.append(list(new))
        if step == "finish" or next_field(fields) is None:
            if not fields.get("finding") or fields["finding"] == "none":
                data.update(fields=fields, filled=filled, asking="finding")
                answer = self._answer(intent, "utter_report_need_finding", {"fields": fields})
                return dataclasses.replace(answer, intent="report_start"), dataclasses.replace(
                    state, pending=PendingWrite("report", data))
            data.update(fields={f: fields[f] for f in FIELDS if fields.get(f)}, filled=filled,
                        text=summary(fields))
            answer = self._answer(intent, "utter_report_readback", {"fields": data["fields"], "assets": data["assets"]},
                                  asset=self._tag(data["assets"][0]), text=self._excerpt(data["text"]))
            return dataclasses.replace(answer, intent="report_start"), dataclasses.replace(
                state, awaiting="confirm", pending=PendingWrite("report", data))
        asking = asking if step == "back" else next_field(fields) or asking
        data.update(fields=fields, filled=filled, asking=asking)
        answer = self._answer(intent, f"utter_report_ask_{asking}" if asking != "finding" else "utter_report_start",
                              {"fields": fields, "asking": asking}, asset=self._tag(data["assets"][0]),
                              name=self.model.asset(data["assets"][0]).name)  # type: ignore[union-attr]
        return dataclasses.replace(answer, intent="report_start"), dataclasses.replace(
            state, pending=PendingWrite("report", data))

    # ------------------------------------------------------------------ conversation control

    def _help(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        example = next((a for a in self.model.assets if a.signals), self.model.assets[0])
        for asset in self.model.assets:  # prefer an asset with a bearing temperature, the common question
            if asset.signal("bearing_temperature"):
                example = asset
                break
        key = example.signals[0].key if example.signal("bearing_temperature") is None else "bearing_temperature"
        data = {"example": {"asset": example.id, "asset_name": example.name, "measurement": key}}
        answer = self._answer(intent, "utter_help", data, example=f"the {self._mname(key)} of {example.name}")
        return answer, state

    def _confirm(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        pending = state.pending
        cleared = dataclasses.replace(state, pending=None, awaiting=None, waiting=None)
        if pending is None or state.awaiting != "confirm":
            return self._answer(intent, "utter_confirm_nothing"), cleared
        if pending.kind == "clarify":  # the guess was right: answer it (a write still asks to confirm)
            meant = pending.data["intent"]
            return self.handlers[meant.name](meant, cleared, user)
        if pending.kind == "alarm_acknowledge":
            done = []
            for alarm_id in pending.data["alarm_ids"]:
                alarm = self.plant.acknowledge(alarm_id, user)
                self._audit(user, "alarm_acknowledge", self._alarm_data(alarm))
                done.append(alarm)
            data = {"acknowledged": [self._alarm_data(a) for a in done], "count": len(done)}
            names = self.say.say_list(self._alarm_name(a) for a in done)
            return self._answer(intent, "utter_alarm_ack_done", data, items=names, user=user), cleared
        try:
            note = self._save_note(pending, user)  # durable when it returns: only then is it said to be saved
        except InputError as e:
            return self._answer(intent, "utter_note_not_saved", {"error": str(e)}), cleared
        self._audit(user, pending.kind, {"note": note.id, "version": note.version, "text": note.text,
                                         "assets": list(note.assets)})
        slots = {"id": self.say.say_number(note.id), "scope": self._scope(list(note.assets))}
        template = {"note_add": "utter_note_saved", "report": "utter_report_saved",
                    "note_correct": "utter_note_corrected", "note_withdraw": "utter_note_withdrawn"}[pending.kind]
        if pending.kind == "report":
            slots["asset"] = self._tag(note.assets[0])
        if pending.kind == "note_correct":
            slots["text"] = self._excerpt(note.text)
        return self._answer(intent, template, {"note": note.data()}, **slots), cleared

    def _cancel(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        cleared = dataclasses.replace(state, pending=None, awaiting=None, waiting=None)
        if state.pending is None and state.awaiting is None:
            return self._answer(intent, "utter_cancel_nothing"), cleared
        if state.pending is not None and state.pending.kind == "clarify":
            return self._answer(intent, "utter_clarify_no"), cleared
        what = self._write_name(state.pending.kind) if state.pending else "request"
        return self._answer(intent, "utter_cancelled", {"dropped": state.pending.kind if state.pending else None},
                            what=what), cleared

    def _ask_again(self, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
        """An answer that is not a clear yes (``confirm.consent``): the write keeps waiting, and the answer says so."""
        assert state.pending is not None
        if state.pending.kind == "clarify":
            return self._answer(intent, "utter_clarify_unclear"), state
        return self._answer(intent, "utter_confirm_unclear", {"waiting": state.pending.kind},
                            what=self._write_name(state.pending.kind)), state

    def _deny(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        return self._cancel(intent, state, user)

    def _repeat(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        if state.last is None:
            answer = self._answer(intent, "utter_repeat_nothing")
            return dataclasses.replace(answer, awaiting=state.awaiting), state
        last = state.last
        return Answer(text=last.text, intent=intent.name, data=last.data, awaiting=last.awaiting), state

    def _out_of_scope(self, intent: Intent, state: DialogueState, user: str) -> tuple[Answer, DialogueState]:
        guess = next(((n, c) for n, c in intent.ranking if n != "out_of_scope"), None)
        if not intent.text or guess is None or guess[1] < CLARIFY_FLOOR or guess[0] not in _TOPICS:
            return self._answer(intent, "utter_out_of_scope"), state
        asset = self._asset_id(intent.entity("asset"))
        what = _TOPICS[guess[0]] + (f" of {self._tag(asset)}" if asset and guess[0] != "note_add" else "")
        meant = dataclasses.replace(intent, name=guess[0], confidence=guess[1])
        data = {"guess": guess[0], "confidence": guess[1], **({"asset": asset} if asset else {})}
        answer = self._answer(intent, "utter_clarify", data, what=what)
        return answer, dataclasses.replace(state, pending=PendingWrite("clarify", {"intent": meant}),
                                           awaiting="confirm")


def handler_responses() -> dict[str, frozenset[str]]:
    """Intent -> the responses (``utter_*``) its handler can speak, read from the handlers' code.

    ``Dialogue._<intent>``: the names written in it and in the ``self._...`` methods it calls.
    A registered handler: the names written in it, in the functions of its own module it calls,
    and in the Dialogue methods it calls (``dialogue.resolve_asset(...)``)."""
    methods = _methods()
    found = {name: frozenset(_speaks(methods[f"_{name}"], methods, "self", set()))
             for name in INTENTS if f"_{name}" in methods}
    found.update({name: frozenset(_function_speaks(function, methods, set())) for name, function in HANDLERS.items()})
    return found


def _methods() -> dict[str, ast.FunctionDef]:
    tree = ast.parse(inspect.getsource(Dialogue))
    return {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}


def _speaks(node: ast.AST, methods: dict[str, ast.FunctionDef], owner: str | None, seen: set[str]) -> set[str]:
    """``utter_*`` names in ``node`` and in the Dialogue methods it calls on ``owner`` (on any name if None)."""
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.startswith("utter_"):
            found.add(sub.value)
        elif (isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and owner in (None, sub.value.id)
              and sub.attr in methods and sub.attr not in seen):
            seen.add(sub.attr)
            found |= _speaks(methods[sub.attr], methods, "self", seen)
    return found


def _function_speaks(function: Callable[..., object], methods: dict[str, ast.FunctionDef], seen: set[str]
                     ) -> set[str]:
    """What a registered handler, or a function of its module that it calls, can speak."""
    seen.add(_qualified(function))
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError):  # no source to read (made at run time): it speaks nothing known
        return set()
    found = _speaks(tree, methods, None, set())
    names = getattr(function, "__globals__", {})
    for call in ast.walk(tree):
        callee = names.get(call.func.id) if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) else None
        if (inspect.isfunction(callee) and callee.__module__ == function.__module__
                and _qualified(callee) not in seen):
            found |= _function_speaks(callee, methods, seen)
    return found
