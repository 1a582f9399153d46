"""The durable store of shift notes and maintenance reports: one SQLite file, append-only.

    encoder = sentence_encoder("use-multilingual", models)
    store = NoteStore(data_dir / "notes.sqlite", schedule, site_tz, embed=encoder.encode, encoder="use-multilingual")
    note = store.add("feed pump two drive end runs hot", author="J. Weber", assets=["P-102"])
    store.correct(note.id, "feed pump two drive end runs hot, 85 degrees", by="J. Weber")   # version 2
    store.add("Lagertemperatur der Speisewasserpumpe zwei zu hoch", author="J. Weber", language="de")
    store.search("any bearing trouble")      # [(Note, 0.51, "semantic"), (Note, 0.44, "semantic")]

A note is one row (kind, author, shift, assets, audio, language) and one row per version (text,
report fields, withdrawn, embedding and the encoder that made it); versions are only ever added,
never changed or deleted (triggers refuse it). Each write also adds its row to the audit log (``assistant/audit.py``, the table
``audit`` of the same file) in the same transaction. Every write is one ``BEGIN IMMEDIATE`` transaction with WAL and
``synchronous=FULL``: when ``add``, ``correct`` or ``withdraw`` return, the record is on disk,
and a crash leaves either the whole record or none of it. Several processes may write at
once; they take turns (busy timeout) and ids come from SQLite's AUTOINCREMENT, never reused.

The original audio is written to ``notes-audio/`` beside the database, under a temporary name,
fsynced and renamed before the transaction: a crash between the two leaves at most a file no
note refers to, never a note without its audio.

Embeddings of one encoder cannot be compared with another's. Each version keeps the name of the
encoder that embedded it (``encoder``; none recorded means MiniLM, the only one before names were
kept). A store opened with another encoder embeds the latest version of every note again, in
batches of ``REEMBED_BATCH`` notes, each batch its own transaction (an interrupted run keeps what
it did and the next opening goes on), saying on stderr how far it is from ``REEMBED_PROGRESS``
notes up; the vectors go to the table ``vectors`` (note, version, encoder), a derived index that
may be rebuilt, and the versions stay as written. Notes are never dropped: a note without
vectors of this encoder (never embedded, or the embedding stopped midway) is embedded at search time.

Older files are migrated when opened for writing, in the opening's transaction: ``language``
("en" for every note already there, as the assistant spoke only English then), ``encoder`` and
``vectors`` are added; no row is changed. A read-only older file is read as it is.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import json
import os
import re
import sqlite3
import sys
import threading
import uuid
import wave
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

import numpy as np

from .. import audit
from ..errors import InputError, StorageError
from ..files import fsync_path, open_durable, open_readonly, read_only, storage_error, transaction
from .search import KEYWORD_FLOOR, embedding_key, embedding_texts, keyword_score, search_threshold
from .shifts import ShiftSchedule

__all__ = ["Note", "NoteStore", "KINDS", "REPORT_FIELDS", "MAX_TEXT", "AUDIO_DIR", "LEGACY_ENCODER"]

KINDS = ("note", "report")
REPORT_FIELDS = ("finding", "cause", "action", "parts", "time_spent", "follow_up")
MAX_TEXT = 20_000  # characters in a note's text (about two hours of dictation)
AUDIO_DIR = "notes-audio"
LEGACY_ENCODER = "minilm"  # what made the vectors of a version that names no encoder
REEMBED_BATCH = 64  # notes embedded again per call of the encoder and per transaction
REEMBED_PROGRESS = 500  # from this many notes to embed again, progress is said on stderr every so many
_LANGUAGE = re.compile(r"[a-z]{2,3}")  # an ISO 639 code: "en", "de"

Embed = Callable[[Sequence[str]], np.ndarray]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL CHECK (kind IN ('note', 'report')),
    created INTEGER NOT NULL, author TEXT NOT NULL, role TEXT NOT NULL, shift TEXT NOT NULL,
    shift_date TEXT NOT NULL, assets TEXT NOT NULL, audio TEXT, language TEXT NOT NULL DEFAULT 'en'
);
CREATE INDEX IF NOT EXISTS notes_created ON notes (created);
CREATE INDEX IF NOT EXISTS notes_shift ON notes (shift_date, shift);
CREATE TABLE IF NOT EXISTS versions (
    note INTEGER NOT NULL REFERENCES notes (id), version INTEGER NOT NULL, changed INTEGER NOT NULL,
    written_by TEXT NOT NULL, text TEXT NOT NULL, fields TEXT NOT NULL, confidence REAL,
    withdrawn INTEGER NOT NULL, embedding BLOB, embedded TEXT, encoder TEXT,
    PRIMARY KEY (note, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vectors (
    note INTEGER NOT NULL, version INTEGER NOT NULL, encoder TEXT NOT NULL, embedded TEXT NOT NULL,
    embedding BLOB NOT NULL, PRIMARY KEY (note, version, encoder),
    FOREIGN KEY (note, version) REFERENCES versions (note, version)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS notes_kept BEFORE UPDATE ON notes
    BEGIN SELECT RAISE(ABORT, 'notes are append-only'); END;
CREATE TRIGGER IF NOT EXISTS notes_never_deleted BEFORE DELETE ON notes
    BEGIN SELECT RAISE(ABORT, 'notes are append-only'); END;
CREATE TRIGGER IF NOT EXISTS versions_kept BEFORE UPDATE ON versions
    BEGIN SELECT RAISE(ABORT, 'versions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS versions_never_deleted BEFORE DELETE ON versions
    BEGIN SELECT RAISE(ABORT, 'versions are append-only'); END;
"""
_COLUMNS = ("n.id, n.kind, n.created, n.author, n.role, n.shift, n.shift_date, n.assets, n.audio, "
            "v.version, v.changed, v.written_by, v.text, v.fields, v.confidence, v.withdrawn, n.language")
