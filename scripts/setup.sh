#!/usr/bin/env bash
# Installs everything plantvoice needs, idempotently: Debian packages, then .venv/ with pinned packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# poppler-utils: pdftoppm and pdftotext, with which the tests render the handover PDF;
# chromium: the browser the console page is tested in (Playwright drives it; no browser download)
DEBIAN_PACKAGES="espeak-ng libespeak-ng1 sox libsox-fmt-all libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins postgresql mosquitto poppler-utils chromium"
missing=""
for p in $DEBIAN_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "plantvoice setup: installing Debian packages:$missing"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
  else
    echo "plantvoice setup: Debian packages missing; run: sudo apt-get install -y$missing" >&2
    exit 1
  fi
fi

PYTHON=""
for candidate in python3.11 "$HOME/.pyenv/versions/3.11.7/bin/python3.11" python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    PYTHON=$candidate; break
  fi
done
[ -n "$PYTHON" ] || { echo "plantvoice setup: Python 3.11 not found; install python3.11 and retry" >&2; exit 1; }

stamp=".venv/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  echo "plantvoice setup: installing Python packages into .venv (first run takes a few minutes)"
  pip() { .venv/bin/pip install -q --disable-pip-version-check "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }; return "${PIPESTATUS[0]}"; }
  pip torch==2.13.0
  pip -r requirements.lock
  pip --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi
