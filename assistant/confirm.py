"""Is this answer to "shall I ...?" a clear yes? The one place that decides whether a write happens.

A write read back to the operator (an alarm acknowledgement, a note, a report, a correction, a
withdrawal) is carried out only on a clear yes. Everything else keeps the write waiting or drops
it; it is never carried out by a guess.

    consent(Intent(text="yes please", name="confirm", confidence=1.0))        # Consent.YES
    consent(Intent(text="yeah and the vibration", name="confirm", ...))        # Consent.UNCLEAR
    consent(Intent(text="Can't do it.", name="confirm", ...))                 # Consent.NO
    consent(Intent(text="don't acknowledge it", name="alarm_acknowledge", ...))  # Consent.NO
    heard_yes(grammar, open_)   # speech: faster-whisper heard a yes confidently, the grammar no no
    consent(Intent(text="Ja, bitte.", name="confirm", confidence=1.0))        # Consent.YES
    consent(Intent(text="Nein, danke.", name="confirm", ...))                 # Consent.NO

Languages: an answer is taken in English and in German, whatever language the request was in
(an operator may answer in either, and a recognizer may write either), without a language
argument. Each language's words (``ANSWERS``: yes phrases, fillers, refusals) judge the answer as
a whole, so English is judged by exactly the English rules below and "also yes" or "yes bitte" is
no yes; the negations of both languages veto a yes. German words are compared folded ("bestätigt"
as "bestaetigt"). The yes / no grammar of the confirmation recognizer is English; a German answer
is judged on the open recognizer's transcript (rules 5 and 6).

Rules, in order:

1. Text is compared as lowercase words; punctuation goes, and so do leading fillers ("uh",
   "um", "oh", "well"; "äh", "ähm", "also") and a trailing "please" or "thanks" ("bitte", "danke").
2. A negation word anywhere vetoes a yes: ``NEGATIONS`` (no, not, don't, can't, cancel, stop,
   never, negative, wait, hold on, ...) and any word ending in "n't"; ``DE_NEGATIONS`` (nein, nee,
   nicht, kein, nie, abbrechen, stopp, halt, warte, Moment, negativ, falsch, ...). "Can't do it" (how
   "cancel" is sometimes heard) is never a yes, nor "ja nein" or "Ja, aber warte".
3. The WHOLE utterance must be one of ``YES_PHRASES`` (``DE_YES_PHRASES``: ja, jawohl, ja bitte,
   bestätigt, ich bestätige, korrekt, das ist korrekt, affirmativ, ja mach das, ...). "yeah and the
   vibration" ("ja und die Vibration") is not a yes: it is a new request. Soft words that also open
   other talk ("okay", "sure", "right"; "gut", "okay", "klar", "genau", "richtig", "passt", "in
   Ordnung") are not yeses either: they ask again; nor are the hesitant or dismissive "na ja",
   "ja gut", "tja" and "jaja".
4. Typed (an ``Intent``): a yes also needs the intent's confidence to reach ``INTENT_FLOOR``.
   The pipeline lowers a spoken yes that fails rule 5 to confidence 0, so it is asked again.
5. Spoken: the open recognizer (faster-whisper) must hear a yes by rules 1-3, and its confidence
   must reach ``MIN_CONFIDENCE`` when the confirmation recognizer (a yes / no grammar, which always
   answers with one of its phrases) hears a yes too, or ``ALONE_CONFIDENCE`` when the grammar hears
   something else that is not a no (the grammar often writes "what" for a yes in noise). A no of
   the grammar is never outvoted. Both thresholds are chosen on the development split of
   ``benchmarks/confirmation.py`` (no unrelated request or spoken no accepted, most yeses kept).

6. Spoken, a no wins a disagreement: when the open recognizer makes an unclear yes or a no of the
   answer and the grammar hears a no ("cancel"), the answer is the grammar's no (``heard_no``). A
   no only ever drops a write.
7. A no needs no deny or cancel intent when the words say no (``refuses``), whatever the classifier
   made of them:
   a. the answer says nothing but no: every word a refusal (``REFUSALS``, any "n't" word) or a
      filler of ``_NO_FILLERS`` ("can't do it", "don't", "not now", "no not yet", "I said no");
      in German (``DE_REFUSALS``): "Nein, danke", "nicht jetzt", "doch nicht", "auf keinen Fall",
      "Abbrechen!", "stopp", "halt", "negativ"; "wait", "hold on", "warte" and "Moment" are no
      refusal (they ask again), a yes word keeps it unclear ("yes don't", "ja nein");
   b. it refuses the write: it opens with "don't", "do not", "no" or "never" (German: "nein",
      "nicht", "kein", "nie", "auf keinen Fall") and the intent is a write or a confirm
      (``WRITE_INTENTS``): "don't acknowledge it", "do not save it", "nicht quittieren"; or, in
      German, a verb with no more than fillers and pronouns between it and a closing "nicht":
      "Quittiere ihn nicht", "Speicher das nicht" (but "Notiz: Pumpe läuft nicht" is a note, and
      "Ja, nicht" is unclear).
      Each language's words judge the answer alone: "no danke" is no refusal by these rules.

Outcomes (``Consent``): YES carries the write out; NO (a deny or cancel intent, rule 7) drops it;
UNCLEAR (sounds like an answer but is not a clear yes) keeps it and asks again; OTHER is a new
request, which drops the write and says so. The dialogue answers every NO as a cancel.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from .events import Intent, Transcript

__all__ = ["Consent", "YES_PHRASES", "NEGATIONS", "REFUSALS", "DE_YES_PHRASES", "DE_NEGATIONS", "DE_REFUSALS",
           "Answers", "ANSWERS", "WRITE_INTENTS", "MIN_CONFIDENCE", "ALONE_CONFIDENCE", "INTENT_FLOOR", "words",
           "negated", "is_yes", "refuses", "heard_yes", "heard_no", "consent"]

YES_PHRASES = frozenset({
    "yes", "yeah", "yep", "yup", "yes yes", "correct", "that's correct", "that is correct", "yes correct",
    "confirm", "confirmed", "i confirm", "yes confirm", "affirmative", "affirm", "go ahead", "yes go ahead",
    "do it", "yes do it", "yeah do it", "yes please do", "please do", "proceed", "yes proceed",
})
NEGATIONS = frozenset({
    "no", "not", "nope", "nah", "don't", "dont", "can't", "cant", "cannot", "won't", "cancel", "cancelled",
    "stop", "never", "negative", "wait", "abort", "hold", "neither", "nor", "wrong", "incorrect",
})
# Words that say no and nothing else (rule 7a); "wait" and "hold on" are not among them: they ask again.
REFUSALS = frozenset({
    "no", "not", "nope", "nah", "don't", "dont", "can't", "cant", "cannot", "won't", "cancel", "cancelled",
    "stop", "never", "negative", "abort", "wrong", "incorrect",
})
# Intents a refusal can be about (rule 7b): the writes read back, and the yes itself ("don't confirm").
WRITE_INTENTS = frozenset({"alarm_acknowledge", "note_add", "note_correct", "note_withdraw", "report_start",
                           "confirm"})
_FILLERS = ("uh", "um", "er", "erm", "oh", "well", "ah")
_NO_FILLERS = frozenset({*_FILLERS, "do", "it", "that", "this", "now", "yet", "i", "said", "mind", "just",
                         "please", "thanks", "thank", "you", "at", "all", "sorry", "actually", "so"})
_REFUSING = (("don't",), ("dont",), ("do", "not"), ("no",), ("never",))
_TAILS = ("please", "thanks", "thank you")

# German, folded (ä ö ü ß as ae oe ue ss): "na ja", "ja gut", "jaja", "genau", "richtig", "klar" are no yes.
DE_YES_PHRASES = frozenset({
    "ja", "jawohl", "jawoll", "jep", "jap", "ja bitte", "ja korrekt", "korrekt", "das ist korrekt",
    "ja das ist korrekt", "bestaetigt", "ja bestaetigt", "bestaetige", "ich bestaetige", "ja ich bestaetige",
    "bestaetigen", "ja bestaetigen", "affirmativ", "ja mach", "ja mach das", "ja mach es", "ja mach's",
    "mach das", "mach es", "mach's", "ausfuehren", "ja ausfuehren",
})
DE_NEGATIONS = frozenset({
    "nein", "nee", "ne", "noe", "nicht", "nichts", "kein", "keine", "keinen", "keiner", "keines", "keinesfalls",
    "nie", "niemals", "abbrechen", "abbruch", "abgebrochen", "stopp", "halt", "warte", "warten", "wart",
    "moment", "augenblick", "sekunde", "negativ", "falsch", "verwerfen", "storno", "stornieren", "vergiss",
})
# Words that say no and nothing else (rule 7a); "warte" and "Moment" are not among them: they ask again.
DE_REFUSALS = frozenset({
    "nein", "nee", "ne", "noe", "nicht", "kein", "keine", "keinen", "keiner", "keinesfalls", "nie", "niemals",
    "abbrechen", "abbruch", "abgebrochen", "stopp", "halt", "negativ", "falsch", "verwerfen", "storno",
    "stornieren", "vergiss",
})
_DE_FILLERS = ("aeh", "aehm", "oeh", "oehm", "also")
_DE_NO_FILLERS = frozenset({*_DE_FILLERS, "bitte", "danke", "schoen", "vielen", "dank", "doch", "noch", "jetzt",
                            "lieber", "das", "es", "ihn", "sie", "den", "die", "dem", "ich", "hab", "habe", "gesagt",
                            "sag", "sage", "mal", "erst", "einmal", "auf", "fall", "gar", "so", "tut", "mir", "leid",
                            "sorry", "bloss", "nur", "mach", "machen", "tu", "tun", "lass", "besser"})
_DE_REFUSING = (("nein",), ("nicht",), ("kein",), ("keine",), ("keinen",), ("nie",), ("niemals",),
                ("auf", "keinen", "fall"), ("keinesfalls",))
_DE_TAILS = ("bitte", "danke", "bitte schoen", "danke schoen", "vielen dank")
# The open recognizer's confidence for a spoken yes (benchmarks/confirmation.py, development split):
MIN_CONFIDENCE = 0.45  # ... when the grammar heard a yes too
ALONE_CONFIDENCE = 0.4  # ... when the grammar heard neither a yes nor a no
INTENT_FLOOR = 0.5  # a typed or recognized confirm intent below this is asked again


@dataclass(frozen=True)
class Answers:
    """The words one language answers "shall I ...?" with (rules 1-3 and 7)."""

    yes: frozenset[str]  # whole yes phrases (rule 3)
    refusals: frozenset[str]  # words that say no and nothing else (rule 7a)
    fillers: tuple[str, ...]  # dropped at the start (rule 1)
    tails: tuple[str, ...]  # one dropped at the end (rule 1)
    no_fillers: frozenset[str]  # words a refusal may hold besides its refusals (rule 7a)
    refusing: tuple[tuple[str, ...], ...]  # openings that refuse a write (rule 7b)
    polite: str  # a word dropped before an opening ("please don't save it")
    closing: str = ""  # a last word that refuses a write after a verb and fillers ("quittiere ihn nicht")


ANSWERS = {
    "en": Answers(YES_PHRASES, REFUSALS, _FILLERS, _TAILS, _NO_FILLERS, _REFUSING, "please"),
    "de": Answers(DE_YES_PHRASES, DE_REFUSALS, _DE_FILLERS, _DE_TAILS, _DE_NO_FILLERS, _DE_REFUSING, "bitte",
                  "nicht"),
}
_ALL_NEGATIONS = NEGATIONS | DE_NEGATIONS


class Consent(enum.Enum):
    """What an answer to "shall I ...?" means for the waiting write."""

    YES = "yes"  # carry it out
    NO = "no"  # drop it
    UNCLEAR = "unclear"  # keep it and ask again
    OTHER = "other"  # a new request: drop it and say so


_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "\u2019": "'"})


def words(text: str) -> tuple[str, ...]:
    """Lowercase words with apostrophes kept (curly ones straightened), German letters folded."""
    return tuple(re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.lower().translate(_FOLD)))


def negated(text: str) -> bool:
    """True when any word of ``text`` says no, in either language (rule 2)."""
    said = words(text)
    pairs = {" ".join(p) for p in zip(said, said[1:])}
    return any(w in _ALL_NEGATIONS or w.endswith("n't") for w in said) or bool(pairs & {"hold on", "hang on"})


def _core(text: str, answers: Answers = ANSWERS["en"]) -> str:
    said = list(words(text))
    while said and said[0] in answers.fillers:
        said.pop(0)
    for tail in answers.tails:
        n = len(tail.split())
        if len(said) > n and " ".join(said[-n:]) == tail:
            said = said[:-n]
            break
    return " ".join(said)


def is_yes(text: str) -> bool:
    """True when the whole of ``text`` is a yes phrase of one language and nothing in it says no (rules 1-3)."""
    return not negated(text) and any(_core(text, a) in a.yes for a in ANSWERS.values())


def _refused(said: tuple[str, ...], core: list[str], name: str, answers: Answers) -> bool:
    """Rule 7 by the words of one language: ``said`` all words, ``core`` without fillers and tails."""
    def refusal(w: str) -> bool:
        return w in answers.refusals or w.endswith("n't")

    if said and all(refusal(w) or w in answers.no_fillers for w in said):
        return any(refusal(w) for w in said)  # 7a
    if core[:1] == [answers.polite]:
        core = core[1:]
    if name not in WRITE_INTENTS:
        return False
    closed = len(core) >= 2 and core[-1] == answers.closing and core[0] not in answers.yes \
        and all(w in answers.no_fillers for w in core[1:-1])  # "quittiere ihn nicht"; "ja nicht" is unclear
    return closed or any(tuple(core[:len(p)]) == p for p in answers.refusing)  # 7b


def refuses(intent: Intent) -> bool:
    """True when the words of ``intent`` say no to the waiting write, by the words of one language (rule 7)."""
    said = words(intent.text)
    return any(_refused(said, _core(intent.text, a).split(), intent.name, a) for a in ANSWERS.values())


def heard_yes(grammar: Transcript, open_: Transcript, agreed: float | None = None, alone: float | None = None
              ) -> bool:
    """True when the open recognizer heard a yes confidently enough and the grammar heard no no (rule 5);
    ``agreed`` / ``alone`` None are ``MIN_CONFIDENCE`` / ``ALONE_CONFIDENCE``."""
    if not is_yes(open_.text) or negated(grammar.text):
        return False
    if is_yes(grammar.text):
        return open_.confidence >= (MIN_CONFIDENCE if agreed is None else agreed)
    return open_.confidence >= (ALONE_CONFIDENCE if alone is None else alone)


def heard_no(grammar: Transcript, open_intent: Intent) -> bool:
    """True when the grammar heard a no and the open recognizer's hearing is an unclear yes or a no (rule 6)."""
    return negated(grammar.text) and consent(open_intent) in (Consent.UNCLEAR, Consent.NO)


def consent(intent: Intent) -> Consent:
    """What ``intent``, said while a write waits, means for it (rules 1-4 and 7)."""
    if intent.name in ("deny", "cancel") or refuses(intent):
        return Consent.NO
    if is_yes(intent.text) and intent.confidence >= INTENT_FLOOR:
        return Consent.YES
    if intent.name == "confirm" or is_yes(intent.text):
        return Consent.UNCLEAR
    return Consent.OTHER
