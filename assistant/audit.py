"""The audit log: every turn, who spoke it, what was heard and answered, and every write made.

    log = AuditLog(data_dir / "notes.sqlite", site_tz)
    with log.turn(Speaker("CR-1", "anna", "Anna Becker", "operator")) as turn:
        answer = ...                                   # note writes made here carry the turn's id
        turn.record(heard="yes", intent=intent, answer=answer)
    log.entries(since=..., user="anna")                # oldest first

Rows live in the table ``audit`` of the notes database, so a note, report, correction or
withdrawal and its audit row are written in ONE transaction (``NoteStore`` calls ``write_row``
inside its own): neither is ever on disk without the other. Two kinds of row:

``turn``
    one per answered request, written where the turn ends (the pipeline): times (UTC and the
    site's), station, user, role, heard text and recognizer confidence, intent and confidence,
    entities, answer, the plant values the answer carried (``Answer.data``), and the writes made
    or refused, with why.
``write``
    one per write, written with the write: what, which note or alarm, by whom, in which turn.

Alarm acknowledgements are kept by the plant in another database, so the pair cannot be one
transaction. The audit row comes first, under a key naming the alarm occurrence (id, asset,
measurement, raised), so a retry never adds a second one; then the plant is told. A crash
between the two leaves a confirmed acknowledgement the plant has not heard of, and
``settle(plant)`` (run when the pipeline starts) carries it out: the log is its journal.

The table is append-only (triggers refuse UPDATE and DELETE) and written with WAL and
``synchronous=FULL``: a row is on disk when the call returns.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import StorageError
from .files import open_durable, open_readonly, read_only, storage_error, transaction

if TYPE_CHECKING:
    from .events import Answer, Intent
    from .plant import Alarm, Plant

__all__ = ["AuditLog", "Entry", "Speaker", "TurnScope", "SCHEMA", "FIELDS", "write_row", "made", "current",
           "alarm_key", "flat", "line"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL CHECK (kind IN ('turn', 'write')),
    turn TEXT NOT NULL, utc INTEGER NOT NULL, user TEXT NOT NULL, record TEXT NOT NULL, key TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS audit_utc ON audit (utc);
CREATE TRIGGER IF NOT EXISTS audit_kept BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_never_deleted BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
# The fields of a record, in export order (a write row has no heard .. answer; a turn row no target).
FIELDS = ("id", "kind", "turn", "time_utc", "time_local", "station", "user", "name", "role", "heard",
          "heard_confidence", "intent", "intent_confidence", "entities", "answer", "data", "actions", "write",
          "target", "outcome", "reason")


@dataclass(frozen=True)
class Speaker:
    """Who speaks at which station, in which role; ``user`` is "" while nobody is signed on."""

    station: str
    user: str
    name: str
    role: str

    def data(self) -> dict[str, str]:
        return {"station": self.station, "user": self.user, "name": self.name, "role": self.role}


@dataclass
class TurnScope:
    """One turn in progress: its id, who speaks, and the writes made or refused in it so far."""

    id: str
    speaker: Speaker
    actions: list[dict[str, Any]] = field(default_factory=list)

    def refused(self, write: str, reason: str) -> None:
        self.actions.append({"write": write, "outcome": "refused", "reason": reason})


_current: contextvars.ContextVar[TurnScope | None] = contextvars.ContextVar("plantvoice_turn", default=None)


def current() -> TurnScope | None:
    """The turn being answered in this thread, if any."""
    return _current.get()


@dataclass(frozen=True)
class Entry:
    """One row of the log."""

    id: int
    kind: str  # turn | write
    record: dict[str, Any]

    def data(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, **self.record}


def _micros(when: dt.datetime) -> int:
    return (when - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(microseconds=1)


def _times(now: dt.datetime, tz: tzinfo) -> dict[str, str]:
    return {"time_utc": now.astimezone(dt.timezone.utc).isoformat(), "time_local": now.astimezone(tz).isoformat()}


def write_row(db: sqlite3.Connection, write: str, target: Mapping[str, Any], *, by: str, role: str, now: dt.datetime,
              tz: tzinfo, key: str | None = None) -> dict[str, Any] | None:
    """Insert the audit row of a write, inside the caller's transaction; the record, or None when
    a row with ``key`` is already there (a retry). Who wrote it: the current turn's speaker, else
    ``by`` and ``role``."""
    scope = current()
    speaker = scope.speaker.data() if scope else {"station": "", "user": by, "name": by, "role": role}
    record = {**_times(now, tz), "turn": scope.id if scope else "", **speaker, "write": write,
              "target": dict(target), "outcome": "done"}
    cursor = db.execute("INSERT OR IGNORE INTO audit (kind, turn, utc, user, record, key) VALUES ('write', ?, ?, ?, ?, ?)",
                        (record["turn"], _micros(now), record["user"], _json(record), key))
    return record if cursor.rowcount else None


def made(record: dict[str, Any] | None) -> None:
    """Tell the current turn a write was made (after its transaction committed)."""
    scope = current()
    if scope is not None and record is not None:
        scope.actions.append({"write": record["write"], "target": record["target"], "outcome": "done"})


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    """What JSON cannot hold as it is: audio is logged by its size, anything else as its text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes of audio>"
    return str(value)


