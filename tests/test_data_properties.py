"""Whatever a data file holds, its loader answers with the data or a DataError / ConfigError, never a traceback.

Arbitrary text and mutations of the shipped files (a value replaced by a wrong type, a line removed or
repeated, characters cut) for the intents loader, the asset model and its fault knowledge.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import ConfigError, DataError
from assistant.faults.knowledge import load_knowledge
from assistant.nlu.data import load_intent_tests, load_intents, scan_intents
from assistant.plant import load_model

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = (DataError, ConfigError)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# values of a wrong kind, wrong size or odd YAML, put in place of a value
TOKENS = ["abc", "[a, b]", "{x: 1}", ".nan", ".inf", "-1", "0", "", "null", "1e309", "!!binary aGk=", "&a x", "*a",
          "'3.1'", "3.1", "true", "[]", "{}", "- x", "|", ">", "~", "2024-13-45", "[[[[", "}", '"\\x"', "x" * 600,
          "\t", ": :", "? x", "!!python/object:os.system x", "[1, 2]", "{toward: 0.85}"]
INTENTS = ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello [there](place)\n    - hi\n'
           '- synonym: hello\n  examples: |\n    - howdy\n- lookup: place\n  examples: |\n    - there\n'
           '- regex: number\n  examples: |\n    - \\d+\nresponses:\n  utter_hi:\n  - text: "hi"\n')
edits = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["value", "delete", "repeat", "cut", "indent"]),
                           st.sampled_from(TOKENS)), min_size=1, max_size=4)


def mutate(text: str, changes: list[tuple[int, str, str]]) -> str:
    lines = text.splitlines()
    for where, how, token in changes:
        if not lines:
            break
        i = where % len(lines)
        line = lines[i]
        if how == "value":
            key, colon, _ = line.partition(":")
            lines[i] = f"{key}: {token}" if colon else f"{line[:len(line) - len(line.lstrip())]}- {token}"
        elif how == "delete":
            del lines[i]
        elif how == "repeat":
            lines.insert(i, line)
        elif how == "cut":
            lines[i] = line[: where % (len(line) + 1)]
        else:
            lines[i] = " " + line
    return "\n".join(lines) + "\n"


@contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def loads_or_refuses(load: object, *args: object) -> bool:
    """True when ``load`` accepted the data, False when it refused it as it should."""
    try:
        load(*args)  # type: ignore[operator]
    except EXPECTED:
        return False
    return True


def repeated_key(text: str) -> bool:
    """The YAML text has a key twice in one mapping (which a YAML parser keeps the last of)."""
    try:
        nodes = [yaml.compose(text, Loader=yaml.SafeLoader)]
    except (yaml.YAMLError, RecursionError):
        return False
    while nodes:
        node = nodes.pop()
        if isinstance(node, yaml.MappingNode):
            keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
            if len(keys) != len(set(keys)):
                return True
            nodes += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            nodes += node.value
    return False


@SETTINGS
@given(text=st.text(max_size=400))
def test_intents_any_text(text: str) -> None:
    with scratch() as directory:
        (directory / "data.yml").write_text(text, encoding="utf-8")
        loads_or_refuses(load_intents, directory)
        intents, problems = scan_intents(directory)
        assert intents.examples or problems  # a file is never read as nothing without a word
        loads_or_refuses(load_intent_tests, directory)


@SETTINGS
@given(changes=edits)
def test_intents_mutated(changes: list[tuple[int, str, str]]) -> None:
    with scratch() as directory:
        text = mutate(INTENTS, changes)
        (directory / "data.yml").write_text(text, encoding="utf-8")
        loads_or_refuses(load_intents, directory)
        if not scan_intents(directory)[1]:
            assert not repeated_key(text)


@contextmanager
def plant_copy(file: str, changes: list[tuple[int, str, str]] | str) -> Iterator[Path]:
    """A copy of the demo plant with ``file`` mutated by ``changes`` (or replaced by a text)."""
    with scratch() as directory:
        shutil.copytree(ROOT / "plant", directory / "plant")
        path = directory / "plant" / file
        path.write_text(changes if isinstance(changes, str) else mutate(path.read_text(encoding="utf-8"), changes),
                        encoding="utf-8")
        yield directory / "plant" / "demo_plant.yaml"


def load_all(asset_model: Path) -> None:
    model = load_model(asset_model)
    load_knowledge(model)


@SETTINGS
@given(changes=edits)
def test_asset_model_mutated(changes: list[tuple[int, str, str]]) -> None:
    with plant_copy("demo_plant.yaml", changes) as asset_model:
        if loads_or_refuses(load_all, asset_model):
            assert not repeated_key(asset_model.read_text(encoding="utf-8"))


@SETTINGS
@given(changes=st.one_of(edits, st.text(max_size=300)))
def test_knowledge_mutated_or_any_text(changes: list[tuple[int, str, str]] | str) -> None:
    with plant_copy("knowledge.yaml", changes) as asset_model:
        if loads_or_refuses(load_all, asset_model):
            assert not repeated_key((asset_model.parent / "knowledge.yaml").read_text(encoding="utf-8"))
