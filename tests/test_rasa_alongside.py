"""Rasa alongside: ``nlu.backend = "rasa"`` asks a real Rasa 3.6 server, and a real Rasa assistant answers
plant questions through ``plantvoice rasa actions`` (rasa-sdk), all on 127.0.0.1.

One Rasa assistant is exported from ``intents/en`` with ``--actions`` (a rule per intent to
``action_plantvoice``), trained once (DIET, TEST_EPOCHS) and served with ``--connector rest`` and the
action server of the export's endpoints.yml. The Rasa venv is made as in rasa_venv.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rasa_sdk.executor import ActionExecutor

from assistant.cli import main
from assistant.config import load_config
from assistant.pipeline import Pipeline
from assistant.events import Entity
from assistant.rasa.actions import PlantAnswer
from assistant.rasa.understand import reading
from assistant.serve.auth import Caller
from assistant.serve.sessions import Sessions
from rasa_venv import rasa_bin, rasa_env, rasa_server, rasa_venv  # noqa: F401 - the fixture
from serve_server import free_port, serving

ROOT = Path(__file__).resolve().parent.parent
TEST_EPOCHS = 15  # as tests/test_rasa_project.py: enough for the sentences below


@pytest.fixture(scope="module")
def assistant(rasa_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(the Rasa server's URL, the action server's data directory): a Rasa assistant exported from
    intents/en, trained, answering through ``plantvoice rasa actions`` (role operator)."""
    root = tmp_path_factory.mktemp("rasa-assistant")
    project, port = root / "project", free_port()
    assert main(["rasa", "export", str(project), "--epochs", str(TEST_EPOCHS),
                 "--actions", f"http://127.0.0.1:{port}/webhook"]) == 0
    trained = subprocess.run([str(rasa_bin()), "train", "--fixed-model-name", "plant", "--out", "models"],
                             cwd=project, env=rasa_env(), capture_output=True, text=True, timeout=1800)
    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    config = f'data_dir = "{root / "data"}"\n[plant]\nhistory_days = 1\n[rasa]\nactions_role = "operator"\n'
    with serving(root, config, command=("rasa", "actions"), health="/health", port=port):
        with rasa_server(project / "models", root / "rasa.log",
                         ("--endpoints", str(project / "endpoints.yml"), "--connector", "rest")) as url:
            yield url, root / "data"


def say(url: str, sender: str, text: str) -> tuple[str, dict]:
    """What the Rasa assistant answers ``text`` in conversation ``sender``: (its text, plantvoice's data)."""
    replies = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60).json()
    said = " ".join(r["text"] for r in replies if "text" in r)
    custom = [r["custom"]["plantvoice"] for r in replies if "custom" in r]
    assert len(custom) == 1, replies
    return said, custom[0]


def test_a_rasa_assistant_answers_plant_values_through_the_action_server(assistant: tuple[str, Path]) -> None:
    url, _ = assistant
    said, data = say(url, "desk-1", "what is the bearing temperature of feed pump two")
    answer = data["answer"]
    assert data["intent"]["name"] == "sensor_reading"
    assert answer["data"]["asset"] == "P-102" and answer["data"]["measurement"] == "bearing_temperature"
    assert answer["data"]["source"] == "historian:P-102.bearing_temperature"
    assert said == answer["text"] and "P one oh two" in said
    assert data["session"]["station"] == "rasa-desk-1"


def test_a_write_through_rasa_waits_for_a_clear_yes_in_its_own_conversation(assistant: tuple[str, Path]) -> None:
    url, _ = assistant
    said, data = say(url, "desk-2", "acknowledge the alarm on the main transformer")
    assert data["answer"]["awaiting"] == "confirm", said
    assert "acknowledged" not in data["answer"]["data"]
    _, other = say(url, "desk-3", "yes")  # another conversation's yes confirms nothing here
    assert "acknowledged" not in other["answer"]["data"]
    _, cancelled = say(url, "desk-2", "cancel")
    assert cancelled["answer"]["awaiting"] is None and "acknowledged" not in cancelled["answer"]["data"]
    _, again = say(url, "desk-2", "acknowledge the alarm on the main transformer")
    assert again["answer"]["awaiting"] == "confirm"
    said, done = say(url, "desk-2", "yes")
    acknowledged = done["answer"]["data"]["acknowledged"]
    assert acknowledged and all(a["asset"] == "T1" for a in acknowledged), done