# columns added since the first files, with what an older file has instead
_ADDED = {("notes", "language"): ("TEXT NOT NULL DEFAULT 'en'", "'en'"), ("versions", "encoder"): ("TEXT", "NULL")}
_VERSION_COLUMNS = "note, version, changed, written_by, text, fields, confidence, withdrawn, embedding, embedded, encoder"
_LATEST = "v.version = (SELECT max(version) FROM versions WHERE note = n.id)"


@dataclass(frozen=True)
class Note:
    """One version of a note or report, as stored."""

    id: int
    kind: str  # "note" | "report"
    version: int
    created: dt.datetime  # when the note was first saved (site time zone); notes are listed by it, then id
    changed: dt.datetime  # when this version was written
    author: str
    role: str
    shift: str
    shift_date: dt.date  # the date its shift started
    text: str
    assets: tuple[str, ...]
    audio: str | None  # the original audio, relative to the data directory
    confidence: float | None  # the recognizer's, for dictated text; None when typed or corrected
    fields: dict[str, str]  # report fields; {} for notes
    withdrawn: bool
    by: str = ""  # who wrote this version (the author for version 1)
    language: str = "en"  # the language it was dictated or typed in (ISO 639: "en", "de")

    def data(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"id": self.id, "kind": self.kind, "version": self.version, "created": self.created.isoformat(),
                "changed": self.changed.isoformat(), "author": self.author, "by": self.by, "role": self.role,
                "shift": self.shift, "shift_date": self.shift_date.isoformat(), "text": self.text,
                "assets": list(self.assets), "audio": self.audio, "confidence": self.confidence,
                "fields": dict(self.fields), "withdrawn": self.withdrawn, "language": self.language}

    def searchable(self) -> str:
        """Text, report fields and assets: what search looks at."""
        return "\n".join([self.text, *self.fields.values(), " ".join(self.assets)]).strip()


