"""Test stories as data: YAML files with ``stories:`` loaded into frozen dataclasses.

    stories, problems = scan_stories([Path("intents/en/stories")], known)

Every problem names ``file:line``, the story and the fix, as ``intents validate`` does; a file
with problems yields no stories. The format is described in ``docs/stories.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..answer import NUMBER_WORDS
from ..nlu.data import Problem

__all__ = ["Action", "Expect", "Known", "Setup", "SetupNote", "Step", "Story", "ACTIONS", "NUMBER",
           "pattern", "scan_stories", "story_files"]

ACTIONS = {  # what a step may write, and the details each may name
    "none": frozenset(),
    "alarm_acknowledged": frozenset({"assets", "by", "count"}),
    "note_saved": frozenset({"id", "text", "assets", "author", "role"}),
    "report_saved": frozenset({"id", "assets", "fields", "author"}),
    "note_corrected": frozenset({"id", "text"}),
    "note_withdrawn": frozenset({"id"}),
}
STATE_KEYS = ("awaiting", "pending", "asset", "measurement")
_TOP = ("version", "stories")
_STORY = ("story", "setup", "steps")
_SETUP = ("now", "user", "role", "people", "notes", "acknowledged")
_NOTE = ("text", "assets", "author", "role", "kind", "at", "withdrawn", "fields")
_STEP = ("user", "audio", "transcript", "intent", "confidence", "entities", "answer", "state", "action")
_ANSWER = ("matches", "says", "not_says", "intent", "data", "data_used", "assets")
_NUMBER_WORD = "|".join(sorted(NUMBER_WORDS | {"zero"}, key=len, reverse=True))
# {number} in an answer pattern: a number as the assistant says it ("ninety point seven", "twenty fifty-three")
NUMBER = rf"(?:minus )?(?:{_NUMBER_WORD})(?:[ -](?:{_NUMBER_WORD}|point|oh))*"
_UNIT_WORD = r"(?:degrees?|bar|millibar|percent|kelvin|(?:mega|kilo)?watts?|(?:kilo|milli)?volts?|amperes?|" \
             r"revolutions?|millimetres?|cubic|days?|hours?|minutes?)"
_HARD_VALUE = re.compile(rf"\b(?:{_NUMBER_WORD}|\d+)(?:[ -](?:{_NUMBER_WORD}|point|oh|\d+))*\s+{_UNIT_WORD}\b",
                         re.IGNORECASE)


def pattern(text: str) -> str:
    """An answer pattern as a regular expression: ``{number}`` stands for any spoken number."""
    return text.replace("{number}", NUMBER)


@dataclass(frozen=True)
class Known:
    """Names a story may use: intents, entities, asset ids and measurement keys (empty: not checked)."""

    intents: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    assets: frozenset[str] = frozenset()
    measurements: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SetupNote:
    text: str
    assets: tuple[str, ...] = ()
    author: str | None = None  # None: the story's user
    role: str | None = None  # None: the story's role
    kind: str = "note"
    at: dt.datetime | None = None  # when it was taken; default: the story's now
    withdrawn: bool = False
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Setup:
    now: dt.datetime | None = None  # None: the default clock; naive: site time
    user: str | None = None  # signed on at the station; None: the default (operator)
    role: str | None = None  # of the user; with nobody signed on, of whoever speaks
    signed_on: bool = True  # False: ``user: null``, nobody is signed on
    people: Mapping[str, str] = field(default_factory=dict)  # who else may sign on: name -> role
    notes: tuple[SetupNote, ...] = ()
    acknowledged: tuple[str, ...] = ()  # assets whose active alarms are acknowledged before the story


@dataclass(frozen=True)
class Action:
    """What a step writes: ``kind`` (one of ``ACTIONS``) and details to compare with the store."""

    kind: str = "none"
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expect:
    intent: str | None = None
    confidence: float | None = None
    entities: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)  # (None,): no such entity
    transcript: str | None = None
    answered: bool = True  # False: the speech is heard as no request at all (answer: null)
    matches: tuple[str, ...] = ()
    says: tuple[str, ...] = ()
    not_says: tuple[str, ...] = ()
    answer_intent: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    data_used: bool = True
    assets: tuple[str, ...] | None = None
    state: Mapping[str, str | None] = field(default_factory=dict)
    action: Action = field(default_factory=Action)


@dataclass(frozen=True)
class Step:
    text: str | None
    audio: Path | None
    expect: Expect
    source: str  # file:line

    @property
    def said(self) -> str:
        return self.text if self.text is not None else str(self.audio)


@dataclass(frozen=True)
class Story:
    name: str
    setup: Setup
    steps: tuple[Step, ...]
    source: str


class _Bad(Exception):
    def __init__(self, node: yaml.Node, what: str, fix: str) -> None:
        super().__init__(what)
        self.node, self.what, self.fix = node, what, fix


def story_files(paths: Iterable[Path]) -> list[Path]:
    """The story files of ``paths``: files as given, directories' ``*.yml`` / ``*.yaml`` (not their folders)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".yml", ".yaml"))
        else:
            out.append(path)
    return out


