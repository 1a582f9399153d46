"""Spoken answers: numbers, units, tags and times as a person says them, and templates.

    say_number(72.5)                 "seventy-two point five"
    say_quantity(88.43, "°C")        "eighty-eight point four degrees Celsius"
    say_tag("P-102")                 "P one oh two"
    say_clock(time)                  "fourteen thirty"
    say_age(720)                     "twelve minutes ago"
    say_term("write", "note_add")    "note": the words of the dialogue's fixed values

Templates come from ``intents/en/responses.yml`` (Rasa domain format: ``responses:`` ->
``utter_<name>:`` -> ``- text: "..."`` with ``{slots}``); a variant is picked
deterministically from the slots. ``unexplained_numbers(text, data)`` lists the
number words of an answer that its ``data`` does not account for, so every spoken
number can be traced to plant data.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .config import ROOT
from .errors import DataError
from .numbers import ONES, TENS, integer_words

__all__ = [
    "round_value",
    "say_number",
    "say_unit",
    "say_quantity",
    "say_percent",
    "say_tag",
    "say_clock",
    "say_age",
    "say_date",
    "say_list",
    "say_term",
    "Responses",
    "load_responses",
    "spoken_numbers",
    "data_phrases",
    "unexplained_numbers",
    "NUMBER_WORDS",
    "DEFAULT_RESPONSES",
]

DEFAULT_RESPONSES = ROOT / "intents" / "en" / "responses.yml"

_ORDINAL_ONES = ("zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
                 "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth").split()
_ORDINAL_TENS = {20: "twentieth", 30: "thirtieth"}
_MONTHS = ("January February March April May June July August September October November December").split()

# Words that carry a number. "first" and "second" are left out: they are also an adverb
# ("first check") and a unit ("per second").
NUMBER_WORDS = frozenset(
    [*ONES, *TENS[2:], "hundred", "thousand", "million", "billion",
     *(w for w in _ORDINAL_ONES if w not in ("first", "second")), "twentieth", "thirtieth"]
)

# (singular, plural) spoken units
_UNITS: dict[str, tuple[str, str]] = {
    "°C": ("degree Celsius", "degrees Celsius"),
    "K": ("kelvin", "kelvin"),
    "bar": ("bar", "bar"),
    "mbar": ("millibar", "millibar"),
    "MW": ("megawatt", "megawatts"),
    "kW": ("kilowatt", "kilowatts"),
    "MWh": ("megawatt hour", "megawatt hours"),
    "kV": ("kilovolt", "kilovolts"),
    "V": ("volt", "volts"),
    "mV": ("millivolt", "millivolts"),
    "A": ("ampere", "amperes"),
    "rpm": ("revolution per minute", "revolutions per minute"),
    "mm/s": ("millimetre per second", "millimetres per second"),
    "%": ("percent", "percent"),
    "m³/h": ("cubic metre per hour", "cubic metres per hour"),
    "mm": ("millimetre", "millimetres"),
    "d": ("day", "days"),
    "h": ("hour", "hours"),
    "min": ("minute", "minutes"),
    "s": ("second", "seconds"),
}

# decimals spoken per unit: (decimals below the threshold, threshold, decimals at or above it)
_DECIMALS: dict[str, tuple[int, float, int]] = {
    "°C": (1, 100.0, 0),
    "K": (1, 100.0, 0),
    "bar": (1, 100.0, 0),
    "mbar": (0, 0.0, 0),
    "MW": (1, 1000.0, 0),
    "kW": (0, 0.0, 0),
    "MWh": (1, 1000.0, 0),
    "kV": (1, 0.0, 1),
    "V": (0, 0.0, 0),
    "mV": (0, 0.0, 0),
    "A": (0, 0.0, 0),
    "rpm": (0, 0.0, 0),
    "mm/s": (2, 1.0, 1),
    "%": (1, 10.0, 0),
    "m³/h": (0, 0.0, 0),
    "mm": (0, 0.0, 0),
    "d": (1, 10.0, 0),
    "h": (1, 10.0, 0),
    "min": (0, 0.0, 0),
    "s": (0, 0.0, 0),
}

# letter groups of tags that are said as a word rather than spelled
_TAG_WORDS = {"BESS": "BESS"}


# ----------------------------------------------------------------------------- numbers


def _decimals(value: float, unit: str) -> int:
    rule = _DECIMALS.get(unit)
    if rule is None:  # three significant figures
        magnitude = math.floor(math.log10(abs(value))) if value else 0
        return max(0, 2 - magnitude)
    below, threshold, above = rule
    return below if abs(value) < threshold else above


def round_value(value: float, unit: str = "") -> float:
    """The value as it is spoken for its unit: °C to a tenth below 100, rpm to a whole number, ..."""
    decimals = _decimals(float(value), unit)
    rounded = round(float(value), decimals)
    return 0.0 if rounded == 0 else rounded


def say_number(value: float, decimals: int | None = None) -> str:
    """'seventy-two point five', 'one thousand two hundred', 'minus three point two'."""
    if isinstance(value, bool) or not math.isfinite(float(value)):
        raise ValueError(f"cannot say {value!r}")
    if decimals is not None:
        value = round(float(value), decimals)
    text = f"{abs(float(value)):.6f}".rstrip("0").rstrip(".") if not isinstance(value, int) else str(abs(value))
    whole, _, fraction = text.partition(".")
    words = integer_words(int(whole))
    if fraction:
        words += " point " + " ".join(ONES[int(d)] for d in fraction)
    negative = float(value) < 0 and (int(whole) or fraction)
    return f"minus {words}" if negative else words


def say_unit(unit: str, value: float | None = None) -> str:
    singular, plural = _UNITS.get(unit, (unit, unit))
    return singular if value is not None and abs(value) == 1 else plural


def say_quantity(value: float, unit: str) -> str:
    """'eighty-eight point four degrees Celsius' (rounded for the unit)."""
    rounded = round_value(value, unit)
    return f"{say_number(rounded)} {say_unit(unit, rounded)}"


def whole_percent(fraction: float) -> int:
    """A probability 0..1 in whole percent, halves up as the console shows it: 0.005 -> 1, 0.71 -> 71."""
    return math.floor(fraction * 100 + 0.5)


def say_percent(fraction: float) -> str:
    """A probability 0..1 as whole percent: 0.71 -> 'seventy-one percent'."""
    return f"{say_number(whole_percent(fraction))} percent"


def _tag_number(digits: str) -> str:
    n = int(digits)
    if len(digits) <= 2 and not (len(digits) == 2 and digits[0] == "0"):
        return integer_words(n).replace("-", " ")
    if len(digits) == 3:
        head, tail = digits[0], digits[1:]
        rest = f"oh {ONES[int(tail[1])]}" if tail[0] == "0" else integer_words(int(tail)).replace("-", " ")
        if tail == "00":
            rest = "hundred"
        return f"{ONES[int(head)]} {rest}"
    if len(digits) == 4 and digits[0] != "0":
        return f"{_tag_number(digits[:2])} {_tag_number(digits[2:]) if digits[2] != '0' else 'oh ' + ONES[int(digits[3])]}"
    return " ".join(ONES[int(d)] for d in digits)


def say_tag(tag: str) -> str:
    """An asset tag as it is said: 'P-102' -> 'P one oh two', 'GT1' -> 'G T one', 'BESS1' -> 'BESS one'."""
    parts = []
    for letters, digits in re.findall(r"([A-Za-z]+)|(\d+)", tag):
        if letters:
            parts.append(_TAG_WORDS.get(letters.upper(), " ".join(letters.upper())))
        else:
            parts.append(_tag_number(digits))
    return " ".join(parts)


def say_clock(time: dt.datetime | dt.time) -> str:
    """24-hour time as said in a control room: 'fourteen thirty', 'nine oh five', 'fourteen hundred'."""
    hour, minute = time.hour, time.minute
    if minute == 0:
        return f"{integer_words(hour)} hundred"
    return f"{integer_words(hour)} {'oh ' + ONES[minute] if minute < 10 else integer_words(minute)}"


def say_age(seconds: float) -> str:
    """How long ago: 'forty seconds ago', 'twelve minutes ago', 'three hours ago', 'two days ago'."""
    seconds = max(0.0, float(seconds))
    for size, unit, limit in ((1, "s", 90), (60, "min", 90 * 60), (3600, "h", 36 * 3600)):
        if seconds < limit:
            count = round(seconds / size)
            return f"{say_number(count)} {say_unit(unit, count)} ago"
    count = round(seconds / 86400)
    return f"{say_number(count)} {say_unit('d', count)} ago"


def _ordinal(n: int) -> str:
    if n < 20:
        return _ORDINAL_ONES[n]
    tens, ones = divmod(n, 10)
    return _ORDINAL_TENS[n] if not ones else f"{TENS[tens]}-{_ORDINAL_ONES[ones]}"


def _year(year: int) -> str:
    if 2000 <= year < 2010:
        return integer_words(year)
    head, tail = divmod(year, 100)
    return f"{integer_words(head)} {integer_words(tail) if tail >= 10 else ('hundred' if tail == 0 else 'oh ' + ONES[tail])}"


def say_date(date: dt.date | str, year: bool = True) -> str:
    """'the fourteenth of January twenty twenty-five' ('the fourteenth of January' without ``year``)."""
    if isinstance(date, str):
        date = dt.date.fromisoformat(date[:10])
    said = f"the {_ordinal(date.day)} of {_MONTHS[date.month - 1]}"
    return f"{said} {_year(date.year)}" if year else said


def say_list(items: Iterable[str], last: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


# (group, value) -> words; a value without an entry is said as written ("high_high" as "high high")
_TERMS: dict[tuple[str, str], str] = {
    ("count", "alarm_one"): "alarm", ("count", "alarm_many"): "alarms",
    ("count", "note_one"): "note", ("count", "note_many"): "notes",
    ("write", "alarm_acknowledge"): "alarm acknowledgement", ("write", "note_add"): "note",
    ("write", "note_correct"): "note correction", ("write", "note_withdraw"): "note withdrawal",
    ("topic", "plant_overview"): "the plant overview", ("topic", "asset_status"): "the status",
    ("topic", "sensor_reading"): "a reading", ("topic", "trend"): "a trend", ("topic", "compare"): "a comparison",
    ("topic", "alarm_list"): "the alarm list", ("topic", "alarm_acknowledge"): "acknowledging alarms",
    ("topic", "fault_prediction"): "the fault prediction", ("topic", "remaining_life"): "the remaining life",
    ("topic", "explain"): "why it is at risk", ("topic", "recommend_action"): "what to do",
    ("topic", "maintenance_history"): "the maintenance history", ("topic", "note_add"): "taking a note",
    ("topic", "note_read"): "the notes", ("topic", "report_start"): "starting a report",
    ("topic", "dictation_start"): "starting a dictation", ("topic", "note_correct"): "correcting a note",
    ("topic", "note_withdraw"): "withdrawing a note",
}


def say_term(group: str, value: str) -> str:
    """A fixed value of the dialogue in words: ("write", "alarm_acknowledge") -> 'alarm acknowledgement',
    ("topic", "trend") -> 'a trend', ("alarm", "high_high") -> 'high high', ("priority", "low") -> 'low'."""
    return _TERMS.get((group, value), value.replace("_", " "))


# ----------------------------------------------------------------------------- templates


class Responses:
    """Answer templates by name (``utter_<name>``); render with slots."""

    def __init__(self, templates: Mapping[str, tuple[str, ...]], path: str = "") -> None:
        self.templates = dict(templates)
        self.path = path

    @property
    def names(self) -> list[str]:
        return sorted(self.templates)

    def require(self, names: Iterable[str]) -> None:
        missing = sorted(set(names) - set(self.templates))
        if missing:
            raise DataError(f"{self.path}: missing responses {', '.join(missing)}; add them under responses:")

    def render(self, template: str, /, **slots: Any) -> str:
        """The text of ``template`` with ``slots`` filled; the variant is picked from the slots."""
        name = template
        variants = self.templates.get(name)
        if not variants:
            raise DataError(f"{self.path}: no response {name}; add it under responses:")
        key = "|".join(f"{k}={slots[k]}" for k in sorted(slots))
        text = variants[zlib.crc32(f"{name}|{key}".encode()) % len(variants)]
        try:
            rendered = text.format_map(slots)
        except (KeyError, IndexError) as exc:
            raise DataError(f"{self.path}: response {name} uses slot {exc} that is not filled; "
                            f"use only {', '.join(sorted(slots)) or 'no slots'}") from None
        return " ".join(rendered.split())


def load_responses(path: str | Path | None = None, required: Iterable[str] = (), said_only: bool = False) -> Responses:
    """Read a Rasa-format responses file; DataError names file and line of anything malformed or missing.
    ``said_only`` (a Rasa domain's responses): a variant without text (an image, a custom payload for a
    chat channel) is left out, and a response with none is not one."""
    path = Path(path) if path else DEFAULT_RESPONSES
    if not path.is_file():
        raise DataError(f"{path}: responses file not found; restore it or point to an existing file")
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise DataError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    except (ValueError, OverflowError, RecursionError) as exc:  # a date YAML cannot make, nesting too deep
        raise DataError(f"{path}: a value YAML cannot read ({exc}); put it in quotes if it is text") from None
    if not isinstance(data, dict) or not isinstance(data.get("responses"), dict):
        raise DataError(f"{path}:1: no 'responses:' mapping; write responses: -> utter_<name>: -> - text: ...")
    lines: dict[str, int] = {}
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "responses" and isinstance(value, yaml.MappingNode):
                lines = {k.value: k.start_mark.line + 1 for k, _ in value.value}
    templates: dict[str, tuple[str, ...]] = {}
    for name, variants in data["responses"].items():
        where = f"{path}:{lines.get(name, 0)}"
        if not isinstance(variants, list) or not variants:
            raise DataError(f"{where}: response {name} must be a list of '- text: ...'; add at least one variant")
        texts = []
        for variant in variants:
            if not isinstance(variant, dict) or not isinstance(variant.get("text"), str):
                if said_only and isinstance(variant, dict):
                    continue
                raise DataError(f"{where}: response {name} has a variant without text; write - text: \"...\"")
            try:
                list(string.Formatter().parse(variant["text"]))
            except ValueError as exc:
                raise DataError(f"{where}: response {name}: bad slot syntax ({exc}); write slots as {{name}}") from None
            texts.append(variant["text"])
        if texts:
            templates[name] = tuple(texts)
    responses = Responses(templates, str(path))
    responses.require(required)
    return responses


# ----------------------------------------------------------------------------- tracing numbers to data

_TAG = re.compile(r"^[A-Za-z]{1,6}-?\d{1,4}$")


def _time_forms(text: str) -> list[str]:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return []
    forms = [say_date(when.date()), say_date(when.date(), year=False)]
    if len(text) > 10:
        from .spoken_time import say_clock_words  # spoken_time builds on this module's words

        forms.append(say_clock(when))
        forms += [say_clock_words(when, today=today, oclock=oclock)
                  for today in (False, True) for oclock in (False, True)]
    return forms


def _number_forms(key: str, value: float, unit: str) -> list[str]:
    if key == "id":  # identifiers are said with what they name ("note three"), never as a bare number
        return [f"note {say_number(value)}"]
    forms = [say_number(round_value(value, unit))]
    if isinstance(value, int):
        forms.append(say_number(value))
    if key == "probability":
        forms.append(say_number(whole_percent(value)))
    if key.endswith("_s"):
        forms.append(say_age(value).removesuffix(" ago"))
    if key.startswith("rul") or key.endswith("_days"):
        forms.append(say_number(round_value(value, "d")))
    if key.endswith("_h") or key == "hours":
        forms.append(say_number(round_value(value, "h")))
    return forms


def spoken_numbers(data: Any) -> set[str]:
    """Every phrase with numbers that ``data`` allows an answer to say (lowercase).

    Numbers as spoken for their sibling ``unit``; ``id`` only as "note <id>"; ``probability`` as percent; keys ending
    in ``_s`` as ages, ``rul*``/``*_days`` as days; strings as written, tags as said, ISO
    times as clock times ("fourteen thirty", "half past two in the afternoon", "two o'clock this afternoon")
    and dates.
    """
    return data_phrases(data, _number_forms, _time_forms, say_tag)


def data_phrases(data: Any, number_forms: Any, time_forms: Any, tag: Any) -> set[str]:
    """The walk of ``spoken_numbers`` with a language's words: ``number_forms(key, value, unit)``,
    ``time_forms(iso)`` and ``tag(id)`` (lowercase phrases)."""
    found: set[str] = set()

    def walk(node: Any, key: str = "", parent: Mapping[str, Any] | None = None) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                walk(v, str(k), node)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v, key, parent)
        elif isinstance(node, bool) or node is None:
            return
        elif isinstance(node, (int, float)):
            if math.isfinite(node):
                unit = str(parent.get("unit", "")) if parent else ""
                found.update(number_forms(key, node, unit))
        elif isinstance(node, str):
            found.add(node)
            if _TAG.match(node):
                found.add(tag(node))
            if re.match(r"^\d{4}-\d{2}-\d{2}", node):
                found.update(time_forms(node))

    walk(data)
    return {" ".join(f.lower().split()) for f in found if f.strip()}


def unexplained_numbers(text: str, data: Any) -> list[str]:
    """Number words (and digits) in ``text`` that no value in ``data`` accounts for."""
    rest = " ".join(text.lower().split())
    for phrase in sorted(spoken_numbers(data), key=len, reverse=True):
        if any(w in NUMBER_WORDS for w in re.findall(r"[a-z]+", phrase)) or re.search(r"\d", phrase):
            rest = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", " ", rest)
    words = re.findall(r"[a-z]+|\d+", rest)
    return [w for w in words if w in NUMBER_WORDS or w.isdigit()]
