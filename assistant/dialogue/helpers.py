"""What every handler, built-in or plugin, calls on the dialogue: plant data and the words to say it.

``Dialogue`` (``core.py``) inherits these helpers; a handler uses them as ``dialogue.answer(...)``,
``dialogue.resolve_asset(...)``, ``dialogue.reading_item(reading)`` and so on. Every helper is a
pure function of the plant, the asset model, the clock and the responses, except ``acknowledge``
(through the audit log, ``assistant/audit.py``) and the fault engine and note store, made on first use.
``refused`` is where a handler asks whether the speaker's role may make a write (``assistant/roles.py``).

The words are those of ``language`` (a code, "en" unless set; the pipeline sets it before each request):
``say`` is its wording module (``lang/wording.py``: ``assistant.answer`` for English, ``lang.de.answer``
for German), ``responses`` its templates (the ones passed in for the language, else
``intents/<code>/responses.yml`` beside the English file), and assets, measurements and faults are
named by their names in it (``name_in``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .. import audit, roles
from ..errors import PlantvoiceError
from ..events import Answer, Intent
from ..lang.wording import Wording, wordings
from .reference import Referrer, follows
from .state import DialogueState, PendingWrite

if TYPE_CHECKING:  # the plant and the wording are passed in; only their types are named here
    from ..audit import AuditLog
    from ..faults.engine import FaultEngine
    from ..faults.prediction import FaultPrediction
    from ..notes import Note, NoteStore
    from ..people import Station
    from ..plant import Alarm, Plant, Reading

from ..answer import Responses, load_responses

__all__ = ["Helpers", "NoFaultModel", "READBACK_WORDS"]

READBACK_WORDS = 60  # a longer note is read back by its start and its length


class NoFaultModel(PlantvoiceError):
    """The fault engine could not be loaded or trained; the message says why."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _words(value: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", value.lower()).split())


