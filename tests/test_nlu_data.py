"""The intents data as data: loader errors name file:line, and the shipped files are sound."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.config import ROOT
from assistant.errors import DataError
from assistant.nlu import load_intent_tests, load_intents, load_lookups, vocabulary
from assistant.nlu.data import parse_example
from assistant.nlu.heard import HEARD_FILE

INTENTS_DIR = ROOT / "intents" / "en"
LOOKUPS = ROOT / "tests" / "fixtures" / "lookups_demo.yml"
CATALOGUE = (
    "plant_overview asset_status sensor_reading trend alarm_list alarm_acknowledge fault_prediction "
    "remaining_life explain recommend_action maintenance_history note_add note_read report_start dictation_start "
    "note_correct note_withdraw compare sign_on "
    "help cancel confirm deny repeat out_of_scope"
).split()


@pytest.fixture(scope="module")
def intents():
    return load_intents(INTENTS_DIR)


def write(tmp_path: Path, text: str, name: str = "data.yml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


GOOD = 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello there\n    - hi\n'


def test_catalogue_is_complete(intents):
    assert set(intents.names) == set(CATALOGUE)


@pytest.mark.parametrize("name", CATALOGUE)
def test_each_intent_has_15_to_80_examples(intents, name):
    """Enough wordings to generalise, few enough that no intent drowns the others (out of scope: 200)."""
    count = len([e for e in intents.of(name) if HEARD_FILE not in e.source])  # written examples
    limit = 200 if name == "out_of_scope" else 80
    assert 15 <= count <= limit, f"{name} has {count} examples"


def test_shipped_files_are_rasa_shaped():
    import yaml

    for path in sorted(INTENTS_DIR.glob("*.yml")) + sorted((INTENTS_DIR / "tests").glob("*_test.yml")):
        data = yaml.safe_load(path.read_text())
        if path.name == "responses.yml":
            continue
        assert data["version"] == "3.1", path
        for item in data["nlu"]:
            kinds = {"intent", "synonym", "lookup", "regex"} & set(item)
            assert len(kinds) == 1 and isinstance(item["examples"], str), (path, item)
            assert all(line.strip().startswith("- ") for line in item["examples"].strip().splitlines()), path


def test_every_data_file_has_a_test_file():
    data_files = {p.stem for p in INTENTS_DIR.glob("*.yml") if p.name not in ("responses.yml", HEARD_FILE)}
    test_files = {p.stem.removesuffix("_test") for p in (INTENTS_DIR / "tests").glob("*_test.yml")}
    assert data_files == test_files


def test_tests_are_worded_differently_from_examples(intents):
    examples = {" ".join(e.text.lower().split()) for e in intents.examples}
    tests = load_intent_tests(INTENTS_DIR, intents)
    assert {t.intent for t in tests} == set(CATALOGUE)
    copied = [t.text for t in tests if " ".join(t.text.lower().split()) in examples]
    assert copied == []


def test_annotation_forms_parse():
    text, ents = parse_example('what is [bearing temp](measurement) of [P one oh two](asset:P-102) '
                               'and [x]{"entity": "priority", "value": "high"}')
    assert text == "what is bearing temp of P one oh two and x"
    assert [(a.entity, a.value, text[a.start:a.end]) for a in ents] == [
        ("measurement", None, "bearing temp"), ("asset", "P-102", "P one oh two"), ("priority", "high", "x")]


def test_example_lines_and_annotations_are_tracked(tmp_path):
    intents = load_intents(write(tmp_path, 'version: "3.1"\nnlu:\n- intent: ask\n  examples: |\n'
                                           '    - first\n    - status of [pump one](asset:P-1)\n'))
    first, second = intents.examples
    assert first.source.endswith("data.yml:5") and second.source.endswith("data.yml:6")
    assert second.entities[0].value == "P-1" and second.text[second.entities[0].start:second.entities[0].end] == "pump one"


def test_synonyms_lookups_regexes_load(intents):
    assert any(s.value == "critical" and "urgent" in s.forms for s in intents.synonyms)
    assert any(t.name == "priority" and "high" in t.items for t in intents.lookups)


def test_responses_are_ignored(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, 'version: "3.1"\nresponses:\n  utter_hi:\n  - text: "hello"\n', "responses.yml")
    write(tmp_path, GOOD.replace("greet", "bye").replace("hello there", "bye now").replace("- hi", "- see you")
          + 'responses:\n  utter_bye:\n  - text: "bye"\n', "more.yml")
    assert set(load_intents(tmp_path).names) == {"greet", "bye"}


@pytest.mark.parametrize("text, line, words", [
    ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n   bad: [\n', 6, "not valid YAML"),
    ('version: "3.1"\nnlu:\n- intent: greet\n  exemples: |\n    - hi\n', 4, "unknown key 'exemples'"),
    ('version: "3.1"\nstuff: 1\nnlu:\n- intent: greet\n  examples: |\n    - hi\n', 2, "unknown top-level key 'stuff'"),
    ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    - status of [pump(asset)\n', 6,
     "malformed annotation"),
    ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    - [x]{"entity": }\n', 6, "not valid JSON"),
    ('version: "3.1"\nnlu:\n- intent: greet\n  examples:\n    - hi\n    - 3\n', 5, "not a text block"),
    ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    hello\n', 6, "does not start with '- '"),
    ('version: "3.1"\nnlu:\n- intent: greet\n', 3, "has no examples"),
    ('version: "3.1"\nnlu:\n- intent: greet\n  synonym: x\n  examples: |\n    - hi\n', 3, "exactly one of"),
    ('version: "3.1"\nnlu:\n- regex: code\n  examples: |\n    - ab(c\n', 5, "does not compile"),
    ('version: "3.1"\nnlu:\n- intent: a\n  examples: |\n    - same words\n- intent: b\n  examples: |\n'
     '    - Same  words\n    - status of [pump](asset)\n', 8, "also in intent a"),  # a plant domain refuses it
])
def test_loader_errors_name_file_and_line(tmp_path, text, line, words):
    write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        load_intents(tmp_path)
    message = str(caught.value)
    assert f"data.yml:{line}" in message and words in message
    assert ";" in message  # what; how to fix
    assert "\n" not in message


def test_error_names_the_intent(tmp_path):
    write(tmp_path, 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - [a](b:c:d\n')
    with pytest.raises(DataError, match=r"data\.yml:5 \(intent greet\)"):
        load_intents(tmp_path)


def test_unknown_intent_in_tests(tmp_path):
    write(tmp_path, GOOD)
    (tmp_path / "tests").mkdir()
    write(tmp_path / "tests", 'version: "3.1"\nnlu:\n- intent: grete\n  examples: |\n    - hey\n', "data_test.yml")
    with pytest.raises(DataError, match=r"data_test\.yml:5 \(intent grete\): unknown intent 'grete'.*greet"):
        load_intent_tests(tmp_path, load_intents(tmp_path))


def test_missing_directory_and_empty_data(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_intents(tmp_path / "nope")
    write(tmp_path, 'version: "3.1"\nresponses:\n  utter_hi:\n  - text: "hello"\n')
    with pytest.raises(DataError, match="no intent examples"):
        load_intents(tmp_path)


def test_digest_follows_content_not_layout(tmp_path):
    a = load_intents(write(tmp_path, GOOD)).digest()
    write(tmp_path, "# a comment\n" + GOOD)
    assert load_intents(tmp_path).digest() == a
    write(tmp_path, GOOD + "    - good day\n")
    assert load_intents(tmp_path).digest() != a


def test_lookups_fixture_covers_the_demo_plant():
    lookups = load_lookups(LOOKUPS)
    assets = set(lookups["asset"])
    assert assets == {"GT1", "ST1", "G1", "HRSG1", "P-101", "P-102", "P-201", "P-202", "V-301", "CT1", "T1",
                      "BESS1", "CHP1", "F1", "F2", "F3"}
    assert all(forms for forms in lookups["asset"].values())
    assert {"bearing_temperature", "state_of_charge", "methane_content", "drum_level", "position"} <= set(lookups["measurement"])


def test_lookups_errors(tmp_path):
    (tmp_path / "l.yml").write_text("asset: [a, b]\n")
    with pytest.raises(DataError, match="must map values"):
        load_lookups(tmp_path / "l.yml")


def test_vocabulary_is_bounded_and_covers_the_plant(intents):
    lookups = load_lookups(LOOKUPS)
    phrases, sentences = vocabulary(intents, lookups, max_sentences=500)
    assert "feed pump two" in phrases and "cooling tower" in phrases and "urgent" in phrases
    assert 0 < len(sentences) <= 500 and len(set(sentences)) == len(sentences)
    assert not any(re.search(r"[\[\]()]", s) for s in sentences)
    again = vocabulary(intents, lookups, max_sentences=500)
    assert again == (phrases, sentences)  # deterministic
