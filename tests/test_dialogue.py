"""The dialogue on text-level Intents against the simulated plant in a temporary data directory.

Every answer is checked against its data: each number word spoken must come from
``Answer.data`` (``unexplained_numbers``), and the values in data are compared with
what the plant itself reports.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assistant.answer import Responses, load_responses, say_date, say_percent, say_quantity, unexplained_numbers
from assistant.audit import AuditLog
from assistant.config import PlantConfig
from assistant.config import NotesConfig
from assistant.dialogue import INTENTS, Dialogue, DialogueState, Heard
from assistant.dialogue.reports import asked
from assistant.errors import DataError
from assistant.events import Answer, Entity, Intent
from assistant.notes import NoteStore, ShiftSchedule
from assistant.plant import Plant, create_plant, load_model
from simulated_plant import NOW, clock, dialogue, plant, template  # noqa: F401 (fixtures)

TZ = load_model(PlantConfig().asset_model).site.tz

CATALOGUE = {
    "plant_overview", "asset_status", "sensor_reading", "trend", "alarm_list", "alarm_acknowledge",
    "fault_prediction", "remaining_life", "explain", "recommend_action", "maintenance_history", "note_add",
    "note_read", "report_start", "dictation_start", "note_correct", "note_withdraw", "compare", "help", "cancel",
    "confirm", "deny", "repeat", "out_of_scope", "sign_on",
}


class Talk:
    """A conversation: ``talk("sensor_reading", asset="P-102")`` -> Answer, keeping the state."""

    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue
        self.state = DialogueState()

    def __call__(self, name: str, text: str = "", user: str = "operator", heard: Heard | None = None,
                 **entities: str | list[str]) -> Answer:
        found = []
        text = text or name.replace("_", " ")
        for kind, values in entities.items():
            for value in values if isinstance(values, list) else [values]:
                at = text.find(value)  # where the words are; a value said otherwise was heard in the whole text
                start, end = (at, at + len(value)) if at >= 0 else (0, len(text))
                found.append(Entity(entity=kind, value=value, start=start, end=end, text=text[start:end]))
        intent = Intent(text=text, name=name, confidence=0.9, entities=tuple(found))
        answer, self.state = self.dialogue.respond(intent, self.state, user=user, heard=heard)
        assert answer.text and "{" not in answer.text
        assert unexplained_numbers(answer.text, answer.data) == [], answer.text
        return answer


@pytest.fixture
def talk(dialogue: Dialogue) -> Talk:
    return Talk(dialogue)


def _audited(data_dir: Path) -> list[dict]:
    """The write rows of the audit log in data_dir/notes.sqlite, oldest first."""
    if not (data_dir / "notes.sqlite").exists():
        return []
    log = AuditLog(data_dir / "notes.sqlite", dt.timezone.utc)
    try:
        return [e.record for e in log.entries() if e.kind == "write"]
    finally:
        log.close()


# ----------------------------------------------------------------------------- the catalogue


def test_every_intent_of_the_catalogue_has_a_handler(dialogue: Dialogue) -> None:
    assert set(INTENTS) == CATALOGUE
    assert set(dialogue.handlers) == CATALOGUE


REQUESTS = {
    "plant_overview": {},
    "asset_status": {"asset": "P-102"},
    "sensor_reading": {"asset": "P-102", "measurement": "bearing_temperature"},
    "trend": {"asset": "T1", "measurement": "oil_temperature"},
    "alarm_list": {},
    "alarm_acknowledge": {"asset": "BESS1"},
    "fault_prediction": {"asset": "BESS1"},
    "remaining_life": {"asset": "P-102"},
    "explain": {"asset": "T1"},
    "recommend_action": {"asset": "BESS1"},
    "maintenance_history": {"asset": "T1"},
    "note_add": {"asset": "P-101", "note_text": "coupling guard loose"},
    "note_read": {},
    "report_start": {"asset": "CT1"},
    "dictation_start": {"asset": "T1"},
    "note_correct": {"number": "3"},
    "note_withdraw": {"number": "2"},
    "compare": {"asset": ["G1", "GT1"], "measurement": "power"},
    "help": {},
    "cancel": {},
    "confirm": {},
    "deny": {},
    "repeat": {},
    "out_of_scope": {},
    "sign_on": {"person": "anna"},
}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_intent_answers_with_traceable_numbers(talk: Talk, name: str) -> None:
    answer = talk(name, **REQUESTS[name])  # Talk asserts every spoken number is in answer.data
    assert answer.intent == name
    if name in ("asset_status", "sensor_reading", "trend", "fault_prediction", "remaining_life", "explain",
                "compare"):
        assert unexplained_numbers(answer.text, {}) != []  # these answers do speak plant numbers


def test_responses_missing_a_template_fail_at_construction(plant: Plant, tmp_path: Path) -> None:
    full = load_responses()
    partial = Responses({k: v for k, v in full.templates.items() if k != "utter_alarm_ack_readback"}, "r.yml")
    with pytest.raises(DataError, match="r.yml: missing responses utter_alarm_ack_readback"):
        Dialogue(plant, partial, tmp_path, now=clock)


# ----------------------------------------------------------------------------- overview and status


def test_plant_overview(talk: Talk, plant: Plant) -> None:
    answer = talk("plant_overview")
    g1, chp, bess = plant.reading("G1", "power"), plant.reading("CHP1", "power"), plant.reading("BESS1", "power")
    total = g1.value + chp.value / 1000 + bess.value
    assert answer.data["output"]["value"] == pytest.approx(total, abs=1e-3)
    assert [t["asset"] for t in answer.data["output"]["terms"]] == ["G1", "CHP1", "BESS1"]
    assert say_quantity(total, "MW") in answer.text
    alarms = plant.alarms()
    assert answer.data["active_alarms"] == len(alarms) >= 2
    top = max((talk.dialogue.faults.predict(a.id, NOW) for a in plant.model.assets), key=lambda p: p.probability)
    assert answer.data["top_risk"]["asset"] == top.asset and top.flagged
    assert say_percent(top.probability) in answer.text and top.name in answer.text


def test_asset_status_names_alarms_and_deviations(talk: Talk, plant: Plant) -> None:
    answer = talk("asset_status", asset="P-102")
    alarm = next(a for a in plant.alarms() if a.asset == "P-102")
    assert [a["id"] for a in answer.data["alarms"]] == [alarm.id]
    assert "high bearing temperature" in answer.text and say_quantity(alarm.value, alarm.unit) in answer.text
    assert "vibration" in answer.text and "above normal" in answer.text
    quiet = talk("asset_status", asset="P-101")
    assert "No active alarms" in quiet.text and "normal range" in quiet.text


def test_missing_asset_is_asked_for_and_the_next_request_fills_it(talk: Talk) -> None:
    ask = talk("asset_status")
    assert ask.awaiting == "asset" and ask.data == {}
    answer = talk("out_of_scope", text="feed pump two", asset="P-102")
    assert answer.intent == "asset_status" and answer.data["asset"] == "P-102" and answer.awaiting is None


def test_unknown_asset_is_a_polite_answer(talk: Talk) -> None:
    answer = talk("sensor_reading", asset="P-999", measurement="flow")
    assert "I don't know P nine ninety nine" in answer.text and answer.awaiting is None


# ----------------------------------------------------------------------------- readings


def test_sensor_reading_speaks_the_plant_value(talk: Talk, plant: Plant) -> None:
    answer = talk("sensor_reading", asset="P-102", measurement="bearing_temperature")
    reading = plant.reading("P-102", "bearing_temperature")
    for key in ("asset", "measurement", "value", "unit", "quality", "source"):
        assert answer.data[key] == getattr(reading, key)
    assert answer.data["time"] == reading.time.isoformat()
    assert say_quantity(reading.value, reading.unit) in answer.text
    assert "at half past two this afternoon" in answer.text and "P one oh two" in answer.text


def test_all_readings_of_an_asset_without_measurement(talk: Talk, plant: Plant) -> None:
    answer = talk("sensor_reading", asset="BESS1")
    readings = plant.readings("BESS1")
    assert [r["measurement"] for r in answer.data["readings"]] == [r.measurement for r in readings]
    for reading in readings:
        assert say_quantity(reading.value, reading.unit) in answer.text


def test_follow_ups_reuse_asset_and_measurement(talk: Talk, plant: Plant) -> None:
    talk("sensor_reading", asset="P-102", measurement="bearing_temperature")
    vibration = talk("sensor_reading", text="and the vibration?", measurement="vibration")
    assert (vibration.data["asset"], vibration.data["measurement"]) == ("P-102", "vibration")
    other = talk("sensor_reading", text="and pump one oh one?", asset="P-101")
    assert (other.data["asset"], other.data["measurement"]) == ("P-101", "vibration")
    assert say_quantity(plant.reading("P-101", "vibration").value, "mm/s") in other.text


def test_unknown_measurement_for_the_asset_lists_what_exists(talk: Talk) -> None:
    answer = talk("sensor_reading", asset="T1", measurement="flow")
    assert "T one has no flow" in answer.text
    assert "oil temperature, winding temperature and load" in answer.text
    assert answer.data["available"] == ["oil_temperature", "winding_temperature", "load"]


def test_stale_reading_is_never_said_as_current(talk: Talk, plant: Plant) -> None:
    answer = talk("sensor_reading", asset="CT1", measurement="fan_speed")
    reading = plant.reading("CT1", "fan_speed")
    assert reading.stale and answer.data["stale"] is True
    assert "stale" in answer.text and "not a current value" in answer.text
    assert "forty minutes ago" in answer.text and say_quantity(reading.value, reading.unit) in answer.text
    assert "fan speed of C T one is stale" in answer.text
    status = talk("asset_status", asset="CT1")
    assert "Not current: fan speed stale" in status.text


def test_uncertain_and_bad_quality_are_said(talk: Talk) -> None:
    answer = talk("sensor_reading", asset="F3", measurement="voltage")
    assert answer.data["quality"] == "uncertain"
    assert "uncertain quality" in answer.text and "Do not rely on it" in answer.text
    compare = talk("compare", asset=["P-201", "P-202"], measurement="flow")
    assert "bad quality" in compare.text and "do not compare" in compare.text
    assert "difference" not in compare.data


# ----------------------------------------------------------------------------- trend and compare


def test_trend_over_the_default_eight_hours(talk: Talk, plant: Plant) -> None:
    answer = talk("trend", asset="P-102", measurement="bearing_temperature")
    history = plant.history("P-102", "bearing_temperature", NOW - dt.timedelta(hours=8), NOW)
    values = [r.value for r in history]
    assert answer.data["hours"] == 8 and answer.data["samples"] == len(values)
    assert answer.data["min"] == min(values) and answer.data["max"] == max(values)
    assert answer.data["mean"] == pytest.approx(sum(values) / len(values), abs=1e-3)
    assert answer.data["slope_per_hour"] > 0 and "rising" in answer.text
    assert "the last eight hours" in answer.text and say_quantity(max(values), "°C") in answer.text


def test_trend_over_a_given_time_range(talk: Talk, plant: Plant) -> None:
    answer = talk("trend", asset="GT1", measurement="power",
                  time_range="2025-03-12T12:00:00+01:00/2025-03-12T14:00:00+01:00")
    assert answer.data["samples"] == 121
    assert answer.text.startswith("Today from noon to two in the afternoon, the power of G T one went from")
    bad = talk("trend", asset="GT1", measurement="power", time_range="yesterday-ish")
    assert "did not understand the time range" in bad.text


def test_trend_without_measurement_asks_and_completes(talk: Talk) -> None:
    ask = talk("trend", asset="HRSG1")
    assert ask.awaiting == "measurement" and "drum level" in ask.text
    answer = talk("sensor_reading", text="the drum level", measurement="drum_level")
    assert answer.intent == "trend" and answer.data["measurement"] == "drum_level" and answer.data["asset"] == "HRSG1"


def test_compare_two_assets(talk: Talk, plant: Plant) -> None:
    answer = talk("compare", asset=["P-101", "P-102"], measurement="bearing_temperature")
    a, b = plant.reading("P-101", "bearing_temperature"), plant.reading("P-102", "bearing_temperature")
    assert answer.data["difference"]["value"] == pytest.approx(abs(a.value - b.value), abs=1e-3)
    assert say_quantity(abs(a.value - b.value), "°C") in answer.text and "lower" in answer.text
    follow = talk("compare", asset="GT1", measurement="vibration", text="compare it with the gas turbine")
    assert [r["asset"] for r in follow.data["readings"]] == ["P-102", "GT1"]  # "it": the last asset


def test_compare_asks_for_the_second_asset(dialogue: Dialogue) -> None:
    talk = Talk(dialogue)
    ask = talk("compare", asset="GT1", measurement="vibration", text="compare the gas turbine")
    assert ask.awaiting == "asset" and "compare G T one with" in ask.text
    done = talk("compare", asset="ST1", text="with the steam turbine")
    assert [r["asset"] for r in done.data["readings"]] == ["GT1", "ST1"]
    assert done.data["measurement"] == "vibration"


# ----------------------------------------------------------------------------- alarms


def test_alarm_list_by_priority(talk: Talk, plant: Plant) -> None:
    answer = talk("alarm_list")
    alarms = plant.alarms()
    assert answer.data["count"] == len(alarms)
    assert {a["id"] for a in answer.data["alarms"]} == {a.id for a in alarms}
    high = talk("alarm_list", priority="high")
    assert {a["priority"] for a in high.data["alarms"]} == {"high"}
    assert high.data["count"] == sum(a.priority == "high" for a in alarms)
    assert "T one" not in high.text and "T one high oil temperature" in answer.text


def test_acknowledge_needs_confirm_and_deny_keeps_it_active(talk: Talk, plant: Plant, tmp_path: Path) -> None:
    readback = talk("alarm_acknowledge", asset="P-102")
    assert readback.awaiting == "confirm" and "P one oh two high bearing temperature" in readback.text
    alarm_id = readback.data["alarms"][0]["id"]
    assert next(a for a in plant.alarms() if a.id == alarm_id).acknowledged is None  # nothing written yet
    denied = talk("deny", text="no")
    assert "not written" in denied.text and denied.awaiting is None
    alarm = next(a for a in plant.alarms() if a.id == alarm_id)
    assert alarm.active and alarm.acknowledged is None
    assert not _audited(tmp_path)
    assert "nothing to confirm" in talk("confirm").text
    assert next(a for a in plant.alarms() if a.id == alarm_id).acknowledged is None


@pytest.mark.parametrize(("text", "name", "confidence"), [
    ("Can't do it.", "confirm", 0.79), ("don't acknowledge it", "alarm_acknowledge", 0.77), ("not now", "deny", 1.0),
])
def test_an_answer_that_says_no_drops_the_write(dialogue: Dialogue, plant: Plant, tmp_path: Path, text: str,
                                                name: str, confidence: float) -> None:
    readback, state = dialogue.respond(Intent("acknowledge", "alarm_acknowledge", 0.9,
                                              (Entity("asset", "T1", 0, 2, "T1"),)), DialogueState())
    assert readback.awaiting == "confirm"
    answer, state = dialogue.respond(Intent(text, name, confidence), state)
    assert answer.data.get("dropped") == "alarm_acknowledge" and answer.awaiting is None and state.pending is None
    assert not _audited(tmp_path) and all(a.acknowledged is None for a in plant.alarms())


@pytest.mark.parametrize(("text", "name", "confidence"), [
    ("yeah and the vibration", "confirm", 0.48), ("okay", "confirm", 1.0),
    ("Yes.", "confirm", 0.0),  # a spoken yes the two recognizers did not agree on
])
def test_an_answer_that_is_not_a_clear_yes_keeps_the_write_waiting(dialogue: Dialogue, plant: Plant,
                                                                   tmp_path: Path, text: str, name: str,
                                                                   confidence: float) -> None:
    readback, state = dialogue.respond(Intent("acknowledge", "alarm_acknowledge", 0.9,
                                              (Entity("asset", "T1", 0, 2, "T1"),)), DialogueState())
    assert readback.awaiting == "confirm"
    answer, state = dialogue.respond(Intent(text, name, confidence), state)
    assert answer.text == ("I did not hear a clear yes. The alarm acknowledgement is still waiting: "
                           "say confirm or cancel.") and answer.awaiting == "confirm"
    assert not _audited(tmp_path) and all(a.acknowledged is None for a in plant.alarms())
    done, state = dialogue.respond(Intent("yes", "confirm", 1.0), state)
    assert done.text.startswith("Acknowledged T one") and state.pending is None


def test_a_new_request_while_a_note_waits_drops_it_and_says_so(talk: Talk, tmp_path: Path) -> None:
    talk("note_add", text="take a note the drain valve is open", note_text="the drain valve is open")
    answer = talk("sensor_reading", text="yes and the vibration of feed pump one", asset="P-101",
                  measurement="vibration")
    assert answer.text.startswith("The note was not written.") and answer.awaiting is None
    assert "nothing to confirm" in talk("confirm", text="yes").text
    assert not _audited(tmp_path)


def test_confirm_acknowledges_and_writes_the_audit_log(talk: Talk, plant: Plant, tmp_path: Path) -> None:
    talk("alarm_acknowledge", asset="T1")
    repeated = talk("repeat", text="say again")
    assert repeated.awaiting == "confirm"  # repeating the read-back keeps it pending
    done = talk("confirm", text="confirm", user="shift lead")
    acked = [a for a in plant.alarms() if a.asset == "T1"]
    assert acked and all(a.acknowledged_by == "shift lead" for a in acked)
    assert "Acknowledged T one high oil temperature" in done.text
    audit = _audited(tmp_path)
    assert [(r["write"], r["user"], r["target"]["alarm"]) for r in audit] == [
        ("alarm_acknowledge", "shift lead", a.id) for a in acked]
    again = talk("alarm_acknowledge", asset="T1")
    assert "no unacknowledged alarm on T one" in again.text and again.awaiting is None


def test_moving_on_drops_a_pending_write(talk: Talk, plant: Plant) -> None:
    talk("alarm_acknowledge", priority="high")
    answer = talk("sensor_reading", asset="GT1", measurement="speed")
    assert answer.text.startswith("The alarm acknowledgement was not written.")
    assert "nothing to confirm" in talk("confirm").text
    assert all(a.acknowledged is None for a in plant.alarms())


# ----------------------------------------------------------------------------- condition


def test_fault_prediction_for_an_asset_and_the_plant(talk: Talk, plant: Plant) -> None:
    expected = talk.dialogue.faults.predict("P-201", NOW)
    answer = talk("fault_prediction", asset="P-201")
    assert answer.data["probability"] == expected.probability and answer.data["rul"]["days"] == expected.rul.days
    assert say_percent(expected.probability) in answer.text and "cavitation" in answer.text
    assert say_quantity(expected.rul.days, "d") in answer.text and answer.data["model_version"]
    reached = talk("fault_prediction", asset="P-102")  # the bearing temperature is past its alarm limit
    assert "bearing wear" in reached.text and "at or beyond its alarm limit" in reached.text
    overview = talk("fault_prediction")
    probabilities = [r["probability"] for r in overview.data["risks"]]
    assert len(probabilities) == 3 and probabilities == sorted(probabilities, reverse=True) and probabilities[2] > 0.5
    healthy = talk("fault_prediction", asset="P-101")
    assert "no sign of a developing fault" in healthy.text and not healthy.data["flagged"]


def test_remaining_life(talk: Talk) -> None:
    expected = talk.dialogue.faults.predict("P-201", NOW).rul
    assert expected is not None and expected.high is not None
    answer = talk("remaining_life", asset="P-201")
    for value in (expected.days, expected.low, expected.high):
        assert say_quantity(value, "d") in answer.text
    assert "discharge pressure" in answer.text and "twelve hours" in answer.text
    assert answer.data["rul"]["limit"] == 2.0 and say_quantity(2.0, "bar") in answer.text
    none = talk("remaining_life", asset="GT1")
    assert none.data["rul"] is None and "no remaining life estimate" in none.text


def test_explain_names_the_contributing_signals(talk: Talk) -> None:
    expected = talk.dialogue.faults.predict("P-102", NOW)
    answer = talk("explain", text="why", asset="P-102")
    deviation = next(c.deviation for c in expected.contributions if c.signal == "bearing_temperature")
    assert say_quantity(deviation, "°C") + " above what its operating point predicts" in answer.text
    assert [c["signal"] for c in answer.data["contributions"]] == [c.signal for c in expected.contributions]
    assert "flow" not in answer.text  # a driver within its normal behaviour is no symptom
    follow = talk("explain", text="why is that")  # no asset: the last one talked about
    assert follow.data["asset"] == "P-102"


def test_without_history_to_train_on_the_fault_answers_say_so(tmp_path: Path) -> None:
    plant = create_plant(PlantConfig(backend="historian"), tmp_path, clock=clock)  # nothing ingested yet
    talk = Talk(Dialogue(plant, load_responses(), tmp_path, now=clock))
    answer = talk("fault_prediction", asset="P-102")
    assert "no fault prediction yet" in answer.text and "no history between" in answer.data["error"]
    status = talk("asset_status", asset="P-102")
    assert status.data["fault_risk"] is None and "risk" not in status.text and "  " not in status.text


def test_recommend_action_from_the_knowledge(talk: Talk, plant: Plant) -> None:
    knowledge = {m.id: m for m in plant.model.fault_modes}
    answer = talk("recommend_action", asset="P-102")
    assert knowledge["bearing_wear"].actions[0] in answer.text
    assert knowledge["bearing_wear"].checks[0] in answer.text
    assert "no developing fault" in talk("recommend_action", asset="F2").text


def test_maintenance_history(talk: Talk) -> None:
    answer = talk("maintenance_history", asset="P-102")
    assert say_date("2025-01-14") in answer.text and "mechanical seal replaced" in answer.text
    assert [r["date"] for r in answer.data["records"]] == ["2025-01-14", "2024-09-03"]
    assert "no maintenance record for F two" in talk("maintenance_history", asset="F2").text


# ----------------------------------------------------------------------------- notes and reports


def _store(tmp_path: Path) -> NoteStore:
    """A second handle on the dialogue's note file, as another process would open it."""
    return NoteStore(tmp_path / "notes.sqlite", ShiftSchedule.parse(NotesConfig().shifts), TZ)