class NoteStore:
    """Notes and reports in one SQLite file; safe from several threads and processes."""

    def __init__(self, path: Path, schedule: ShiftSchedule, tz: tzinfo,
                 clock: Callable[[], dt.datetime] | None = None, embed: Embed | None = None, *,
                 encoder: str | None = None, threshold: float | None = None,
                 progress: Callable[[int, int], None] | None = None) -> None:
        """``embed``: sentence embeddings for search, made by the encoder named ``encoder`` (``nlu.encoder``;
        default: the ``name`` of the object whose method ``embed`` is, else "minilm"). ``threshold``: the
        semantic search floor (default: the one measured for the encoder, ``search.search_threshold``).
        Opened with an encoder other than the one that embedded the notes, the store embeds them again
        (``reembed``; ``progress(done, total)`` is told after each batch)."""
        self.path = Path(path)
        self.schedule = schedule
        self.tz = tz
        self.clock = clock or (lambda: dt.datetime.now(tz))
        self.embed = embed
        self.encoder = encoder or _encoder_name(embed)
        self.threshold = threshold if threshold is not None else \
            search_threshold(self.encoder if embed is not None else LEGACY_ENCODER)
        self.audio_dir = self.path.parent / AUDIO_DIR
        self._lock = threading.Lock()
        self.readonly = read_only(self.path)  # listed and searched, never written (``StorageError``)
        self._columns, self._made_by, self._vectors_kept = _COLUMNS, "v.encoder", True
        try:
            if self.readonly:
                self._db = open_readonly(self.path)
                self._read_as_it_is()
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = open_durable(self.path)
            self._db.execute("PRAGMA foreign_keys=ON")
            with self._write() as db:
                for statement in (_SCHEMA + audit.SCHEMA).split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                for (table, column), (declared, _) in _ADDED.items():
                    if column not in _columns_of(db, table):
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declared}")
        except (sqlite3.Error, OSError) as exc:
            raise storage_error(exc, self.path) from None
        self.reembed(progress)

    def _read_as_it_is(self) -> None:
        """A read-only file from before ``language``, ``encoder`` or ``vectors``: read what it has."""
        for (table, column), (_, instead) in _ADDED.items():
            if column not in _columns_of(self._db, table):
                self._columns = self._columns.replace(f"{table[0]}.{column}", instead)
                self._made_by = self._made_by.replace(f"{table[0]}.{column}", instead)
        self._vectors_kept = bool(self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vectors'").fetchone())

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writes -----------------------------------------------------------------------------
    def add(self, text: str, *, author: str, role: str = "", kind: str = "note", assets: Sequence[str] = (),
            audio: tuple[bytes, int] | None = None, confidence: float | None = None,
            fields: Mapping[str, str] | None = None, language: str = "en") -> Note:
        """Store a new note or report, in ``language`` (ISO 639: "en", "de"); on disk when this returns."""
        text = _text(text, "note text")
        language = _language(language)
        if kind not in KINDS:
            raise InputError(f"note kind {kind!r} is unknown; use one of: {', '.join(KINDS)}")
        values = {k: v for k, v in _fields(fields, kind).items() if v}
        if isinstance(assets, str):
            assets = [assets]
        assets = tuple(dict.fromkeys(a.strip() for a in assets if a.strip()))
        if confidence is not None and not 0.0 <= confidence <= 1.0:
            raise InputError(f"note confidence {confidence} is not between 0 and 1; pass the recognizer's confidence")
        self._writable()
        blob, key = self._vectors(Note(0, kind, 1, _EPOCH, _EPOCH, author, role, "", _EPOCH.date(), text, assets,
                                       None, confidence, values, False))
        path = self._write_audio(audio, self._now()) if audio is not None else None
        try:
            with self._write() as db:
                now = self._now()  # the time saved: read in the write's turn, so time and id agree
                shift, shift_date = self.schedule.of(now)
                note_id = db.execute(
                    "INSERT INTO notes (kind, created, author, role, shift, shift_date, assets, audio, language) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (kind, _micros(now), author, role, shift, shift_date.isoformat(), json.dumps(assets), path,
                     language),
                ).lastrowid
                db.execute(f"INSERT INTO versions ({_VERSION_COLUMNS}) VALUES (?, 1, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
                           (note_id, _micros(now), author, text, json.dumps(values), confidence, blob, key,
                            self._made(blob)))
                logged = self._audit(db, "report" if kind == "report" else "note_add", note_id, 1, now, author, role,
                                     text=text, assets=list(assets), language=language)
        except BaseException:
            if path is not None:  # no note refers to it
                (self.path.parent / path).unlink(missing_ok=True)
            raise
        audit.made(logged)
        return self._got(note_id, 1)

    def correct(self, note_id: int, text: str, *, by: str, fields: Mapping[str, str] | None = None,
                role: str = "") -> Note:
        """A new version with the corrected text; ``fields`` given replace those named ("" removes one)."""
        text = _text(text, f"correction of note {note_id}")
        with self._write() as db:
            latest = self._current(db, note_id, "correct")
            merged = {k: v for k, v in {**latest.fields, **_fields(fields, latest.kind)}.items() if v}
            if text == latest.text and merged == latest.fields:
                raise InputError(f"the correction of note {note_id} changes nothing; give the corrected text")
            now = self._now()
            blob, key = self._vectors(dataclasses.replace(latest, text=text, fields=merged))
            db.execute(f"INSERT INTO versions ({_VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, ?)",
                       (note_id, latest.version + 1, _micros(now), by, text, json.dumps(merged), blob, key,
                        self._made(blob)))
            logged = self._audit(db, "note_correct", note_id, latest.version + 1, now, by, role, text=text,
                                 author=latest.author)
        audit.made(logged)
        return self._got(note_id, latest.version + 1)

    def withdraw(self, note_id: int, *, by: str, role: str = "") -> Note:
        """A new version, the same text marked withdrawn: left out of lists and searches unless asked for."""
        with self._write() as db:
            latest = self._current(db, note_id, "withdraw")
            now = self._now()
            db.execute(f"INSERT INTO versions ({_VERSION_COLUMNS}) SELECT note, version + 1, ?, ?, text, fields, "
                       "confidence, 1, embedding, embedded, encoder FROM versions WHERE note = ? AND version = ?",
                       (_micros(now), by, note_id, latest.version))
            db.execute("INSERT INTO vectors SELECT note, version + 1, encoder, embedded, embedding FROM vectors "
                       "WHERE note = ? AND version = ?", (note_id, latest.version))
            logged = self._audit(db, "note_withdraw", note_id, latest.version + 1, now, by, role,
                                 author=latest.author)
        audit.made(logged)
        return self._got(note_id, latest.version + 1)

    # -- reads ------------------------------------------------------------------------------
    def get(self, note_id: int) -> Note | None:
        """The latest version, withdrawn or not; None for an unknown id."""
        if not 0 < note_id < 2**63:  # no SQLite row id
            return None
        rows = self._query(f"SELECT {self._columns} FROM notes n JOIN versions v ON v.note = n.id "
                           f"WHERE n.id = ? AND {_LATEST}", (note_id,))
        return self._note(rows[0]) if rows else None

    def versions(self, note_id: int) -> list[Note]:
        """Every version of a note, oldest first; [] for an unknown id."""
        if not 0 < note_id < 2**63:
            return []
        rows = self._query(f"SELECT {self._columns} FROM notes n JOIN versions v ON v.note = n.id "
                           "WHERE n.id = ? ORDER BY v.version", (note_id,))
        return [self._note(r) for r in rows]

    # below, ``list`` is this method: annotations say builtins.list
    def list(self, *, kind: str | None = None, shift: str | None = None, day: dt.date | None = None,
             start: dt.datetime | None = None, end: dt.datetime | None = None, asset: str | None = None,
             withdrawn: bool = False) -> builtins.list[Note]:
        """Latest versions in the order they were saved: by ``created`` (read when the write had its turn,
        so another station's note saved meanwhile comes first), then by id. ``day`` is the date a shift
        started (a night shift's notes after midnight count for the evening before); ``start``/``end``
        bound the creation time; ``withdrawn=True`` includes withdrawn notes."""
        filters = {"kind": kind, "shift": shift, "day": day, "start": start, "end": end, "asset": asset,
                   "withdrawn": withdrawn}
        return [self._note(r) for r in self._latest(filters)]

    def history(self) -> Iterator[Note]:
        """Every version of every note, withdrawn or not, in order: for export."""
        rows = self._query(f"SELECT {self._columns} FROM notes n JOIN versions v ON v.note = n.id "
                           "ORDER BY n.created, n.id, v.version")
        return (self._note(r) for r in rows)

    def search(self, query: str, *, limit: int = 5, **filters: Any) -> builtins.list[tuple[Note, float, str]]:
        """Notes about ``query``, best first: (note, score, "keyword" | "semantic").

        Keyword: the share of the query's words in the note, from KEYWORD_FLOOR up. Semantic:
        cosine of the sentence embeddings, from ``threshold`` up. A note is scored by the better
        of the two; ties go to the newer note. ``filters`` are those of ``list``."""
        query = _text(query, "search query", "say what to look for, e.g. 'anything about leaks'")
        rows = self._latest({"withdrawn": False, **filters}, embeddings=True)
        notes = [self._note(r) for r in rows]
        best = {n.id: (keyword_score(query, n.searchable()), "keyword") for n in notes}
        if self.embed is not None and notes:
            wanted = np.asarray(self.embed(embedding_texts(query)), dtype=np.float32)
            for note, vectors in zip(notes, self._stored_vectors(notes, rows, wanted.shape[1])):
                score = float((vectors @ wanted.T).max())
                if score >= self.threshold and score > best[note.id][0]:
                    best[note.id] = (score, "semantic")
        found = [(n, *best[n.id]) for n in notes
                 if best[n.id][0] >= (KEYWORD_FLOOR if best[n.id][1] == "keyword" else self.threshold)]
        found.sort(key=lambda f: (-f[1], -f[0].created.timestamp(), -f[0].id))
        return found[:max(limit, 0)]

    def reembed(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Embed again with this store's encoder the latest version of each note whose vectors another
        encoder made; the number of notes embedded (a note never embedded is embedded at search time). ``REEMBED_BATCH`` notes per call of the
        encoder and per transaction; ``progress(done, total)`` after each batch (default: a line on
        stderr every ``REEMBED_PROGRESS`` notes, when there are that many)."""
        if self.embed is None or self.readonly:
            return 0
        ids = [row[0] for row in self._query(
            f"SELECT n.id FROM notes n JOIN versions v ON v.note = n.id WHERE {_LATEST} AND "
            "v.embedding IS NOT NULL AND coalesce(v.encoder, ?) != ? AND NOT EXISTS (SELECT 1 FROM vectors x WHERE "
            "x.note = v.note AND x.version = v.version AND x.encoder = ?) ORDER BY n.id",
            (LEGACY_ENCODER, self.encoder, self.encoder))]
        progress = progress or _progress(self.encoder, len(ids))
        for at in range(0, len(ids), REEMBED_BATCH):
            batch = ids[at:at + REEMBED_BATCH]
            notes = [self._note(r) for r in self._query(
                f"SELECT {self._columns} FROM notes n JOIN versions v ON v.note = n.id WHERE {_LATEST} AND "
                f"n.id IN ({', '.join('?' * len(batch))})", batch)]
            texts = [embedding_texts(n.searchable()) for n in notes]
            vectors = np.asarray(self.embed([t for each in texts for t in each]), dtype=np.float32)
            rows, start = [], 0
            for note, each in zip(notes, texts):
                rows.append((note.id, note.version, self.encoder, embedding_key(each),
                             vectors[start:start + len(each)].tobytes()))
                start += len(each)
            with self._write() as db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)", rows)
            progress(min(at + REEMBED_BATCH, len(ids)), len(ids))
        return len(ids)

    # -- helpers ----------------------------------------------------------------------------
    def _made(self, blob: bytes | None) -> str | None:
        """The encoder to record with a version's vectors."""
        return self.encoder if blob is not None else None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; a full disk, a read-only file or a lock held too long is a StorageError
        (the transaction rolled back: nothing stored before is lost)."""
        self._writable()
        try:
            with transaction(self._db, self._lock) as db:
                yield db
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path) from None

    def _writable(self) -> None:
        if self.readonly:
            raise StorageError(f"{self.path} is read-only for this user: notes can be listed and searched, not "
                               f"saved; make it and {self.path.parent} writable, or run as the user who owns them")

    def _audit(self, db: sqlite3.Connection, write: str, note_id: int, version: int, now: dt.datetime, by: str,
               role: str, **target: Any) -> dict[str, Any] | None:
        """The write's audit row, in the write's own transaction."""
        return audit.write_row(db, write, {"note": note_id, "version": version, **target}, by=by, role=role,
                               now=now, tz=self.tz)

    def _query(self, sql: str, args: Sequence[Any] = ()) -> builtins.list[tuple[Any, ...]]:
        try:
            with self._lock:
                return self._db.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path) from None

    def _latest(self, filters: Mapping[str, Any], embeddings: bool = False) -> builtins.list[tuple[Any, ...]]:
        """Latest versions; with ``embeddings``, each row ends in the version's vectors, key and encoder,
        then the vectors and key this store's encoder made for it again (or NULLs)."""
        where, args, columns, join = [_LATEST], [], self._columns, ""
        if embeddings:
            columns += f", v.embedding, v.embedded, {self._made_by}"
            if self._vectors_kept:
                columns += ", x.embedding, x.embedded"
                join = " LEFT JOIN vectors x ON x.note = v.note AND x.version = v.version AND x.encoder = ?"
                args.append(self.encoder)
            else:
                columns += ", NULL, NULL"
        for name, value in filters.items():
            if value is None:
                continue
            clause, arg = self._filter(name, value)
            if clause:
                where.append(clause)
                args.append(arg)
        return self._query(f"SELECT {columns} FROM notes n JOIN versions v ON v.note = n.id{join} "
                           f"WHERE {' AND '.join(where)} ORDER BY n.created, n.id", args)

    def _filter(self, name: str, value: Any) -> tuple[str, Any]:
        if name == "kind":
            if value not in KINDS:
                raise InputError(f"note kind {value!r} is unknown; use one of: {', '.join(KINDS)}")
            return "n.kind = ?", value
        if name == "shift":
            return "n.shift = ?", self.schedule.shift(value).name
        if name == "day":
            return "n.shift_date = ?", value.isoformat()
        if name == "start":
            return "n.created >= ?", _micros(self._aware(value))
        if name == "end":
            return "n.created < ?", _micros(self._aware(value))
        if name == "asset":
            return "EXISTS (SELECT 1 FROM json_each(n.assets) WHERE upper(value) = upper(?))", value.strip()
        if name == "withdrawn":
            return ("", None) if value else ("v.withdrawn = ?", 0)
        raise TypeError(f"unknown note filter {name!r}; filters: kind, shift, day, start, end, asset, withdrawn")

    def _current(self, db: sqlite3.Connection, note_id: int, action: str) -> Note:
        """The latest version, read inside the write transaction; InputError when it cannot be changed."""
        rows = db.execute(f"SELECT {self._columns} FROM notes n JOIN versions v ON v.note = n.id "
                          f"WHERE n.id = ? AND {_LATEST}", (note_id,)).fetchall()
        if not rows:
            raise InputError(f"cannot {action} note {note_id}: there is no such note; "
                             "give the id of an existing note ('plantvoice notes list --all')")
        note = self._note(rows[0])
        if note.withdrawn:
            raise InputError(f"cannot {action} note {note_id}: it was withdrawn by {note.by or 'someone'} "
                             f"at {note.changed:%Y-%m-%d %H:%M}; take a new note instead")
        return note

    def _got(self, note_id: int, version: int) -> Note:
        rows = self._query(f"SELECT {self._columns} FROM notes n JOIN versions v ON v.note = n.id "
                           "WHERE n.id = ? AND v.version = ?", (note_id, version))
        assert rows, f"note {note_id} version {version} was just written"
        return self._note(rows[0])

    def _note(self, row: Sequence[Any]) -> Note:
        (id_, kind, created, author, role, shift, shift_date, assets, audio,
         version, changed, by, text, fields, confidence, withdrawn, language) = row[:17]
        return Note(id_, kind, version, self._time(created), self._time(changed), author, role, shift,
                    dt.date.fromisoformat(shift_date), text, tuple(json.loads(assets)), audio, confidence,
                    json.loads(fields), bool(withdrawn), by, language)

    def _vectors(self, note: Note) -> tuple[bytes | None, str | None]:
        if self.embed is None:
            return None, None
        texts = embedding_texts(note.searchable())
        return np.asarray(self.embed(texts), dtype=np.float32).tobytes(), embedding_key(texts)

    def _stored_vectors(self, notes: builtins.list[Note], rows: builtins.list[tuple[Any, ...]],
                        dims: int) -> builtins.list[np.ndarray]:
        """Each note's window embeddings by this store's encoder: as stored with the version or made
        again (``reembed``), else computed now (not stored: versions are never changed) when none were
        stored or they were made for other text or by another encoder."""
        out: builtins.list[np.ndarray | None] = []
        missing: dict[int, builtins.list[str]] = {}
        for i, (note, row) in enumerate(zip(notes, rows)):
            blob, key, made, again, again_key = row[17:22]
            texts = embedding_texts(note.searchable())
            wanted = embedding_key(texts)
            kept = [(blob, key)] if (made or LEGACY_ENCODER) == self.encoder else []
            found = next((b for b, k in [*kept, (again, again_key)]
                          if b is not None and k == wanted and len(b) == 4 * dims * len(texts)), None)
            if found is not None:
                out.append(np.frombuffer(found, dtype=np.float32).reshape(-1, dims))
            else:
                out.append(None)
                missing[i] = texts
        if missing and self.embed is not None:
            flat = [t for texts in missing.values() for t in texts]
            vectors = np.asarray(self.embed(flat), dtype=np.float32)
            at = 0
            for i, texts in missing.items():
                out[i] = vectors[at:at + len(texts)]
                at += len(texts)
        return [v for v in out if v is not None]

    def _write_audio(self, audio: tuple[bytes, int], now: dt.datetime) -> str:
        """The audio as a WAV under notes-audio/, durably, before any note refers to it."""
        pcm, rate = audio
        if not isinstance(pcm, (bytes, bytearray, memoryview)) or not len(pcm) or len(pcm) % 2:
            raise InputError("note audio must be 16-bit mono PCM bytes (an even, non-zero number); "
                             "pass the recorded samples as s16le bytes")
        if not 8000 <= int(rate) <= 192_000:
            raise InputError(f"note audio sample rate {rate} Hz is not plausible; pass the rate it was recorded at")
        name = f"{now.astimezone(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.wav"
        tmp = self.audio_dir / f".{name}.tmp"
        try:
            if not self.audio_dir.is_dir():
                self.audio_dir.mkdir(parents=True, exist_ok=True)
                fsync_path(self.audio_dir.parent)
            with open(tmp, "wb") as file:
                with wave.open(file, "wb") as wav:
                    wav.setnchannels(1)
                    wav.setsampwidth(2)
                    wav.setframerate(int(rate))
                    wav.writeframes(bytes(pcm))
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, self.audio_dir / name)
            fsync_path(self.audio_dir)
        except OSError as exc:  # a full disk or a directory not writable: no note refers to it
            (self.audio_dir / name).unlink(missing_ok=True)
            raise storage_error(exc, self.audio_dir / name) from None
        finally:
            tmp.unlink(missing_ok=True)
        return f"{AUDIO_DIR}/{name}"

    def _now(self) -> dt.datetime:
        return self._aware(self.clock()).astimezone(self.tz)

    def _aware(self, when: dt.datetime) -> dt.datetime:
        return when if when.tzinfo is not None else when.replace(tzinfo=self.tz)

    def _time(self, micros: int) -> dt.datetime:
        return (dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=micros)).astimezone(self.tz)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _micros(when: dt.datetime) -> int:
    return (when - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(microseconds=1)


def _text(text: str, what: str, fix: str = "say or type what the note should say") -> str:
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise InputError(f"{what} is empty; {fix}")
    if len(text) > MAX_TEXT:
        raise InputError(f"{what} is {len(text)} characters, more than {MAX_TEXT}; split it into several notes")
    return text


def _language(language: str) -> str:
    code = language.strip().lower() if isinstance(language, str) else ""
    if not _LANGUAGE.fullmatch(code):
        raise InputError(f"note language {language!r} is not a language code; give its ISO 639 code, e.g. 'en' or 'de'")
    return code


def _encoder_name(embed: Embed | None) -> str:
    """The ``name`` of the encoder whose method ``embed`` is ("use-multilingual"), else MiniLM's."""
    name = getattr(getattr(embed, "__self__", None), "name", None)
    return name if isinstance(name, str) and name else LEGACY_ENCODER


def _columns_of(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _progress(encoder: str, total: int) -> Callable[[int, int], None]:
    """A line on stderr every REEMBED_PROGRESS notes, when there are that many to embed again."""
    def said(done: int, total: int) -> None:
        if total >= REEMBED_PROGRESS and (done % REEMBED_PROGRESS < REEMBED_BATCH or done == total):
            print(f"plantvoice: notes embedded again for the encoder {encoder}: {done:,} of {total:,}"
                  .replace(",", " "), file=sys.stderr)
    return said


def _fields(fields: Mapping[str, str] | None, kind: str) -> dict[str, str]:
    if not fields:
        return {}
    if kind != "report":
        raise InputError(f"report fields given for a {kind}; take it as kind 'report' or leave the fields out")
    unknown = sorted(set(fields) - set(REPORT_FIELDS))
    if unknown:
        raise InputError(f"unknown report field {unknown[0]!r}; report fields are: {', '.join(REPORT_FIELDS)}")
    values = {k: str(fields[k]).strip() for k in REPORT_FIELDS if k in fields}
    for key, value in values.items():
        if len(value) > MAX_TEXT:
            raise InputError(f"report field {key} is {len(value)} characters, more than {MAX_TEXT}; shorten it")
    return values
