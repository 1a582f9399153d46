#!/usr/bin/env python3
"""Time to first audio, whole answer against streamed, for hibari, espeak-ng and pyttsx3.

The 30 answers of ``benchmarks/tts_voice.py``, each spoken three ways into memory
(``Synthesizer.audio``) and handed to ``assistant.audio.Player`` on a real PortAudio output
stream (a PulseAudio null sink of this run's own, so nothing is heard and no test is disturbed):

    whole      the whole answer synthesized, then played (what the speaking path did before)
    sentences  ``tts.speech(..., clauses=False)``: the first sentence plays while the rest is made
    clauses    ``tts.speech(...)``, the default: sentences and clauses of three words or more

Time to first audio runs from the start of speaking (the output stream is opened first, as
``plantvoice listen`` does) until the player's callback hands the first samples to the device;
playback is then stopped; first sound adds the silence the first piece starts with (a voice's
lead-in, cut to 0.05 s in streamed pieces). What synthesis costs per answer is the time to synthesize all of it
(whole, or every piece one after another), with its real-time factor; "gaps" is the silence a
listener would hear if each piece were made after the one before it while that one plays
(computed from the pieces' synthesis times and lengths); "audio" is how long the answer sounds,
which the pauses at the cuts lengthen. Each backend runs in a fresh process; each answer ``--repeat``
times, medians kept.

    nice .venv/bin/python benchmarks/tts_stream.py                   # all backends, a Markdown report
    nice .venv/bin/python benchmarks/tts_stream.py --backend hibari --repeat 1
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tts_voice import ANSWERS, backend_main  # noqa: E402  (the same 30 answers, the same command line)

MODES = ("whole", "sentences", "clauses")


def lead_s(chunk: Any) -> float:
    """Silence before the first sound of a chunk."""
    import numpy as np

    sound = np.flatnonzero(np.abs(np.frombuffer(chunk.audio, "<i2").astype(np.int32)) > 32)
    return int(sound[0]) / chunk.rate if sound.size else 0.0


def first_audio(synth: Any, text: str, mode: str, config: Any) -> tuple[float, list[tuple[float, float]], float]:
    """Seconds to first audio through a real output stream, (synthesis s, audio s) of every piece, and the
    silence the first piece starts with."""
    from assistant.audio import Player
    from assistant.tts import speech

    start = time.perf_counter()
    player = Player(config, max_queued_s=120)  # room for any answer: put never waits for playing
    chunks = iter((synth.audio(t) for t in [text]) if mode == "whole"
                  else speech(synth, text, clauses=mode == "clauses"))
    made = time.perf_counter()
    first = next(chunks)
    pieces = [(time.perf_counter() - made, first.seconds)]
    player.put(first)
    if not player.first_audio.wait(10) or player.first_audio_at is None:
        raise RuntimeError("the output stream never asked for audio")
    heard = player.first_audio_at - start
    player.stop()
    player.close()
    while True:  # the rest of the answer, synthesized as it would be while the first piece plays
        began = time.perf_counter()
        chunk = next(chunks, None)
        if chunk is None:
            break
        pieces.append((time.perf_counter() - began, chunk.seconds))
    return heard, pieces, lead_s(first)


def gaps(pieces: list[tuple[float, float]]) -> float:
    """Silence between pieces when each is made after the one before and played as soon as it is ready."""
    ready = playing_until = silence = 0.0
    for i, (synth_s, audio_s) in enumerate(pieces):
        ready += synth_s
        if i:
            silence += max(0.0, ready - playing_until)
        playing_until = max(ready, playing_until) + audio_s
    return silence


def run_backend(backend: str, repeat: int) -> dict[str, Any]:
    from assistant.config import AudioConfig, TtsConfig
    from assistant.tts import synthesizers

    config = AudioConfig(output_device="pulse")
    synth = synthesizers.create(backend, TtsConfig())
    synth.audio("Ready.")
    first_audio(synth, "Ready.", "whole", config)  # PortAudio and the stream path warmed once
    rows = []
    for text in ANSWERS:
        row: dict[str, Any] = {"chars": len(text)}
        for mode in MODES:
            runs = [first_audio(synth, text, mode, config) for _ in range(repeat)]
            row[mode] = {"first_s": statistics.median(r[0] for r in runs),
                         "first_sound_s": statistics.median(r[0] + r[2] for r in runs),
                         "synth_s": statistics.median(sum(s for s, _ in r[1]) for r in runs),
                         "audio_s": sum(a for _, a in runs[0][1]), "pieces": len(runs[0][1]),
                         "gap_s": statistics.median(gaps(r[1]) for r in runs)}
        rows.append(row)
    close = getattr(synth, "close", None)
    if close:
        close()
    return {"backend": backend, "rows": rows}


def med(result: dict[str, Any], mode: str, key: str) -> float:
    return statistics.median(r[mode][key] for r in result["rows"])


def report(results: list[dict[str, Any]]) -> str:
    lines = ["| backend | mode | first audio, median (ms) | max (ms) | first sound, median (ms) | "
             "synthesis per answer, median (ms) | real-time factor | pieces, median | audio, median (s) | "
             "answers with gaps | gaps, total (s) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for mode in MODES:
            rows = r["rows"]
            rtf = statistics.median(x[mode]["synth_s"] / x[mode]["audio_s"] for x in rows)
            gapped = sum(x[mode]["gap_s"] > 0.005 for x in rows)
            lines.append(f"| {r['backend']} | {mode} | {med(r, mode, 'first_s') * 1e3:.0f} | "
                         f"{max(x[mode]['first_s'] for x in rows) * 1e3:.0f} | {med(r, mode, 'first_sound_s') * 1e3:.0f} | "
                         f"{med(r, mode, 'synth_s') * 1e3:.0f} | "
                         f"{rtf:.3f} | {med(r, mode, 'pieces'):.0f} | {med(r, mode, 'audio_s'):.2f} | "
                         f"{gapped} of {len(rows)} | {sum(x[mode]['gap_s'] for x in rows):.2f} |")
    names = [r["backend"] for r in results]
    lines += ["", "Per answer: time to first audio in ms, whole / sentences / clauses (pieces in the clauses mode).",
              "", "| # | chars | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for i in range(len(ANSWERS)):
        cells = [" / ".join(f"{r['rows'][i][m]['first_s'] * 1e3:.0f}" for m in MODES)
                 + f" ({r['rows'][i]['clauses']['pieces']})" for r in results]
        lines.append(f"| {i + 1} | {results[0]['rows'][i]['chars']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


@contextmanager
def private_pulse() -> Iterator[dict[str, str]]:
    """A PulseAudio server and null sink of this run's own (scripts/pulse.sh in its own directory), ended
    and its directory removed when done."""
    folder = tempfile.mkdtemp(prefix="plantvoice-bench-pulse-")
    done = subprocess.run([str(ROOT / "scripts" / "pulse.sh")], capture_output=True, text=True, check=True,
                          env={**os.environ, "PLANTVOICE_PULSE_DIR": folder})
    env = {"PLANTVOICE_PULSE_DIR": folder}
    for line in done.stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            env[key] = value
    try:
        yield env
    finally:
        subprocess.run(["pactl", "exit"], env={**os.environ, **env}, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    return backend_main(argv, __doc__ or "", __file__, run_backend, report, private_pulse)


if __name__ == "__main__":
    sys.exit(main())
