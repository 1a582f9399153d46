"""benchmarks/speak_set.py: a labelled set spoken into WAVs and the manifest `plantvoice bench speech` reads."""

from __future__ import annotations

import importlib.util
import json
import wave
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SET = """version: "3.1"
nlu:
- intent: compare
  examples: |
    - compare the [vibration](measurement:vibration) of [feed pump one](asset:P-101) and [feed pump two](asset:P-102)
- intent: trend
  examples: |
    - how did the [load](measurement:load) on [feeder three](asset:F3) change over [the last two hours](time_range)
"""


@pytest.fixture(scope="module")
def speak_set() -> ModuleType:
    spec = importlib.util.spec_from_file_location("speak_set", ROOT / "benchmarks" / "speak_set.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_manifest_lines_carry_audio_intent_slots_transcript_voice(speak_set: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "set.yml").write_text(SET, encoding="utf-8")
    assert speak_set.main([str(tmp_path / "set.yml"), str(tmp_path / "out"), "--voice", "en-us", "--noise", "10"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert [(r["intent"], r["snr_db"]) for r in rows] == [("compare", None), ("compare", 10.0),
                                                           ("trend", None), ("trend", 10.0)]
    assert rows[0]["slots"] == {"measurement": "vibration", "asset": ["P-101", "P-102"]}
    assert rows[2]["slots"] == {"measurement": "load", "asset": "F3", "time_range": "the last two hours"}
    assert rows[2]["transcript"] == "how did the load on feeder three change over the last two hours"
    assert {r["voice"] for r in rows} == {"en-us"}
    for r in rows:
        with wave.open(r["audio"]) as w:  # absolute paths, 16 kHz mono 16-bit
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
            assert w.getnframes() > 16000


def test_a_missing_set_is_one_line(speak_set: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert speak_set.main([str(tmp_path / "none.yml"), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "none.yml" in err[0] and "set not found" in err[0]


@pytest.mark.parametrize("voice", ["hibari:heart", "piper:joe"])
def test_neural_voices_speak_the_same_audio_twice(speak_set: ModuleType, tmp_path: Path, voice: str) -> None:
    (tmp_path / "set.yml").write_text(SET, encoding="utf-8")
    examples = speak_set.load_set(tmp_path / "set.yml")[:1]
    [a] = speak_set.speak_set(examples, tmp_path / "a", [voice], [None])
    [b] = speak_set.speak_set(examples, tmp_path / "b", [voice], [None])
    assert Path(a["audio"]).read_bytes() == Path(b["audio"]).read_bytes()