def scan_stories(paths: Iterable[Path], known: Known = Known()) -> tuple[list[Story], list[Problem]]:
    """Every story of the files and directories in ``paths``, and every problem found (by file and line)."""
    stories: list[Story] = []
    problems: list[Problem] = []
    for path in story_files(paths):
        found, wrong = _Reader(path, known).read()
        problems += wrong
        stories += found if not wrong else []
    return stories, problems


def _value(node: yaml.Node) -> Any:
    return yaml.safe_load(yaml.serialize(node))


def _close(name: str, choices: Iterable[str]) -> str:
    choices = sorted(choices)
    near = difflib.get_close_matches(name, choices, n=1)
    return f"did you mean {near[0]!r}?" if near else f"use one of {', '.join(choices)}"


class _Reader:
    """Reads one story file, going on past each problem (one per story item at most)."""

    def __init__(self, path: Path, known: Known) -> None:
        self.path, self.known = path, known
        self.problems: list[Problem] = []
        self.story = ""

    def where(self, node: yaml.Node) -> str:
        return f"{self.path}:{node.start_mark.line + 1}"

    def read(self) -> tuple[list[Story], list[Problem]]:
        try:
            root = yaml.compose(self.path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            return [], [Problem(f"{self.path}{line}", f"not valid YAML ({problem})",
                                "fix the syntax (indentation, quotes, colons)")]
        except (OSError, UnicodeDecodeError) as exc:
            return [], [Problem(str(self.path), f"cannot be read ({exc})", "save the file as UTF-8 text")]
        if root is None or not isinstance(root, yaml.MappingNode):
            return [], [Problem(f"{self.path}:1", "the file is not a mapping with 'stories:'",
                                "start it with 'stories:' and '- story: name' items")]
        keys = self.keys(root, _TOP, "a story file")
        if "stories" not in keys or not isinstance(keys["stories"], yaml.SequenceNode):
            return [], [*self.problems, Problem(f"{self.path}:1", "no 'stories:' list",
                                                "write 'stories:' with '- story: name' items")]
        stories = []
        for item in keys["stories"].value:
            self.story = ""
            try:
                stories.append(self.one(item))
            except _Bad as bad:
                self.problems.append(Problem(self.where(bad.node), bad.what, bad.fix, self.story or None))
        return stories, self.problems

    def keys(self, node: yaml.Node, allowed: tuple[str, ...], what: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise _Bad(node, f"{what} is not a mapping", f"write {what} as 'key: value' lines")
        out = {}
        for key, value in node.value:
            if key.value not in allowed:
                self.problems.append(Problem(self.where(key), f"unknown key {key.value!r} in {what}",
                                             _close(str(key.value), allowed), self.story or None))
            else:
                out[str(key.value)] = value
        return out

    def text(self, node: yaml.Node, what: str) -> str:
        """A scalar as written: ``user: yes`` is the word yes, not a boolean."""
        if not isinstance(node, yaml.ScalarNode) or _null(node) or not str(node.value).strip():
            raise _Bad(node, f"{what} is not a text", f"write {what} as a text")
        return str(node.value)

    def one(self, node: yaml.Node) -> Story:
        keys = self.keys(node, _STORY, "a story")
        if "story" not in keys:
            raise _Bad(node, "a story has no name", "start it with '- story: what it shows'")
        self.story = self.text(keys["story"], "the story name")
        setup = self.setup(keys["setup"]) if "setup" in keys else Setup()
        steps = keys.get("steps")
        if not isinstance(steps, yaml.SequenceNode) or not steps.value:
            raise _Bad(steps or node, "the story has no steps", "add 'steps:' with '- user: ...' items")
        return Story(self.story, setup, tuple(self.step(s) for s in steps.value), self.where(node))

    def setup(self, node: yaml.Node) -> Setup:
        keys = self.keys(node, _SETUP, "setup")
        acked = tuple(self.asset(n) for n in self.seq(keys["acknowledged"])) if "acknowledged" in keys else ()
        notes = tuple(self.note(n) for n in self.seq(keys["notes"])) if "notes" in keys else ()
        nobody = "user" in keys and _null(keys["user"])
        people = self.keys(keys["people"], tuple(_keys(keys["people"])), "people") if "people" in keys else {}
        return Setup(now=self.time(keys["now"]) if "now" in keys else None,
                     user=self.text(keys["user"], "user") if "user" in keys and not nobody else None,
                     role=self.text(keys["role"], "role") if "role" in keys else None,
                     signed_on=not nobody, people={k: self.text(v, "a role") for k, v in people.items()},
                     notes=notes, acknowledged=acked)

    def seq(self, node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.ScalarNode):
            return [node]
        raise _Bad(node, "expected a list", "write a list: [a, b] or '- ' lines")

    def time(self, node: yaml.Node) -> dt.datetime:
        value = _value(node)
        if isinstance(value, dt.datetime):
            return value
        try:
            return dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise _Bad(node, f"{value!r} is not a date and time",
                       "write it as 2025-03-12 14:30 (site time) or 2025-03-12T13:30:00+00:00") from None

    def asset(self, node: yaml.Node) -> str:
        value = self.text(node, "an asset")
        if self.known.assets and value not in self.known.assets:
            raise _Bad(node, f"unknown asset {value!r}", _close(value, self.known.assets))
        return value

    def note(self, node: yaml.Node) -> SetupNote:
        keys = self.keys(node, _NOTE, "a setup note")
        if "text" not in keys:
            raise _Bad(node, "a setup note has no text", "add 'text: what the note says'")
        kind = self.text(keys["kind"], "kind") if "kind" in keys else "note"
        if kind not in ("note", "report"):
            raise _Bad(keys["kind"], f"note kind {kind!r} is unknown", "use note or report")
        fields = _value(keys["fields"]) if "fields" in keys else {}
        if not isinstance(fields, dict):
            raise _Bad(keys["fields"], "fields is not a mapping", "write fields as 'finding: ...' lines")
        return SetupNote(
            text=self.text(keys["text"], "text"),
            assets=tuple(self.asset(n) for n in self.seq(keys["assets"])) if "assets" in keys else (),
            author=self.text(keys["author"], "author") if "author" in keys else None,
            role=self.text(keys["role"], "role") if "role" in keys else None,
            kind=kind, at=self.time(keys["at"]) if "at" in keys else None,
            withdrawn=bool(_value(keys["withdrawn"])) if "withdrawn" in keys else False,
            fields={str(k): str(v) for k, v in fields.items()})

    def step(self, node: yaml.Node) -> Step:
        keys = self.keys(node, _STEP, "a step")
        if ("user" in keys) == ("audio" in keys):
            raise _Bad(node, "a step needs either 'user:' (text) or 'audio:' (a WAV file)",
                       "write '- user: what the operator says' or '- audio: file.wav'")
        audio = None
        if "audio" in keys:
            audio = self.path.parent / self.text(keys["audio"], "audio")
            if not audio.is_file():
                raise _Bad(keys["audio"], f"audio file {audio} not found",
                           "give a WAV path relative to the story file")
        elif "transcript" in keys:
            raise _Bad(keys["transcript"], "'transcript:' is for audio steps", "remove it, or use 'audio:'")
        return Step(self.text(keys["user"], "user") if "user" in keys else None, audio, self.expect(keys),
                    self.where(node))

    def expect(self, keys: dict[str, yaml.Node]) -> Expect:
        out: dict[str, Any] = {}
        if "intent" in keys:
            out["intent"] = self.intent(keys["intent"])
        if "confidence" in keys:
            value = _value(keys["confidence"])
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
                raise _Bad(keys["confidence"], f"confidence {value!r} is not between 0 and 1",
                           "give the least confidence, e.g. 0.5")
            out["confidence"] = float(value)
        if "entities" in keys:
            out["entities"] = self.entities(keys["entities"])
        if "transcript" in keys:
            out["transcript"] = self.regex(keys["transcript"])
        if "answer" in keys:
            out.update(self.answer(keys["answer"]))
        if "state" in keys:
            out["state"] = self.state(keys["state"])
        if "action" in keys:
            out["action"] = self.action(keys["action"])
        return Expect(**out)

    def intent(self, node: yaml.Node) -> str:
        name = self.text(node, "intent")
        if self.known.intents and name not in self.known.intents:
            raise _Bad(node, f"unknown intent {name!r}", _close(name, self.known.intents))
        return name

    def entities(self, node: yaml.Node) -> dict[str, tuple[str | None, ...]]:
        keys = self.keys(node, tuple(self.known.entities) or tuple(_keys(node)), "entities")
        out: dict[str, tuple[str | None, ...]] = {}
        for name, value in keys.items():
            nodes = value.value if isinstance(value, yaml.SequenceNode) else [value]
            if not all(isinstance(n, yaml.ScalarNode) for n in nodes):
                raise _Bad(value, f"entity {name}: a value is not a text", "give values as text, or null for none")
            out[name] = tuple(None if _null(n) else str(n.value) for n in nodes)
            if name == "asset" and self.known.assets:
                for v in out[name]:
                    if v is not None and v not in self.known.assets:
                        raise _Bad(value, f"unknown asset {v!r}", _close(v, self.known.assets))
        return out

    def regex(self, node: yaml.Node, check_values: bool = False) -> str:
        text = self.text(node, "a pattern")
        try:
            re.compile(pattern(text))
        except re.error as exc:
            raise _Bad(node, f"pattern {text!r} does not compile ({exc})", "fix the regular expression") from None
        if check_values:
            self.no_values(node, text)
        return text

    def no_values(self, node: yaml.Node, text: str) -> None:
        hard = _HARD_VALUE.search(text.replace("{number}", ""))
        if hard:
            raise _Bad(node, f"{text!r} hard-codes a plant value ({hard.group()!r})",
                       "match its shape with {number}, or check it with 'data:'")

    def answer(self, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode) and _null(node):
            return {"answered": False}
        if isinstance(node, yaml.ScalarNode):
            return {"matches": (self.regex(node, True),)}
        if isinstance(node, yaml.SequenceNode):
            return {"says": tuple(self.phrase(n) for n in node.value)}
        keys = self.keys(node, _ANSWER, "answer")
        out: dict[str, Any] = {}
        if "matches" in keys:
            out["matches"] = tuple(self.regex(n, True) for n in self.seq(keys["matches"]))
        for name in ("says", "not_says"):
            if name in keys:
                out[name] = tuple(self.phrase(n, name == "says") for n in self.seq(keys[name]))
        if "intent" in keys:
            out["answer_intent"] = self.intent(keys["intent"])
        if "data" in keys:
            data = _value(keys["data"])
            if not isinstance(data, dict):
                raise _Bad(keys["data"], "answer data is not a mapping", "write 'data: {key: value}'")
            out["data"] = data
        if "data_used" in keys:
            out["data_used"] = bool(_value(keys["data_used"]))
        if "assets" in keys:
            out["assets"] = tuple(self.asset(n) for n in self.seq(keys["assets"]))
        return out

    def phrase(self, node: yaml.Node, check_values: bool = True) -> str:
        text = self.text(node, "a phrase")
        if check_values:
            self.no_values(node, text)
        return text

    def state(self, node: yaml.Node) -> dict[str, str | None]:
        keys = self.keys(node, STATE_KEYS, "state")
        out = {}
        for name, value in keys.items():
            if not isinstance(value, yaml.ScalarNode):
                raise _Bad(value, f"state {name} is not a text", f"write '{name}: value' or '{name}: null'")
            out[name] = None if _null(value) else str(value.value)
        return out

    def action(self, node: yaml.Node) -> Action:
        if isinstance(node, yaml.ScalarNode):
            kind = self.text(node, "action")
            details: dict[str, Any] = {}
        elif isinstance(node, yaml.MappingNode) and len(node.value) == 1:
            key, value = node.value[0]
            kind = str(key.value)
            raw = _value(value)
            if kind == "alarm_acknowledged" and isinstance(raw, list):
                raw = {"assets": raw}
            details = raw if isinstance(raw, dict) else {}
            if raw is not None and not isinstance(raw, dict):
                raise _Bad(value, f"the details of {kind} are not a mapping", "write '{text: ..., assets: [...]}'")
        else:
            raise _Bad(node, "an action is one name, or one name with its details",
                       "write 'action: none' or 'action: {note_saved: {text: ...}}'")
        if kind not in ACTIONS:
            raise _Bad(node, f"unknown action {kind!r}", _close(kind, ACTIONS))
        for name in details:
            if name not in ACTIONS[kind]:
                raise _Bad(node, f"{kind} has no detail {name!r}",
                           f"use {', '.join(sorted(ACTIONS[kind])) or 'none'}")
        return Action(kind, details)


def _null(node: yaml.Node) -> bool:
    """A plain ``null``, ``~`` or nothing."""
    return isinstance(node, yaml.ScalarNode) and node.style is None and node.value in ("null", "Null", "NULL", "~", "")


def _keys(node: yaml.Node) -> list[str]:
    return [str(k.value) for k, _ in node.value] if isinstance(node, yaml.MappingNode) else []
