"""German numbers: words to values and values to words, as said in a German control room.

    parse_number("zweiundsiebzig Komma fünf")   72.5
    parse_number("hundertzwei")                 102 (also "einhundertzwei", "hundert zwei")
    parse_number("zwo")                         2 ("eins", "ein", "eine": 1)
    parse_number("minus drei Komma zwei")       -3.2
    parse_ordinal("dritten")                    3 ("zweite", "einundzwanzigsten", "30.")
    read_tag("P eins null zwo")                 "P-102" ("P hundertzwei", "P 102")
    tokenize(text) / normalize(text)            "Pumpe P eins null zwo: zweiundsiebzig Komma fünf bar"
                                                -> "pumpe p 102 72.5 bar"
    integer_words(1250)                         "tausendzweihundertfünfzig"
    say_number(72.5)                            "zweiundsiebzig Komma fünf"
    say_quantity(88.43, "°C")                   "achtundachtzig Komma vier Grad Celsius"
    say_tag("P-102")                            "P eins null zwei"

Words are compared folded: lower case, "ä ö ü ß" as "ae oe ue ss" ("fuenf" is "fünf"); the tokens of
``tokenize`` are folded words and numbers in digits (a point before the decimals, "-" for "minus").
Numbers are written as one word ("tausendzweihundertfünfzig") or in parts a recogniser separates
("tausend zweihundert fünfzig", "drei Millionen"); parts joined by a separate "und" are two numbers
("zwischen zwei und zwanzig Uhr"). Two or more single digits in a row are read digit by digit, as tags
are said ("eins null zwei" is 102). "ein" and "eine" alone are articles in running text; before a
scale ("eine Million", "ein hundert") and in ``parse_number`` they are 1. Decimals follow "Komma", said
digit by digit ("drei Komma eins vier") or as one number ("drei Komma vierzehn"); written numbers take
a comma for decimals and dots between groups of thousands ("1.250,5"). Nothing here raises on any
text; values are rounded for their unit as in ``assistant.answer``.
"""

from __future__ import annotations

import math
import re

from ...answer import round_value
from ...nlu.normalize import MAX_CHARS, Token

__all__ = [
    "fold",
    "parse_cardinal",
    "parse_number",
    "parse_ordinal",
    "read_tag",
    "tokenize",
    "normalize",
    "integer_words",
    "ordinal_words",
    "say_number",
    "say_unit",
    "say_quantity",
    "say_tag",
]

_ONES = "null eins zwei drei vier fünf sechs sieben acht neun".split()
_TEENS = "zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn".split()
_TENS = "_ _ zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig".split()
_SCALES = ((10**9, "Milliarde", "Milliarden"), (10**6, "Million", "Millionen"))

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(word: str) -> str:
    """The form words are compared in: 'Fünf' -> 'fuenf', 'dreißig' -> 'dreissig'."""
    return word.lower().translate(_FOLD)


_DIGITS = {fold(w): n for n, w in enumerate(_ONES)} | {"ein": 1, "eine": 1, "zwo": 2}
_TEEN = {fold(w): n + 10 for n, w in enumerate(_TEENS)}
_TEN = {fold(w): n * 10 for n, w in enumerate(_TENS) if n >= 2}
_SCALE = {"tausend": 1000, "million": 10**6, "millionen": 10**6, "milliarde": 10**9, "milliarden": 10**9}
_MORPHEMES = sorted([*_DIGITS, *_TEEN, *_TEN, *_SCALE, "und", "hundert"], key=len, reverse=True)
_MORPHEME = re.compile("|".join(_MORPHEMES))
_SINGLE = {w for w, n in _DIGITS.items() if w not in ("ein", "eine")}  # said digit by digit
_ARTICLES = {"ein", "eine"}
_LONGEST_RUN = 16  # words of one number said in parts ("neun Milliarden neunhundert Millionen ...")


# ----------------------------------------------------------------------------- words to numbers

def _parts(word: str) -> list[str] | None:
    """'zweihundertzwei' -> ['zwei', 'hundert', 'zwei'] (longest part first); None if not all parts."""
    parts, i = [], 0
    while i < len(word):
        part = _MORPHEME.match(word, i)
        if part is None:
            return None
        parts.append(part.group())
        i = part.end()
    return parts


def _at(parts: list[str], i: int) -> str:
    return parts[i] if i < len(parts) else ""


