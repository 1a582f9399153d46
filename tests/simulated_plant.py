"""The demo plant simulated on a fixed clock, for tests of the dialogue: a data directory made once
per module (history, alarms and, unless a module asks otherwise, the trained fault engine) and a
copy of it for each test. A test module takes the fixtures by importing them:

    from simulated_plant import NOW, clock, dialogue, plant, template  # noqa: F401 (fixtures)

and overrides one by defining its own (``template`` without faults, ``dialogue`` in German).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from assistant.answer import load_responses
from assistant.config import PlantConfig
from assistant.dialogue import Dialogue
from assistant.faults.engine import ready
from assistant.plant import Plant, create_plant

NOW = dt.datetime(2025, 3, 12, 13, 30, tzinfo=dt.timezone.utc)  # 14:30 at the site (Europe/Berlin), a Wednesday


def clock() -> dt.datetime:
    return NOW


def make_template(directory: Path, faults: bool = True) -> Path:
    """``directory`` with the plant's history and alarms, and with ``faults`` its trained fault engine."""
    plant = create_plant(PlantConfig(), directory, clock=clock)
    plant.alarms()
    if faults:
        ready(plant, directory / "faults")
    plant.close()  # type: ignore[attr-defined]
    return directory


def engineer_dialogue(plant: Plant, directory: Path, language: str = "en") -> Dialogue:
    """A dialogue over ``plant`` with an engineer signed on (who may make every write), answering in ``language``."""
    made = Dialogue(plant, load_responses(), directory, now=clock, role="engineer")
    made.language = language  # as the pipeline sets it before each request
    return made


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the plant's history, alarms and trained fault engine, made once."""
    return make_template(tmp_path_factory.mktemp("plant"))


@pytest.fixture
def plant(template: Path, tmp_path: Path) -> Plant:
    """The template's plant, copied for this test."""
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    return create_plant(PlantConfig(), tmp_path, clock=clock)


@pytest.fixture
def dialogue(plant: Plant, tmp_path: Path) -> Dialogue:
    """The English dialogue over this test's plant, an engineer signed on."""
    return engineer_dialogue(plant, tmp_path)
