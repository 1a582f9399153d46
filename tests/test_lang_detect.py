"""Which language a typed request is in (``lang.detect``), where a site speaks more than one."""

from __future__ import annotations

import pytest

from assistant.lang.detect import text_language

BOTH = ("en", "de")


@pytest.mark.parametrize(("text", "language"), [
    ("Wie hoch ist die Lagertemperatur der Speisewasserpumpe zwei?", "de"),
    ("Gibt es aktive Alarme?", "de"),
    ("Quittiere den Alarm von P eins null zwei", "de"),
    ("Störungen an der Gasturbine eins", "de"),  # umlauts alone tell
    ("Nein", "de"),
    ("what is the bearing temperature of feed pump two", "en"),
    ("any predicted faults on gas turbine one", "en"),
    ("show me the active alarms", "en"),
    ("cancel", "en"),
])
def test_marker_words_tell_the_language(text: str, language: str) -> None:
    assert text_language(text, BOTH) == language
    assert text_language(text, tuple(reversed(BOTH))) == language


@pytest.mark.parametrize("text", ["P-102", "BHKW 1", "", "turbine alarm"])
def test_no_telling_words_keep_the_fallback(text: str) -> None:
    assert text_language(text, BOTH, fallback="de") == "de"
    assert text_language(text, BOTH, fallback="en") == "en"
    assert text_language(text, BOTH) == "en"  # without a fallback: the first language


def test_one_language_is_always_that_one() -> None:
    assert text_language("Wie hoch ist die Temperatur?", ("en",)) == "en"
