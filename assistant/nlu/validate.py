"""Checks of an intents directory, every problem with file:line, intent and fix.

    problems = validate("intents/en", lookups, answers)   # tuple[Problem, ...], empty when clean

Besides what the loader checks (``scan_intents``, which goes on past each problem):

* in a plant domain (``data.is_plant_domain``: its data annotates ``asset`` or ``measurement``),
  annotations of unknown entities; known are the plant's lists (``lookups``), the ``lookup:``
  and ``regex:`` items, and the built-in ``time_range``, ``number`` and ``note_text``. In any
  other domain an entity its training data annotates is known (learnt from the annotations);
  one annotated only in test files is a note, not a problem (``notes``: nothing can extract it,
  so those test sentences fail). Values of plant entities must be plant values (``asset:P-102``);
* examples that belong to two intents once normalised (case, punctuation, numbers): a problem in a
  plant domain, a note elsewhere (Rasa trains them; here the first intent keeps the sentence);
* data with only ``out_of_scope`` examples;
* in a plant domain, ``lookup:`` tables no example annotates (elsewhere a table is a list of
  values for matching, as in Rasa, and may have a name of its own);
* test files (``tests/*.yml``) naming intents the data does not have;
* with ``answers`` (a plant domain with a ``responses.yml``; of another domain's only that it reads):
  intents without a dialogue handler (built in, or registered with ``@handler``), responses
  a handler speaks that the responses file lacks, and responses the dialogue needs at all.

``notes(directory)`` says what valid data does without (no ``out_of_scope`` examples, a single
intent): notes for the reader, not problems; training makes up for them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..events import OUT_OF_SCOPE
from .data import Example, Intents, Problem, duplicates, is_plant_domain, scan_intents
from .entities import CODE_ENTITIES
from .heard import HEARD_FILE

__all__ = ["Answers", "Problem", "validate", "known_entities", "lacks", "notes"]

_LOCATED = re.compile(r"^(?P<where>\S+?:\d+)(?: \(intent (?P<name>[^)]+)\))?: (?P<what>.+?); (?P<fix>.+)$")


@dataclass(frozen=True)
class Answers:
    """What the dialogue answers with: intent -> responses its handler can speak, the responses
    it always needs, and what the responses file defines (or why it could not be read)."""

    handlers: Mapping[str, frozenset[str]]
    required: frozenset[str]
    responses: frozenset[str]
    path: str  # the responses file
    error: str | None = None  # the responses file could not be read


def known_entities(intents: Intents, lookups: Mapping[str, object]) -> frozenset[str]:
    """Entities an annotation may use: plant lists, lookup and regex items, built-in extractors; outside
    a plant domain also every entity the training data annotates."""
    own = set() if is_plant_domain(intents) else set(intents.entity_names)
    return frozenset(lookups) | {t.name for t in intents.lookups} | {r.name for r in intents.regexes} | set(
        CODE_ENTITIES) | own


def _one_of(name: str, choices: Iterable[str], otherwise: str = "") -> str:
    """The fix for an unknown name: the close choice if there is one, else all the choices."""
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        return f"did you mean {close[0]!r}?" + (f" Otherwise {otherwise}" if otherwise else "")
    return f"use one of {', '.join(choices)}" + (f", or {otherwise}" if otherwise else "")


def _entities(examples: Sequence[Example], known: frozenset[str],
              lookups: Mapping[str, Mapping[str, object]]) -> list[Problem]:
    out = []
    for e in examples:
        for a in e.entities:
            shown = f"[{a.text}]({a.entity}{':' + a.value if a.value else ''})"
            if a.entity not in known:
                out.append(Problem(e.source, f"{shown} uses unknown entity {a.entity!r}",
                                   _one_of(a.entity, known, f"declare it with a '- lookup: {a.entity}' item"),
                                   e.intent))
            elif a.value is not None and a.entity in lookups and a.value not in lookups[a.entity]:
                out.append(Problem(e.source, f"{shown}: {a.value!r} is not a known {a.entity} value",
                                   _one_of(a.value, lookups[a.entity]), e.intent))
    return out


def _unused_lookups(intents: Intents) -> list[Problem]:
    used = {a.entity for e in intents.examples for a in e.entities}
    return [Problem(t.source, f"lookup table {t.name!r} is not used by any example",
                    f"annotate its values in examples as [text]({t.name}), or remove the table", t.name)
            for t in intents.lookups if t.name not in used]


def _test_intents(tests: Sequence[Example], intents: Intents) -> list[Problem]:
    names = set(intents.names) | {OUT_OF_SCOPE}
    return [Problem(t.source, f"unknown intent {t.intent!r}",
                    _one_of(t.intent, names, "add the intent to the data"),
                    t.intent)
            for t in tests if t.intent not in names]


def _tests_of(directory: Path) -> tuple[Intents, tuple[Problem, ...]]:
    return scan_intents(directory / "tests") if (directory / "tests").is_dir() else (Intents(()), ())


def notes(directory: str | Path, lookups: Mapping[str, object] | None = None) -> tuple[str, ...]:
    """``lacks`` of the data, and (outside a plant domain) entities annotated only in test files."""
    directory = Path(directory)
    intents = scan_intents(directory)[0]
    if is_plant_domain(intents):
        return lacks(intents)
    known = known_entities(intents, lookups or {})
    only_tested = sorted({a.entity for e in _tests_of(directory)[0].examples for a in e.entities} - known)
    twice = tuple(f"{p.where}: {p.what}: trained as the first intent only" for p in duplicates(intents.examples))
    return lacks(intents) + twice + tuple(
        f"entity {name!r} is annotated only in test files: nothing extracts it, so the test sentences that "
        f"expect it fail (annotate it in the training examples too)" for name in only_tested)


def lacks(intents: Intents) -> tuple[str, ...]:
    """What valid data goes without and what stands in for it, one line each (empty when nothing)."""
    inside = [n for n in intents.names if n != OUT_OF_SCOPE]
    if not inside or OUT_OF_SCOPE in intents.names:
        return ()
    few = "only one intent and no" if len(inside) == 1 else "no"
    return (f"{few} out_of_scope examples: the built-in out-of-scope set is used "
            "(add an out_of_scope intent with chatter of the domain's own to change that)",)


def _first_source(intents: Intents, name: str) -> str:
    """Where an intent is written (its first example outside the generated heard file)."""
    examples = intents.of(name)
    return next((e.source for e in examples if HEARD_FILE not in e.source), examples[0].source)


def _dialogue(intents: Intents, answers: Answers) -> list[Problem]:
    if answers.error is not None:
        return [_from_message(answers.error, answers.path)]
    out = []
    attributed: set[str] = set()
    file = Path(answers.path).name
    for name in intents.names:
        where = _first_source(intents, name)
        speaks = answers.handlers.get(name)
        if speaks is None:
            out.append(Problem(where, "no dialogue handler answers this intent",
                               f"register a handler with @handler({name!r}) from assistant.dialogue in a file "
                               "given to --code (a built-in one in a topic module of assistant/dialogue/), "
                               "or remove the intent", name))
            continue
        missing = sorted(speaks - answers.responses)
        attributed.update(missing)
        if not speaks:
            out.append(Problem(where, "its dialogue handler speaks no response",
                               f"make its handler answer with a response of {file}", name))
        elif missing:
            out.append(Problem(where, f"no response {', '.join(missing)} in {file}",
                               f"add {'them' if len(missing) > 1 else 'it'} under responses:", name))
    rest = sorted(answers.required - answers.responses - attributed)
    if rest:
        out.append(Problem(f"{answers.path}:1", f"the dialogue also needs {', '.join(rest)}",
                           "add them under responses:"))
    return out


def _from_message(message: str, where: str) -> Problem:
    """A Problem from a ``where: what; fix`` error message."""
    match = _LOCATED.match(message)
    if match is None:
        return Problem(where, message, "fix the file")
    return Problem(match["where"], match["what"], match["fix"], match["name"])


def _order(problem: Problem) -> tuple[str, int, str]:
    path, _, line = problem.where.rpartition(":")
    return (path, int(line), problem.what) if line.isdigit() else (problem.where, 0, problem.what)


def validate(directory: str | Path, lookups: Mapping[str, Mapping[str, object]],
             answers: Answers | None = None) -> tuple[Problem, ...]:
    """Every problem of the intents data in ``directory`` and its tests, by file and line."""
    directory = Path(directory)
    intents, problems = scan_intents(directory)
    tests, test_problems = _tests_of(directory)
    found = [*problems, *test_problems]
    if not intents.examples:
        found.append(Problem(str(directory), "no intent examples found",
                             "add files with 'nlu:' and '- intent:' items"))
    known = known_entities(intents, lookups)
    plant = is_plant_domain(intents)
    tested = tests.examples if plant else tuple(  # elsewhere an entity only tests annotate is a note
        replace(t, entities=tuple(a for a in t.entities if a.entity in known)) for t in tests.examples)
    found += _entities(intents.examples, known, lookups) + _entities(tested, known, lookups)
    if plant:
        found += duplicates(intents.examples) + _unused_lookups(intents)
    found += _test_intents(tests.examples, intents)
    if intents.examples and not set(intents.names) - {OUT_OF_SCOPE}:
        found.append(Problem(str(directory), "only out_of_scope examples: nothing is in scope",
                             "add an intent the assistant serves ('- intent: name' with examples)"))
    if answers is not None and plant:
        found += _dialogue(intents, answers)
    elif answers is not None and answers.error is not None:  # another domain's responses: only readable
        found.append(_from_message(answers.error, answers.path))
    unique: dict[tuple[str, str], Problem] = {}
    for problem in found:  # a problem two checks found (a broken responses.yml) is reported once
        unique.setdefault((problem.where, problem.what), problem)
    return tuple(sorted(unique.values(), key=_order))