def _small(parts: list[str], i: int) -> tuple[int, int] | None:
    """1..99 at ``i``: 'sieben', 'siebzehn', 'siebzig', 'sieben und siebzig'; (value, next index)."""
    w = _at(parts, i)
    if w in _DIGITS and w != "null":
        if _at(parts, i + 1) == "und" and _at(parts, i + 2) in _TEN:
            return _DIGITS[w] + _TEN[parts[i + 2]], i + 3
        return _DIGITS[w], i + 1
    if w in _TEEN or w in _TEN:
        return (_TEEN | _TEN)[w], i + 1
    return None


def _group(parts: list[str], i: int) -> tuple[int, int] | None:
    """1..9999 at ``i``: 'zweiundsiebzig', 'hundertzwei', 'einhundertzwei', 'dreizehnhundert'."""
    head = _small(parts, i)
    j = head[1] if head else i
    if _at(parts, j) != "hundert":
        return head
    value, j = (head[0] if head else 1) * 100, j + 1
    if _at(parts, j) == "und" and _small(parts, j + 1):
        j += 1
    rest = _small(parts, j)
    return (value + rest[0], rest[1]) if rest else (value, j)


def _value(parts: list[str]) -> int | None:
    if parts == ["null"]:
        return 0
    total, i, below = 0, 0, math.inf
    while i < len(parts):
        group = _group(parts, i)
        j = group[1] if group else i
        scale = _SCALE.get(_at(parts, j))
        if scale is None:
            if group is None or j != len(parts) or group[0] >= below:
                return None
            return total + group[0]
        if scale >= below or (group and group[0] >= 1000):
            return None
        total, below, i = total + (group[0] if group else 1) * scale, scale, j + 1
        if _at(parts, i) == "und" and i + 1 < len(parts):
            i += 1
    return total if parts else None


def parse_cardinal(word: str) -> int | None:
    """One number word: 'zweiundsiebzig' -> 72, 'tausendzweihundertfünfzig' -> 1250, 'zwo' -> 2."""
    parts = _parts(fold(word))
    return _value(parts) if parts else None


_ORDINAL_STEMS = (("erst", "eins"), ("dritt", "drei"), ("siebent", "sieben"), ("siebt", "sieben"),
                  ("acht", "acht"))


def parse_ordinal(word: str) -> int | None:
    """'erste' -> 1, 'zweite' -> 2, 'dritten' -> 3, 'achten' -> 8, 'dreißigsten' -> 30, '30.' -> 30."""
    w = fold(word)
    if w.endswith(".") and w[:-1].isdecimal() and w[:-1].isascii():
        return int(w[:-1]) if len(w) <= 10 else None
    base = next((w[:-len(end)] for end in ("en", "er", "em", "es", "e") if w.endswith(end)), None)
    if not base:
        return None
    for stem, cardinal in _ORDINAL_STEMS:
        if base.endswith(stem):
            n = parse_cardinal(base[:-len(stem)] + cardinal)
            if n is not None and 1 <= n % 100 <= 19:
                return n
    if base.endswith("st"):
        n = parse_cardinal(base[:-2])
        if n and (n % 100 == 0 or n % 100 >= 20):
            return n
    if base.endswith("t"):
        n = parse_cardinal(base[:-1])
        if n and 1 <= n % 100 <= 19:
            return n
    return None


_TOKEN = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![.\d])|\d+(?:[.,]\d+)?|[^\W\d_]+")


def _written(number: str) -> str:
    """'1.250,5' -> '1250.5', '1.250' -> '1250', '72,5' -> '72.5', '72.5' -> '72.5'."""
    if "," in number or re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number):
        number = number.replace(".", "")
    return number.replace(",", ".")


def _raw(text: str) -> list[Token]:
    return [Token(_written(m.group()) if m.group()[0].isdecimal() else fold(m.group()), m.start(), m.end())
            for m in _TOKEN.finditer(text)]


def _is_number(word: str) -> bool:
    return word.replace(".", "", 1).isdecimal()


def _single(word: str) -> str | None:
    """The digit of a single digit, said ('zwo') or written ('2')."""
    if word in _SINGLE:
        return str(_DIGITS[word])
    return word if len(word) == 1 and word.isdecimal() else None


