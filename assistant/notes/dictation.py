"""The commands inside a dictation, found by how they sound: "end dictation" and "cancel".

    ending("the drain valve was closed. And dictation.")   # 28: the note ends before that index
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

Each language has its own commands (``COMMANDS``): German "Diktat beenden", "Diktat Ende",
"abbrechen"; a dictation listens only for those of the language it is dictated in.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..nlu.phonemes import Sounds, similarity

__all__ = ["ending", "cancelling", "END_COMMANDS", "CANCEL_COMMANDS", "COMMANDS"]

END_COMMANDS = ("end dictation", "stop dictation", "finish dictation", "close dictation", "end the dictation")
CANCEL_COMMANDS = ("cancel", "cancel dictation", "cancel that")
COMMANDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # language -> (end, cancel)
    "en": (END_COMMANDS, CANCEL_COMMANDS),
    "de": (("diktat beenden", "diktat ende", "ende diktat", "diktat stoppen", "diktat abschliessen"),
           ("abbrechen", "diktat abbrechen", "verwerfen")),
}
END_SIMILAR = 0.75
SHORT_SIMILAR = 0.6
CANCEL_SIMILAR = 0.6
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@lru_cache(maxsize=1)
def _sounds() -> Sounds:
    return Sounds()


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    return _sounds().key(text.lower())


def _best(text: str, commands: tuple[str, ...]) -> float:
    key = _key(text)
    return max(similarity(key, _key(c)) for c in commands)


def ending(text: str, language: str = "en") -> int | None:
    """Where an end command of ``language`` at the end of ``text`` starts (0: the request is only that), or None."""
    words = list(_WORD.finditer(text))
    found: list[tuple[float, int]] = []  # (similarity, start) of each tail that sounds like an end command
    for n in range(1, min(3, len(words)) + 1):
        tail = words[-n:]
        score = _best(" ".join(w.group() for w in tail), _commands(language)[0])
        if score >= (SHORT_SIMILAR if n == len(words) else END_SIMILAR):
            found.append((score, tail[0].start() if n < len(words) else 0))
    if not found or (len(words) <= 3 and _best(" ".join(w.group() for w in words), _commands(language)[1]) > max(found)[0]):
        return None  # the request sounds more like a cancel ("Diktat abbrechen") than an end
    return max(found)[1]


def cancelling(text: str, language: str = "en") -> bool:
    """The whole request sounds like "cancel" (in ``language``)."""
    words = _WORD.findall(text)
    return 0 < len(words) <= 3 and _best(" ".join(words), _commands(language)[1]) >= CANCEL_SIMILAR


def _commands(language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return COMMANDS.get(language, COMMANDS["en"])
