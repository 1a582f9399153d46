"""Running test stories: each in a fresh world, each step through the real understanding and dialogue.

    runner = StoryRunner(config)          # one per run: the understander and recognizers load once
    result = runner.run(story)            # StoryResult: passed, the steps run, the first failing one
    runner.close()

A world is a fresh data directory copied from a template (the configured plant simulated up to
the story's clock, its alarms raised and its fault models trained; one template per clock),
with its own note store and dialogue, the plant's clock fixed at the story's ``now``. Text steps
are parsed and answered as ``plantvoice ask`` does; audio steps go through the pipeline's
recognizers (``Pipeline.understand``) as a spoken turn does. A story stops at its first
failing step. Writes are checked against the note store and the plant's alarms, not the answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..answer import load_responses, say_tag, unexplained_numbers
from ..config import Config
from ..events import Answer, Intent
from .data import Action, Expect, Step, Story, pattern

__all__ = ["DEFAULT_NOW", "Failure", "StepResult", "StoryResult", "StoryRunner"]

DEFAULT_NOW = dt.datetime(2025, 3, 12, 14, 30)  # site time: a weekday afternoon of the late shift
_SHARED = ("recognizer", "dictation", "confirmation", "rehearing", "denoiser")  # loaded once per run


@dataclass(frozen=True)
class Failure:
    check: str  # intent, entities, answer, state, action, error ...
    expected: str
    got: str

    def __str__(self) -> str:
        return f"{self.check}: expected {self.expected}, got {self.got}"


@dataclass(frozen=True)
class StepResult:
    step: Step
    transcript: str | None
    intent: Intent | None
    answer: Answer | None
    state: dict[str, str | None]
    writes: list[str]
    failures: list[Failure] = field(default_factory=list)

    def data(self) -> dict[str, Any]:
        i, a = self.intent, self.answer
        return {"source": self.step.source, "said": self.step.said, "transcript": self.transcript,
                "intent": {"name": i.name, "confidence": i.confidence} if i else None,
                "entities": [{"entity": e.entity, "value": e.value} for e in i.entities] if i else [],
                "answer": a.text if a else None, "answer_intent": a.intent if a else None,
                "data": _plain(a.data) if a else {}, "state": self.state, "writes": self.writes,
                "failures": [dataclasses.asdict(f) for f in self.failures]}


def _plain(data: dict[str, Any]) -> Any:
    """``data`` as JSON values: audio by its size, anything else unknown as text."""
    return json.loads(json.dumps(data, default=lambda o: f"<{len(o)} bytes>" if isinstance(o, bytes) else str(o)))


@dataclass(frozen=True)
class StoryResult:
    story: Story
    steps: list[StepResult]

    @property
    def passed(self) -> bool:
        return all(not s.failures for s in self.steps) and len(self.steps) == len(self.story.steps)

    @property
    def failed(self) -> StepResult | None:
        return next((s for s in self.steps if s.failures), None)

    def data(self) -> dict[str, Any]:
        return {"story": self.story.name, "source": self.story.source, "passed": self.passed,
                "steps": [s.data() for s in self.steps]}


class _Clock:
    """The story's fixed time; one object, so the pipeline built once follows every story."""

    def __init__(self) -> None:
        self.now = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


