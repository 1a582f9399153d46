"""Text normalisation shared by training and recognition.

``tokenize(text)`` turns raw text (typed or from a recogniser) into lowercase
tokens that remember their character span in the original text:

* case and punctuation go, hyphens split words ("one-oh-two" -> one oh two);
* letters and digits glued together split ("P102" -> p 102, "HRSG1" -> hrsg 1);
* number words become digits: "two" -> 2, "seventy two point five" -> 72.5,
  "one hundred and twenty" -> 120, and digit-by-digit tags "one oh two" -> 102,
  so "P-102", "p 102", "p one oh two" and "pump one-oh-two" all meet as ``p 102``
  or ``pump 102``.

``normalize(text)`` is the same, joined by single spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Token", "tokenize", "normalize", "number_value", "MAX_CHARS"]

MAX_CHARS = 2000  # longer text is cut at a word boundary before understanding

_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)*")

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000}
_ZERO_SOUNDS = {"oh", "o"}  # spoken zero, only between or after other digits
_NUMBER_WORDS = set(_UNITS) | set(_TEENS) | set(_TENS) | set(_SCALES)


@dataclass(frozen=True)
class Token:
    """One normalised token and the span ``[start, end)`` it came from in the original text."""

    text: str
    start: int
    end: int


def _raw_tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        word = match.group().lower().replace("’", "'")
        if "'" in word:
            word = word.replace("'", "")
        if word[0].isdigit():
            word = word.replace(",", ".")
        tokens.append(Token(word, match.start(), match.end()))
    return tokens


def _is_digit_word(word: str) -> bool:
    return word in _UNITS or (word.isdigit() and len(word) == 1)


def _digit(word: str) -> str:
    return str(_UNITS[word]) if word in _UNITS else ("0" if word in _ZERO_SOUNDS else word)


def _compose(words: list[str]) -> int | None:
    """Value of a compositional number ("seventy two", "one hundred twenty"), None if not one."""
    total = 0
    current = 0
    last = ""  # kind of the previous word: unit, teen, ten, scale
    for word in words:
        if word in _UNITS:
            if last in ("unit", "teen"):
                return None
            current += _UNITS[word]
            last = "unit"
        elif word in _TEENS:
            if last in ("unit", "teen", "ten"):
                return None
            current += _TEENS[word]
            last = "teen"
        elif word in _TENS:
            if last in ("unit", "teen", "ten"):
                return None
            current += _TENS[word]
            last = "ten"
        elif word in _SCALES:
            scale = _SCALES[word]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
            last = "scale"
        else:
            return None
    return total + current


def _number_run(tokens: list[Token], i: int) -> tuple[str, int] | None:
    """A number starting at ``tokens[i]``: (digits, tokens used), or None."""
    words: list[str] = []
    j = i
    while j < len(tokens):
        word = tokens[j].text
        if word in _NUMBER_WORDS:
            words.append(word)
        elif word in _ZERO_SOUNDS and words and j + 1 <= len(tokens):
            words.append(word)
        elif word == "and" and words and words[-1] in _SCALES and j + 1 < len(tokens) \
                and tokens[j + 1].text in _NUMBER_WORDS:
            j += 1
            continue
        elif word.isdigit() and len(word) == 1 and words and _is_digit_word(words[-1]):
            words.append(word)
        else:
            break
        j += 1
    while words and words[-1] in _ZERO_SOUNDS and not any(w in _ZERO_SOUNDS for w in words[:-1]) \
            and len(words) == 2:
        # "one o" at the end is not a tag; keep "o" as a word
        words.pop()
        j -= 1
    if not words:
        return None
    used = j - i
    # digit by digit: "one oh two", "two three", "zero seven"
    if len(words) >= 2 and all(_is_digit_word(w) or w in _ZERO_SOUNDS for w in words):
        if words[-1] in _ZERO_SOUNDS and len(words) == 2:
            return None
        return "".join(_digit(w) for w in words), used
    value = _compose([w for w in words if w not in _ZERO_SOUNDS])
    if value is None or any(w in _ZERO_SOUNDS for w in words):
        # not one number: take the longest prefix that is
        for k in range(len(words) - 1, 0, -1):
            prefix = words[:k]
            if any(w in _ZERO_SOUNDS for w in prefix):
                continue
            value = _compose(prefix)
            if value is not None:
                skipped = sum(1 for t in tokens[i:i + used] if t.text == "and")
                return str(value), min(k + skipped, used)
        return None
    return str(value), used


def _merge_numbers(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        run = _number_run(tokens, i) if (tok.text in _NUMBER_WORDS) else None
        if run is None:
            out.append(tok)
            i += 1
            continue
        digits, used = run
        end = i + used
        # decimals: "seventy two point five", "three point one four"
        if end + 1 < len(tokens) and tokens[end].text == "point" and _is_digit_word(tokens[end + 1].text):
            k = end + 1
            decimals = ""
            while k < len(tokens) and (_is_digit_word(tokens[k].text) or tokens[k].text in _ZERO_SOUNDS):
                decimals += _digit(tokens[k].text)
                k += 1
            digits = f"{digits}.{decimals}"
            end = k
        out.append(Token(digits, tok.start, tokens[end - 1].end))
        i = end
    # "72 point 5" written with digits after a recogniser
    merged: list[Token] = []
    for tok in out:
        if len(merged) >= 2 and tok.text.isdigit() and merged[-1].text == "point" \
                and merged[-2].text.replace(".", "").isdigit() and "." not in merged[-2].text:
            head = merged[-2]
            merged[-2:] = [Token(f"{head.text}.{tok.text}", head.start, tok.end)]
        else:
            merged.append(tok)
    return merged


def _split_alnum(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for tok in tokens:
        parts = re.findall(r"\d+(?:\.\d+)?|[^\W\d_]+", tok.text)
        if len(parts) <= 1:
            out.append(tok)
            continue
        pos = tok.start
        for part in parts:
            out.append(Token(part, pos, pos + len(part)))
            pos += len(part)
    return out


def _join_tags(tokens: list[Token]) -> list[Token]:
    """A tag written with a dash inside its number, "P1-01", is one number: p 101."""
    out: list[Token] = []
    for tok in tokens:
        prev = out[-1] if out else None
        before = out[-2] if len(out) >= 2 else None
        if prev is not None and before is not None and tok.text.isdigit() and tok.text.startswith("0") \
                and len(prev.text) == 1 and prev.text.isdigit() and tok.start == prev.end + 1 \
                and before.end == prev.start and before.text.isalpha():
            out[-1] = Token(prev.text + tok.text, prev.start, tok.end)
        else:
            out.append(tok)
    return out


def _clip(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    cut = text.rfind(" ", 0, MAX_CHARS)
    return text[: cut if cut > MAX_CHARS // 2 else MAX_CHARS]


def tokenize(text: str) -> list[Token]:
    """Normalised tokens of ``text`` with their spans in the original (first ``MAX_CHARS`` only)."""
    return _merge_numbers(_join_tags(_split_alnum(_raw_tokens(_clip(text)))))


def normalize(text: str) -> str:
    """The normalised form of ``text``: ``"Feed-pump Two, P-102!"`` -> ``"feed pump 2 p 102"``."""
    return " ".join(t.text for t in tokenize(text))


def number_value(word: str) -> float | None:
    """The value of a normalised number token, or None."""
    try:
        return float(word)
    except ValueError:
        return None
