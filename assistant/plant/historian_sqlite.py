"""The embedded historian: one SQLite file (data_dir/historian.sqlite).

Points live in a WITHOUT ROWID table keyed (signal, t): a signal's samples sit together in
time order, so the latest value is one index seek and a window is one range scan. Writes run
in transactions with WAL and ``synchronous=NORMAL`` (a crash may lose the last commits, never
corrupt the file); one historian may be used from several threads.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..files import private, storage_error
from .historian_sql import PointRow, SqlHistorian

__all__ = ["SqliteHistorian"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS signals (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS points (
    signal INTEGER NOT NULL, t INTEGER NOT NULL, value REAL NOT NULL, quality INTEGER NOT NULL,
    PRIMARY KEY (signal, t)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alarms (
    id TEXT PRIMARY KEY, asset TEXT NOT NULL, signal TEXT NOT NULL, priority TEXT NOT NULL, state TEXT NOT NULL,
    raised INTEGER NOT NULL, changed INTEGER NOT NULL, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alarms_raised ON alarms (raised);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, asset TEXT NOT NULL, kind TEXT NOT NULL, t INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_asset_t ON events (asset, t);
"""
_UPSERT = ("INSERT INTO points (signal, t, value, quality) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (signal, t) DO UPDATE SET value = excluded.value, quality = excluded.quality")
_LAST = ("SELECT (t - ?) / ? AS b, max(t), value FROM points WHERE signal = ? AND t >= ? AND t < ? AND quality < 2 "
         "GROUP BY b")  # SQLite: with a single max(), the bare column comes from that row


class SqliteHistorian(SqlHistorian):
    def __init__(self, path: str | Path, stale_after_s: float = 60.0,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        super().__init__(stale_after_s, clock)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        private(self.path)
        try:
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
                self._db.execute(f"PRAGMA {pragma}")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise storage_error(exc, self.path) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, tuple(args)).fetchall()

    def _execute(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._db.executemany(sql, rows)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _insert_points(self, rows: list[PointRow]) -> None:
        rows.sort(key=lambda r: (r[0], r[1]))  # b-tree order: each signal's pages are touched once
        self._db.executemany(_UPSERT, rows)

    def _last_per_bucket(self, signal: int, start: int, end: int, bucket: int) -> dict[int, tuple[int, float]]:
        rows = self._db.execute(_LAST, (start, bucket, signal, start, end)).fetchall()
        return {int(b): (int(t), float(v)) for b, t, v in rows}
