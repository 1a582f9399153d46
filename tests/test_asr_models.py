"""Bundled whisper models by name: tiny.en as shipped, base joined once and atomically from its two packages."""

from __future__ import annotations

import hashlib
import os
import wave
from pathlib import Path

import numpy as np
import pytest
from speech import say

from assistant.asr import create_recognizer
from assistant.asr.models import Parts, assemble, bundled
from assistant.asr.whisper import WhisperRecognizer
from assistant.config import AsrConfig
from assistant.errors import BackendError


def pieces(tmp_path: Path, sha: str | None = None) -> Parts:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "a.part1").write_bytes(b"first half ")
    (tmp_path / "a.part2").write_bytes(b"second half")
    good = hashlib.sha256(b"first half second half").hexdigest()
    return Parts((tmp_path / "config.json",), (tmp_path / "a.part1", tmp_path / "a.part2"), sha or good)


def test_parts_are_joined_once_into_a_complete_directory(tmp_path: Path) -> None:
    target = assemble(pieces(tmp_path), tmp_path / "models" / "whisper-x")
    assert (target / "model.bin").read_bytes() == b"first half second half"
    assert (target / "config.json").read_text() == "{}"
    assert sorted(p.name for p in target.parent.iterdir()) == ["whisper-x"]  # no temporary left
    os.utime(target / "model.bin", (1, 1))
    assert assemble(pieces(tmp_path), target) == target and (target / "model.bin").stat().st_mtime == 1  # not redone


def test_a_damaged_part_leaves_no_model_and_no_temporary(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="damaged.*reinstall the model packages"):
        assemble(pieces(tmp_path, sha="0" * 64), tmp_path / "models" / "whisper-x")
    assert list((tmp_path / "models").iterdir()) == []


def test_leftovers_of_a_crashed_assembly_are_removed(tmp_path: Path) -> None:
    crashed = tmp_path / "models" / ".whisper-x.abc123"
    crashed.mkdir(parents=True)
    (crashed / "model.bin").write_bytes(b"first")  # half a model, never renamed into place
    os.utime(crashed, (0, 0))
    assemble(pieces(tmp_path), tmp_path / "models" / "whisper-x")
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["whisper-x"]


def test_names() -> None:
    assert bundled("") == bundled("tiny.en") and (bundled("") / "model.bin").is_file()  # type: ignore[operator]
    assert bundled("small.en") is None  # not bundled: faster-whisper's own name


def test_base_dictation_beside_tiny_en_commands(tmp_path: Path) -> None:
    config = AsrConfig(dictation_model="base")
    dictation = create_recognizer(config, mode="dictation")
    command = create_recognizer(config, mode="command")
    assert isinstance(dictation, WhisperRecognizer) and isinstance(command, WhisperRecognizer)
    assert dictation.model.model.is_multilingual and command.english_only
    text = "The lubrication oil was changed this morning and the maintenance team will check the coupling tomorrow."
    with wave.open(str(say(text, tmp_path / "note.wav", voice="piper:joe"))) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    heard = dictation.transcribe(samples).text.lower()
    assert "maintenance team" in heard and "coupling tomorrow" in heard, heard