def test_backend_rasa_understands_through_the_rasa_server(assistant: tuple[str, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = assistant
    for key, value in {"PLANTVOICE_NLU_BACKEND": "rasa", "PLANTVOICE_NLU_RASA_URL": url,
                       "PLANTVOICE_DATA_DIR": str(tmp_path), "PLANTVOICE_PLANT_HISTORY_DAYS": "1"}.items():
        monkeypatch.setenv(key, value)
    assert main(["ask", "--json", "any predicted faults on cooling water pump one"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["intent"]["name"] == "fault_prediction"
    assert {"entity": "asset", "value": "P-201"}.items() <= out["entities"][0].items()  # Rasa's words, the plant's id
    assert out["data"]["asset"] == "P-201"
    assert main(["ask", "--json", "what is the level in tank seven"]) == 0
    unknown = json.loads(capsys.readouterr().out)
    assert not any(e["entity"] == "asset" for e in unknown["entities"]), unknown  # no asset but the one meant
    assert "asset" not in unknown["data"] and "value" not in unknown["data"], unknown  # refused or "I don't know"


def test_backend_rasa_without_a_server_is_a_one_line_error(tmp_path: Path) -> None:
    env = {"PLANTVOICE_NLU_BACKEND": "rasa", "PLANTVOICE_NLU_RASA_URL": f"http://127.0.0.1:{free_port()}",
           "PLANTVOICE_DATA_DIR": str(tmp_path)}
    done = subprocess.run([str(Path(sys.executable).with_name("plantvoice")), "ask", "is feed pump two running"],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "did not answer" in lines[0] and "nlu -> rasa_url" in lines[0], done.stderr


def test_the_action_server_refuses_writes_to_a_viewer(tmp_path: Path) -> None:
    """The default role of a Rasa conversation is viewer: an acknowledge is refused, not read back."""
    config = load_config(env={"PLANTVOICE_DATA_DIR": str(tmp_path), "PLANTVOICE_PLANT_HISTORY_DAYS": "1"})
    assert config.rasa.actions_role == "viewer"
    executor = ActionExecutor()
    executor.register_action(PlantAnswer(Pipeline.from_config(config), Sessions(config),
                                         Caller("rasa", None, config.rasa.actions_role)))
    text = "acknowledge the alarm on the main transformer"
    message = {"text": text, "intent": {"name": "alarm_acknowledge", "confidence": 0.97}, "entities": [],
               "intent_ranking": [{"name": "alarm_acknowledge", "confidence": 0.97}]}
    call = {"next_action": "action_plantvoice", "sender_id": "tablet", "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": "tablet", "slots": {}, "latest_message": message, "events": [],
                        "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen"}}
    result = asyncio.run(executor.run(call))
    assert result is not None
    reply = result.model_dump()["responses"][0]
    answer = reply["custom"]["plantvoice"]["answer"]
    assert answer["awaiting"] is None and "acknowledged" not in answer["data"], answer
    assert "operator" in reply["text"], reply["text"]


def test_reading_keeps_the_plants_entities_and_rasas_open_ones() -> None:
    """Rasa's asset words give way to plantvoice's (found or not); an entity of another kind keeps its role."""
    text = "fly anna from feed pump two"
    parsed = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3},
              "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "book", "confidence": 0.2}],
              "entities": [{"entity": "asset", "value": "the", "start": 0, "end": 3},
                           {"entity": "person", "value": "anna", "start": 4, "end": 8, "role": "traveller"},
                           {"entity": "city", "value": "feed pump", "start": 14, "end": 23}]}
    own = [Entity("asset", "P-102", 14, 27, "feed pump two")]
    intent = reading(parsed, own, {"asset", "measurement"})
    assert intent.name == "out_of_scope" and intent.ranking[0] == ("out_of_scope", 0.3)
    assert [(e.entity, e.value, e.role) for e in intent.entities] == [("person", "anna", "traveller"),
                                                                      ("asset", "P-102", None)]
