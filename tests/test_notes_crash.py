"""The notes store under SIGKILL and with two writing processes: what ``add`` returned is kept whole.

A writer process (tests/notes_writer.py) adds notes in a loop, some with audio, and prints each
id only after ``add`` returned. It is killed at random moments, 30 times over one database;
after each kill the database must open, pass SQLite's integrity check and hold every printed
note with its exact text, no note without its version, no version without its note, and no
reference to a missing audio file.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import wave
from pathlib import Path

from notes_writer import SHIFTS, SITE, frames_of, text_of

from assistant.notes import NoteStore, ShiftSchedule

WRITER = str(Path(__file__).resolve().parent / "notes_writer.py")
KILLS = 30
AUDIO_EVERY = 3
DIMENSIONS = 384


def _writer(db: Path, tag: str, count: int, log: Path, *options: str) -> subprocess.Popen[str]:
    args = [sys.executable, WRITER, str(db), tag, str(count), "--audio-every", str(AUDIO_EVERY), *options]
    with open(log, "a") as stderr:
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True)


def _reported(output: str) -> list[tuple[int, int]]:
    """(id, n) of each whole line but "waiting" and "ready"; a line cut by the kill is not a report."""
    lines = output.split("\n")[:-1]  # the part after the last newline was cut off
    return [(int(i), int(n)) for i, n in (line.split("\t") for line in lines if line not in ("waiting", "ready"))]


def _check(db: Path, expected: dict[int, str], audio: dict[int, int], embedded: set[int]) -> dict[str, int]:
    """The database after a crash: it opens, is intact and holds everything reported."""
    store = NoteStore(db, ShiftSchedule.parse(SHIFTS), SITE)  # opens (and recovers the WAL) cleanly
    for note_id, text in expected.items():
        note = store.get(note_id)
        assert note is not None and (note.text, note.version) == (text, 1), note_id
        if note_id in audio:
            assert note.audio is not None
            with wave.open(str(db.parent / note.audio), "rb") as wav:
                assert (wav.getframerate(), wav.getnframes()) == (16000, audio[note_id])
    store.close()
    sql = sqlite3.connect(db)
    try:
        assert sql.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert sql.execute("PRAGMA foreign_key_check").fetchall() == []
        assert sql.execute("SELECT count(*) FROM notes n WHERE NOT EXISTS "
                           "(SELECT 1 FROM versions v WHERE v.note = n.id)").fetchone() == (0,)
        assert sql.execute("SELECT count(*) FROM versions v WHERE NOT EXISTS "
                           "(SELECT 1 FROM notes n WHERE n.id = v.note)").fetchone() == (0,)
        referenced = [a for (a,) in sql.execute("SELECT audio FROM notes WHERE audio IS NOT NULL")]
        for path in referenced:
            with wave.open(str(db.parent / path), "rb") as wav:
                assert wav.getnframes() > 0, path
        for note_id in embedded:
            (blob,) = sql.execute("SELECT embedding FROM versions WHERE note = ?", (note_id,)).fetchone()
            assert blob is not None and len(blob) % (4 * DIMENSIONS) == 0 and blob, note_id
        stored = sql.execute("SELECT count(*) FROM notes").fetchone()[0]
    finally:
        sql.close()
    files = {p.name for p in (db.parent / "notes-audio").glob("*")} if (db.parent / "notes-audio").exists() else set()
    return {"stored": stored, "unreferenced_audio": len(files - {Path(p).name for p in referenced})}


def test_a_writer_killed_at_random_moments_loses_nothing_it_reported(tmp_path: Path) -> None:
    rng = random.Random(7)
    db, log = tmp_path / "notes.sqlite", tmp_path / "writer.log"
    expected: dict[int, str] = {}
    audio: dict[int, int] = {}
    embedded: set[int] = set()
    began = time.monotonic()
    early = 0
    for run in range(KILLS):
        embed = run % 6 == 5  # with MiniLM: the embedding goes into the same transaction
        child = _writer(db, str(run), 0, log, *(["--embed"] if embed else []))
        assert child.stdout is not None
        if run % 5 == 0:  # perhaps while it starts: creating or opening the database
            time.sleep(rng.uniform(0.0, 0.4))
            output = ""
        else:
            output = child.stdout.readline()
            assert output == "ready\n", log.read_text()
            time.sleep(rng.uniform(0.01, 0.3))
        os.kill(child.pid, signal.SIGKILL)
        output += child.stdout.read()
        child.stdout.close()
        assert child.wait(timeout=10) == -signal.SIGKILL
        early += "ready" not in output
        for note_id, n in _reported(output):
            assert note_id not in expected, f"id {note_id} given twice"
            expected[note_id] = text_of(str(run), n)
            if n % AUDIO_EVERY == 0:
                audio[note_id] = frames_of(n)
            if embed:
                embedded.add(note_id)
        counts = _check(db, expected, audio, embedded)
        assert counts["stored"] >= len(expected)
    seconds = time.monotonic() - began
    print(f"\n{KILLS} kills ({early} before the store was open) in {seconds:.1f} s: {len(expected)} notes reported "
          f"({len(audio)} with audio, {len(embedded)} embedded), {counts['stored']} stored, "
          f"{counts['unreferenced_audio']} audio files no note refers to")
    assert seconds < 50
    assert len(expected) >= 5 * KILLS and audio and embedded  # the kills did land among writes


def test_two_writers_at_once_get_distinct_ids_and_lose_nothing(tmp_path: Path) -> None:
    db, log = tmp_path / "notes.sqlite", tmp_path / "writer.log"
    go = tmp_path / "go"
    start = tmp_path / "start"
    writers = {tag: _writer(db, tag, 100, log, "--go", str(go), "--start", str(start)) for tag in ("a", "b")}
    for child in writers.values():
        assert child.stdout is not None and child.stdout.readline() == "waiting\n", log.read_text()
    go.touch()  # both open the new file at once
    for child in writers.values():
        assert child.stdout is not None and child.stdout.readline() == "ready\n", log.read_text()
    start.touch()  # and, both open, write at once (however long one took to open it)
    expected: dict[int, str] = {}
    audio: dict[int, int] = {}
    for tag, child in writers.items():
        output, _ = child.communicate(timeout=60)  # the notes, each reported once add returned
        assert child.returncode == 0, log.read_text()
        reported = _reported(output)
        assert [n for _, n in reported] == list(range(100))
        for note_id, n in reported:
            assert note_id not in expected
            expected[note_id] = text_of(tag, n)
            if n % AUDIO_EVERY == 0:
                audio[note_id] = frames_of(n)
    assert len(expected) == 200 and sorted(expected) == list(range(1, 201))
    assert _check(db, expected, audio, set()) == {"stored": 200, "unreferenced_audio": 0}
    store = NoteStore(db, ShiftSchedule.parse(SHIFTS), SITE)
    authors = [n.author for n in store.list()]
    store.close()
    assert authors.count("writer a") == authors.count("writer b") == 100
    assert sum(a != b for a, b in zip(authors, authors[1:])) > 2  # they wrote in turns, not one after the other


def test_writers_opening_a_new_file_at_the_same_moment_all_get_in(tmp_path: Path) -> None:
    """Turning a new file into WAL needs it alone; SQLite says "locked" at once then, so the store waits."""
    for round_ in range(8):
        db, log, go = tmp_path / f"notes-{round_}.sqlite", tmp_path / "writer.log", tmp_path / f"go-{round_}"
        writers = [_writer(db, str(i), 1, log, "--go", str(go)) for i in range(3)]
        for child in writers:
            assert child.stdout is not None and child.stdout.readline() == "waiting\n", log.read_text()
        go.touch()
        outputs = [child.communicate(timeout=30)[0] for child in writers]
        assert [child.returncode for child in writers] == [0, 0, 0], log.read_text()
        assert sorted(note_id for output in outputs for note_id, _ in _reported(output)) == [1, 2, 3]