def test_note_add_is_read_back_and_saved_durably_on_confirm(talk: Talk, tmp_path: Path) -> None:
    heard = Heard(b"\x01\x00" * 16000, 16000, 0.82)
    readback = talk("note_add", asset="P-102", note_text="bearing sounds rough on the drive end", heard=heard)
    assert readback.awaiting == "confirm" and "bearing sounds rough on the drive end" in readback.text
    assert _store(tmp_path).list() == []  # nothing is written before the confirmation
    saved = talk("confirm", user="anna")
    [note] = _store(tmp_path).list()
    assert (note.id, note.text, note.assets, note.author, note.kind) == (
        1, "bearing sounds rough on the drive end", ("P-102",), "anna", "note")
    assert (note.shift, note.shift_date, note.confidence, note.role) == ("late", dt.date(2025, 3, 12), 0.82, "engineer")
    assert note.audio and (tmp_path / note.audio).stat().st_size > 32000  # the original audio, as a WAV file
    assert "Saved as note one for P one oh two" in saved.text and saved.data["note"]["id"] == 1
    assert [r["write"] for r in _audited(tmp_path)] == ["note_add"]


def test_note_text_is_asked_for_changed_and_cancel_or_no_drops_it(talk: Talk, tmp_path: Path) -> None:
    ask = talk("note_add", asset="GT1")
    assert ask.awaiting == "note_text"
    readback = talk("out_of_scope", text="inlet filter pressure drop rising")
    assert readback.intent == "note_add" and readback.awaiting == "confirm"
    assert "inlet filter pressure drop rising" in readback.text and "G T one" in readback.text
    changed = talk("out_of_scope", text="change it to inlet filter pressure drop rising fast")
    assert changed.text.startswith("Changed.") and changed.awaiting == "confirm"
    assert "rising fast" in changed.text and changed.data["text"] == "inlet filter pressure drop rising fast"
    assert "note was not written" in talk("deny").text
    talk("note_add", note_text="called the grid operator")
    assert "note was not written" in talk("cancel").text
    assert _store(tmp_path).list() == [] and "nothing to cancel" in talk("cancel").text


