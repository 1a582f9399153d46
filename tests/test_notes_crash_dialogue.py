"""Notes and reports confirmed through the dialogue survive SIGKILL at any moment of dictating or saving.

A process (tests/dialogue_writer.py) runs the dialogue in a loop: an inline note, a dictation of
three parts and a guided report, each read back and confirmed; it prints a note's id only after
the confirmation's answer ("saved as note N") came back. It is killed at random moments, 30 times
over one data directory. After each kill every confirmed note and report must be there whole
(text, kind, report fields), the database must pass SQLite's integrity check, and no record may
be half written: no note without its version, no version without its note.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from dialogue_writer import expected

from assistant.config import NotesConfig, PlantConfig
from assistant.notes import NoteStore, ShiftSchedule
from assistant.plant import load_model

WRITER = str(Path(__file__).resolve().parent / "dialogue_writer.py")
KILLS = 30


def _saved(output: str) -> list[tuple[int, int]]:
    lines = output.split("\n")[:-1]  # a line cut by the kill is not a report
    return [(int(i), int(n)) for _, i, n in (line.split("\t") for line in lines if line.startswith("saved"))]


def test_confirmed_notes_and_reports_survive_a_kill_at_any_moment(tmp_path: Path) -> None:
    rng = random.Random(11)
    confirmed: dict[int, tuple[str, int]] = {}
    tz = load_model(PlantConfig().asset_model).site.tz
    began = time.monotonic()
    for k in range(KILLS):
        tag = f"w{k}"
        child = subprocess.Popen([sys.executable, WRITER, str(tmp_path), tag, str(k % 3)], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.6))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        confirmed.update({note_id: (tag, n) for note_id, n in _saved(out)})
        store = NoteStore(tmp_path / "notes.sqlite", ShiftSchedule.parse(NotesConfig().shifts), tz)
        for note_id, (writer, n) in confirmed.items():
            kind, text, fields = expected(writer, n)
            note = store.get(note_id)
            assert note is not None and note.kind == kind and note.version == 1, (note_id, writer, n)
            assert (note.fields == fields) if kind == "report" else (note.text == text), (note_id, note)
        store.close()
        db = sqlite3.connect(tmp_path / "notes.sqlite")
        try:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("SELECT count(*) FROM notes n WHERE NOT EXISTS "
                              "(SELECT 1 FROM versions v WHERE v.note = n.id)").fetchone() == (0,)
            assert db.execute("SELECT count(*) FROM versions v WHERE NOT EXISTS "
                              "(SELECT 1 FROM notes n WHERE n.id = v.note)").fetchone() == (0,)
        finally:
            db.close()
    kinds = {expected(w, n)[0] for w, n in confirmed.values()}
    assert len(confirmed) >= KILLS and kinds == {"note", "report"}  # many flows finished, of both kinds
    assert time.monotonic() - began < 240
