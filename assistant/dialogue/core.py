"""The turn policy: which handler answers a request, and what happens to a write waiting for a yes.

    dialogue = Dialogue(plant, load_responses(), config.data_path)
    dialogue.language = "de"   # German answers from now on ("en" by default)
    answer, state = dialogue.respond(intent, DialogueState())

The answers are in ``language``: its templates (``intents/<code>/responses.yml``, or those passed in
by code) and its words for numbers, tags and times (``lang/wording.py``).

Rules of ``respond``, in order:

1. ``repeat`` says the last answer again and changes nothing.
2. While a note or a report is dictated (``DICTATING``), the words are the text: they go to the
   dictation (``notes.dictated``) or the guided report (``reports.report_step``). Only the
   commands of ``_BREAKS_DICTATION`` break out; in a free dictation, where the recognizer has no
   grammar, a short "cancel" or a cancelling phrase does. A guided report's own steps ("go back",
   "skip", "that's all", "finish the report": ``notes.report.control``) steer it whatever they
   were understood as: "finish the report" heard as a cancel finishes it, never drops it. A
   question to the plant in the middle of a report (``reports.asked``: "what is the flow of
   cooling water pump one?") is no field of it: it is answered as a request, and the report is
   dropped with a word saying so (rule 6), not kept open, where it would take the words after
   the answer as its fields. A statement a reading is understood from ("the vibration of feed
   pump two was high") stays a field.
3. "Change it to ..." while a note (or a correction) waits for a yes reads the new text back.
4. While a write waits for a yes, only a clear yes (``confirm.consent``: a whole yes phrase, no
   negation word) confirms it; an answer that says no is a cancel; an answer that sounds like a
   yes but is not clear keeps the write waiting and asks again, and so does "finish the report"
   while a report is read back (finishing never drops a report).
5. A request that supplies the slot the waiting request missed (``awaiting="asset"`` etc.)
   completes that request.
   A follow-up that names only an asset, a measurement or a time ("and pump two?", "and the
   vibration?", "what about yesterday?") asks the last request about an asset (``topic``) again
   with what it names; which asset is meant is decided in ``reference.py``, which also says back
   an asset heard only near its name.
6. Any other request (not confirm, deny, cancel, repeat, help) drops a waiting write, and the
   answer says so; a "did you mean ...?" is dropped silently.

The request then goes to its handler (``HANDLERS``, ``@handler``); a request of an intent without
one is out of scope. A handler finds the user on ``dialogue.user`` and the speech of the request on
``dialogue.heard``. In a domain of its own (``dialogue.domain``, not the plant's data) only handlers
registered by other code answer, and the domain's responses the rest (``domain.py``); rules 4 and 6
hold there too.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..confirm import Consent, consent
from ..events import Answer, Intent
from ..notes.dictation import cancelling, ending
from ..notes.report import control
from . import domain
from .handlers import HANDLERS, IntentHandler, built_in
from .helpers import Helpers, NoFaultModel
from .notes import dictated, note_changed
from .reference import FOLLOW_UP
from .reports import asked, report_step
from .state import DialogueState, Heard

if TYPE_CHECKING:
    from ..answer import Responses
    from ..plant import Plant

__all__ = ["DICTATING", "Dialogue", "RESPONSES"]

RESPONSES = (
    "utter_ask_asset", "utter_ask_measurement", "utter_ask_compare_asset", "utter_unknown_asset",
    "utter_unknown_asset_guess", "utter_unknown_asset_choices", "utter_ask_which_asset", "utter_said_back",
    "utter_unknown_measurement", "utter_no_reading",
    "utter_plant_overview", "utter_overview_output_not_current", "utter_alarm_count_none", "utter_alarm_count_one",
    "utter_alarm_count", "utter_top_risk",
    "utter_asset_status", "utter_status_alarms_none", "utter_status_alarms", "utter_status_normal",
    "utter_status_deviations", "utter_status_not_current",
    "utter_sensor_reading", "utter_sensor_reading_stale", "utter_sensor_reading_uncertain", "utter_sensor_readings",
    "utter_reading_item", "utter_reading_item_stale", "utter_reading_item_uncertain",
    "utter_trend", "utter_trend_steady", "utter_trend_no_data", "utter_trend_bad_range", "utter_trend_too_far",
    "utter_trend_stale",
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
    "utter_asset_named", "utter_alarm_name", "utter_alarm_item_acknowledged", "utter_alarm_priority",
    "utter_alarm_where", "utter_alarm_ack_failed", "utter_status_deviation", "utter_excerpt_more", "utter_note_scope",
    "utter_notes_shift_since", "utter_notes_shift_period", "utter_help_example", "utter_clarify_topic_of",
    "utter_understood", "utter_understood_entities", "utter_out_of_scope_domain",
)

DICTATING = ("note_text", "dictation", "report")  # states in which the next words are dictated text
_BREAKS_DICTATION = {"note_text": ("cancel", "deny", "help"), "report": ("cancel", "help")}
_CHANGE_TO = re.compile(r"^\s*(?:no,?\s*)?(?:change|correct|replace|make)\s+(?:it|that|the note|the text)\s+"
                        r"(?:to|with|into)\s+(?P<text>.+)$", re.IGNORECASE)
_KEEP_PENDING = {"confirm", "deny", "cancel", "repeat", "help"}
# requests about one asset that a follow-up ("and pump two?") may ask again
TOPICS = frozenset({"asset_status", "sensor_reading", "trend", "fault_prediction", "remaining_life", "explain",
                    "recommend_action", "maintenance_history"})
_FOLLOW_SLOTS = {"asset", "measurement", "time_range"}
_FOLLOW_WORDS = frozenset("and also what about how same for the of on at in its it please then there now".split())


class Dialogue(Helpers):
    """Answers one request after another: routes each to its handler and keeps the conversation state."""

    required = RESPONSES

    def __init__(self, plant: Plant, responses: Responses | Mapping[str, Responses], data_dir: str | Path,
                 **options: Any) -> None:
        """``responses``: the English templates, or templates by language code; ``options``: now (the clock),
        notes_shown, faults (a FaultEngine), notes (a NoteStore), role, audit, station, language ("en")."""
        super().__init__(plant, responses, data_dir, **options)
        self.heard: Heard | None = None  # the speech of the request being answered
        self.handlers: dict[str, IntentHandler] = dict(HANDLERS)
        self.domain: Responses | None = None  # a domain of its own: its responses; who answers there: domain.py

    def respond(self, intent: Intent, state: DialogueState, user: str = "operator", heard: Heard | None = None
                ) -> tuple[Answer, DialogueState]:
        """Answer one request; returns the answer and the state for the next request.
        ``heard``: the speech the request came from, kept with a dictated note."""
        self.user, self.heard = user, heard
        name = self._route(intent.name)
        if name == "repeat":
            return self.handlers["repeat"](self, intent, state)
        if state.awaiting == "dictation":  # the recognizer has no grammar here: commands are found by sound
            if ending(intent.text, self.language) is None and (
                    name == "cancel" and len(intent.text.split()) <= 3 or cancelling(intent.text, self.language)):
                name = "cancel"
            else:
                return self._done(*dictated(self, intent, state))
        elif state.awaiting == "report":
            if control(intent.text) is not None or name not in _BREAKS_DICTATION["report"] and not asked(intent):
                return self._done(*report_step(self, intent, state))
        elif state.awaiting in DICTATING and name not in _BREAKS_DICTATION[state.awaiting]:
            return self._done(*dictated(self, intent, state))
        if state.awaiting == "confirm" and state.pending and state.pending.kind in ("note_add", "note_correct"):
            change = _CHANGE_TO.match(intent.text)
            if change:  # "change it to ...": the new text is read back again
                return self._done(*note_changed(self, intent, state, change.group("text")))
        if state.awaiting == "confirm" and state.pending is not None:  # only a clear yes writes (confirm.py)
            said = consent(intent)
            if said is not Consent.YES and state.pending.kind == "report" and control(intent.text) == "finish":
                said = Consent.UNCLEAR  # "finish the report" heard as a cancel or a new report: asked again
            if said is Consent.UNCLEAR:
                return self._done(*self._ask_again(intent, state))
            name = {Consent.YES: "confirm", Consent.NO: "cancel"}.get(said, name)  # "Can't do it." drops it
        if state.waiting is not None and name not in _KEEP_PENDING:
            intent, name = self._fill_waiting(intent, state.waiting)
        elif state.topic is not None and name not in _KEEP_PENDING:
            intent = self._follow_up(intent, state.topic)
            name = self._route(intent.name)
        dropped = state.pending if state.pending is not None and name not in _KEEP_PENDING else None
        if dropped is not None and dropped.kind == "clarify":
            dropped = None  # a new request answers "did you mean ...?" too
        if dropped is not None or name not in _KEEP_PENDING:
            state = dataclasses.replace(state, pending=None, awaiting=None, waiting=None)
        self.said_back = {}
        try:
            answer, new = self._handler(name)(self, intent, state)
        except NoFaultModel as e:
            answer = self.answer(intent, "utter_faults_unavailable", {"error": str(e)})
            new = state
        if new.awaiting is None and name in TOPICS:
            new = dataclasses.replace(new, topic=intent)
        if self.said_back and new.awaiting is None:  # "T one, the main transformer: ..."
            said = " ".join(self.text("utter_said_back", asset=self.asset_words(a)) for a in self.said_back)
            answer = dataclasses.replace(answer, text=f"{said[:1].upper()}{said[1:]} {answer.text}", data={
                **answer.data, "said_back": [{"asset": a, "heard": h} for a, h in self.said_back.items()]})
        if dropped is not None:
            prefix = self.text("utter_pending_dropped", what=self.write_name(dropped.kind))
            answer = dataclasses.replace(answer, text=f"{prefix} {answer.text}",
                                         data={**answer.data, "dropped": dropped.kind})
        return self._done(answer, new)

    def _route(self, name: str) -> str:
        """Where a request of intent ``name`` goes: its handler, else out_of_scope; in a domain of its own
        (``domain``) only a handler registered for it (never a built-in one), else the domain's response."""
        if self.domain is None:
            return name if name in self.handlers else "out_of_scope"
        if name in self.handlers and not built_in(self.handlers[name]):
            return name
        return name if name == "out_of_scope" else domain.RESPONDS

    def _handler(self, name: str) -> IntentHandler:
        if self.domain is not None and name in domain.ROUTES:
            return domain.ROUTES[name]
        return self.handlers[name]

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

    def _follow_up(self, intent: Intent, topic: Intent) -> Intent:
        """"and pump two?" after a reading of cooling water pump one: the reading again, of what this
        request names; ``intent`` itself when it is not such a follow-up."""
        if not FOLLOW_UP.match(intent.text):
            return intent
        mentions = self.referrer.mentions(intent)
        spans = [(e.start, e.end) for e in intent.entities] + [(s, e) for _, s, e in mentions]
        rest = [m.group() for m in re.finditer(r"[a-z0-9']+", intent.text.lower())
                if not any(a <= m.start() and m.end() <= b for a, b in spans)]
        named = {e.entity for e in intent.entities} | ({"asset"} if mentions else set())
        if not named & _FOLLOW_SLOTS or any(w not in _FOLLOW_WORDS for w in rest):
            return intent
        kept = [dataclasses.replace(e, start=0, end=0, distance=None) for e in topic.entities
                if e.entity not in named and e.entity in _FOLLOW_SLOTS]
        name = "trend" if topic.name == "sensor_reading" and "time_range" in named else topic.name
        return dataclasses.replace(intent, name=name, entities=(*kept, *intent.entities))

    def _ask_again(self, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
        """An answer that is not a clear yes (``confirm.consent``): the write keeps waiting, and the answer says so."""
        assert state.pending is not None
        if state.pending.kind == "clarify":
            return self.answer(intent, "utter_clarify_unclear"), state
        return self.answer(intent, "utter_confirm_unclear", {"waiting": state.pending.kind},
                           what=self.write_name(state.pending.kind)), state