@pytest.mark.parametrize(("text", "asks"), [
    ("take a note on gas turbine one", True),
    ("take a note for gas turbine one", True),
    ("make a note about the gas turbine", True),
    ("take a note gas turbine one", True),
    ("take a note gas turbine one inlet filter pressure drop rising", False),
    ("take a note on gas turbine one the inlet filter is blocked", False),
])
def test_a_note_that_only_names_its_asset_asks_what_it_should_say(talk: Talk, tmp_path: Path, text: str,
                                                                  asks: bool) -> None:
    said = text.split(" ", 3)[3]  # the words after "take a note", as the understanding finds them
    asset = "gas turbine one" if "one" in text else "the gas turbine"
    answer = talk("note_add", text=text, asset=asset, note_text=said)
    assert (answer.awaiting == "note_text") is asks, answer.text
    if asks:
        assert "What should the note say" in answer.text
        readback = talk("out_of_scope", text="inlet filter pressure drop rising")
        assert readback.awaiting == "confirm" and "G T one: inlet filter pressure drop rising" in readback.text
        talk("confirm")
        [note] = _store(tmp_path).list()
        assert (note.text, note.assets) == ("inlet filter pressure drop rising", ("GT1",))


def test_dictation_collects_parts_until_end_dictation(talk: Talk, tmp_path: Path) -> None:
    started = talk("dictation_start", asset="T1")
    assert started.awaiting == "dictation" and "end dictation" in started.text
    for part, confidence in (("radiator fan two is not running", 0.9), ("the oil temperature rose to", 0.7),
                             ("ninety degrees in the afternoon", 0.8)):
        step = talk("out_of_scope", text=part, heard=Heard(b"\x00\x00" * 8000, 16000, confidence))
        assert step.awaiting == "dictation" and "Go on" in step.text
    readback = talk("out_of_scope", text="fan motor to be checked. End dictation.",
                    heard=Heard(b"\x00\x00" * 8000, 16000, 0.95))
    expected = ("radiator fan two is not running the oil temperature rose to ninety degrees in the afternoon "
                "fan motor to be checked.")
    assert readback.awaiting == "confirm" and readback.data["text"] == expected
    talk("confirm")
    [note] = _store(tmp_path).list()
    assert note.text == expected and note.assets == ("T1",) and note.confidence == 0.7
    assert (tmp_path / note.audio).stat().st_size == 44 + 4 * 16000  # the four parts' audio, one WAV


