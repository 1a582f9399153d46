"""Guided maintenance reports: which field a spoken sentence fills, and what to ask next.

    fields = fill("found the seal leaking, probably worn out, I replaced it", asking="finding")
    # {"finding": "the seal leaking", "cause": "worn out", "action": "I replaced it"}
    next_field({"finding": ..., "cause": ..., "action": ...})   # "parts"

A report has the fields of ``FIELDS``, asked in that order. A sentence is cut into
clauses at sentence marks, commas and "and" before a new subject; a clause that starts
with a field's cue ("the cause was", "I replaced", "parts used", "it took", "follow up")
fills that field, any other clause continues the field before it, or the one asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .store import REPORT_FIELDS as FIELDS

__all__ = ["FIELDS", "fill", "next_field", "summary", "control"]

NONE = "none"

_ACTION_VERBS = (
    "replaced|tightened|cleaned|repaired|adjusted|changed|fixed|reset|refilled|topped up|aligned|realigned|"
    "lubricated|greased|installed|swapped|flushed|restarted|isolated|drained|welded|sealed|calibrated|tested|"
    "bled|vented|renewed|fitted|removed|re-?packed"
)
# field -> pattern of a clause that names it; group "body" is what the field keeps (else the whole clause)
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((field, re.compile(pattern, re.IGNORECASE)) for field, pattern in (
    ("parts", r"^(?:no (?:spare )?parts?(?: used| needed)?|nothing used)$"),
    ("follow_up", r"^(?:no follow[- ]?up(?: needed)?|nothing to follow up|no further action)$"),
    ("cause", r"^(?:the )?(?:probable |likely |root )?cause (?:is|was|seems to be|looks like)?:?\s*(?P<body>.+)|"
              r"^(?:probably|likely|most likely|caused by|due to|because(?: of)?)\s+(?P<body2>.+)"),
    ("time_spent", r"^(?:it |that |the job |this )?(?:took|lasted|time spent(?: was| is)?:?|spent)\s+(?P<body>.+)|"
                   r"^(?P<body2>(?:about |around |roughly )?(?:\S+ )?(?:and a half )?(?:hours?|minutes?)(?: of work)?)$"),
    ("parts", r"^(?:parts? used|spare parts?|used parts?|parts?|we used|i used|used)\s*(?:were|was|are|is|:)?\s*"
              r"(?P<body>.+)"),
    ("follow_up", r"^(?:follow[- ]?up|next step|to do|needs? a follow[- ]?up|still to do)\s*(?:is|:)?\s*(?P<body>.+)|"
                  r"^(?P<body2>(?:we |it |this )?(?:needs?|should|must|has to|have to|check again|recheck|"
                  r"monitor|watch|plan|order)\b.+)"),
    ("action", rf"^(?P<body>(?:i |we |the crew |they )?(?:have |had )?(?:{_ACTION_VERBS})\b.*)|"
               r"^(?:action(?: taken)?|what we did|we did)\s*(?:was|is|:)?\s*(?P<body2>.+)"),
    ("finding", r"^(?:i |we )?(?:found|find|noticed|saw|observed|discovered|there (?:is|was))\s+(?:that\s+)?"
                r"(?P<body>.+)|^(?:the )?finding (?:is|was)?:?\s*(?P<body2>.+)"),
))
_SPLIT = re.compile(r"\s*[.;!?]\s+|\s*[.;!?]$|,\s*(?:and\s+)?|\s+and\s+(?=(?:i|we|it|the cause|parts?|follow|"
                    rf"took|needs?|probably|no parts|{_ACTION_VERBS})\b)|\s+then\s+", re.IGNORECASE)

_CONTROL = {
    "back": re.compile(r"^(?:go |step )?back(?: one)?(?: please)?$|^previous(?: question| field)?$|^undo that$", re.I),
    "finish": re.compile(r"^(?:finish|finished|done|that'?s (?:all|it)|end(?: the)? report|finish(?: the)? report|"
                         r"nothing (?:else|more)|that is all|we'?re done|complete(?: the)? report)(?: please)?$", re.I),
    "skip": re.compile(r"^(?:skip(?: it| that)?|next|none|nothing|no|not applicable|n ?a)(?: please)?$", re.I),
}


def control(text: str) -> str | None:
    """``back``, ``finish`` or ``skip`` when the sentence is only that, else None."""
    words = re.sub(r"[^\w' -]", " ", text).strip().lower()
    words = " ".join(words.split())
    return next((name for name, pattern in _CONTROL.items() if pattern.match(words)), None)


def _cue(clause: str) -> tuple[str, str] | None:
    for field, pattern in _CUES:
        m = pattern.match(clause)
        if m:
            body = next((m.group(g) for g in ("body", "body2") if g in pattern.groupindex and m.group(g)), None)
            return field, NONE if body is None and field in ("parts", "follow_up") and clause.lower().startswith(
                ("no ", "nothing")) else (body or clause).strip()
    return None


def fill(text: str, asking: str) -> dict[str, str]:
    """The fields one sentence fills; a clause without a cue goes to the field before it, else to ``asking``."""
    if asking not in FIELDS:
        raise ValueError(f"unknown report field {asking!r}; one of {', '.join(FIELDS)}")
    out: dict[str, str] = {}
    current = asking
    for clause in (c.strip(" ,") for c in _SPLIT.split(text.strip()) if c and c.strip(" ,")):
        found = _cue(clause)
        if found is not None and (found[0] not in out or found[0] == current):
            current, body = found
        else:
            body = clause
        out[current] = f"{out[current]}, {body}" if current in out else body
    return out


def next_field(fields: Mapping[str, str]) -> str | None:
    """The first field still empty, in the order of ``FIELDS``; None when all are there."""
    return next((f for f in FIELDS if not fields.get(f)), None)


def summary(fields: Mapping[str, str]) -> str:
    """One line of the filled fields, for the note text and the read-back."""
    names = {"finding": "found", "cause": "cause", "action": "done", "parts": "parts", "time_spent": "time",
             "follow_up": "follow-up"}
    return "; ".join(f"{names[f]}: {fields[f]}" for f in FIELDS if fields.get(f))
