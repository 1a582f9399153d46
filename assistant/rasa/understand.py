"""Rasa alongside: a Rasa server understands, plantvoice's lists give the values.

    understander = RasaUnderstander(config.nlu, lookups, intents_dir)   # nlu -> backend = "rasa"
    understander.parse("what is the bearing temperature of feed pump two")

``parse`` sends the text to the Rasa server's ``POST /model/parse`` (``nlu -> rasa_url``) and reads its
answer with ``reading``, as the action server reads a Rasa tracker's latest message:

* the intent and its ranking are Rasa's; Rasa's ``nlu_fallback`` is ``out_of_scope``;
* entities of the kinds plantvoice's extractor finds (the plant's and the data's lists with their
  sound-alikes, time ranges, numbers, note text, regexes) are plantvoice's: values such as ``P-102``
  come from the plant's lists, never from Rasa's words (DIET finds the plant's entities poorly:
  benchmarks/RESULTS.md), and a name no list knows ("tank seven") is left to the dialogue, which says
  it does not know it;
* entities of other kinds (open classes a domain annotates, such as a person's name) are Rasa's,
  where they do not overlap plantvoice's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from ..config import NluConfig
from ..errors import BackendError, ConfigError
from ..events import OUT_OF_SCOPE, Entity, Intent
from ..nlu.data import Intents, load_intents
from ..nlu.entities import EntityExtractor
from ..nlu.timerange import ShiftTimes
from .project import FALLBACK

__all__ = ["RasaUnderstander", "reading"]


def reading(parsed: Mapping[str, Any], own: Sequence[Entity] = (), kinds: Collection[str] = ()) -> Intent:
    """The Intent of a Rasa parse result (``/model/parse``, a tracker's ``latest_message``); ``own``:
    the entities plantvoice's extractor found in the same text, ``kinds`` the entities it can find."""
    text = str(parsed.get("text") or "")
    top = parsed.get("intent") or {}
    name = _name(top.get("name"))
    ranking = tuple((_name(r.get("name")), round(float(r.get("confidence") or 0.0), 4))
                    for r in parsed.get("intent_ranking") or ())
    theirs = [_entity(e, text) for e in parsed.get("entities") or () if e.get("entity") not in kinds]
    found = [*own, *(e for e in theirs if not any(o.start < e.end and e.start < o.end for o in own))]
    return Intent(text, name, round(float(top.get("confidence") or 0.0), 4),
                  tuple(sorted(found, key=lambda e: e.start)), ranking)


def _name(name: Any) -> str:
    return OUT_OF_SCOPE if not name or name == FALLBACK else str(name)


def _entity(e: Mapping[str, Any], text: str) -> Entity:
    start, end = int(e.get("start") or 0), int(e.get("end") or 0)
    return Entity(str(e.get("entity")), str(e.get("value")), start, end, text[start:end],
                  round(float(e.get("confidence_entity") or 1.0), 4), role=e.get("role"), group=e.get("group"))


class RasaUnderstander:
    """Understands through a Rasa server; the plant's lists and the intents data give entity values."""

    def __init__(self, config: NluConfig, lookups: Mapping[str, Mapping[str, Sequence[str]]],
                 intents_dir: str | Path, now: Callable[[], datetime] | None = None,
                 intents: Intents | None = None, shifts: Sequence[ShiftTimes] | None = None) -> None:
        if not config.rasa_url.startswith(("http://", "https://")):
            raise ConfigError(f"config value nlu -> rasa_url = {config.rasa_url!r} is not an http(s) URL; set the Rasa "
                              "server's address, e.g. http://127.0.0.1:5005")
        self.url = config.rasa_url.rstrip("/")
        self.extractor = EntityExtractor(lookups, intents if intents is not None else load_intents(intents_dir))
        self.now = now or (lambda: datetime.now().astimezone())
        self.shifts = shifts
        self.client = httpx.Client(timeout=config.rasa_timeout_s)

    def parse(self, text: str) -> Intent:
        if not isinstance(text, str) or not text.strip():
            return Intent(text if isinstance(text, str) else "", OUT_OF_SCOPE, 0.0)
        where = f"{self.url}/model/parse"
        try:
            response = self.client.post(where, json={"text": text})
            response.raise_for_status()
            parsed = response.json()
        except httpx.HTTPStatusError as e:
            raise BackendError(f"the Rasa server at {where} answered {e.response.status_code}; check that it runs "
                               "with --enable-api and has a model loaded (nlu -> rasa_url)") from None
        except (httpx.HTTPError, ValueError) as e:
            raise BackendError(f"the Rasa server at {where} did not answer ({type(e).__name__}); start it with "
                               "`rasa run --enable-api` or correct nlu -> rasa_url in the config") from None
        return reading({**parsed, "text": text}, self.entities(text), self.extractor.kinds)

    def entities(self, text: str) -> tuple[Entity, ...]:
        return tuple(self.extractor.extract(text, now=self.now(), shifts=self.shifts))
