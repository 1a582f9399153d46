"""Fetch a recognizer model where internet exists: download, verify, unpack atomically.

    fetch_model("vosk-small-en", data_dir / "models")  -> .../vosk-model-small-en-us-0.15
    python -m assistant.asr.fetch vosk-small-en DEST_DIR

The archive's SHA-256 and size are checked before anything is unpacked; the
model appears in ``dest_dir`` in one rename, so a half-unpacked model is never
seen. An offline box gets a BackendError saying how to bring the model in by hand.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import BackendError, ConfigError, InputError

__all__ = ["ModelSpec", "MODELS", "fetch_model", "install_archive", "sha256_of"]


@dataclass(frozen=True)
class ModelSpec:
    url: str
    sha256: str  # of the archive as published
    size: int  # bytes of the archive
    folder: str  # the one top-level directory inside the archive
    required: tuple[str, ...]  # files that make it a usable model


MODELS: dict[str, ModelSpec] = {
    "vosk-small-en": ModelSpec(
        url="https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
        sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
        size=41_205_931,
        folder="vosk-model-small-en-us-0.15",
        required=("am/final.mdl", "conf/model.conf", "graph/HCLr.fst", "graph/Gr.fst", "ivector/final.ie"),
    ),
}

_TIMEOUT_S = 30.0
_BLOCK = 1 << 20


def _spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ConfigError(f"unknown model {name!r}; choose one of: {', '.join(sorted(MODELS))}") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def fetch_model(name: str, dest_dir: Path) -> Path:
    """Download model ``name`` into ``dest_dir`` (once) and return its directory."""
    spec = _spec(name)
    dest_dir = Path(dest_dir).expanduser()
    target = dest_dir / spec.folder
    if target.is_dir() and all((target / r).is_file() for r in spec.required):
        return target
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=dest_dir) as tmp:
        archive = Path(tmp) / f"{spec.folder}.zip"
        try:
            with urllib.request.urlopen(spec.url, timeout=_TIMEOUT_S) as response, open(archive, "wb") as out:
                shutil.copyfileobj(response, out, _BLOCK)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BackendError(
                f"could not download {name} from {spec.url} ({reason}); without internet, fetch that file "
                f"elsewhere, unzip it into {dest_dir} and set asr -> vosk_model to {target}"
            ) from None
        return install_archive(archive, name, dest_dir)


def install_archive(archive: Path, name: str, dest_dir: Path, spec: ModelSpec | None = None) -> Path:
    """Verify ``archive`` against the model's size and SHA-256, then unpack it atomically.

    ``spec`` overrides the catalogue entry (for a site's own mirror or pinned model).
    Raises InputError when the archive is not the published one or not a model.
    """
    spec = spec or _spec(name)
    archive, dest_dir = Path(archive), Path(dest_dir).expanduser()
    size = archive.stat().st_size
    digest = sha256_of(archive)
    if size != spec.size or digest != spec.sha256:
        raise InputError(
            f"{archive} is not the published {name} archive (size {size}, sha256 {digest}; "
            f"expected {spec.size}, {spec.sha256}); download it again"
        )
    target = dest_dir / spec.folder
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".unpack-", dir=dest_dir) as tmp:
        try:
            with zipfile.ZipFile(archive) as zf:
                for member in zf.infolist():
                    parts = PurePosixPath(member.filename).parts
                    if not parts or parts[0] != spec.folder or ".." in parts or member.filename.startswith("/"):
                        raise InputError(f"{archive}: unexpected entry {member.filename!r}; download it again")
                zf.extractall(tmp)
        except zipfile.BadZipFile:
            raise InputError(f"{archive} is not a zip file; download it again") from None
        unpacked = Path(tmp) / spec.folder
        missing = [r for r in spec.required if not (unpacked / r).is_file()]
        if missing:
            raise InputError(f"{archive} lacks {', '.join(missing)}; it is not a usable {name} model")
        if target.exists():
            old = Path(tmp) / ".old"
            target.rename(old)  # replaced in two renames; the old copy goes with tmp
        unpacked.rename(target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m assistant.asr.fetch MODEL DEST_DIR; models: " + ", ".join(sorted(MODELS)),
              file=sys.stderr)
        return 2
    try:
        print(fetch_model(args[0], Path(args[1])))
    except (BackendError, ConfigError, InputError) as exc:
        print(f"plantvoice: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
