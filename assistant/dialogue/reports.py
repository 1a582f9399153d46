"""Reports: report_start, and each answer of the guided report after it (``report_step``).

A report asks for its fields one by one (finding, cause, action, parts, time spent, follow-up;
``notes.report``); "go back", "skip" and "that's all" steer it. It needs a finding, is read back
as a whole and saved as a note of kind report (``notes.save``) on a clear yes.

A question to the plant asked in the middle of a report ("what is the flow of cooling water pump
one?") is no answer to it (``asked``): the turn policy answers it as a request and drops the report.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from ..events import Answer, Intent
from .handlers import handler
from .state import DialogueState, PendingWrite

if TYPE_CHECKING:
    from .core import Dialogue

__all__ = ["report_start", "report_step", "asked", "PLANT_REQUESTS"]

# requests that ask the plant (or the notes) and write nothing
PLANT_REQUESTS = frozenset({"plant_overview", "asset_status", "sensor_reading", "trend", "compare", "alarm_list",
                            "fault_prediction", "remaining_life", "explain", "recommend_action",
                            "maintenance_history", "note_read"})
_QUESTION = re.compile(r"^(?:(?:uh|um|er|oh|okay|ok|so|well|and|sorry|hey)\s+)*"
                       r"(?:what|what's|whats|how|how's|which|where|when|is|are|does|do|can|could|show|tell|give|"
                       r"list|any)\b", re.IGNORECASE)


def asked(intent: Intent) -> bool:
    """A question to the plant put in the middle of a report, not an answer to the report's question: a
    request of ``PLANT_REQUESTS`` asked as a question ("what is ...", "how is ...", "show me ...", "any
    alarms ..."). "The vibration of feed pump two was high" tells a finding, even understood as a reading."""
    return intent.name in PLANT_REQUESTS and _QUESTION.match(intent.text.strip()) is not None


@handler("report_start")
def report_start(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """A report on the asset the request names (never the last one talked about): asks for the finding."""
    refused = dialogue.refused(intent, "report")
    if refused is not None:
        return refused, state
    asset = dialogue.resolve_asset(intent, state, follow=False)
    if not isinstance(asset, str):
        return asset  # the question asking which asset
    found = dialogue.model.asset(asset)
    assert found is not None
    name = dialogue.asset_name(asset)
    answer = dialogue.answer(intent, "utter_report_start", {"asset": asset, "asset_name": name},
                             asset=dialogue.tag(asset), name=name)
    data = {"assets": [asset], "fields": {}, "asking": "finding", "filled": []}
    return answer, dataclasses.replace(dialogue.context(state, asset), awaiting="report",
                                       pending=PendingWrite("report", data))


def report_step(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    """One answer in a guided report: fields filled, "go back", "skip" or "that's all"."""
    from ..notes.report import FIELDS, control, fill, next_field, summary

    assert state.pending is not None
    data = dict(state.pending.data)
    fields, filled, asking = dict(data["fields"]), list(data["filled"]), data["asking"]
    asset = data["assets"][0]
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
            answer = dialogue.answer(intent, "utter_report_need_finding", {"fields": fields})
            return dataclasses.replace(answer, intent="report_start"), dataclasses.replace(
                state, pending=PendingWrite("report", data))
        data.update(fields={f: fields[f] for f in FIELDS if fields.get(f)}, filled=filled, text=summary(fields))
        answer = dialogue.answer(intent, "utter_report_readback", {"fields": data["fields"], "assets": data["assets"]},
                                 asset=dialogue.tag(asset), text=dialogue.excerpt(data["text"]))
        return dataclasses.replace(answer, intent="report_start"), dataclasses.replace(
            state, awaiting="confirm", pending=PendingWrite("report", data))
    asking = asking if step == "back" else next_field(fields) or asking
    data.update(fields=fields, filled=filled, asking=asking)
    answer = dialogue.answer(intent, f"utter_report_ask_{asking}" if asking != "finding" else "utter_report_start",
                             {"fields": fields, "asking": asking}, asset=dialogue.tag(asset),
                             name=dialogue.asset_name(asset))
    return dataclasses.replace(answer, intent="report_start"), dataclasses.replace(
        state, pending=PendingWrite("report", data))