class StoryRunner:
    def __init__(self, config: Config, intents_dir: str | Path | None = None, work: Path | None = None) -> None:
        self.config = config
        self.intents_dir = Path(intents_dir or config.nlu.intents_dir)
        self._own = work is None
        self.work = Path(tempfile.mkdtemp(prefix="plantvoice-stories-")) if work is None else Path(work)
        self.clock = _Clock()
        self._templates: dict[dt.datetime, Path] = {}
        self._pipeline: Any = None
        self._count = 0
        self.tz = _site_tz(config)

    # -- worlds ------------------------------------------------------------------------------
    def _at(self, now: dt.datetime | None) -> dt.datetime:
        when = now or DEFAULT_NOW
        return (when if when.tzinfo else when.replace(tzinfo=self.tz)).astimezone(dt.timezone.utc)

    def _template(self, now: dt.datetime) -> Path:
        """The plant simulated up to ``now``, alarms raised and fault models trained: made once per clock."""
        if now not in self._templates:
            from ..faults.engine import ready
            from ..plant import create_plant

            directory = self.work / f"template-{len(self._templates)}"
            self.clock.now = now
            plant = create_plant(self.config.plant, directory, clock=self.clock)
            plant.alarms()
            with contextlib.suppress(Exception):  # too little history: the fault answers will say so
                ready(plant, directory / "faults")
            plant.close()  # type: ignore[attr-defined]
            self._templates[now] = directory
        return self._templates[now]

    def _fresh(self, now: dt.datetime) -> Path:
        self._count += 1
        directory = self.work / f"story-{self._count}"
        shutil.copytree(self._template(now), directory)
        return directory

    def _config(self, story: Story, directory: Path) -> Config:
        """The config of a story's world: its data directory, its people, and who is signed on."""
        from ..config import UserConfig

        setup = story.setup
        people = {**self.config.users, **{k: UserConfig(name=k, role=r) for k, r in setup.people.items()}}
        station = self.config.station
        if setup.signed_on:
            user = setup.user or "operator"
            people[user] = UserConfig(name=user, role=setup.role or "operator")
            station = dataclasses.replace(station, user=user)
        else:  # nobody signed on: whoever speaks has the role given, else the station's default
            station = dataclasses.replace(station, user="", default_role=setup.role or station.default_role)
        return dataclasses.replace(self.config, data_dir=str(directory), users=people, station=station)

    def _world(self, story: Story) -> Any:
        """A pipeline for ``story`` on a fresh data directory, its setup applied; the recognizers
        and the fault engine's template are shared by every story of the run."""
        from ..pipeline import Pipeline

        now = self._at(story.setup.now)
        self.clock.now = now
        directory = self._fresh(now)
        pipeline = Pipeline.from_config(self._config(story, directory), self.intents_dir, clock=self.clock)
        if self._pipeline is not None:
            shared = {k: v for k, v in vars(self._pipeline).items() if k in _SHARED}
            vars(pipeline).update(shared)
        self._pipeline = pipeline
        self._setup_notes(story, pipeline.dialogue.notes, now)
        for alarm in pipeline.plant.alarms():
            if alarm.asset in story.setup.acknowledged and alarm.acknowledged is None:
                pipeline.plant.acknowledge(alarm.id, "setup")
        return pipeline

    def _setup_notes(self, story: Story, notes: Any, now: dt.datetime) -> None:
        for note in story.setup.notes:
            at = note.at or now
            self.clock.now = (at if at.tzinfo else at.replace(tzinfo=self.tz)).astimezone(dt.timezone.utc)
            author = note.author or story.setup.user or "operator"
            role = note.role or story.setup.role or "operator"
            saved = notes.add(note.text, author=author, role=role, kind=note.kind, assets=note.assets,
                              fields=note.fields or None)
            if note.withdrawn:
                notes.withdraw(saved.id, by=author)
        self.clock.now = now

    # -- running -----------------------------------------------------------------------------
    def run(self, story: Story) -> StoryResult:
        pipeline = self._world(story)
        results: list[StepResult] = []
        try:
            for step in story.steps:
                result = self._step(pipeline, step)
                results.append(result)
                if result.failures:
                    break
        finally:
            _close(pipeline)
        return StoryResult(story, results)

    def _step(self, pipeline: Any, step: Step) -> StepResult:
        before = _snapshot(pipeline)
        transcript: str | None = None
        intent: Intent | None = None
        answer: Answer | None = None
        try:
            if step.audio is not None:  # as the microphone loop hears a request
                from ..audio import load_wav
                from ..events import SpokenRequest

                samples = load_wav(step.audio, self.config.audio.rate)
                turn = pipeline.turn(SpokenRequest(samples.tobytes(), rate=self.config.audio.rate))
                transcript, intent, answer = turn.transcript.text, turn.intent, turn.answer
            else:  # as 'plantvoice ask' and 'chat' answer a typed request
                intent, answer = pipeline.ask(step.text)
        except Exception as exc:  # noqa: BLE001 - a bug in the dialogue fails the story, not the run
            state = _state(pipeline)
            return StepResult(step, transcript, intent, answer, state, [],
                              [Failure("error", "an answer", f"{type(exc).__name__}: {exc}")])
        writes = _writes(before, _snapshot(pipeline))
        state = _state(pipeline)
        failures = _check(step.expect, transcript, intent, answer, state, writes, pipeline)
        return StepResult(step, transcript, intent, answer, state, [w["what"] for w in writes], failures)

    def close(self) -> None:
        if self._own:
            shutil.rmtree(self.work, ignore_errors=True)


