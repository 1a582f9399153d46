"""Which reading of a request to act on (assistant/nlu/rerank.py), as a table."""

from __future__ import annotations

import pytest

from assistant.events import OUT_OF_SCOPE
from assistant.nlu.rerank import Reading, choose


def r(logprob: float, intent: str, confidence: float, complete: bool = True, no_request: bool = False) -> Reading:
    return Reading(logprob, intent, confidence, complete, no_request)


TABLE = [
    # a first reading understood in scope with its slots stands, however sure the others are
    ("first stands", [r(-0.3, "asset_status", 0.75), r(-0.35, "sensor_reading", 0.99)], 0),
    # "Start the handle memory port now." (out of scope) / "Start the handle my report now."
    ("a sure parse replaces an out-of-scope first",
     [r(-0.40, OUT_OF_SCOPE, 0.73), r(-0.44, "report_start", 0.96), r(-0.58, "report_start", 0.98)], 1),
    ("a sure parse replaces a first without its asset",
     [r(-0.40, "sensor_reading", 0.9, complete=False), r(-0.45, "sensor_reading", 0.95)], 1),
    # "Good diet." (out of scope) / "Go diet." (confirm 0.50): chatter stays out
    ("an unsure first gives way to a sure one",
     [r(-0.30, "help", 0.55), r(-0.40, "sensor_reading", 0.95)], 1),
    ("an unsure alternative does not", [r(-0.24, OUT_OF_SCOPE, 0.98), r(-0.52, "confirm", 0.50)], 0),
    ("a much less likely one does not", [r(-0.20, OUT_OF_SCOPE, 0.9), r(-0.95, "alarm_list", 0.99)], 0),
    ("an incomplete alternative does not",
     [r(-0.30, OUT_OF_SCOPE, 0.9), r(-0.35, "sensor_reading", 0.99, complete=False)], 0),
    ("no request stays no request", [r(-1.5, "help", 0.2, no_request=True), r(-1.6, "alarm_list", 0.99)], 0),
    ("the best score of the sure ones wins",
     [r(-0.50, OUT_OF_SCOPE, 0.6), r(-0.60, "trend", 0.85), r(-0.55, "trend", 0.99)], 2),
    ("one reading", [r(-0.5, OUT_OF_SCOPE, 0.7)], 0),
]


@pytest.mark.parametrize(("case", "readings", "expected"), TABLE, ids=[t[0] for t in TABLE])
def test_the_reading_acted_on(case: str, readings: list[Reading], expected: int) -> None:
    assert choose(readings) == expected
