"""Does biasing whisper toward the plant's words help? And does pocketsphinx help on confirmations?

Speaks ~40 plant requests with espeak-ng in several voices, transcribes them with
faster-whisper tiny.en with each bias mode (none, a word-list prompt, hotwords,
both, typical requests plus asset names), and reports word error rate, asset-name accuracy and real-time factor.
Then compares whisper and pocketsphinx (confirmation grammar) on yes / no /
cancel / repeat answers, and pocketsphinx's command grammar on the requests.

    .venv/bin/python benchmarks/asr_bias.py [--voices en-us,en-gb,en-us+f3,en-gb+m3] [--limit N]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from assistant.asr import Vocabulary, create_recognizer, normalise_words  # noqa: E402
from assistant.asr.whisper import BIAS_MODES, WhisperRecognizer  # noqa: E402
from assistant.config import AsrConfig  # noqa: E402
from speech import say  # noqa: E402

# Demo plant: id -> spoken names (first is what the requests say).
ASSETS: dict[str, tuple[str, ...]] = {
    "GT1": ("gas turbine one",),
    "ST1": ("steam turbine one",),
    "G1": ("generator one",),
    "HRSG1": ("heat recovery steam generator", "boiler"),
    "P-101": ("feed water pump one", "feed pump one", "p one oh one"),
    "P-102": ("feed water pump two", "feed pump two", "p one oh two"),
    "P-201": ("cooling water pump one",),
    "P-202": ("cooling water pump two",),
    "V-301": ("cooling water valve",),
    "CT1": ("cooling tower",),
    "T1": ("main transformer", "transformer one"),
    "BESS1": ("battery storage", "battery"),
    "CHP1": ("biogas engine", "chp"),
    "F1": ("feeder one",),
    "F2": ("feeder two",),
    "F3": ("feeder three",),
}
MEASUREMENTS = (
    "exhaust temperature", "power", "speed", "vibration", "bearing temperature", "steam pressure",
    "steam temperature", "winding temperature", "voltage", "current", "drum level", "discharge pressure",
    "flow", "motor current", "position", "water temperature", "fan speed", "oil temperature", "load",
    "state of charge", "cell temperature", "methane content",
)
TEMPLATES = (
    "what is the {m} of {a}", "show me the {m} of the {a}", "how is the {a} doing", "status of {a}",
    "show the trend of the {m} on {a}", "when will the {a} fail", "how long will the {a} last",
    "what should we do about the {a}", "show the maintenance history of {a}", "compare {a} and {b}",
    "why is the {a} alarming", "is the {m} of {a} normal",
)
# (request, asset id); one voice each, voices taken in turn
REQUESTS: tuple[tuple[str, str], ...] = (
    ("what is the bearing temperature of feed water pump one", "P-101"),
    ("show me the vibration of gas turbine one", "GT1"),
    ("what is the exhaust temperature of gas turbine one", "GT1"),
    ("how is steam turbine one doing", "ST1"),
    ("what is the steam pressure of steam turbine one", "ST1"),
    ("what is the winding temperature of generator one", "G1"),
    ("show me the voltage of generator one", "G1"),
    ("what is the drum level of the boiler", "HRSG1"),
    ("status of the heat recovery steam generator", "HRSG1"),
    ("what is the discharge pressure of feed water pump two", "P-102"),
    ("show the trend of the flow on feed pump one", "P-101"),
    ("what is the motor current of cooling water pump one", "P-201"),
    ("is the vibration of cooling water pump two normal", "P-202"),
    ("what is the position of the cooling water valve", "V-301"),
    ("what is the water temperature of the cooling tower", "CT1"),
    ("show me the fan speed of the cooling tower", "CT1"),
    ("what is the oil temperature of the main transformer", "T1"),
    ("what is the load of transformer one", "T1"),
    ("what is the state of charge of the battery", "BESS1"),
    ("show me the cell temperature of the battery storage", "BESS1"),
    ("what is the methane content of the biogas engine", "CHP1"),
    ("how is the chp doing", "CHP1"),
    ("what is the current of feeder one", "F1"),
    ("show the trend of the load on feeder two", "F2"),
    ("what is the voltage of feeder three", "F3"),
    ("when will feed water pump one fail", "P-101"),
    ("how long will the main transformer last", "T1"),
    ("what should we do about gas turbine one", "GT1"),
    ("show the maintenance history of feed water pump two", "P-102"),
    ("why is the boiler alarming", "HRSG1"),
    ("compare feed water pump one and feed water pump two", "P-101"),
    ("what is the speed of p one oh one", "P-101"),
    ("what is the bearing temperature of steam turbine one", "ST1"),
    ("show me the power of the biogas engine", "CHP1"),
    ("what is the power of the battery", "BESS1"),
    ("show the trend of the exhaust temperature on gas turbine one", "GT1"),
    ("is the bearing temperature of cooling water pump one normal", "P-201"),
    ("what is the steam temperature of the boiler", "HRSG1"),
    ("what is the current of generator one", "G1"),
    ("how is feeder three doing", "F3"),
)
CONFIRMATIONS = ("yes", "no", "cancel", "repeat that", "say again", "go ahead", "yes please", "no thanks",
                 "stop", "never mind")
_DIGITS = dict(zip("0123456789", ("oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")))


def vocabulary() -> Vocabulary:
    """The vocabulary the assistant itself builds from the intents and the asset model."""
    import os

    from assistant.config import load_config
    from assistant.pipeline import Pipeline

    data = tempfile.mkdtemp(prefix="asr-bias-data-")
    return Pipeline.from_config(load_config(env={**os.environ, "PLANTVOICE_DATA_DIR": data})).vocabulary


def words(text: str) -> list[str]:
    """Normalised words; digits spoken one by one ("P-101" -> p one oh one)."""
    out: list[str] = []
    for w in normalise_words(text.replace("-", " ")):
        if w.isdigit():
            out.extend(_DIGITS[d] for d in w)
        else:
            out.append(w)
    return out


def wer(ref: list[str], hyp: list[str]) -> tuple[int, int]:
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)], len(ref)


def asset_heard(hyp: list[str], asset: str) -> bool:
    text = " " + " ".join(hyp) + " "
    return any(f" {' '.join(words(n))} " in text for n in ASSETS[asset])


def load(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default="en-us,en-gb,en-us+f3,en-gb+m3")
    parser.add_argument("--limit", type=int, default=len(REQUESTS))
    parser.add_argument("--sphinx-requests", type=int, default=6,
                        help="requests for pocketsphinx's plant grammar (it decodes at ~40 s a request)")
    args = parser.parse_args()
    voices = args.voices.split(",")
    vocab = vocabulary()
    config = AsrConfig()
    tmp = Path(tempfile.mkdtemp(prefix="asr-bias-"))
    clips = []
    for i, (text, asset) in enumerate(REQUESTS[: args.limit]):
        voice = voices[i % len(voices)]
        clips.append((text, asset, voice, load(say(text, tmp / f"r{i}.wav", voice=voice))))
    audio_s = sum(c[3].size for c in clips) / 16000
    print(f"# {len(clips)} requests, {audio_s:.1f} s of audio, voices {', '.join(voices)}")
    print(f"# {platform.machine()}, {__import__('os').cpu_count()} cores, {time.strftime('%Y-%m-%d')}, "
          f"faster-whisper tiny.en int8 beam {config.beam_size} threads {config.threads}")
    print(f"{'variant':<22} {'WER':>6} {'asset acc':>9} {'RTF':>6} {'mean s':>7}")

    def run(label: str, recognizer) -> None:
        errors = total = hits = 0
        seconds = 0.0
        misses = []
        for text, asset, voice, x in clips:
            began = time.perf_counter()
            t = recognizer.transcribe(x)
            seconds += time.perf_counter() - began
            hyp = words(t.text)
            e, n = wer(words(text), hyp)
            errors, total = errors + e, total + n
            ok = asset_heard(hyp, asset)
            hits += ok
            if not ok:
                misses.append(f"{voice}: {t.text!r}")
        print(f"{label:<22} {errors / total:6.3f} {hits / len(clips):9.3f} {seconds / audio_s:6.3f} "
              f"{seconds / len(clips):7.3f}")
        for m in misses[:6]:
            print(f"    missed asset: {m}")

    for mode in BIAS_MODES:
        run(f"whisper {mode}", WhisperRecognizer(config, vocab, "command", bias_mode=mode))
    all_clips, clips[:] = list(clips), clips[: args.sphinx_requests]
    audio_s = sum(c[3].size for c in clips) / 16000
    run(f"pocketsphinx grammar ({len(clips)})", create_recognizer(AsrConfig(backend="pocketsphinx"), vocab))
    clips[:] = all_clips

    print(f"\n# confirmations: {len(CONFIRMATIONS)} phrases x {len(voices)} voices")
    conf_clips = [(c, v, load(say(c, tmp / f"c{i}{j}.wav", voice=v)))
                  for i, c in enumerate(CONFIRMATIONS) for j, v in enumerate(voices)]
    conf_s = sum(c[2].size for c in conf_clips) / 16000
    print(f"{'recognizer':<28} {'exact':>6} {'RTF':>6} {'mean s':>7}")
    for label, recognizer in (
        ("whisper command bias", WhisperRecognizer(config, vocab, "command")),
        ("whisper confirmation", WhisperRecognizer(config, vocab, "confirmation")),
        ("pocketsphinx confirmation", create_recognizer(AsrConfig(backend="pocketsphinx"), vocab, "confirmation")),
    ):
        right = 0
        seconds = 0.0
        for c, v, x in conf_clips:
            began = time.perf_counter()
            t = recognizer.transcribe(x)
            seconds += time.perf_counter() - began
            right += words(t.text) == words(c)
        print(f"{label:<28} {right / len(conf_clips):6.3f} {seconds / conf_s:6.3f} {seconds / len(conf_clips):7.3f}")
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()


if __name__ == "__main__":
    main()
