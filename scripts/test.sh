#!/usr/bin/env bash
# Runs the whole test suite against real libraries and a real PortAudio device (PulseAudio null sink).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/pulse.sh)"
exec .venv/bin/python -m pytest -q "$@"