def test_dictation_commands_as_the_recognizer_writes_them(talk: Talk, tmp_path: Path) -> None:
    talk("dictation_start")
    talk("out_of_scope", text="The drain valve was weeping.")
    ended = talk("cancel", text="Stop Victation.")  # classified as cancel, but it sounds like "stop dictation"
    assert ended.awaiting == "confirm" and ended.data["text"] == "The drain valve was weeping."
    assert "weeping. Say confirm" in ended.text  # one full stop, not two
    talk("cancel")
    talk("dictation_start")
    talk("out_of_scope", text="The strainer was cleaned.")
    assert talk("out_of_scope", text="And vacation.").awaiting == "confirm"  # "end dictation", misheard
    talk("cancel")
    talk("dictation_start")
    talk("out_of_scope", text="Oil level checked.")
    dropped = talk("out_of_scope", text="Console.")  # "cancel", misheard
    assert dropped.awaiting is None and "not written" in dropped.text
    assert _store(tmp_path).list() == []


def test_empty_and_endless_dictations_are_handled(talk: Talk, tmp_path: Path) -> None:
    talk("dictation_start")
    empty = talk("out_of_scope", text="end dictation")
    assert "empty" in empty.text and empty.awaiting is None
    talk("dictation_start")
    minute = Heard(b"\x00\x00" * 100 * 60, 100, 0.9)  # a minute of speech at a low rate, to keep the test small
    for k in range(29):
        assert talk("out_of_scope", text=f"part {k} of a long round", heard=minute).awaiting == "dictation"
    ended = talk("out_of_scope", text="the last part", heard=minute)
    assert ended.text.startswith("The dictation reached thirty minutes, so I ended it.")
    assert ended.awaiting == "confirm" and "more words" in ended.text  # read back by its start