class Helpers:
    """The plant, the asset model, the clock and the wording, and the helpers built on them."""

    required: tuple[str, ...] = ()  # the responses every language's templates must have

    def __init__(self, plant: Plant, responses: Responses | Mapping[str, Responses], data_dir: str | Path,
                 now: Callable[[], dt.datetime] | None = None, notes_shown: int = 3,
                 faults: FaultEngine | None = None, notes: NoteStore | None = None, role: str = "operator",
                 audit: AuditLog | None = None, station: Station | None = None, language: str = "en") -> None:
        """``responses``: the English templates, or templates by language code."""
        self.plant = plant
        self.model = plant.model
        self._responses = {"en": responses} if isinstance(responses, Responses) else dict(responses)
        for given in self._responses.values():
            given.require(self.required)
        self.language = language
        self.data_dir = Path(data_dir)
        self.now = now or _utc_now
        self.notes_shown = notes_shown
        self._faults = faults
        self._notes = notes
        self.role = role  # the speaker's role: what they may write (roles.py), stored with each note
        self._audit = audit
        self.station = station  # who is signed on here, for the sign-on (people.py); None: nobody can sign on
        self.user = "operator"  # who asks: set for each request by Dialogue.respond
        self.tz = self.model.site.tz
        lookups = self.model.lookups()
        self._referrers: dict[str, Referrer] = {}
        self.said_back: dict[str, str] = {}  # asset -> the words it was heard in, said back with the answer
        self._measurement_forms = {f: m for m, forms in lookups["measurement"].items() for f in forms}

    # ------------------------------------------------------------------ the language

    @property
    def language(self) -> str:
        """The code of the language the answers are in ("en", "de"); set it before ``respond``."""
        return self._wording.code

    @language.setter
    def language(self, code: str) -> None:
        self._wording: Wording = wordings.create(code)  # an unknown code: ConfigError listing the codes

    @property
    def referrer(self) -> Referrer:
        """Who picks the asset a request is about (``reference.py``), by the words of the language."""
        code = self.language
        if code not in self._referrers:
            self._referrers[code] = Referrer(self.model, code)
        return self._referrers[code]

    @property
    def say(self) -> ModuleType:
        """The wording functions of the language: say_number, say_quantity, say_tag, say_term, ..."""
        return self._wording.words

    @property
    def responses(self) -> Responses:
        """The answer templates of the language, read on first use from ``intents/<code>/responses.yml``."""
        code = self.language
        if code not in self._responses:
            english = self._responses.get("en")
            base = Path(english.path).parent.parent if english is not None and english.path else None
            path = base / code / "responses.yml" if base is not None else None
            if path is None or not path.is_file():
                from ..config import ROOT

                path = ROOT / "intents" / code / "responses.yml"
            self._responses[code] = load_responses(path, required=self.required)
        return self._responses[code]

    # ------------------------------------------------------------------ answers

    def text(self, template: str, **slots: Any) -> str:
        """Response ``template`` rendered with ``slots``."""
        return self.responses.render(template, **slots)

    def answer(self, intent: Intent, template: str, data: dict[str, Any] | None = None, **slots: Any) -> Answer:
        """The answer speaking response ``template`` with ``slots``; ``data`` holds every plant value it says."""
        text = re.sub(r" ([,:;?!]|\.(?!\.))", r"\1", " ".join(self.text(template, **slots).split()))  # nor a gap
        return Answer(text=text[:1].upper() + text[1:], intent=intent.name, data=data or {})

    @staticmethod
    def context(state: DialogueState, asset: str | None = None, measurement: str | None = None) -> DialogueState:
        """``state`` with the asset and measurement talked about, for follow-ups."""
        return dataclasses.replace(state, asset=asset or state.asset, measurement=measurement or state.measurement)

    # ------------------------------------------------------------------ assets and measurements

    def asset_id(self, value: str | None) -> str | None:
        """The asset id named by ``value`` (an id, a name, an alias, a spoken tag); None if unknown."""
        return self.referrer.asset_id(value)

    def measurement_key(self, value: str | None) -> str | None:
        """The measurement key named by ``value``; None if unknown."""
        if value is None:
            return None
        if self.model.measurement(value):
            return value
        words = _words(value)
        return self._measurement_forms.get(words, self._measurement_forms.get(words.replace(" ", "_")))

    def resolve_asset(self, intent: Intent, state: DialogueState, follow: bool = True
                      ) -> str | tuple[Answer, DialogueState]:
        """The asset the request is about (the rules are in ``reference.py``): one it names, or with
        ``follow`` the last one talked about when the request is a follow-up; else the answer saying
        the asset is unknown or asking which, with its state."""
        assets = self.refer(intent, state)
        if not isinstance(assets, list):
            return assets
        if assets:
            return assets[0]
        if follow and state.asset and follows(intent):
            return state.asset
        answer = self.answer(intent, "utter_ask_asset")
        return answer, dataclasses.replace(state, awaiting="asset", waiting=intent)

    def refer(self, intent: Intent, state: DialogueState) -> list[str] | tuple[Answer, DialogueState]:
        """The assets the request names, in order (one heard only near its name is said back with the
        answer); or, when it names one the plant does not have or a short name that fits several,
        the answer saying so (offering the nearest, or asking which), with its state."""
        found = self.referrer.refer(intent, state.asset)
        if not found.unknown:
            self.said_back.update({a: found.heard[a] for a in found.said_back})
            return list(found.assets)
        name = self.tag(found.unknown) if re.fullmatch(r"[A-Za-z]+-?\d+", found.unknown) else " ".join(
            self.say.say_number(float(w)) if w.isascii() and w.isdigit() else w.upper() if len(w) == 1 else w
            for w in found.unknown.split())  # "P-999" -> "P nine nine nine", "tank 7" -> "tank seven"
        offered = found.choices or found.suggestions
        data = {"unknown": found.unknown, "said": name, "suggestions": list(offered),
                "offered": [self.asset_words(a) for a in offered]}  # the words said, numbers in them included
        if len(offered) == 1:
            meant = self.referrer.meaning(intent, found.unknown, offered[0])
            answer = self.answer(intent, "utter_unknown_asset_guess", data, name=name,
                                 guess=self.asset_words(offered[0]))
            return answer, dataclasses.replace(state, pending=PendingWrite("clarify", {"intent": meant}),
                                               awaiting="confirm", waiting=None)
        if offered:
            template = "utter_ask_which_asset" if found.choices else "utter_unknown_asset_choices"
            answer = self.answer(intent, template, data, name=name,
                                 choices=self.say.say_list((self.asset_words(a) for a in offered), last="or"))
            return answer, dataclasses.replace(state, awaiting="asset",
                                               waiting=self.referrer.without(intent, found.unknown))
        return self.answer(intent, "utter_unknown_asset", data, name=name), state

    def asset_words(self, asset: str) -> str:
        """An asset as said back: "T one, the main transformer"; "cooling water pump two" (its name says it)."""
        found = self.model.asset(asset)
        if found is None:
            return self.tag(asset)
        name = self.asset_name(asset)
        if name.split()[-1].lower() in self.say.NUMBER_WORDS:
            return name
        return self.text("utter_asset_named", asset=self.tag(asset), name=name)

    def asset_name(self, asset: str) -> str:
        """An asset's name in the language: "feed water pump two", "Speisewasserpumpe zwei"."""
        found = self.model.asset(asset)
        return found.name_in(self.language) if found else asset

    def tag(self, asset: str) -> str:
        """An asset id as said: "P one oh two"."""
        return self.say.say_tag(asset)

    def mname(self, key: str) -> str:
        """A measurement's name in the language: "bearing temperature", "Lagertemperatur"."""
        m = self.model.measurement(key)
        return m.name_in(self.language) if m else key.replace("_", " ")

    def fault_name(self, p: FaultPrediction) -> str:
        """A predicted fault's name in the language: "bearing wear", "Lagerverschleiß"."""
        mode = next((f for f in self.model.fault_modes if f.id == p.fault_mode), None)
        return mode.name_in(self.language) if mode is not None else p.name

    def write_name(self, kind: str) -> str:
        """A write waiting for a yes in words: "alarm acknowledgement", "die Notiz"."""
        return self.say.say_term("write", kind)

    # ------------------------------------------------------------------ readings and alarms

    def local(self, when: dt.datetime) -> dt.datetime:
        return when.astimezone(self.tz)

    def reading_data(self, reading: Reading) -> dict[str, Any]:
        age = max(0, int((self.now() - reading.time).total_seconds()))
        return {
            "asset": reading.asset, "measurement": reading.measurement, "value": reading.value,
            "unit": reading.unit, "quality": reading.quality, "time": self.local(reading.time).isoformat(),
            "source": reading.source, "stale": reading.stale, "age_s": age,
        }

    def value(self, reading: Reading) -> str:
        return self.say.say_quantity(reading.value, reading.unit)

    def age(self, reading: Reading) -> str:
        return self.say.say_age((self.now() - reading.time).total_seconds())

    def reading_item(self, reading: Reading) -> str:
        """"bearing temperature seventy one degrees", saying when it is stale or uncertain."""
        slots = {"measurement": self.mname(reading.measurement), "value": self.value(reading)}
        if reading.stale:
            return self.text("utter_reading_item_stale", age=self.age(reading), **slots)
        if reading.quality != "good":
            return self.text("utter_reading_item_uncertain", quality=self.say.say_term("quality", reading.quality),
                             **slots)
        return self.text("utter_reading_item", **slots)

    def alarm_data(self, alarm: Alarm) -> dict[str, Any]:
        return {
            "id": alarm.id, "asset": alarm.asset, "measurement": alarm.measurement, "kind": alarm.kind,
            "priority": alarm.priority, "limit": alarm.limit, "value": alarm.value, "unit": alarm.unit,
            "raised": self.local(alarm.raised).isoformat(), "active": alarm.active,
            "acknowledged": self.local(alarm.acknowledged).isoformat() if alarm.acknowledged else None,
            "acknowledged_by": alarm.acknowledged_by,
        }

    def since(self, when: dt.datetime) -> str:
        """What follows "since": 'one o'clock this morning', 'yesterday at eleven in the evening',
        'Monday the thirtieth of November at six in the morning'."""
        return self._wording.times.say_time(when, self.now(), self.tz, oclock=True)

    def when(self, time: dt.datetime) -> str:
        """'at twenty past three this morning', 'yesterday at eleven in the evening',
        'on Monday the thirtieth of November at six in the morning'."""
        return self._wording.times.say_instant(time, self.now(), self.tz)

    def period(self, start: dt.datetime, end: dt.datetime) -> str:
        """A span as said now: 'over the last eight hours', 'today since midnight', 'yesterday from midnight
        to midnight', 'since the start of the shift at six this morning' (the site's shifts, ``notes.shifts``)."""
        return self._wording.times.say_range(start, end, self.now(), self.tz, self.shift_starts())

    def shift_starts(self) -> tuple[dt.time, ...]:
        """When the site's shifts begin (the default pattern when no note store was given)."""
        if self._notes is not None:
            return tuple(s.start for s in self._notes.schedule.shifts)
        from ..config import NotesConfig
        from ..notes import ShiftSchedule

        return tuple(s.start for s in ShiftSchedule.parse(NotesConfig().shifts).shifts)

    def alarm_name(self, alarm: Alarm) -> str:
        return self.text("utter_alarm_name", asset=self.tag(alarm.asset), kind=self.say.say_term("alarm", alarm.kind),
                         measurement=self.mname(alarm.measurement))

    def alarm_item(self, alarm: Alarm) -> str:
        return self.text("utter_alarm_item", priority=self.say.say_term("priority", alarm.priority),
                         alarm=self.alarm_name(alarm), value=self.say.say_quantity(alarm.value, alarm.unit),
                         since=self.since(alarm.raised),
                         ack=self.text("utter_alarm_item_acknowledged") if alarm.acknowledged else "")

    # ------------------------------------------------------------------ fault risk

    @property
    def faults(self) -> FaultEngine:
        """The fault engine; without one given, the stored one for this plant (trained on first use).
        Raises NoFaultModel when it cannot be trained (too little normal history, say)."""
        if self._faults is None:
            from ..faults.engine import ready

            try:
                self._faults = ready(self.plant, self.data_dir / "faults")
            except PlantvoiceError as e:
                raise NoFaultModel(str(e)) from e
        return self._faults

    def predict(self, asset: str) -> FaultPrediction:
        """The asset's fault prediction now; raises NoFaultModel (answered by the dialogue) without a model."""
        return self.faults.predict(asset, self.now())

    def maybe_predict(self, asset: str) -> FaultPrediction | None:
        try:
            return self.predict(asset)
        except NoFaultModel:
            return None

    def top_risks(self) -> list[FaultPrediction]:
        """Every asset's prediction, the most probable fault first; empty without a fault model."""
        try:
            return sorted((self.predict(a.id) for a in self.model.assets), key=lambda p: -p.probability)
        except NoFaultModel:
            return []

    def risk_text(self, p: FaultPrediction) -> str:
        return self.text("utter_top_risk", asset=self.tag(p.asset), fault=self.fault_name(p),
                         probability=self.say.say_percent(p.probability))

    # ------------------------------------------------------------------ notes and the audit trail

    @property
    def notes(self) -> NoteStore:
        """The note store; without one given, data_dir/notes.sqlite with the default shifts, keyword search only."""
        if self._notes is None:
            from ..config import NotesConfig
            from ..notes import NoteStore, ShiftSchedule

            self._notes = NoteStore(self.data_dir / "notes.sqlite", ShiftSchedule.parse(NotesConfig().shifts),
                                    self.tz, clock=self.now)
        return self._notes

    def excerpt(self, text: str) -> str:
        """A note as read back: whole, or its first READBACK_WORDS words and how many more there are."""
        words = text.split()
        if len(words) <= READBACK_WORDS:
            return text
        return self.text("utter_excerpt_more", start=" ".join(words[:READBACK_WORDS]),
                         count=self.say.say_number(len(words) - READBACK_WORDS))

    @property
    def audit_log(self) -> AuditLog:
        """The audit log; without one given, the one in the note store's file."""
        if self._audit is None:
            from ..audit import AuditLog

            self._audit = AuditLog(self.notes.path, self.tz, clock=self.now)
        return self._audit

    def acknowledge(self, alarm_id: int) -> Alarm:
        """Acknowledge an alarm for ``user``, its audit row written first (``AuditLog.acknowledge``)."""
        return self.audit_log.acknowledge(self.plant, alarm_id, self.user, self.role)

    def refused(self, intent: Intent, write: str, note: Note | None = None) -> Answer | None:
        """The answer refusing ``write`` when the speaker's role may not make it (``roles.refusal``), about
        ``note`` when it is a correction or withdrawal; None when it may. The turn is told (``audit.current``)."""
        own = note is None or note.author == self.user
        reason = roles.refusal(self.role, write, own, note.author if note is not None else "")
        if reason is None:
            return None
        scope = audit.current()
        if scope is not None:
            scope.refused(write, reason)
        return Answer(reason, intent.name, {"refused": write, "role": self.role, "needs": list(roles.needs(write, own))})