def _run(text: list[str], i: int) -> tuple[str, int] | None:
    """A whole number starting at word ``i``: (digits, words used)."""
    words: list[str] = []
    for j in range(i, min(len(text), i + _LONGEST_RUN)):
        w = text[j]
        starts = not words and w in _ARTICLES and _at(text, j + 1) in ("hundert", *_SCALE)
        if (w in _ARTICLES and not starts) or not (_single(w) or parse_cardinal(w) is not None):
            break
        words.append(w)
    if not words:
        return None
    singles = 0
    while singles < len(words) and _single(words[singles]):
        singles += 1
    if singles >= 2:  # digit by digit
        return "".join(_single(w) or "" for w in words[:singles]), singles
    written = next((k for k, w in enumerate(words) if w.isdecimal()), len(words))
    if written == 0:  # a written digit is a number on its own
        return words[0], 1
    words = words[:written]
    parts = [_parts(w) or [] for w in words]
    for k in range(len(words), 0, -1):
        value = _value([p for word in parts[:k] for p in word])
        if value is not None:
            return str(value), k
    return None


def _decimals(text: list[str], i: int) -> tuple[str, int] | None:
    """The digits after 'Komma' at word ``i``: 'eins vier' -> '14', 'vierzehn' -> '14'."""
    digits = ""
    j = i
    while j < len(text) and _single(text[j]):
        digits += _single(text[j]) or ""
        j += 1
    if digits:
        return digits, j - i
    n = parse_cardinal(_at(text, i))
    return (str(n), 1) if n is not None and 10 <= n <= 99 else None


def tokenize(text: str) -> list[Token]:
    """Folded tokens of ``text`` (the first ``MAX_CHARS``) with numbers in digits and their spans."""
    tokens = _raw(text[:MAX_CHARS])
    words = [t.text for t in tokens]
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        run = (tok.text, 1) if _is_number(tok.text) and _single(tok.text) is None else _run(words, i)
        if run is None:
            out.append(tok)
            i += 1
            continue
        digits, used = run
        end = i + used
        if "." not in digits and _at(words, end) == "komma":
            fraction = _decimals(words, end + 1)
            if fraction:
                digits, end = f"{digits}.{fraction[0]}", end + 1 + fraction[1]
        start = tok.start
        if out and out[-1].text == "minus":
            digits, start = f"-{digits}", out.pop().start
        out.append(Token(digits, start, tokens[end - 1].end))
        i = end
    return out


def normalize(text: str) -> str:
    """'Pumpe P eins null zwo, zweiundsiebzig Komma fünf bar' -> 'pumpe p 102 72.5 bar'."""
    return " ".join(t.text for t in tokenize(text))


def parse_number(text: str) -> int | float | None:
    """The one number ``text`` says ('zweiundsiebzig Komma fünf' -> 72.5, 'eine' -> 1), else None."""
    tokens = tokenize(text)
    if len(tokens) != 1:
        return None
    word = tokens[0].text
    if word in _ARTICLES:
        return 1
    try:
        return float(word) if "." in word else int(word)
    except ValueError:
        return None


def read_tag(text: str) -> str | None:
    """A tag as read out: 'P eins null zwo' -> 'P-102', 'P hundertzwei' -> 'P-102', 'G T eins' -> 'GT-1'."""
    tokens = [t.text for t in tokenize(text)]
    letters = "".join(tokens[:-1])
    if len(tokens) < 2 or not tokens[-1].isdecimal() or not letters.isalpha() or not letters.isascii():
        return None
    if len(tokens) > 2 and any(len(t) != 1 for t in tokens[:-1]) or len(letters) > 5:
        return None
    return f"{letters.upper()}-{tokens[-1]}"


# ----------------------------------------------------------------------------- numbers to words

def _below100(n: int) -> str:
    if n < 10:
        return _ONES[n]
    if n < 20:
        return _TEENS[n - 10]
    tens, ones = divmod(n, 10)
    return (("ein" if ones == 1 else _ONES[ones]) + "und" if ones else "") + _TENS[tens]


def _below1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    head = (_ONES[hundreds] if hundreds > 1 else "") + "hundert" if hundreds else ""
    return head + (_below100(rest) if rest else "")


def _head(n: int) -> str:
    """A count before a scale: 'eins' becomes 'ein' ('einundzwanzigtausend', 'hunderteintausend')."""
    words = integer_words(n)
    return words[:-1] if words.endswith("eins") else words


