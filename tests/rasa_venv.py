"""Rasa itself, for the tests that talk to it: a Python 3.10 venv at ``.venv-rasa`` with the
pinned ``requirements-rasa.lock`` (Rasa 3.6.21 runs on Python 3.8-3.10 only), and a Rasa
server on loopback.

    python = rasa_python()            # .venv-rasa/bin/python, made on first use
    rasa = rasa_bin()                 # .venv-rasa/bin/rasa
    with rasa_server(models_dir) as url:
        httpx.post(f"{url}/model/parse", json={"text": "..."})

The venv is made once and reused while its stamp matches the lock file; a venv left half-made
(an install that was cut short) is completed. Without Python 3.10 the tests skip with the
reason, unless ``CI`` is set: then they fail. ``rasa_env()`` is the environment Rasa runs in
here: quiet TensorFlow, two threads.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

__all__ = ["RASA_VENV", "LOCK", "rasa_python", "rasa_bin", "rasa_env", "rasa_server", "rasa_venv"]

ROOT = Path(__file__).resolve().parent.parent
RASA_VENV = ROOT / ".venv-rasa"
LOCK = ROOT / "requirements-rasa.lock"
STAMP = RASA_VENV / "plantvoice-lock.sha256"  # written after a complete install: the lock's hash
INSTALL_TIMEOUT_S = 3600
START_TIMEOUT_S = 300  # a Rasa server loads TensorFlow and the model before it answers


def python310() -> Path | None:
    """A Python 3.10 interpreter that runs: the newest of pyenv's, else one on PATH (a pyenv shim
    on PATH may name a version that is not selected, so each is tried)."""
    pyenv = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10.*/bin/python3.10")), reverse=True)
    for candidate in [*pyenv, shutil.which("python3.10")]:
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return Path(candidate)
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so this is a failure", pytrace=False)
    pytest.skip(reason)


def _ensure() -> Path:
    """The venv, made or completed if its stamp does not match the lock."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text().strip() == digest:
        return RASA_VENV
    base = python310()
    if base is None:
        _unavailable("Rasa 3.6 needs Python 3.10: no python3.10 on PATH or in ~/.pyenv/versions")
    assert base is not None
    RASA_VENV.mkdir(exist_ok=True)
    with open(RASA_VENV / ".install-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test session may be installing
        if STAMP.is_file() and STAMP.read_text().strip() == digest:
            return RASA_VENV
        steps = [[str(base), "-m", "venv", str(RASA_VENV)],
                 [str(RASA_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(LOCK)]]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                pytest.fail(f"{' '.join(step[:4])} failed ({done.returncode}): {last}", pytrace=False)
        STAMP.write_text(digest + "\n")
    return RASA_VENV


def rasa_python() -> Path:
    return _ensure() / "bin" / "python"


def rasa_bin() -> Path:
    return _ensure() / "bin" / "rasa"


def rasa_env(threads: int = 2) -> dict[str, str]:
    """The environment for Rasa commands: TensorFlow quiet and on ``threads`` threads."""
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "OMP_NUM_THREADS": str(threads),
            "TF_INTRA_OP_PARALLELISM_THREADS": str(threads), "TF_INTER_OP_PARALLELISM_THREADS": "1",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONWARNINGS": "ignore"}


@pytest.fixture(scope="session")
def rasa_venv() -> Path:
    """The Rasa venv (``.venv-rasa``), made on first use."""
    return _ensure()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def rasa_server(models: Path, log: Path | None = None, args: Sequence[str] = ()) -> Iterator[str]:
    """``rasa run --enable-api`` on the model(s) in ``models``, on 127.0.0.1 at a free port; yields its
    URL once the model is loaded and stops the server afterwards. Its output goes to ``log``; ``args``
    are more of ``rasa run``'s (``--endpoints``, ``--connector rest``)."""
    port = free_port()
    log = log or models.parent / f"rasa-server-{port}.log"
    with open(log, "w") as out:
        server = subprocess.Popen([str(rasa_bin()), "run", "--enable-api", "-m", str(models), "-i", "127.0.0.1",
                                   "--port", str(port), *args], stdout=out, stderr=subprocess.STDOUT, env=rasa_env(),
                                  cwd=models.parent, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_loaded(server, url, log)
        yield url
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()


def _wait_loaded(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            pytest.fail(f"rasa run exited with {server.returncode}: {tail[0]} (log: {log})", pytrace=False)
        try:
            if httpx.get(f"{url}/status", timeout=2).json().get("model_file"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(1)
    pytest.fail(f"rasa run did not load its model within {START_TIMEOUT_S} s (log: {log})", pytrace=False)
