"""Wrong data files are refused with one line naming file and line (or key), never accepted silently.

Intents (``assistant/nlu/data.py``), the asset model and its fault knowledge (``assistant/plant/model.py``,
``assistant/faults/knowledge.py``).
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest

from assistant.errors import DataError
from assistant.faults.knowledge import load_knowledge
from assistant.nlu.data import MAX_EXAMPLE_CHARS, MAX_EXAMPLES, load_intents, scan_intents
from assistant.plant import load_model

ROOT = Path(__file__).resolve().parent.parent
GREET = '- intent: greet\n  examples: |\n    - hello there\n    - hi\n'
BYE = '- intent: bye\n  examples: |\n    - goodbye\n'


def write(directory: Path, text: str, name: str = "data.yml") -> Path:
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def refused(directory: Path) -> str:
    with pytest.raises(DataError) as error:
        load_intents(directory)
    message = str(error.value)
    assert "\n" not in message
    _, problems = scan_intents(directory)  # `intents validate` reports the same problem
    assert any(message.startswith(p.where) for p in problems), (message, problems)
    return message


# -- intents ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "needle"), [
    ('version: "3.1"\nnlu:\n' + GREET + BYE + GREET, r"data.yml:10 \(intent greet\): intent 'greet' is written twice "
                                                    r"in this file \(first at line 3\)"),
    ('version: "3.1"\nnlu:\n- intent: greet\n  intent: bye\n  examples: |\n    - hi\n',
     r"data.yml:4: key 'intent' is repeated \(first at line 3\)"),
    ('version: "3.1"\nversion: "3.1"\nnlu:\n' + GREET, r"data.yml:2: key 'version' is repeated"),
    ('version: "3.1"\nnlu:\n' + GREET + 'responses:\n  utter_a:\n  - text: a\n  utter_a:\n  - text: b\n',
     r"data.yml:10: key 'utter_a' is repeated \(first at line 8\)"),
    ('version: "3.1"\nnlu:\n' + GREET + f'    - {"word " * 2000}\n',
     rf"data.yml:7 \(intent greet\): example of 9999 characters is longer than {MAX_EXAMPLE_CHARS}"),
    ('nlu:\n' + GREET, r"data.yml:1: no version; add version: \"3.1\""),
    ('version: "9.9"\nnlu:\n' + GREET, r"data.yml:1: version '9.9' is not a Rasa training data version"),
    ('', r"data.yml:1: the file is empty"),
    ('# everything was removed\n', r"data.yml:1: the file is empty"),
    ('version: "3.1"\n', r"data.yml:1: the file holds no 'nlu:' items"),
    ('version: "3.1"\nnlu:\n', r"data.yml:2: 'nlu:' holds no items"),
    ('version: "3.1"\nnlu: []\n', r"data.yml:2: 'nlu:' holds no items"),
])
def test_wrong_intents_files_are_refused_with_file_and_line(tmp_path: Path, text: str, needle: str) -> None:
    write(tmp_path, 'version: "3.1"\nnlu:\n- intent: thanks\n  examples: |\n    - thank you\n', "other.yml")
    assert re.search(needle, refused(write(tmp_path, text))), needle


def test_an_intent_in_two_files_is_merged_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, 'version: "3.1"\nnlu:\n' + GREET, "a.yml")
    write(tmp_path, 'version: "3.1"\nnlu:\n' + BYE + '- intent: greet\n  examples: |\n    - good morning\n', "b.yml")
    with caplog.at_level(logging.WARNING):
        intents = load_intents(tmp_path)
    assert len(intents.of("greet")) == 3
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path / 'b.yml'}:6: intent greet is also written at {tmp_path / 'a.yml'}:3; its examples are merged "
        "(as Rasa does); keep each intent in one file to silence this"]
    caplog.clear()
    write(tmp_path, 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hollow there\n', "heard.yml")
    write(tmp_path, 'version: "3.1"\nnlu:\n' + BYE, "b.yml")
    with caplog.at_level(logging.WARNING):
        load_intents(tmp_path)  # the generated heard.yml repeats every intent on purpose
    assert not caplog.records


def test_too_many_examples_are_refused_saying_what_training_would_take(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    lines = "".join(f"    - example number {i}\n" for i in range(MAX_EXAMPLES + 1))
    write(tmp_path, 'version: "3.1"\nnlu:\n- intent: many\n  examples: |\n' + lines)
    message = refused(tmp_path)
    assert f"{MAX_EXAMPLES + 1} examples are more than the {MAX_EXAMPLES} trained" in message
    assert "minutes" in message
    with caplog.at_level(logging.WARNING):  # the shipped intents are clean and well below the limit
        intents, problems = scan_intents(ROOT / "intents" / "en")
    assert problems == () and not caplog.records and len(intents.examples) < MAX_EXAMPLES


# -- the asset model and its fault knowledge -------------------------------------------------------

@pytest.fixture
def plant_dir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "plant", tmp_path / "plant")
    return tmp_path / "plant"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "needle"), [
    ("toward: 0.85", "toward: abc", r"knowledge.yaml: diagnosis.listed.toward: 'abc' is not a number"),
    ("prior_fault: 0.1", "prior_fault: .nan", r"knowledge.yaml: diagnosis.prior_fault: nan is not a number"),
    ("prior_fault: 0.1", "prior_fault: 2", r"knowledge.yaml: diagnosis.prior_fault: 2.0 must lie strictly between"),
    ("    name: bearing wear\n", "    name: bearing wear\n    symptoms: [a, b]\n",
     r"knowledge.yaml: fault_modes.bearing_wear.symptoms: must be a mapping"),
    ("    name: bearing wear\n", "    name: bearing wear\n    symptoms: {vibration: {up: x, normal: 0.5, down: 0.5}}\n",
     r"knowledge.yaml: fault_modes.bearing_wear.symptoms.vibration.up: 'x' is not a number"),
    ("  pump: [flow]", "  pump: 3", r"knowledge.yaml: operating_drivers.pump: 3 is not a list of signal names"),
    ("  pump: [flow]", "  pump: [flow, [x]]", r"knowledge.yaml: operating_drivers.pump: .* is not a list"),
    ("operating_drivers:\n", "operating_drivers: [pump]\nold_drivers:\n", r"knowledge.yaml: operating_drivers: must be a mapping"),
    ("detector: {fault: 0.9,", "detector: {fault: yes,", r"knowledge.yaml: diagnosis.detector.fault: True is not a number"),
])
def test_wrong_prediction_knowledge_is_refused_naming_file_and_key(plant_dir: Path, old: str, new: str,
                                                                   needle: str) -> None:
    edit(plant_dir / "knowledge.yaml", old, new)
    with pytest.raises(DataError) as error:
        load_knowledge(load_model(plant_dir / "demo_plant.yaml"))
    assert re.search(needle, str(error.value)) and "\n" not in str(error.value), str(error.value)


@pytest.mark.parametrize(("file", "old", "new", "needle"), [
    ("knowledge.yaml", "    horizon_days: 7\n", "    horizon_days: -7\n", r"knowledge.yaml:\d+: fault mode bearing_wear: "
     r"'horizon_days' = -7 is not above zero"),
    ("knowledge.yaml", "    horizon_days: 7\n", "    horizon_days: .inf\n", r"'horizon_days' = inf is not a float"),
    ("knowledge.yaml", "    name: bearing wear\n", "    name: bearing wear\n    name: wear\n",
     r"knowledge.yaml:15: key 'name' is repeated \(first at line 14\); write each key once"),
    ("knowledge.yaml", "      vibration: {direction: high, failure: 11}\n",
     "      vibration: {direction: high, failure: 11}\n      vibration: {direction: low, failure: 1}\n",
     r"knowledge.yaml:\d+: key 'vibration' is repeated"),
    ("knowledge.yaml", "      vibration: {direction: high, failure: 11}\n",
     "      vibration: {direction: high, failure: .nan}\n", r"'failure' = nan is not a float"),
    ("knowledge.yaml", "  bearing_wear:\n", "  7:\n", r"fault_modes: key 7 is not a name"),
    ("knowledge.yaml", "    horizon_days: 7\n", "    horizon_days: 2026-13-45\n",
     r"knowledge.yaml: a value YAML cannot read \(month must be in 1..12\); put it in quotes"),
    ("demo_plant.yaml", "  timezone:", "  timezone: x\n  timezone:", r"demo_plant.yaml:\d+: key 'timezone' is "
     r"repeated \(first at line \d+\)"),
])
def test_wrong_asset_model_and_fault_modes_are_refused_with_line(plant_dir: Path, file: str, old: str, new: str,
                                                                 needle: str) -> None:
    edit(plant_dir / file, old, new)
    with pytest.raises(DataError) as error:
        load_model(plant_dir / "demo_plant.yaml")
    assert re.search(needle, str(error.value)) and "\n" not in str(error.value), str(error.value)


def test_a_long_embedding_says_how_far_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.nlu.embeddings import PROGRESS_EVERY, MiniLM

    MiniLM.shared(ROOT / "models").encode(["check the pump"] * (PROGRESS_EVERY + 100))
    assert capsys.readouterr().err.splitlines() == [
        f"plantvoice: embedding {PROGRESS_EVERY + 56:,} of {PROGRESS_EVERY + 100:,} sentences".replace(",", " ")]
