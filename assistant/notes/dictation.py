"""The commands inside a dictation, found by how they sound: "end dictation" and "cancel".

    ending("the drain valve was closed. And dictation.")   # 27: the note ends before that index
    ending("and vacation")                                   # 0: the whole request is the command
    cancelling("Console.")                                   # True

The dictation recognizer has no grammar, so it writes the commands as it hears them:
"end dictation" comes out as "and dictation", "in dictation" or "and vacation", "stop
dictation" as "stop victation", "cancel" as "console". Words are compared as espeak-ng
phoneme keys (``nlu/phonemes.py``): the last one to three words of a request end the
dictation when they sound like an end command (similarity ``END_SIMILAR``); a request of
at most three words ends it at a lower similarity (``SHORT_SIMILAR``), since a dictated
part that short and that close to "end dictation" is far less likely than the command.
A request cancels only when all of it sounds like a cancel command.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..nlu.phonemes import Sounds, similarity

__all__ = ["ending", "cancelling", "END_COMMANDS", "CANCEL_COMMANDS"]

END_COMMANDS = ("end dictation", "stop dictation", "finish dictation", "close dictation", "end the dictation")
CANCEL_COMMANDS = ("cancel", "cancel dictation", "cancel that")
END_SIMILAR = 0.75
SHORT_SIMILAR = 0.6
CANCEL_SIMILAR = 0.6
_WORD = re.compile(r"[A-Za-z']+")


@lru_cache(maxsize=1)
def _sounds() -> Sounds:
    return Sounds()


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    return _sounds().key(text.lower())


def _best(text: str, commands: tuple[str, ...]) -> float:
    key = _key(text)
    return max(similarity(key, _key(c)) for c in commands)


def ending(text: str) -> int | None:
    """Where an end command at the end of ``text`` starts (0: the request is only that), or None."""
    words = list(_WORD.finditer(text))
    found: list[tuple[float, int]] = []  # (similarity, start) of each tail that sounds like an end command
    for n in range(1, min(3, len(words)) + 1):
        tail = words[-n:]
        score = _best(" ".join(w.group() for w in tail), END_COMMANDS)
        if score >= (SHORT_SIMILAR if n == len(words) else END_SIMILAR):
            found.append((score, tail[0].start() if n < len(words) else 0))
    return max(found)[1] if found else None


def cancelling(text: str) -> bool:
    """The whole request sounds like "cancel"."""
    words = _WORD.findall(text)
    return 0 < len(words) <= 3 and _best(" ".join(words), CANCEL_COMMANDS) >= CANCEL_SIMILAR
