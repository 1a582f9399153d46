"""faster-whisper recognizer with the bundled tiny.en on real espeak-ng speech."""

from __future__ import annotations

import dataclasses
import wave
from pathlib import Path

import numpy as np
import pytest
from speech import say

from assistant.asr import (
    StreamingRecognizer,
    Vocabulary,
    create_recognizer,
    is_no_request,
    normalise_words,
    recognizers,
)
from assistant.asr.whisper import WhisperRecognizer, _trim_tail, build_dictation_prompt, build_hotwords, build_prompt
from assistant.config import AsrConfig
from assistant.errors import BackendError, ConfigError, InputError
from assistant.events import Transcript, Word, from_event

VOCAB = Vocabulary(
    phrases=("gas turbine one", "feed water pump one", "cooling water pump two", "heat recovery steam generator",
             "boiler", "battery storage", "bearing temperature", "vibration", "drum level", "discharge pressure",
             "state of charge"),
    sentences=("what is the bearing temperature of feed water pump one", "show the vibration of gas turbine one"),
    examples=("what alarms are active", "acknowledge the alarm", "yes", "no", "is feed pump two going to fail",
              "what is the bearing temperature of feed pump two", "how is the plant doing"),
    names=("gas turbine one", "feed water pump one", "cooling water pump two", "heat recovery steam generator",
           "battery storage", "main transformer"),
)


