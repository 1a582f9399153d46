"""Reports: report_start, and each answer of the guided report after it (``report_step``).

A report asks for its fields one by one (finding, cause, action, parts, time spent, follow-up;
``notes.report``); "go back", "skip" and "that's all" steer it. It needs a finding, is read back
as a whole and saved as a note of kind report (``notes.save``) on a clear yes.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..events import Answer, Intent
from .handlers import handler
from .state import DialogueState, PendingWrite

if TYPE_CHECKING:
    from .core import Dialogue

__all__ = ["report_start", "report_step"]


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
    answer = dialogue.answer(intent, "utter_report_start", {"asset": asset, "asset_name": found.name},
                             asset=dialogue.tag(asset), name=found.name)
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
                             name=dialogue.model.asset(asset).name)  # type: ignore[union-attr]
    return dataclasses.replace(answer, intent="report_start"), dataclasses.replace(
        state, pending=PendingWrite("report", data))
