"""`plantvoice intents validate` and `plantvoice intents test` on real data, real models.

In-process through ``main`` for speed; once as a subprocess, where exit code and output
are what a script sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.nlu import load_intents
from assistant.nlu.evaluate import folds

ROOT = Path(__file__).resolve().parent.parent
PLANTVOICE = str(Path(sys.executable).parent / "plantvoice")
DRINK_LOOKUPS = str(ROOT / "tests" / "fixtures" / "drinks_lookups.yml")


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("PLANTVOICE_DATA_DIR", str(path))
    return path


@pytest.fixture()
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Models of throwaway data go to a temporary directory, not models/."""
    monkeypatch.setenv("PLANTVOICE_NLU_MODELS_DIR", str(tmp_path / "models"))
    return tmp_path / "models"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


# -- validate -------------------------------------------------------------------------------


def test_validate_passes_on_the_shipped_intents(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "intents", "validate")
    assert code == 0 and len(lines) == 1 and lines[0].endswith("intents/en: no problems"), "\n".join(lines)


def test_validate_passes_on_the_drinks_domain(capsys: pytest.CaptureFixture[str], drinks_dir: Path) -> None:
    code, lines, _ = run(capsys, "intents", "validate", str(drinks_dir))
    assert code == 0 and lines == [f"{drinks_dir}: no problems"]


DATA = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello there
    - hi [bob](persn)
    - is [pump one](asset:P-1O2) running
- intent: help
  examples: |
    - what can you do
    - Hello there!
- lookup: person
  examples: |
    - bob
- lookup: shift
  examples: |
    - night shift
"""
BROKEN = """\
version: "3.1"
nlu:
- intent: greet
  exemples: |
    - hey
