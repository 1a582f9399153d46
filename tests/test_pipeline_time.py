"""Time phrases in a request are read on the plant's wall clock, whatever the server's time zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.pipeline import Pipeline

NOW = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.timezone.utc)  # 10:30 in Berlin, the demo plant's zone


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    data: Path = tmp_path_factory.mktemp("data")
    return Pipeline.from_config(load_config(env={"PLANTVOICE_DATA_DIR": str(data)}), clock=lambda: NOW)


@pytest.mark.parametrize("text, value", [
    ("how does the vibration of steam turbine one change today",
     "2026-12-03T00:00:00+01:00/2026-12-03T10:30:00+01:00"),
    ("what was the flow of cooling water pump one yesterday",
     "2026-12-02T00:00:00+01:00/2026-12-03T00:00:00+01:00"),
])
def test_days_are_the_plants(pipeline: Pipeline, text: str, value: str) -> None:
    assert pipeline.plant_now() == NOW and pipeline.plant_now().utcoffset() == dt.timedelta(hours=1)
    assert pipeline.parse(text).entity("time_range") == value
