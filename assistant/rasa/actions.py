"""``plantvoice rasa actions``: a rasa-sdk action server that answers a Rasa assistant from the plant.

    .venv/bin/plantvoice rasa actions --port 5055     # endpoints.yml: action_endpoint: url: http://127.0.0.1:5055/webhook

One action, ``action_plantvoice``, answers the latest user message of a Rasa conversation: Rasa's
intent, with the plant's entities as plantvoice finds them (``understand.reading``), goes to the
plant's dialogue, in a session of its own per Rasa conversation (``sender_id``), and the answer comes
back as the bot's text, with the values it used as a custom message (``{"plantvoice": {...}}``) so
every number can be traced. A write is read back and carried out only on a clear yes in the same
conversation, and only for a role that may (``rasa -> actions_role``; viewer by default).
``plantvoice rasa export DIR --actions URL`` writes the Rasa project whose rules call it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from ..config import Config
from ..pipeline import Pipeline
from ..serve.auth import Caller
from ..serve.sessions import STATION_ID, Sessions, respond
from .project import ACTION
from .understand import reading

__all__ = ["PlantAnswer", "serve", "station_of"]

def station_of(sender_id: str) -> str:
    """The session of a Rasa conversation: ``rasa-<sender_id>``, or a digest of an id no station name can hold."""
    station = f"rasa-{sender_id}"
    if STATION_ID.fullmatch(station):
        return station
    return f"rasa-{hashlib.sha256(str(sender_id).encode()).hexdigest()[:32]}"


class PlantAnswer(Action):
    """``action_plantvoice``: the plant's answer to the latest user message."""

    def __init__(self, pipeline: Pipeline, sessions: Sessions, caller: Caller) -> None:
        self.pipeline, self.sessions, self.caller = pipeline, sessions, caller

    def name(self) -> str:
        return ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        text = str(message.get("text") or "")
        session = self.sessions.get(self.caller, station_of(tracker.sender_id))
        with session.on(self.pipeline) as pipeline:
            understander = pipeline.understander
            intent = reading(message, understander.entities(text), understander.extractor.kinds)  # both have one
            answer = respond(pipeline, intent, text)
        dispatcher.utter_message(text=answer.text, json_message={"plantvoice": {
            "intent": intent.event()["data"], "answer": answer.event()["data"], "session": session.me()}})
        return []


def serve(config: Config, host: str, port: int) -> None:
    """Serve ``action_plantvoice`` at ``http://host:port/webhook`` until stopped."""
    pipeline = Pipeline.from_config(config)
    executor = ActionExecutor()
    executor.register_action(PlantAnswer(pipeline, Sessions(config), Caller("rasa", None, config.rasa.actions_role)))
    app = create_app(executor, cors_origins="")
    print(f"plantvoice rasa actions: {ACTION} at http://{host}:{port}/webhook (role {config.rasa.actions_role})",
          flush=True)
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)
