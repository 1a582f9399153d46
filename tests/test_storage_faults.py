"""The notes store and the audit log when storage fails: a full disk, a read-only data directory, a lock
held too long, a damaged file. Each is one clear line; nothing stored is lost; the dialogue keeps the
write waiting. And ``notes list`` keeps the order notes were saved in, across two writers."""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from assistant import files
from assistant.answer import load_responses
from assistant.audit import AuditLog
from assistant.config import NotesConfig, PlantConfig
from assistant.dialogue import Dialogue, DialogueState
from assistant.errors import DataError, StorageError
from assistant.events import Entity, Intent
from assistant.notes import NoteStore, ShiftSchedule
from assistant.plant import create_plant

ROOT = Path(__file__).resolve().parent.parent
SITE = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2025, 3, 12, 13, 30, tzinfo=dt.timezone.utc)
SHIFTS = ShiftSchedule.parse(NotesConfig.shifts)
MOVE_AWAY = "move it away"


def _store(path: Path, clock: object = None, embed: object = None) -> NoteStore:
    return NoteStore(path, SHIFTS, SITE, clock=clock or (lambda: NOW), embed=embed)  # type: ignore[arg-type]


def _fill_up(db: sqlite3.Connection) -> None:
    """The file may grow no more, and the room left in the audit table's pages (every write adds a row
    there) is taken by rows of filler: the next write gets SQLite's own "database or disk is full"."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    size = 4096
    while size:
        try:
            db.execute("INSERT INTO audit (kind, turn, utc, user, record) "
                       "VALUES ('turn', 'filler', 0, '', json_object('filler', printf('%.*c', ?, 'x')))", (size,))
        except sqlite3.OperationalError:
            size //= 2


def _free(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA max_page_count = 1073741823")


# --- a full disk ---------------------------------------------------------------------------------------

def test_a_full_disk_is_one_storage_error_and_nothing_stored_is_lost(tmp_path: Path) -> None:
    store = _store(tmp_path / "notes.sqlite")
    kept = store.add("feed pump two drive end runs hot", author="anna", assets=["P-102"])
    _fill_up(store._db)
    with pytest.raises(StorageError) as caught:
        store.add("the cooling water valve is dripping at the gland " * 200, author="bob",
                  audio=(b"\x01\x00" * 16000, 16000))
    message = str(caught.value)
    assert "full" in message and str(tmp_path / "notes.sqlite") in message and "\n" not in message
    assert MOVE_AWAY not in message
    assert [n.id for n in store.list()] == [kept.id] and store.get(kept.id) == kept
    assert not list((tmp_path / "notes-audio").glob("*.wav"))  # the audio of the note not saved is gone too
    _free(store._db)  # space again: the same store writes on
    assert store.add("valve repacked", author="bob").id == kept.id + 1
    store.close()


# --- damaged, locked --------------------------------------------------------------------------------------

def test_only_a_damaged_file_is_told_to_move_away(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / "damaged" / "notes.sqlite"
    damaged.parent.mkdir()
    damaged.write_bytes(b"this is no database at all, just text" * 100)
    with pytest.raises(DataError, match=MOVE_AWAY):
        _store(damaged)
    monkeypatch.setattr(files, "BUSY_TIMEOUT_S", 0.2)
    store = _store(tmp_path / "notes.sqlite")
    other = sqlite3.connect(tmp_path / "notes.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(StorageError) as caught:
            store.add("oil level low on the gearbox", author="anna")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "locked" in str(caught.value) and MOVE_AWAY not in str(caught.value)
    assert store.add("oil level low on the gearbox", author="anna").id == 1
    store.close()


# --- a read-only data directory -----------------------------------------------------------------------

@pytest.fixture
def readonly_data() -> Iterator[Path]:
    """A data directory holding two notes and their audit rows, then made read-only (0555, files 0444);
    its own directory, which the test then cannot write either."""
    base = Path(tempfile.mkdtemp(prefix="plantvoice-ro-"))
    data = base / "data"
    store = _store(data / "notes.sqlite")
    store.add("feed pump two drive end runs hot", author="anna", assets=["P-102"])
    store.add("the cooling water valve is dripping at the gland", author="bob", assets=["V-301"])
    store.close()
    (base / "home").mkdir(mode=0o777)
    os.chmod(base / "home", 0o777)
    os.chmod(base, 0o755)
    for f in data.iterdir():
        os.chmod(f, 0o444)
    os.chmod(data, 0o555)
    try:
        yield data
    finally:
        os.chmod(data, 0o755)
        shutil.rmtree(base)


def _obey_file_modes() -> None:
    """In the child, before it runs: root gives up the capabilities that let it write whatever a file's
    mode says (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER), so chmod means for it what it means for
    anyone; the interpreter under root's home stays readable to it, as its owner."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _as_other_user(args: Sequence[str], data: Path) -> subprocess.CompletedProcess[str]:
    """``args`` run so that the modes of the data directory hold (as root: without its override)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(data.parent / "home"),
           "PLANTVOICE_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(list(args), capture_output=True, text=True, timeout=300, cwd=ROOT, env=env,
                          preexec_fn=_obey_file_modes if os.geteuid() == 0 else None)


def test_a_read_only_data_directory_is_listed_searched_and_audited(readonly_data: Path) -> None:
    cli = str(ROOT / ".venv" / "bin" / "plantvoice")
    listed = _as_other_user([cli, "notes", "list"], readonly_data)
    assert listed.returncode == 0, listed.stderr
    assert "drive end runs hot" in listed.stdout and "dripping at the gland" in listed.stdout
    found = _as_other_user([cli, "notes", "search", "dripping at the gland"], readonly_data)
    assert found.returncode == 0, found.stderr
    assert "dripping at the gland" in found.stdout
    audit = _as_other_user([cli, "audit", "list"], readonly_data)
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.count("note_add") == 2


def test_a_write_to_a_read_only_data_directory_is_one_clear_line(readonly_data: Path) -> None:
    script = (
        "import datetime as dt, sys\n"
        "from zoneinfo import ZoneInfo\n"
        "from assistant.audit import AuditLog\n"
        "from assistant.errors import StorageError\n"
        "from assistant.notes import NoteStore, ShiftSchedule\n"
        "from assistant.config import NotesConfig\n"
        f"path = {str(readonly_data / 'notes.sqlite')!r}\n"
        "store = NoteStore(path, ShiftSchedule.parse(NotesConfig.shifts), ZoneInfo('Europe/Berlin'))\n"
        "print(len(store.list()))\n"
        "for write in (lambda: store.add('valve repacked', author='bob'),\n"
        "              lambda: AuditLog(path, ZoneInfo('Europe/Berlin')).acknowledgements() or\n"
        "                      AuditLog(path, ZoneInfo('Europe/Berlin'))._write().__enter__()):\n"
        "    try:\n"
        "        write()\n"
        "    except StorageError as exc:\n"
        "        print(exc)\n"
    )
    done = _as_other_user([sys.executable, "-c", script], readonly_data)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "2" and len(lines) == 3, done.stdout
    for line in lines[1:]:
        assert "read-only" in line and str(readonly_data) in line and MOVE_AWAY not in line


# --- the dialogue: a write the store cannot take waits for another yes ---------------------------------

@pytest.fixture(scope="module")
def plant_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("plant")
    plant = create_plant(PlantConfig(), directory, clock=lambda: NOW)
    plant.alarms()
    plant.close()  # type: ignore[attr-defined]
    return directory


@pytest.fixture
def dialogue(plant_template: Path, tmp_path: Path) -> Iterator[Dialogue]:
    shutil.copytree(plant_template, tmp_path, dirs_exist_ok=True)
    plant = create_plant(PlantConfig(), tmp_path, clock=lambda: NOW)
    yield Dialogue(plant, load_responses(), tmp_path, now=lambda: NOW, role="engineer")


def _say(dialogue: Dialogue, state: DialogueState, name: str, text: str,  # type: ignore[no-untyped-def]
         **entities: str):
    found = tuple(Entity(entity=k, value=v, start=max(text.find(v), 0), end=max(text.find(v), 0) + len(v),
                         text=v) for k, v in entities.items())
    return dialogue.respond(Intent(text=text, name=name, confidence=0.9, entities=found), state, user="anna")


def test_a_note_the_full_store_cannot_take_waits_for_another_yes(dialogue: Dialogue) -> None:
    state = DialogueState()
    kept = dialogue.notes.add("handover: unit one at full load", author="bob")
    words = "the gland of valve three oh one is dripping"
    _, state = _say(dialogue, state, "note_add", f"take a note {words}", note_text=words)
    assert state.awaiting == "confirm"
    _fill_up(dialogue.notes._db)
    answer, state = _say(dialogue, state, "confirm", "yes")
    assert "not saved" in answer.text and "full" in answer.data["error"] and "\n" not in answer.text
    assert state.awaiting == "confirm" and state.pending is not None and state.pending.kind == "note_add"
    assert [n.id for n in dialogue.notes.list()] == [kept.id]
    _free(dialogue.notes._db)
    answer, state = _say(dialogue, state, "confirm", "yes")
    assert answer.data["note"]["text"] == words
    assert state.pending is None and len(dialogue.notes.list()) == 2


def test_an_acknowledgement_whose_audit_row_cannot_be_written_waits_and_the_plant_is_not_told(
        dialogue: Dialogue) -> None:
    state = DialogueState()
    _, state = _say(dialogue, state, "alarm_acknowledge", "acknowledge the alarms of T1", asset="T1")
    assert state.awaiting == "confirm"
    _fill_up(dialogue.audit_log._db)
    answer, state = _say(dialogue, state, "confirm", "yes")
    assert "not acknowledged" in answer.text and "full" in answer.text and "\n" not in answer.text
    assert state.pending is not None and state.pending.kind == "alarm_acknowledge"
    ids = set(state.pending.data["alarm_ids"])
    assert ids and all(a.acknowledged is None for a in dialogue.plant.alarms() if a.id in ids)
    _free(dialogue.audit_log._db)
    answer, state = _say(dialogue, state, "confirm", "yes")
    assert state.pending is None and {a["id"] for a in answer.data["acknowledged"]} == ids
    assert all(a.acknowledged_by == "anna" for a in dialogue.plant.alarms() if a.id in ids)


# --- the order of notes list across writers ---------------------------------------------------------------

def test_notes_are_listed_in_the_order_they_were_saved_across_two_writers(tmp_path: Path) -> None:
    """Station one reads its clock, then computes its note's embeddings while station two saves a note:
    station one's note is saved second, and is listed second, its time after station two's."""
    times = iter(dt.datetime(2026, 5, 1, 10, 0, s, tzinfo=SITE) for s in range(60))
    clock = lambda: next(times)  # noqa: E731 - one clock for the site
    path = tmp_path / "notes.sqlite"
    two = _store(path, clock)

    def slow_embed(texts: list[str]) -> np.ndarray:
        if not two.list():  # while station one is busy, station two saves
            two.add("station two: compressor trip reset", author="bob")
        return np.ones((len(texts), 4), dtype=np.float32)

    one = _store(path, clock, embed=slow_embed)
    one.add("station one: lube oil filter changed", author="anna")
    listed = one.list()
    assert [n.text.split(":")[0] for n in listed] == ["station two", "station one"]
    assert [n.id for n in listed] == [1, 2] and listed[0].created < listed[1].created
    assert [n.id for n in two.list()] == [1, 2]
    one.close()
    two.close()
