"""Finding notes by what they are about: word overlap and sentence embeddings.

    keyword_score("feed pump bearing", "Feed pump two bearings run hot")   # 1.0: every query word there
    embedding_texts("feed pump two drive end runs hot")   # ["bearing, overheating: feed pump two drive end runs hot"]

Keyword: the share of the query's content words (case folded, stemmed: "leaks", "leaking" and
"leak" meet) that the note holds; a note matches with at least half of them.

Semantic: cosine of unit sentence embeddings. A general sentence model does not know plant
words ("drive end" is a bearing, "dripping at the gland" a leak), so the text embedded starts
with the failure modes and parts the glossary finds in it (after ISO 14224's failure modes).
German words are found by the stems of ``GLOSSARY_DE`` anywhere in a word (German joins its
nouns: "Lagertemperatur" is about a bearing), and lead the text with the same English labels, so
a multilingual encoder meets an English query and a German note on common words.
Long text is embedded in overlapping windows of words (the model reads 64 tokens) and a note
scores its best window.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from ..config import NotesConfig
from ..errors import ConfigError

__all__ = ["KEYWORD_FLOOR", "THRESHOLDS", "concepts", "embedding_texts", "embedding_key", "keyword_score",
           "search_threshold", "stems"]

KEYWORD_FLOOR = 0.5  # share of the query's content words a note must hold to match by keyword
WINDOW_WORDS = 40  # words per embedded window (about 55 tokens; the model reads 64)
WINDOW_STEP = 30

# Semantic search floor per encoder (cosine), each measured with paraphrase pairs against unrelated
# questions: MiniLM in tests/test_notes_store.py (the value of notes.search_threshold), the
# multilingual one with German and German-English pairs in tests/test_notes_german.py
# (benchmarks/RESULTS.md, "Notes in German").
THRESHOLDS = {"minilm": NotesConfig.search_threshold, "use-multilingual": 0.215}


def search_threshold(encoder: str) -> float:
    """The measured floor for ``encoder``; ConfigError naming the measured ones for another."""
    if encoder not in THRESHOLDS:
        raise ConfigError(f"no note search threshold was measured for the encoder {encoder!r}; measured: "
                          f"{', '.join(THRESHOLDS)}; choose one of those for nlu -> encoder or pass the threshold")
    return THRESHOLDS[encoder]

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_STOP = frozenset("""
a about above after again all also am an and any anybody anyone anything are as at be been before being below
but by can could did do does doing done for from had has have having he her here hers him his how i if in into is
it its just let me more most my no nor not note notes now of off on once only or other our out over please report
reports said say says she should show so some something than that the their them then there these they this those
through to too tell up us very was we were what whats when where which while who whom why will with would you your
""".split())

# failure modes and parts: what a maintenance person means by the words on the right
GLOSSARY = {
    "leak": "leak, drip, weep, seep, spill, puddle, escaping, drip tray",
    "seal": "seal, gland, packing, gasket, o ring, mechanical seal",
    "bearing": "bearing, drive end, non drive end, de, nde, thrust pad, journal",
    "overheating": "hot, overheat, runs hot, high temperature, temperature rose, too warm",
    "vibration": "vibration, vibrate, shake, shaking, rattle, judder, wobble, millimetres per second, mm/s",
    "noise": "noise, noisy, squeal, grind, grinding, knock, whine, bang",
    "trip": "trip, tripped, shut down, shutdown, fell out, spurious stop",
    "blockage": "block, blocked, jam, jammed, clog, clogged, plugged, choked",
    "electrical fault": "electrical, breaker, fuse, earth fault, short circuit, insulation, winding, flashover",
    "fire": "fire, smoke, flame, burning, fire alarm",
    "corrosion": "rust, rusty, corroded, corrosion, pitting",
    "crack": "crack, cracked, fracture, broken",
    "spare parts": "spare, spares, out of stock, vendor, supplier, part",
    "permit and isolation": "permit, isolation, isolated, lockout, padlock, loto, fire watch",
    "stuck": "stick, sticking, stuck, seized, sluggish, slow stroke",
}


def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed and a final e go ("dripping" -> "drip")."""
    w = word.lower().removesuffix("'s")
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed", "age", "ment"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    return w[:-1] if len(w) > 4 and w.endswith("e") else w


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def _content(text: str) -> set[str]:
    found = words(text)
    kept = [w for w in found if w not in _STOP] or found
    return {stem(w) for w in kept}


def keyword_score(query: str, text: str) -> float:
    """Share of the query's content words (stemmed) that ``text`` holds."""
    wanted = _content(query)
    return len(wanted & set(stems(text))) / len(wanted) if wanted else 0.0


# the same failure modes and parts in German: stems found anywhere in a word, lower case
GLOSSARY_DE = {
    "leak": r"leck|undicht|tropf|sicker|ausgelaufen|auffangwanne",
    "seal": r"dichtung|stopfbuchs|packung|gleitring",
    "bearing": r"lager(?!hall|halle|raum|bestand)|antriebsseit|\ba-seite|\bb-seite",
    "overheating": r"heiß|heiss|überhitz|zu warm|temperatur\w* (?:\w+ ){0,7}?(?:zu hoch|hoch|gestiegen|erhöht)|"
                   r"\bhohe[rn]? \w*temperatur",
    "vibration": r"schwing|vibrier|vibration|schüttel|rüttel|wackel|millimeter pro sekunde",
    "noise": r"geräusch|\blaut(?:e[mnrs]?)?\b|lärm|quietsch|schleif|mahlend|klopf|pfeif|brumm",
    "trip": r"ausgelöst|auslösung|abgeschaltet|schnellschluss|ausgefallen|\bfällt\b",
    "blockage": r"verstopf|blockier|verklemm|zugesetzt",
    "electrical fault": r"elektri|leistungsschalter|sicherung|erdschluss|kurzschluss|isolationsfehler|wicklung",
    "fire": r"feuer|\bbrand|\brauch|flamme",
    "corrosion": r"\brost|korrod|korrosion|lochfraß",
    "crack": r"\briss\b|gerissen|gebrochen|\bbruch",
    "spare parts": r"ersatzteil|nachbestell|lieferant|nicht vorrätig",
    "permit and isolation": r"freischalt|erlaubnis|freigabe|vorhängeschloss|brandwache",
    "stuck": r"klemmt|festgefressen|schwergängig|langsamer hub",
}
_PHRASES = {label: [stems(p) for p in phrases.split(", ")] for label, phrases in GLOSSARY.items()}
_GERMAN = {label: re.compile(pattern) for label, pattern in GLOSSARY_DE.items()}


def concepts(text: str) -> list[str]:
    """The glossary's failure modes and parts that ``text`` speaks of."""
    found, lower = stems(text), text.lower()
    return [label for label, phrases in _PHRASES.items()
            if any(found[i:i + len(p)] == p for p in phrases for i in range(len(found) - len(p) + 1))
            or _GERMAN[label].search(lower)]


def embedding_texts(text: str) -> list[str]:
    """What is embedded for ``text``: its windows, each led by the concepts found in it."""
    found = text.split()
    last = max(len(found) - WINDOW_WORDS, 0)
    starts = list(range(0, last + 1, WINDOW_STEP)) or [0]
    if starts[-1] != last:
        starts.append(last)
    return [_led(" ".join(found[i:i + WINDOW_WORDS])) for i in starts]


def _led(window: str) -> str:
    labels = concepts(window)
    return f"{', '.join(labels)}: {window}" if labels else window


def embedding_key(texts: Sequence[str]) -> str:
    """A digest of the embedded texts: a stored embedding of other texts is computed afresh."""
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
