"""Is this answer to "shall I ...?" a clear yes? The one place that decides whether a write happens.

A write read back to the operator (an alarm acknowledgement, a note, a report, a correction, a
withdrawal) is carried out only on a clear yes. Everything else keeps the write waiting or drops
it; it is never carried out by a guess.

    consent(Intent(text="yes please", name="confirm", confidence=1.0))        # Consent.YES
    consent(Intent(text="yeah and the vibration", name="confirm", ...))        # Consent.UNCLEAR
    consent(Intent(text="Can't do it.", name="confirm", ...))                 # Consent.NO
    consent(Intent(text="don't acknowledge it", name="alarm_acknowledge", ...))  # Consent.NO
    heard_yes(grammar, open_)   # speech: faster-whisper heard a yes confidently, the grammar no no

Rules, in order:

1. Text is compared as lowercase words; punctuation goes, and so do leading fillers ("uh",
   "um", "oh", "well") and a trailing "please" or "thanks".
2. A negation word anywhere vetoes a yes: ``NEGATIONS`` (no, not, don't, can't, cancel, stop,
   never, negative, wait, hold on, ...) and any word ending in "n't". "Can't do it" (how
   "cancel" is sometimes heard) is never a yes.
3. The WHOLE utterance must be one of ``YES_PHRASES``. "yeah and the vibration" is not a yes:
   it is a new request. Soft words that also open other talk ("okay", "sure", "right") are
   not yeses either: they ask again.
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
      "wait" and "hold on" are no refusal (they ask again), a yes word keeps it unclear ("yes don't");
   b. it refuses the write: it opens with "don't", "do not", "no" or "never" and the intent is a
      write or a confirm (``WRITE_INTENTS``): "don't acknowledge it", "do not save it".

Outcomes (``Consent``): YES carries the write out; NO (a deny or cancel intent, rule 7) drops it;
UNCLEAR (sounds like an answer but is not a clear yes) keeps it and asks again; OTHER is a new
request, which drops the write and says so. The dialogue answers every NO as a cancel.
"""

from __future__ import annotations

import enum
import re

from .events import Intent, Transcript

__all__ = ["Consent", "YES_PHRASES", "NEGATIONS", "REFUSALS", "WRITE_INTENTS", "MIN_CONFIDENCE", "ALONE_CONFIDENCE",
           "INTENT_FLOOR", "words", "negated", "is_yes", "refuses", "heard_yes", "heard_no", "consent"]

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
# The open recognizer's confidence for a spoken yes (benchmarks/confirmation.py, development split):
MIN_CONFIDENCE = 0.45  # ... when the grammar heard a yes too
ALONE_CONFIDENCE = 0.4  # ... when the grammar heard neither a yes nor a no
INTENT_FLOOR = 0.5  # a typed or recognized confirm intent below this is asked again


class Consent(enum.Enum):
    """What an answer to "shall I ...?" means for the waiting write."""

    YES = "yes"  # carry it out
    NO = "no"  # drop it
    UNCLEAR = "unclear"  # keep it and ask again
    OTHER = "other"  # a new request: drop it and say so


def words(text: str) -> tuple[str, ...]:
    """Lowercase words with apostrophes kept (curly ones straightened)."""
    return tuple(re.findall(r"[a-z]+(?:'[a-z]+)?", text.lower().replace("\u2019", "'")))


def negated(text: str) -> bool:
    """True when any word of ``text`` says no (rule 2)."""
    said = words(text)
    pairs = {" ".join(p) for p in zip(said, said[1:])}
    return any(w in NEGATIONS or w.endswith("n't") for w in said) or bool(pairs & {"hold on", "hang on"})


def _core(text: str) -> str:
    said = list(words(text))
    while said and said[0] in _FILLERS:
        said.pop(0)
    for tail in _TAILS:
        n = len(tail.split())
        if len(said) > n and " ".join(said[-n:]) == tail:
            said = said[:-n]
            break
    return " ".join(said)


def is_yes(text: str) -> bool:
    """True when the whole of ``text`` is a yes phrase and nothing in it says no (rules 1-3)."""
    return not negated(text) and _core(text) in YES_PHRASES


def refuses(intent: Intent) -> bool:
    """True when the words of ``intent`` say no to the waiting write (rule 7)."""
    said = words(intent.text)
    if said and all(w in REFUSALS or w.endswith("n't") or w in _NO_FILLERS for w in said):
        return any(w in REFUSALS or w.endswith("n't") for w in said)  # 7a
    core = _core(intent.text).split()
    if core[:1] == ["please"]:
        core = core[1:]
    return intent.name in WRITE_INTENTS and any(tuple(core[:len(p)]) == p for p in _REFUSING)  # 7b


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
