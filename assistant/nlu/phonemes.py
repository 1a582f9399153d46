"""How words sound: espeak-ng phonemes, reduced to keys that recognition slips keep.

    sounds = Sounds()
    sounds.key("figure two")   # 'fiɡ3tu'-like key, close to sounds.key("feeder two")
    similarity(sounds.key("this charge"), sounds.key("discharge"))   # 0.9

Phonemes come from libespeak-ng in-process (``espeak_TextToPhonemes``, the same
as ``espeak-ng -q -x``), cached per word; without the library a spelling-based
key stands in. A key drops stress and length marks and merges vowels of the same
kind, so "council", "console" and "cancel" meet, as do "this charge" and
"discharge". ``similarity`` is 1 - edit distance / longer length.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import threading

__all__ = ["Sounds", "similarity", "bigrams"]

_MARKS = re.compile(r"[',%=_:;!#\-2\s]")
# espeak-ng ASCII phonemes -> coarse classes (longest first)
_CLASSES = (
    ("aI@", "a"), ("aU@", "a"), ("eI@", "e"), ("i@3", "i"), ("aI", "a"), ("aU", "a"), ("eI", "e"), ("oU", "o"),
    ("OI", "o"), ("e@", "e"), ("i@", "i"), ("U@", "u"), ("A@", "a"), ("O@", "o"), ("o@", "o"), ("3:", "3"),
    ("@L", "l"), ("@", "3"), ("V", "a"), ("0", "o"), ("O", "o"), ("A", "a"), ("E", "e"), ("I", "i"),
    ("U", "u"), ("D", "d"), ("T", "t"), ("L", "l"), ("N", "n"), ("tS", "c"), ("dZ", "j"), ("S", "s"),
    ("Z", "s"), ("z", "s"), ("w", "w"), ("j", ""), ("h", ""), ("r", "r"), ("R", "r"),
)
_CLASS = re.compile("|".join(re.escape(a) for a, _ in _CLASSES))
_CLASS_OF = dict(_CLASSES)


class _Espeak:
    """libespeak-ng's text-to-phonemes, one call at a time."""

    def __init__(self, voice: str) -> None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        lib = ctypes.CDLL(name)
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        if lib.espeak_Initialize(0x02, 0, None, 0x8000) <= 0:  # retrieval mode, no audio device
            raise OSError("espeak-ng did not initialise")
        lib.espeak_SetVoiceByName(voice.encode())
        self.lib = lib

    def phonemes(self, text: str) -> str:
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        parts: list[str] = []
        while pointer.value:
            out = self.lib.espeak_TextToPhonemes(ctypes.byref(pointer), 1, 0)
            if out:
                parts.append(out.decode("utf-8", "replace"))
        return " ".join(parts)


_ENGINE: _Espeak | None = None
_ENGINE_LOCK = threading.Lock()
_ENGINE_FAILED = False


def _engine() -> _Espeak | None:
    global _ENGINE, _ENGINE_FAILED
    if _ENGINE is None and not _ENGINE_FAILED:
        try:
            _ENGINE = _Espeak("en-us")
        except OSError:
            _ENGINE_FAILED = True
    return _ENGINE


def _spelled_key(word: str) -> str:
    w = word.lower()
    for a, b in (("ph", "f"), ("ck", "k"), ("qu", "kw"), ("q", "k"), ("x", "ks"), ("c", "k"), ("z", "s"),
                 ("th", "d"), ("sh", "s"), ("ch", "c"), ("y", "i"), ("h", "")):
        w = w.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", w)


def _reduce(phonemes: str) -> str:
    plain = _MARKS.sub("", phonemes)
    key = _CLASS.sub(lambda m: _CLASS_OF[m.group()], plain)
    key = re.sub(r"[^a-z3]", "", key.lower())
    return re.sub(r"(.)\1+", r"\1", key)


class Sounds:
    """Sound keys of words and phrases, cached per word (build once, share)."""

    def __init__(self, use_espeak: bool = True) -> None:
        self.engine = _engine() if use_espeak else None
        self._words: dict[str, str] = {}

    def word(self, word: str) -> str:
        key = self._words.get(word)
        if key is None:
            if self.engine is not None:
                with _ENGINE_LOCK:
                    key = _reduce(self.engine.phonemes(word))
            else:
                key = _spelled_key(word)
            if len(self._words) < 50000:
                self._words[word] = key
        return key

    def key(self, text: str | list[str] | tuple[str, ...]) -> str:
        words = text.split() if isinstance(text, str) else text
        return "".join(self.word(w) for w in words)


def bigrams(key: str) -> frozenset[str]:
    return frozenset(key[i:i + 2] for i in range(len(key) - 1))


def similarity(a: str, b: str) -> float:
    """1 - Levenshtein(a, b) / max length; 1.0 for equal keys."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return 1.0 - previous[-1] / max(len(a), len(b))