def test_note_read_by_asset_time_and_topic(talk: Talk, tmp_path: Path) -> None:
    assert "no notes" in talk("note_read").text
    for asset, text in (("P-102", "seal weeping"), ("T1", "fan two noisy"), ("V-301", "the valve is dripping at the "
                                                                              "gland"), ("P-102", "oil topped up")):
        talk("note_add", asset=asset, note_text=text)
        talk("confirm")
    answer = talk("note_read", asset="P-102")
    assert [n["text"] for n in answer.data["notes"]] == ["oil topped up", "seal weeping"]
    assert "fan two noisy" not in answer.text and "note four" in answer.text
    assert talk("note_read").data["count"] == 3  # the latest notes_shown
    today = "2025-03-12T00:00:00+01:00/2025-03-13T00:00:00+01:00"
    assert talk("note_read", time_range=today).data["count"] == 3
    yesterday = "2025-03-11T00:00:00+01:00/2025-03-12T00:00:00+01:00"
    assert "There are no notes" in talk("note_read", time_range=yesterday).text
    assert talk("note_read", text="read back the notes of the late shift").data["count"] == 3  # 14:30: late shift
    night = talk("note_read", text="read back the notes of the night shift")
    assert (night.data["shift"], night.data["day"], night.data["count"]) == ("night", "2025-03-11", 0)
    found = talk("note_read", text="anything about dripping")
    assert [n["text"] for n in found.data["notes"]] == ["the valve is dripping at the gland"]


