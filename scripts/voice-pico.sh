#!/usr/bin/env bash
# Opt-in: the SVOX Pico German voice (pico2wave, de-DE) for tts -> backend = "pico".
#
# Pico is in Debian's non-free component, which a default Debian system does not use. This
# script changes the package sources, so it is never run by scripts/setup.sh: run it yourself.
# It says what it will do first, then
#   1. adds the "non-free" component in a file of its own,
#      /etc/apt/sources.list.d/plantvoice-non-free.sources (your other source files are not touched),
#   2. runs apt-get update and apt-get install -y libttspico-utils.
# As root it does it; otherwise it prints the exact commands to run and exits 1. Running it again
# changes nothing once pico2wave is there. Undo: apt-get remove libttspico-utils, delete the file.
#
#     scripts/voice-pico.sh            # do it (as root), or print the commands
#     scripts/voice-pico.sh --dry-run  # only print what it would do
set -euo pipefail

SOURCES=/etc/apt/sources.list.d/plantvoice-non-free.sources
PACKAGE=libttspico-utils
dry_run=0
case "${1:-}" in
  "") ;;
  -n | --dry-run) dry_run=1 ;;
  *) echo "usage: scripts/voice-pico.sh [--dry-run]" >&2; exit 2 ;;
esac

say() { echo "plantvoice voice-pico: $*"; }

if command -v pico2wave >/dev/null 2>&1; then
  say "pico2wave is installed ($(command -v pico2wave)); nothing to do"
  exit 0
fi

codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
if [ -z "$codename" ] || ! grep -qi '^ID=debian' /etc/os-release 2>/dev/null; then
  say "this is not a Debian system with a release name (/etc/os-release); install $PACKAGE (or svox pico2wave) by hand" >&2
  exit 1
fi

sources_text="Types: deb
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"

say "plan:"
if [ -f "$SOURCES" ] && [ "$(cat "$SOURCES")" = "$sources_text" ]; then
  say "  - $SOURCES is in place (Debian $codename non-free)"
  write_sources=0
else
  say "  - write $SOURCES: adds Debian's non-free component for $codename (packages whose licence is not free)"
  write_sources=1
fi
say "  - apt-get update; apt-get install -y $PACKAGE (SVOX Pico, pico2wave with the de-DE voice)"
[ "$dry_run" = 1 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  say "not root: run these commands as root (or with sudo):" >&2
  if [ "$write_sources" = 1 ]; then
    printf "sudo tee %s >/dev/null <<'EOF'\n%s\nEOF\n" "$SOURCES" "$sources_text" >&2
  fi
  echo "sudo apt-get update && sudo apt-get install -y $PACKAGE" >&2
  exit 1
fi

if [ "$write_sources" = 1 ]; then
  printf '%s\n' "$sources_text" > "$SOURCES.tmp"
  mv "$SOURCES.tmp" "$SOURCES"
  say "wrote $SOURCES"
fi
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$PACKAGE" >/dev/null
command -v pico2wave >/dev/null 2>&1 || { say "$PACKAGE installed but pico2wave is not on PATH" >&2; exit 1; }
say "installed: $(command -v pico2wave); use it with tts -> backend = \"pico\""
