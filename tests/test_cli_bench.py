"""`plantvoice bench`: the fault models measured on the public data beside the checkout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import PlantConfig
from assistant.faults.engine import ready
from assistant.plant import create_plant
from tests.conftest import shared


def test_bench_skab_prints_the_pooled_metrics_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    shared("datasets", "skab", "valve1")  # the default data directory; skipped or failed when absent
    assert main(["bench", "skab", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["files"] == 34 and result["changepoints"] > 100
    assert 0.0 < result["far"] < 0.5 and 0.0 < result["mar"] < 0.5 and 0.5 < result["f1"] <= 1.0


@pytest.mark.parametrize("dataset", ["skab", "cmapss"])
def test_bench_without_the_data_is_one_clear_error(dataset: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", dataset, "--data", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing" in err[0]


def test_faults_train_saves_a_model_that_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLANTVOICE_DATA_DIR", str(tmp_path / "data"))
    assert main(["faults", "train"]) == 0
    assert "saved" in capsys.readouterr().err
    [saved] = (tmp_path / "data" / "faults").glob("faults-*.npz")
    plant = create_plant(PlantConfig(), tmp_path / "data")
    assert ready(plant, tmp_path / "data" / "faults").version == saved.stem  # the one the assistant loads