def test_note_correction_and_withdrawal_are_confirmed_and_keep_history(talk: Talk, tmp_path: Path) -> None:
    talk("note_add", note_text="pump two tripped at five")
    talk("confirm")
    readback = talk("note_correct", text="correct note one to pump two tripped at six", number="1")
    assert readback.awaiting == "confirm" and "from: pump two tripped at five" in readback.text
    assert _store(tmp_path).get(1).text == "pump two tripped at five"
    done = talk("confirm", user="ben")
    assert "Note one now says: pump two tripped at six" in done.text
    assert [v.text for v in _store(tmp_path).versions(1)] == ["pump two tripped at five", "pump two tripped at six"]
    withdraw = talk("note_withdraw", number="1")
    assert withdraw.awaiting == "confirm" and "withdraw note one" in withdraw.text
    assert "withdrawn" in talk("confirm").text
    assert _store(tmp_path).list() == [] and _store(tmp_path).get(1).withdrawn
    assert "already withdrawn" in talk("note_withdraw", number="1").text
    assert "There is no note seven" in talk("note_correct", number="7").text
    assert "There is no note one hundred billion billion" in talk("note_correct", number=str(10**20)).text
    for number in ("1e999", "nan"):  # no note number: which note?
        assert talk("note_withdraw", number=number).text == talk("note_withdraw").text


