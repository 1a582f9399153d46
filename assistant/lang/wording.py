"""The words the dialogue answers in, chosen by language code.

    wording = wordings.create("de")
    wording.words.say_quantity(72.5, "°C")          "zweiundsiebzig Komma fünf Grad Celsius"
    wording.times.say_range(start, end, now, tz)    "in den letzten acht Stunden"

A ``Wording`` pairs the module that says numbers, units, tags, clock times, ages, dates, lists and
the dialogue's fixed values (``say_term``) and checks an answer's numbers (``unexplained_numbers``)
with the module that says times and time ranges (``say_time``, ``say_instant``, ``say_range``).
English is ``assistant.answer`` with ``assistant.spoken_time``; German is ``lang.de.answer`` for both.
The answer templates of a language are ``intents/<code>/responses.yml``. A language of one's own is
registered as the built-in ones are::

    @wordings.register("fr")
    def french() -> Wording:
        return Wording("fr", words=my_answer, times=my_answer)

An unknown code raises ConfigError listing the registered ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from ..registry import Registry

__all__ = ["Wording", "wordings"]


@dataclass(frozen=True)
class Wording:
    """The functions one language answers with (the same names in every language)."""

    code: str
    words: ModuleType  # round_value, say_number, say_quantity, say_percent, say_tag, say_clock, say_age, ...
    times: ModuleType  # say_time, say_instant, say_range


wordings: Registry[Wording] = Registry("language", "dialogue.language")


@wordings.register("en")
def english() -> Wording:
    from .. import answer, spoken_time

    return Wording("en", words=answer, times=spoken_time)


@wordings.register("de")
def german() -> Wording:
    from .de import answer

    return Wording("de", words=answer, times=answer)