- intent: help
  examples: |
    - help me
    - a [bad(asset)
"""
TESTS = """\
version: "3.1"
nlu:
- intent: gret
  examples: |
    - good morning
- intent: help
  examples: |
    - give me a [hint](hnt)
"""
RESPONSES = 'version: "3.1"\nresponses:\n  utter_greet:\n  - text: "hello"\n'


@pytest.fixture()
def faulty(tmp_path: Path) -> Path:
    directory = tmp_path / "faulty"
    (directory / "tests").mkdir(parents=True)
    (directory / "data.yml").write_text(DATA)
    (directory / "broken.yml").write_text(BROKEN)
    (directory / "responses.yml").write_text(RESPONSES)
    (directory / "tests" / "data_test.yml").write_text(TESTS)
    return directory


def test_validate_finds_each_problem_with_file_and_line(capsys: pytest.CaptureFixture[str], faulty: Path) -> None:
    code, lines, _ = run(capsys, "intents", "validate", str(faulty))
    expected = [  # (file:line, intent or lookup, words of the problem, words of the fix)
        ("broken.yml:4", None, "unknown key 'exemples'", "use one of examples"),
        ("broken.yml:8", "help", "no response utter_help, utter_help_example in responses.yml", "add them under responses:"),
        ("broken.yml:9", "help", "malformed annotation", "balance the brackets"),
        ("data.yml:5", "greet", "no dialogue handler", "a topic module of assistant/dialogue/"),
        ("data.yml:6", "greet", "unknown entity 'persn'", "did you mean 'person'?"),
        ("data.yml:7", "greet", "'P-1O2' is not a known asset value", "did you mean 'P-102'?"),
        ("data.yml:11", "help", "example 'Hello there!' is also in intent greet", "keep it in one intent"),
        ("data.yml:12", "person", "lookup table 'person' is not used", "annotate its values"),
        ("data.yml:15", "shift", "lookup table 'shift' is not used", "or remove the table"),
        ("responses.yml:1", None, "the dialogue also needs utter_alarm_ack_done", "add them under responses:"),
        ("tests/data_test.yml:5", "gret", "unknown intent 'gret'", "did you mean 'greet'?"),
        ("tests/data_test.yml:8", "help", "unknown entity 'hnt'", "use one of asset"),
    ]
    assert code == 2
    assert lines[-1] == f"{faulty}: {len(expected)} problems"
    assert lines[-2].startswith(f"{faulty}: no out_of_scope examples: the built-in out-of-scope set is used")
    problems = lines[:-2]
    assert len(problems) == len(expected), "\n".join(problems)
    for line, (where, name, what, fix) in zip(problems, expected):
        head = f"{faulty}/{where}: " + (f"{name}: " if name else "")
        assert line.startswith(head), (line, head)
        problem, _, how = line[len(head):].partition(" — ")
        assert what in problem and fix in how, line


def test_validate_of_a_domain_without_responses_skips_the_dialogue(capsys: pytest.CaptureFixture[str],
                                                                   faulty: Path) -> None:
    (faulty / "responses.yml").unlink()
    code, lines, _ = run(capsys, "intents", "validate", str(faulty))
    assert code == 2 and not [line for line in lines if "dialogue" in line or "responses" in line]
    assert lines[-1] == f"{faulty}: 9 problems"


def test_validate_reports_a_broken_responses_file_once(capsys: pytest.CaptureFixture[str], faulty: Path) -> None:
    (faulty / "responses.yml").write_text(RESPONSES + '  utter_x:\n  - text: "a\n')
    _, lines, _ = run(capsys, "intents", "validate", str(faulty))
    broken = [line for line in lines if "responses.yml" in line]
    assert len(broken) == 1 and "not valid YAML" in broken[0]


def test_validate_bad_usage_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, lines, err = run(capsys, "intents", "validate", str(tmp_path / "nope"))
    assert code == 2 and lines == [] and len(err.splitlines()) == 1
    assert "nope not found" in err and "pass an existing directory" in err


# -- test -----------------------------------------------------------------------------------


def test_intents_test_on_the_shipped_intents(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, lines, _ = run(capsys, "intents", "test")
    assert code == 0, "\n".join(lines)
    assert lines[-1].startswith("0 of ") and "test sentences failed" in lines[-1]
    report = json.loads((data_dir / "reports" / "intents-en.json").read_text())
    names = set(load_intents(ROOT / "intents" / "en").names)
    tests = report["tests"]
    assert set(tests["intents"]) == names
    for score in tests["intents"].values():
        assert set(score) == {"precision", "recall", "f1", "support"} and 0 <= score["f1"] <= 1
    assert tests["failures"] == [] and tests["summary"]["accuracy"] == 1.0
    assert tests["summary"]["oos_rejection"] == 1.0 and tests["summary"]["false_rejection"] == 0.0
    assert tests["entities"]["recall"] == 1.0 and 0 < tests["entities"]["f1"] <= 1
    assert report["cross_validation"] is None
    assert any(line.strip().startswith("sensor_reading") for line in lines)


def test_german_intents_are_measured_with_the_german_encoder(capsys: pytest.CaptureFixture[str],
                                                             data_dir: Path) -> None:
    """intents/de is tested as the assistant understands German: with [languages.de]'s encoder, not MiniLM."""
    code, lines, _ = run(capsys, "intents", "test", str(ROOT / "intents" / "de"))
    report = json.loads((data_dir / "reports" / "intents-de.json").read_text())
    assert report["encoder"] == "use-multilingual", lines[-1]
    summary = report["tests"]["summary"]
    assert summary["oos_rejection"] >= 0.90 and summary["false_rejection"] <= 0.02  # the goals (RESULTS.md)


WRONG = """\
version: "3.1"
nlu:
- intent: check_order
  examples: |
    - is my coffee ready yet
    - can i have a large oat latte
"""


def test_a_failing_test_sentence_exits_1_and_is_named(drinks_dir: Path, tmp_path: Path) -> None:
    (drinks_dir / "tests" / "wrong_test.yml").write_text(WRONG)
    report = tmp_path / "report.json"
    env = {**os.environ, "PLANTVOICE_DATA_DIR": str(tmp_path / "data"),
           "PLANTVOICE_NLU_MODELS_DIR": str(tmp_path / "models")}
    done = subprocess.run([PLANTVOICE, "intents", "test", str(drinks_dir), "--lookups", DRINK_LOOKUPS,
                           "--report", str(report)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 1, done.stderr
    failing = [line for line in done.stdout.splitlines() if line.strip().startswith("FAIL")]
    assert len(failing) == 1
    assert f"{drinks_dir}/tests/wrong_test.yml:6: 'can i have a large oat latte'" in failing[0]
    assert "expected check_order, got order_drink" in failing[0]
    assert "confused check_order -> order_drink (1): 'can i have a large oat latte'" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("1 of 7 test sentences failed")
    failures = json.loads(report.read_text())["tests"]["failures"]
    assert [(f["text"], f["expected"], f["got"]) for f in failures] == [
        ("can i have a large oat latte", "check_order", "order_drink")]


def test_a_missing_expected_entity_fails_the_sentence(capsys: pytest.CaptureFixture[str], drinks_dir: Path,
                                                     models_dir: Path, tmp_path: Path) -> None:
    test_file = drinks_dir / "tests" / "drinks_test.yml"
    test_file.write_text(test_file.read_text().replace("[soy](milk:soy)", "[soy](milk:oat)"))
    code, lines, _ = run(capsys, "intents", "test", str(drinks_dir), "--lookups", DRINK_LOOKUPS,
                         "--report", str(tmp_path / "r.json"))
    failing = [line for line in lines if line.strip().startswith("FAIL")]
    assert code == 1 and len(failing) == 1
    assert "expected order_drink, got order_drink" in failing[0] and "milk 'soy'=oat not found" in failing[0]


def test_cross_validation_numbers_are_in_the_report(capsys: pytest.CaptureFixture[str], drinks_dir: Path,
                                                    models_dir: Path, tmp_path: Path) -> None:
    report_path = tmp_path / "cv.json"
    code, lines, _ = run(capsys, "intents", "test", str(drinks_dir), "--lookups", DRINK_LOOKUPS, "--cv", "3",
                         "--report", str(report_path))
    assert code == 0
    assert any(line.startswith("== cross-validation: 3 folds over 26 examples") for line in lines)
    cv = json.loads(report_path.read_text())["cross_validation"]
    assert cv["folds"] == 3 and cv["count"] == 26 and isinstance(cv["seed"], int)
    assert set(cv["intents"]) >= {"order_drink", "check_order", "out_of_scope"}
    assert sum(s["support"] for s in cv["intents"].values()) == 26
    assert 0 < cv["summary"]["accuracy"] <= 1 and cv["entities"]["expected"] > 0
    assert len(cv["failures"]) >= round(cv["count"] * (1 - cv["summary"]["accuracy"]))
    assert len(list(models_dir.glob("nlu-*.npz"))) == 1  # the fold models are not stored


def test_folds_are_stratified_and_fixed(drinks_dir: Path) -> None:
    intents = load_intents(drinks_dir)
    split = folds(intents, 3)
    again = folds(intents, 3)
    assert [[e.source for e in held] for _, held in split] == [[e.source for e in held] for _, held in again]
    for train, held in split:
        assert len(train.examples) + len(held) == len(intents.examples)
        per_intent = Counter(e.intent for e in held)
        total = Counter(e.intent for e in intents.examples)
        assert all(abs(per_intent[name] - total[name] / 3) < 1 for name in total)


@pytest.mark.parametrize("argv, words", [
    (["--cv", "1"], "at least 2 folds"),
    (["--report", "/proc/nope/report.json"], "cannot write the report"),
])
def test_intents_test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str], drinks_dir: Path, models_dir: Path,
                                        argv: list[str], words: str) -> None:
    code, _, err = run(capsys, "intents", "test", str(drinks_dir), "--lookups", DRINK_LOOKUPS, *argv)
    assert code == 2 and len(err.splitlines()) == 1 and words in err


# -- one-intent domains ---------------------------------------------------------------------

ONE_INTENT = """\
version: "3.1"
nlu:
- intent: order_pizza
  examples: |
    - i'd like a pizza
    - order a pizza
    - can i get a large pepperoni pizza
    - one margherita please
    - a pizza with extra cheese
    - get me a pizza delivered
"""

ONE_INTENT_TESTS = """\
version: "3.1"
nlu:
- intent: order_pizza
  examples: |
    - order me a large pizza
    - could i have a margherita
- intent: out_of_scope
  examples: |
    - who won the football last night
    - what is the bearing temperature of feed pump two
"""


@pytest.fixture()
def pizza_dir(tmp_path: Path) -> Path:
    """A domain of one intent and no out_of_scope examples of its own."""
    (tmp_path / "pizza" / "tests").mkdir(parents=True)
    (tmp_path / "pizza" / "pizza.yml").write_text(ONE_INTENT)
    (tmp_path / "pizza" / "tests" / "pizza_test.yml").write_text(ONE_INTENT_TESTS)
    return tmp_path / "pizza"


def test_validate_says_a_one_intent_domain_uses_the_built_in_out_of_scope_set(
        capsys: pytest.CaptureFixture[str], pizza_dir: Path) -> None:
    code, lines, err = run(capsys, "intents", "validate", str(pizza_dir))
    assert code == 0 and err == ""
    assert lines[0].startswith(f"{pizza_dir}: only one intent and no out_of_scope examples: "
                               "the built-in out-of-scope set is used")
    assert lines[-1] == f"{pizza_dir}: no problems"


def test_a_one_intent_domain_trains_and_rejects_what_it_does_not_ask(
        capsys: pytest.CaptureFixture[str], pizza_dir: Path, models_dir: Path, tmp_path: Path) -> None:
    report = tmp_path / "pizza.json"
    code, lines, _ = run(capsys, "intents", "test", str(pizza_dir), "--report", str(report))
    assert code == 0, "\n".join(lines)
    summary = json.loads(report.read_text())["tests"]["summary"]
    assert summary["oos_rejection"] == 1.0 and summary["false_rejection"] == 0.0


def test_intents_test_without_test_sentences_says_so(capsys: pytest.CaptureFixture[str], pizza_dir: Path,
                                                     models_dir: Path) -> None:
    (pizza_dir / "tests" / "pizza_test.yml").unlink()
    code, _, err = run(capsys, "intents", "test", str(pizza_dir))
    assert code == 2 and len(err.splitlines()) == 1 and "holds no test sentences" in err


def test_built_in_out_of_scope_sentences_the_domain_asks_for_are_left_out() -> None:
    from assistant.nlu.classifier import training_data
    from assistant.nlu.data import builtin_out_of_scope

    home = load_intents(ROOT / "benchmarks" / "domains" / "home-assistant")
    added = {e.text for e in training_data(home).examples if e.intent == "out_of_scope"}
    builtin = {e.text for e in builtin_out_of_scope().examples}
    assert len(builtin) >= 300 and added < builtin
    assert "alexa what's the weather" in builtin and not any("weather" in t for t in added)  # "weather for [Berlin]"
    assert "who won the match last night" in added
    plant = load_intents(ROOT / "intents" / "en")
    assert training_data(plant) is plant  # a domain with out_of_scope examples of its own keeps them alone


def test_a_foreign_domain_keeps_none_of_the_plant_lists() -> None:
    from assistant.config import load_config
    from assistant.nlu.data import own_lookups
    from assistant.plant import load_model

    lookups = load_model(load_config(None).plant.asset_model).lookups()
    assert own_lookups(load_intents(ROOT / "benchmarks" / "domains" / "home-assistant"), lookups) == {}
    assert set(own_lookups(load_intents(ROOT / "intents" / "en"), lookups)) == {"asset", "measurement"}