def _site_tz(config: Config) -> Any:
    from ..plant import load_model

    return load_model(config.plant.asset_model).site.tz


def _close(pipeline: Any) -> None:
    for thing in (pipeline.plant, pipeline.dialogue.notes, getattr(pipeline, "audit", None)):
        with contextlib.suppress(Exception):
            thing.close()


# -- what was written ----------------------------------------------------------------------------
def _snapshot(pipeline: Any) -> dict[str, Any]:
    alarms = {a.id: a for a in pipeline.plant.alarms(active_only=False)}
    versions = {(n.id, n.version): n for n in pipeline.dialogue.notes.history()}
    return {"alarms": alarms, "versions": versions}


def _writes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two snapshots, one record per write."""
    out: list[dict[str, Any]] = []
    acked = [a for i, a in after["alarms"].items()
             if a.acknowledged is not None and (i not in before["alarms"] or before["alarms"][i].acknowledged is None)]
    if acked:
        assets = sorted({a.asset for a in acked})
        out.append({"kind": "alarm_acknowledged", "assets": assets, "by": acked[0].acknowledged_by,
                    "count": len(acked), "what": f"alarm_acknowledged {', '.join(assets)} ({len(acked)})"})
    for key in sorted(set(after["versions"]) - set(before["versions"])):
        note = after["versions"][key]
        if note.version == 1:
            kind = "report_saved" if note.kind == "report" else "note_saved"
        else:
            kind = "note_withdrawn" if note.withdrawn else "note_corrected"
        out.append({"kind": kind, "id": note.id, "text": note.text, "assets": list(note.assets),
                    "author": note.author, "role": note.role, "fields": dict(note.fields),
                    "what": f"{kind} #{note.id}: {note.text!r}"})
    return out


# -- checks --------------------------------------------------------------------------------------
def _state(pipeline: Any) -> dict[str, str | None]:
    """The dialogue state after a turn; a sign-on read back waits at the station (``awaiting: sign_on``)."""
    state = pipeline.state
    signing_on = getattr(getattr(pipeline, "station", None), "waiting", None) is not None
    return {"awaiting": "sign_on" if signing_on else state.awaiting,
            "pending": state.pending.kind if state.pending else None,
            "asset": state.asset, "measurement": state.measurement}


def _check(expect: Expect, transcript: str | None, intent: Intent | None, answer: Answer | None,
           state: dict[str, str | None], writes: list[dict[str, Any]], pipeline: Any) -> list[Failure]:
    out: list[Failure] = []
    if expect.transcript is not None and not re.search(pattern(expect.transcript), transcript or "", re.I):
        out.append(Failure("transcript", f"/{expect.transcript}/", repr(transcript)))
    if intent is not None:
        out += _check_intent(expect, intent)
    if not expect.answered:
        if answer is not None:
            out.append(Failure("answer", "no request heard", repr(answer.text)))
    elif answer is None:
        out.append(Failure("answer", "an answer", f"no request heard in {transcript!r}"))
    else:
        out += _check_answer(expect, answer, pipeline)
    for key, value in expect.state.items():
        if state[key] != value:
            out.append(Failure(f"state {key}", str(value), str(state[key])))
    out += _check_action(expect.action, writes)
    return out


def _check_intent(expect: Expect, intent: Intent) -> list[Failure]:
    out = []
    got = f"{intent.name} ({intent.confidence:.2f})"
    if expect.intent is not None and intent.name != expect.intent:
        out.append(Failure("intent", expect.intent, got))
    if expect.confidence is not None and intent.confidence < expect.confidence:
        out.append(Failure("confidence", f"at least {expect.confidence:g}", got))
    for name, values in expect.entities.items():
        found = [e.value for e in intent.entities if e.entity == name]
        wanted = [v for v in values if v is not None]
        if (not wanted and found) or any(v not in found for v in wanted):
            out.append(Failure(f"entity {name}", ", ".join(wanted) or "none", ", ".join(found) or "none"))
    return out


def _check_answer(expect: Expect, answer: Answer, pipeline: Any) -> list[Failure]:
    out, text, lower = [], answer.text, answer.text.lower()
    out += [Failure("answer", f"/{p}/", "no match") for p in expect.matches if not re.search(pattern(p), text, re.I)]
    out += [Failure("answer", f"to say {p!r}", "an answer without it") for p in expect.says if p.lower() not in lower]
    out += [Failure("answer", f"not to say {p!r}", "an answer with it") for p in expect.not_says if p.lower() in lower]
    if expect.answer_intent is not None and answer.intent != expect.answer_intent:
        out.append(Failure("answered as", expect.answer_intent, answer.intent))
    for key, value in expect.data.items():
        got = answer.data.get(key, "(missing)")
        if not _within(value, got):
            out.append(Failure(f"answer data {key}", repr(value), repr(got)))
    if expect.data_used:
        loose = unexplained_numbers(text, answer.data)
        if loose:
            out.append(Failure("data_used", "every number spoken in the answer's data",
                               f"{', '.join(loose)} not in it"))
    if expect.assets is not None:
        about = spoken_assets(text, answer.data, pipeline.plant.model)
        if sorted(about) != sorted(expect.assets):
            out.append(Failure("assets", ", ".join(sorted(expect.assets)) or "no asset",
                               ", ".join(sorted(about)) or "no asset"))
    return out


def _within(expected: Any, got: Any) -> bool:
    """``expected`` holds for ``got``: mappings by the keys given, everything else equal."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(_within(v, got.get(k, "(missing)")) for k, v in expected.items())
    if isinstance(expected, float) or isinstance(got, float):
        return isinstance(got, (int, float)) and isinstance(expected, (int, float)) and abs(got - expected) < 1e-6
    return bool(expected == got)


