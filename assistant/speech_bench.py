"""Scoring understanding from speech on any labelled set of recordings: ``plantvoice bench speech``.

    recordings = load_manifest("benchmarks/domains/home-assistant/manifest.jsonl")
    results = run(pipeline.understand, recordings, conditions(snrs=(12,)))
    for s in score(results): ...                          # one Score per condition and group

The manifest is JSON lines, one recording each::

    {"audio": "rec/turn on the tv.wav", "intent": "HassTurnOn", "slots": {"name": "TV"},
     "transcript": "turn on the TV", "group": "human"}

* ``audio``: a WAV file, relative to the manifest's directory (or absolute);
* ``intent``: the expected intent; ``out_of_scope`` for speech that asks for nothing;
* ``slots`` (``{"entity": "value"}``) or ``entities`` (``[{"entity": ..., "value": ...}]``): optional;
* ``transcript`` (optional): what is said, for the word error rate;
* ``group`` (optional, default ``all``): recordings are also scored per group (human, synthetic).

Rules of the score, per condition (clean, and each SNR) and group:

* a command (a recording whose intent is not out_of_scope) is **accepted** when its intent is
  right and every labelled slot was found with its value (the same words once case, punctuation
  and number words are set aside: "four and a half hours" is "4 and a half hours");
* slot accuracy: labelled slots found with their value, of all labelled slots of commands;
* word error rate: word edits over reference words, case, punctuation and number words aside,
  over the recordings with a transcript;
* out-of-scope rejection: out_of_scope recordings understood as out_of_scope;
* latency: from the end of the audio (all of it is given at once) to the intent, p50 and p95.

Noise is mixed at a signal-to-noise ratio over the whole recording: white noise (seeded, the
same for every run), or a noise file (looped, from a seeded offset).
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .audio import load_wav
from .errors import DataError
from .events import OUT_OF_SCOPE, Intent, Transcript
from .nlu.normalize import normalize

__all__ = ["Recording", "Condition", "Result", "Score", "load_manifest", "conditions", "mix", "run", "score",
           "word_errors", "table", "failure", "failed"]

ALL = "all"
Understand = Callable[[np.ndarray], tuple[Transcript, Intent]]


@dataclass(frozen=True)
class Recording:
    audio: Path
    intent: str
    slots: tuple[tuple[str, str], ...] = ()
    transcript: str | None = None
    group: str = ALL
    where: str = ""  # manifest file:line

    @property
    def command(self) -> bool:
        return self.intent != OUT_OF_SCOPE


@dataclass(frozen=True)
class Condition:
    """Clean (``snr_db`` None) or noise at ``snr_db``: white, or the samples of a noise file."""

    name: str
    snr_db: float | None = None
    noise: np.ndarray | None = None


@dataclass(frozen=True)
class Result:
    recording: Recording
    condition: str
    transcript: str
    intent: str
    confidence: float
    found: tuple[tuple[str, str], ...]  # labelled slots found with their value
    latency_s: float

    @property
    def accepted(self) -> bool:
        return self.intent == self.recording.intent and len(self.found) == len(self.recording.slots)


@dataclass(frozen=True)
class Score:
    condition: str
    group: str
    recordings: int
    commands: int
    acceptance: float | None
    slots: int
    slot_accuracy: float | None
    wer: float | None
    out_of_scope: int
    oos_rejection: float | None
    latency_p50_s: float | None
    latency_p95_s: float | None


# -- the manifest ------------------------------------------------------------------------------


def load_manifest(path: str | Path) -> tuple[Recording, ...]:
    """Every recording of a JSON-lines manifest; a bad line is a DataError naming file:line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, IsADirectoryError):
        raise DataError(f"manifest {path} not found; pass a JSON-lines file to --manifest") from None
    except UnicodeDecodeError:
        raise DataError(f"manifest {path} is not UTF-8 text; save it as UTF-8") from None
    out = [_recording(line, path, n) for n, line in enumerate(lines, 1) if line.strip()]
    if not out:
        raise DataError(f"manifest {path} lists no recordings; write one JSON object per line")
    return tuple(out)


