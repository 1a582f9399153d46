"""Who may do what: the one place that decides whether a role may make a write.

    permits("operator", "alarm_acknowledge")                  # True
    refusal("viewer", "alarm_acknowledge")
    # 'Acknowledging alarms needs the operator role; you are signed on as viewer.'
    refusal("maintenance", "note_withdraw", own=False, owner="Anna Becker")
    # "Withdrawing another person's note needs the engineer role; it is Anna Becker's, you are signed on as maintenance."

Roles, from least to most:

``viewer``
    Reads only: readings, trends, alarms, faults, notes. Anyone at the microphone who has not
    signed on is a viewer unless ``station.default_role`` says otherwise.
``operator``
    Runs the plant: acknowledges alarms and takes shift notes; corrects and withdraws notes of
    their own (a note is fixed by who wrote it). No maintenance reports.
``maintenance``
    Maintains the plant: takes notes and maintenance reports, corrects and withdraws notes and
    reports of their own. Does not acknowledge alarms: that is the operator's call.
``engineer``
    Everything: all of the above, and corrects or withdraws anybody's note or report.

Writes (``WRITES``) are the intents that change something: ``alarm_acknowledge``, ``note_add``
(a note, typed, spoken or dictated), ``report`` (a maintenance report), ``note_correct`` and
``note_withdraw``. Reads are never refused. Rules:

1. A role not in ``ROLES`` may do nothing but read (a bad role in config is refused earlier,
   by ``config.py``).
2. A write is allowed when ``PERMISSIONS[role]`` names it.
3. Correcting or withdrawing a note written by someone else (``own=False``) also needs
   ``OTHERS_NOTES`` (engineer).
4. The refusal says which role the write needs and which one the speaker has.
5. A write of a developer's own handler (its intent, not one of ``WRITES``) needs a role that
   may write at all: any but viewer.
"""

from __future__ import annotations

__all__ = ["ROLES", "WRITES", "PERMISSIONS", "OTHERS_NOTES", "INTENT_WRITES", "permits", "refusal", "needs",
           "write_of"]

ROLES = ("viewer", "operator", "maintenance", "engineer")
WRITES = ("alarm_acknowledge", "note_add", "report", "note_correct", "note_withdraw")
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "operator": frozenset({"alarm_acknowledge", "note_add", "note_correct", "note_withdraw"}),
    "maintenance": frozenset({"note_add", "report", "note_correct", "note_withdraw"}),
    "engineer": frozenset(WRITES),
}
OTHERS_NOTES = frozenset({"engineer"})  # may correct or withdraw notes of other people
# The intents that start a write, and the write they start.
INTENT_WRITES = {"alarm_acknowledge": "alarm_acknowledge", "note_add": "note_add", "dictation_start": "note_add",
                 "report_start": "report", "note_correct": "note_correct", "note_withdraw": "note_withdraw"}
_DOING = {"alarm_acknowledge": "Acknowledging alarms", "note_add": "Taking notes",
          "report": "Writing maintenance reports", "note_correct": "Correcting notes",
          "note_withdraw": "Withdrawing notes"}
_DOING_OTHERS = {"note_correct": "Correcting another person's note",
                 "note_withdraw": "Withdrawing another person's note"}


def write_of(intent: str) -> str | None:
    """The write an intent starts (``dictation_start`` -> ``note_add``); None for a read."""
    return INTENT_WRITES.get(intent)


def permits(role: str, write: str, own: bool = True) -> bool:
    """True when ``role`` may make ``write`` (rules 1-3); ``own``: the note is the speaker's own."""
    allowed = PERMISSIONS.get(role, frozenset())
    if write not in WRITES:  # rule 5: a write of a handler of one's own
        return bool(allowed)
    return write in allowed and (own or write not in _DOING_OTHERS or role in OTHERS_NOTES)


def needs(write: str, own: bool = True) -> tuple[str, ...]:
    """The roles that may make ``write``, least first."""
    return tuple(r for r in ROLES if permits(r, write, own))


def refusal(role: str, write: str, own: bool = True, owner: str = "") -> str | None:
    """Why ``role`` may not make ``write``, as the answer says it (rule 4); None when it may."""
    if permits(role, write, own):
        return None
    others = not own and write in _DOING_OTHERS and write in PERMISSIONS.get(role, frozenset())
    doing = _DOING_OTHERS[write] if others else _DOING.get(write, write.replace("_", " ").capitalize())
    wanted = [r for r in needs(write, own) if r != "engineer"] or ["engineer"]
    named = " or ".join(wanted)
    whose = f" it is {owner}'s," if others and owner else ""
    return f"{doing} needs the {named} role;{whose} you are signed on as {role}."
