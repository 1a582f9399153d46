"""`plantvoice bench speech`: real recordings (../shared/speech/home-assistant-phrases) through the real
denoiser, faster-whisper and the classifier trained on the home-assistant domain of benchmarks/domains."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.audio import load_wav
from assistant.cli import main
from assistant.errors import DataError
from assistant.speech_bench import load_manifest, mix, word_errors
from tests.conftest import shared

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / "benchmarks" / "domains" / "home-assistant"


@pytest.fixture()
def phrases() -> Path:
    return shared("speech", "home-assistant-phrases")


def _manifest(path: Path, rows: list[dict[str, object] | str]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("line, words", [
    ("{not json", "not valid JSON"),
    ('{"audio": "x.wav"}', 'no "intent"'),
    ('{"audio": "missing.wav", "intent": "HassTurnOn"}', "not found"),
    ('{"audio": "AUDIO", "intent": "HassTurnOn", "slots": ["TV"]}', '"slots" must map entity to value'),
    ('{"audio": "AUDIO", "intent": "HassTurnOn", "entities": [{"entity": "name"}]}', '"entities" must be a list'),
])
def test_a_bad_manifest_line_is_named_by_file_and_line(tmp_path: Path, phrases: Path, line: str, words: str) -> None:
    audio = phrases / "en" / "cancel timer.wav"
    good = {"audio": str(audio), "intent": "HassCancelTimer"}
    path = _manifest(tmp_path / "m.jsonl", [good, "", line.replace("AUDIO", str(audio))])
    with pytest.raises(DataError) as caught:
        load_manifest(path)
    assert str(caught.value).startswith(f"{path}:3: ") and words in str(caught.value)


def test_the_shipped_manifest_lists_every_english_recording(phrases: Path) -> None:
    recordings = load_manifest(HOME / "manifest.jsonl")
    groups = [r.group for r in recordings]
    assert groups.count("human") == 35 and groups.count("synthetic") == 73
    oov = [r for r in recordings if r.audio.name.startswith("oov_")]
    assert len(oov) == 4 and all(r.intent == "out_of_scope" and not r.slots for r in oov)
    assert all(r.transcript for r in recordings if r.command) and all(r.audio.is_file() for r in recordings)


def test_noise_is_mixed_at_the_signal_to_noise_ratio_asked(phrases: Path) -> None:
    clean = load_wav(phrases / "en" / "what's the weather.wav")
    for snr in (0.0, 12.0):
        noisy = mix(clean, snr, seed=3)
        noise = noisy.astype(np.float64) - clean
        measured = 10 * np.log10(np.mean(clean.astype(np.float64) ** 2) / np.mean(noise ** 2))
        assert abs(measured - snr) < 0.1
    assert np.array_equal(mix(clean, 12.0, seed=3), mix(clean, 12.0, seed=3))


def test_word_error_rate_sets_case_punctuation_and_number_forms_aside() -> None:
    assert word_errors("set Bed Light brightness to 50 percent", "Set bed light brightness to 50%.") == (0, 7)
    assert word_errors("set a timer for five minutes", "Set a timer for 9 minutes.") == (1, 6)
    assert word_errors("cancel timer", "") == (2, 2)


def test_bench_speech_scores_real_recordings_clean_and_in_noise(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, phrases: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANTVOICE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PLANTVOICE_NLU_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("PLANTVOICE_PLANT_HISTORY_DAYS", "1")  # the pipeline's plant: a day of history is plenty
    en = phrases / "en"
    manifest = _manifest(tmp_path / "m.jsonl", [
        {"audio": str(en / "set Kitchen lights to green.wav"), "intent": "HassLightSet", "group": "human",
         "slots": {"area": "Kitchen", "color": "green"}, "transcript": "set Kitchen lights to green"},
        {"audio": str(en / "oov_1.wav"), "intent": "out_of_scope", "group": "human"},
    ])
    code = main(["bench", "speech", "--intents", str(HOME), "--manifest", str(manifest), "--noise", "12", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    scores = {(s["condition"], s["group"]): s for s in report["scores"]}
    assert set(scores) == {("clean", "all"), ("clean", "human"), ("12 dB white", "all"), ("12 dB white", "human")}
    clean = scores[("clean", "all")]
    assert (clean["recordings"], clean["commands"], clean["slots"], clean["out_of_scope"]) == (2, 1, 2, 1)
    assert clean["acceptance"] == 1.0 and clean["slot_accuracy"] == 1.0 and clean["oos_rejection"] == 1.0
    assert clean["wer"] is not None and clean["wer"] <= 0.2
    assert 0 < clean["latency_p50_s"] <= clean["latency_p95_s"]
    lights = [r for r in report["results"] if r["expected"] == "HassLightSet"]
    assert [r["condition"] for r in lights] == ["clean", "12 dB white"]
    assert lights[0]["found"] == {"area": "Kitchen", "color": "green"} and lights[0]["accepted"]


def test_bench_speech_bad_usage_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = _manifest(tmp_path / "bad.jsonl", ['{"audio": "nowhere.wav", "intent": "HassTurnOn"}'])
    for argv, words in ((["bench", "speech"], "needs --manifest"),
                        (["bench", "speech", "--manifest", str(bad)], f"{bad}:1: audio")):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and words in err
