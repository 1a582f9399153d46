#!/usr/bin/env bash
# Starts a PulseAudio server with a 16 kHz mono null sink "vsink", idempotently.
#
# Whatever is played to the default sink (vsink) can be recorded back from the
# default source (vsink.monitor): a real PortAudio loopback for tests, no sound card.
#
# Prints the environment clients need on stdout, so a shell can take it over:
#     eval "$(scripts/pulse.sh)"
# Messages go to stderr. Exits non-zero with one line saying what failed and how to fix it.
#
# Environment:
#     PLANTVOICE_PULSE_DIR   where the server keeps its socket and state
#                            (default: /tmp/plantvoice-pulse-<uid>)
set -euo pipefail

die() { echo "plantvoice pulse: $*" >&2; exit 1; }

command -v pulseaudio >/dev/null || die "pulseaudio not found; install it: apt-get install -y pulseaudio pulseaudio-utils"
command -v pactl >/dev/null || die "pactl not found; install it: apt-get install -y pulseaudio-utils"

dir="${PLANTVOICE_PULSE_DIR:-/tmp/plantvoice-pulse-$(id -u)}"
mkdir -p "$dir" 2>/dev/null && chmod 700 "$dir" 2>/dev/null \
  || die "cannot create $dir for the server's socket; set PLANTVOICE_PULSE_DIR to a writable directory"
socket="$dir/native"
export PULSE_SERVER="unix:$socket"
export PULSE_RUNTIME_PATH="$dir"
export PULSE_STATE_PATH="$dir/state"

# One start at a time: several test runs may call this concurrently.
exec 9>"$dir/lock"
flock -w 60 9 || die "timed out waiting for $dir/lock held by another start; retry"

if ! pactl info >/dev/null 2>&1; then
  # -n: no default.pa (it would probe sound cards that do not exist here);
  # --exit-idle-time=-1: stay up between test runs; soxr-vhq: clean resampling.
  pulseaudio -D -n \
    --exit-idle-time=-1 \
    --resample-method=soxr-vhq \
    --use-pid-file=yes \
    --log-target="file:$dir/pulseaudio.log" \
    -L "module-native-protocol-unix auth-anonymous=1 socket=$socket" \
    >/dev/null 2>&1 || true
  for _ in $(seq 50); do
    pactl info >/dev/null 2>&1 && break
    sleep 0.1
  done
  pactl info >/dev/null 2>&1 || die "PulseAudio did not start (socket $socket); see $dir/pulseaudio.log"
fi

if ! pactl list short sinks | awk '{print $2}' | grep -qx vsink; then
  pactl load-module module-null-sink sink_name=vsink rate=16000 channels=1 \
    sink_properties=device.description=plantvoice-loopback >/dev/null \
    || die "could not load module-null-sink into PulseAudio at $socket; see $dir/pulseaudio.log"
fi
pactl set-default-sink vsink || die "could not make vsink the default sink"
pactl set-default-source vsink.monitor || die "could not make vsink.monitor the default source"

echo "export PULSE_SERVER=$PULSE_SERVER"
echo "export PULSE_RUNTIME_PATH=$PULSE_RUNTIME_PATH"
echo "export PULSE_STATE_PATH=$PULSE_STATE_PATH"
