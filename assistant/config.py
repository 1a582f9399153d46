"""Configuration: defaults here, overridden by a TOML file, overridden by environment.

Order of precedence (last wins):
1. the defaults below (documented in ``plantvoice.toml`` and ``docs/config.md``);
2. the TOML file named by ``--config`` or ``PLANTVOICE_CONFIG`` (never a file found in the
   current directory: a config may point the models directory anywhere);
3. environment variables ``PLANTVOICE_<SECTION>_<KEY>``, e.g. ``PLANTVOICE_ASR_BACKEND=vosk``;
   ``PLANTVOICE_DATA_DIR`` sets the one data directory everything stored lives under.

A bad value raises ConfigError naming its path (``asr -> beam_size``) and the fix. Every number
has an allowed range (``RANGES``, next to the dataclasses); nan and infinity are never allowed.

Directories: the data directory is created private (0700); a data or models directory that
others may write to (group or world writable) or that belongs to another user (not root) is
refused, since what is read from there (trained models) is trusted.

People: ``[users.<key>]`` tables give each person who may sign on a full name and a role
(``assistant/roles.py``); ``[station]`` names this workstation, who is signed on at start and the
role of whoever speaks while nobody is.

Console: ``[serve]`` sets the address of ``plantvoice serve`` and who may call it; each
``[serve.tokens.<name>]`` table holds only the sha256 of a token (docs/console.md).
"""

from __future__ import annotations

import dataclasses
import math
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from .errors import ConfigError
from .roles import ROLES

__all__ = ["Config", "LanguageConfig", "LANGUAGES", "AUTO", "load_config", "check_directory", "RANGES", "ROOT"]

ROOT = Path(__file__).resolve().parent.parent  # the checkout: intents/, models/, audio_samples/


@dataclass(frozen=True)
class AudioConfig:
    rate: int = 16000  # pipeline sample rate (Hz); every input is resampled to it
    chunk_ms: int = 30  # size of microphone blocks
    input_device: str = ""  # sounddevice name or index; "" = system default
    output_device: str = ""
    queue_chunks: int = 200  # bounded queue from the audio thread (6 s at 30 ms)
    denoise: str = "spectral"  # before recognition: spectral (steady noise taken out) | none
    denoise_strength: float = 2.0  # spectral: how much of the noise estimate is subtracted
    denoise_floor: float = 0.1  # spectral: least share of a frame's amplitude that is kept


@dataclass(frozen=True)
class VadConfig:
    backend: str = "silero"  # silero | energy
    threshold: float = 0.5  # speech probability that counts as speech
    silence_ms: int = 700  # silence that ends a request
    min_speech_ms: int = 250  # shorter bursts are ignored
    pre_roll_ms: int = 300  # audio kept before speech start
    post_roll_ms: int = 500  # audio kept after speech end (at most silence_ms is there to keep)
    max_request_s: float = 15.0  # a request is cut after this long


@dataclass(frozen=True)
class AsrConfig:
    backend: str = "faster-whisper"  # for requests: faster-whisper | vosk | pocketsphinx
    dictation_backend: str = "faster-whisper"  # for notes and reports
    confirmation_backend: str = "pocketsphinx"  # for yes / no / cancel / repeat answers (benchmarks/asr_bias.py)
    model: str = ""  # faster-whisper model name or directory; "" = bundled tiny.en
    compute_type: str = "int8"
    beam_size: int = 5
    word_times: bool = False  # word timings and confidences for requests too (costs ~0.3 s each)
    threads: int = 2
    bias_mode: str = "sentences"  # sentences | prompt | hotwords | both | none: how whisper is biased (benchmarks/asr_bias.py)
    dictation_prompt: str = "auto"  # whisper prompt for notes: auto (the assets' names) | "" (none) | a literal text
    dictation_model: str = ""  # whisper model for notes: "" = asr -> model | tiny.en | base | a directory
    vosk_model: str = ""  # directory of a Vosk model (required for backend vosk)
    vosk_grammar: bool = False  # limit Vosk to the intents' vocabulary
    no_speech_threshold: float = 0.6  # above: the audio holds no request
    min_confidence: float = 0.2  # below: the transcript is not trusted (noise is caught by no_speech_threshold)
    max_command_s: float = 30.0  # longer audio is no spoken request (use dictation mode)
    window_s: float = 30.0  # whisper's encoder window for a spoken request, 5 to 30 s (longer: its length + 0.5 s)
    language: str = ""  # what a multilingual model listens for: "" = the spoken language (set from `language`)