def load(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


@pytest.fixture(scope="module")
def config() -> AsrConfig:
    return AsrConfig()


@pytest.fixture(scope="module")
def command(config: AsrConfig) -> WhisperRecognizer:
    recognizer = create_recognizer(config, VOCAB, "command")
    assert isinstance(recognizer, WhisperRecognizer)
    return recognizer


@pytest.fixture(scope="module")
def dictation(config: AsrConfig) -> WhisperRecognizer:
    recognizer = create_recognizer(config, VOCAB, "dictation")
    assert isinstance(recognizer, WhisperRecognizer)
    return recognizer


@pytest.mark.parametrize(
    ("voice", "text", "keys"),
    [
        ("en-us", "what is the bearing temperature of feed water pump one", ("temperature", "pump")),
        ("en-gb", "show me the discharge pressure of cooling water pump two", ("pressure", "pump")),
    ],
)
def test_plant_request_in_two_voices(command: WhisperRecognizer, config: AsrConfig, tmp_path: Path,
                                     voice: str, text: str, keys: tuple[str, ...]) -> None:
    samples = load(say(text, tmp_path / "request.wav", voice=voice))
    t = command.transcribe(samples)
    heard = t.text.lower()
    for key in keys:
        assert key in heard, (key, t.text)
    assert t.backend == "faster-whisper"
    assert t.duration_s == pytest.approx(samples.size / 16000)
    assert t.seconds > 0
    assert 0.0 < t.confidence <= 1.0
    assert t.avg_logprob < 0.0
    assert 0.0 <= t.no_speech_prob < config.no_speech_threshold
    assert not is_no_request(t, config)


def test_words_have_times_and_probabilities(command: WhisperRecognizer, tmp_path: Path) -> None:
    samples = load(say("show the vibration of gas turbine one", tmp_path / "words.wav", voice="en-us+f3"))
    assert command.transcribe(samples).words == ()  # requests skip word timing by default: it costs time
    timed = create_recognizer(AsrConfig(word_times=True), VOCAB, "command")
    assert timed.model is command.model  # the model is loaded once and shared
    t = timed.transcribe(samples)
    assert len(t.words) >= 5, t
    assert " ".join(w.text for w in t.words).lower().rstrip(".?") == t.text.lower().rstrip(".?")
    starts = [w.start for w in t.words]
    assert starts == sorted(starts)
    for w in t.words:
        assert 0.0 <= w.start <= w.end <= t.duration_s + 0.05
        assert 0.0 < w.confidence <= 1.0
    # the transcript survives the JSON event round trip with its words
    assert from_event(t.event()) == t


def test_bias_is_built_within_budget(command: WhisperRecognizer) -> None:
    assert command.bias_mode == AsrConfig().bias_mode
    prompt = build_prompt(VOCAB.phrases, command._count_tokens, budget=20)
    assert 0 < command._count_tokens(prompt) <= 20
    # a word in many phrases ("pump") weighs more than one in a single phrase
    ranked = build_prompt(("urgent", "feed water pump one", "cooling water pump two", "pump"),
                          command._count_tokens, budget=3)
    assert ranked == "pump."
    # spelled-out and digit forms stay out of the prompt
    assert build_prompt(("b e s s 1", "bess1", "battery storage"), command._count_tokens) == "battery storage."
    hotwords = build_hotwords(VOCAB.phrases, command._count_tokens, budget=12)
    assert 0 < command._count_tokens(hotwords) <= 12
    assert "the" not in hotwords.split() and "turbine" in hotwords.split()
    # a phrase adding no new word is skipped: "boiler" comes once
    assert build_prompt(("boiler", "the boiler", "boiler"), command._count_tokens).count("boiler") == 1


@pytest.mark.parametrize(("text", "voice"), [("yes", "en-us"), ("no", "en-gb"), ("never mind", "en-us")])
def test_short_answers_keep_no_made_up_tail(command: WhisperRecognizer, config: AsrConfig, tmp_path: Path,
                                            text: str, voice: str) -> None:
    t = command.transcribe(load(say(text, tmp_path / "short.wav", voice=voice)))
    assert normalise_words(t.text) == text.split(), t
    assert not is_no_request(t, config), t


def test_trim_tail_drops_only_unlikely_words_after_a_full_stop() -> None:
    yes, gas = Word("Yes.", 0.0, 0.8, 0.6), Word("gas", 0.8, 0.9, 0.001)
    assert _trim_tail([yes, gas]) == [yes]
    pump = Word("pump", 0.8, 1.0, 0.001)
    feed = Word("feed", 0.0, 0.8, 0.6)
    assert _trim_tail([feed, pump]) == [feed, pump]  # no full stop: a weak word, not a made-up tail
    sure = Word("gas", 0.8, 0.9, 0.4)
    assert _trim_tail([yes, sure]) == [yes, sure]


def test_digital_silence_is_no_request(command: WhisperRecognizer, config: AsrConfig) -> None:
    t = command.transcribe(np.zeros(2 * 16000, dtype=np.int16))
    assert is_no_request(t, config), t


def test_white_noise_is_no_request(command: WhisperRecognizer, config: AsrConfig) -> None:
    noise = np.random.default_rng(3).normal(0, 2000, 2 * 16000).clip(-32768, 32767).astype(np.int16)
    t = command.transcribe(noise)
    assert is_no_request(t, config), t


def test_empty_audio_is_no_request(command: WhisperRecognizer, config: AsrConfig) -> None:
    t = command.transcribe(np.zeros(0, dtype=np.int16))
    assert t.text == "" and is_no_request(t, config)


def test_ten_second_clip(command: WhisperRecognizer, tmp_path: Path) -> None:
    text = ("what is the drum level of the boiler and the state of charge of the battery storage "
            "and show me the vibration of gas turbine one please")
    samples = load(say(text, tmp_path / "long.wav", voice="en-us", speed=120))
    assert samples.size / 16000 >= 9.0
    t = command.transcribe(samples)
    heard = t.text.lower()
    assert "boiler" in heard and "battery" in heard and "turbine" in heard, t.text
    assert len(heard.split()) >= 20  # the whole clip is decoded, not cut at a token cap


NOTE = ("note for the next shift: the lubrication oil was changed this morning "
        "and the maintenance team will check the coupling tomorrow")


@pytest.mark.parametrize("voice", ["piper:joe", "hibari:heart"])
def test_dictation_of_a_longer_sentence(dictation: WhisperRecognizer, command: WhisperRecognizer,
                                        tmp_path: Path, voice: str) -> None:
    assert dictation.prompt == ("Gas turbine one, feed water pump one, cooling water pump two, heat recovery steam "
                                "generator, battery storage, main transformer.")  # the assets' names
    assert dictation.hotwords == ""
    assert command.prompt.startswith("What alarms are active. Acknowledge the alarm.")  # default bias: sentences
    assert "battery storage" in command.prompt
    assert dictation.model is command.model  # loaded once, shared
    t = dictation.transcribe(load(say(NOTE, tmp_path / "note.wav", voice=voice)))
    heard = " ".join(normalise_words(t.text))
    for key in ("next shift", "lubrication oil", "this morning", "maintenance team", "coupling tomorrow"):
        assert key in heard, (key, t.text)


@pytest.mark.parametrize("voice", ["en-gb", "en-us"])
def test_dictation_of_espeak_keeps_the_plain_words(dictation: WhisperRecognizer, tmp_path: Path, voice: str) -> None:
    """The hard case: tiny.en hears "maintenance team" in espeak-ng as "main turn and steam" on some machines."""
    t = dictation.transcribe(load(say(NOTE, tmp_path / "note.wav", voice=voice)))
    heard = " ".join(normalise_words(t.text))
    for key in ("next shift", "lubrication oil", "this morning", "coupling"):
        assert key in heard, (key, t.text)


PLANT = Vocabulary(names=("gas turbine one", "feed water pump one", "cooling water valve", "main transformer",
                          "battery storage", "biogas engine"))


@pytest.mark.parametrize("voice", ["en-us", "en-gb"])
def test_dictation_prompt_of_asset_names_hears_a_plant_word(config: AsrConfig, tmp_path: Path, voice: str) -> None:
    prompted = create_recognizer(config, PLANT, "dictation")
    assert prompted.prompt == ("Gas turbine one, feed water pump one, cooling water valve, main transformer, "
                               "battery storage, biogas engine.")
    bare = create_recognizer(AsrConfig(dictation_prompt=""), PLANT, "dictation")
    assert bare.prompt == "" and bare.model is prompted.model
    text = "The cooling water valve was stroked fully open and closed again after the repair."
    samples = load(say(text, tmp_path / "valve.wav", voice=voice))
    heard = prompted.transcribe(samples).text
    assert "valve" in heard.lower(), heard
    assert len(normalise_words(heard)) <= len(normalise_words(text)) + 2, heard  # no echo of the prompt or the note
    unprompted = bare.transcribe(samples).text
    assert "valve" not in unprompted.lower(), unprompted  # tiny.en alone hears "melt", "mild"


def test_dictation_prompt_follows_the_asset_model_and_the_setting(config: AsrConfig) -> None:
    other_site = Vocabulary(names=("boiler feed pump a", "flue gas fan"), phrases=("feed pump", "fan speed"))
    assert create_recognizer(config, other_site, "dictation").prompt == "Boiler feed pump a, flue gas fan."
    assert create_recognizer(config, Vocabulary(), "dictation").prompt == ""  # no asset model, no prompt
    literal = create_recognizer(AsrConfig(dictation_prompt="Shift log, unit one."), PLANT, "dictation")
    assert literal.prompt == "Shift log, unit one."
    assert create_recognizer(AsrConfig(dictation_prompt=" AUTO "), PLANT, "dictation").prompt.startswith("Gas turbine")
    count = literal._count_tokens
    short = build_dictation_prompt(PLANT, count, budget=12)
    assert short.startswith("Gas turbine one, ") and short.endswith(".") and count(short) <= 12
    assert "biogas" not in short  # names beyond the budget are left out, from the end
    # requests keep their own bias whatever the dictation prompt
    assert (create_recognizer(AsrConfig(dictation_prompt="Shift log."), PLANT, "command").prompt
            == create_recognizer(config, PLANT, "command").prompt != "")


def test_is_no_request_rules(config: AsrConfig) -> None:
    heard = Transcript(text="what is the power of generator one", confidence=0.8, no_speech_prob=0.05)
    assert not is_no_request(heard, config)
    assert is_no_request(Transcript(text="", confidence=0.9), config)
    assert is_no_request(Transcript(text="what is the power", confidence=0.9, no_speech_prob=0.9), config)
    assert is_no_request(Transcript(text="what is the power", confidence=0.1), config)
    assert is_no_request(Transcript(text="Thank you.", confidence=0.7, no_speech_prob=0.4), config)
    assert not is_no_request(Transcript(text="Thank you.", confidence=0.9, no_speech_prob=0.01), config)


def test_whisper_is_not_streaming(command: WhisperRecognizer) -> None:
    assert not isinstance(command, StreamingRecognizer)


def test_bad_input_shape_is_input_error(command: WhisperRecognizer) -> None:
    with pytest.raises(InputError, match="1-D"):
        command.transcribe(np.zeros((2, 100), dtype=np.int16))


def test_unknown_backend_lists_names(config: AsrConfig) -> None:
    with pytest.raises(ConfigError) as err:
        create_recognizer(AsrConfig(backend="kaldi-nonsense"), VOCAB)
    for name in ("faster-whisper", "vosk", "pocketsphinx"):
        assert name in str(err.value)
    assert "asr -> backend" in str(err.value)
    with pytest.raises(ConfigError, match="asr -> dictation_backend"):
        create_recognizer(AsrConfig(dictation_backend="nope"), VOCAB, "dictation")
    with pytest.raises(ConfigError, match="mode"):
        create_recognizer(config, VOCAB, "shouting")
    assert set(recognizers.names()) >= {"faster-whisper", "vosk", "pocketsphinx"}


def test_bad_model_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="model.bin"):
        WhisperRecognizer(AsrConfig(model=str(tmp_path)), VOCAB)
    with pytest.raises(ConfigError, match="not found"):
        WhisperRecognizer(AsrConfig(model=str(tmp_path / "missing")), VOCAB)
    with pytest.raises(ConfigError, match="bias_mode"):
        WhisperRecognizer(AsrConfig(bias_mode="loud"), VOCAB)


