"""Config numbers in range, no config from the current directory, private data and models directories."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from assistant.config import RANGES, Config, load_config
from assistant.errors import ConfigError


@pytest.mark.parametrize(("content", "needle"), [
    ("[plant]\nstale_after_s = nan\n", "plant -> stale_after_s = nan in {file} is out of range; set a value from 1 to "
                                       "31536000 s"),
    ("[plant]\nstale_after_s = inf\n", "plant -> stale_after_s = inf in {file} is out of range"),
    ("[plant]\nstale_after_s = -5\n", "plant -> stale_after_s = -5.0 in {file} is out of range"),
    ("[audio]\nrate = 1\n", "audio -> rate = 1 in {file} is out of range; set a value from 8000 to 48000 Hz"),
    ("[nlu]\nthreshold = 5\n", "nlu -> threshold = 5.0 in {file} is out of range; set a value from 0 to 1"),
    ("[plant]\nhistory_days = 1e9\n", "plant -> history_days = 1000000000.0 in {file} is out of range; set a value "
                                      "from 0 to 366 days"),
    ("[plant]\nmqtt_port = 70000\n", "plant -> mqtt_port = 70000 in {file} is out of range; set a value from 1 to 65535"),
    ("[tts]\nrate = 0\n", "tts -> rate = 0 in {file} is out of range"),
])
def test_a_number_out_of_range_names_key_value_range_and_file(tmp_path: Path, content: str, needle: str) -> None:
    file = tmp_path / "site.toml"
    file.write_text(content)
    with pytest.raises(ConfigError) as error:
        load_config(file, env={})
    assert needle.format(file=file) in str(error.value) and "\n" not in str(error.value)


def test_the_environment_is_range_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"asr -> beam_size = 0 in \$PLANTVOICE_ASR_BEAM_SIZE is out of range"):
        load_config(None, env={"PLANTVOICE_ASR_BEAM_SIZE": "0"})
    with pytest.raises(ConfigError, match=r"vad -> threshold = nan in \$PLANTVOICE_VAD_THRESHOLD is out of range"):
        load_config(None, env={"PLANTVOICE_VAD_THRESHOLD": "nan"})


def test_every_number_has_a_range_holding_its_default() -> None:
    defaults = Config()
    numbers = {}
    for section in dataclasses.fields(Config):
        table = getattr(defaults, section.name)
        if dataclasses.is_dataclass(table):
            for f in dataclasses.fields(table):
                value = getattr(table, f.name)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    numbers[f"{section.name} -> {f.name}"] = value
    assert set(numbers) == set(RANGES)
    for key, value in numbers.items():
        low, high, _ = RANGES[key]
        assert low <= value <= high, key


def test_no_config_is_read_from_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plantvoice.toml").write_text(f'[nlu]\nmodels_dir = "{tmp_path}"\n')
    monkeypatch.chdir(tmp_path)
    assert load_config(None, env={}).nlu.models_dir == Config().nlu.models_dir
    assert load_config(None, env={"PLANTVOICE_CONFIG": "plantvoice.toml"}).nlu.models_dir == str(tmp_path)


def test_the_data_directory_is_created_private(tmp_path: Path) -> None:
    path = Config(data_dir=str(tmp_path / "a" / "data")).data_path
    assert path.is_dir() and path.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("key", ["data_dir", "models_dir"])
@pytest.mark.parametrize("mode", [0o775, 0o757, 0o777])
def test_a_directory_others_may_write_is_refused_with_the_chmod(tmp_path: Path, key: str, mode: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    file = tmp_path / "site.toml"
    file.write_text(f'data_dir = "{shared}"\n' if key == "data_dir" else f'[nlu]\nmodels_dir = "{shared}"\n')
    with pytest.raises(ConfigError) as error:
        load_config(file, env={})
    assert f"may be written by other users (mode {mode:o}); run: chmod go-w {shared}" in str(error.value)
    if key == "data_dir":
        with pytest.raises(ConfigError, match="chmod go-w"):
            Config(data_dir=str(shared)).data_path


@pytest.mark.skipif(os.getuid() != 0, reason="giving a directory to another user needs root")
def test_a_directory_of_another_user_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    os.chown(other, 4242, 4242)
    with pytest.raises(ConfigError, match=rf"directory {other} \(data_dir\) belongs to another user \(uid 4242\)"):
        load_config(None, env={"PLANTVOICE_DATA_DIR": str(other)})
