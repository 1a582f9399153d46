"""docs/adding-intents.md, followed step by step on a copy of intents/en, so the page cannot go stale.

The page's fenced blocks, in order, are the steps. A block whose first line is ``# file: PATH``
is written to PATH, one whose first line is ``# add to: PATH`` is inserted under PATH's
``responses:`` line, in a temporary checkout whose ``intents/en`` is a copy of the real one.
Console blocks are run in-process with the checkout as working directory: ``export`` sets the
environment, ``plantvoice intents validate`` must print what the page shows, ``plantvoice intents
test`` must pass and score the new intent (run without ``--cv``: the folds take minutes), and
``plantvoice ask`` goes through a real Pipeline on the copy and must give the page's intent,
answer and data, with every spoken number in the data. The understanding is trained once, into
the checkout's own models directory.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from assistant.answer import unexplained_numbers
from assistant.cli import main
from assistant.config import Config
from assistant.dialogue import HANDLERS, Dialogue, DialogueState, handler, handler_responses
from assistant.errors import ConfigError
from assistant.events import Answer, Intent
from assistant.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "adding-intents.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
LABEL = re.compile(r"^# (file|add to): (\S+?),?(?:\s|$)")


@dataclass(frozen=True)
class Step:
    kind: str  # file | add | run
    target: str  # a path in the checkout, or the command line
    text: str  # the block, or the output the page shows for the command


def page_steps(markdown: str) -> list[Step]:
    """The page's file blocks and commands, in the order of the page."""
    steps: list[Step] = []
    for lang, body in BLOCK.findall(markdown):
        label = LABEL.match(body)
        if lang == "console":
            steps += _commands(body)
        elif label:
            steps.append(Step("file" if label[1] == "file" else "add", label[2], body))
    return steps


def _commands(body: str) -> list[Step]:
    steps: list[Step] = []
    for chunk in re.split(r"^\$ ", body, flags=re.MULTILINE)[1:]:
        command, _, output = chunk.partition("\n")
        steps.append(Step("run", command.strip(), output.strip("\n")))
    return steps


def _intent_name(steps: list[Step]) -> str:
    """The new intent: the data file the page writes into intents/en (not under tests/)."""
    files = [Path(s.target) for s in steps if s.kind == "file" and re.fullmatch(r"intents/en/[^/]+\.yml", s.target)]
    assert len(files) == 1, f"the page should write one data file into intents/en, found {files}"
    return files[0].stem


STEPS = page_steps(PAGE.read_text(encoding="utf-8"))
NAME = _intent_name(STEPS)


@pytest.fixture()
def registry() -> Iterator[None]:
    """Handlers registered and handler files imported during a test are forgotten after it."""
    handlers, modules = dict(HANDLERS), set(sys.modules)
    yield
    HANDLERS.clear()
    HANDLERS.update(handlers)
    for name in set(sys.modules) - modules:
        if name.startswith("plantvoice_code_"):
            del sys.modules[name]


@pytest.fixture()
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: None) -> Path:
    """A temporary checkout: intents/en copied, its own data and models directories, as working directory."""
    shutil.copytree(ROOT / "intents" / "en", tmp_path / "intents" / "en")
    models = tmp_path / "models"
    models.mkdir()
    for onnx in (ROOT / "models").glob("minilm-*.onnx"):  # the one-time MiniLM export, read only
        (models / onnx.name).symlink_to(onnx)
    monkeypatch.delenv("PLANTVOICE_CONFIG", raising=False)
    monkeypatch.delenv("PLANTVOICE_CODE", raising=False)
    monkeypatch.setenv("PLANTVOICE_NLU_INTENTS_DIR", str(tmp_path / "intents" / "en"))
    monkeypatch.setenv("PLANTVOICE_NLU_MODELS_DIR", str(models))
    monkeypatch.setenv("PLANTVOICE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- the steps ------------------------------------------------------------------------------


def write(step: Step, root: Path) -> None:
    path = root / step.target
    if step.kind == "file":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(step.text, encoding="utf-8")
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.rstrip() == "responses:") + 1
    path.write_text("".join(lines[:at]) + step.text + "".join(lines[at:]), encoding="utf-8")


