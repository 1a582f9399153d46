"""Intents as data: Rasa 3.x NLU YAML files loaded into frozen dataclasses.

A directory such as ``intents/en`` holds files like::

    version: "3.1"
    nlu:
    - intent: sensor_reading
      examples: |
        - what is the [bearing temperature](measurement) of [feed pump two](asset)
        - [p one oh two](asset:P-102) [vibration](measurement)
    - synonym: critical
      examples: |
        - urgent
    - lookup: priority
      examples: |
        - high
    - regex: number
      examples: |
        - \\d+

Annotations are ``[text](entity)``, ``[text](entity:value)`` and
``[text]{"entity": "...", "value": "..."}``. Files (or keys) holding Rasa domain
parts such as ``responses:`` are accepted and ignored. Test files live in
``<dir>/tests/*_test.yml`` in the same format; their annotations are the expected
entities. The loader needs no Rasa; every problem is a DataError naming
``file:line``, the intent and the fix. ``scan_intents`` reads a directory past its
problems and returns them as ``Problem`` values, for ``plantvoice intents validate``.

What is refused, besides malformed items and annotations:

* a duplicate key in any YAML mapping (YAML would keep the last silently), and the same
  intent (synonym, lookup, regex) written twice in one file;
* a file that holds nothing (empty, only comments, or an empty ``nlu:``), and a file with
  ``nlu:`` but no ``version`` or a version other than ``VERSIONS``;
* an example longer than ``MAX_EXAMPLE_CHARS`` characters, a file larger than
  ``MAX_FILE_BYTES``, and a directory of more than ``MAX_EXAMPLES`` examples (training
  takes about 15 ms per sentence on two cores, more with the copies an annotated example
  adds: 20 000 examples take well over ten minutes).

The same intent in two files is merged, as Rasa merges it (the generated ``heard.yml``
repeats every intent on purpose); outside ``heard.yml`` each such merge is logged as a
warning naming both ``file:line``, so it is never silent.

A domain needs no ``out_of_scope`` intent of its own: ``builtin_out_of_scope()`` is the
domain-independent set (``out_of_scope.yml`` beside this module) that training adds when
it has none, and tests may always expect ``out_of_scope``. ``own_lookups`` keeps only the
plant lists a domain annotates, so a foreign domain's own tables and synonyms count.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import yaml

from ..errors import DataError
from ..events import OUT_OF_SCOPE
from .normalize import normalize

__all__ = [
    "Annotation",
    "Example",
    "Synonym",
    "LookupTable",
    "RegexPattern",
    "Intents",
    "Problem",
    "load_intents",
    "scan_intents",
    "duplicates",
    "response_files",
    "load_intent_tests",
    "parse_example",
    "builtin_out_of_scope",
    "own_lookups",
    "language_code",
    "language_lists",
    "is_plant_domain",
    "PLANT_ENTITIES",
    "BUILTIN_OUT_OF_SCOPE",
    "MAX_EXAMPLE_CHARS",
    "MAX_EXAMPLES",
    "MAX_FILE_BYTES",
    "VERSIONS",
]

log = logging.getLogger(__name__)

MAX_EXAMPLE_CHARS = 500  # a spoken request is a sentence; a longer line is a mistake
MAX_EXAMPLES = 20_000  # examples in one intents directory (training time grows with them)
MAX_FILE_BYTES = 16 * 1024 * 1024
VERSIONS = ("2.0", "3.0", "3.1")  # Rasa training data formats with this NLU syntax
_GENERATED = "heard.yml"  # written by scripts/speak_intents.py with every intent again (nlu/heard.py)

BUILTIN_OUT_OF_SCOPE = Path(__file__).with_name("out_of_scope.yml")
V = TypeVar("V")

# Rasa domain and story keys that may share a file with NLU data; they are not ours.
_IGNORED_KEYS = frozenset({
    "responses", "intents", "entities", "slots", "actions", "forms", "session_config",
    "e2e_actions", "stories", "rules", "config", "recipe", "language", "pipeline", "policies", "assistant_id",
})
PLANT_ENTITIES = ("asset", "measurement")  # data annotating one of these is a plant domain
_SKIPPED_DIRS = ("tests", "stories")  # beside the data: test sentences and test stories, not training data
_ITEM_KINDS = ("intent", "synonym", "lookup", "regex")
_ITEM_KEYS = frozenset(_ITEM_KINDS) | {"examples", "metadata"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_INTENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*(/[A-Za-z0-9_.\-]+)?$")  # faq/ask_name: a retrieval intent
_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+)\](?:\((?P<paren>[^()]*)\)|(?P<json>\{[^{}]*\}))")


@dataclass(frozen=True)
class Annotation:
    """An entity marked in an example: ``text[start:end]`` is ``entity`` (``value`` if given), in
    ``role`` and ``group`` when the annotation gives them (Rasa's roles and groups)."""

    entity: str
    value: str | None
    start: int
    end: int
    text: str
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Example:
    """One training (or test) sentence of an intent, annotations removed."""

    text: str
    intent: str
    entities: tuple[Annotation, ...] = ()
    source: str = ""  # "file:line"


@dataclass(frozen=True)
class Synonym:
    value: str
    forms: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class LookupTable:
    name: str
    items: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class RegexPattern:
    name: str
    patterns: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class Intents:
    """Everything one intents directory says."""

    examples: tuple[Example, ...]
    synonyms: tuple[Synonym, ...] = ()
    lookups: tuple[LookupTable, ...] = ()
    regexes: tuple[RegexPattern, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The intent names, sorted."""
        return tuple(sorted({e.intent for e in self.examples}))

    def of(self, intent: str) -> tuple[Example, ...]:
        return tuple(e for e in self.examples if e.intent == intent)

    @property
    def entity_names(self) -> tuple[str, ...]:
        return tuple(sorted({a.entity for e in self.examples for a in e.entities}))

    def digest(self) -> str:
        """A hash of the content (not of file names or layout): changes when the data does."""
        h = hashlib.sha256()
        for e in self.examples:
            h.update(repr((e.intent, e.text, [(a.entity, a.value, a.start, a.end, *_role(a)) for a in e.entities])
                          ).encode())
        for s in self.synonyms:
            h.update(repr(("synonym", s.value, s.forms)).encode())
        for t in self.lookups:
            h.update(repr(("lookup", t.name, t.items)).encode())
        for r in self.regexes:
            h.update(repr(("regex", r.name, r.patterns)).encode())
        return h.hexdigest()


def _role(a: Annotation) -> tuple[str, ...]:
    """Role and group, when given, for the digest (data without them hashes as before)."""
    return () if a.role is None and a.group is None else (f"role={a.role}", f"group={a.group}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with intents data: where (``file:line``), what, how to fix it, and the
    name of the intent (or lookup table) it is about, if any."""

    where: str
    what: str
    fix: str
    name: str | None = None

    def __str__(self) -> str:
        about = f" (intent {self.name})" if self.name else ""
        return f"{self.where}{about}: {self.what}; {self.fix}"


class _Invalid(DataError):
    """A DataError that keeps its Problem, so a lenient scan can record it and go on."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _fail(where: str, what: str, fix: str, intent: str | None = None) -> DataError:
    return _Invalid(Problem(where, what, fix, intent))


def parse_example(line: str, where: str = "<text>", intent: str | None = None) -> tuple[str, tuple[Annotation, ...]]:
    """Split an annotated example into plain text and its annotations."""
    text_parts: list[str] = []
    annotations: list[Annotation] = []
    pos = 0
    length = 0
    for match in _ANNOTATION.finditer(line):
        before = line[pos:match.start()]
        text_parts.append(before)
        length += len(before)
        shown = match.group("text")
        if match.group("json") is not None:
            try:
                spec = json.loads(match.group("json"))
            except json.JSONDecodeError as exc:
                raise _fail(where, f"annotation {match.group()!r} is not valid JSON ({exc.msg})",
                            'write [text]{"entity": "name", "value": "canonical"}', intent) from None
            if not isinstance(spec, dict) or not isinstance(spec.get("entity"), str) or not spec["entity"]:
                raise _fail(where, f"annotation {match.group()!r} has no \"entity\"",
                            'write [text]{"entity": "name", "value": "canonical"}', intent)
            entity = spec["entity"]
            value = spec.get("value")
            if value is not None and not isinstance(value, (str, int, float)):
                raise _fail(where, f"annotation {match.group()!r} has a value that is not text",
                            "give the value as a string", intent)
            value = None if value is None else str(value)
            role, group = (None if spec.get(k) is None else str(spec[k]) for k in ("role", "group"))
        else:
            role = group = None
            inside = match.group("paren").strip()
            entity, _, value_text = inside.partition(":")
            entity = entity.strip()
            value = value_text.strip() or None
        if not _NAME.match(entity):
            raise _fail(where, f"annotation {match.group()!r} has no valid entity name",
                        "write [text](entity) or [text](entity:value)", intent)
        annotations.append(Annotation(entity, value, length, length + len(shown), shown, role, group))
        text_parts.append(shown)
        length += len(shown)
        pos = match.end()
    text_parts.append(line[pos:])
    text = "".join(text_parts)
    # An opening bracket, or a closing one before "(" or "{", is an annotation gone wrong; a lone
    # closing bracket ("hello]", as in Rasa's Sara data) cannot start one and stays text, as in Rasa.
    if "[" in text or re.search(r"\]\s*[({]", text):
        raise _fail(where, f"malformed annotation in {line!r}",
                    "balance the brackets: [text](entity) or [text](entity:value)", intent)
    if re.search(r"\]\s*\(|\)\s*\[", line) and not annotations:
        raise _fail(where, f"malformed annotation in {line!r}", "write [text](entity)", intent)
    return text.strip(), tuple(annotations)


def _example_text(raw: str, where: str, intent: str | None) -> str | None:
    """The text of one ``- example`` line of an examples block; None for blank and comment lines."""
    line = raw.strip()
    if not line or line.startswith("#"):
        return None
    if not line.startswith("- ") and line != "-":
        raise _fail(where, f"example {line!r} does not start with '- '", "start each example line with '- '", intent)
    text = line[1:].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    if not text:
        raise _fail(where, "empty example", "remove the line or write an example", intent)
    return text


def _mapping(node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        out[str(key.value)] = (key, value)
    return out


def _duplicate_keys(root: yaml.Node) -> list[tuple[str, int, int]]:
    """(key, first line, repeated line) of every key repeated in a mapping of the document."""
    out: list[tuple[str, int, int]] = []
    stack, seen_nodes = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:  # an alias repeats a node; look at it once
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in first:
                        out.append((key.value, first[key.value], line))
                    first.setdefault(key.value, line)
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return sorted(out, key=lambda d: d[2])


def _scalar(node: yaml.Node) -> Any:
    return yaml.safe_load(yaml.serialize(node)) if isinstance(node, yaml.ScalarNode) else None


def _compose(path: Path) -> yaml.Node | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _fail(str(path), f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB",
                        f"split the data; at most {MAX_EXAMPLES} examples are trained")
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except RecursionError:
        raise _fail(str(path), "nested too deeply", "write the flat Rasa NLU layout") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _fail(f"{path}{line}", f"not valid YAML ({problem})",
                    "fix the syntax (indentation, quotes, colons)") from None
    except UnicodeDecodeError:
        raise _fail(str(path), "not UTF-8 text", "save the file as UTF-8") from None


class _Collector:
    """Reads NLU files. Strict (the default): the first problem raises. Lenient: every problem
    is recorded in ``problems`` and reading goes on with the next key, item or example."""

    def __init__(self, lenient: bool = False) -> None:
        self.examples: list[Example] = []
        self.synonyms: list[Synonym] = []
        self.lookups: list[LookupTable] = []
        self.regexes: list[RegexPattern] = []
        self.problems: list[Problem] | None = [] if lenient else None
        self.defined: dict[tuple[str, str], str] = {}  # (kind, name) -> file:line it is first written at
        self.merged: list[str] = []  # the same intent in two files: one warning each
        self._file_items: dict[tuple[str, str], str] = {}  # (kind, name) -> line, in the file being read

    def _go_on(self, step: Callable[..., None], *args: Any) -> None:
        """Run ``step``; when lenient, record the problem it raises instead of stopping."""
        try:
            step(*args)
        except _Invalid as exc:
            if self.problems is None:
                raise
            self.problems.append(exc.problem)

    def load_file(self, path: Path) -> None:
        self._go_on(self._file, path)

    def _file(self, path: Path) -> None:
        root = _compose(path)
        if root is None:
            raise _fail(f"{path}:1", "the file is empty", "write 'version: \"3.1\"' and 'nlu:' items, "
                        "or remove the file")
        if not isinstance(root, yaml.MappingNode):
            raise _fail(f"{path}:{root.start_mark.line + 1}", "the file is not a mapping",
                        "start it with 'version: \"3.1\"' and 'nlu:'")
        for key, first, line in _duplicate_keys(root):
            self._go_on(self._raise, _fail(f"{path}:{line}", f"key {key!r} is repeated (first at line {first})",
                                           "write each key once in a mapping"))
        keys = _mapping(root)
        if "nlu" in keys and "version" not in keys:
            self._go_on(self._raise, _fail(f"{path}:1", "no version", 'add version: "3.1" at the top'))
        if not set(keys) - {"version"}:
            self._go_on(self._raise, _fail(f"{path}:1", "the file holds no 'nlu:' items",
                                           "add '- intent:' items under 'nlu:', or remove the file"))
        self._file_items = {}
        for key, (key_node, value_node) in keys.items():
            self._go_on(self._top, path, key, key_node, value_node)

    @staticmethod
    def _raise(error: DataError) -> None:
        raise error

    def _top(self, path: Path, key: str, key_node: yaml.Node, value_node: yaml.Node) -> None:
        where = f"{path}:{key_node.start_mark.line + 1}"
        if key == "version":
            version = _scalar(value_node)
            if not isinstance(version, str):
                raise _fail(where, "version must be a quoted string", "write version: \"3.1\"")
            if version not in VERSIONS:
                raise _fail(where, f"version {version!r} is not a Rasa training data version read here",
                            f"write version: \"3.1\" (read: {', '.join(VERSIONS)})")
        elif key == "nlu":
            self._nlu(path, value_node)
        elif key not in _IGNORED_KEYS:
            raise _fail(where, f"unknown top-level key {key!r}", "use 'version' and 'nlu' "
                        "(Rasa domain keys such as 'responses' are ignored)")

    def _nlu(self, path: Path, node: yaml.Node) -> None:
        if (isinstance(node, yaml.ScalarNode) and node.value in ("", "null", "~", "Null", "NULL")
                or isinstance(node, yaml.SequenceNode) and not node.value):
            raise _fail(f"{path}:{node.start_mark.line + 1}", "'nlu:' holds no items",
                        "add '- intent:' items under 'nlu:', or remove the file")
        if not isinstance(node, yaml.SequenceNode):
            raise _fail(f"{path}:{node.start_mark.line + 1}", "'nlu' must be a list of items",
                        "write '- intent: name' items under 'nlu:'")
        for item in node.value:
            self._go_on(self._item, path, item)

    def _kind(self, path: Path, item: yaml.Node) -> tuple[str, str, dict[str, tuple[yaml.Node, yaml.Node]]]:
        """(kind, name, keys) of an nlu item, checked."""
        where = f"{path}:{item.start_mark.line + 1}"
        if not isinstance(item, yaml.MappingNode):
            raise _fail(where, "an nlu item is not a mapping", "write '- intent: name' and 'examples: |'")
        keys = _mapping(item)
        for key, (key_node, _) in keys.items():
            if key not in _ITEM_KEYS:
                raise _fail(f"{path}:{key_node.start_mark.line + 1}", f"unknown key {key!r} in an nlu item",
                            f"use one of {', '.join(sorted(_ITEM_KEYS))}")
        kinds = [k for k in _ITEM_KINDS if k in keys]
        if len(kinds) != 1:
            raise _fail(where, "an nlu item needs exactly one of intent, synonym, lookup, regex "
                        f"(found {', '.join(kinds) or 'none'})", "split it into separate items")
        kind = kinds[0]
        name = _scalar(keys[kind][1])
        if not isinstance(name, (str, int, float)) or isinstance(name, bool) or not str(name).strip():
            raise _fail(where, f"{kind} has no name", f"write '- {kind}: name'")
        name = str(name).strip()
        if kind == "intent" and not _INTENT.match(name):
            raise _fail(where, f"intent name {name!r} is not valid",
                        "use letters, digits and underscores (faq/ask_name for a retrieval intent)")
        if "examples" not in keys:
            raise _fail(where, f"{kind} {name!r} has no examples", "add 'examples: |' with '- ' lines")
        return kind, name, keys

    def _lines(self, node: yaml.Node, path: Path, intent: str | None) -> list[tuple[str, int]]:
        """The ``- item`` lines of an ``examples: |`` block with their 1-based line numbers."""
        line0 = node.start_mark.line + 1
        if isinstance(node, yaml.SequenceNode):
            return [self._listed(entry, path, intent) for entry in node.value]
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise _fail(f"{path}:{line0}", "examples is not a text block",
                        "write 'examples: |' followed by lines '- example'", intent)
        first = line0 + 1 if node.style in ("|", ">") else line0
        out: list[tuple[str, int]] = []
        for i, raw in enumerate(node.value.splitlines()):
            self._go_on(self._line, out, raw, first + i, path, intent)
        return out

    @staticmethod
    def _listed(entry: yaml.Node, path: Path, intent: str | None) -> tuple[str, int]:
        """One ``- text: ...`` entry (with optional ``metadata``) of an examples list."""
        line = entry.start_mark.line + 1
        keys = _mapping(entry) if isinstance(entry, yaml.MappingNode) else {}
        text = _scalar(keys["text"][1]) if "text" in keys else None
        if not isinstance(text, str) or not text.strip() or set(keys) - {"text", "metadata"}:
            raise _fail(f"{path}:{line}", "examples is not a text block, nor is this a '- text: ...' entry (with "
                        "optional 'metadata:')", "write 'examples: |' with '- ' lines, or '- text: example' entries",
                        intent)
        if len(text) > MAX_EXAMPLE_CHARS:
            raise _fail(f"{path}:{line}", f"example of {len(text)} characters is longer than {MAX_EXAMPLE_CHARS}",
                        "write one spoken request per line", intent)
        return text.strip(), line

    @staticmethod
    def _line(out: list[tuple[str, int]], raw: str, line: int, path: Path, intent: str | None) -> None:
        text = _example_text(raw, f"{path}:{line}", intent)
        if text is not None and len(text) > MAX_EXAMPLE_CHARS:
            raise _fail(f"{path}:{line}", f"example of {len(text)} characters is longer than {MAX_EXAMPLE_CHARS}",
                        "write one spoken request per line", intent)
        if text is not None:
            out.append((text, line))

    def _item(self, path: Path, item: yaml.Node) -> None:
        kind, name, keys = self._kind(path, item)
        where = f"{path}:{item.start_mark.line + 1}"
        intent = name if kind == "intent" else None
        self._once(kind, name, path, where)
        lines = self._lines(keys["examples"][1], path, intent)
        if not lines:
            raise _fail(where, f"{kind} {name!r} has no examples", "add lines '- example' under 'examples: |'")
        if kind == "intent":
            for text, line in lines:
                self._go_on(self._example, path, name, text, line)
        elif kind == "synonym":
            self.synonyms.append(Synonym(name, tuple(t for t, _ in lines), where))
        elif kind == "lookup":
            self.lookups.append(LookupTable(name, tuple(t for t, _ in lines), where))
        else:
            patterns: list[str] = []
            for text, line in lines:
                self._go_on(self._pattern, patterns, path, name, text, line)
            self.regexes.append(RegexPattern(name, tuple(patterns), where))

    def _once(self, kind: str, name: str, path: Path, where: str) -> None:
        """Refuse an item written twice in one file; note an intent written in two files."""
        in_file = self._file_items.setdefault((kind, name), where)
        if in_file != where:
            raise _fail(where, f"{kind} {name!r} is written twice in this file (first at line "
                        f"{in_file.rpartition(':')[2]})", "keep one item and move the examples into it",
                        name if kind == "intent" else None)
        first = self.defined.setdefault((kind, name), where)
        if first != where and kind == "intent" and _GENERATED not in (path.name, Path(first.rpartition(":")[0]).name):
            self.merged.append(f"{where}: intent {name} is also written at {first}; its examples are merged "
                               "(as Rasa does); keep each intent in one file to silence this")

    def _example(self, path: Path, intent: str, text: str, line: int) -> None:
        plain, annotations = parse_example(text, f"{path}:{line}", intent)
        if not plain:
            raise _fail(f"{path}:{line}", "empty example", "write an example", intent)
        self.examples.append(Example(plain, intent, annotations, f"{path}:{line}"))

    @staticmethod
    def _pattern(patterns: list[str], path: Path, name: str, text: str, line: int) -> None:
        try:
            re.compile(text)
        except re.error as exc:
            raise _fail(f"{path}:{line}", f"regex {name!r} pattern {text!r} does not compile ({exc})",
                        "fix the pattern") from None
        patterns.append(text)

    def intents(self, files: list[Path]) -> Intents:
        return Intents(tuple(self.examples), tuple(self.synonyms), tuple(self.lookups), tuple(self.regexes),
                       tuple(str(p) for p in files))


def _files(directory: Path, skipped: tuple[str, ...] = _SKIPPED_DIRS) -> list[Path]:
    """The YAML files in ``directory`` and its subdirectories, but for ``skipped`` ones and hidden ones."""
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(directory).parts)
                  and p.relative_to(directory).parts[0] not in skipped)


def load_intents(directory: str | Path) -> Intents:
    """Load every ``*.yml`` in ``directory`` and its subdirectories (not ``tests/`` nor ``stories/``)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"intents directory {directory} not found; set nlu.intents_dir to a directory of Rasa NLU YAML files")
    collector = _Collector()
    files = _files(directory)
    for path in files:
        collector.load_file(path)
    _warn_merged(collector)
    if not collector.examples:
        raise _fail(str(directory), "no intent examples found", "add files with 'nlu:' and '- intent:' items")
    if len(collector.examples) > MAX_EXAMPLES:
        raise _fail(str(directory), _too_many(len(collector.examples)), _TOO_MANY_FIX)
    if not {e.intent for e in collector.examples} - {OUT_OF_SCOPE}:
        raise _fail(str(directory), "only out_of_scope examples: nothing is in scope",
                    "add an intent the assistant serves ('- intent: name' with examples)")
    twice = duplicates(collector.examples)
    if twice and is_plant_domain(collector.intents(files)):
        raise _Invalid(twice[0])
    if twice:  # one line, not one per example: `intents validate` lists them all
        log.warning("%s: %d example(s) also in another intent, each trained as the intent written first (%s; "
                    "plantvoice intents validate %s lists them)", directory, len(twice), twice[0].what, directory)
    first: dict[str, str] = {}
    for e in collector.examples:
        first.setdefault(normalize(e.text), e.intent)
    examples = tuple(e for e in collector.examples if first[normalize(e.text)] == e.intent)
    return replace(collector.intents(files), examples=examples)


def duplicates(examples: Iterable[Example]) -> list[Problem]:
    """Examples whose normalised text (as the classifier reads it) an earlier example of another
    intent has: each is trained as that first intent only, and a plant domain refuses them."""
    first: dict[str, Example] = {}
    out = []
    for e in examples:
        other = first.setdefault(normalize(e.text), e)
        if other.intent != e.intent:
            out.append(Problem(e.source, f"example {e.text!r} is also in intent {other.intent} at {other.source}",
                               "keep it in one intent only (or reword one of them)", e.intent))
    return out


def response_files(directory: str | Path, intents: Intents) -> list[Path]:
    """The files a domain's responses come from, the first naming a response giving it: its
    ``responses.yml``, a Rasa ``domain.yml``, then its data files (Rasa keeps a retrieval intent's
    responses beside its examples)."""
    directory = Path(directory)
    return list(dict.fromkeys([directory / "responses.yml", directory / "domain.yml", *map(Path, intents.files)]))


def scan_intents(directory: str | Path) -> tuple[Intents, tuple[Problem, ...]]:
    """Read every ``*.yml`` in ``directory`` (and below, as ``load_intents``) past its problems: what loads, and every problem found.

    Unlike ``load_intents`` this neither requires examples nor checks duplicates; an existing
    directory is assumed (``DataError`` otherwise)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"intents directory {directory} not found; pass a directory of Rasa NLU YAML files")
    collector = _Collector(lenient=True)
    files = _files(directory)
    for path in files:
        collector.load_file(path)
    _warn_merged(collector)
    problems = list(collector.problems or ())
    if len(collector.examples) > MAX_EXAMPLES:
        problems.append(Problem(str(directory), _too_many(len(collector.examples)), _TOO_MANY_FIX))
    return collector.intents(files), tuple(problems)


_TOO_MANY_FIX = "keep the examples that differ; a few dozen per intent are plenty"


def _too_many(count: int) -> str:
    return (f"{count} examples are more than the {MAX_EXAMPLES} trained (training takes about 15 ms "
            f"per sentence: these would take over {count * 15 // 60_000} minutes)")


def _warn_merged(collector: _Collector) -> None:
    for message in collector.merged:
        log.warning(message)


def load_intent_tests(directory: str | Path, intents: Intents | None = None) -> tuple[Example, ...]:
    """Test sentences from ``<directory>/tests/*_test.yml``; intents must exist in ``intents``."""
    directory = Path(directory)
    tests_dir = directory / "tests" if (directory / "tests").is_dir() else directory
    collector = _Collector()
    for path in _files(tests_dir, ()):
        collector.load_file(path)
    if intents is not None:
        known = set(intents.names) | {OUT_OF_SCOPE}
        for example in collector.examples:
            if example.intent not in known:
                raise _fail(example.source, f"unknown intent {example.intent!r}",
                            f"use one of {', '.join(sorted(known))} or add the intent to the data", example.intent)
    return tuple(collector.examples)


_builtin: Intents | None = None


def builtin_out_of_scope() -> Intents:
    """The built-in out-of-scope sentences (read once): chatter, other topics, fragments."""
    global _builtin
    if _builtin is None:
        collector = _Collector()
        collector.load_file(BUILTIN_OUT_OF_SCOPE)
        _builtin = collector.intents([BUILTIN_OUT_OF_SCOPE])
    return _builtin


def language_code(intents: Intents) -> str:
    """The language the data is written in: the name of its directory ("de" for ``intents/de``), "" without files."""
    if not intents.files:
        return ""
    paths = [Path(f) for f in intents.files]
    return (Path(os.path.commonpath(paths)) if len(paths) > 1 else paths[0].parent).name


def is_plant_domain(intents: Intents) -> bool:
    """Data that annotates a plant entity (``PLANT_ENTITIES``: asset, measurement) is a plant domain:
    it gets the plant's lists, the built-in extractors (time ranges, numbers, note text) and the
    configured threshold. Any other directory is a domain of its own: only its own entities, and a
    threshold calibrated on its data (``classifier.calibrate``)."""
    return bool(set(PLANT_ENTITIES) & set(intents.entity_names))


def language_lists(intents: Intents, lookups: Mapping[str, V]) -> dict[str, V]:
    """``lookups`` in the language of the data: in a directory named after a language the plant
    has names in (``intents/de``), its lists (``PlantLookups.translated``) stand in for the English."""
    return {**lookups, **getattr(lookups, "translated", {}).get(language_code(intents), {})}


def own_lookups(intents: Intents, lookups: Mapping[str, V]) -> dict[str, V]:
    """The lists of ``lookups`` (the plant's, in the data's language: ``language_lists``) that the
    data annotates; the others are left out, so the demo plant's assets never turn up in a foreign
    domain's requests."""
    lookups = language_lists(intents, lookups)
    used = set(intents.entity_names)
    return {entity: values for entity, values in lookups.items() if entity in used}
