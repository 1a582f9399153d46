"""The dialogue: from an Intent and the conversation state to an Answer and the next state.

    dialogue = Dialogue(plant, load_responses(), config.data_path)
    dialogue.language = "de"  # answers in German (intents/de/responses.yml, lang/de/answer.py); "en" by default
    answer, state = dialogue.respond(intent, DialogueState())

One handler per intent, registered by name with ``@handler`` — the built-in ones below exactly
as one's own, in a file given to ``--code`` (``import_handlers``)::

    @handler("asset_criticality")
    def asset_criticality(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
        return dialogue.answer(intent, "utter_asset_criticality", data, **slots), state

Answers are built from plant data only; every plant value an answer uses is in ``Answer.data``.
Writes (alarm acknowledge, notes, report findings) are read back first and happen only after a
clear yes (``confirm.consent``); ``deny`` or ``cancel`` drop them, and so does moving on to another
request. Confirmed writes go to ``data_dir/notes.sqlite`` with their rows of the audit log
(``assistant/audit.py``; alarm acknowledgements to the plant, logged first), durable before the
answer says they are done; a write the speaker's role may not make is refused (``dialogue.refused``).
Missing slots are asked for (``awaiting="asset"`` etc.) and filled by the next request; follow-ups
("and the vibration?") reuse the last asset and measurement.

The package:

    state.py         DialogueState, PendingWrite, Heard: what is kept between requests
    core.py          Dialogue: the turn policy (routing, waiting slots, writes waiting for a yes)
    handlers.py      @handler, HANDLERS, import_handlers, handler_responses
    helpers.py       what handlers call on the dialogue: answer, resolve_asset, reading_item, ...
    readings.py      plant_overview, asset_status, sensor_reading, trend, compare
    alarms.py        alarm_list, alarm_acknowledge
    faults.py        fault_prediction, remaining_life, explain, recommend_action, maintenance_history
    notes.py         note_add, dictation_start, note_correct, note_withdraw, note_read, dictated text
    reports.py       report_start and the steps of a guided report
    conversation.py  help, confirm, deny, cancel, repeat, out_of_scope
    people.py        sign_on
    domain.py        who answers in a domain of its own (not the plant's data): its handlers and responses
"""

from __future__ import annotations

from . import alarms, conversation, faults, notes, people, readings, reports  # the built-in handlers register
from .conversation import CLARIFY_FLOOR
from .core import DICTATING, RESPONSES, Dialogue
from .handlers import HANDLERS, IntentHandler, handler, handler_responses, import_handlers
from .helpers import NoFaultModel
from .state import DialogueState, Heard, PendingWrite

__all__ = [
    "CLARIFY_FLOOR",
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
    "handler",
    "handler_responses",
    "import_handlers",
]

INTENTS = tuple(HANDLERS)  # the built-in intents: those registered by the modules of this package
