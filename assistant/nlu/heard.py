"""What the recognizer hears: training sentences spoken, transcribed, and kept as data.

``speakable(intents, lookups)`` picks a bounded, deterministic set of sentences to
speak per intent (written examples with entity values filled in).
``keep_heard(...)`` decides which transcripts become training examples: not empty,
not a sentence another intent already owns, not heard for two intents at once.
``write_nlu(path, examples, header)`` writes them as Rasa NLU YAML with plain
(unannotated) examples, which ``load_intents`` reads like any other intents file.
"""

from __future__ import annotations

import statistics
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .classifier import expand
from .data import Intents
from .normalize import normalize
from .phonemes import Sounds, similarity

__all__ = ["HEARD_FILE", "Spoken", "speakable", "keep_heard", "write_nlu", "clean_transcript"]

MIN_LIKENESS = 0.5  # a transcript must sound at least this much like what was said
HEARD_FILE = "heard.yml"
# a transcript that adds or loses one of these says the opposite of what was said
_NEGATIONS = frozenset("no not dont never incorrect wrong negative nope cant cannot wont isnt nothing".split())  # in the intents directory; written by scripts/speak_intents.py
_UNSAFE = str.maketrans({c: " " for c in "[](){}#\"`|\\"})


@dataclass(frozen=True)
class Spoken:
    """A sentence of ``intent`` as written, and what the recognizer made of it."""

    intent: str
    text: str
    heard: str = ""
    voice: str = ""
    speed: int = 0
    snr_db: float | None = None


def _order(text: str, seed: int) -> int:
    return zlib.crc32(f"{seed}:{text}".encode("utf-8"))


def speakable(intents: Intents, lookups: Mapping[str, Mapping[str, Sequence[str]]], per_intent: int,
              short_per_intent: int | None = None, seed: int = 0, exclude: Iterable[str] = ()) -> list[Spoken]:
    """Up to ``per_intent`` sentences of each intent, written examples and entity-filled copies mixed.

    ``exclude``: files whose examples are not spoken (the heard file itself). Intents whose
    examples are mostly three words or fewer (median; yes, no, cancel ...) get ``short_per_intent``.
    """
    skip = {str(Path(p)) for p in exclude}
    kept = tuple(e for e in intents.examples if str(Path(e.source.rsplit(":", 1)[0])) not in skip)
    written = Intents(kept, intents.synonyms, intents.lookups, intents.regexes, intents.files)
    by_intent: dict[str, dict[str, str]] = {}
    for sentence in expand(written, lookups, per_example=2, seed=seed):
        by_intent.setdefault(sentence.intent, {}).setdefault(normalize(sentence.text), sentence.text)
    out: list[Spoken] = []
    for intent in sorted(by_intent):
        texts = sorted(by_intent[intent].values(), key=lambda t: (_order(t, seed), t))
        examples = written.of(intent)
        short = bool(examples) and statistics.median(len(e.text.split()) for e in examples) <= 3
        limit = short_per_intent if short and short_per_intent is not None else per_intent
        out += [Spoken(intent, t) for t in texts[:limit]]
    return out


def clean_transcript(text: str) -> str:
    """A transcript as one safe example line: no annotation brackets, no line breaks, single spaces."""
    return " ".join(text.translate(_UNSAFE).split()).strip(" -")


def keep_heard(spoken: Iterable[Spoken], intents: Intents) -> dict[str, list[str]]:
    """Transcripts worth training on, per intent, in first-heard order.

    Dropped: empty ones, ones that sound little like what was said (a recognizer's
    invention, not a slip), ones that gain or lose a negation, ones equal to a written example (nothing new), ones
    equal to another intent's example, and ones heard for two different intents.
    """
    sounds = Sounds()
    owner = {normalize(e.text): e.intent for e in intents.examples}
    heard_for: dict[str, set[str]] = {}
    first: dict[str, tuple[str, str]] = {}
    for s in spoken:
        text = clean_transcript(s.heard)
        key = normalize(text)
        said = normalize(s.text)
        if not key or similarity(sounds.key(key), sounds.key(said)) < MIN_LIKENESS:
            continue
        if bool(_NEGATIONS & set(key.split())) != bool(_NEGATIONS & set(said.split())):
            continue
        heard_for.setdefault(key, set()).add(s.intent)
        first.setdefault(key, (s.intent, text))
    out: dict[str, list[str]] = {}
    for key, (intent, text) in first.items():
        if len(heard_for[key]) > 1 or key in owner:
            continue
        out.setdefault(intent, []).append(text)
    return out


def _quote(text: str) -> str:
    if text[:1] in "'\"" or text[-1:] in "'\"" or text.startswith(("- ", "-")):
        return '"' + text.replace('"', "'") + '"'
    return text


def write_nlu(path: str | Path, examples: Mapping[str, Sequence[str]], header: Sequence[str] = ()) -> Path:
    """Write ``intent -> [example]`` as Rasa NLU YAML (version 3.1), intents sorted."""
    lines = [f"# {h}".rstrip() for h in header]
    lines += ['version: "3.1"', "nlu:"]
    for intent in sorted(examples):
        texts = [t for t in (clean_transcript(x) for x in examples[intent]) if t]
        if not texts:
            continue
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {_quote(t)}" for t in texts]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
