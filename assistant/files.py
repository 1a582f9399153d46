"""Small helpers for files that must survive a crash: fsync, whole files replaced at once, and
SQLite files written durably. Every file made here is private to its owner (mode 0600).

    write_atomic(path, data)                # a new private file renamed over ``path``
    write_arrays(path, meta, arrays)        # a model: numpy arrays plus JSON, data only (no code)
    meta, arrays = read_arrays(path)        # ValueError for anything else, a pickle included
    with atomic_path(path) as tmp:          # the same for a writer that wants a file name
        subprocess.run([..., str(tmp)])
    db = open_durable(path)                 # WAL, synchronous=FULL, writers wait for each other
    with transaction(db, lock) as db:       # BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error
        db.execute(...)
"""

from __future__ import annotations

import io
import json
import errno
import os
import sqlite3
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DataError, PlantvoiceError, StorageError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BUSY_TIMEOUT_S", "fsync_path", "atomic_path", "write_atomic", "write_arrays", "read_arrays",
           "private", "open_durable", "transaction", "read_only", "open_readonly", "storage_error"]

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


_META = "meta.json"  # the member of a model file that holds its JSON


def write_arrays(path: str | Path, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Path:
    """Save a model as one ``.npz`` file: numeric arrays plus ``meta`` as JSON; nothing in it can run
    as code when it is read. Written with ``write_atomic`` (private, all at once)."""
    import numpy as np

    if _META in arrays or any(a.dtype.hasobject for a in arrays.values()):
        raise ValueError(f"write_arrays: arrays must be numeric and not named {_META!r}")
    buffer = io.BytesIO()
    text = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    np.savez(buffer, **{_META: np.frombuffer(text.encode("utf-8"), np.uint8)}, **arrays)
    return write_atomic(path, buffer.getvalue())


def read_arrays(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(meta, arrays)`` of a file of ``write_arrays``. Anything else (missing, truncated, garbled,
    a pickle or object arrays, which are refused and never run) raises ValueError saying why."""
    import numpy as np

    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("a single array")
        with loaded as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(arrays.pop(_META).tobytes().decode("utf-8"))
    except FileNotFoundError:
        raise ValueError("no such file") from None
    except OSError as exc:
        raise ValueError(exc.strerror or str(exc)) from None
    except KeyError:
        raise ValueError(f"not a model file (no {_META})") from None
    except (ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        why = "pickled data, refused" if "pickle" in str(exc) else str(exc)
        raise ValueError(f"not a model file ({why})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"not a model file ({_META} is no JSON object)")
    return meta, arrays


def private(path: str | Path) -> None:
    """Create ``path`` empty with mode 0600 if it is not there (SQLite gives its -wal and -shm files the
    database's mode); an existing file keeps its mode, and a path that cannot be made is left to the caller."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        pass


def open_durable(path: str | Path) -> sqlite3.Connection:
    """A connection for durable writes: WAL, ``synchronous=FULL``, a busy timeout, transactions only
    by ``transaction``. A new file is made private (0600; SQLite gives its -wal and -shm files the same
    mode). Raises sqlite3.DatabaseError for a file that is not a usable database."""
    private(path)
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
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                db.execute("ROLLBACK")
            raise


def read_only(path: str | Path) -> bool:
    """True when an existing SQLite file, or its directory (where its -wal and -shm files live), cannot be
    written by this process: it is then opened with ``open_readonly``."""
    path = Path(path)
    return path.is_file() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """A connection that only reads. In a directory nobody may write, a WAL file without its -wal file is
    read as immutable (SQLite cannot make its -shm file there, and no writer can change it either)."""
    path = Path(path).resolve()
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                         check_same_thread=False)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        db.close()
        if os.access(path.parent, os.W_OK) or Path(f"{path}-wal").exists():
            raise
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None,
                         check_same_thread=False)
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return db


def storage_error(exc: Exception, path: str | Path) -> PlantvoiceError:
    """The one-line error for a failed open, read or write of SQLite file ``path`` (or a file beside it).
    Only a file that is not a database or is damaged is a DataError, with the advice to move it away;
    a full disk, a read-only or forbidden file or directory, a lock held too long or an I/O error is a
    StorageError saying so: the file is sound and nothing stored in it is lost."""
    path = Path(path)
    name = getattr(exc, "sqlite_errorname", "") or ""
    number = getattr(exc, "errno", None)
    text = " ".join(str(exc).split()) if not isinstance(exc, OSError) or not exc.strerror else exc.strerror
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return DataError(f"{path} is not a database or is damaged ({text}); move it away to start an empty one")
    if name.startswith("SQLITE_FULL") or number in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(f"the disk holding {path} is full ({text}); nothing already stored is lost: "
                            "free space there and try again")
    if name.startswith("SQLITE_READONLY") or number == errno.EROFS:
        return StorageError(f"{path} is read-only for this user ({text}); it can be read but not written: make it "
                            f"and its directory {path.parent} writable, or run as the user who owns them")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StorageError(f"{path} is locked by another process for more than {BUSY_TIMEOUT_S:g} s ({text}); "
                            f"try again, or find the process holding it (fuser {path})")
    if name.startswith("SQLITE_CANTOPEN") or number in (errno.EACCES, errno.EPERM, errno.ENOENT):
        return StorageError(f"{path} cannot be opened ({text}); check that it and its directory {path.parent} "
                            "exist and that this user may read and write them")
    if name.startswith("SQLITE_IOERR") or number == errno.EIO:
        return StorageError(f"{path} cannot be read or written: disk I/O error ({text}); check the disk")
    return StorageError(f"{path} cannot be used ({text}); check the file and its directory {path.parent}")


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