def test_guided_report_fills_fields_goes_back_and_extends_the_history(talk: Talk, tmp_path: Path) -> None:
    ask = talk("report_start")
    assert ask.awaiting == "asset"
    opened = talk("out_of_scope", text="the transformer", asset="T1")
    assert opened.intent == "report_start" and opened.awaiting == "report" and "What did you find" in opened.text
    step = talk("out_of_scope", text="found radiator fan two stopped, probably a failed motor, I replaced the motor")
    assert step.data["fields"] == {"finding": "radiator fan two stopped", "cause": "a failed motor",
                                   "action": "I replaced the motor"}
    assert "Which parts" in step.text and step.awaiting == "report"
    assert "What did you do" not in talk("out_of_scope", text="one fan motor").text
    back = talk("out_of_scope", text="go back")
    assert "Which parts" in back.text and "parts" not in back.data["fields"]
    talk("out_of_scope", text="one fan motor and a gasket")
    talk("out_of_scope", text="it took two hours")
    readback = talk("out_of_scope", text="that's all")
    assert readback.awaiting == "confirm" and "T one" in readback.text and "two hours" in readback.text
    saved = talk("confirm", user="crew b")
    assert "Saved as report one for T one" in saved.text
    [report] = _store(tmp_path).list(kind="report")
    assert report.fields == {"finding": "radiator fan two stopped", "cause": "a failed motor",
                             "action": "I replaced the motor", "parts": "one fan motor and a gasket",
                             "time_spent": "two hours"}
    history = talk("maintenance_history", asset="T1")
    assert history.data["records"][0]["kind"] == "report" and history.data["records"][0]["by"] == "crew b"
    assert "radiator fan two stopped" in history.text


def test_a_report_needs_its_finding(talk: Talk) -> None:
    talk("report_start", asset="P-101")
    assert "needs the finding" in talk("out_of_scope", text="finish the report").text
    assert "cancel" in talk("cancel").text.lower()


@pytest.mark.parametrize("heard_as", ["cancel", "deny", "report_start", "out_of_scope"])
def test_finishing_a_report_never_drops_it(talk: Talk, tmp_path: Path, heard_as: str) -> None:
    talk("report_start", asset="P-101")
    ask = talk(heard_as, text="finish the report")
    assert "needs the finding" in ask.text and ask.awaiting == "report"
    talk("out_of_scope", text="found cavitation noise at the suction")
    skipped = talk("cancel", text="skip")  # a step of the report too, however it was understood
    assert "What did you do" in skipped.text and skipped.data["fields"]["cause"] == "none"
    readback = talk(heard_as, text="finish the report")
    assert readback.awaiting == "confirm" and "found: cavitation noise at the suction" in readback.text
    again = talk(heard_as, text="finish the report")  # while it is read back: asked again, not dropped
    assert again.awaiting == "confirm" and "report is still waiting" in again.text
    assert "cancel" in talk("cancel").text.lower() and _store(tmp_path).list() == []


@pytest.mark.parametrize(("name", "text", "asks"), [
    ("sensor_reading", "what is the vibration of feed pump two", True),
    ("sensor_reading", "what's the temperature of the transformer", True),
    ("asset_status", "how is the transformer doing", True),
    ("alarm_list", "show me the alarms", True),
    ("alarm_list", "any alarms on feed pump one", True),
    ("trend", "uh and how did the flow change today", True),
    ("sensor_reading", "the vibration of feed pump two was high", False),  # a finding, understood as a reading
    ("sensor_reading", "high vibration on feed pump two", False),
    ("note_add", "what should I write", False),  # no request of the plant
    ("out_of_scope", "what a mess in the pump house", False),
])
def test_which_requests_a_report_takes_as_questions_to_the_plant(name: str, text: str, asks: bool) -> None:
    assert asked(Intent(text=text, name=name, confidence=0.9)) is asks