@dataclass(frozen=True)
class NluConfig:
    backend: str = "classifier"
    intents_dir: str = str(ROOT / "intents" / "en")
    models_dir: str = str(ROOT / "models")
    threshold: float = 0.4  # intent confidence below which a request is out of scope (chosen on the dev sets)
    features: str = "both"  # intent classifier features: both | tfidf | minilm (benchmarks/RESULTS.md)
    encoder: str = "minilm"  # sentence encoder of those features: minilm (English) | use-multilingual | e5-small
    rasa_url: str = "http://127.0.0.1:5005"  # backend rasa: the Rasa server (rasa run --enable-api) that understands
    rasa_timeout_s: float = 5.0  # backend rasa: for one POST /model/parse


@dataclass(frozen=True)
class PlantConfig:
    backend: str = "simulator"
    asset_model: str = str(ROOT / "plant" / "demo_plant.yaml")
    seed: int = 7
    stale_after_s: float = 60.0  # readings older than this are said to be stale
    historian: str = "sqlite"  # sqlite (data_dir/historian.sqlite) | postgres
    historian_dsn: str = ""  # postgres: libpq connection string, e.g. "host=127.0.0.1 dbname=plant user=plantvoice"
    history_days: float = 30.0  # simulator: days of history written on first use
    opcua_endpoint: str = "opc.tcp://127.0.0.1:4840/plantvoice/"  # 'plant ingest opcua': the OPC UA server
    mqtt_host: str = "127.0.0.1"  # 'plant ingest mqtt': the MQTT broker
    mqtt_port: int = 1883  # the broker's port
    mqtt_username: str = ""  # a broker that wants a login: its user name
    mqtt_password: str = ""  # and password (better: PLANTVOICE_PLANT_MQTT_PASSWORD in the environment)
    mqtt_tls_ca: str = ""  # PEM file of the CA that signed the broker's certificate; set: TLS, empty: none


@dataclass(frozen=True)
class TtsConfig:
    backend: str = "auto"  # auto (hibari, else espeak-ng) | hibari | espeak-ng | pyttsx3
    voice: str = ""  # the backend's voice; "" = its default: heart (hibari), en-us (espeak-ng, pyttsx3)
    rate: int = 165  # words per minute


@dataclass(frozen=True)
class NotesConfig:
    shifts: str = "early 06:00-14:00, late 14:00-22:00, night 22:00-06:00"  # the shift pattern; covers the day once
    # Semantic search floor of MiniLM (cosine; the multilingual encoder has its own measured floor,
    # notes/search.py THRESHOLDS), measured in tests/test_notes_store.py: 20 paraphrase pairs
    # (question, note) score 0.236-0.683 (median 0.50); 20 unrelated questions score at most 0.203
    # (median 0.10) against the same notes. 0.22 lies between the two.
    search_threshold: float = 0.22


@dataclass(frozen=True)
class UserConfig:
    name: str = ""  # full name, said back at sign-on and logged with each write; "" = the key
    role: str = "viewer"  # viewer | operator | maintenance | engineer (assistant/roles.py)


@dataclass(frozen=True)
class StationConfig:
    name: str = ""  # this workstation, e.g. "CR-1", in every audit record; "" = the host name
    user: str = ""  # who is signed on at start, a key of [users]; "" = nobody until someone signs on
    default_role: str = "viewer"  # the role of whoever speaks while nobody is signed on
    language: str = ""  # the language spoken here: en | de | auto; "" = the site's (top-level language)


@dataclass(frozen=True)
class TokenConfig:
    """One caller of ``plantvoice serve``: the sha256 of its token, and who it is (a user) or what (a role)."""

    sha256: str = ""  # hex digest of the token; ``plantvoice serve token NAME`` prints a new one
    user: str = ""  # a key of [users]: the caller is signed on as that user, with the user's role
    role: str = ""  # or a station token with a fixed role and no user


@dataclass(frozen=True)
class ServeConfig:
    host: str = "127.0.0.1"  # the address ``plantvoice serve`` listens on
    port: int = 8080
    anonymous: str = "viewer"  # a caller without a token: viewer | refuse (401)
    max_waiting: int = 4  # requests waiting for the recognizer beyond which new ones get 503
    partial_every_s: float = 1.0  # a partial transcript of a request being spoken this often; 0 = none
    tokens: dict[str, TokenConfig] = field(default_factory=dict)  # [serve.tokens.<name>]


@dataclass(frozen=True)
class RasaConfig:
    """A Rasa assistant asking ``plantvoice rasa actions``: who its users are here."""

    actions_role: str = "viewer"  # the role of every Rasa conversation at the action server: writes need operator