def test_model_name_without_internet_is_backend_error() -> None:
    """This box has no internet: naming a model that is not cached must say so clearly."""
    with pytest.raises(BackendError, match="asr -> model"):
        WhisperRecognizer(AsrConfig(model="plantvoice-no-such-model"), VOCAB)


def test_sentence_prompt_fits_the_budget_and_keeps_requests_first(command: WhisperRecognizer) -> None:
    from assistant.asr.whisper import build_sentence_prompt

    full = build_sentence_prompt(VOCAB, command._count_tokens)
    assert full.startswith("What alarms are active. Acknowledge the alarm. Yes. No.") and "main transformer." in full
    short = build_sentence_prompt(VOCAB, command._count_tokens, budget=30)
    assert command._count_tokens(short) <= 30 and short.startswith("What alarms are active.")
    assert "main transformer" not in short  # names give way before requests


def test_a_stock_sentence_squeezed_after_the_request_is_dropped() -> None:
    said = [Word("What", 0.0, 0.7, 0.2), Word("is", 0.7, 0.9, 0.4), Word("the", 0.9, 1.0, 0.9),
            Word("transformer.", 2.4, 3.0, 0.99)]
    made_up = [Word("We'll", 3.0, 3.0, 0.19), Word("see", 3.0, 3.0, 0.64), Word("you", 3.0, 3.0, 0.72),
               Word("next", 3.0, 3.08, 0.38), Word("time.", 3.08, 3.08, 0.8)]
    assert _trim_tail(said + made_up) == said
    spoken = [Word("Stop.", 0.0, 0.4, 0.9), Word("Check", 0.6, 0.9, 0.8), Word("pump", 0.9, 1.2, 0.9),
              Word("two.", 1.2, 1.5, 0.9)]
    assert _trim_tail(spoken) == spoken  # a second sentence that took time to say stays