def integer_words(n: int) -> str:
    """72 -> 'zweiundsiebzig', 102 -> 'hundertzwei', 1250 -> 'tausendzweihundertfünfzig',
    2_300_000 -> 'zwei Millionen dreihunderttausend'; ValueError for a negative ``n``."""
    if n < 0:
        raise ValueError(f"integer_words takes a number that is not negative, not {n}")
    if n == 0:
        return "null"
    for size, one, many in _SCALES:
        if n >= size:
            head, rest = divmod(n, size)
            said = f"eine {one}" if head == 1 else f"{_head(head)} {many}"
            return said + (f" {integer_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    said = ("" if thousands == 1 else _head(thousands)) + "tausend" if thousands else ""
    return said + (_below1000(rest) if rest else "")


def ordinal_words(n: int) -> str:
    """The ordinal after 'am' or 'dem': 1 -> 'ersten', 3 -> 'dritten', 30 -> 'dreißigsten'."""
    words = integer_words(n)
    for cardinal, stem in (("eins", "ers"), ("drei", "drit"), ("sieben", "sieb"), ("acht", "ach")):
        if 1 <= n % 100 <= 19 and words.endswith(cardinal):
            return words[:-len(cardinal)] + stem + "ten"
    return words + ("ten" if 1 <= n % 100 <= 19 else "sten")


def say_number(value: float, decimals: int | None = None) -> str:
    """'zweiundsiebzig Komma fünf', 'tausendzweihundert', 'minus drei Komma zwei'."""
    if isinstance(value, bool) or not math.isfinite(float(value)):
        raise ValueError(f"cannot say {value!r}")
    if decimals is not None:
        value = round(float(value), decimals)
    text = str(abs(value)) if isinstance(value, int) else f"{abs(float(value)):.6f}".rstrip("0").rstrip(".")
    whole, _, fraction = text.partition(".")
    words = integer_words(int(whole))
    if fraction:
        words += " Komma " + " ".join(_ONES[int(d)] for d in fraction)
    return f"minus {words}" if float(value) < 0 and (int(whole) or fraction) else words


# (singular, plural) spoken units; the feminine ones take "eine"
_UNITS: dict[str, tuple[str, str]] = {
    "°C": ("Grad Celsius", "Grad Celsius"),
    "K": ("Kelvin", "Kelvin"),
    "bar": ("bar", "bar"),
    "mbar": ("Millibar", "Millibar"),
    "MW": ("Megawatt", "Megawatt"),
    "kW": ("Kilowatt", "Kilowatt"),
    "MWh": ("Megawattstunde", "Megawattstunden"),
    "kV": ("Kilovolt", "Kilovolt"),
    "V": ("Volt", "Volt"),
    "mV": ("Millivolt", "Millivolt"),
    "A": ("Ampere", "Ampere"),
    "rpm": ("Umdrehung pro Minute", "Umdrehungen pro Minute"),
    "mm/s": ("Millimeter pro Sekunde", "Millimeter pro Sekunde"),
    "%": ("Prozent", "Prozent"),
    "m³/h": ("Kubikmeter pro Stunde", "Kubikmeter pro Stunde"),
    "mm": ("Millimeter", "Millimeter"),
    "d": ("Tag", "Tage"),
    "h": ("Stunde", "Stunden"),
    "min": ("Minute", "Minuten"),
    "s": ("Sekunde", "Sekunden"),
}
_FEMININE = {"MWh", "rpm", "h", "min", "s"}


def say_unit(unit: str, value: float | None = None) -> str:
    """'Grad Celsius', 'Stunden' ('Stunde' for one); an unknown unit as written."""
    singular, plural = _UNITS.get(unit, (unit, unit))
    return singular if value is not None and abs(value) == 1 else plural


def say_quantity(value: float, unit: str) -> str:
    """'achtundachtzig Komma vier Grad Celsius', 'eine Stunde', 'minus ein Grad Celsius' (rounded for the unit)."""
    rounded = round_value(value, unit)
    if abs(rounded) == 1:
        one = "eine" if unit in _FEMININE else "ein"
        return f"{'minus ' if rounded < 0 else ''}{one} {say_unit(unit, 1)}"
    return f"{say_number(rounded)} {say_unit(unit, rounded)}"


_TAG_WORDS = {"BESS": "BESS"}  # letter groups said as a word, not spelled


def say_tag(tag: str) -> str:
    """'P-102' -> 'P eins null zwei', 'GT1' -> 'G T eins', 'BESS1' -> 'BESS eins': two digits or fewer as
    a number, longer numbers digit by digit."""
    parts = []
    for letters, digits in re.findall(r"([A-Za-z]+)|(\d+)", tag):
        if letters:
            parts.append(_TAG_WORDS.get(letters.upper(), " ".join(letters.upper())))
        elif len(digits) <= 2 and not digits.startswith("0"):
            parts.append(integer_words(int(digits)))
        else:
            parts.append(" ".join(_ONES[int(d)] for d in digits))
    return " ".join(parts)