@dataclass(frozen=True)
class LanguageConfig:
    """What changes with the language spoken; "" keeps the value of the section ([nlu], [asr], [tts])."""

    intents_dir: str = ""  # the intents (and responses.yml) in this language
    asr_model: str = ""  # whisper model for requests (asr -> model)
    dictation_model: str = ""  # whisper model for notes and reports (asr -> dictation_model)
    dictation_prompt: str = ""  # (asr -> dictation_prompt): auto | none | a literal text
    encoder: str = ""  # the classifier's sentence encoder (nlu -> encoder)
    tts_backend: str = ""  # the answers' voice (tts -> backend)
    tts_voice: str = ""  # (tts -> voice)


# The languages the assistant speaks, with the defaults measured for each (benchmarks/RESULTS.md: "German
# text understanding", "German speech"). English keeps the sections' values.
LANGUAGES: dict[str, LanguageConfig] = {
    "en": LanguageConfig(),
    "de": LanguageConfig(intents_dir=str(ROOT / "intents" / "de"), asr_model="base", dictation_model="base",
                         dictation_prompt="none",  # the names' prompt made base run on in 7 of 22 notes
                         encoder="use-multilingual", tts_backend="espeak-ng", tts_voice="de"),
}
AUTO = "auto"  # language: each request's own, detected among LANGUAGES


@dataclass(frozen=True)
class Config:
    data_dir: str = str(Path.home() / ".local" / "share" / "plantvoice")
    language: str = "en"  # the site's language: en | de | auto (each request's, detected)
    audio: AudioConfig = field(default_factory=AudioConfig)
    vad: VadConfig = field(default_factory=VadConfig)
    asr: AsrConfig = field(default_factory=AsrConfig)
    nlu: NluConfig = field(default_factory=NluConfig)
    plant: PlantConfig = field(default_factory=PlantConfig)
    tts: TtsConfig = field(default_factory=TtsConfig)
    notes: NotesConfig = field(default_factory=NotesConfig)
    station: StationConfig = field(default_factory=StationConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    rasa: RasaConfig = field(default_factory=RasaConfig)
    users: dict[str, UserConfig] = field(default_factory=dict)
    languages: dict[str, LanguageConfig] = field(default_factory=lambda: dict(LANGUAGES))

    @property
    def spoken(self) -> str:
        """The language spoken at this station: its own, else the site's (may be ``AUTO``)."""
        return self.station.language or self.language

    def speaking(self, code: str) -> Config:
        """This config for requests in language ``code``: its intents, models and voice (``[languages.<code>]``)."""
        lang = self.languages[code]
        return dataclasses.replace(
            self,
            nlu=dataclasses.replace(self.nlu, intents_dir=lang.intents_dir or self.nlu.intents_dir,
                                    encoder=lang.encoder or self.nlu.encoder),
            asr=dataclasses.replace(self.asr, model=lang.asr_model or self.asr.model, language=code,
                                    dictation_model=lang.dictation_model or self.asr.dictation_model,
                                    dictation_prompt="" if lang.dictation_prompt == "none" else
                                    lang.dictation_prompt or self.asr.dictation_prompt),
            tts=dataclasses.replace(self.tts, backend=lang.tts_backend or self.tts.backend,
                                    voice=lang.tts_voice or self.tts.voice))

    @property
    def data_path(self) -> Path:
        """The data directory, created private (0700) if missing; refused if others may write to it."""
        path = Path(self.data_dir).expanduser()
        if not path.is_dir():
            try:
                path.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the data directory {path} ({exc.strerror}); "
                                  "set data_dir to a directory you may write") from None
        return check_directory(path, "data_dir")

    def replace(self, section: str, **values: Any) -> Config:
        return dataclasses.replace(self, **{section: dataclasses.replace(getattr(self, section), **values)})


