"""A process that dictates notes and reports through the dialogue, for tests/test_notes_crash.py.

    python tests/dialogue_writer.py DATA_DIR TAG [FIRST]

Loops over three flows, each ending in "confirm": an inline note, a dictation of three
parts, and a guided report, starting at flow FIRST (0 by default). After the confirmation's answer it prints ``saved<TAB>id<TAB>n``
(the note id the answer names, the flow number), never before. Prints "ready" first.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer import load_responses  # noqa: E402
from assistant.config import PlantConfig  # noqa: E402
from assistant.dialogue import Dialogue, DialogueState, Heard  # noqa: E402
from assistant.events import Entity, Intent  # noqa: E402
from assistant.plant import create_plant  # noqa: E402


def parts_of(tag: str, n: int) -> list[str]:
    """What flow n says; its note text is what the test expects to find."""
    if n % 3 == 0:
        return [f"writer {tag} note {n}: the strainer on feed pump one was cleaned"]
    if n % 3 == 1:
        return [f"writer {tag} dictation {n} part one", "the drain valve by the boiler was weeping",
                "it was closed and tagged"]
    return [f"writer {tag} report {n} found the seal leaking", "the cause was a worn face", "I replaced the seal"]


def expected(tag: str, n: int) -> tuple[str, str, dict[str, str]]:
    """(kind, text, report fields) that flow n must leave in the store once confirmed."""
    parts = parts_of(tag, n)
    if n % 3 == 2:
        return "report", "", {"finding": parts[0], "cause": "a worn face", "action": "I replaced the seal"}
    return "note", " ".join(parts), {}


def _say(dialogue: Dialogue, state: DialogueState, name: str, text: str, **entities: tuple[str, str]):
    """Answer ``text`` as intent ``name``; ``entities``: kind=(value, the words of text that say it)."""
    found = tuple(Entity(kind, value, text.index(said), text.index(said) + len(said), said)
                  for kind, (value, said) in entities.items())
    heard = Heard(b"\x01\x00" * 1600, 16000, 0.9)
    return dialogue.respond(Intent(text=text, name=name, confidence=0.9, entities=found), state, user="crew",
                            heard=heard)


def main() -> None:
    data_dir, tag = Path(sys.argv[1]), sys.argv[2]
    plant = create_plant(PlantConfig(backend="historian"), data_dir)
    dialogue = Dialogue(plant, load_responses(), data_dir, role="maintenance")
    dialogue.notes  # open the store before saying ready
    print("ready", flush=True)
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    while True:
        state = DialogueState()
        parts = parts_of(tag, n)
        if n % 3 == 0:
            _, state = _say(dialogue, state, "note_add", "take a note " + parts[0], note_text=(parts[0], parts[0]))
        elif n % 3 == 1:
            _, state = _say(dialogue, state, "dictation_start", "start dictation")
            for part in parts:
                _, state = _say(dialogue, state, "out_of_scope", part)
            _, state = _say(dialogue, state, "out_of_scope", "end dictation")
        else:
            _, state = _say(dialogue, state, "report_start", "start a report on feed pump two", asset=("P-102", "feed pump two"))
            _, state = _say(dialogue, state, "out_of_scope", ", ".join(parts))
            _, state = _say(dialogue, state, "out_of_scope", "that's all")
        answer, state = _say(dialogue, state, "confirm", "yes")
        print(f"saved\t{answer.data['note']['id']}\t{n}", flush=True)
        n += 1


if __name__ == "__main__":
    main()
