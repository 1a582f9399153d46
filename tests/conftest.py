"""Shared test setup: a real PulseAudio server with a loopback null sink, and the drinks domain.

``scripts/pulse.sh`` starts PulseAudio (idempotently) with the 16 kHz mono null
sink ``vsink`` as default sink and ``vsink.monitor`` as default source, and
prints the environment clients need; the ``pulse`` fixture takes that
environment over, so a plain ``pytest`` run finds the device too.

``drinks_dir`` is a fresh copy of ``fixtures/drinks``, a small foreign intents domain
(with a test file), and ``drink_lookups`` the spoken forms of its lists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/speech.py as `speech`
DRINKS = ROOT / "tests" / "fixtures" / "drinks"
DRINK_LOOKUPS = ROOT / "tests" / "fixtures" / "drinks_lookups.yml"
SHARED = ROOT.parent / "shared"  # datasets and speech recordings beside the checkout, as in CI
REQUIRE_SHARED = "PLANTVOICE_REQUIRE_SHARED"
# The Pico voice is opt-in (scripts/voice-pico.sh): its tests are collected where pico2wave is, or when
# PLANTVOICE_PICO=1 asks for them (then a missing pico2wave fails them).
collect_ignore = [] if shutil.which("pico2wave") or os.environ.get("PLANTVOICE_PICO") == "1" else [
    "test_tts_pico.py", "test_asset_speech_german.py"]


def shared(*parts: str) -> Path:
    """A path under ../shared; skips the test with the reason when it is absent, fails instead under
    PLANTVOICE_REQUIRE_SHARED=1 (set by .ci/run), so CI never silently skips what needs it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is absent: put the shared data beside the checkout (../shared)"
        if os.environ.get(REQUIRE_SHARED) == "1":
            pytest.fail(f"{reason}; {REQUIRE_SHARED}=1 makes this a failure", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture()
def drinks_dir(tmp_path: Path) -> Path:
    """A copy of the drinks domain (tests/fixtures/drinks) that a test may change."""
    return Path(shutil.copytree(DRINKS, tmp_path / "drinks"))


@pytest.fixture(scope="session")
def drink_lookups() -> dict[str, dict[str, tuple[str, ...]]]:
    from assistant.nlu import load_lookups

    return load_lookups(DRINK_LOOKUPS)


@pytest.fixture(scope="session", autouse=True)
def pulse() -> dict[str, str]:
    """Run scripts/pulse.sh once per session and export PULSE_SERVER & co. to this process."""
    done = subprocess.run([str(ROOT / "scripts" / "pulse.sh")], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        pytest.fail(f"scripts/pulse.sh failed: {done.stderr.strip()}", pytrace=False)
    env: dict[str, str] = {}
    for line in done.stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            env[key] = value
    os.environ.update(env)
    if "sounddevice" in sys.modules:  # PortAudio read the ALSA setup before the server ran: look again
        import sounddevice as sd

        sd._terminate()
        sd._initialize()
    return env
