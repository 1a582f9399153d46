"""Config: layers, errors with paths, and the documented example kept in step with the code."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from assistant.config import LanguageConfig, Config, load_config
from assistant.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parent.parent / "plantvoice.example.toml"


def test_example_lists_every_key_with_its_default() -> None:
    text = EXAMPLE.read_text()
    values = tomllib.loads(text)
    defaults = Config()
    assert re.search(r"^# data_dir = ", text, re.M)
    sections = [s.name for s in dataclasses.fields(Config) if dataclasses.is_dataclass(getattr(defaults, s.name))]
    assert len(sections) == 10
    assert values["language"] == defaults.language
    assert all(re.search(rf"^# {f.name} = ", text, re.M) for f in dataclasses.fields(LanguageConfig))
    for name in sections:
        table = getattr(defaults, name)
        for field in dataclasses.fields(table):
            default = getattr(table, field.name)
            if field.name in values.get(name, {}):
                assert values[name][field.name] == default, f"{name}.{field.name}"
            else:  # documented but commented out: a path that depends on the checkout
                assert re.search(rf"^# {field.name} = ", text, re.M), f"{name}.{field.name} undocumented"
    assert load_config(EXAMPLE, env={}).asr == defaults.asr


def test_file_then_environment_override(tmp_path: Path) -> None:
    file = tmp_path / "site.toml"
    file.write_text('data_dir = "/srv/pv"\n[asr]\nbackend = "vosk"\nbeam_size = 3\n[vad]\nsilence_ms = 900\n')
    config = load_config(file, env={"PLANTVOICE_VAD_SILENCE_MS": "400", "PLANTVOICE_DATA_DIR": str(tmp_path)})
    assert (config.asr.backend, config.asr.beam_size, config.vad.silence_ms) == ("vosk", 3, 400)
    assert config.data_dir == str(tmp_path)


@pytest.mark.parametrize(("content", "env", "needle"), [
    ("[asr]\nbeam = 3\n", {}, "unknown config key asr -> beam"),
    ("[asr]\nbeam_size = 'x'\n", {}, "asr -> beam_size"),
    ("asr = 3\n", {}, "must be a table [asr]"),
    ("[asr\n", {}, "not valid TOML"),
    ("[users.anna]\nrole = 'boss'\n", {}, "users -> anna -> role = 'boss' is not a role; use one of: viewer"),
    ("[users.anna]\nrank = 1\n", {}, "unknown config key users -> anna -> rank"),
    ("[station]\nuser = 'bob'\n[users.anna]\n", {}, "station -> user = 'bob' names no user (known: anna)"),
    ("[station]\ndefault_role = 'admin'\n", {}, "station -> default_role = 'admin' is not a role"),
    ("[notes]\nauthor = 'x'\n", {}, "notes -> author is no longer read; set [station] user"),
    ("", {"PLANTVOICE_ASR_BEAM_SIZE": "wide"}, "asr -> beam_size (from $PLANTVOICE_ASR_BEAM_SIZE)"),
    ("language = 'fr'\n", {}, "language = 'fr' is not a language the assistant speaks; use one of: en, de, auto"),
    ("[station]\nlanguage = 'nl'\n", {}, "station -> language = 'nl' is not a language"),
    ("[languages.fr]\nasr_model = 'x'\n", {}, "languages -> fr names a language the assistant does not speak"),
    ("[languages.de]\nvoice = 'x'\n", {}, "unknown config key languages -> de -> voice"),
    ("languages = 3\n", {}, "must hold tables, e.g. [languages.de] with asr_model"),
])
def test_bad_config_names_the_key(tmp_path: Path, content: str, env: dict[str, str], needle: str) -> None:
    file = tmp_path / "bad.toml"
    file.write_text(content)
    with pytest.raises(ConfigError) as error:
        load_config(file, env=env)
    assert needle in str(error.value) and "\n" not in str(error.value)


def test_missing_file_and_unknown_backend() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config("/nonexistent/plantvoice.toml", env={})
    from assistant.tts import synthesizers

    with pytest.raises(ConfigError, match="choose one of: auto, espeak-ng, hibari, pico, pyttsx3"):
        synthesizers.create("festival")


def test_users_and_station(tmp_path: Path) -> None:
    file = tmp_path / "site.toml"
    file.write_text('[station]\nname = "CR-1"\nuser = "anna"\n[users.anna]\nname = "Anna Becker"\nrole = "operator"\n'
                    '[users.bob]\nrole = "maintenance"\n')
    config = load_config(file, env={})
    assert (config.station.name, config.station.user, config.station.default_role) == ("CR-1", "anna", "viewer")
    assert {k: (u.name, u.role) for k, u in config.users.items()} == {
        "anna": ("Anna Becker", "operator"), "bob": ("", "maintenance")}


def test_a_language_table_changes_only_what_it_sets(tmp_path: Path) -> None:
    file = tmp_path / "site.toml"
    file.write_text('language = "auto"\n[station]\nlanguage = "de"\n[languages.de]\nasr_model = "/srv/whisper-de"\n'
                    '[asr]\nbeam_size = 3\n')
    config = load_config(file, env={})
    assert (config.language, config.spoken) == ("auto", "de")
    german = config.speaking("de")
    assert (german.asr.model, german.asr.dictation_model, german.asr.language, german.asr.beam_size) == (
        "/srv/whisper-de", "base", "de", 3)
    assert (german.nlu.encoder, german.tts.backend, german.tts.voice) == ("use-multilingual", "espeak-ng", "de")
    assert (german.asr.dictation_prompt, config.speaking("en").asr.dictation_prompt) == ("", "auto")
    assert Path(german.nlu.intents_dir).name == "de"
    english = config.speaking("en")  # English keeps the sections' values
    assert (english.asr.model, english.nlu.encoder, english.tts) == (config.asr.model, "minilm", config.tts)
    assert english.nlu.intents_dir == config.nlu.intents_dir
    assert load_config(file, env={"PLANTVOICE_LANGUAGE": "en"}).language == "en"
