"""Which language a typed request is in, where the site speaks more than one (``language = "auto"``).

    text_language("Wie hoch ist die Lagertemperatur?", ("en", "de"))   # "de"
    text_language("what is the bearing temperature", ("en", "de"))    # "en"

Words that only one language uses (articles, pronouns, question words, the German letters ä ö ü ß)
are counted; a tie, or a request without any such word ("P-102"), is the ``fallback`` language.
Spoken requests are told apart by the recognizer instead (``WhisperRecognizer.language_of``).
"""

from __future__ import annotations

import re

__all__ = ["text_language", "MARKERS"]

MARKERS: dict[str, frozenset[str]] = {
    "en": frozenset("""the of is are what whats what's how show me tell give any please yes no
        which when was were there this that and with from since last hour hours today yesterday
        shift alarm alarms pump turbine temperature pressure status running note notes help cancel
        acknowledge predicted faults it its for on at my our""".split()),
    "de": frozenset("""der die das des dem den ist sind wie was wer welche welcher welches wann
        zeig zeige mir sag sage gib bitte ja nein nicht kein keine und mit von seit letzte letzten
        stunde stunden heute gestern schicht alarm alarme pumpe turbine temperatur druck läuft
        notiz notizen hilfe abbrechen quittieren quittiere störung störungen ist's gibt es
        auf für im am zum zur hoch""".split()),
}
_GERMAN_LETTERS = re.compile(r"[äöüß]")


def text_language(text: str, among: tuple[str, ...], fallback: str | None = None) -> str:
    """The language of ``among`` whose marker words ``text`` holds most; ties are ``fallback``
    (default: the first of ``among``)."""
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.lower())
    score = {code: sum(w in MARKERS.get(code, ()) for w in words) for code in among}
    if "de" in score:
        score["de"] += len(_GERMAN_LETTERS.findall(text.lower()))
    best = max(score.values(), default=0)
    leaders = [code for code in among if score[code] == best]
    default = fallback if fallback in among else among[0]
    return leaders[0] if best > 0 and len(leaders) == 1 else default