class AuditLog:
    """The audit table of the notes database; safe from several threads and processes."""

    def __init__(self, path: Path, tz: tzinfo, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.path = Path(path)
        self.tz = tz
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self._lock = threading.Lock()
        self.readonly = read_only(self.path)  # listed and exported, never written (``StorageError``)
        try:
            if self.readonly:
                self._db = open_readonly(self.path)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = open_durable(self.path)
            with self._write() as db:
                for statement in SCHEMA.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
        except (sqlite3.Error, OSError) as exc:
            raise storage_error(exc, self.path) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; a full disk, a read-only file or a lock held too long is a StorageError."""
        if self.readonly:
            raise StorageError(f"{self.path} is read-only for this user: the audit log can be listed, not written; "
                               f"make it and {self.path.parent} writable, or run as the user who owns them")
        try:
            with transaction(self._db, self._lock) as db:
                yield db
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path) from None

    def _read(self, sql: str, args: Any = ()) -> list[Any]:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path) from None

    def _now(self) -> dt.datetime:
        now = self.clock()
        return now if now.tzinfo is not None else now.replace(tzinfo=dt.timezone.utc)

    # -- turns ------------------------------------------------------------------------------
    @contextmanager
    def turn(self, speaker: Speaker) -> Iterator[TurnScope]:
        """A turn in progress: writes made inside it carry its id and speaker."""
        scope = TurnScope(uuid.uuid4().hex, speaker)
        token = _current.set(scope)
        try:
            yield scope
        finally:
            _current.reset(token)

    def record(self, scope: TurnScope, *, heard: str, heard_confidence: float | None, intent: Intent,
               answer: Answer | None, speaker: Speaker | None = None) -> Entry:
        """The turn's row; ``speaker``: who is signed on after it, when the turn signed someone on."""
        now = self._now()
        who = (speaker or scope.speaker).data()
        record = {**_times(now, self.tz), "turn": scope.id, **who, "heard": heard,
                  "heard_confidence": heard_confidence, "intent": intent.name,
                  "intent_confidence": round(intent.confidence, 4),
                  "entities": [{"entity": e.entity, "value": e.value} for e in intent.entities],
                  "answer": answer.text if answer else None, "data": answer.data if answer else {},
                  "actions": list(scope.actions)}
        with self._write() as db:
            row = db.execute("INSERT INTO audit (kind, turn, utc, user, record) VALUES ('turn', ?, ?, ?, ?)",
                             (scope.id, _micros(now), record["user"], _json(record))).lastrowid
        return Entry(int(row or 0), "turn", json.loads(_json(record)))

    # -- alarm acknowledgements -------------------------------------------------------------
    def acknowledge(self, plant: Plant, alarm_id: int, by: str, role: str = "") -> Alarm:
        """Acknowledge an alarm with its audit row written first, under one key per alarm occurrence."""
        alarm = next((a for a in plant.alarms(active_only=False) if a.id == int(alarm_id)), None)
        if alarm is None or alarm.acknowledged is not None:  # unknown: the plant says so; done: unchanged
            return plant.acknowledge(alarm_id, by)
        target = {"alarm": alarm.id, "asset": alarm.asset, "measurement": alarm.measurement,
                  "priority": alarm.priority, "raised": alarm.raised.isoformat(), "by": by}
        with self._write() as db:
            record = write_row(db, "alarm_acknowledge", target, by=by, role=role, now=self._now(), tz=self.tz,
                               key=alarm_key(alarm))
        done = plant.acknowledge(alarm_id, by)
        made(record)
        return done

    def settle(self, plant: Plant) -> list[Alarm]:
        """Carry out acknowledgements the log holds and the plant does not (a crash between the two)."""
        logged = {e.record["target"]["alarm"]: e for e in self.entries(write="alarm_acknowledge")}
        done = []
        for alarm in plant.alarms(active_only=False):
            entry = logged.get(alarm.id)
            if entry is not None and alarm.acknowledged is None and alarm_key(alarm) == self._key(entry.id):
                done.append(plant.acknowledge(alarm.id, entry.record["target"].get("by") or entry.record["name"]))
        return done

    def acknowledgements(self) -> dict[str, dict[str, Any]]:
        """Alarm occurrence key -> the audit record of its acknowledgement (for the handover)."""
        return {self._key(e.id) or "": e.record for e in self.entries(write="alarm_acknowledge")}

    def _key(self, row: int) -> str | None:
        found = self._read("SELECT key FROM audit WHERE id = ?", (row,))
        return found[0][0] if found else None

    # -- reads ------------------------------------------------------------------------------
    def entries(self, *, since: dt.datetime | None = None, user: str | None = None, write: str | None = None
                ) -> list[Entry]:
        """Rows oldest first; ``since`` a time, ``user`` a user key (any case), ``write`` write rows of that kind."""
        where, args = ["1 = 1"], []
        if since is not None:
            where.append("utc >= ?")
            args.append(_micros(since if since.tzinfo else since.replace(tzinfo=self.tz)))
        if user is not None:
            where.append("lower(user) = lower(?)")
            args.append(user)
        if write is not None:
            where.append("kind = 'write' AND json_extract(record, '$.write') = ?")
            args.append(write)
        rows = self._read(f"SELECT id, kind, record FROM audit WHERE {' AND '.join(where)} ORDER BY id", args)
        return [Entry(int(i), k, json.loads(r)) for i, k, r in rows]


def alarm_key(alarm: Alarm) -> str:
    """One key per alarm occurrence: a plant store started again reuses ids, never with the same raise."""
    return f"alarm_acknowledge:{alarm.id}:{alarm.asset}:{alarm.measurement}:{_micros(alarm.raised)}"


def flat(entry: Entry) -> dict[str, Any]:
    """A row for CSV: every field of ``FIELDS``, lists and tables as JSON."""
    values = entry.data()
    return {f: _json(values[f]) if isinstance(values.get(f), (dict, list)) else values.get(f, "") for f in FIELDS}


def line(entry: Entry) -> str:
    """One row as ``audit list`` prints it."""
    r = entry.record
    when = dt.datetime.fromisoformat(r["time_local"]).strftime("%Y-%m-%d %H:%M:%S")
    who = f"{r.get('station') or '-'} {r.get('user') or '(nobody)'} ({r.get('role') or '-'})"
    if entry.kind == "write":
        target = " ".join(f"{k}={v}" for k, v in r.get("target", {}).items() if k in ("note", "version", "alarm", "asset"))
        return f"#{entry.id} {when} {who} write {r['write']} {target}".rstrip()
    acts = "".join(f"; {a['write']} {a['outcome']}" + (f" ({a['reason']})" if a.get("reason") else "")
                   for a in r.get("actions", []))
    conf = "" if r.get("heard_confidence") is None else f" [{r['heard_confidence']:.2f}]"
    return (f"#{entry.id} {when} {who} heard {r.get('heard')!r}{conf} -> {r.get('intent')} "
            f"({r.get('intent_confidence', 0):.2f}): {r.get('answer')!r}{acts}")