def _recording(line: str, path: Path, n: int) -> Recording:
    where = f"{path}:{n}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: not valid JSON ({exc.msg}); write one JSON object per line") from None
    if not isinstance(row, dict):
        raise DataError(f"{where}: not a JSON object; write {{\"audio\": ..., \"intent\": ...}}")
    for key in ("audio", "intent"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise DataError(f"{where}: no \"{key}\"; give it as a non-empty string")
    audio = path.parent / row["audio"]
    if not audio.is_file():
        raise DataError(f"{where}: audio {audio} not found; give a WAV path relative to the manifest's directory")
    transcript = row.get("transcript")
    if transcript is not None and not isinstance(transcript, str):
        raise DataError(f"{where}: \"transcript\" is not a string; give the words said, or leave it out")
    group = row.get("group", ALL)
    if not isinstance(group, str) or not group:
        raise DataError(f"{where}: \"group\" is not a name; give a string such as \"human\", or leave it out")
    return Recording(audio, row["intent"], _slots(row, where), transcript or None, group, where)


def _slots(row: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    if "slots" in row and "entities" in row:
        raise DataError(f"{where}: both \"slots\" and \"entities\"; give one of them")
    if "entities" in row:
        items = row["entities"]
        if not isinstance(items, list) or not all(
                isinstance(e, dict) and isinstance(e.get("entity"), str) and "value" in e for e in items):
            raise DataError(f"{where}: \"entities\" must be a list of {{\"entity\": ..., \"value\": ...}}")
        pairs = [(e["entity"], e["value"]) for e in items]
    else:
        slots = row.get("slots", {})
        if not isinstance(slots, dict):
            raise DataError(f"{where}: \"slots\" must map entity to value, e.g. {{\"name\": \"TV\"}}")
        pairs = list(slots.items())
    if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for _, v in pairs):
        raise DataError(f"{where}: a slot value is not text or a number; give each value as a string")
    return tuple((str(e), str(v)) for e, v in pairs)


# -- noise -------------------------------------------------------------------------------------


def conditions(snrs: Sequence[float] = (), noise: np.ndarray | None = None, noise_name: str = "white") -> list[Condition]:
    """Clean, then each SNR with white noise or ``noise`` (named ``noise_name``)."""
    return [Condition("clean")] + [Condition(f"{snr:g} dB {noise_name}", float(snr), noise) for snr in snrs]


def mix(samples: np.ndarray, snr_db: float, noise: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """``samples`` (int16) with noise added at ``snr_db`` over the whole recording."""
    rng = np.random.default_rng(seed)
    speech = samples.astype(np.float64)
    if noise is None:
        added = rng.standard_normal(len(speech))
    else:
        start = int(rng.integers(len(noise)))
        added = np.resize(np.roll(noise.astype(np.float64), -start), len(speech))
    power = float(np.mean(added ** 2))
    if power == 0.0 or not speech.size:
        return samples.copy()
    scale = np.sqrt(float(np.mean(speech ** 2)) / (power * 10 ** (snr_db / 10)))
    return np.clip(np.round(speech + scale * added), -32768, 32767).astype(np.int16)


# -- running and scoring -----------------------------------------------------------------------


def run(understand: Understand, recordings: Iterable[Recording], conds: Sequence[Condition],
        progress: Callable[[Result], None] | None = None) -> list[Result]:
    """Each recording through ``understand`` (denoise, recognizer, understanding) in each condition."""
    out = []
    for recording in recordings:
        clean = load_wav(recording.audio)
        for cond in conds:
            seed = zlib.crc32(f"{recording.audio.name}|{cond.name}".encode())
            samples = clean if cond.snr_db is None else mix(clean, cond.snr_db, cond.noise, seed)
            started = time.perf_counter()
            transcript, intent = understand(samples)
            latency = time.perf_counter() - started
            found = tuple(s for s in recording.slots if any(e.entity == s[0] and _same(e.value, s[1])
                                                            for e in intent.entities))
            result = Result(recording, cond.name, transcript.text, intent.name, intent.confidence, found, latency)
            out.append(result)
            if progress is not None:
                progress(result)
    return out


def _same(value: str, label: str) -> bool:
    """A found value is the labelled one: equal once case, punctuation and number words are set aside."""
    return value == label or normalize(value) == normalize(label)


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words): case, punctuation and number words aside ("50%" = "fifty percent")."""
    ref = normalize(reference.replace("%", " percent")).split()
    hyp = normalize(hypothesis.replace("%", " percent")).split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def _score(condition: str, group: str, results: Sequence[Result]) -> Score:
    commands = [r for r in results if r.recording.command]
    others = [r for r in results if not r.recording.command]
    edits = [word_errors(r.recording.transcript, r.transcript) for r in results if r.recording.transcript]
    latencies = [r.latency_s for r in results]
    slots = sum(len(r.recording.slots) for r in commands)
    return Score(
        condition, group, len(results), len(commands), _share(sum(r.accepted for r in commands), len(commands)),
        slots, _share(sum(len(r.found) for r in commands), slots),
        _share(sum(e for e, _ in edits), sum(n for _, n in edits)),
        len(others), _share(sum(r.intent == OUT_OF_SCOPE for r in others), len(others)),
        _percentile(latencies, 50), _percentile(latencies, 95))


def score(results: Sequence[Result]) -> list[Score]:
    """One Score per condition (in run order) for all recordings, then one per named group."""
    out = []
    for condition in dict.fromkeys(r.condition for r in results):
        these = [r for r in results if r.condition == condition]
        out.append(_score(condition, ALL, these))
        for group in sorted({r.recording.group for r in these} - {ALL}):
            out.append(_score(condition, group, [r for r in these if r.recording.group == group]))
    return out


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(scores: Sequence[Score]) -> list[str]:
    """The scores as printed lines, one per condition and group."""
    lines = [f"{'condition':<18} {'group':<10} {'n':>4} {'accept':>7} {'slots':>7} {'wer':>7} {'oos rej':>8}"
             f" {'p50 s':>6} {'p95 s':>6}"]
    for s in scores:
        lines.append(f"{s.condition:<18} {s.group:<10} {s.recordings:>4} {_cell(s.acceptance):>7}"
                     f" {_cell(s.slot_accuracy):>7} {_cell(s.wer):>7} {_cell(s.oos_rejection):>8}"
                     f" {_cell(s.latency_p50_s):>6} {_cell(s.latency_p95_s):>6}")
    return lines


def failure(result: Result) -> str:
    """One line for a command not accepted or speech not rejected."""
    r = result.recording
    missing = [f"{e}={v}" for e, v in r.slots if (e, v) not in result.found]
    slots = f", slots not found: {' '.join(missing)}" if missing and result.intent == r.intent else ""
    return (f"FAIL [{result.condition}] {r.where}: heard {result.transcript!r} -> {result.intent} "
            f"({result.confidence:.2f}), expected {r.intent}{slots}")


def failed(result: Result) -> bool:
    return not result.accepted if result.recording.command else result.intent != OUT_OF_SCOPE
