"""Shared test setup: a real PulseAudio server with a loopback null sink.

``scripts/pulse.sh`` starts PulseAudio (idempotently) with the 16 kHz mono null
sink ``vsink`` as default sink and ``vsink.monitor`` as default source, and
prints the environment clients need; the ``pulse`` fixture takes that
environment over, so a plain ``pytest`` run finds the device too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/speech.py as `speech`


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
