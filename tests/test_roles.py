"""Roles: the table of who may make which write, and the refusals said."""

from __future__ import annotations

import pytest

from assistant.roles import ROLES, WRITES, needs, permits, refusal, write_of

A, R = True, False  # allowed, refused
# role -> write -> (own note, someone else's note)
TABLE = {
    "viewer": {"alarm_acknowledge": (R, R), "note_add": (R, R), "report": (R, R), "note_correct": (R, R),
               "note_withdraw": (R, R)},
    "operator": {"alarm_acknowledge": (A, A), "note_add": (A, A), "report": (R, R), "note_correct": (A, R),
                 "note_withdraw": (A, R)},
    "maintenance": {"alarm_acknowledge": (R, R), "note_add": (A, A), "report": (A, A), "note_correct": (A, R),
                    "note_withdraw": (A, R)},
    "engineer": {"alarm_acknowledge": (A, A), "note_add": (A, A), "report": (A, A), "note_correct": (A, A),
                 "note_withdraw": (A, A)},
}


@pytest.mark.parametrize(("role", "write"), [(r, w) for r in ROLES for w in WRITES])
def test_role_by_write(role: str, write: str) -> None:
    own, others = TABLE[role][write]
    assert permits(role, write, own=True) is own
    assert permits(role, write, own=False) is others
    assert (refusal(role, write) is None) is own
    if not own:
        assert f"you are signed on as {role}." in str(refusal(role, write))


def test_refusals_say_what_is_needed() -> None:
    assert refusal("viewer", "alarm_acknowledge") == \
        "Acknowledging alarms needs the operator role; you are signed on as viewer."
    assert refusal("operator", "report") == "Writing maintenance reports needs the maintenance role; " \
                                            "you are signed on as operator."
    assert refusal("viewer", "note_add") == "Taking notes needs the operator or maintenance role; " \
                                            "you are signed on as viewer."
    assert refusal("maintenance", "note_withdraw", own=False, owner="Anna Becker") == (
        "Withdrawing another person's note needs the engineer role; it is Anna Becker's, "
        "you are signed on as maintenance.")
    assert needs("note_correct", own=False) == ("engineer",)


def test_unknown_role_reads_only_and_intents_map_to_writes() -> None:
    assert not any(permits("boss", w) for w in WRITES)
    assert [write_of(i) for i in ("dictation_start", "report_start", "sensor_reading")] == ["note_add", "report", None]
