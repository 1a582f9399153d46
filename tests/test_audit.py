"""The audit log: rows in the notes database, append-only, written with their writes, under SIGKILL too."""

from __future__ import annotations

import datetime as dt
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from audit_writer import SHIFTS, SITE, StorePlant

from assistant.audit import AuditLog, Speaker
from assistant.events import Answer, Entity, Intent
from assistant.notes import NoteStore, ShiftSchedule
from assistant.plant.store import PlantStore

WRITER = str(Path(__file__).resolve().parent / "audit_writer.py")
ALARMS = 400
KILLS = 12
ANNA = Speaker("CR-1", "anna", "Anna Becker", "operator")


def _raise_alarms(data: Path, count: int) -> None:
    store = PlantStore(data / "plant.sqlite")
    with store.transaction() as db:
        for n in range(count):
            store.raise_alarm(db, "T1", "oil_temperature", "high", "medium", 85.0, 87.0 + n % 5, "°C", 1_700_000_000 + n)
    store.close()


def test_a_note_and_its_audit_row_are_one_write(tmp_path: Path) -> None:
    notes = NoteStore(tmp_path / "notes.sqlite", ShiftSchedule.parse(SHIFTS), SITE)
    log = AuditLog(tmp_path / "notes.sqlite", SITE)
    with log.turn(ANNA) as turn:
        note = notes.add("valve dripping", author="Anna Becker", role="operator", assets=["V-301"])
        notes.correct(note.id, "valve dripping at the gland", by="Anna Becker")
        log.record(turn, heard="yes", heard_confidence=0.91, answer=Answer("Saved as note one.", "confirm", {"x": 1}),
                   intent=Intent(text="yes", name="confirm", confidence=1.0,
                                 entities=(Entity("asset", "V-301", 0, 3),)))
    notes.withdraw(note.id, by="B. Kraus", role="engineer")  # outside any turn: by and role as given
    rows = log.entries()
    assert [(e.kind, e.record.get("write")) for e in rows] == [
        ("write", "note_add"), ("write", "note_correct"), ("turn", None), ("write", "note_withdraw")]
    assert rows[0].record["target"] == {"note": 1, "version": 1, "text": "valve dripping", "assets": ["V-301"],
                                        "language": "en"}
    assert {rows[0].record[k] for k in ("turn",)} == {rows[2].record["turn"]}
    turn = rows[2].record
    assert (turn["station"], turn["user"], turn["name"], turn["role"], turn["heard"], turn["heard_confidence"],
            turn["intent"], turn["answer"], turn["data"]) == (
        "CR-1", "anna", "Anna Becker", "operator", "yes", 0.91, "confirm", "Saved as note one.", {"x": 1})
    assert turn["entities"] == [{"entity": "asset", "value": "V-301"}]
    assert [a["write"] for a in turn["actions"]] == ["note_add", "note_correct"]
    assert dt.datetime.fromisoformat(turn["time_utc"]) == dt.datetime.fromisoformat(turn["time_local"])
    assert (rows[3].record["user"], rows[3].record["role"], rows[3].record["turn"]) == ("B. Kraus", "engineer", "")
    assert [e.id for e in log.entries(user="ANNA")] == [rows[0].id, rows[1].id, rows[2].id]
    sql = sqlite3.connect(tmp_path / "notes.sqlite")
    for statement in ("UPDATE audit SET user = 'x'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            sql.execute(statement)


def test_a_failed_write_leaves_no_audit_row(tmp_path: Path) -> None:
    notes = NoteStore(tmp_path / "notes.sqlite", ShiftSchedule.parse(SHIFTS), SITE)
    log = AuditLog(tmp_path / "notes.sqlite", SITE)
    note = notes.add("valve dripping", author="Anna Becker")
    notes.withdraw(note.id, by="Anna Becker")
    with log.turn(ANNA) as turn, pytest.raises(Exception, match="withdrawn"):
        notes.correct(note.id, "changed", by="Anna Becker")
    assert turn.actions == [] and [e.record["write"] for e in log.entries()] == ["note_add", "note_withdraw"]


def test_an_acknowledgement_is_logged_once_and_settled_after_a_crash(tmp_path: Path) -> None:
    _raise_alarms(tmp_path, 3)
    plant = StorePlant(PlantStore(tmp_path / "plant.sqlite"))
    log = AuditLog(tmp_path / "notes.sqlite", SITE)
    with log.turn(ANNA) as turn:
        assert log.acknowledge(plant, 1, "Anna Becker").acknowledged_by == "Anna Becker"
        log.acknowledge(plant, 1, "Anna Becker")  # a retry: the plant keeps it, the log adds nothing
    assert [a["write"] for a in turn.actions] == ["alarm_acknowledge"]
    assert len(log.entries(write="alarm_acknowledge")) == 1
    # the log row written, then a crash before the plant heard of it: settle carries it out
    from assistant import audit

    alarm = plant.alarms()[1]
    with log._write() as db:
        audit.write_row(db, "alarm_acknowledge", {"alarm": alarm.id, "by": "Anna Becker"}, by="", role="",
                        now=dt.datetime.now(dt.timezone.utc), tz=SITE, key=audit.alarm_key(alarm))
    assert plant.alarms()[1].acknowledged is None
    assert [a.id for a in log.settle(plant)] == [2] and plant.alarms()[1].acknowledged_by == "Anna Becker"
    assert log.settle(plant) == [] and plant.alarms()[2].acknowledged is None


def _check(data: Path, reported: int) -> None:
    plant = StorePlant(PlantStore(data / "plant.sqlite"))
    log = AuditLog(data / "notes.sqlite", SITE)
    log.settle(plant)  # what the pipeline does when it starts
    sql = sqlite3.connect(data / "notes.sqlite")
    versions = set(sql.execute("SELECT note, version FROM versions").fetchall())
    writes = [(e.record["target"]["note"], e.record["target"]["version"]) for e in log.entries()
              if e.kind == "write" and "note" in e.record["target"]]
    assert len(writes) == len(set(writes)) and set(writes) == versions  # no write without its row, nor the reverse
    acked = {a.id for a in plant.alarms() if a.acknowledged is not None}
    logged = [e.record["target"]["alarm"] for e in log.entries(write="alarm_acknowledge")]
    assert len(logged) == len(set(logged)) and set(logged) == acked
    assert set(range(1, reported + 1)) <= acked
    assert sql.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    log.close()
    plant.store.close()  # type: ignore[attr-defined]


def test_no_write_without_its_audit_row_under_sigkill(tmp_path: Path) -> None:
    _raise_alarms(tmp_path, ALARMS)
    rng = random.Random(5)
    reported = 0
    for _ in range(KILLS):
        writer = subprocess.Popen([sys.executable, WRITER, str(tmp_path), str(ALARMS)], stdout=subprocess.PIPE,
                                  text=True)
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.4))
        writer.send_signal(signal.SIGKILL)
        output = writer.communicate()[0]
        lines = [int(x) for x in output.split("\n")[:-1] if x.strip()]
        reported = max([reported, *lines])
        _check(tmp_path, reported)
    assert reported > 0