# The allowed range (inclusive) of every number in the config, by its path; a unit for the message.
RANGES: dict[str, tuple[float, float, str]] = {
    "audio -> rate": (8000, 48000, "Hz"),
    "audio -> chunk_ms": (10, 1000, "ms"),
    "audio -> queue_chunks": (1, 10000, "blocks"),
    "audio -> denoise_strength": (0.0, 10.0, ""),
    "audio -> denoise_floor": (0.0, 1.0, ""),
    "vad -> threshold": (0.0, 1.0, ""),
    "vad -> silence_ms": (50, 10000, "ms"),
    "vad -> min_speech_ms": (0, 10000, "ms"),
    "vad -> pre_roll_ms": (0, 10000, "ms"),
    "vad -> post_roll_ms": (0, 10000, "ms"),
    "vad -> max_request_s": (1.0, 600.0, "s"),
    "asr -> beam_size": (1, 100, ""),
    "asr -> threads": (1, 256, ""),
    "asr -> no_speech_threshold": (0.0, 1.0, ""),
    "asr -> min_confidence": (0.0, 1.0, ""),
    "asr -> max_command_s": (1.0, 3600.0, "s"),
    "asr -> window_s": (5.0, 30.0, "s"),
    "nlu -> threshold": (0.0, 1.0, ""),
    "plant -> seed": (0, 2**32 - 1, ""),
    "plant -> stale_after_s": (1.0, 31_536_000.0, "s"),  # a second to a year
    "plant -> history_days": (0.0, 366.0, "days"),
    "plant -> mqtt_port": (1, 65535, ""),
    "tts -> rate": (50, 500, "words per minute"),
    "notes -> search_threshold": (0.0, 1.0, ""),
    "serve -> port": (1, 65535, ""),
    "serve -> max_waiting": (0, 10000, "requests"),
    "serve -> partial_every_s": (0.0, 60.0, "s"),
    "nlu -> rasa_timeout_s": (0.1, 600.0, "s"),
}


def _in_range(value: Any, key: str, where: str, source: str) -> Any:
    """``value`` if it lies in the range of ``key`` (and is finite); else ConfigError."""
    low, high, unit = RANGES[key]
    if isinstance(value, float) and math.isfinite(value) and low <= value <= high:
        return value
    if isinstance(value, int) and low <= value <= high:
        return value
    shown = f"{_number(low)} to {_number(high)}" + (f" {unit}" if unit else "")
    raise ConfigError(f"config value {where} = {value!r} in {source} is out of range; set a value from {shown}")


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def check_directory(path: Path, key: str) -> Path:
    """``path`` if only its owner (you or root) may write to it; else ConfigError with the fix."""
    try:
        info = path.stat()
    except OSError:
        return path  # not there yet: whoever creates it makes it private
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(f"directory {path} ({key}) may be written by other users (mode "
                          f"{stat.S_IMODE(info.st_mode):o}); run: chmod go-w {path}")
    if info.st_uid not in (0, os.getuid()):
        raise ConfigError(f"directory {path} ({key}) belongs to another user (uid {info.st_uid}); "
                          f"run: chown {os.getuid()} {path}, or set {key} to a directory of your own")
    return path


def _convert(value: Any, kind: type, path: str) -> Any:
    if isinstance(value, str) and kind is not str:
        text = value.strip().lower()
        if kind is bool:
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
        else:
            try:
                return kind(text)
            except ValueError:
                pass
        raise ConfigError(f"config value {path} = {value!r} is not a {kind.__name__}; set a valid {kind.__name__}")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"config value {path} = {value!r} is not a {kind.__name__}; set a valid {kind.__name__}")
    return value


# Keys that were moved: their new place.
_MOVED = {"notes -> author": "[station] user, naming a [users.<key>] table with name = ...",
          "notes -> role": "role = ... in the [users.<key>] table of the person"}


