"""The command line as a script sees it: JSON shapes, stdin batches, exit codes, bad input.

Runs the real ``plantvoice`` entry point (in-process through ``main`` for speed,
and as a subprocess where exit codes and stderr lines matter) on real speech.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from assistant.answer import unexplained_numbers
from assistant.cli import main
from speech import say

ROOT = Path(__file__).resolve().parent.parent
PLANTVOICE = str(Path(sys.executable).parent / "plantvoice")


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("PLANTVOICE_DATA_DIR", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, list[str], str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, [line for line in out.splitlines() if line.strip()], err


def cli(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([PLANTVOICE, *argv], input=stdin, capture_output=True, text=True, timeout=300)


def test_ask_json_names_intent_entities_and_the_plant_values_spoken(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "ask", "--json", "what is the bearing temperature of feed pump two")
    assert code == 0 and len(lines) == 1
    out = json.loads(lines[0])
    assert out["intent"]["name"] == "sensor_reading"
    assert {(e["entity"], e["value"]) for e in out["entities"]} >= {("asset", "P-102"),
                                                                    ("measurement", "bearing_temperature")}
    for e in out["entities"]:
        assert e["end"] > e["start"] >= 0
    assert out["data"]["asset"] == "P-102" and isinstance(out["data"]["value"], float)
    assert "P one oh two" in out["answer"]
    assert unexplained_numbers(out["answer"], out["data"]) == []


def test_ask_reads_one_request_per_stdin_line(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    requests = ["show me the active alarms", "any predicted faults on gas turbine one", "what's the weather like"]
    code, lines, _ = run(capsys, "ask", "--json", stdin="\n".join(requests) + "\n", monkeypatch=monkeypatch)
    assert code == 0
    outs = [json.loads(line) for line in lines]
    assert [o["text"] for o in outs] == requests
    assert [o["intent"]["name"] for o in outs] == ["alarm_list", "fault_prediction", "out_of_scope"]
    for o in outs:
        assert unexplained_numbers(o["answer"], o["data"]) == []


def test_ask_speak_writes_the_spoken_answer(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wav = tmp_path / "answer.wav"
    code, lines, _ = run(capsys, "ask", "--speak", str(wav), "how is the battery storage doing")
    assert code == 0 and lines
    with wave.open(str(wav)) as w:
        assert w.getnframes() / w.getframerate() > 1.0


def test_parse_has_rasas_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "parse", "--json", "acknowledge the alarm on the main transformer")
    out = json.loads(lines[0])
    assert code == 0 and set(out) == {"text", "intent", "entities", "intent_ranking"}
    assert out["intent"]["name"] == "alarm_acknowledge"
    assert [e["value"] for e in out["entities"] if e["entity"] == "asset"] == ["T1"]
    ranking = [r["confidence"] for r in out["intent_ranking"]]
    assert ranking == sorted(ranking, reverse=True) and len(ranking) > 1


def test_same_engine_serves_another_domain_from_data_alone(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path, drinks_dir: Path) -> None:
    intents = drinks_dir
    code, lines, _ = run(capsys, "parse", "--json", "--intents", str(intents), "could I get a medium soy latte")
    out = json.loads(lines[0])
    assert code == 0 and out["intent"]["name"] == "order_drink"
    assert {(e["entity"], e["value"]) for e in out["entities"]} == {("size", "medium"), ("milk", "soy")}
    wav = say("is my coffee ready yet", tmp_path / "order.wav", voice="en-gb")
    code, lines, _ = run(capsys, "understand", "--json", "--intents", str(intents), str(wav))
    out = json.loads(lines[0])
    assert code == 0 and out["intent"]["name"] == "check_order" and "coffee" in out["transcript"].lower()


def test_transcribe_and_understand_take_many_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first = say("show me the active alarms", tmp_path / "a.wav", voice="en-us", rate=44100)
    second = say("what is the oil temperature of the main transformer", tmp_path / "b.wav", voice="en-gb+m3",
                 rate=8000)
    code, lines, _ = run(capsys, "transcribe", "--json", str(first), str(second))
    outs = [json.loads(line) for line in lines]
    assert code == 0 and [o["audio"] for o in outs] == [str(first), str(second)]
    assert "alarm" in outs[0]["text"].lower() and "transformer" in outs[1]["text"].lower()
    for o in outs:
        assert set(o) == {"audio", "text", "confidence", "words", "duration_s", "seconds"}
        assert 1.0 < o["duration_s"] < 6.0 and o["seconds"] > 0 and 0 < o["confidence"] <= 1
    code, lines, _ = run(capsys, "transcribe", "--json", "--mode", "dictation", str(second))
    words = json.loads(lines[0])["words"]
    assert words and all(w["end"] >= w["start"] for w in words) and all(0 < w["confidence"] <= 1 for w in words)
    code, lines, _ = run(capsys, "understand", "--json", str(first), str(second))
    outs = [json.loads(line) for line in lines]
    assert [o["intent"]["name"] for o in outs] == ["alarm_list", "sensor_reading"]
    assert {"audio", "transcript", "text", "intent", "entities", "intent_ranking"} <= set(outs[1])


def _stereo(path: Path, rate: int, seconds: float, signal: np.ndarray | None = None) -> Path:
    n = int(rate * seconds)
    mono = np.zeros(n, dtype=np.int16) if signal is None else signal
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(mono, 2).tobytes())
    return path


def test_silence_and_stereo_rates_are_handled(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    silence = _stereo(tmp_path / "silence.wav", 48000, 3.0)
    speech16 = say("give me an overview of the plant", tmp_path / "s.wav", voice="en-us", speed=150, rate=48000)
    with wave.open(str(speech16)) as w:
        mono = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    stereo = _stereo(tmp_path / "stereo48k.wav", 48000, 0, mono)
    code, lines, _ = run(capsys, "understand", "--json", str(silence), str(stereo))
    outs = [json.loads(line) for line in lines]
    assert code == 0
    assert outs[0]["intent"]["name"] == "out_of_scope" and outs[0]["intent"]["confidence"] == 0.0
    assert outs[1]["intent"]["name"] == "plant_overview"


@pytest.mark.parametrize("content", [b"ID3\x04\x00 this is an mp3", b"RIFF\x10\x00\x00\x00WAVEfmt "])
def test_bad_audio_gives_one_line_and_exit_2(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    done = cli("understand", str(bad))
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "bad.wav" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_text_and_config_give_one_line_and_exit_2(tmp_path: Path) -> None:
    for argv, stdin, needle in ((["ask", "   "], "", "empty"), (["ask"], "x" * 100_000 + "\n", "over 1000 characters"),
                                (["parse", "--intents", str(tmp_path / "none"), "hi"], "", "--intents")):
        done = cli(*argv, stdin=stdin)
        assert done.returncode == 2 and needle in done.stderr, (argv, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1
    done = subprocess.run([PLANTVOICE, "ask", "hello"], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "PLANTVOICE_ASR_BEAM_SIZE": "wide"})
    assert done.returncode == 2 and "asr -> beam_size" in done.stderr


def test_long_audio_is_no_request_but_dictation_takes_it(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    long = _stereo(tmp_path / "long.wav", 16000, 600.0)
    code, _, err = run(capsys, "understand", str(long))
    assert code == 2 and "dictation" in err and "long.wav" in err
    code, lines, _ = run(capsys, "transcribe", "--json", "--mode", "dictation", str(long))
    out = json.loads(lines[0])
    assert code == 0 and out["duration_s"] == pytest.approx(600.0) and out["text"] == ""


def test_chat_confirms_before_acknowledging(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    stdin = "acknowledge the alarm on the main transformer\nyes\nshow me the active alarms\n"
    monkeypatch.setenv("PLANTVOICE_STATION_DEFAULT_ROLE", "operator")  # nobody signed on acknowledges as operator
    code, lines, _ = run(capsys, "chat", "--json", stdin=stdin, monkeypatch=monkeypatch)
    outs = [json.loads(line) for line in lines]
    assert code == 0 and [o["intent"]["name"] for o in outs] == ["alarm_acknowledge", "confirm", "alarm_list"]
    assert outs[0]["awaiting"] == "confirm"
    code, lines, _ = run(capsys, "audit", "list", "--json")
    writes = [e for e in json.loads(lines[0])["entries"] if e["kind"] == "write"]
    assert code == 0 and [(w["write"], w["target"]["asset"]) for w in writes] == [("alarm_acknowledge", "T1")]
