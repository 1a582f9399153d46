"""Which of the recognizer's readings of a request to act on: the one that parses best in the domain.

The beam of the recognizer holds several readings of one request ("Start the handle memory
port now." / "Start the handle my report now."); the first is not always the one meant.
Each reading is understood, and ``choose`` picks one by these rules:

1. The first reading stands when it is no request (the recognizer heard nothing), or when
   it is in scope with every slot its intent always carries and a classifier confidence of
   at least ``SURE``.
2. Otherwise another reading may replace it: one in scope with every slot its intent always
   carries, understood at least ``FLOOR`` surely, and whose mean token log probability is at
   most ``MARGIN`` below the first reading's (a reading the recognizer found much less likely
   is not taken because it parses). Of those, the highest score wins: log probability +
   ``WEIGHT`` x ln(classifier confidence).
3. None qualifies: the first reading stands (it is understood, or rejected, as it is).

Out-of-scope speech stays out unless a nearly as likely reading is a sure, complete request:
"Good diet." does not become "Go diet." (confirm, 0.50). The values were chosen on the
development sets of ``benchmarks/nbest.py`` (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..events import OUT_OF_SCOPE

__all__ = ["Reading", "choose", "RULES", "SURE", "WEIGHT", "MARGIN", "FLOOR"]

SURE = 0.7  # a first reading understood at least this surely is kept
WEIGHT = 1.0  # classifier log confidence against recognizer log probability
MARGIN = 0.5  # an alternative's mean token log probability may be at most this below the first's
FLOOR = 0.8  # an alternative must be understood at least this surely


@dataclass(frozen=True)
class Reading:
    """One reading of the request, understood."""

    logprob: float  # the recognizer's mean token log probability
    intent: str
    confidence: float
    complete: bool  # every slot its intent always carries is there
    no_request: bool = False

    @property
    def usable(self) -> bool:
        return not self.no_request and self.intent != OUT_OF_SCOPE and self.complete


def choose(readings: Sequence[Reading], sure: float = SURE, weight: float = WEIGHT, margin: float = MARGIN,
           floor: float = FLOOR) -> int:
    """The index of the reading to act on (rules 1-3); ``readings`` best first, as the recognizer ranks them."""
    first = readings[0]
    if first.no_request or (first.usable and first.confidence >= sure):
        return 0
    best, score = 0, -math.inf
    for i, r in enumerate(readings):
        if not r.usable or r.logprob < first.logprob - margin or (i and r.confidence < floor):
            continue
        s = r.logprob + weight * math.log(max(r.confidence, 1e-6))
        if s > score:
            best, score = i, s
    return best


def _first_usable(readings: Sequence[Reading]) -> int:
    return 0 if readings[0].no_request else next((i for i, r in enumerate(readings) if r.usable), 0)


# Rules measured in benchmarks/nbest.py beside the default (``choose``).
RULES: dict[str, Callable[[Sequence[Reading]], int]] = {"default": choose, "first usable": _first_usable}
for _sure in (0.0, 0.7, 0.9):
    for _floor in (0.0, 0.8, 0.9, 0.95):
        for _margin in (0.3, 0.5, 1.0):
            RULES[f"sure {_sure} floor {_floor} margin {_margin}"] = (
                lambda rs, s=_sure, f=_floor, m=_margin: choose(rs, sure=s, floor=f, margin=m))
for _weight in (0.5, 2.0):
    RULES[f"weight {_weight}"] = lambda rs, w=_weight: choose(rs, weight=w)