def test_a_question_to_the_plant_in_a_report_is_answered_and_drops_the_report(talk: Talk, tmp_path: Path) -> None:
    talk("report_start", asset="P-201")
    ask = talk("note_add", text="found cavitation noise at the suction")
    assert "cause" in ask.text and ask.awaiting == "report"
    answer = talk("sensor_reading", text="what is the flow of cooling water pump one", asset="P-201",
                  measurement="flow")
    assert answer.text.startswith("The report was not written.") and answer.data["dropped"] == "report"
    assert (answer.intent, answer.data["asset"], answer.awaiting) == ("sensor_reading", "P-201", None)
    assert talk.state.pending is None and "nothing to confirm" in talk("confirm").text
    talk("report_start", asset="P-201")
    talk("out_of_scope", text="found cavitation noise at the suction")
    kept = talk("sensor_reading", text="the flow of cooling water pump one was low", asset="P-201", measurement="flow")
    assert kept.intent == "report_start" and kept.data["fields"]["cause"] == "the flow of cooling water pump one was low"
    assert _store(tmp_path).list() == []


# ----------------------------------------------------------------------------- conversation control


def test_help_cancel_confirm_repeat_and_out_of_scope(talk: Talk) -> None:
    assert "I have not said anything yet" in talk("repeat").text
    helped = talk("help")
    assert "confirm" in helped.text and "bearing temperature" in helped.text
    assert talk("repeat").text == helped.text
    assert "nothing to cancel" in talk("deny").text
    assert "nothing to confirm" in talk("confirm").text
    off = talk("out_of_scope", text="what is the weather")
    assert "Say help" in off.text and off.awaiting is None


def test_repeat_gives_the_same_answer_and_data(talk: Talk) -> None:
    first = talk("sensor_reading", asset="G1", measurement="voltage")
    again = talk("repeat")
    assert (again.text, again.data) == (first.text, first.data)
    assert again.intent == "repeat"


# ----------------------------------------------------------------------------- clarifying questions


def _unsure(dialogue: Dialogue, state: DialogueState, guess: str, confidence: float,
            asset: str | None = None) -> tuple[Answer, DialogueState]:
    entities = (Entity("asset", asset, 0, 5, asset),) if asset else ()
    intent = Intent(text="the thing in the corner", name="out_of_scope", confidence=1 - confidence,
                    entities=entities, ranking=((guess, confidence), ("out_of_scope", 1 - confidence)))
    return dialogue.respond(intent, state)


def test_an_unsure_request_is_asked_back_and_yes_answers_it(dialogue: Dialogue) -> None:
    answer, state = _unsure(dialogue, DialogueState(), "asset_status", 0.33, asset="P-102")
    assert answer.text.startswith("I am not sure I understood. Did you mean the status of")
    assert "P one oh two" in answer.text and answer.awaiting == "confirm"
    assert answer.data == {"guess": "asset_status", "confidence": 0.33, "asset": "P-102"}
    confirmed, state = dialogue.respond(Intent("yes", "confirm", 1.0), state)
    assert confirmed.intent == "asset_status" and state.pending is None
    assert "P one oh two" in confirmed.text


def test_no_to_the_guess_asks_for_other_words(dialogue: Dialogue) -> None:
    _, state = _unsure(dialogue, DialogueState(), "trend", 0.3)
    answer, state = dialogue.respond(Intent("no", "deny", 1.0), state)
    assert "other words" in answer.text and state.pending is None and state.awaiting is None


def test_a_guessed_write_still_asks_to_confirm_the_write(dialogue: Dialogue) -> None:
    _, state = _unsure(dialogue, DialogueState(), "alarm_acknowledge", 0.35, asset="BESS1")
    answer, state = dialogue.respond(Intent("yes", "confirm", 1.0), state)
    assert answer.intent == "alarm_acknowledge" and answer.awaiting == "confirm"
    assert state.pending is not None and state.pending.kind == "alarm_acknowledge"
    assert not _audited(Path(dialogue.data_dir))


def test_a_new_request_replaces_the_question_silently(dialogue: Dialogue) -> None:
    _, state = _unsure(dialogue, DialogueState(), "trend", 0.3)
    answer, state = dialogue.respond(Intent("plant overview", "plant_overview", 0.9), state)
    assert answer.intent == "plant_overview" and "not written" not in answer.text and state.pending is None


def test_chatter_with_no_plausible_guess_is_refused(dialogue: Dialogue) -> None:
    answer, state = _unsure(dialogue, DialogueState(), "trend", 0.1)
    assert answer.text.startswith("Sorry, I can only help with the plant") and state.pending is None


def test_notes_of_a_time_too_far_back_or_not_understood_are_answered_not_crashed(talk: Talk) -> None:
    assert "at most ten years" in talk("note_read", time_range="out_of_range").text
    assert "did not understand the time range" in talk("note_read", time_range="yesterday-ish").text
