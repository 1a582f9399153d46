"""Near-misses snap to known values: "ice coffee" -> iced coffee, "sweeter" -> sweetener.

A recognizer keeps most slot words but writes some as another word that sounds
alike. ``Snapper`` matches runs of the transcript against every spoken form of
every value the domain lists (lookup tables, synonyms, annotated examples of
entities no regex finds: a regex's values are not a list) and
gives the values they were meant to be, with a distance.

The rules:

* A run is one to ``MAX_RUN`` words that neither starts nor ends with a stop word
  and holds at least one word the domain never uses (not in its examples, forms
  or stop words): a word the domain knows means what it says ("light" alone is
  not "latte"). A run that is itself a form is left to the exact matcher.
* Distance = 1 - the larger of two similarities: espeak-ng phoneme keys
  (``phonemes``) and spelling with the spaces removed; each is 1 - edit distance
  / longer length. A run snaps when its distance is at most ``CUTOFF``
  (calibrated on ``benchmarks/snap_calibrate.py``: true near-misses against words
  that must not snap, benchmarks/RESULTS.md) and its sound key is at least
  ``MIN_KEY`` long (shorter words sound like too many others).
* A run that shares words with the form must also sound like it in the words that
  differ (``REST``): "simple shot" is "triple shot", "double shot" is not.
* Longest run first, then the nearest; runs do not overlap. A snap may swallow an
  exact one-word match inside it ("ice coffee" holds the value coffee) - the
  caller decides (``EntityExtractor.extract``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .phonemes import Sounds, similarity

__all__ = ["Snap", "Snapper", "CUTOFF", "MAX_RUN"]

CUTOFF = 0.3  # largest distance that snaps; chosen in benchmarks/snap_calibrate.py (RESULTS.md)
REST = 0.5  # the words a run does not share with its form must sound at least this alike
MIN_KEY = 4
MAX_RUN = 3
STOPWORDS = frozenset(
    "a an the of on for at in is are was were be it its this that what whats how me my i you your we "
    "and or to with from by as can could would will do please get have want like id im some".split())


@dataclass(frozen=True)
class Snap:
    """Words ``[start, end)`` of the transcript heard as a known ``value`` of ``entity``."""

    start: int
    end: int
    entity: str
    value: str
    distance: float


@dataclass(frozen=True)
class _Form:
    words: tuple[str, ...]
    key: str
    spelled: str
    entity: str
    value: str


class Snapper:
    """Build once from the domain's values; ``snaps`` is cheap (sound keys are cached)."""

    def __init__(self, forms: Iterable[tuple[tuple[str, ...], str, str]], known: Iterable[str],
                 sounds: Sounds | None = None, cutoff: float = CUTOFF) -> None:
        """``forms``: (normalised words, entity, value) of every spoken form."""
        self.sounds = sounds or Sounds()
        self.cutoff = cutoff
        self.forms = [_Form(w, self.sounds.key(w), "".join(w), e, v) for w, e, v in forms if w]
        self.exact = {f.words for f in self.forms}
        self.known = frozenset(known) | STOPWORDS | {w for f in self.forms for w in f.words}

    def nearest(self, run: Sequence[str]) -> Snap | None:
        """The value ``run`` (whole) is a near-miss of, with its distance; None if none is near enough."""
        run = tuple(run)
        if run in self.exact or all(w in self.known for w in run) or run[0] in STOPWORDS or run[-1] in STOPWORDS:
            return None
        key, spelled = self.sounds.key(run), "".join(run)
        if len(key) < MIN_KEY:
            return None
        best: Snap | None = None
        for form in self.forms:
            if abs(len(form.words) - len(run)) > 1 or abs(len(form.key) - len(key)) > 0.5 * len(form.key):
                continue
            distance = 1.0 - max(similarity(key, form.key), similarity(spelled, form.spelled))
            if distance > self.cutoff or (best is not None and distance >= best.distance):
                continue
            if not self._rest_alike(run, form):
                continue
            best = Snap(0, len(run), form.entity, form.value, round(distance, 3))
        return best

    def _rest_alike(self, run: tuple[str, ...], form: _Form) -> bool:
        shared = set(run) & set(form.words)
        if not shared:
            return True
        rest = self.sounds.key([w for w in run if w not in shared])
        form_rest = self.sounds.key([w for w in form.words if w not in shared])
        return similarity(rest, form_rest) >= REST

    def snaps(self, words: Sequence[str], free: Sequence[bool] | None = None) -> list[Snap]:
        """Non-overlapping snaps in ``words`` (only over words where ``free`` is true), in text order."""
        free = [True] * len(words) if free is None else list(free)
        found: list[Snap] = []
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + MAX_RUN) + 1):
                if not all(free[start:end]):
                    break
                hit = self.nearest(words[start:end])
                if hit is not None:
                    found.append(Snap(start, end, hit.entity, hit.value, hit.distance))
        kept: list[Snap] = []
        used = [False] * len(words)
        for snap in sorted(found, key=lambda s: (s.start - s.end, s.distance, s.start)):
            if not any(used[snap.start:snap.end]):
                used[snap.start:snap.end] = [True] * (snap.end - snap.start)
                kept.append(snap)
        return sorted(kept, key=lambda s: s.start)