def test_the_beam_gives_several_readings_best_first(command: WhisperRecognizer, config: AsrConfig,
                                                    tmp_path: Path) -> None:
    from assistant.asr import NBestRecognizer, normalise_words

    samples = load(say("show the vibration of gas turbine one", tmp_path / "nbest.wav", voice="en-us"))
    assert isinstance(command, NBestRecognizer)
    readings = command.hypotheses(samples, n=5)
    assert 2 <= len(readings) <= 5, readings
    assert len({tuple(normalise_words(r.text)) for r in readings}) == len(readings)  # no two alike
    assert "vibration" in readings[0].text.lower() and not is_no_request(readings[0], config)
    assert all(r.backend == "faster-whisper" and r.avg_logprob < 0.0 and 0.0 < r.confidence <= 1.0
               and r.duration_s == pytest.approx(samples.size / 16000) for r in readings)
    assert [r.avg_logprob for r in readings] == sorted((r.avg_logprob for r in readings), reverse=True)


def test_silence_has_one_reading_and_it_is_no_request(command: WhisperRecognizer, config: AsrConfig) -> None:
    readings = command.hypotheses(np.zeros(2 * 16000, dtype=np.int16))
    assert is_no_request(readings[0], config), readings
    assert command.hypotheses(np.zeros(0, dtype=np.int16))[0].text == ""


def test_a_request_longer_than_the_encoder_window_is_heard_to_its_end(config: AsrConfig, tmp_path: Path) -> None:
    """The encoder sees ``asr -> window_s`` (here 15 s), or a longer request with half a second after it."""
    command = create_recognizer(dataclasses.replace(config, window_s=15.0), VOCAB, "command")
    assert isinstance(command, WhisperRecognizer)
    words = "show me the vibration of gas turbine one and then the bearing temperature of feed pump two"
    samples = load(say(words, tmp_path / "long.wav", voice="hibari:heart", pad_s=0.3))
    long = np.concatenate([np.zeros(14 * 16000, dtype=np.int16), samples])  # 14 s of silence first
    assert long.size / 16000 > 17.0
    text = command.hypotheses(long, n=1)[0].text.lower()
    assert "feed pump two" in text and "vibration" in text, text
