"""Times in the dialogue's answers said as people say them, on the site's clock (Europe/Berlin).

Every answer's numbers are traced to its data (``unexplained_numbers``), the spoken times included.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.answer import load_responses, unexplained_numbers
from assistant.dialogue import Dialogue, DialogueState
from assistant.events import OUT_OF_RANGE, Answer, Entity, Intent
from assistant.plant import Plant
from assistant.spoken_time import say_time
from simulated_plant import NOW, clock, make_template, plant  # noqa: F401 (fixtures)

SITE = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the plant's history and alarms, made once."""
    return make_template(tmp_path_factory.mktemp("plant"), faults=False)


class Talk:
    """``talk("trend", asset="GT1", time_range=...)`` -> Answer, keeping the state."""

    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue
        self.state = DialogueState()

    def __call__(self, name: str, text: str = "", **entities: str) -> Answer:
        found = tuple(Entity(entity=k, value=v, start=0, end=len(v), text=v) for k, v in entities.items())
        intent = Intent(text=text or name.replace("_", " "), name=name, confidence=0.9, entities=found)
        answer, self.state = self.dialogue.respond(intent, self.state)
        assert unexplained_numbers(answer.text, answer.data) == [], answer.text
        return answer


@pytest.fixture
def talk(plant: Plant, tmp_path: Path) -> Talk:
    return Talk(Dialogue(plant, load_responses(), tmp_path, now=clock))


def test_a_reading_says_when_it_was_measured(talk: Talk) -> None:
    answer = talk("sensor_reading", asset="P-102", measurement="bearing_temperature")
    assert "at half past two this afternoon" in answer.text


# time_range value -> how the trend opens
PERIODS = [
    ("2025-03-11T00:00:00+01:00/2025-03-12T00:00:00+01:00", "yesterday from midnight to midnight"),
    ("2025-03-12T00:00:00+01:00/2025-03-12T14:30:00+01:00", "today since midnight"),
    ("2025-03-12T06:30:00+01:00/2025-03-12T14:30:00+01:00", "over the last eight hours"),
    ("2025-03-11T22:00:00+01:00/2025-03-12T06:00:00+01:00", "last night from ten in the evening to six this morning"),
    ("2025-03-12T01:00:00+01:00/2025-03-12T14:30:00+01:00", "since one o'clock this morning"),
    ("2025-03-12T06:00:00+01:00/2025-03-12T14:30:00+01:00", "since six o'clock this morning"),  # the late shift began
    ("2025-03-12T14:05:00+01:00/2025-03-12T15:00:00+01:00", "over the last twenty-five minutes"),  # ends now
    ("2025-03-12T12:00:00+01:00/2025-03-12T14:00:00+01:00", "today from noon to two in the afternoon"),
    ("2025-03-10T00:00:00+01:00/2025-03-11T00:00:00+01:00", "on Monday the tenth of March"),
]


@pytest.mark.parametrize("time_range, period", PERIODS)
def test_trend_says_its_period_as_people_do(talk: Talk, time_range: str, period: str) -> None:
    answer = talk("trend", asset="GT1", measurement="power", time_range=time_range)
    assert answer.data["period"] == period
    assert answer.text.startswith(f"{period[:1].upper()}{period[1:]}, the power of G T one"), answer.text


def test_trend_by_default_over_the_last_eight_hours(talk: Talk) -> None:
    answer = talk("trend", asset="GT1", measurement="power")
    assert answer.text.startswith("Over the last eight hours, the power of G T one")
    assert (answer.data["start"], answer.data["hours"]) == ("2025-03-12T06:30:00+01:00", 8)


def test_trend_too_far_back_says_how_far_it_looks(talk: Talk) -> None:
    answer = talk("trend", asset="GT1", measurement="power", time_range=OUT_OF_RANGE)
    assert answer.text == ("I look back at most ten years. Ask for a shorter time, for example the last week "
                           "or since midnight.")


def test_alarms_say_since_when(talk: Talk) -> None:
    answer = talk("alarm_list")
    said = [f"since {say_time(dt.datetime.fromisoformat(a['raised']), NOW, SITE, oclock=True)}"
            for a in answer.data["alarms"]]
    assert any(words in answer.text for words in said), (said, answer.text)
    assert "hundred," not in answer.text  # no control-room clock ("fourteen hundred") left


def test_note_listings_say_their_span_and_each_note_its_time(talk: Talk) -> None:
    talk("note_add", asset="P-102", note_text="seal weeping")
    talk("confirm", text="yes")
    yesterday = "2025-03-11T00:00:00+01:00/2025-03-12T00:00:00+01:00"
    assert talk("note_read", time_range=yesterday).text == "There are no notes, yesterday from midnight to midnight."
    late = talk("note_read", text="read back the notes of the late shift")
    assert late.data["count"] == 1 and late.data["period"] == "since the start of the late shift at two this afternoon"
    assert "note, since the start of the late shift at two this afternoon: note one" in late.text
    assert "at half past two this afternoon: seal weeping" in late.text
    night = talk("note_read", text="read back the notes of the night shift")
    assert night.text == "There are no notes, the night shift, last night from ten in the evening to six this morning."


# a reading asked at a time is the trend over that time, said as the parser's range
AT_A_TIME = [
    ("2025-03-12T02:00:00+01:00/2025-03-12T03:00:00+01:00", "today from two to three in the morning"),  # at two o'clock
    ("2025-03-10T00:00:00+01:00/2025-03-11T00:00:00+01:00", "on Monday the tenth of March"),  # on Monday
    ("2025-03-11T06:00:00+01:00/2025-03-12T14:30:00+01:00", "since yesterday at six in the morning"),
]


@pytest.mark.parametrize("time_range, period", AT_A_TIME)
def test_a_reading_at_a_time_is_its_trend(talk: Talk, time_range: str, period: str) -> None:
    answer = talk("sensor_reading", asset="ST1", measurement="vibration", time_range=time_range)
    assert (answer.intent, answer.data["period"]) == ("trend", period)
    assert answer.text.startswith(f"{period[:1].upper()}{period[1:]}, the vibration of S T one"), answer.text
