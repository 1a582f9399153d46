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


def test_a_new_database_is_private(tmp_path: Path) -> None:
    db = files.open_durable(tmp_path / "notes.sqlite")
    db.execute("CREATE TABLE t (x)")
    db.execute("INSERT INTO t VALUES (1)")
    assert (tmp_path / "notes.sqlite").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "notes.sqlite-wal").stat().st_mode & 0o777 == 0o600
    db.close()


def test_write_atomic_makes_a_private_file_and_replaces_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    assert files.write_atomic(target, b"new") == target
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_a_planted_symlink_is_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "answer.wav").symlink_to(victim)
    for name in (".answer.partial.wav", ".answer.wav.tmp", ".answer.tmp"):  # names a writer might guess
        (out / name).symlink_to(victim)
    files.write_atomic(out / "answer.wav", b"RIFF")
    assert victim.read_bytes() == b"precious"
    assert not (out / "answer.wav").is_symlink() and (out / "answer.wav").read_bytes() == b"RIFF"


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with files.atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("writer failed")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["model.npz"]


@pytest.mark.parametrize("backend", ["pyttsx3", "espeak-ng"])
def test_speech_output_does_not_follow_a_planted_symlink(tmp_path: Path, backend: str) -> None:
    from assistant.config import TtsConfig
    from assistant.tts import synthesizers

    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / ".answer.partial.wav").symlink_to(victim)  # the old fixed name of the half-written answer
    synth = synthesizers.create(backend, TtsConfig())
    path = synth.synthesize("Pump one is running.", tmp_path / "answer.wav")
    assert victim.read_bytes() == b"precious"
    assert path.stat().st_size > 1000 and path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [".answer.partial.wav", "answer.wav", "victim"]
