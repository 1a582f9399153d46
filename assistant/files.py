"""Small helpers for files that must survive a crash."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["fsync_path"]


def fsync_path(path: str | Path) -> None:
    """Flush a file's data, or a directory's entries (a new or renamed name in it), to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