def spoken_assets(text: str, data: dict[str, Any], model: Any) -> set[str]:
    """The assets an answer is about: their tags or names said (longest first), and its data's ``asset``."""
    forms = sorted(((f.lower(), a.id) for a in model.assets for f in (say_tag(a.id), a.name)),
                   key=lambda p: -len(p[0]))
    rest = f" {' '.join(re.findall(r'[a-z0-9]+', text.lower()))} "
    found = set()
    for form, asset in forms:
        words = f" {' '.join(re.findall(r'[a-z0-9]+', form))} "
        if words in rest:
            found.add(asset)
            rest = rest.replace(words, " | ")
    for key in ("asset", "assets"):
        values = data.get(key)
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str) and model.asset(value):
                found.add(value)
    return found


def _check_action(action: Action, writes: list[dict[str, Any]]) -> list[Failure]:
    got = "; ".join(w["what"] for w in writes) or "nothing written"
    if action.kind == "none":
        return [Failure("action", "nothing written", got)] if writes else []
    if [w["kind"] for w in writes] != [action.kind]:
        return [Failure("action", action.kind, got)]
    write = writes[0]
    out = []
    for key, value in action.details.items():
        have = write.get(key)
        if key == "assets":
            ok = sorted(value if isinstance(value, list) else [value]) == sorted(have or [])
        elif key == "fields":
            ok = isinstance(value, dict) and all(have.get(k) == v for k, v in value.items())
        else:
            ok = str(have) == str(value)
        if not ok:
            out.append(Failure(f"action {action.kind} {key}", repr(value), repr(have)))
    return out
