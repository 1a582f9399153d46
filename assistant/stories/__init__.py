"""Test stories: whole conversations as data, run against a fresh plant and note store.

    stories, problems = scan_stories([Path("intents/en/stories")], known_names(config))
    runner = StoryRunner(config)
    for story in stories:
        print(runner.run(story).passed)

A story file is YAML with a top-level ``stories:`` list (``docs/stories.md``); each story has a
name, an optional ``setup`` (clock, who is signed on, people, notes, acknowledged alarms) and ``steps``: what
the operator says (text, or a WAV file heard by the recognizers) and what must follow: the
intent and entities understood, the answer, the dialogue state and what was written.
``plantvoice dialogue test [DIR]`` runs them; the test suite runs ``intents/en/stories``.
"""

from __future__ import annotations

from collections.abc import Callable

from .data import Action, Expect, Known, Setup, SetupNote, Step, Story, scan_stories, story_files
from .run import DEFAULT_NOW, Failure, StepResult, StoryResult, StoryRunner, spoken_assets

__all__ = ["Action", "Expect", "Known", "Setup", "SetupNote", "Step", "Story", "scan_stories", "story_files",
           "DEFAULT_NOW", "Failure", "StepResult", "StoryResult", "StoryRunner", "spoken_assets", "known_names",
           "story_line", "failure_lines"]


def known_names(intents_dir: str, asset_model: str) -> Known:
    """The intents, entities, assets and measurements a story in ``intents_dir`` may name."""
    from ..events import OUT_OF_SCOPE
    from ..nlu import load_intents
    from ..nlu.validate import known_entities
    from ..plant import load_model

    intents = load_intents(intents_dir)
    model = load_model(asset_model)
    lookups = model.lookups()
    entities = known_entities(intents, lookups) | frozenset(intents.entity_names)  # "person": the site's people
    return Known(frozenset(intents.names) | {OUT_OF_SCOPE}, entities,
                 frozenset(a.id for a in model.assets), frozenset(lookups.get("measurement", {})))


def story_line(result: StoryResult, shown: Callable[[str], str] = str) -> str:
    """``PASS file:line: name (N steps)`` or ``FAIL ...``; ``shown`` shortens a path."""
    mark = "PASS" if result.passed else "FAIL"
    count = len(result.story.steps)
    return f"{mark} {shown(result.story.source)}: {result.story.name} ({count} step{'' if count == 1 else 's'})"


def failure_lines(result: StoryResult, shown: Callable[[str], str] = str) -> list[str]:
    """The failing step of ``result``: where, what was said and heard, each check that failed, the answer."""
    step = result.failed
    if step is None:
        return []
    number = result.steps.index(step) + 1
    heard = f" (heard {step.transcript!r})" if step.transcript is not None else ""
    lines = [f"    step {number} at {shown(step.step.source)}: {step.step.said!r}{heard}"]
    if step.intent is not None:
        entities = ", ".join(f"{e.entity}={e.value}" for e in step.intent.entities)
        lines.append(f"      understood: {step.intent.name} ({step.intent.confidence:.2f}) {entities}".rstrip())
    lines += [f"      {f}" for f in step.failures]
    if step.answer is not None:
        lines.append(f"      answer: {step.answer.text!r}")
    return lines
