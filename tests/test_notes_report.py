"""Guided maintenance reports: which field a spoken sentence fills (assistant/notes/report.py)."""

from __future__ import annotations

import pytest

from assistant.notes.report import FIELDS, control, fill, next_field, summary


@pytest.mark.parametrize(("text", "asking", "fields"), [
    ("the mechanical seal was leaking at the drive end", "finding",
     {"finding": "the mechanical seal was leaking at the drive end"}),
    ("found the seal leaking, probably worn out, I replaced it", "finding",
     {"finding": "the seal leaking", "cause": "worn out", "action": "I replaced it"}),
    ("the cause was a worn seal face", "finding", {"cause": "a worn seal face"}),
    ("replaced the seal and realigned the coupling", "action", {"action": "replaced the seal, realigned the coupling"}),
    ("one mechanical seal kit and two gaskets", "parts", {"parts": "one mechanical seal kit and two gaskets"}),
    ("no parts", "parts", {"parts": "none"}),
    ("it took about three hours", "finding", {"time_spent": "about three hours"}),
    ("about two hours", "time_spent", {"time_spent": "about two hours"}),
    ("check the vibration again at the next round", "follow_up",
     {"follow_up": "check the vibration again at the next round"}),
    ("bearing noise on the drive end and we greased it, it took half an hour", "finding",
     {"finding": "bearing noise on the drive end", "action": "we greased it", "time_spent": "half an hour"}),
    ("needs a new coupling guard", "parts", {"follow_up": "needs a new coupling guard"}),
])
def test_fill_assigns_clauses_by_their_cue(text: str, asking: str, fields: dict[str, str]) -> None:
    assert fill(text, asking) == fields


def test_order_summary_and_control() -> None:
    assert FIELDS == ("finding", "cause", "action", "parts", "time_spent", "follow_up")
    assert next_field({}) == "finding" and next_field({"finding": "x", "cause": "y"}) == "action"
    assert next_field(dict.fromkeys(FIELDS, "x")) is None
    assert summary({"finding": "seal leaking", "parts": "none"}) == "found: seal leaking; parts: none"
    assert [control(t) for t in ("go back", "That's all.", "skip", "finish the report", "the valve was stuck")] == [
        "back", "finish", "skip", "finish", None]
    with pytest.raises(ValueError, match="unknown report field 'cost'"):
        fill("x", "cost")