class Runner:
    """Runs the page's commands in the checkout; one Pipeline for every ``ask``."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.root, self.capsys, self.monkeypatch = root, capsys, monkeypatch
        self.pipeline: Pipeline | None = None

    def __call__(self, step: Step) -> None:
        words = shlex.split(step.target)
        if words[0] == "export":
            key, _, value = words[1].partition("=")
            self.monkeypatch.setenv(key, value)
        elif words[:3] == ["plantvoice", "intents", "validate"]:
            self.validate(words[1:], step.text)
        elif words[:3] == ["plantvoice", "intents", "test"]:
            self.intents_test(words[1:])
        elif words[:2] == ["plantvoice", "ask"]:
            self.ask(words[2], "--json" in words, step.text)
        else:
            pytest.fail(f"docs/adding-intents.md: no check for the command {step.target!r}; add one to {__file__}")

    def main(self, argv: list[str]) -> tuple[int, str]:
        code = main(argv)
        return code, self.capsys.readouterr().out

    def validate(self, argv: list[str], shown: str) -> None:
        code, out = self.main(argv)
        assert out.strip("\n") == shown, f"the page shows\n{shown}\nplantvoice printed\n{out}"
        assert code == (0 if shown.endswith("no problems") else 2)

    def intents_test(self, argv: list[str]) -> None:
        if "--cv" in argv:  # the folds take minutes; the test files are what must pass
            at = argv.index("--cv")
            argv = argv[:at] + argv[at + 2:]
        code, out = self.main(argv)
        assert code == 0, out
        assert re.search(rf"^  {NAME} +1\.000 +1\.000 +1\.000 ", out, re.MULTILINE), out
        report = json.loads((self.root / "data" / "reports" / "intents-en.json").read_text())
        assert report["tests"]["intents"][NAME]["f1"] == 1.0

    def ask(self, text: str, as_json: bool, shown: str) -> None:
        if self.pipeline is None:
            self.pipeline = Pipeline(_config(self.root), self.root / "intents" / "en")
        self.pipeline.state = DialogueState()  # each command of the page starts a conversation
        intent, answer = self.pipeline.ask(text)
        assert unexplained_numbers(answer.text, answer.data) == [], answer
        if not as_json:
            assert answer.text == shown
            return
        page = json.loads(shown)
        assert (intent.name, answer.intent, answer.text) == (page["intent"]["name"],) * 2 + (page["answer"],)
        assert [(e.entity, e.value) for e in intent.entities] == [(e["entity"], e["value"]) for e in page["entities"]]
        assert json.loads(json.dumps(answer.data)) == page["data"]
        assert answer.awaiting == page["awaiting"]


def _config(root: Path) -> Config:
    config = replace(Config(), data_dir=str(root / "data"))
    return config.replace("nlu", intents_dir=str(root / "intents" / "en"), models_dir=str(root / "models"))


# -- tests ----------------------------------------------------------------------------------


def test_the_page_covers_every_part_of_an_intent() -> None:
    files = {(s.kind, s.target) for s in STEPS if s.kind != "run"}
    commands = [" ".join(shlex.split(s.target)[:3]) for s in STEPS if s.kind == "run"]
    assert {("file", f"intents/en/{NAME}.yml"), ("file", f"intents/en/tests/{NAME}_test.yml"),
            ("add", "intents/en/responses.yml")} <= files
    assert any(target.endswith(".py") for _, target in files)
    assert {"plantvoice intents validate", "plantvoice intents test"} <= set(commands)
    assert any(command.startswith("plantvoice ask") for command in commands)


def test_the_example_lives_only_in_the_page() -> None:
    assert not (ROOT / "intents" / "en" / f"{NAME}.yml").exists()
    assert NAME not in handler_responses()


def test_following_the_page_gives_what_it_shows(checkout: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    run = Runner(checkout, capsys, monkeypatch)
    for step in STEPS:
        if step.kind == "run":
            run(step)
        else:
            write(step, checkout)
    assert run.pipeline is not None, "the page asks nothing"
    assert NAME in HANDLERS


# -- registering handlers ---------------------------------------------------------------------


def _help(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    return dialogue.answer(intent, "utter_help"), state


def _notes(dialogue: Dialogue, intent: Intent) -> Answer:
    return dialogue.answer(intent, "utter_note_read_none", scope="")


def _handover(dialogue: Dialogue, intent: Intent, state: DialogueState) -> tuple[Answer, DialogueState]:
    asset = dialogue.resolve_asset(intent, state)  # asks for the asset, or says it is unknown or asks which
    return (_notes(dialogue, intent) if isinstance(asset, str) else asset[0]), state


def test_a_built_in_intent_or_a_second_handler_is_refused(registry: None) -> None:
    with pytest.raises(ConfigError, match="'help' is a built-in intent, answered by help in assistant.dialogue.conversation"):
        handler("help")(_help)
    handler("shift_handover")(_help)
    handler("shift_handover")(_help)  # the same function again (a module imported twice) is fine
    with pytest.raises(ConfigError, match="'shift_handover' is already handled by .*_help; register one handler"):
        handler("shift_handover")(_handover)


def test_what_a_registered_handler_speaks_is_read_from_its_code(registry: None) -> None:
    handler("shift_handover")(_handover)
    speaks = handler_responses()
    assert speaks["shift_handover"] == {"utter_ask_asset", "utter_unknown_asset", "utter_unknown_asset_guess",
                                        "utter_unknown_asset_choices", "utter_ask_which_asset", "utter_note_read_none",
                                        "utter_asset_named"}
    assert speaks["help"] == {"utter_help", "utter_help_example"}
