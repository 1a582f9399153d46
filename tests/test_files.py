"""The crash-safety helpers shared by the model assembly and the note store (assistant/files.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import files
from assistant.asr import models
from assistant.notes import store


def test_a_file_and_a_directory_are_flushed(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"data")
    files.fsync_path(tmp_path / "a.bin")
    files.fsync_path(tmp_path)


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        files.fsync_path(tmp_path / "missing")


def test_the_model_assembly_and_the_note_store_share_it() -> None:
    assert models.fsync_path is files.fsync_path and store.fsync_path is files.fsync_path
    assert not hasattr(models, "_fsync") and not hasattr(store, "_fsync_dir")
