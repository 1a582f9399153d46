"""Whole numbers in words, shared by the wording of answers and the spoken forms of tags."""

from __future__ import annotations

__all__ = ["ONES", "TENS", "integer_words"]

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))


def integer_words(n: int, hyphen: bool = True) -> str:
    """72 -> "seventy-two" ("seventy two" with ``hyphen=False``), 1200 -> "one thousand two hundred";
    ValueError for a negative ``n`` (say its sign first, as ``answer.say_number`` does)."""
    if n < 0:
        raise ValueError(f"integer_words takes a number that is not negative, not {n}")
    if n < 20:
        return ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return TENS[tens] + (("-" if hyphen else " ") + ONES[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{ONES[hundreds]} hundred" + (f" {integer_words(rest, hyphen)}" if rest else "")
    for size, word in _SCALES:
        if n >= size:
            head, rest = divmod(n, size)
            return f"{integer_words(head, hyphen)} {word}" + (f" {integer_words(rest, hyphen)}" if rest else "")
    raise AssertionError(n)  # pragma: no cover
