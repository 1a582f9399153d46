"""Who speaks and what they may do, typed through the real pipeline: sign-on, refusals, the audit rows.

One pipeline over a fresh data directory, with two configured users: Anna Becker (operator) and
Bob Meyer (maintenance). Nobody is signed on at start, so the station's default role (viewer) holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.dialogue import DialogueState
from assistant.pipeline import Pipeline

USERS = ('[station]\nname = "CR-1"\n[users.anna]\nname = "Anna Becker"\nrole = "operator"\n'
         '[users.bob]\nname = "Bob Meyer"\nrole = "maintenance"\n')


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    root = tmp_path_factory.mktemp("station")
    (root / "plantvoice.toml").write_text(f'data_dir = "{root / "data"}"\n{USERS}')
    return Pipeline.from_config(load_config(root / "plantvoice.toml", env={}))


@pytest.fixture(autouse=True)
def nobody(pipeline: Pipeline) -> None:
    pipeline.station.user, pipeline.station.waiting, pipeline.state = None, None, DialogueState()


def say(pipeline: Pipeline, *texts: str) -> list[str]:
    return [pipeline.ask(text)[1].text for text in texts]


def test_nobody_signed_on_is_a_viewer_and_may_not_acknowledge(pipeline: Pipeline) -> None:
    before = [a.acknowledged for a in pipeline.plant.alarms()]
    answers = say(pipeline, "acknowledge the alarm on the main transformer", "yes")
    assert answers[0] == "Acknowledging alarms needs the operator role; you are signed on as viewer."
    assert answers[1] == "There is nothing to confirm."
    assert [a.acknowledged for a in pipeline.plant.alarms()] == before
    turn = pipeline.audit.entries()[-2].record
    assert (turn["user"], turn["role"], turn["station"], turn["intent"]) == ("", "viewer", "CR-1", "alarm_acknowledge")
    assert turn["actions"] == [{"write": "alarm_acknowledge", "outcome": "refused", "reason": answers[0]}]


def test_sign_on_is_read_back_and_taken_only_on_a_clear_yes(pipeline: Pipeline) -> None:
    assert say(pipeline, "this is anna on the night shift", "no") == [
        "You are Anna Becker, operator, night shift. Is that right?",
        "Not signed on. Nobody is signed on; you may ask as viewer."]
    assert pipeline.station.user is None
    answers = say(pipeline, "anna here", "okay", "cancel")
    assert answers[1].startswith("I did not hear a clear yes. Are you Anna Becker?")
    assert answers[2].startswith("Not signed on.") and pipeline.station.user is None
    answers = say(pipeline, "sign me on as anna", "what is the bearing temperature of feed pump two", "yes")
    assert answers[1].startswith("Not signed on. ") and "P one oh two" in answers[1]
    assert answers[2] == "There is nothing to confirm." and pipeline.station.user is None
    assert say(pipeline, "Anna here on the early shift", "yes") == [
        "You are Anna Becker, operator, early shift. Is that right?", "Signed on: Anna Becker, operator."]
    assert pipeline.station.speaker.user == "anna"
    signed = pipeline.audit.entries()[-1].record
    assert (signed["user"], signed["role"], signed["actions"][0]["write"]) == ("anna", "operator", "sign_on")


def test_an_unknown_name_is_refused_with_the_known_ones(pipeline: Pipeline) -> None:
    assert say(pipeline, "this is julia") == ["I do not know Julia. Known users: Anna Becker, Bob Meyer."]
    assert pipeline.station.waiting is None and pipeline.station.user is None


def test_the_operator_acknowledges_and_the_log_names_her(pipeline: Pipeline) -> None:
    pipeline.sign_in("anna")
    answers = say(pipeline, "acknowledge the alarm on the main transformer", "yes")
    assert answers[0].endswith("Say confirm or cancel.") and answers[1].endswith("logged for Anna Becker.")
    acked = [a for a in pipeline.plant.alarms(active_only=False) if a.acknowledged_by == "Anna Becker"]
    assert acked
    rows = pipeline.audit.entries(user="anna")
    writes = [r.record for r in rows if r.kind == "write" and r.record["write"] == "alarm_acknowledge"]
    assert {w["target"]["alarm"] for w in writes} == {a.id for a in acked}
    turn = rows[-1].record
    assert turn["heard"] == "yes" and turn["answer"] == answers[1] and turn["data"]["count"] == len(acked)
    assert [a["write"] for a in turn["actions"]] == ["alarm_acknowledge"] * len(acked)


def test_maintenance_writes_notes_but_not_others_or_acknowledgements(pipeline: Pipeline) -> None:
    pipeline.sign_in("anna")
    say(pipeline, "take a note the cooling water valve is leaking slightly", "yes")
    annas = pipeline.dialogue.notes.list()[-1]
    assert annas.author == "Anna Becker" and annas.role == "operator"
    pipeline.sign_in("bob")
    answers = say(pipeline, "take a note feed pump two is noisy", "yes",
                  f"withdraw note {annas.id}", "acknowledge the alarm on the main transformer")
    assert answers[1].startswith("Saved as note")
    bobs = pipeline.dialogue.notes.list()[-1]
    assert (bobs.author, bobs.role) == ("Bob Meyer", "maintenance")
    assert answers[2] == ("Withdrawing another person's note needs the engineer role; it is Anna Becker's, "
                          "you are signed on as maintenance.")
    assert answers[3] == "Acknowledging alarms needs the operator role; you are signed on as maintenance."
    assert say(pipeline, f"withdraw note {bobs.id}", "yes")[1].endswith("is withdrawn. Its text stays in the history.")
    assert not pipeline.dialogue.notes.get(annas.id).withdrawn  # type: ignore[union-attr]


def test_every_turn_is_in_the_log_with_its_heard_text(pipeline: Pipeline, tmp_path: Path) -> None:
    count = len(pipeline.audit.entries())
    say(pipeline, "show me the active alarms")
    row = pipeline.audit.entries()[count:]
    assert len(row) == 1 and row[0].kind == "turn"
    record = row[0].record
    assert record["heard"] == "show me the active alarms" and record["intent"] == "alarm_list"
    assert record["heard_confidence"] is None and record["data"] and record["answer"]
