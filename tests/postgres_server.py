"""A throwaway PostgreSQL server for tests and benchmarks (Debian package postgresql).

    with postgres_server() as server:
        server.create_database("t1")      # -> DSN of the new, empty database

initdb and pg_ctl run from /usr/lib/postgresql/<version>/bin in a temporary directory, on
127.0.0.1 with a free port, as the ``postgres`` user when run as root (initdb refuses root).
fsync is off: the data is thrown away. A missing PostgreSQL raises RuntimeError; tests turn
that into a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "postgres_server", "pg_bin"]

_OPTIONS = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c shared_buffers=128MB")


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
                           "run scripts/setup.sh, which installs the Debian package postgresql")
    return found[-1].parent


@dataclass(frozen=True)
class PostgresServer:
    port: int
    root: Path

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}"')
            db.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.dsn(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(command: list[str], as_user: list[str]) -> None:
    done = subprocess.run(as_user + command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()[-800:]}")


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="plantvoice-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C", "--no-sync"], as_user)
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
              "-o", f"-p {port} -k {root} {_OPTIONS}", "start"], as_user)
        try:
            yield PostgresServer(port, root)
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], as_user)
    finally:
        shutil.rmtree(root, ignore_errors=True)
