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
* A run about as near (within ``TIE``) to forms of two or more values is ambiguous: its snap
  names them all (``Snap.also``), nearest first, and the caller asks which was meant, never
  guesses: "Kühlwasservumpe" is as near to "Kühlwasserpumpe eins" as to "Kühlwasserpumpe zwei".
* Longest run first, then the nearest; runs do not overlap. A snap may swallow an
  exact one-word match inside it ("ice coffee" holds the value coffee) - the
  caller decides (``EntityExtractor.extract``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .phonemes import Sounds, similarity

__all__ = ["Snap", "Snapper", "CUTOFF", "MAX_RUN", "TIE"]

CUTOFF = 0.3  # largest distance that snaps; chosen in benchmarks/snap_calibrate.py (RESULTS.md)
REST = 0.5  # the words a run does not share with its form must sound at least this alike
TIE = 0.02  # values nearer than the nearest one plus this are as near: the run is ambiguous
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
    also: tuple[str, ...] = ()  # other values of ``entity`` the words are as near to: which one is not known

    @property
    def values(self) -> tuple[str, ...]:
        """``value`` and the values ``also`` names: one value, or the choices of an ambiguous snap."""
        return (self.value, *self.also)


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
                 sounds: Sounds | None = None, cutoff: float = CUTOFF, stopwords: Iterable[str] = ()) -> None:
        """``forms``: (normalised words, entity, value) of every spoken form; ``stopwords``: the
        language's own beside ``STOPWORDS`` ("der", "an": "der Speisewasservumpe" is no "erste ...")."""
        self.sounds = sounds or Sounds()
        self.cutoff = cutoff
        self.stopwords = STOPWORDS | frozenset(stopwords)
        self.forms = [_Form(w, self.sounds.key(w), "".join(w), e, v) for w, e, v in forms if w]
        self.exact = {f.words for f in self.forms}
        self.known = frozenset(known) | self.stopwords | {w for f in self.forms for w in f.words}

    def nearest(self, run: Sequence[str]) -> Snap | None:
        """The value ``run`` (whole) is a near-miss of, with its distance; None if none is near enough."""
        run = tuple(run)
        if run in self.exact or all(w in self.known for w in run) or run[0] in self.stopwords or run[-1] in self.stopwords:
            return None
        key, spelled = self.sounds.key(run), "".join(run)
        if len(key) < MIN_KEY:
            return None
        nearest: dict[tuple[str, str], float] = {}  # (entity, value) -> its nearest form's distance
        for form in self.forms:
            if abs(len(form.words) - len(run)) > 1 or abs(len(form.key) - len(key)) > 0.5 * len(form.key):
                continue
            distance = 1.0 - max(similarity(key, form.key), similarity(spelled, form.spelled))
            if distance > self.cutoff or distance >= nearest.get((form.entity, form.value), 2.0):
                continue
            if self._rest_alike(run, form):
                nearest[(form.entity, form.value)] = distance
        ranked = sorted(nearest.items(), key=lambda item: (item[1], item[0]))
        if not ranked:
            return None
        (entity, value), distance = ranked[0]
        also = tuple(v for (e, v), d in ranked[1:] if e == entity and d - distance < TIE)
        if any(e != entity and d - distance < TIE for (e, _), d in ranked[1:]):
            return None  # as near to a value of another entity: not even the kind is known
        return Snap(0, len(run), entity, value, round(distance, 3), also)

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
                    found.append(Snap(start, end, hit.entity, hit.value, hit.distance, hit.also))
        kept: list[Snap] = []
        used = [False] * len(words)
        for snap in sorted(found, key=lambda s: (s.start - s.end, s.distance, s.start)):
            if not any(used[snap.start:snap.end]):
                used[snap.start:snap.end] = [True] * (snap.end - snap.start)
                kept.append(snap)
        return sorted(kept, key=lambda s: s.start)
