"""The live loop end to end on a real PortAudio device.

``plantvoice listen`` runs as a subprocess recording from the PulseAudio null
sink's monitor; the test plays spoken requests into that sink, as a person
speaking into the microphone would, and reads the answers the loop prints.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.audio import load_wav, play
from assistant.config import AudioConfig
from speech import say

PLANTVOICE = str(Path(sys.executable).parent / "plantvoice")


class Listener:
    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([PLANTVOICE, "listen", "--json", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put), daemon=True).start()
        ready = threading.Event()

        def on_err(line: str) -> None:
            self.errors.append(line)
            if "Ctrl-C ends" in line:
                ready.set()

        threading.Thread(target=self._pump, args=(self.proc.stderr, on_err), daemon=True).start()
        assert ready.wait(180), f"listen did not start: {self.errors}"

    @staticmethod
    def _pump(stream: object, put: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            put(line)  # type: ignore[operator]

    def next(self, timeout: float) -> dict[str, object] | None:
        try:
            return json.loads(self.lines.get(timeout=timeout))
        except queue.Empty:
            return None

    def press(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(30)


@pytest.fixture()
def env(tmp_path: Path, pulse: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **pulse, "PLANTVOICE_DATA_DIR": str(tmp_path / "data")}


def speak_into_microphone(text: str, tmp_path: Path, voice: str = "en-us") -> None:
    play(say(text, tmp_path / "request.wav", voice=voice, speed=150), AudioConfig())


def test_listen_answers_a_spoken_request_and_not_itself(env: dict[str, str], tmp_path: Path) -> None:
    listener = Listener(env=env)
    try:
        play(np.random.default_rng(1).normal(0, 300, 16000 * 2).astype(np.int16), AudioConfig())
        assert listener.next(timeout=5) is None  # noise alone is no request
        speak_into_microphone("show me the active alarms", tmp_path)
        turn = listener.next(timeout=90)
        assert turn is not None, listener.errors
        assert turn["intent"]["name"] == "alarm_list", turn  # type: ignore[index]
        assert "alarm" in str(turn["answer"]).lower() and turn["data"]
        # The spoken answer goes out through the same sink the microphone hears:
        # the loop must not take its own voice for a request.
        answer = tmp_path / "data" / "answers" / "answer-0001.wav"
        for _ in range(100):
            if answer.exists():
                break
            time.sleep(0.1)
        assert listener.next(timeout=len(load_wav(answer)) / 16000 + 3) is None
        assert sorted(answer.parent.glob("answer-*.wav")) == [answer]
        speak_into_microphone("what is the oil temperature of the main transformer", tmp_path, voice="en-gb")
        turn = listener.next(timeout=90)
        assert turn is not None and turn["intent"]["name"] == "sensor_reading"  # type: ignore[index]
        assert {"entity": "asset", "value": "T1"}.items() <= next(
            e for e in turn["entities"] if e["entity"] == "asset").items()  # type: ignore[union-attr]
    finally:
        code = listener.stop()
    assert code == 0 and any("stopped listening" in line for line in listener.errors)


def test_push_to_talk_takes_only_what_is_said_while_held(env: dict[str, str], tmp_path: Path) -> None:
    listener = Listener("--push-to-talk", "--no-speak", env=env)
    try:
        speak_into_microphone("show me the active alarms", tmp_path)
        assert listener.next(timeout=5) is None  # not pressed: nothing taken
        listener.press()
        time.sleep(0.3)
        speak_into_microphone("what is the oil temperature of the main transformer", tmp_path)
        listener.press()
        turn = listener.next(timeout=90)
        assert turn is not None, listener.errors
        assert turn["intent"]["name"] == "sensor_reading", turn  # type: ignore[index]
        assert "transformer" in str(turn["transcript"]).lower() and "alarm" not in str(turn["transcript"]).lower()
    finally:
        assert listener.stop() == 0


def test_spoken_confirmation_acknowledges_only_after_yes(tmp_path: Path) -> None:
    """A write read back by voice waits for a spoken yes, heard by the confirmation recognizer."""
    from assistant.config import load_config
    from assistant.events import SpokenRequest
    from assistant.pipeline import Pipeline

    config = load_config(env={"PLANTVOICE_DATA_DIR": str(tmp_path / "data"), "PLANTVOICE_STATION_DEFAULT_ROLE": "operator"})
    pipeline = Pipeline.from_config(config)

    def hear(text: str, voice: str) -> object:
        wav = say(text, tmp_path / "turn.wav", voice=voice, speed=150)
        return pipeline.turn(SpokenRequest(load_wav(wav).tobytes()))

    intent, answer = pipeline.ask("acknowledge the alarm on the main transformer")
    assert intent.name == "alarm_acknowledge" and answer.awaiting == "confirm"
    turn = hear("the weather is fine today", "en-gb")  # not an answer to the question: nothing written
    assert turn.intent.name != "confirm" or "still waiting" in turn.answer.text  # type: ignore[attr-defined]
    intent, answer = pipeline.ask("acknowledge the alarm on the main transformer")
    assert not [e for e in pipeline.audit.entries() if e.kind == "write"]
    turn = hear("yes", "en-us+f3")
    assert turn.intent.name == "confirm"  # type: ignore[attr-defined]
    assert turn.transcript.backend == config.asr.confirmation_backend  # type: ignore[attr-defined]
    assert [e.record["target"]["asset"] for e in pipeline.audit.entries() if e.kind == "write"] == ["T1"]
    assert [a.asset for a in pipeline.plant.alarms() if a.acknowledged] == ["T1"]