def _build(cls: type, values: dict[str, Any], env: dict[str, str], prefix: str, path: str,
           source: str = "the defaults") -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in values:
        if key not in known:
            where = f"{path} -> {key}" if path else key
            if where in _MOVED:
                raise ConfigError(f"config key {where} is no longer read; set {_MOVED[where]} instead")
            raise ConfigError(f"unknown config key {where}; known keys: {', '.join(sorted(known))}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        where = f"{path} -> {f.name}" if path else f.name
        env_name = f"{prefix}_{f.name}".upper()
        if get_origin(kind) is dict:  # [users.<key>] tables: one dataclass per key, no environment
            kwargs[f.name] = _tables(get_args(kind)[1], values.get(f.name, {}), where, source,
                                     f.default_factory() if f.default_factory is not dataclasses.MISSING else {})
        elif dataclasses.is_dataclass(kind):
            section = values.get(f.name, {})
            if not isinstance(section, dict):
                raise ConfigError(f"config {where} must be a table [{f.name}]")
            kwargs[f.name] = _build(kind, section, env, env_name, where, source)
        elif env_name in env:
            kwargs[f.name] = _convert(env[env_name], kind, f"{where} (from ${env_name})")
            if where in RANGES:
                _in_range(kwargs[f.name], where, where, f"${env_name}")
        elif f.name in values:
            kwargs[f.name] = _convert(values[f.name], kind, where)
            if where in RANGES:
                _in_range(kwargs[f.name], where, where, source)
    return cls(**kwargs)


def _tables(cls: type, values: Any, path: str, source: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """One ``cls`` per table of ``values``; a table named in ``defaults`` changes only the keys it sets."""
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        example = "[languages.de] with asr_model = ..." if path == "languages" else \
            f"[{path}.anna] with name = ... and role = ..."
        raise ConfigError(f"config {path} must hold tables, e.g. {example}")
    tables = dict(defaults)
    for key, table in values.items():
        built = _build(cls, table, {}, "", f"{path} -> {key}", source)
        base = defaults.get(key)
        tables[str(key)] = dataclasses.replace(base, **{k: getattr(built, k) for k in table}) if base else built
    return tables


def _check_languages(config: Config) -> Config:
    """The site's and station's languages are ones the assistant speaks (or auto)."""
    known = ", ".join([*LANGUAGES, AUTO])
    for key in config.languages:
        if key not in LANGUAGES:
            raise ConfigError(f"config table languages -> {key} names a language the assistant does not speak; "
                              f"use one of: {', '.join(LANGUAGES)}")
    for where, value in (("language", config.language), ("station -> language", config.station.language)):
        if value not in (*LANGUAGES, AUTO) and not (value == "" and where != "language"):
            raise ConfigError(f"config value {where} = {value!r} is not a language the assistant speaks; "
                              f"use one of: {known}")
    return config


def _check_people(config: Config) -> Config:
    """Roles are known ones; the station's user is one of the users."""
    for key, user in config.users.items():
        if user.role not in ROLES:
            raise ConfigError(f"config value users -> {key} -> role = {user.role!r} is not a role; "
                              f"use one of: {', '.join(ROLES)}")
    for where, role in (("station -> default_role", config.station.default_role),
                        ("rasa -> actions_role", config.rasa.actions_role)):
        if role not in ROLES:
            raise ConfigError(f"config value {where} = {role!r} is not a role; use one of: {', '.join(ROLES)}")
    if config.station.user and config.station.user not in config.users:
        known = ", ".join(sorted(config.users)) or "none yet"
        raise ConfigError(f"config value station -> user = {config.station.user!r} names no user (known: {known}); "
                          f"add a [users.{config.station.user}] table with name and role, or set user = \"\"")
    return config


def _check_serve(config: Config) -> Config:
    """``anonymous`` is viewer or refuse; each token has a sha256 digest and names a known user or a role."""
    serve = config.serve
    if serve.anonymous not in ("viewer", "refuse"):
        raise ConfigError(f"config value serve -> anonymous = {serve.anonymous!r} is not known; use viewer or refuse")
    for name, token in serve.tokens.items():
        where = f"serve -> tokens -> {name}"
        if len(token.sha256) != 64 or any(c not in "0123456789abcdef" for c in token.sha256):
            raise ConfigError(f"config value {where} -> sha256 is not a sha256 hex digest; paste the line "
                              f"'plantvoice serve token {name}' prints")
        if bool(token.user) == bool(token.role):
            raise ConfigError(f"config table {where} needs one of user or role; set user = \"<a [users] key>\" "
                              "or role = \"operator\"")
        if token.user and token.user not in config.users:
            raise ConfigError(f"config value {where} -> user = {token.user!r} names no user; add a "
                              f"[users.{token.user}] table or use one of: {', '.join(config.users) or 'none yet'}")
        if token.role and token.role not in ROLES:
            raise ConfigError(f"config value {where} -> role = {token.role!r} is not a role; "
                              f"use one of: {', '.join(ROLES)}")
    return config


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    """The config: defaults, the file ``path`` (else ``$PLANTVOICE_CONFIG``; no other file is
    looked for), then the environment. ConfigError names the key, the value, the range and the file."""
    env = dict(os.environ if env is None else env)
    path = path or env.get("PLANTVOICE_CONFIG") or None
    values: dict[str, Any] = {}
    source = "the defaults"
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"config file {file} not found; pass an existing TOML file or unset PLANTVOICE_CONFIG")
        try:
            values = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {file} is not valid TOML: {exc}; fix the syntax") from None
        source = str(file)
    config = _check_serve(_check_languages(_check_people(_build(Config, values, env, "PLANTVOICE", "", source))))
    check_directory(Path(config.nlu.models_dir).expanduser(), "nlu -> models_dir")
    check_directory(Path(config.data_dir).expanduser(), "data_dir")
    return config
