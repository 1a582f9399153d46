"""Public Rasa 3.x NLU data (tests/fixtures/rasa/<name>, unchanged, each with its LICENSE) loads,
validates and is understood as its own domain: no plant entities, its own threshold.

The CLI runs as a subprocess (``.venv/bin/plantvoice``), as a developer runs it; models go to one
temporary directory for the session, so each domain is trained once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.events import Entity
from assistant.nlu import create_understander, load_intents
from assistant.errors import DataError
from assistant.nlu.data import Annotation, duplicates, is_plant_domain, parse_example, scan_intents
from assistant.nlu.evaluate import entity_found
from assistant.nlu.entities import EntityExtractor

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / "tests" / "fixtures" / "rasa"
PLANTVOICE = str(Path(sys.executable).parent / "plantvoice")
FIXTURES = sorted(p.name for p in RASA.iterdir() if p.is_dir()) if RASA.is_dir() else []
PLANT = {"asset", "measurement", "number", "time_range", "note_text"}
MOODBOT_IN_DOMAIN = ["yes", "yes please", "of course", "hello", "hi there", "I am sad", "not so good",
                     "I feel great", "goodbye", "bye now", "no", "are you a bot?"]


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {**os.environ, "PLANTVOICE_DATA_DIR": str(tmp_path_factory.mktemp("data")),
            "PLANTVOICE_NLU_MODELS_DIR": str(tmp_path_factory.mktemp("models"))}


def plantvoice(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PLANTVOICE, *args], input=stdin, capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=1200)


@pytest.mark.parametrize("name", FIXTURES)
def test_each_fixture_validates_as_published(env: dict[str, str], name: str) -> None:
    directory = RASA / name
    assert (directory / "LICENSE").is_file()
    result = plantvoice(env, "intents", "validate", str(directory))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].endswith(": no problems")
    assert "Traceback" not in result.stderr
    assert not is_plant_domain(load_intents(directory))


def test_moodbot_is_understood_as_its_own_domain(env: dict[str, str]) -> None:
    """Its domain.yml (with responses:) beside the data breaks nothing; the plant's names, numbers and
    times are not its entities; its yes and hello are in scope; the intent given is in the ranking."""
    lines = [*MOODBOT_IN_DOMAIN, "is feed pump two running", "take a note that the last eight hours were 20 degrees"]
    result = plantvoice(env, "parse", "--json", "--intents", str(RASA / "moodbot"), stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    parsed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["text"] for p in parsed] == lines
    for p in parsed:
        assert not {e["entity"] for e in p["entities"]} & PLANT, p
        assert p["intent"]["name"] in [r["name"] for r in p["intent_ranking"]], p
    for p in parsed[:len(MOODBOT_IN_DOMAIN)]:
        assert p["intent"]["name"] != "out_of_scope", p
    assert parsed[len(MOODBOT_IN_DOMAIN)]["intent"]["name"] == "out_of_scope"


def test_a_rasa_responses_file_breaks_no_parse(env: dict[str, str], tmp_path: Path) -> None:
    directory = Path(shutil.copytree(RASA / "moodbot", tmp_path / "moodbot"))
    shutil.copy(directory / "domain.yml", directory / "responses.yml")
    result = plantvoice(env, "parse", "--intents", str(directory), "hello there")
    assert result.returncode == 0 and result.stdout.startswith("greet "), result.stderr
    checked = plantvoice(env, "intents", "validate", str(directory))
    assert checked.returncode == 0, checked.stdout


def test_intents_test_without_test_sentences_fails_saying_so(env: dict[str, str], tmp_path: Path) -> None:
    directory = Path(shutil.copytree(RASA / "moodbot", tmp_path / "moodbot"))
    result = plantvoice(env, "intents", "test", str(directory))
    assert result.returncode != 0 and "no tests/ directory" in result.stderr
    (directory / "tests").mkdir()
    (directory / "tests" / "test_stories.yml").write_text('version: "3.1"\nstories:\n- story: hi\n  steps: []\n')
    result = plantvoice(env, "intents", "test", str(directory))
    assert result.returncode != 0 and "holds no test sentences" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_subdirectories_load_and_tests_and_stories_are_no_training_data(tmp_path: Path) -> None:
    intents = load_intents(RASA / "moodbot")  # data/nlu.yml, below the directory given
    assert "mood_great" in intents.names
    (tmp_path / "a" / "b").mkdir(parents=True)
    for where, intent in (("a/b/deep.yml", "deep"), ("top.yml", "top"), ("tests/t_test.yml", "tested"),
                          ("stories/s.yml", "storied")):
        (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / where).write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n    - {intent} it\n')
    assert load_intents(tmp_path).names == ("deep", "top")


def test_roles_groups_and_synonyms_are_kept() -> None:
    intents = load_intents(RASA / "rasa-composite-entities")
    found = {(a.text, a.entity, a.value, a.role, a.group) for e in intents.examples for a in e.entities}
    assert ("SF", "location", "San Fransisco", "from", None) in found
    assert ("New York", "location", None, "to", None) in found
    assert ("bacon", "topping", None, None, "2") in found
    assert ("large", "size", None, None, "1") in found
    assert [s.value for s in intents.synonyms] == ["San Fransisco"]


def test_retrieval_intents_and_metadata_are_honoured(tmp_path: Path) -> None:
    assert load_intents(RASA / "rasa-retrieval-intent").names == ("chitchat/hello",)
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: faq/ask_name\n  metadata:\n    sentiment: neutral\n  examples:\n'
        '  - text: what is your name\n    metadata:\n      source: chat\n  - text: who are you\n')
    intents = load_intents(tmp_path)
    assert [(e.intent, e.text, e.source) for e in intents.examples] == [
        ("faq/ask_name", "what is your name", f"{tmp_path / 'nlu.yml'}:7"),
        ("faq/ask_name", "who are you", f"{tmp_path / 'nlu.yml'}:10")]


def test_lookup_tables_lend_values_to_the_annotated_entity_and_regexes_extract_theirs(tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(  # Sara's layout: lookup 'products', annotations 'product'
        'version: "2.0"\nnlu:\n- intent: faq/rasax\n  examples: |\n    - what is [Rasa X](product)\n'
        '    - tell me about [core](product)\n- lookup: products\n  examples: |\n    - nlu\n    - rasa x\n'
        '    - core\n- regex: help\n  examples: |\n    - \\bhelp\\b\n')
    extractor = EntityExtractor({}, load_intents(tmp_path))
    found = [(e.entity, e.value) for e in extractor.extract("tell me about nlu and help me please")]
    assert found == [("product", "nlu")]  # no 'products' entity; 'help' names no entity: a feature only
    zipcodes = EntityExtractor({}, load_intents(RASA / "rasa-regex-entities"))
    assert [(e.entity, e.value) for e in zipcodes.extract("anywhere near 40213 in 3 minutes")] == [
        ("zipcode", "40213")]


def test_a_one_intent_domain_parses_with_a_calibrated_threshold(tmp_path: Path) -> None:
    config = dataclasses.replace(load_config(None).nlu, models_dir=str(tmp_path / "models"))
    understander = create_understander(config, {}, RASA / "rasa-retrieval-intent")
    assert understander.parse("hello there").name == "chitchat/hello"
    far = understander.parse("who won the football match yesterday")
    assert far.name == "out_of_scope" and "out_of_scope" in dict(far.ranking)
    assert 0.05 <= understander.threshold <= 0.9  # type: ignore[attr-defined]


def test_problems_of_rasa_features_name_file_and_line(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples:\n  - txt: hello\n- regex: zip\n  examples: |\n'
        '    - [0-9{5}\n- synonym: big\n  example: |\n    - large\n- intent: faq/a/b\n  examples: |\n    - x\n')
    result = plantvoice(env, "intents", "validate", str(tmp_path))
    shown = {line.split(": ", 1)[0] for line in result.stdout.splitlines()[:-1]}
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert {f"{tmp_path}/nlu.yml:{n}" for n in (5, 8, 10, 12)} <= shown, result.stdout


def test_only_out_of_scope_data_is_one_line_error(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text('version: "3.1"\nnlu:\n- intent: out_of_scope\n  examples: |\n    - hi\n')
    result = plantvoice(env, "parse", "--intents", str(tmp_path), "hi")
    assert result.returncode != 0 and len(result.stderr.strip().splitlines()) == 1
    assert "only out_of_scope examples" in result.stderr


def test_saras_products_table_lends_its_values_to_product() -> None:
    intents = load_intents(RASA / "sara")  # data/nlu/: faq.yml, lookups/products.yml and her other NLU files
    faq = [name for name in intents.names if name.startswith("faq/")]
    assert "faq/rasax" in faq and len(faq) == 20 and "greet" in intents.names
    extractor = EntityExtractor({}, intents)
    found = [(e.entity, e.value) for e in extractor.extract("tell me about dialogue management and all of them")]
    assert found == [("product", "dialogue management"), ("product", "all")]  # 'all' is in the table only
    assert [(e.entity, e.value) for e in extractor.extract("both please")] == [("product", "all")]  # her synonym


SARA_NLU = RASA / "sara" / "data" / "nlu"
SARA_FILES = ("nlu.yml", "chitchat.yml", "faq.yml", "general.yml", "out_of_scope.yml")
SARA_PARSES = [("hello there", "greet"), ("hi sara", "greet"), ("thank you so much", "thank"),
               ("bye for now", "bye"), ("yes please", "affirm"), ("nope", "deny"),
               ("what is rasa x?", "faq/rasax"), ("what languages does rasa support?", "faq/languages"),
               ("how do I install rasa", "install_rasa"), ("are you a bot?", "chitchat/ask_isbot"),
               ("I want to talk to a human", "human_handoff"), ("sign me up for the newsletter", "signup_newsletter")]


def _intent_lines(path: Path) -> int:
    """The example lines of a file's '- intent:' items (not its synonyms' or regexes')."""
    count, item = 0, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            item = line.split(":", 1)[0]
        count += item == "- intent" and line.startswith("    - ")
    return count


