"""Commands inside a dictation, found by how they sound (assistant/notes/dictation.py)."""

from __future__ import annotations

import pytest

from assistant.notes.dictation import cancelling, ending


@pytest.mark.parametrize(("text", "note"), [
    ("the drain valve was closed. And dictation.", "the drain valve was closed. "),
    ("fan motor to be checked. End dictation.", "fan motor to be checked. "),
    ("it was closed and tagged. Stop dictation.", "it was closed and tagged. "),
    ("and vacation", ""), ("Stop Victation.", ""), ("in dictation", ""), ("Finish Dictation.", ""),
    ("end the dictation", ""),
])
def test_end_commands_as_heard(text: str, note: str) -> None:
    cut = ending(text)
    assert cut is not None and text[:cut] == note


@pytest.mark.parametrize("text", [
    "the valve was closed", "end of the shift report", "we finished the inspection", "the oil level is low",
    "checked the condition of the seal", "the pump is running at the station", "",
])
def test_dictated_words_are_no_end_command(text: str) -> None:
    assert ending(text) is None


def test_cancel_only_when_the_whole_request_sounds_like_it() -> None:
    assert cancelling("Console.") and cancelling("cancel") and cancelling("Cancel that.")
    assert not cancelling("the console was reset") and not cancelling("the oil level is low")


@pytest.mark.parametrize(("text", "end", "cancel"), [
    ("Die Pumpe läuft wieder. Diktat beenden.", 24, False),
    ("Diktat Ende", 0, False),
    ("Diktat beenden", 0, False),
    ("Abbrechen!", None, True),
    ("Diktat abbrechen", None, True),
    ("Die Dichtung ist dicht", None, False),
    ("Die Pumpe läuft wieder. End dictation.", None, False),  # a German dictation listens for German commands
])
def test_a_german_dictation_ends_and_cancels_in_german(text: str, end: int | None, cancel: bool) -> None:
    found = ending(text, "de")  # an end command is looked for first, as the dialogue does
    assert (found, found is None and cancelling(text, "de")) == (end, cancel)


@pytest.mark.parametrize("text", ["Diktat beenden", "Abbrechen", "the ventilator ended"])
def test_an_english_dictation_does_not_hear_german_commands(text: str) -> None:
    assert ending(text) is None and not cancelling(text)


def test_cancel_dictation_cancels_rather_than_ends() -> None:
    assert ending("cancel dictation") is None and cancelling("cancel dictation")
    assert ending("end dictation") == 0
