"""Small helpers for files that must survive a crash: fsync, whole files replaced at once, and
SQLite files written durably. Every file made here is private to its owner (mode 0600).

    write_atomic(path, data)                # a new private file renamed over ``path``
    with atomic_path(path) as tmp:          # the same for a writer that wants a file name
        subprocess.run([..., str(tmp)])
    db = open_durable(path)                 # WAL, synchronous=FULL, writers wait for each other
    with transaction(db, lock) as db:       # BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error
        db.execute(...)
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["BUSY_TIMEOUT_S", "fsync_path", "atomic_path", "write_atomic", "open_durable", "transaction"]

BUSY_TIMEOUT_S = 30.0  # how long a writer waits for another one


def fsync_path(path: str | Path) -> None:
    """Flush a file's data, or a directory's entries (a new or renamed name in it), to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A new empty file beside ``path`` to write the whole of ``path`` into: a random name created
    exclusively with mode 0600, so a symlink planted under any name is never followed. When the block
    ends it is flushed and renamed over ``path`` (a symlink at ``path`` is replaced, not written
    through), and the directory flushed; on any error it is removed and ``path`` left as it was."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".partial{path.suffix}")
    os.close(fd)
    try:
        yield Path(name)
        fsync_path(name)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    fsync_path(path.parent)


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Replace ``path`` by a private file (0600) holding ``data``, all at once (see ``atomic_path``)."""
    with atomic_path(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    return Path(path)


def open_durable(path: str | Path) -> sqlite3.Connection:
    """A connection for durable writes: WAL, ``synchronous=FULL``, a busy timeout, transactions only
    by ``transaction``. A new file is made private (0600; SQLite gives its -wal and -shm files the same
    mode). Raises sqlite3.DatabaseError for a file that is not a usable database."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        pass  # an existing file keeps its mode; SQLite reports a path it cannot open
    db = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    _use_wal(db)
    db.execute("PRAGMA synchronous=FULL")
    return db


@contextmanager
def transaction(db: sqlite3.Connection, lock: threading.Lock | threading.RLock) -> Iterator[sqlite3.Connection]:
    """One write transaction: it takes the database's write lock first (other writers wait); any error rolls it back."""
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch a new file to WAL. That needs the file alone, and SQLite answers "locked" at once instead
    of waiting when another process opens it at the same moment: so try again until the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    if mode != "wal":
        raise sqlite3.DatabaseError(f"journal mode {mode!r} instead of WAL (is it on a network file system?)")
