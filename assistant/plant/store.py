"""The embedded plant store: one SQLite file with alarms and metadata (samples live in the historian).

    meta     key -> value (simulation start, seed, model fingerprint, last sample time)
    alarms   one row per alarm occurrence: raised, latest value, cleared, acknowledged

Writes run in transactions with ``synchronous=FULL``, so an acknowledged alarm is
on disk before the call returns. One store may be used from several threads.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..files import transaction

__all__ = ["PlantStore", "AlarmRow"]

AlarmRow = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alarms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asset TEXT NOT NULL, measurement TEXT NOT NULL, kind TEXT NOT NULL, priority TEXT NOT NULL,
    limit_value REAL NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL,
    raised INTEGER NOT NULL, cleared INTEGER, acknowledged INTEGER, acknowledged_by TEXT
);
"""


class PlantStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise DataError(f"{self.path}: not a usable plant store ({exc}); delete the file to rebuild it") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._db, self._lock)

    # -- meta

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, db: sqlite3.Connection, **values: Any) -> None:
        db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                       [(k, str(v)) for k, v in values.items()])

    def clear(self, db: sqlite3.Connection) -> None:
        """Forget everything (a new simulation: other seed or asset model)."""
        db.execute("DELETE FROM meta")
        db.execute("DELETE FROM alarms")

    # -- alarms

    _ALARM_COLUMNS = ("id, asset, measurement, kind, priority, limit_value, value, unit, raised, cleared, "
                      "acknowledged, acknowledged_by")

    def _alarm_rows(self, where: str, args: tuple[Any, ...]) -> list[AlarmRow]:
        names = [c.strip() for c in self._ALARM_COLUMNS.split(",")]
        with self._lock:
            rows = self._db.execute(f"SELECT {self._ALARM_COLUMNS} FROM alarms {where}", args).fetchall()
        return [dict(zip(names, row)) for row in rows]

    def alarms(self, active_only: bool, until: int) -> list[AlarmRow]:
        if active_only:
            return self._alarm_rows("WHERE raised <= ? AND (cleared IS NULL OR cleared > ?) ORDER BY raised, id",
                                    (until, until))
        return self._alarm_rows("WHERE raised <= ? ORDER BY raised, id", (until,))

    def alarm(self, alarm_id: int) -> AlarmRow | None:
        rows = self._alarm_rows("WHERE id = ?", (alarm_id,))
        return rows[0] if rows else None

    def open_alarms(self, db: sqlite3.Connection) -> dict[tuple[str, str, str], int]:
        rows = db.execute("SELECT asset, measurement, kind, id FROM alarms WHERE cleared IS NULL").fetchall()
        return {(a, m, k): int(i) for a, m, k, i in rows}

    def raise_alarm(self, db: sqlite3.Connection, asset: str, measurement: str, kind: str, priority: str,
                    limit: float, value: float, unit: str, t: int) -> int:
        cursor = db.execute(
            "INSERT INTO alarms (asset, measurement, kind, priority, limit_value, value, unit, raised) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (asset, measurement, kind, priority, limit, value, unit, t))
        return int(cursor.lastrowid or 0)

    def update_alarm(self, db: sqlite3.Connection, alarm_id: int, value: float) -> None:
        db.execute("UPDATE alarms SET value = ? WHERE id = ?", (value, alarm_id))

    def clear_alarm(self, db: sqlite3.Connection, alarm_id: int, value: float, t: int) -> None:
        db.execute("UPDATE alarms SET value = ?, cleared = ? WHERE id = ?", (value, t, alarm_id))

    def acknowledge(self, alarm_id: int, by: str, t: int) -> AlarmRow | None:
        with self.transaction() as db:
            db.execute("UPDATE alarms SET acknowledged = ?, acknowledged_by = ? WHERE id = ? AND acknowledged IS NULL",
                       (t, by, alarm_id))
        return self.alarm(alarm_id)
