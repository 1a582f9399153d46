"""pocketsphinx recognizer: JSGF grammars from the vocabulary, real espeak-ng speech."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from speech import say

from assistant.asr import Vocabulary, create_recognizer, is_no_request
from assistant.asr.sphinx import SphinxRecognizer, compile_grammar
from assistant.config import AsrConfig
from assistant.errors import ConfigError

ASSETS = ("gas turbine one", "steam turbine one", "feed water pump one", "feed water pump two",
          "cooling tower", "main transformer", "biogas engine", "chp")
MEASURES = ("vibration", "power", "bearing temperature", "discharge pressure", "fan speed", "oil temperature")
TEMPLATES = ("what is the {m} of {a}", "show me the {m} of the {a}", "how is the {a} doing",
             "acknowledge the alarm on {a}", "status of P-101")
VOCAB = Vocabulary(
    phrases=ASSETS + MEASURES,
    sentences=tuple(dict.fromkeys(t.format(a=a, m=m) for t in TEMPLATES for a in ASSETS for m in MEASURES)),
)
CONFIG = AsrConfig(backend="pocketsphinx")


def load(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


@pytest.fixture(scope="module")
def recognizer() -> SphinxRecognizer:
    r = create_recognizer(CONFIG, VOCAB, "command")
    assert isinstance(r, SphinxRecognizer)
    return r


@pytest.mark.parametrize(("text", "voice"), [("yes", "en-us"), ("cancel", "en-gb"), ("repeat that", "en-us+f3"),
                                             ("no", "en-gb+m3"), ("say again", "en-us")])
def test_confirmation_grammar(recognizer: SphinxRecognizer, tmp_path: Path, text: str, voice: str) -> None:
    recognizer.set_mode("confirmation")
    samples = load(say(text, tmp_path / "c.wav", voice=voice))
    t = recognizer.transcribe(samples)
    assert t.text == text, t
    assert not is_no_request(t, CONFIG)
    assert t.backend == "pocketsphinx" and t.duration_s == pytest.approx(samples.size / 16000)


@pytest.mark.parametrize(("text", "voice"), [
    ("what is the bearing temperature of feed water pump one", "en-us"),
    ("show me the oil temperature of the main transformer", "en-gb"),
    ("how is the biogas engine doing", "en-us+f3"),
])
def test_plant_request_with_plant_grammar(recognizer: SphinxRecognizer, tmp_path: Path, text: str,
                                          voice: str) -> None:
    recognizer.set_mode("command")
    samples = load(say(text, tmp_path / "r.wav", voice=voice))
    t = recognizer.transcribe(samples)
    assert t.text == text, t
    assert t.confidence > CONFIG.min_confidence
    assert [w.text for w in t.words] == text.split()
    for a, b in zip(t.words, t.words[1:]):
        assert a.start <= a.end <= b.start + 0.011
    assert 0.0 <= t.words[0].start and t.words[-1].end <= t.duration_s


def test_speech_outside_the_grammar_is_weak(recognizer: SphinxRecognizer, tmp_path: Path) -> None:
    recognizer.set_mode("confirmation")
    t = recognizer.transcribe(load(say("what is the power of the generator", tmp_path / "o.wav")))
    assert is_no_request(t, CONFIG), t


def test_noise_and_silence_are_no_request(recognizer: SphinxRecognizer) -> None:
    recognizer.set_mode("command")
    noise = np.random.default_rng(5).normal(0, 2000, 16000).astype(np.int16)
    for samples in (noise, np.zeros(16000, dtype=np.int16)):
        assert is_no_request(recognizer.transcribe(samples), CONFIG)


def test_grammar_compilation_folds_phrases_and_skips_unknown_words() -> None:
    known = {"what", "is", "the", "power", "of", "gas", "turbine", "one", "speed"}.__contains__
    jsgf, kept, unknown = compile_grammar(
        ["What is the power of Gas Turbine One?", "what is the speed of gas turbine one",
         "what is the power of XQ-7"],
        known, "command", phrases=["gas turbine one", "power", "speed"])
    assert kept == 1  # both sentences fold into "what is the <phrase> of <phrase>"
    assert "public <command> = what is the <phrase> of <phrase>;" in jsgf
    assert "<phrase> = gas turbine one" in jsgf
    assert unknown == ["xq", "7"]


def test_guessed_pronunciations_cover_acronyms_and_compounds(recognizer: SphinxRecognizer) -> None:
    assert recognizer.decoder.lookup_word("chp") is not None
    assert recognizer.decoder.lookup_word("biogas") is not None
    assert recognizer.grammar_sentences >= len(TEMPLATES) - 1


def test_unusable_vocabulary_is_config_error() -> None:
    with pytest.raises(ConfigError, match="grammar"):
        SphinxRecognizer(CONFIG, Vocabulary(sentences=("zzqx 42 vvk",)))


def test_dictation_mode_has_no_grammar(tmp_path: Path) -> None:
    r = create_recognizer(AsrConfig(dictation_backend="pocketsphinx"), VOCAB, "dictation")
    assert isinstance(r, SphinxRecognizer)
    with pytest.raises(ConfigError, match="mode"):
        r.set_mode("confirmation")
    t = r.transcribe(load(say("the pump is running", tmp_path / "d.wav")))
    assert "pump" in t.text, t


def test_default_confirmation_recognizer_is_pocketsphinx(tmp_path: Path) -> None:
    r = create_recognizer(AsrConfig(), VOCAB, "confirmation")
    assert isinstance(r, SphinxRecognizer) and r.mode == "confirmation"
    assert r.grammar_sentences == 0  # the plant grammar is compiled only when first used
    assert r.transcribe(load(say("go ahead", tmp_path / "g.wav", voice="en-gb"))).text == "go ahead"
    with pytest.raises(ConfigError, match="asr -> confirmation_backend"):
        create_recognizer(AsrConfig(confirmation_backend="nope"), VOCAB, "confirmation")