def test_saras_nlu_files_load_as_published_and_are_understood(env: dict[str, str]) -> None:
    """Sara's NLU files (nlu.yml, chitchat.yml, faq.yml, general.yml, out_of_scope.yml), copied unchanged:
    every example loads (a lone bracket as in 'hello]' is text, as in Rasa), an example another intent
    already has is trained as that one only, validate passes, and parse gives her intents."""
    intents = load_intents(RASA / "sara")
    assert {"affirm", "bye", "canthelp", "deny", "explain", "greet", "need_help_broad", "next_step",
            "react_negative", "react_positive", "thank", "out_of_scope/non_english", "out_of_scope/other",
            "install_rasa", "human_handoff", "chitchat/ask_weather"} <= set(intents.names)
    assert ("greet", "hello]") in {(e.intent, e.text) for e in intents.examples}
    scanned = scan_intents(RASA / "sara")[0].examples
    twice = duplicates(scanned)
    assert 80 <= len(twice) <= 100  # 'exit' is also in bye, Sara's FAQs are also in how_to_get_started, ...
    for name in SARA_FILES:
        path = str(SARA_NLU / name)
        written = _intent_lines(SARA_NLU / name)
        assert sum(e.source.rsplit(":", 1)[0] == path for e in scanned) == written, name
        dropped = sum(p.where.rsplit(":", 1)[0] == path for p in twice)
        assert sum(e.source.rsplit(":", 1)[0] == path for e in intents.examples) == written - dropped, name
    checked = plantvoice(env, "intents", "validate", str(RASA / "sara"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines()[-1].endswith(": no problems")
    lines = [text for text, _ in SARA_PARSES] + ["who won the football match yesterday"]
    result = plantvoice(env, "parse", "--json", "--intents", str(RASA / "sara"), stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "also in another intent" in line]
    assert len(said) == 1 and f" {len(twice)} example(s) " in said[0], result.stderr  # one line, validate lists
    parsed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(p["text"], p["intent"]["name"]) for p in parsed[:-1]] == SARA_PARSES
    assert parsed[-1]["intent"]["name"].startswith("out_of_scope")
    assert all(not {e["entity"] for e in p["entities"]} & PLANT for p in parsed)
    for text, said in (("are you a bot?", "Yes, I'm a bot."), ("what is rasa x", "Rasa X is a toolset that helps")):
        asked = plantvoice(env, "ask", "--json", "--intents", str(RASA / "sara"), text)  # her responses.yml
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        assert answer["answer"].startswith(said) and "](" not in answer["answer"], answer  # a link is its label
    assert answer["data"] == {"response": "utter_faq/rasax", "links": [
        "https://rasa.com/docs/rasa-x/",
        "https://blog.rasa.com/algorithms-alone-wont-solve-conversational-ai-introducing-rasa-x/"]}


def test_a_lone_closing_bracket_is_text_and_a_broken_annotation_is_refused() -> None:
    assert parse_example("hello]") == ("hello]", ())  # Sara's greet example, text as in Rasa
    for broken in ("status of [pump(asset)", "status of pump](asset)", "a [b](c) and pump]{\"entity\": \"x\"}"):
        with pytest.raises(DataError, match="malformed annotation"):
            parse_example(broken)


def test_an_entity_only_tests_annotate_is_a_note_not_a_problem(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "nlu.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello\n'
                                      '- intent: book\n  examples: |\n    - book a table for [two](people)\n')
    (tmp_path / "tests" / "nlu_test.yml").write_text('version: "3.1"\nnlu:\n- intent: book\n  examples: |\n'
                                                     '    - a table in [Paris](city)\n')
    result = plantvoice(env, "intents", "validate", str(tmp_path))
    assert result.returncode == 0, result.stdout
    assert any("entity 'city' is annotated only in test files" in line for line in result.stdout.splitlines())


def test_entities_without_lists_are_learned_from_the_annotations(tmp_path: Path) -> None:
    """financial-demo annotates card names with no lookup table: one never seen in training is still found."""
    config = dataclasses.replace(load_config(None).nlu, models_dir=str(tmp_path / "models"))
    understander = create_understander(config, {}, RASA / "financial-demo")
    seen = {a.text.lower() for ex in load_intents(RASA / "financial-demo").examples for a in ex.entities}
    assert "amex" not in seen
    intent = understander.parse("pay the minimum on my amex card")
    found = [(e.entity, e.text) for e in intent.entities]
    assert ("credit_card", "amex") in found and intent.name == "pay_cc", intent
    assert all(e.entity not in ("asset", "measurement") for e in intent.entities)


FLIGHTS = [("Berlin", "Rome"), ("Madrid", "Oslo"), ("Paris", "Vienna"), ("Prague", "Lisbon"), ("Dublin", "Athens"),
           ("Warsaw", "Zurich"), ("Munich", "London"), ("Brussels", "Helsinki"), ("Hamburg", "Milan"),
           ("Budapest", "Copenhagen"), ("Cologne", "Stockholm"), ("Naples", "Seville")]
WORDINGS = ["fly from {a} to {b}", "I want to fly from {a} to {b}", "book a flight from {a} to {b}",
            "a flight to {b} from {a}", "get me from {a} to {b}", "I need a ticket from {a} to {b}",
            "flights from {a} to {b} please", "to {b} from {a}", "leaving {a} for {b}",
            "is there a flight from {a} to {b}", "fly me to {b} from {a}", "one way from {a} to {b}"]


def flights(directory: Path) -> Path:
    """Rasa's roles: a departure and a destination city in every example."""
    def city(name: str, role: str) -> str:
        return f'[{name}]{{"entity": "city", "role": "{role}"}}'

    lines = [w.format(a=city(a, "departure"), b=city(b, "destination")) for w, (a, b) in zip(WORDINGS, FLIGHTS)]
    (directory / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: book_flight\n  examples: |\n' + "".join(f"    - {x}\n" for x in lines)
        + "- intent: greet\n  examples: |\n    - hello\n    - hi there\n    - good morning\n    - hey\n")
    return directory


def test_parse_gives_the_roles_the_data_annotates(env: dict[str, str], tmp_path: Path) -> None:
    """A sentence of no example, with a city of none and a known one in the other role; parse, the Rasa
    shape and ask --json all carry the role, and a role or group not set is no key."""
    directory = flights(tmp_path)
    config = dataclasses.replace(load_config(None).nlu, models_dir=env["PLANTVOICE_NLU_MODELS_DIR"])
    understander = create_understander(config, {}, directory)
    intent = understander.parse("I would like to fly from Porto to Berlin")
    assert [(e.entity, e.value, e.role, e.group) for e in intent.entities] == [
        ("city", "Porto", "departure", None), ("city", "Berlin", "destination", None)]
    assert understander.entities(intent.text) == intent.entities  # what a Rasa action is given, unclassified
    assert [{k: e[k] for k in ("value", "role")} for e in intent.rasa()["entities"]] == [
        {"value": "Porto", "role": "departure"}, {"value": "Berlin", "role": "destination"}]
    assert all("group" not in e for e in intent.rasa()["entities"])
    result = plantvoice(env, "ask", "--json", "--intents", str(directory), "a flight to Krakow from Rome")
    assert result.returncode == 0, result.stderr
    asked = json.loads(result.stdout)
    assert [(e["value"], e["role"]) for e in asked["entities"]] == [("Krakow", "destination"), ("Rome", "departure")]
    assert asked["answer"] == ("I understood book flight, with destination city Krakow and departure city Rome, "
                               "but I have no answer for it.")


def test_scoring_asks_for_the_role_and_group_annotated() -> None:
    porto = Annotation("city", None, 0, 5, "Porto", role="departure")
    found = Entity("city", "Porto", 0, 5, "Porto", role="destination")
    assert not entity_found(porto, [found])
    assert entity_found(porto, [dataclasses.replace(found, role="departure")])
    assert entity_found(dataclasses.replace(porto, role=None), [found])
    assert not entity_found(dataclasses.replace(porto, role=None, group="1"), [found])
