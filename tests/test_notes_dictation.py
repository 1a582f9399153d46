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
