"""Understanding: text -> ``Intent`` (name, confidence, entities, ranking).

    understander = create_understander(config.nlu, lookups)
    understander.parse("what is the bearing temperature of feed pump two")
    # Intent(name="sensor_reading", entities=(asset P-102, measurement bearing_temperature), ...)

``lookups`` come from the plant: entity -> canonical value -> spoken forms. The
intents are Rasa 3.x NLU YAML files in ``config.intents_dir``; a model for exactly
that data and those lookups is trained on first use (seconds) and stored under
``config.models_dir``. Nothing recognised is a value: ``out_of_scope``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ..config import NluConfig
from ..events import Entity, Intent
from ..registry import Registry
from .data import Annotation, Example, Intents, load_intent_tests, load_intents
from . import rerank
from .entities import Lookups
from .timerange import ShiftTimes
from .vocabulary import (domain_lookups, load_lookups, missing_slots, prompt_names, required_slots,
                         typical_requests, vocabulary)

__all__ = [
    "Understander",
    "Lookups",
    "understanders",
    "create_understander",
    "load_intents",
    "load_intent_tests",
    "load_lookups",
    "vocabulary",
    "typical_requests",
    "domain_lookups",
    "prompt_names",
    "required_slots",
    "missing_slots",
    "Intents",
    "Example",
    "Annotation",
]


class Understander(Protocol):
    def parse(self, text: str) -> Intent:
        """What ``text`` asks for; empty or unrecognised text is ``out_of_scope``."""
        ...

    def entities(self, text: str) -> tuple[Entity, ...]:
        """The entities ``parse`` would give ``text``, without classifying it (a Rasa action's intent is Rasa's)."""
        ...


understanders: Registry[Understander] = Registry("understander", "nlu -> backend")


@understanders.register("classifier")
def _classifier(config: NluConfig, lookups: Lookups, intents_dir: str | Path | None = None,
                now: Callable[[], datetime] | None = None, intents: Intents | None = None,
                shifts: Sequence[ShiftTimes] | None = None) -> Understander:
    from .understand import ClassifierUnderstander

    return ClassifierUnderstander(config, lookups, intents_dir, now, intents=intents, shifts=shifts)


@understanders.register("rasa")
def _rasa(config: NluConfig, lookups: Lookups, intents_dir: str | Path | None = None,
          now: Callable[[], datetime] | None = None, intents: Intents | None = None,
          shifts: Sequence[ShiftTimes] | None = None) -> Understander:
    from ..rasa.understand import RasaUnderstander

    return RasaUnderstander(config, lookups, intents_dir or config.intents_dir, now, intents=intents, shifts=shifts)


def create_understander(config: NluConfig, lookups: Lookups, intents_dir: str | Path | None = None,
                        now: Callable[[], datetime] | None = None, intents: Intents | None = None,
                        **options: Any) -> Understander:
    """The understander named by ``config.backend``, ready to ``parse``; trained on ``intents``
    when given (cross-validation folds), else on the files in ``intents_dir``; ``options`` such as
    ``shifts`` (the site's shift pattern) go to the backend."""
    return understanders.create(config.backend, config, lookups, intents_dir, now, intents=intents, **options)
