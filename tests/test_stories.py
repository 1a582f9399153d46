"""Test stories: every story of intents/en/stories, one test each, and the runner itself.

The stories run through the real understanding and dialogue (and the recognizers, for audio
steps) against a fresh copy of the simulated plant per story, the clock fixed. The runner is
tested on stories that must fail: a wrong intent, a wrong answer, a write that should not happen.
``intents/en/stories/pending/`` holds stories of behaviour not there yet; they are not run here.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import ROOT, load_config
from assistant.nlu import load_intents
from assistant.nlu.data import scan_intents
from assistant.plant import load_model
from assistant.stories import (
    Known,
    StoryRunner,
    failure_lines,
    known_names,
    scan_stories,
    spoken_assets,
    story_line,
)
from assistant.stories.data import pattern

INTENTS_DIR = ROOT / "intents" / "en"
STORIES_DIR = INTENTS_DIR / "stories"
CONFIG = load_config(env={})
KNOWN = known_names(CONFIG.nlu.intents_dir, CONFIG.plant.asset_model)
STORIES, PROBLEMS = scan_stories([STORIES_DIR], KNOWN)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoryRunner]:
    data = tmp_path_factory.mktemp("data")
    config = load_config(env={"PLANTVOICE_DATA_DIR": str(data)})
    story_runner = StoryRunner(config, work=tmp_path_factory.mktemp("stories"))
    yield story_runner
    story_runner.close()


def _stories(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stories.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- the stories


def test_the_story_files_have_no_problems() -> None:
    assert [str(p) for p in PROBLEMS] == []
    assert len(STORIES) >= 60
    audio = sum(s.audio is not None for story in STORIES for s in story.steps)
    assert audio >= 10


@pytest.mark.parametrize("story", STORIES, ids=[s.name for s in STORIES])
def test_story(runner: StoryRunner, story: object) -> None:
    result = runner.run(story)  # type: ignore[arg-type]
    assert result.passed, "\n".join([story_line(result), *failure_lines(result)])


# ----------------------------------------------------------------------------- the intents loader


def test_story_files_are_no_nlu_data(tmp_path: Path) -> None:
    intents = load_intents(INTENTS_DIR)
    assert not any("stories" in Path(f).parts for f in intents.files)  # the folder is not read
    (tmp_path / "plant.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello\n')
    (tmp_path / "dialogues.yml").write_text("stories:\n- story: hello\n  steps:\n  - user: hello\n    intent: greet\n")
    read, problems = scan_intents(tmp_path)  # a story file beside the data is skipped too
    assert problems == () and [e.text for e in read.examples] == ["hello"]
    assert [e.text for e in load_intents(tmp_path).examples] == ["hello"]


# ----------------------------------------------------------------------------- the runner


def test_a_wrong_intent_fails_at_its_step(runner: StoryRunner, tmp_path: Path) -> None:
    path = _stories(tmp_path, """\
        stories:
        - story: wrong intent
          steps:
          - user: what can you do
            intent: help
          - user: what is the bearing temperature of feed pump two
            intent: alarm_list
          - user: what can you do
    """)
    [story], problems = scan_stories([path], KNOWN)
    result = runner.run(story)
    assert problems == [] and not result.passed and len(result.steps) == 2  # the story stops at its failure
    assert result.failed is result.steps[1]
    [failure] = result.steps[1].failures
    assert (failure.check, failure.expected) == ("intent", "alarm_list")
    assert failure.got.startswith("sensor_reading (")
    lines = failure_lines(result)
    assert lines[0] == f"    step 2 at {path}:6: 'what is the bearing temperature of feed pump two'"


def test_a_wrong_answer_and_a_hard_coded_value_fail(runner: StoryRunner, tmp_path: Path) -> None:
    path = _stories(tmp_path, """\
        stories:
        - story: wrong answer
          steps:
          - user: what is the bearing temperature of feed pump two
            answer:
              says: [stale]
              not_says: [bearing temperature]
              matches: '{number} bar'
              data: {asset: P-101}
              assets: [P-101]
    """)
    [story], _ = scan_stories([path], KNOWN)
    failures = runner.run(story).steps[0].failures
    assert [(f.check, f.expected) for f in failures] == [
        ("answer", "/{number} bar/"), ("answer", "to say 'stale'"), ("answer", "not to say 'bearing temperature'"),
        ("answer data asset", "'P-101'"), ("assets", "P-101")]
    assert failures[-1].got == "P-102"


def test_a_write_that_should_not_happen_fails(runner: StoryRunner, tmp_path: Path) -> None:
    path = _stories(tmp_path, """\
        stories:
        - story: an acknowledgement nobody expected
          steps:
          - user: acknowledge the alarm on the transformer
          - user: 'yes'
        - story: a note that was not saved
          steps:
          - user: make a note feed pump two sounds noisy
          - user: 'no'
            action: {note_saved: {text: feed pump two sounds noisy}}
    """)
    [acked, refused], _ = scan_stories([path], KNOWN)
    result = runner.run(acked)
    [failure] = result.steps[1].failures
    assert (failure.check, failure.expected, failure.got) == ("action", "nothing written", "alarm_acknowledged T1 (1)")
    [failure] = runner.run(refused).steps[1].failures
    assert (failure.check, failure.expected, failure.got) == ("action", "note_saved", "nothing written")


def test_a_malformed_story_file_is_exit_2_with_file_and_line(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = _stories(tmp_path, """\
        stories:
        - story: typos
          steps:
          - user: what is the bearing temperature of feed pump two
            intnet: sensor_reading
          - user: yes
            audio: yes.wav
        - story: values
          steps:
          - user: what is the vibration of feed pump two
            answer: 'five point three millimetres per second'
            state: {awaiting: confirm, pending: nothing, asset: P-102}
            action: note_savd
        - story: no steps
    """)
    assert main(["dialogue", "test", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[:5] == [
        f"{path}:5: typos: unknown key 'intnet' in a step — did you mean 'intent'?",
        f"{path}:6: typos: a step needs either 'user:' (text) or 'audio:' (a WAV file) — write '- user: what the "
        "operator says' or '- audio: file.wav'",
        f"{path}:11: values: 'five point three millimetres per second' hard-codes a plant value ('five point three "
        "millimetres') — match its shape with {number}, or check it with 'data:'",
        f"{path}:14: no steps: the story has no steps — add 'steps:' with '- user: ...' items",
        "plantvoice: error: 4 problems in the story files; fix them and run again",
    ]


def test_unknown_names_are_problems(tmp_path: Path) -> None:
    path = _stories(tmp_path, """\
        stories:
        - story: names
          setup: {acknowledged: [T7]}
          steps:
          - user: hello
        - story: more names
          steps:
          - user: what is the status of feed pump two
            intent: asset_stats
            entities: {aset: P-102}
            action: {note_saved: {txt: hello}}
    """)
    _, problems = scan_stories([path], KNOWN)
    assert [(p.where, p.what) for p in problems] == [
        (f"{path}:3", "unknown asset 'T7'"), (f"{path}:9", "unknown intent 'asset_stats'")]
    assert "T1" in problems[0].fix
    bad = _stories(tmp_path, "stories: [\n")
    [problem] = scan_stories([bad], Known())[1]
    assert problem.where == f"{bad}:2" and problem.what.startswith("not valid YAML")


# ----------------------------------------------------------------------------- pieces


@pytest.mark.parametrize(("text", "found"), [
    ("ninety-three point one degrees Celsius", True), ("twenty fifty-three", True), ("zero point two one", True),
    ("P one oh two bearing temperature", False), ("degrees Celsius", False),
])
def test_number_pattern_matches_spoken_numbers(text: str, found: bool) -> None:
    assert bool(re.fullmatch(pattern("{number}") + r"( degrees Celsius)?", text)) is found


def test_spoken_assets_finds_tags_and_names_longest_first() -> None:
    model = load_model(CONFIG.plant.asset_model)
    assert spoken_assets("Acknowledged T one high oil temperature", {}, model) == {"T1"}
    assert spoken_assets("G T one: vibration. S T one: vibration.", {}, model) == {"GT1", "ST1"}
    assert spoken_assets("Report opened for P one oh two, the feed water pump two.", {}, model) == {"P-102"}
    assert spoken_assets("I am not sure I understood.", {"asked": "tank 7"}, model) == set()
    assert spoken_assets("Which asset?", {"asset": "BESS1"}, model) == {"BESS1"}
